// Small DOM and text helpers shared by every view. Document text only ever becomes text nodes
// here (textContent, append(string)), never HTML, so a hostile file cannot inject markup.
// Offsets from the API are Unicode code points; JavaScript strings index UTF-16 units, so
// every slice goes through codePoints() first.

export const numbers = new Intl.NumberFormat();

// el("li", {className: "x", href: "#/"}, child, "text", …): attributes are set as properties
// except data-*/aria-* (setAttribute); children are nodes or strings (text nodes).
export function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
        if (value === undefined || value === null || value === false) continue;
        if (name.startsWith('data-') || name.startsWith('aria-') || name === 'role' ||
            name === 'for')
            node.setAttribute(name, value === true ? '' : String(value));
        else
            node[name] = value;
    }
    for (const child of children) {
        if (child === undefined || child === null || child === false) continue;
        node.append(child);
    }
    return node;
}

export function codePoints(text) { return Array.from(text || ''); }

// Text with [start, end) code-point spans wrapped in <mark>: overlapping or out-of-range spans
// are clipped, so a bad span can shorten a mark but never duplicate or drop text.
export function markedText(text, spans, markClass) {
    const chars = codePoints(text);
    const fragment = document.createDocumentFragment();
    const sorted =
        (Array.isArray(spans) ? spans : [])
            .filter((s) => Array.isArray(s) && Number.isInteger(s[0]) && Number.isInteger(s[1]))
            .sort((a, b) => a[0] - b[0]);
    let position = 0;
    for (const [start, end] of sorted) {
        const from = Math.max(start, position);
        const to = Math.min(end, chars.length);
        if (to <= from) continue;
        if (from > position) fragment.append(chars.slice(position, from).join(''));
        fragment.append(el('mark', {className: markClass || ''}, chars.slice(from, to).join('')));
        position = to;
    }
    if (position < chars.length) fragment.append(chars.slice(position).join(''));
    return fragment;
}

export function baseName(path) {
    const parts = String(path || '').split(/[\\/]/);
    return parts[parts.length - 1] || String(path || '');
}

export function formatBytes(bytes) {
    if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit += 1;
    }
    return (unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0)) + ' ' + units[unit];
}

// "12 ms", "3.4 s", "2 min 5 s".
export function formatSeconds(seconds) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '';
    if (seconds < 1) return Math.max(1, Math.round(seconds * 1000)) + ' ms';
    if (seconds < 60) return seconds.toFixed(1) + ' s';
    return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

// "page 3", "slide 3", "Sheet1" or "" — what a citation names for its place in the file.
// A location that only repeats the page ("slide 1" on slide 1) is left out.
export function placeLabel(item) {
    const parts = [];
    const slides = item.type === 'pptx' || item.type === 'ppt' || item.type === 'odp';
    if (item.page !== null && item.page !== undefined)
        parts.push((slides ? 'slide ' : 'page ') + item.page);
    const location = String(item.location || '');
    if (location && !parts.some((p) => p.toLowerCase() === location.toLowerCase()))
        parts.push(location);
    return parts.join(', ');
}

export function titleOf(item) { return item.title || baseName(item.path) || '(untitled)'; }

// A route link: "#/doc/7?passage=31". Parameters with empty values are left out.
export function routeHref(path, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {}))
        if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
    const text = query.toString();
    return '#' + path + (text ? '?' + text : '');
}

export function docHref(documentId, passageId, extra) {
    return routeHref('/doc/' + encodeURIComponent(documentId), {
        passage: passageId,
        ...(extra || {}),
    });
}

// A status/error box: kind is "error", "empty", "info" or "" (hidden when text is empty).
export function setMessage(box, text, kind) {
    box.textContent = text || '';
    box.className = 'message' + (kind ? ' message-' + kind : '');
    box.hidden = !text;
}

export function clear(node) {
    node.replaceChildren();
    return node;
}
