// The admin view (#/admin): index figures and failed files with their reasons
// (GET /api/status?errors=1), collections with their document counts (GET /api/collections),
// re-index jobs started here (POST /api/jobs/reindex) with live progress polled every second
// from GET /api/jobs/{id} while the view is open, and a cancel button for each running job.
import {collections, getJson, postJson} from './api.js';
import {clear, el, formatBytes, formatSeconds, numbers, routeHref, setMessage} from './dom.js';

const POLL_MS = 1000;
const ACTIVE = new Set(['queued', 'running']);
const MAX_FAILED_ROWS = 500;
const JOB_KINDS = {
    reindex: 'Re-index',
    upload: 'Upload to',
    delete: 'Delete from'
};

function jobList(data) {
    if (Array.isArray(data)) return data;
    return (data && Array.isArray(data.jobs) && data.jobs) || [];
}

// A figure of the index; `wide` ones are sentences and take a whole row.
function stat(list, label, value, wide) {
    const className = wide ? 'stat stat-wide' : 'stat';
    list.append(el('div', {className}, el('dt', {}, label), el('dd', {}, value)));
}

export function createAdminView() {
    const message = document.getElementById('admin-message');
    const statusList = document.getElementById('admin-status');
    const collectionRows = document.querySelector('#admin-collections tbody');
    const failedRows = document.querySelector('#admin-failed tbody');
    const failedSummary = document.getElementById('admin-failed-summary');
    const jobsList = document.getElementById('admin-jobs');
    const form = document.getElementById('reindex-form');
    const select = document.getElementById('reindex-collection');
    const prune = document.getElementById('reindex-prune');

    const jobs = new Map();  // id -> {data, node}
    let timer = 0;
    let visible = false;

    function renderStatus(data) {
        clear(statusList);
        stat(statusList, 'Documents', numbers.format(data.documents ?? 0));
        stat(statusList, 'Passages', numbers.format(data.passages ?? 0));
        stat(statusList, 'Failed files', numbers.format(data.failed ?? 0));
        if (data.unfinished) stat(statusList, 'Unfinished', numbers.format(data.unfinished));
        const sizes = data.index_bytes || {};
        const total =
            Object.values(sizes).reduce((sum, n) => sum + (typeof n === 'number' ? n : 0), 0);
        if (total) stat(statusList, 'Index size', formatBytes(total));
        if (data.embedder) stat(statusList, 'Embedder', data.embedder, true);
        const run = data.last_run;
        if (run) {
            const when = (run.finished || run.started || '').replace('T', ' ').replace('Z', ' UTC');
            const outcome = run.completed === false ? 'stopped early' : 'completed';
            const counts = ['indexed', 'unchanged', 'failed', 'removed']
                               .map((name) => `${name} ${run[name] ?? 0}`)
                               .join(', ');
            const what = `${outcome} · ${counts}`;
            stat(statusList, 'Last run', `${when} (${what})`, true);
        }

        clear(failedRows);
        const errors = Array.isArray(data.errors) ? data.errors : [];
        for (const e of errors.slice(0, MAX_FAILED_ROWS)) {
            failedRows.append(
                el(
                    'tr',
                    {},
                    el('td', {className: 'path-cell'}, e.path || ''),
                    el('td', {}, e.reason || ''),
                    el('td', {}, e.collection || ''),
                    el('td', {className: 'nowrap'},
                       (e.failed_at || '').replace('T', ' ').replace('Z', '')),
                    ),
            );
        }
        const reasons = Object.entries(data.failure_reasons || {})
                            .map(([reason, n]) => `${reason}: ${numbers.format(n)}`)
                            .join(' · ');
        failedSummary.textContent = errors.length ?
            (errors.length > MAX_FAILED_ROWS ? `The first ${MAX_FAILED_ROWS} are listed. ` : '') +
                reasons :
                                               'No file has failed.';
        document.getElementById('admin-failed').hidden = errors.length === 0;
    }

    function renderCollections(list) {
        clear(collectionRows);
        for (const c of list) {
            const search =
                el('a', {
                    href: routeHref('/search', {collection: c.name}),
                    className: 'button button-quiet button-small'
                },
                   'Browse');
            const reindex =
                el('button', {type: 'button', className: 'button button-small'}, 'Re-index');
            reindex.setAttribute('aria-label', `Re-index ${c.name}`);
            search.setAttribute('aria-label', `Search in ${c.name}`);
            reindex.addEventListener('click', () => startJob({collection: c.name, prune: false}));
            const name = el('th', {scope: 'row'}, c.name);
            const roots = Array.isArray(c.roots) ? c.roots : [];
            if (roots.length) name.append(el('span', {className: 'roots'}, roots.join(', ')));
            const count = (n) => (typeof n === 'number' ? numbers.format(n) : '—');
            collectionRows.append(
                el(
                    'tr',
                    {},
                    name,
                    el('td', {className: 'num'}, count(c.documents)),
                    el('td', {className: 'num optional'}, count(c.failed)),
                    el('td', {className: 'num nowrap optional'},
                       typeof c.bytes === 'number' ? formatBytes(c.bytes) : '—'),
                    el('td', {className: 'actions'}, search, reindex),
                    ),
            );
        }
        if (!list.length)
            collectionRows.append(
                el('tr', {}, el('td', {colSpan: 5, className: 'muted'}, 'No collections yet.')));
        const chosen = select.value;
        select.replaceChildren(...list.map((c) => el('option', {value: c.name}, c.name)));
        if (list.some((c) => c.name === chosen)) select.value = chosen;
        form.querySelector('button[type=submit]').disabled = list.length === 0;
    }

    async function refresh() {
        const [status, list] =
            await Promise.allSettled([getJson('/api/status?errors=1'), collections(true)]);
        if (status.status === 'fulfilled')
            renderStatus(status.value);
        else
            setMessage(message, status.reason.message, 'error');
        renderCollections(list.status === 'fulfilled' ? list.value : []);
    }

    function jobTitle(job) {
        const kind = JOB_KINDS[job.kind || 'reindex'] || job.kind;
        const what =
            job.collection || job.path || (Array.isArray(job.roots) ? job.roots.join(', ') : '');
        return what ? `${kind} ${what}` : kind;
    }

    function renderJob(job) {
        let entry = jobs.get(job.id);
        if (!entry) {
            entry = {node: el('li', {className: 'job', 'data-job': job.id})};
            jobs.set(job.id, entry);
            jobsList.querySelector('.job-empty')?.remove();
            jobsList.prepend(entry.node);
        }
        entry.data = job;
        const node = entry.node;
        node.className = 'job is-' + (job.status || 'queued');
        clear(node);
        const done = Number(job.files_done) || 0;
        const total = Number(job.files_total) || 0;
        const head = el(
            'div',
            {className: 'job-head'},
            el('span', {className: 'job-title'}, jobTitle(job)),
            el('span', {className: 'status-badge status-' + (job.status || 'queued')},
               job.status || 'queued'),
        );
        if (ACTIVE.has(job.status) && !job.cancel_requested) {
            const cancel =
                el('button', {type: 'button', className: 'button button-small'}, 'Cancel');
            cancel.setAttribute('aria-label', 'Cancel ' + jobTitle(job));
            cancel.addEventListener('click', async () => {
                cancel.disabled = true;
                try {
                    renderJob(await postJson(`/api/jobs/${encodeURIComponent(job.id)}/cancel`, {}));
                } catch (e) {
                    setMessage(message, e.message, 'error');
                    cancel.disabled = false;
                }
            });
            head.append(cancel);
        }
        node.append(head);
        const progress = el('progress', {className: 'job-progress', max: Math.max(total, 1)});
        progress.setAttribute('aria-label', 'Progress of ' + jobTitle(job));
        if (total > 0 || !ACTIVE.has(job.status)) progress.value = total > 0 ? done : 1;
        node.append(progress);
        const facts =
            [total ? `${numbers.format(done)} of ${numbers.format(total)} files` :
                     `${numbers.format(done)} files`];
        if (typeof job.rate_files_per_s === 'number' && job.status === 'running')
            facts.push(`${job.rate_files_per_s.toFixed(1)} files/s`);
        const errors = Array.isArray(job.errors) ? job.errors : [];
        const failedCount =
            Math.max(errors.length, Number(job.errors_total) || 0, Number(job.failed) || 0);
        if (failedCount) facts.push(`${numbers.format(failedCount)} failed`);
        if (job.cancel_requested && ACTIVE.has(job.status)) facts.push('stopping at the next file');
        if (!ACTIVE.has(job.status) && typeof job.seconds === 'number')
            facts.push(formatSeconds(job.seconds));
        if (job.message) facts.push(job.message);
        node.append(el('p', {className: 'job-facts'}, facts.join(' · ')));
        if (errors.length) {
            const details =
                el('details', {className: 'job-errors'}, el('summary', {}, 'Failed files'));
            const ul = el('ul', {});
            for (const e of errors)
                ul.append(
                    el('li', {}, el('span', {className: 'path-cell'}, e.path || ''), ' — ',
                       e.reason || ''));
            details.append(ul);
            node.append(details);
        }
    }

    async function startJob(body) {
        setMessage(message, '');
        try {
            const job = await postJson('/api/jobs/reindex', body);
            renderJob({status: 'queued', files_done: 0, files_total: 0, ...body, ...job});
            schedule();
        } catch (e) {
            setMessage(message, e.message, 'error');
        }
    }

    async function poll() {
        timer = 0;
        const active = Array.from(jobs.values()).filter((j) => ACTIVE.has(j.data.status));
        let finished = false;
        await Promise.all(
            active.map(async (entry) => {
                try {
                    const job = await getJson('/api/jobs/' + encodeURIComponent(entry.data.id));
                    renderJob(job);
                    if (!ACTIVE.has(job.status)) finished = true;
                } catch (e) {
                    if (e.status === 404) {
                        renderJob({
                            ...entry.data,
                            status: 'failed',
                            message: 'the server no longer knows this job'
                        });
                        finished = true;
                    }
                }
            }),
        );
        if (finished) {
            refresh();
            window.dispatchEvent(new CustomEvent('deskside:indexed'));
        }
        schedule();
    }

    function schedule() {
        if (!visible || timer) return;
        if (Array.from(jobs.values()).some((j) => ACTIVE.has(j.data.status)))
            timer = window.setTimeout(poll, POLL_MS);
    }

    async function loadJobs() {
        try {
            const list = jobList(await getJson('/api/jobs'));
            // Oldest first, so that prepending leaves the newest on top.
            list.sort((a, b) => (Number(a.id) || 0) - (Number(b.id) || 0));
            for (const job of list) renderJob(job);
        } catch (e) {
            // A server without the jobs routes: the form's own error says so when used.
        }
        if (!jobs.size) jobsList.append(el('li', {className: 'muted job-empty'}, 'No jobs yet.'));
        schedule();
    }

    form.addEventListener('submit', (event) => {
        event.preventDefault();
        if (!select.value) return;
        startJob({collection: select.value, prune: prune.checked});
    });

    return {
        enter(args, params, entering) {
            visible = true;
            if (!entering) return;
            document.getElementById('admin-heading').focus();
            setMessage(message, '');
            refresh();
            clear(jobsList);
            jobs.clear();
            loadJobs();
        },
        leave() {
            visible = false;
            window.clearTimeout(timer);
            timer = 0;
        },
    };
}
