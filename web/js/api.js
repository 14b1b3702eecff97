// The page's only door to the service: JSON requests, the Server-Sent Events stream of
// POST /api/ask, and uploads with progress. Every failure becomes an ApiError whose message is
// fit to show (the server's {"error":{"code","message"}} when there is one).

export class ApiError extends Error {
    constructor(message, code, status, retryAfter) {
        super(message);
        this.name = 'ApiError';
        this.code = code || 'unavailable';
        this.status = status || 0;
        this.retryAfter = retryAfter || 0;
    }
}

const LABELS = {
    query_syntax: 'The query could not be read',
    invalid_argument: 'The request is not valid',
    not_found: 'Not found',
    route_not_found: 'This server does not offer that yet',
    busy: 'The service is busy',
    unsupported: 'Not supported',
};

function errorFrom(status, body, headers) {
    const error = (body && body.error) || {};
    const retry = Number(headers && headers.get ? headers.get('Retry-After') : 0) || 0;
    const label = LABELS[error.code] || `The request failed (HTTP ${status})`;
    let message = error.message ? `${label}: ${error.message}` : label;
    if (status === 503 && retry) message += ` — try again in ${retry} s`;
    return new ApiError(message, error.code || 'http_' + status, status, retry);
}

function offline() {
    return new ApiError('Cannot reach the Deskside service. Check that it is running.');
}

async function request(method, url, body, signal) {
    const options = {method, signal, headers: {Accept: 'application/json'}};
    if (body !== undefined) {
        options.headers['Content-Type'] = 'application/json';
        options.body = JSON.stringify(body);
    }
    let response;
    try {
        response = await fetch(url, options);
    } catch (e) {
        if (e.name === 'AbortError') throw e;
        throw offline();
    }
    let data = null;
    try {
        data = await response.json();
    } catch (e) {
        data = null;
    }
    if (!response.ok) throw errorFrom(response.status, data, response.headers);
    return data;
}

export const getJson = (url, signal) => request('GET', url, undefined, signal);
export const postJson = (url, body, signal) => request('POST', url, body, signal);
export const deleteJson = (url, signal) => request('DELETE', url, undefined, signal);

// POST url with a JSON body and read the answer as Server-Sent Events, calling
// onEvent(name, data) for each (data parsed as JSON). A non-2xx answer, or an "error" event,
// throws ApiError. EventSource cannot POST, hence fetch() and a body reader.
export async function postEventStream(url, body, onEvent, signal) {
    let response;
    try {
        response = await fetch(url, {
            method: 'POST',
            signal,
            headers: {Accept: 'text/event-stream', 'Content-Type': 'application/json'},
            body: JSON.stringify(body),
        });
    } catch (e) {
        if (e.name === 'AbortError') throw e;
        throw offline();
    }
    if (!response.ok) {
        let data = null;
        try {
            data = await response.json();
        } catch (e) {
            data = null;
        }
        throw errorFrom(response.status, data, response.headers);
    }
    const type = response.headers.get('Content-Type') || '';
    if (!type.startsWith('text/event-stream')) {
        // A server that answered with the finished object: treat it as the "done" event.
        onEvent('done', await response.json());
        return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            dispatch(block, onEvent);
        }
    }
    if (buffer.trim()) dispatch(buffer, onEvent);
}

function dispatch(block, onEvent) {
    let name = 'message';
    const data = [];
    for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event')
            name = value;
        else if (field === 'data')
            data.push(value);
    }
    if (!data.length) return;
    let parsed;
    try {
        parsed = JSON.parse(data.join('\n'));
    } catch (e) {
        parsed = {text: data.join('\n')};
    }
    if (name === 'error') {
        const error = (parsed && parsed.error) || {};
        throw new ApiError(error.message || 'The answer failed', error.code || 'internal', 0);
    }
    onEvent(name, parsed);
}

// Uploads files as multipart/form-data (parts "file" and "collection") with XMLHttpRequest,
// the one browser API that reports upload progress. onProgress(fraction 0..1). Resolves to
// the parsed 2xx body; rejects with ApiError. Returns {promise, abort}.
export function uploadFiles(url, files, collection, onProgress) {
    const xhr = new XMLHttpRequest();
    const promise = new Promise((resolve, reject) => {
        const form = new FormData();
        for (const file of files) form.append('file', file, file.name);
        if (collection) form.append('collection', collection);
        xhr.open('POST', url);
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.responseType = 'text';
        xhr.upload.addEventListener('progress', (event) => {
            if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
        });
        xhr.upload.addEventListener('load', () => onProgress(1));
        xhr.addEventListener('load', () => {
            let data = null;
            try {
                data = JSON.parse(xhr.responseText);
            } catch (e) {
                data = null;
            }
            if (xhr.status >= 200 && xhr.status < 300)
                resolve(data || {});
            else
                reject(errorFrom(xhr.status, data, {get: (n) => xhr.getResponseHeader(n)}));
        });
        xhr.addEventListener('error', () => reject(offline()));
        xhr.addEventListener('abort', () => reject(new ApiError('Upload cancelled', 'cancelled')));
        xhr.send(form);
    });
    return {promise, abort: () => xhr.abort()};
}

// GET /api/collections, remembered for the page's lifetime (the admin view refreshes it).
// Accepts {"collections":[{name, documents}]} or a bare array; [] when the route is missing.
let collectionsCache = null;
export function collections(refresh) {
    if (!collectionsCache || refresh) {
        collectionsCache =
            getJson('/api/collections')
                .then((data) => {
                    const list = Array.isArray(data) ? data : (data && data.collections) || [];
                    return list.map((c) => (typeof c === 'string' ? {name: c} : c))
                        .filter((c) => c && typeof c.name === 'string');
                })
                .catch(() => {
                    collectionsCache = null;
                    return [];
                });
    }
    return collectionsCache;
}
