// Deskside search page: queries GET /api/search as the user types (debounced) or presses
// Enter, renders the results with the matched terms marked, and shows the index status from
// GET /api/status. Document text is only ever inserted as text nodes, never as HTML.
"use strict";

(function () {
  const DEBOUNCE_MS = 200;
  const PAGE_SIZE = 10;

  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const summary = document.getElementById("summary");
  const message = document.getElementById("message");
  const results = document.getElementById("results");
  const more = document.getElementById("more");
  const indexStatus = document.getElementById("index-status");
  const numbers = new Intl.NumberFormat();

  let timer = 0;
  let inFlight = null;  // AbortController of the search being fetched
  let current = { query: "", shown: 0, estimated: 0 };

  const ERROR_LABELS = {
    query_syntax: "The query could not be read",
    invalid_argument: "The search request is not valid",
    not_found: "Not found",
    busy: "The index is busy, try again in a moment",
  };

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The snippet as text nodes with <mark> around each highlight. Highlights are [start, end)
  // offsets in Unicode code points; Array.from splits a string into code points.
  function snippetFragment(snippet, highlights) {
    const chars = Array.from(snippet || "");
    const spans = (Array.isArray(highlights) ? highlights : [])
      .filter((h) => Array.isArray(h) && Number.isInteger(h[0]) && Number.isInteger(h[1]))
      .sort((a, b) => a[0] - b[0]);
    const fragment = document.createDocumentFragment();
    let position = 0;
    for (const [start, end] of spans) {
      const from = Math.max(start, position);
      const to = Math.min(end, chars.length);
      if (to <= from) continue;
      if (from > position) fragment.append(chars.slice(position, from).join(""));
      fragment.append(element("mark", "", chars.slice(from, to).join("")));
      position = to;
    }
    if (position < chars.length) fragment.append(chars.slice(position).join(""));
    return fragment;
  }

  function baseName(path) {
    const parts = String(path || "").split(/[\\/]/);
    return parts[parts.length - 1];
  }

  function renderHit(hit) {
    const item = element("li", "result");
    item.append(element("h2", "result-title", hit.title || baseName(hit.path) || "(untitled)"));

    const meta = element("p", "result-meta");
    meta.append(element("span", "result-path", hit.path || ""));
    const details = [];
    if (hit.page !== null && hit.page !== undefined) details.push("page " + hit.page);
    if (hit.heading) details.push(hit.heading);
    if (hit.type) details.push(hit.type);
    if (hit.date) details.push(hit.date);
    if (typeof hit.score === "number") details.push("score " + hit.score.toFixed(2));
    for (const detail of details) meta.append(element("span", "result-detail", detail));
    item.append(meta);

    const snippet = element("p", "result-snippet");
    snippet.append(snippetFragment(hit.snippet, hit.highlights));
    item.append(snippet);
    return item;
  }

  function showMessage(text, kind) {
    message.textContent = "";
    message.className = "message" + (kind ? " message-" + kind : "");
    message.hidden = !text;
    if (text) message.append(text);
  }

  function clearResults() {
    results.replaceChildren();
    summary.textContent = "";
    more.hidden = true;
    showMessage("");
    current = { query: "", shown: 0, estimated: 0 };
  }

  function updateSummary(data) {
    const shown = current.shown;
    const about = numbers.format(data.estimated_matches);
    const ms = typeof data.elapsed_ms === "number" ? data.elapsed_ms.toFixed(1) : "?";
    summary.textContent = shown === 0 ? "" :
      `Results 1–${numbers.format(shown)} of about ${about} matching passages (${ms} ms)`;
  }

  function remember(query) {
    const url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
  }

  async function search(query, offset) {
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    const params = new URLSearchParams({ q: query, limit: String(PAGE_SIZE), offset: String(offset) });
    results.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/api/search?" + params.toString(), {
        signal: controller.signal,
        headers: { Accept: "application/json" },
      });
      let data = null;
      try {
        data = await response.json();
      } catch (e) {
        data = null;
      }
      if (controller !== inFlight) return;
      if (!response.ok) {
        const error = (data && data.error) || {};
        const label = ERROR_LABELS[error.code] || `Search failed (HTTP ${response.status})`;
        if (offset === 0) clearResults();
        showMessage(error.message ? `${label}: ${error.message}` : label, "error");
        return;
      }
      if (offset === 0) {
        results.replaceChildren();
        current = { query, shown: 0, estimated: data.estimated_matches };
      }
      showMessage("");
      const hits = Array.isArray(data.results) ? data.results : [];
      for (const hit of hits) results.append(renderHit(hit));
      current.shown += hits.length;
      updateSummary(data);
      if (current.shown === 0) {
        showMessage(`No results for “${query}”. Check the spelling, use fewer words, ` +
                    "or join alternatives with OR.", "empty");
      }
      more.hidden = hits.length < PAGE_SIZE || current.shown >= data.estimated_matches;
    } catch (e) {
      if (e.name === "AbortError") return;
      if (offset === 0) clearResults();
      showMessage("Cannot reach the Deskside service. Check that it is running.", "error");
    } finally {
      if (controller === inFlight) {
        inFlight = null;
        results.removeAttribute("aria-busy");
      }
    }
  }

  function runNow() {
    window.clearTimeout(timer);
    const query = input.value.trim();
    remember(query);
    if (!query) {
      if (inFlight) inFlight.abort();
      clearResults();
      return;
    }
    search(query, 0);
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(runNow, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && input.value) {
      input.value = "";
      runNow();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    runNow();
  });
  more.addEventListener("click", () => {
    if (current.query) search(current.query, current.shown);
  });
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement;
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });

  async function loadStatus() {
    try {
      const response = await fetch("/api/status", { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
      let text = `${numbers.format(data.documents)} documents · ` +
                 `${numbers.format(data.passages)} passages · ${numbers.format(data.failed)} failed`;
      if (data.failed > 0) text += " (deskside status --errors lists them)";
      indexStatus.textContent = text;
    } catch (e) {
      indexStatus.textContent = "Index status unavailable.";
    }
  }

  const initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    runNow();
  }
  loadStatus();
  window.setInterval(() => {
    if (document.visibilityState === "visible") loadStatus();
  }, 60000);
})();
