// Browser test of the Deskside page (web/): indexes real corpus files into a temporary data
// folder, starts `deskside serve` on a free port, and drives Debian's headless chromium through
// playwright-core: search (laptop and 360 px phone), open a result at its passage, ask a
// question and follow a citation, upload a file and find it, and the admin view. A PNG of
// every step (and of a failure) goes to the output folder. Exits 1 with the failing step's
// message on any failure; the server is always stopped.
//
// node page_test.mjs --deskside BIN --web DIR --shared DIR --out DIR [--url URL]
//   --url: drive a server that is already running instead (no indexing, no serve).
import {spawn, spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';

import {runSteps} from './page_steps.mjs';

const CHROMIUM = process.env.DESKSIDE_CHROMIUM || '/usr/bin/chromium';
// Files with clear text: a 14-page PDF (pages), a DOCX, an HTML page and a PPTX (slides);
// and a password-protected PDF, so that the admin view has a failed file with its reason.
const CORPUS_FILES = [
    'pdf/pdfjs-tracemonkey.pdf',
    'docx/poi-SampleDoc.docx',
    'html/tika-resume.html',
    'pptx/poi-SampleShow.pptx',
    'pdf/pdfminer-aes-128.pdf',
];

function parseArgs(argv) {
    const args = {};
    for (let i = 0; i < argv.length; i += 2) {
        if (!argv[i].startsWith('--') || argv[i + 1] === undefined)
            usage(`bad argument ${argv[i]}`);
        args[argv[i].slice(2)] = argv[i + 1];
    }
    // As for every other test, $DESKSIDE_SHARED at run time wins over the configured folder.
    if (process.env.DESKSIDE_SHARED) args.shared = process.env.DESKSIDE_SHARED;
    for (const name of args.url ? ['out'] : ['deskside', 'web', 'shared', 'out'])
        if (!args[name]) usage(`missing --${name}`);
    return args;
}

function usage(why) {
    console.error('page_test: ' + why);
    console.error(
        'usage: node page_test.mjs --deskside BIN --web DIR --shared DIR --out DIR [--url URL]');
    process.exit(2);
}

// Starts `deskside serve` on port 0 and resolves to its URL, read from the line
// "deskside: serving http://127.0.0.1:PORT/ (data …)".
function startServer(bin, data, web) {
    const child = spawn(bin, ['serve', '--data', data, '--listen', '127.0.0.1:0'], {
        env: {...process.env, DESKSIDE_WEB_DIR: web},
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const url = new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error('deskside serve printed no URL in 15 s:\n' + log)), 15000);
        const onData = (chunk) => {
            log += chunk;
            const match = /serving (http:\/\/\S+?)\/? /.exec(log);
            if (match) {
                clearTimeout(timer);
                resolve(match[1]);
            }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', (chunk) => (log += chunk));
        child.on('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`deskside serve exited with ${code}:\n${log}`));
        });
    });
    return {child, url, log: () => log};
}

function stopServer(child) {
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 8000);
        child.once('exit', () => {
            clearTimeout(kill);
            resolve();
        });
        child.kill('SIGTERM');
    });
}

// playwright-core, or a message saying how to install it.
async function loadChromium() {
    try {
        return (await import('playwright-core')).chromium;
    } catch (e) {
        const why = e.code || e.message;
        console.error(
            `page_test: cannot load playwright-core (${why}): ` +
            'run `npm ci` in tests/browser (deploy/install.sh --test does)');
        process.exit(1);
    }
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    const chromium = await loadChromium();
    if (!existsSync(CHROMIUM)) {
        console.error(
            `page_test: no chromium at ${CHROMIUM}: ` +
            'apt-get install chromium (deploy/install.sh --test does)');
        process.exit(1);
    }
    mkdirSync(args.out, {recursive: true});
    // Screenshots of an earlier run must not pass for this one's.
    for (const name of readdirSync(args.out))
        if (name.endsWith('.png')) rmSync(join(args.out, name));
    const work = mkdtempSync(join(tmpdir(), 'deskside-browser-'));
    let server = null;
    let browser = null;
    const results = [];
    let failed = false;
    const started = Date.now();
    try {
        let base = args.url ? args.url.replace(/\/$/, '') : '';
        if (!base) {
            const docs = join(work, 'docs');
            mkdirSync(docs);
            for (const file of CORPUS_FILES) {
                const source = join(args.shared, 'corpus', 'office', file);
                if (!existsSync(source)) throw new Error(`corpus file missing: ${source}`);
                copyFileSync(source, join(docs, basename(file)));
            }
            const data = join(work, 'data');
            const index = spawnSync(
                args.deskside, ['index', docs, '--data', data, '--collection', 'office'], {
                    encoding: 'utf8',
                    timeout: 120000,
                });
            // Exit status 1: the run finished and some files failed (the encrypted PDF).
            if (index.status !== 1)
                throw new Error(
                    `deskside index exited with ${index.status}:\n${index.stdout}${index.stderr}`);
            console.log('indexed:', index.stdout.trim().split('\n')[0]);
            server = startServer(args.deskside, data, args.web);
            base = await server.url;
            console.log('server:', base);
        }

        browser = await chromium.launch({
            executablePath: CHROMIUM,
            headless: true,
            // Root (CI) cannot use chromium's sandbox; the page is our own, served on loopback.
            args: ['--no-sandbox', '--disable-dev-shm-usage'],
        });
        failed = !(await runSteps({browser, base, out: args.out, work, results}));
    } catch (e) {
        failed = true;
        console.error('page_test: setup failed:', e.message);
    } finally {
        if (browser) await browser.close().catch(() => {});
        if (server) {
            await stopServer(server.child);
            if (failed) console.error('--- server output ---\n' + server.log());
        }
        rmSync(work, {recursive: true, force: true});
    }
    const passed = results.filter((r) => r.ok).length;
    console.log(`screenshots: ${args.out}`);
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
    // A setup failure counts as one failed step.
    const failures = results.length - passed + (failed && passed === results.length ? 1 : 0);
    console.log(`${passed} passed, ${failures} failed`);
    process.exit(failed ? 1 : 0);
}

main();
