// The document view (#/doc/ID?passage=P&qs=S&qe=E): the document's passages in order from
// GET /api/documents/ID, scrolled to the cited passage P and highlighting it, and within it
// the quoted span [S, E) (code points into the passage's text) when given. Passages overlap
// (the chunker repeats a few sentences), so each is shown from where the previous one ended;
// the cited passage is always shown whole.
import {getJson} from './api.js';
import {baseName, codePoints, docHref, el, formatBytes, placeLabel, setMessage, titleOf} from './dom.js';

// Integer query parameter or null.
function intParam(params, name) {
    const text = params.get(name);
    if (text === null || text === '' || !/^-?\d+$/.test(text)) return null;
    return Number(text);
}

// Blocks to show: each passage's text from where the previous one ended, except that the
// cited passage is shown whole (the passage before it stops where it starts), so the
// highlight is one block. When a passage's text does not match its offsets, every passage is
// shown whole. Leading and trailing blank lines of a block are not shown.
function layout(passages, target) {
    const exact = passages.every(
        (p) => Number.isInteger(p.char_start) && Number.isInteger(p.char_end) &&
            codePoints(p.text).length === p.char_end - p.char_start,
    );
    const blocks = [];
    let shownEnd = 0;
    for (const p of passages) {
        const chars = codePoints(p.text);
        let from = 0;
        let to = chars.length;
        if (exact) {
            if (p !== target) from = Math.max(0, Math.min(chars.length, shownEnd - p.char_start));
            if (target && p !== target && p.char_start < target.char_start)
                to = Math.max(from, Math.min(to, target.char_start - p.char_start));
            shownEnd = Math.max(shownEnd, p.char_start + to);
        }
        while (from < to && /\s/.test(chars[from])) from += 1;
        while (to > from && /\s/.test(chars[to - 1])) to -= 1;
        blocks.push({passage: p, chars, from, to});
    }
    return blocks;
}

// The block's shown text; in the cited passage all of it is marked "cited" and the quoted
// span [quote[0], quote[1]) (code points into the passage text) "cited quote".
function blockText(block, cited, quote) {
    const paragraph = el('p', {className: 'passage-text'});
    const {chars, from, to} = block;
    if (!cited) {
        paragraph.append(chars.slice(from, to).join(''));
        return paragraph;
    }
    const cuts = [from, to];
    if (quote)
        cuts.push(Math.min(Math.max(quote[0], from), to), Math.min(Math.max(quote[1], from), to));
    const points = Array.from(new Set(cuts)).sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
        const [a, b] = [points[i], points[i + 1]];
        const inQuote = quote && a >= quote[0] && b <= quote[1];
        paragraph.append(
            el('mark', {className: inQuote ? 'cited quote' : 'cited'}, chars.slice(a, b).join('')));
    }
    return paragraph;
}

function placeOf(doc, passage) {
    const label = placeLabel({...passage, type: doc.type});
    return label.charAt(0).toUpperCase() + label.slice(1);
}

export function createDocumentView({close}) {
    const section = document.getElementById('view-doc');
    const title = document.getElementById('doc-title');
    const meta = document.getElementById('doc-meta');
    const pathLine = document.getElementById('doc-path');
    const fileLink = document.getElementById('doc-file');
    const message = document.getElementById('doc-message');
    const textBox = document.getElementById('doc-text');
    document.getElementById('doc-close').addEventListener('click', close);

    let loaded = null;  // {id, doc}
    let controller = null;

    function renderHeader(doc) {
        title.textContent = titleOf(doc);
        meta.replaceChildren();
        if (doc.type) meta.append(el('span', {className: 'badge'}, doc.type));
        const details = [];
        if (doc.author) details.push(doc.author);
        if (doc.collection) details.push(doc.collection);
        if (doc.date) details.push(doc.date);
        if (typeof doc.size === 'number' && !doc.container) details.push(formatBytes(doc.size));
        const passages = Array.isArray(doc.passages) ? doc.passages.length : 0;
        details.push(passages === 1 ? '1 passage' : passages + ' passages');
        if (doc.fields && typeof doc.fields === 'object') {
            for (const [name, value] of Object.entries(doc.fields))
                if (typeof value === 'string' && value && name !== 'author')
                    details.push(`${name}: ${value}`);
        }
        for (const detail of details) meta.append(el('span', {className: 'result-detail'}, detail));
        pathLine.replaceChildren(doc.path || '');
        // An attachment has no file of its own: offer the document that holds it instead.
        const fileUrl = doc.file_url !== undefined ? doc.file_url :
            doc.container                          ? null :
                            `/api/documents/${encodeURIComponent(doc.id)}/file`;
        fileLink.hidden = !fileUrl;
        if (fileUrl) fileLink.href = fileUrl;
        if (doc.container) {
            pathLine.append(' — inside ');
            pathLine.append(
                doc.container_id !== null && doc.container_id !== undefined ?
                    el('a', {href: docHref(doc.container_id)}, baseName(doc.container)) :
                    doc.container,
            );
        }
    }

    function render(doc, passageId, quote) {
        const passages = Array.isArray(doc.passages) ? doc.passages.slice() : [];
        passages.sort((a, b) => (a.char_start ?? 0) - (b.char_start ?? 0));
        const target = passages.find((p) => String(p.id) === String(passageId)) || null;
        const blocks = layout(passages, target);
        textBox.replaceChildren();
        let lastPlace = null;
        let targetNode = null;
        for (const block of blocks) {
            const p = block.passage;
            const place = placeOf(doc, p);
            if (place && place !== lastPlace)
                textBox.append(el('p', {className: 'page-marker'}, place));
            lastPlace = place;
            if (block.from >= block.to && p !== target) continue;
            const node =
                el('div', {className: 'passage', id: 'passage-' + p.id, 'data-passage': p.id});
            if (p === target) {
                node.classList.add('is-target');
                node.append(el('p', {className: 'cited-label'}, 'Cited passage'));
                targetNode = node;
            }
            node.append(blockText(block, p === target, p === target ? quote : null));
            textBox.append(node);
        }
        if (!passages.length)
            setMessage(message, 'This document has no text.', 'empty');
        else if (passageId && !target)
            setMessage(message, `Passage ${passageId} is no longer in this document.`, 'info');
        else
            setMessage(message, '');

        if (targetNode) {
            // A passage already in full view (a short document) stays where it is; otherwise
            // the quote goes to the middle of the view, or the passage's start to the top.
            const quoteMark = targetNode.querySelector('mark.quote');
            window.scrollTo(0, 0);
            if (targetNode.getBoundingClientRect().bottom > window.innerHeight)
                (quoteMark || targetNode).scrollIntoView({block: quoteMark ? 'center' : 'start'});
            targetNode.tabIndex = -1;
            targetNode.focus({preventScroll: true});
        } else {
            window.scrollTo(0, 0);
            title.focus();
        }
    }

    async function load(id, passageId, quote) {
        if (controller) controller.abort();
        if (loaded && loaded.id === id) {
            render(loaded.doc, passageId, quote);
            return;
        }
        controller = new AbortController();
        const mine = controller;
        loaded = null;
        title.textContent = 'Loading…';
        meta.replaceChildren();
        pathLine.textContent = '';
        fileLink.hidden = true;
        textBox.replaceChildren();
        setMessage(message, '');
        section.setAttribute('aria-busy', 'true');
        try {
            const doc = await getJson('/api/documents/' + encodeURIComponent(id), mine.signal);
            if (mine !== controller) return;
            loaded = {id, doc};
            renderHeader(doc);
            document.title = titleOf(doc) + ' · Deskside';
            render(doc, passageId, quote);
        } catch (e) {
            if (e.name === 'AbortError') return;
            title.textContent = 'Document unavailable';
            setMessage(message, e.message, 'error');
            title.focus();
        } finally {
            if (mine === controller) {
                controller = null;
                section.removeAttribute('aria-busy');
            }
        }
    }

    return {
        enter(args, params) {
            const id = args[0] || '';
            if (!id) {
                title.textContent = 'No document';
                setMessage(message, 'The link names no document.', 'error');
                return;
            }
            const qs = intParam(params, 'qs');
            const qe = intParam(params, 'qe');
            const quote = qs !== null && qe !== null && qe > qs && qs >= 0 ? [qs, qe] : null;
            load(id, params.get('passage'), quote);
        },
        leave() {
            if (controller) controller.abort();
            controller = null;
            // Drop the text: a later visit to another document must not flash this one.
            loaded = null;
            textBox.replaceChildren();
        },
    };
}
