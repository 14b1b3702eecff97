// The upload view (#/upload): files dropped on the zone or chosen with the button go to
// POST /api/documents one request per file (so each has its own progress bar), two at a
// time; each row then shows what the server did: indexed (with a link to the document) or
// failed with its reason. Uploading is the whole action: there is no separate "start".
import {collections, getJson, uploadFiles} from './api.js';
import {docHref, el, formatBytes, setMessage} from './dom.js';

const PARALLEL = 2;
const POLL_MS = 500;
const FINISHED = new Set(['done', 'failed', 'cancelled']);

// The upload's documents: from the 201 answer, or, when the server answered 202 with a job,
// from that job once it has finished (GET /api/jobs/{id}).
async function documentsOf(body, onWait) {
    let job = body;
    // A 201 answer has no status; a 202 job object has one until it finishes.
    while (job.status !== undefined && job.id !== undefined && !FINISHED.has(job.status)) {
        onWait(job);
        await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
        job = await getJson('/api/jobs/' + encodeURIComponent(job.id));
    }
    if (job.status === 'failed' || job.status === 'cancelled')
        throw new Error(job.message || 'The upload job ' + job.status);
    return job;
}

export function createUploadView() {
    const zone = document.getElementById('drop-zone');
    const input = document.getElementById('up-files');
    const collectionInput = document.getElementById('up-collection');
    const datalist = document.getElementById('up-collections');
    const list = document.getElementById('upload-list');
    const message = document.getElementById('upload-message');
    const form = document.getElementById('upload-form');

    const queue = [];
    let running = 0;

    function row(file) {
        const progress = el('progress', {className: 'upload-progress', max: 1, value: 0});
        progress.setAttribute('aria-label', 'Upload of ' + file.name);
        const status = el('span', {className: 'upload-status'}, 'Waiting');
        const detail = el('p', {className: 'upload-detail'});
        const item = el(
            'li',
            {className: 'upload-item is-waiting'},
            el(
                'div',
                {className: 'upload-head'},
                el('span', {className: 'upload-name'}, file.name),
                el('span', {className: 'upload-size'}, formatBytes(file.size)),
                status,
                ),
            progress,
            detail,
        );
        return {item, progress, status, detail};
    }

    function setState(view, state, text) {
        view.item.className = 'upload-item is-' + state;
        view.status.textContent = text;
    }

    function showOutcome(view, file, body) {
        const documents = Array.isArray(body.documents) ? body.documents : [];
        view.progress.value = 1;
        view.progress.hidden = true;
        if (!documents.length) {
            setState(view, 'done', 'Uploaded');
            return;
        }
        const failed =
            documents.filter((d) => d.status === 'failed' || d.id === null || d.id === undefined);
        const main = documents[0];
        if (failed.length === documents.length) {
            setState(view, 'failed', 'Failed');
            view.detail.textContent = main.reason || 'The file could not be indexed.';
            return;
        }
        setState(view, 'done', main.status === 'unchanged' ? 'Unchanged' : 'Indexed');
        view.detail.replaceChildren();
        const ok = documents.find((d) => d.id !== null && d.id !== undefined);
        view.detail.append(
            el('a', {href: docHref(ok.id), className: 'upload-open'}, 'Open the document'));
        const facts = [];
        if (ok.name && ok.path && !ok.path.endsWith('/' + ok.name))
            facts.push('saved as ' + ok.path.split('/').pop());
        if (typeof ok.passages === 'number')
            facts.push(ok.passages === 1 ? '1 passage' : `${ok.passages} passages`);
        if (facts.length) view.detail.append(' · ' + facts.join(' · '));
        if (documents.length > 1)
            view.detail.append(` · ${documents.length} documents (attachments included)`);
        if (failed.length)
            view.detail.append(` · ${failed.length} failed: ${failed[0].reason || ''}`);
        window.dispatchEvent(new CustomEvent('deskside:indexed'));
    }

    function pump() {
        while (running < PARALLEL && queue.length) {
            const {file, view, collection} = queue.shift();
            running += 1;
            setState(view, 'sending', 'Sending 0%');
            const upload = uploadFiles('/api/documents', [file], collection, (fraction) => {
                view.progress.value = fraction;
                setState(
                    view, 'sending',
                    fraction >= 1 ? 'Indexing…' : `Sending ${Math.round(fraction * 100)}%`);
                if (fraction >= 1)
                    view.progress.removeAttribute('value');  // indeterminate while indexing
            });
            upload.promise
                .then(
                    (body) => documentsOf(
                        body,
                        (job) => {
                            const total = Number(job.files_total) || 0;
                            setState(
                                view, 'sending',
                                total ? `Indexing ${job.files_done || 0} of ${total}` :
                                        'Indexing…');
                        }),
                    )
                .then((body) => showOutcome(view, file, body))
                .catch((e) => {
                    view.progress.hidden = true;
                    setState(view, 'failed', 'Failed');
                    view.detail.textContent = e.message;
                })
                .finally(() => {
                    running -= 1;
                    pump();
                });
        }
    }

    function add(files) {
        const chosen = Array.from(files || []).filter((f) => f && f.name);
        if (!chosen.length) return;
        setMessage(message, '');
        const collection = collectionInput.value.trim();
        for (const file of chosen) {
            const view = row(file);
            list.prepend(view.item);
            queue.push({file, view, collection});
        }
        pump();
    }

    input.addEventListener('change', () => {
        add(input.files);
        input.value = '';
    });
    form.addEventListener('submit', (event) => event.preventDefault());

    // Drag-and-drop: the zone lights up while files are over it. dragenter/leave fire for
    // every child, so count them instead of toggling.
    let depth = 0;
    const hasFiles = (event) => Array.from(event.dataTransfer?.types || []).includes('Files');
    zone.addEventListener('dragenter', (event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        depth += 1;
        zone.classList.add('is-over');
    });
    zone.addEventListener('dragover', (event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
    });
    zone.addEventListener('dragleave', () => {
        depth = Math.max(0, depth - 1);
        if (depth === 0) zone.classList.remove('is-over');
    });
    zone.addEventListener('drop', (event) => {
        event.preventDefault();
        depth = 0;
        zone.classList.remove('is-over');
        add(event.dataTransfer?.files);
    });
    // A file dropped beside the zone must not make the browser navigate away to it.
    for (const type of ['dragover', 'drop'])
        window.addEventListener(type, (event) => {
            if (hasFiles(event) && !zone.contains(event.target)) {
                event.preventDefault();
                if (type === 'drop')
                    setMessage(message, 'Drop the files on the marked zone.', 'info');
            }
        });

    return {
        async enter(args, params, entering) {
            if (!entering) return;
            document.getElementById('upload-heading').focus();
            const known = await collections();
            datalist.replaceChildren(...known.map((c) => el('option', {value: c.name})));
            if (params.get('collection')) collectionInput.value = params.get('collection');
        },
        leave() {},
    };
}
