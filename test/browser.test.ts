/**
 * The page of `ner serve` in a real browser: headless Chromium (Debian's
 * `chromium`, at /usr/bin/chromium) driven by playwright-core. Types a
 * sentence, checks the highlighted entities against the API, then tags the
 * same text with the model running in the page (the browser bundle) and
 * checks that it agrees with the server. Leaves a screenshot.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type * as http from 'node:http';
import { initBackend } from '../src/backend';
import type { NerModel } from '../src/model/nerModel';
import { BROWSER_BUNDLE, createServer, modelInfo } from '../src/serve/server';
import { inThreadService } from '../src/serve/tagService';
import { trainModel } from '../src/train/trainer';
import { TINY_OPTIONS, tinyCorpus } from './helpers/tiny';
import { REPO } from './helpers/cli';
import { saveModel } from '../src/io/modelStore';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const missing = !fs.existsSync(CHROMIUM) ? `no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)` : !fs.existsSync(BROWSER_BUNDLE) ? `no browser bundle at ${BROWSER_BUNDLE} (npm run build)` : undefined;

describe('the ner serve page in Chromium', { skip: missing }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-browser-test-'));
  let model: NerModel;
  let server: http.Server;
  let base: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let browser: any;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    model = await trainModel({ train: tinyCorpus(), options: { ...TINY_OPTIONS, epochs: 6, optimizer: 'adam', learningRate: 0.02 } });
    await saveModel(model, path.join(dir, 'model'));
    server = createServer(inThreadService(model), modelInfo(model), { modelDir: path.join(dir, 'model') });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('type, tag, see the entities highlighted; the same tags when the model runs in the page', async (t) => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r: { url(): string }) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(e.message));
    page.on('console', (m: { type(): string; text(): string }) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(base);
    const text = 'Angela Merkel visited Paris. Siemens opened an office in Berlin.';
    await page.fill('#text', text);
    await page.click('#tag');
    await page.waitForFunction(() => /entities/.test(document.getElementById('status')!.textContent ?? ''));
    const marked = await page.$$eval('mark.entity', (marks: Element[]) => marks.map((m) => `${m.getAttribute('data-type')}:${m.firstChild!.textContent}`));
    const server = (await (await fetch(`${base}api/predict`, { method: 'POST', body: JSON.stringify({ text }) })).json()) as Array<{ tags: string[]; entities: Array<{ type: string; text: string; confidence: number }> }>;
    assert.deepEqual(marked, server.flatMap((r) => r.entities.map((e) => `${e.type}:${e.text}`)));
    assert.ok(marked.length > 0, 'some entities to see');

    await page.check('#local');
    await page.click('#tag');
    await page.waitForFunction(() => /in the browser|error/.test(document.getElementById('status')!.textContent ?? ''), undefined, { timeout: 60_000 });
    const status = await page.textContent('#status');
    assert.match(status, /in the browser/, `${status}; page errors: ${errors.join(' | ')}`);
    const local = (await page.evaluate(() => (window as unknown as { lastRecords: unknown }).lastRecords)) as typeof server;
    assert.deepEqual(local.map((r) => r.tags), server.map((r) => r.tags));
    local.forEach((r, i) => r.entities.forEach((e, k) => assert.ok(Math.abs(e.confidence - server[i].entities[k].confidence) < 1e-3)));
    assert.ok(requests.every((u) => u.startsWith(base)), `only the server was asked: ${requests.filter((u) => !u.startsWith(base)).join(', ')}`);
    // The bundle's loadModel takes the directory's URL without its last '/' too (the page gives 'model/').
    const tags = await page.evaluate(async () => {
      const bundle = (window as unknown as { ner: { loadModel(url: string): Promise<{ predict(s: string[][]): string[][] }> } }).ner;
      return (await bundle.loadModel('model')).predict([['Angela', 'Merkel']]);
    });
    assert.equal(tags[0].length, 2);

    const shot = path.join(REPO, 'test-results', 'serve-page.png');
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
    await page.close();
  });
});

if (missing !== undefined) test(`browser tests skipped: ${missing}`, { skip: missing }, () => {});
