// The search view (#/search?q=…&collection=…&type=…&from=…&to=…): instant results from
// GET /api/search as the user types (debounced) or presses Enter, filters, snippets with the
// matched terms marked, and arrow-key movement through the results. The query and filters
// live in the URL (replaced, not pushed, while typing) so back and reload restore them.
import {collections, getJson} from './api.js';
import {clear, docHref, el, markedText, numbers, placeLabel, routeHref, setMessage, titleOf,} from './dom.js';

const DEBOUNCE_MS = 180;
const PAGE_SIZE = 10;
const FILTERS = ['collection', 'type', 'from', 'to'];

export function createSearchView() {
    const form = document.getElementById('search-form');
    const input = document.getElementById('q');
    const summary = document.getElementById('summary');
    const message = document.getElementById('search-message');
    const results = document.getElementById('results');
    const more = document.getElementById('more');
    const reset = document.getElementById('f-reset');
    const toggle = document.getElementById('f-toggle');
    const filterBox = document.getElementById('filters');
    const fields = {
        collection: document.getElementById('f-collection'),
        type: document.getElementById('f-type'),
        from: document.getElementById('f-from'),
        to: document.getElementById('f-to'),
    };

    let timer = 0;
    let inFlight = null;  // AbortController of the search being fetched
    let shown = {key: '', count: 0, estimated: 0};

    function state() {
        const s = {q: input.value.trim()};
        for (const name of FILTERS) s[name] = fields[name].value;
        return s;
    }

    const keyOf = (s) => JSON.stringify(s);

    function remember(s) {
        const href = routeHref('/search', s);
        if (window.location.hash !== href) window.history.replaceState(null, '', href);
    }

    function renderHit(hit) {
        const href = docHref(hit.document_id, hit.passage_id);
        const item = el('li', {className: 'result'});
        item.append(el('a', {className: 'result-title', href}, titleOf(hit)));
        const meta = el('p', {className: 'result-meta'});
        if (hit.type) meta.append(el('span', {className: 'badge'}, hit.type));
        const place = placeLabel(hit);
        if (place) meta.append(el('span', {className: 'result-place'}, place));
        if (hit.heading) meta.append(el('span', {className: 'result-detail'}, hit.heading));
        if (hit.collection) meta.append(el('span', {className: 'result-detail'}, hit.collection));
        if (hit.date) meta.append(el('span', {className: 'result-detail'}, hit.date));
        item.append(meta);
        const snippet = el('p', {className: 'result-snippet'});
        snippet.append(markedText(hit.snippet, hit.highlights));
        item.append(snippet);
        item.append(el('p', {className: 'result-path'}, hit.path || ''));
        return item;
    }

    function clearResults() {
        clear(results);
        summary.textContent = '';
        more.hidden = true;
        setMessage(message, '');
        shown = {key: '', count: 0, estimated: 0};
    }

    async function search(s, offset) {
        if (inFlight) inFlight.abort();
        const controller = new AbortController();
        inFlight = controller;
        const params = new URLSearchParams({q: s.q, limit: PAGE_SIZE, offset});
        for (const name of FILTERS)
            if (s[name]) params.set(name, s[name]);
        results.setAttribute('aria-busy', 'true');
        try {
            const data = await getJson('/api/search?' + params, controller.signal);
            if (controller !== inFlight) return;
            if (offset === 0) {
                clear(results);
                shown = {key: keyOf(s), count: 0, estimated: data.estimated_matches || 0};
            }
            setMessage(message, '');
            const hits = Array.isArray(data.results) ? data.results : [];
            for (const hit of hits) results.append(renderHit(hit));
            shown.count += hits.length;
            const ms = typeof data.elapsed_ms === 'number' ? data.elapsed_ms.toFixed(1) : '?';
            summary.textContent = shown.count === 0 ?
                '' :
                `${numbers.format(shown.count)} of about ${numbers.format(shown.estimated)} ` +
                    `matching passages · ${ms} ms` + (data.mode ? ` · ${data.mode}` : '');
            if (shown.count === 0) {
                const filtered = FILTERS.some((name) => s[name]);
                const advice = 'Check the spelling, use fewer words, join alternatives with OR' +
                    (filtered ? ', or clear the filters.' : '.');
                setMessage(message, `No results for “${s.q}”. ${advice}`, 'empty');
            }
            more.hidden = hits.length < PAGE_SIZE || shown.count >= shown.estimated;
        } catch (e) {
            if (e.name === 'AbortError') return;
            if (offset === 0) clearResults();
            setMessage(message, e.message, 'error');
        } finally {
            if (controller === inFlight) {
                inFlight = null;
                results.removeAttribute('aria-busy');
            }
        }
    }

    // Runs the search for the form's state unless those exact results are already shown.
    function runNow(force) {
        window.clearTimeout(timer);
        const s = state();
        remember(s);
        if (!s.q) {
            if (inFlight) inFlight.abort();
            inFlight = null;
            clearResults();
            return;
        }
        if (!force && keyOf(s) === shown.key) return;
        search(s, 0);
    }

    function resultLinks() { return Array.from(results.querySelectorAll('.result-title')); }

    function move(from, step) {
        const links = resultLinks();
        if (!links.length) return;
        const index = links.indexOf(from);
        const next = index < 0 ? (step > 0 ? 0 : links.length - 1) : index + step;
        if (next < 0) {
            input.focus();
            return;
        }
        const link = links[Math.min(next, links.length - 1)];
        link.focus();
        link.closest('.result').scrollIntoView({block: 'nearest'});
    }

    input.addEventListener('input', () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(() => runNow(false), DEBOUNCE_MS);
    });
    input.addEventListener('keydown', (event) => {
        if (event.key === 'ArrowDown') {
            event.preventDefault();
            move(null, 1);
        } else if (event.key === 'Escape' && input.value) {
            input.value = '';
            runNow(false);
        }
    });
    results.addEventListener('keydown', (event) => {
        if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
        const link = event.target.closest('.result-title');
        if (!link) return;
        event.preventDefault();
        move(link, event.key === 'ArrowDown' ? 1 : -1);
    });
    form.addEventListener('submit', (event) => {
        event.preventDefault();
        runNow(true);
    });
    for (const name of FILTERS)
        fields[name].addEventListener('change', () => {
            showFilterCount();
            runNow(false);
        });

    // On a phone the filters fold away behind a button that says how many are set.
    function showFilterCount() {
        const set = FILTERS.filter((name) => fields[name].value).length;
        toggle.textContent = set ? `Filters (${set})` : 'Filters';
    }
    function openFilters(open) {
        filterBox.classList.toggle('is-open', open);
        toggle.setAttribute('aria-expanded', String(open));
    }
    toggle.addEventListener('click', () => openFilters(!filterBox.classList.contains('is-open')));
    reset.addEventListener('click', () => {
        for (const name of FILTERS) fields[name].value = '';
        showFilterCount();
        runNow(false);
        input.focus();
    });
    more.addEventListener('click', () => {
        const s = state();
        if (s.q && keyOf(s) === shown.key) search(s, shown.count);
    });

    // The filter lists the collections the server knows, plus the one in the URL if it is not
    // (yet) among them; the select is hidden where the server lists none.
    async function loadCollections(selected) {
        const list = await collections();
        const select = fields.collection;
        document.getElementById('f-collection-field').hidden = list.length === 0 && !selected;
        const names = list.map((c) => c.name);
        if (selected && !names.includes(selected)) names.push(selected);
        select.replaceChildren(
            el('option', {value: ''}, 'All collections'),
            ...names.map((name) => el('option', {value: name}, name)),
        );
        select.value = selected || '';
    }

    let lastOpened = '';
    results.addEventListener('click', (event) => {
        const link = event.target.closest('.result-title');
        if (link) lastOpened = link.getAttribute('href');
    });

    return {
        enter(args, params, entering) {
            input.value = params.get('q') || '';
            for (const name of FILTERS) fields[name].value = params.get(name) || '';
            const collection = params.get('collection') || '';
            if (collection && fields.collection.value !== collection) {
                fields.collection.append(el('option', {value: collection}, collection));
                fields.collection.value = collection;
            }
            if (entering) loadCollections(collection);
            showFilterCount();
            if (FILTERS.some((name) => params.get(name))) openFilters(true);
            runNow(false);
            if (!entering) return;
            // Back from a document: focus the result that was opened, as a list would.
            const opened =
                lastOpened && resultLinks().find((a) => a.getAttribute('href') === lastOpened);
            if (opened)
                opened.focus();
            else if (!input.value)
                input.focus();
        },
        leave() { window.clearTimeout(timer); },
    };
}
