// The ask view (#/ask?q=…): sends the question to POST /api/ask with "stream": true, shows
// the answer as its tokens arrive (in an aria-live region marked busy until the end), then
// turns each [n] into a link that opens the document view at cited passage n, and lists the
// sources below. An answer the documents do not support is shown plainly as "Not answered".
import {collections, postEventStream} from './api.js';
import {clear, docHref, el, formatSeconds, placeLabel, routeHref, setMessage, titleOf} from './dom.js';

const EXCERPT_CHARS = 280;
const CITE = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

function citationHref(c) {
    const extra = {};
    if (Number.isInteger(c.quote_start) && Number.isInteger(c.quote_end) &&
        c.quote_end > c.quote_start) {
        extra.qs = c.quote_start;
        extra.qe = c.quote_end;
    }
    return docHref(c.document_id, c.passage_id, extra);
}

// The answer text with every [n] (and [n, m]) whose number is a known citation as links.
function answerFragment(text, byNumber) {
    const fragment = document.createDocumentFragment();
    let position = 0;
    for (const match of text.matchAll(CITE)) {
        const numbersIn = match[1].split(',').map((n) => Number(n.trim()));
        if (!numbersIn.some((n) => byNumber.has(n))) continue;
        fragment.append(text.slice(position, match.index));
        const group = el('span', {className: 'cite-group'}, '[');
        numbersIn.forEach((n, i) => {
            if (i) group.append(', ');
            const c = byNumber.get(n);
            if (!c) {
                group.append(String(n));
                return;
            }
            const place = placeLabel(c);
            group.append(
                el(
                    'a',
                    {
                        className: 'cite',
                        href: citationHref(c),
                        title: titleOf(c) + (place ? ', ' + place : ''),
                        'aria-label': `Source ${n}: ${titleOf(c)}${place ? ', ' + place : ''}`,
                    },
                    String(n),
                    ),
            );
        });
        group.append(']');
        fragment.append(group);
        position = match.index + match[0].length;
    }
    fragment.append(text.slice(position));
    return fragment;
}

function excerpt(c) {
    const chars = Array.from(c.text || '');
    if (Number.isInteger(c.quote_start) && Number.isInteger(c.quote_end) &&
        c.quote_end > c.quote_start)
        return chars.slice(c.quote_start, c.quote_end).join('');
    if (chars.length <= EXCERPT_CHARS) return chars.join('');
    return chars.slice(0, EXCERPT_CHARS).join('').replace(/\s+\S*$/, '') + ' …';
}

function sourceItem(c) {
    const place = placeLabel(c);
    const item = el('li', {className: 'source', value: c.number});
    const head = el('p', {className: 'source-head'});
    head.append(el('span', {className: 'source-number', 'aria-hidden': 'true'}, String(c.number)));
    head.append(el('a', {className: 'source-title', href: citationHref(c)}, titleOf(c)));
    if (place) head.append(el('span', {className: 'result-place'}, place));
    if (c.heading) head.append(el('span', {className: 'result-detail'}, c.heading));
    item.append(head);
    const text = excerpt(c);
    if (text) item.append(el('blockquote', {className: 'source-quote'}, text));
    return item;
}

export function createAskView() {
    const form = document.getElementById('ask-form');
    const question = document.getElementById('ask-q');
    const collection = document.getElementById('ask-collection');
    const submit = document.getElementById('ask-submit');
    const stop = document.getElementById('ask-stop');
    const message = document.getElementById('ask-message');
    const result = document.getElementById('ask-result');
    const answer = document.getElementById('ask-answer');
    const metaLine = document.getElementById('ask-meta');
    const sources = document.getElementById('ask-sources');

    let controller = null;

    function setBusy(busy) {
        answer.setAttribute('aria-busy', busy ? 'true' : 'false');
        result.classList.toggle('is-streaming', busy);
        submit.disabled = busy;
        stop.hidden = !busy;
    }

    function renderAnswer(text, citations, final) {
        const byNumber = new Map();
        for (const c of citations || []) byNumber.set(Number(c.number), c);
        const paragraphs = text.split(/\n{2,}/);
        clear(answer);
        paragraphs.forEach((paragraph, i) => {
            const p = el('p', {}, answerFragment(paragraph, byNumber));
            if (!final && i === paragraphs.length - 1)
                p.append(el('span', {className: 'caret', 'aria-hidden': 'true'}));
            answer.append(p);
        });
    }

    // Cited passages under "Sources"; passages retrieved but not cited folded below them, or,
    // when the question was not answered, listed openly as the closest passages.
    function renderSources(citations, answered) {
        clear(sources);
        const list = Array.isArray(citations) ? citations : [];
        const heading = document.getElementById('ask-sources-heading');
        if (answered === false) {
            heading.textContent = 'Closest passages';
            heading.hidden = list.length === 0;
            for (const c of list) sources.append(sourceItem(c));
            return;
        }
        heading.textContent = 'Sources';
        const cited = list.filter((c) => c.cited !== false);
        const others = list.filter((c) => c.cited === false);
        for (const c of cited) sources.append(sourceItem(c));
        heading.hidden = cited.length === 0;
        if (others.length) {
            const details = el('details', {className: 'more-sources'});
            const label =
                `${others.length} more passage${others.length === 1 ? '' : 's'} consulted`;
            details.append(el('summary', {}, label));
            const more = el('ol', {className: 'sources'});
            for (const c of others) more.append(sourceItem(c));
            details.append(more);
            sources.append(el('li', {className: 'source-more'}, details));
        }
    }

    function renderDone(done, streamedText, citations) {
        const text = typeof done.answer === 'string' ? done.answer : streamedText;
        const list = Array.isArray(done.citations) ? done.citations : citations;
        result.classList.toggle('not-answered', done.answered === false);
        if (done.answered === false) {
            clear(answer);
            answer.append(el('p', {className: 'not-answered-label'}, 'Not answered'));
            if (text) answer.append(el('p', {}, text));
        } else {
            renderAnswer(text, list, true);
        }
        renderSources(list, done.answered);
        const parts = [];
        if (done.answerer) parts.push('Answered by ' + done.answerer);
        const cited = (list || []).filter((c) => c.cited !== false).length;
        if (done.answered !== false) parts.push(cited === 1 ? '1 source' : cited + ' sources');
        if (Array.isArray(done.removed_citations) && done.removed_citations.length)
            parts.push(`${done.removed_citations.length} unsupported citation(s) removed`);
        if (typeof done.total_ms === 'number') parts.push(formatSeconds(done.total_ms / 1000));
        metaLine.textContent = parts.join(' · ');
    }

    async function ask() {
        const text = question.value.trim();
        if (!text) {
            question.focus();
            return;
        }
        if (controller) controller.abort();
        controller = new AbortController();
        const mine = controller;
        window.history.replaceState(
            null, '', routeHref('/ask', {q: text, collection: collection.value}));
        setMessage(message, '');
        result.hidden = false;
        result.classList.remove('not-answered');
        clear(answer);
        answer.append(el('p', {className: 'thinking'}, 'Finding passages…'));
        clear(sources);
        metaLine.textContent = '';
        setBusy(true);
        let streamed = '';
        let citations = [];
        let finished = false;
        const body = {question: text, stream: true};
        if (collection.value) body.collection = collection.value;
        try {
            await postEventStream(
                '/api/ask',
                body,
                (name, data) => {
                    if (mine !== controller) return;
                    if (name === 'token' && data && typeof data.text === 'string') {
                        streamed += data.text;
                        renderAnswer(streamed, citations, false);
                    } else if (name === 'citations' && data) {
                        citations = Array.isArray(data.citations) ? data.citations : [];
                        renderAnswer(streamed, citations, false);
                        renderSources(citations);
                    } else if (name === 'done' && data) {
                        finished = true;
                        renderDone(data, streamed, citations);
                    }
                },
                mine.signal,
            );
            if (mine === controller && !finished) {
                renderAnswer(streamed, citations, true);
                renderSources(citations);
                setMessage(message, 'The answer ended early; what arrived is shown.', 'info');
            }
        } catch (e) {
            if (mine !== controller) return;
            if (e.name === 'AbortError') {
                renderAnswer(streamed, citations, true);
                setMessage(message, 'Stopped.', 'info');
            } else {
                if (!streamed)
                    result.hidden = true;
                else
                    renderAnswer(streamed, citations, true);
                setMessage(message, e.message, 'error');
            }
        } finally {
            if (mine === controller) {
                controller = null;
                setBusy(false);
            }
        }
    }

    form.addEventListener('submit', (event) => {
        event.preventDefault();
        ask();
    });
    question.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            ask();
        }
    });
    stop.addEventListener('click', () => {
        if (controller) controller.abort();
        question.focus();
    });

    async function loadCollections(selected) {
        const list = await collections();
        document.getElementById('ask-collection-field').hidden = list.length === 0 && !selected;
        const names = list.map((c) => c.name);
        if (selected && !names.includes(selected)) names.push(selected);
        collection.replaceChildren(
            el('option', {value: ''}, 'All collections'),
            ...names.map((name) => el('option', {value: name}, name)),
        );
        collection.value = selected || '';
    }

    return {
        enter(args, params, entering) {
            const q = params.get('q');
            if (q && !question.value) question.value = q;
            if (entering) loadCollections(params.get('collection') || collection.value);
            if (entering && !controller && result.hidden) question.focus();
        },
        leave() {},
    };
}
