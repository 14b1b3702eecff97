// Deskside page entry point: a hash router (#/search?q=…, #/doc/ID?passage=P, #/ask,
// #/upload, #/admin) that shows one view at a time, the global keys ("/" to search, Escape to
// close a document) and the index status line. Each view lives in its own module under js/.
import {createAdminView} from './js/admin.js';
import {collections, getJson} from './js/api.js';
import {createAskView} from './js/ask.js';
import {createDocumentView} from './js/document.js';
import {numbers} from './js/dom.js';
import {createSearchView} from './js/search.js';
import {createUploadView} from './js/upload.js';

const TITLES = {
    search: 'Search',
    doc: 'Document',
    ask: 'Ask',
    upload: 'Upload',
    admin: 'Admin'
};

// In-page navigations so far: Escape goes back in history only when there is a page of ours
// to go back to, otherwise it opens the search.
let navigations = 0;

const views = {
    search: createSearchView(),
    doc: createDocumentView({close: closeDocument}),
    ask: createAskView(),
    upload: createUploadView(),
    admin: createAdminView(),
};
let current = null;

function parseHash() {
    const hash = window.location.hash.replace(/^#/, '') || '/search';
    const question = hash.indexOf('?');
    const path = question < 0 ? hash : hash.slice(0, question);
    const params = new URLSearchParams(question < 0 ? '' : hash.slice(question + 1));
    const parts = path.split('/').filter(Boolean);
    const name = parts[0] in views ? parts[0] : 'search';
    return {name, args: parts.slice(1).map(decodeURIComponent), params};
}

function route() {
    const {name, args, params} = parseHash();
    if (current && current !== name) {
        views[current].leave();
        document.getElementById('view-' + current).hidden = true;
    }
    const section = document.getElementById('view-' + name);
    const entering = current !== name;
    section.hidden = false;
    current = name;
    for (const link of document.querySelectorAll('.nav a')) {
        const active = link.dataset.route === (name === 'doc' ? 'search' : name);
        if (active)
            link.setAttribute('aria-current', 'page');
        else
            link.removeAttribute('aria-current');
    }
    document.title = TITLES[name] + ' · Deskside';
    views[name].enter(args, params, entering);
}

function closeDocument() {
    if (navigations > 0)
        window.history.back();
    else
        window.location.hash = '#/search';
}

window.addEventListener('hashchange', () => {
    navigations += 1;
    route();
});

document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
        target instanceof HTMLSelectElement ||
        (target instanceof HTMLElement && target.isContentEditable);
    if (event.key === '/' && !typing) {
        event.preventDefault();
        if (current !== 'search') window.location.hash = '#/search';
        const input = document.getElementById('q');
        input.focus();
        input.select();
    } else if (event.key === 'Escape' && current === 'doc') {
        event.preventDefault();
        closeDocument();
    }
});

const statusLine = document.getElementById('index-status');
async function loadStatus() {
    try {
        const data = await getJson('/api/status');
        let text = `${numbers.format(data.documents)} documents · ` +
            `${numbers.format(data.passages)} passages · ${numbers.format(data.failed)} failed`;
        if (data.unfinished) text += ` · ${numbers.format(data.unfinished)} unfinished`;
        statusLine.textContent = text;
    } catch (e) {
        statusLine.textContent = 'Index status unavailable.';
    }
}

// The old page kept its query in ?q=; keep such links working.
const legacy = new URLSearchParams(window.location.search).get('q');
if (legacy && !window.location.hash) {
    window.history.replaceState(null, '', '/#/search?' + new URLSearchParams({q: legacy}));
}
route();
loadStatus();
// After an upload or a re-index: new counts, and maybe a new collection for the filters.
window.addEventListener('deskside:indexed', () => {
    loadStatus();
    collections(true);
});
// The skip link must not become a route: it only moves the focus to the content.
document.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
});
window.setInterval(() => {
    if (document.visibilityState === 'visible') loadStatus();
}, 30000);
