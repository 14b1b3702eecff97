// The steps of the browser test (page_test.mjs runs them against a server it started). Each
// step drives the page as a person would (keyboard where the page promises keys), checks what
// is shown, and saves a screenshot; the first failing step stops the run, with a
// failure-STEP.png. Errors thrown by the page's scripts, Content-Security-Policy violations and
// failed loads of the page's own files fail the step in which they happen.
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';

const STEP_TIMEOUT_MS = 20000;
const UPLOAD_TIMEOUT_MS = 45000;
const LAPTOP = {
    width: 1280,
    height: 800
};
const PHONE = {
    width: 360,
    height: 740
};
const SEARCH_WORDS = 'trace tree';
const QUESTION = 'What is a trace tree?';

class StepError extends Error {}
function check(condition, message) {
    if (!condition) throw new StepError(message);
}

// Watches a page for script errors, CSP violations and failed loads of our own files.
function watch(page, problems) {
    page.on('pageerror', (error) => problems.push('script error: ' + error.message));
    page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text()))
            problems.push('CSP: ' + message.text());
    });
    page.on('response', (response) => {
        const url = new URL(response.url());
        if (response.status() >= 400 && !url.pathname.startsWith('/api/'))
            problems.push(`HTTP ${response.status()} for ${url.pathname}`);
    });
}

async function inViewport(locator) {
    return locator.evaluate((node) => {
        const box = node.getBoundingClientRect();
        return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight;
    });
}

// The parameters of the page's hash route (#/search?q=…).
function routeParams(page) {
    const hash = new URL(page.url()).hash;
    return new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
}

// Waits until the document view shows passage `passageId` highlighted and in view.
async function expectCitedPassage(page, passageId) {
    const target = page.locator('.passage.is-target');
    await target.waitFor({timeout: STEP_TIMEOUT_MS});
    const shown = await target.getAttribute('data-passage');
    check(
        shown === String(passageId),
        `the highlighted passage is ${shown}, the link named ${passageId}`);
    // The quoted sentence when the citation names one (the view centres it, so in a long
    // passage the passage's first line may be above the fold), else the passage itself.
    const quote = page.locator('mark.cited.quote').first();
    const mark = (await quote.count()) ? quote : page.locator('mark.cited').first();
    await mark.waitFor();
    check(await inViewport(mark), 'the cited quote or passage is not scrolled into view');
    const text = (await target.innerText()).trim();
    check(text.length > 20, 'the highlighted passage shows no text');
    return text;
}

export async function runSteps({browser, base, out, work, results}) {
    const problems = [];
    const context = await browser.newContext({viewport: LAPTOP});
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    let page = await context.newPage();
    watch(page, problems);
    const unique = 'quokka' + Math.random().toString(36).slice(2, 8).replace(/\d/g, 'z');
    const state = {};

    const steps = [
        [
            'search',
            async () => {
                await page.goto(base + '/#/search');
                const input = page.locator('#q');
                await input.waitFor();
                // "/" focuses the search box from anywhere else on the page.
                await page.locator('#search-help').click();
                await page.keyboard.press('/');
                check(
                    await input.evaluate((n) => n === document.activeElement),
                    '"/" did not focus the search box');
                // Instant results: typing is enough, no Enter.
                await page.keyboard.type(SEARCH_WORDS, {delay: 15});
                const first = page.locator('.result').first();
                await first.waitFor();
                const title = await first.locator('.result-title').innerText();
                check(
                    /tracemonkey/i.test(title),
                    `first result is "${title}", expected the TraceMonkey paper`);
                const marks = await first.locator('.result-snippet mark').allInnerTexts();
                check(
                    marks.some((m) => /trac|tree/i.test(m)),
                    `no highlighted query word in the snippet (marks: ${marks})`);
                const meta = await first.locator('.result-meta').innerText();
                check(/page \d+/.test(meta), `the result does not name its page: "${meta}"`);
                check(
                    routeParams(page).get('q') === SEARCH_WORDS,
                    `the query is not in the URL: ${page.url()}`);
            }
        ],
        [
            'filters',
            async () => {
                // Each type filter shows only its type (hybrid search may add meaning-alike
                // passages, so the docx filter can show the Word file even though it never says
                // "trace").
                for (const type of ['docx', 'pdf']) {
                    await page.selectOption('#f-type', type);
                    await page.waitForFunction(
                        () => !document.querySelector('#results[aria-busy]'));
                    await page.waitForFunction(
                        (t) => {
                            const badges = Array.from(document.querySelectorAll('.result .badge'));
                            return badges.length > 0 &&
                                badges.every((b) => b.textContent.toLowerCase() === t);
                        },
                        type,
                    );
                    check(
                        routeParams(page).get('type') === type,
                        `the filter is not in the URL: ${page.url()}`);
                }
                // A date range that excludes every document (the paper is dated 2009).
                await page.fill('#f-to', '1999-12-31');
                await page.locator('#search-message.message-empty').waitFor();
                check(
                    routeParams(page).get('to') === '1999-12-31',
                    `the date is not in the URL: ${page.url()}`);
                await page.click('#f-reset');
                await page.locator('.result').first().waitFor();
                check(
                    !routeParams(page).get('type') && !routeParams(page).get('to'),
                    'Clear filters left some');
            }
        ],
        [
            'document',
            async () => {
                // Arrow down from the search box to the first result, Enter opens it.
                await page.focus('#q');
                await page.keyboard.press('ArrowDown');
                const focused = await page.evaluate(() => document.activeElement.className);
                check(
                    focused.includes('result-title'),
                    `ArrowDown focused "${focused}", not the first result`);
                const href = await page.evaluate(() => document.activeElement.getAttribute('href'));
                await page.keyboard.press('Enter');
                await page.waitForURL(/#\/doc\//);
                const passage = new URLSearchParams(href.split('?')[1]).get('passage');
                const text = await expectCitedPassage(page, passage);
                check(
                    /trace|tree/i.test(text),
                    'the highlighted passage does not contain the searched words');
                const file = await page.locator('#doc-file').getAttribute('href');
                check(
                    /^\/api\/documents\/\d+\/file$/.test(file || ''),
                    `no link to the original file: ${file}`);
                const original = await page.request.get(base + file);
                check(original.ok(), `the original file answers HTTP ${original.status()}`);
                state.searchHash = href;
            }
        ],
        [
            'document-escape',
            async () => {
                await page.keyboard.press('Escape');
                await page.waitForURL(/#\/search/);
                await page.locator('.result').first().waitFor();
                const focused =
                    await page.evaluate(() => document.activeElement.getAttribute('href'));
                check(
                    focused === state.searchHash,
                    `after Escape the focus is on ${focused}, not the opened result`);
            }
        ],
        [
            'search-phone',
            async () => {
                const phone =
                    await browser.newContext({viewport: PHONE, isMobile: true, hasTouch: true});
                const small = await phone.newPage();
                watch(small, problems);
                try {
                    await small.goto(base + '/#/search?q=' + encodeURIComponent(SEARCH_WORDS));
                    await small.locator('.result').first().waitFor();
                    const overflow = await small.evaluate(
                        () => document.documentElement.scrollWidth - window.innerWidth);
                    check(overflow <= 0, `the page is ${overflow} px wider than a 360 px screen`);
                    check(
                        await small.locator('.result-snippet mark').first().isVisible(),
                        'no highlight visible on the phone');
                    for (const link of await small.locator('.nav a').all())
                        check(await link.isVisible(), 'a navigation link is hidden on the phone');
                    // The filters fold away on a phone; the button opens them.
                    check(
                        !(await small.locator('#f-type').isVisible()),
                        'filters are open on a phone');
                    await small.click('#f-toggle');
                    await small.selectOption('#f-type', 'pdf');
                    await small.waitForFunction(
                        () =>
                            /Filters \(1\)/.test(document.getElementById('f-toggle').textContent));
                    await small.locator('.result .badge').first().waitFor();
                    await small.screenshot({path: join(out, 'phone-search.png')});
                    await small.click('.result-title');
                    await small.locator('.passage.is-target').waitFor();
                    const docOverflow = await small.evaluate(
                        () => document.documentElement.scrollWidth - window.innerWidth);
                    check(
                        docOverflow <= 0,
                        `the document view is ${docOverflow} px wider than the phone`);
                    await small.screenshot({path: join(out, 'phone-document.png')});
                } finally {
                    await phone.close();
                }
                return 'own screenshots';
            }
        ],
        [
            'ask',
            async () => {
                await page.goto(base + '/#/ask');
                await page.fill('#ask-q', QUESTION);
                const response =
                    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/ask');
                await page.focus('#ask-q');
                await page.keyboard.press('Enter');
                const reply = await response;
                check(reply.ok(), `POST /api/ask answered HTTP ${reply.status()}`);
                const type = reply.headers()['content-type'] || '';
                check(
                    type.startsWith('text/event-stream'),
                    `the answer was not streamed (Content-Type ${type})`);
                await page.locator('#ask-answer[aria-busy=false]').waitFor({timeout: 60000});
                const error = page.locator('#ask-message.message-error');
                if (await error.isVisible())
                    throw new StepError('ask failed: ' + (await error.innerText()));
                check(
                    !(await page.locator('#ask-result.not-answered').count()),
                    'the question was not answered');
                const answer = await page.locator('#ask-answer').innerText();
                check(answer.length > 20, `the answer is too short: "${answer}"`);
                const cites = page.locator('#ask-answer a.cite');
                check(
                    (await cites.count()) > 0, `the answer has no [n] citation links: "${answer}"`);
                check(
                    (await page.locator('#ask-sources .source').count()) > 0,
                    'no sources are listed');
            }
        ],
        [
            'citation',
            async () => {
                const cite = page.locator('#ask-answer a.cite').first();
                const href = await cite.getAttribute('href');
                await cite.click();
                await page.waitForURL(/#\/doc\//);
                const params = new URLSearchParams(href.split('?')[1]);
                await expectCitedPassage(page, params.get('passage'));
                if (params.get('qs') !== null) {
                    const quote = page.locator('mark.cited.quote').first();
                    await quote.waitFor();
                    check((await quote.innerText()).trim().length > 0, 'the quoted span is empty');
                }
            }
        ],
        [
            'ask-unanswered',
            async () => {
                await page.goto(base + '/#/ask');
                await page.fill('#ask-q', 'What is the capital of Mongolia?');
                await page.click('#ask-submit');
                await page.locator('#ask-result.not-answered').waitFor();
                await page.locator('#ask-answer[aria-busy=false]').waitFor();
                const label = await page.locator('#ask-answer .not-answered-label').innerText();
                check(/not answered/i.test(label), `an unanswerable question shows "${label}"`);
                check(
                    (await page.locator('#ask-answer a.cite').count()) === 0,
                    'a non-answer has citation links');
            }
        ],
        [
            'upload',
            async () => {
                await page.goto(base + '/#/upload');
                const chosen = join(work, `minutes-${unique}.txt`);
                const minutes = 'Minutes of the facilities meeting\n\nThe ' + unique +
                    ' boiler is replaced in March. The caretaker keeps the plant room keys.\n';
                writeFileSync(chosen, minutes);
                // A file that cannot be indexed shows its reason instead.
                const broken = join(work, 'broken.docx');
                // Binary bytes of no known format (text would be indexed as text, whatever its
                // name).
                writeFileSync(broken, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 7, 0x80, 0x81]));
                await page.setInputFiles('#up-files', [chosen, broken]);
                // Drag-and-drop: the same code path as a file dragged from the desktop.
                await page.evaluate((word) => {
                    const transfer = new DataTransfer();
                    transfer.items.add(new File(
                        [`Dropped note about the ${word}dropped heating valve.\n`],
                        `dropped-${word}.txt`, {type: 'text/plain'}));
                    const zone = document.getElementById('drop-zone');
                    for (const type of ['dragenter', 'dragover', 'drop'])
                        zone.dispatchEvent(new DragEvent(
                            type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
                }, unique);
                await page.waitForFunction(
                    () => {
                        const items = document.querySelectorAll('.upload-item');
                        return items.length === 3 &&
                            Array.from(items).every((i) => /is-(done|failed)/.test(i.className));
                    },
                    null,
                    {timeout: UPLOAD_TIMEOUT_MS},
                );
                const done =
                    await page.locator('.upload-item.is-done .upload-name').allInnerTexts();
                check(
                    done.length === 2,
                    `indexed: ${done.join(', ')}; expected the minutes and the dropped note`);
                const failed = page.locator('.upload-item.is-failed');
                check((await failed.count()) === 1, 'the broken file is not shown as failed');
                const reason = await failed.locator('.upload-detail').innerText();
                check(
                    /broken\.docx/.test(await failed.innerText()) &&
                        /^(unsupported|corrupt)/.test(reason),
                    `the broken file's reason is "${reason}"`);
            }
        ],
        [
            'upload-search',
            async () => {
                // Watch the uploaded file become searchable: search again until it is found.
                const deadline = Date.now() + STEP_TIMEOUT_MS;
                for (;;) {
                    await page.goto(base + '/#/search?q=' + unique);
                    await page.locator('#results[aria-busy]')
                        .waitFor({state: 'detached'})
                        .catch(() => {});
                    await page.waitForFunction(
                        () => document.querySelector('.result, #search-message:not([hidden])'));
                    if (await page.locator('.result').count()) break;
                    check(
                        Date.now() < deadline,
                        `a search for "${unique}" never found the uploaded file`);
                    await page.waitForTimeout(500);
                    await page.goto(base + '/#/admin');
                }
                const path = await page.locator('.result .result-path').first().innerText();
                check(
                    path.endsWith(`minutes-${unique}.txt`),
                    `the result for "${unique}" is ${path}`);
            }
        ],
        [
            'admin',
            async () => {
                await page.goto(base + '/#/admin');
                const row = page.locator('#admin-collections tbody tr', {hasText: 'office'});
                await row.waitFor();
                const count =
                    Number((await row.locator('td.num').first().innerText()).replace(/\D/g, ''));
                check(count === 4, `the office collection shows ${count} documents, expected 4`);
                await page.locator('#admin-status .stat').first().waitFor();
                const failedRow =
                    page.locator('#admin-failed tbody tr', {hasText: 'pdfminer-aes-128.pdf'});
                await failedRow.waitFor();
                const reason = await failedRow.locator('td').nth(1).innerText();
                check(
                    /^encrypted/.test(reason),
                    `the encrypted PDF is listed with the reason "${reason}"`);
                await page.selectOption('#reindex-collection', 'office');
                await page.click('#reindex-form button[type=submit]');
                // The job just started is the first in the list; wait until it says done.
                await page.locator('#admin-jobs .job').first().waitFor();
                const id = await page.locator('#admin-jobs .job').first().getAttribute('data-job');
                const job = page.locator(`#admin-jobs .job[data-job="${id}"]`);
                await job.locator('.status-badge.status-done').waitFor({timeout: 40000});
                const facts = await job.locator('.job-facts').innerText();
                const counts = /(\d+) of (\d+) files/.exec(facts);
                check(
                    counts && counts[1] === counts[2] && Number(counts[1]) >= 4,
                    `the finished job reports "${facts}"`);
            }
        ],
    ];

    for (const [name, run] of steps) {
        const t0 = Date.now();
        problems.length = 0;
        try {
            const shot = await run();
            check(problems.length === 0, problems.join('; '));
            if (shot !== 'own screenshots') await page.screenshot({path: join(out, name + '.png')});
            results.push({name, ok: true});
            console.log(`ok    ${name} (${Date.now() - t0} ms)`);
        } catch (error) {
            await page.screenshot({path: join(out, `failure-${name}.png`), fullPage: true})
                .catch(() => {});
            results.push({name, ok: false});
            console.error(`FAIL  ${name}: ${error.message.split('\n')[0]}`);
            if (!(error instanceof StepError)) console.error(error.stack);
            return false;
        }
    }
    await context.close();
    return true;
}
