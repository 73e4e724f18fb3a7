#!/usr/bin/env node
// Browser end-to-end tests: builds the playground (`npx vite build`), serves dist/ on 127.0.0.1,
// drives Debian's /usr/bin/chromium (never a downloaded browser) through playwright-core with
// WebGPU on (SwiftShader here), and runs every test/e2e/*.e2e.mjs file's exported cases.
//
// A case file exports `cases`: an array of { name, run(t) } (or `fn` instead of `run`).
// `t` gives:
//   t.page                 a fresh 1280x800 page with WebGPU (console errors collected)
//   t.open(hashOrPath)     goes to the served app (e.g. '/', '/#s=...'); waits for <jp-app>
//   t.newPage({ webgpu, colorScheme, viewport })  another page (webgpu: false = a browser without WebGPU)
//   t.errors(page?)        console errors and page errors seen so far on that page
//   t.settled(page?, maxMs?)  waits until the page's text stops changing (a tab's simulation filled in), at most maxMs
//   t.screenshot(name, page?)  saves test-artifacts/NAME.png
//   t.axe(page?, {also}?)  axe-core results' violations of impact serious or critical (plus the rule ids in `also`)
//   t.assert(cond, msg)    throws msg when cond is falsy
//   t.baseUrl
// Usage: node test/e2e/run.mjs [--no-build] [filter]; prints "N passed, N failed", exits 1 on failure.
// Cases run two at a time (E2E_JOBS=N to change). Measured here on 2 cores, 2026-12-07: 334 s two at a time,
// 335 s three; one at a time it was 458 s (that run still had fixed sleeps in the axe cases, since cut by ~70 s).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const filter = args.find((a) => !a.startsWith('--'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CASE_TIMEOUT_MS = Number(process.env.E2E_CASE_TIMEOUT_MS ?? 120_000);
const artifacts = join(root, 'test-artifacts');
// Each run starts clean, so a FAILED-*.png is always from this run.
for (const f of existsSync(artifacts) ? readdirSync(artifacts) : []) if (f.endsWith('.png')) rmSync(join(artifacts, f));
mkdirSync(artifacts, { recursive: true });

if (!existsSync(CHROMIUM)) {
  console.error(`e2e: ${CHROMIUM} not found. Install Debian's Chromium (sudo apt-get install -y chromium) or set CHROMIUM_PATH.`);
  process.exit(2);
}

if (!args.includes('--no-build')) {
  const t0 = Date.now();
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('e2e: `npx vite build` failed');
    process.exit(1);
  }
  console.log(`e2e: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// ---- a tiny static server for dist/ ----
const dist = join(root, 'dist');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.svg': 'image/svg+xml', '.wgsl': 'text/plain' };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  let file = resolve(dist, '.' + path);
  if (!file.startsWith(dist)) return void res.writeHead(403).end();
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(dist, 'index.html');
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const baseUrl = `http://127.0.0.1:${server.address().port}`;

const FLAGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const browsers = new Map();
async function browser(webgpu) {
  if (!browsers.has(webgpu)) {
    // playwright-core's launch() gives each browser a fresh temporary --user-data-dir (it refuses
    // the flag itself), and every case gets a new context: no state leaks between cases.
    browsers.set(webgpu, chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : ['--disable-webgpu'])] }));
  }
  return browsers.get(webgpu);
}

const axeSource = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

function makeT(name) {
  const pages = [];
  const errs = new WeakMap();
  const t = {
    baseUrl,
    page: null,
    async newPage({ webgpu = true, colorScheme = 'light', viewport = { width: 1280, height: 800 } } = {}) {
      const ctx = await (await browser(webgpu)).newContext({ viewport, colorScheme, permissions: ['clipboard-read', 'clipboard-write'], baseURL: baseUrl });
      const page = await ctx.newPage();
      const list = [];
      page.on('console', (m) => {
        if (m.type() === 'error') list.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => list.push(`pageerror: ${e.message}`));
      errs.set(page, list);
      pages.push(page);
      return page;
    },
    async open(where = '/', page = t.page) {
      await page.goto(baseUrl + (where.startsWith('/') ? where : `/${where}`));
      await page.locator('jp-app [role=tablist]').waitFor({ timeout: 15_000 });
      return page;
    },
    errors: (page = t.page) => errs.get(page) ?? [],
    /** Waits until the page's text (shadow roots included) is the same on three looks 250 ms apart, or `maxMs`. */
    async settled(page = t.page, maxMs = 3000) {
      const text = () => page.evaluate(() => {
        let n = document.body.textContent ?? '';
        const walk = (root) => { for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { n += el.shadowRoot.textContent ?? ''; walk(el.shadowRoot); } };
        walk(document);
        return n;
      });
      const t0 = Date.now();
      let last = await text();
      for (let same = 0; same < 2 && Date.now() - t0 < maxMs; ) {
        await page.waitForTimeout(250);
        const now = await text();
        same = now === last ? same + 1 : 0;
        last = now;
      }
    },
    async screenshot(file, page = t.page) {
      await page.screenshot({ path: join(artifacts, `${file}.png`) });
    },
    async axe(page = t.page, { also = [] } = {}) {
      await page.addScriptTag({ content: axeSource });
      const r = await page.evaluate(async () => {
        const res = await globalThis.axe.run(document, { resultTypes: ['violations'] });
        return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(-1)[0] ?? ''}`) }));
      });
      return r.filter((v) => v.impact === 'serious' || v.impact === 'critical' || also.includes(v.id));
    },
    assert(cond, msg) {
      if (!cond) throw new Error(msg);
    },
    async close() {
      for (const p of pages) await p.context().close().catch(() => {});
    },
  };
  void name;
  return t;
}

const files = readdirSync(join(root, 'test/e2e')).filter((f) => f.endsWith('.e2e.mjs')).sort();
const queue = [];
for (const f of files) {
  const mod = await import(pathToFileURL(join(root, 'test/e2e', f)).href);
  for (const c of mod.cases ?? mod.default ?? []) {
    const name = `${f.replace('.e2e.mjs', '')}: ${c.name}`;
    if (!filter || name.includes(filter)) queue.push({ name, c });
  }
}
// Cases run JOBS at a time, each in its own browser context (no shared state; a case's own pages are its own).
// 2 by default: on a 2-core machine two pages in flight keep both cores busy while one waits on the GPU
// process; E2E_JOBS=1 runs them one by one.
const JOBS = Math.max(1, Number(process.env.E2E_JOBS ?? 2) || 1);
let passed = 0;
let failed = 0;
const t0 = Date.now();
async function runCase({ name, c }) {
  const t = makeT(name);
  const s = Date.now();
  let timer;
  try {
    t.page = await t.newPage();
    await Promise.race([(c.run ?? c.fn)(t), new Promise((_, no) => (timer = setTimeout(() => no(new Error(`timed out after ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS)))]);
    passed++;
    console.log(`  ✓ ${name} (${((Date.now() - s) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    console.log(`  ✗ ${name} (${((Date.now() - s) / 1000).toFixed(1)} s)\n      ${String(e?.stack ?? e).split("\n").slice(0, 14).join('\n      ')}`);
    const seen = t.page ? t.errors(t.page) : [];
    if (seen.length) console.log(`      page errors:\n        ${seen.slice(0, 5).join('\n        ')}`);
    const safe = name.replace(/[^a-z0-9]+/gi, '-');
    await t.page?.screenshot({ path: join(artifacts, `FAILED-${safe}.png`) }).catch(() => {});
  } finally {
    clearTimeout(timer);
    await t.close();
  }
}
let next = 0;
await Promise.all(Array.from({ length: Math.min(JOBS, queue.length) }, async () => {
  while (next < queue.length) await runCase(queue[next++]);
}));
for (const b of browsers.values()) await (await b).close().catch(() => {});
server.close();
console.log(`\n${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s; screenshots in test-artifacts/)`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
