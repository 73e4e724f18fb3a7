// The browser runtime: builds the bench page (bench/browser) with Vite's API, serves it on
// 127.0.0.1 together with ONNX Runtime Web's wasm files (kernel suites) or the model files and
// wllama's wasm (model suite), and drives Debian's Chromium through playwright-core (never a
// downloaded browser) with WebGPU enabled and a fresh profile.

import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { RunOptions, Progress } from './measure.ts';
import type { BenchReport } from './report.ts';
import type { Suite } from './suites.ts';
import type { BenchRequest } from './browser/main.ts';
import type { ModelBenchRequest } from './browser/model.ts';
import type { ModelBenchOptions } from './model-bench.ts';
import { skipReason } from './model-common.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PAGE_DIR = join(HERE, 'browser');
const DIST = join(PAGE_DIR, 'dist');
const ORT_DIST = resolve(HERE, '../node_modules/onnxruntime-web/dist');
const WLLAMA_WASM = resolve(HERE, '../node_modules/@wllama/wllama/esm/wasm');
export const CHROMIUM = process.env.JALAPENO_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * Static files: each URL prefix from its folder (kernel suites: /ort/ from onnxruntime-web's dist),
 * everything else from the built page. `isolated`: COOP/COEP headers, so the page is cross-origin
 * isolated (SharedArrayBuffer: wllama's multi-threaded build).
 */
function serve(routes: ReadonlyArray<[prefix: string, root: string]>, isolated: boolean): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const route = routes.find(([prefix]) => path.startsWith(prefix));
    const [root, rel] = route ? [route[1], path.slice(route[0].length)] : [DIST, path === '/' ? 'index.html' : path.slice(1)];
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end(`not found: ${path}`);
      return;
    }
    const isolation = isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...isolation });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') return fail(new Error('server has no port'));
      ok({ server, origin: `http://127.0.0.1:${addr.port}` });
    });
  });
}

function noDevice(suite: Suite, why: string): BenchReport {
  return { tool: 'jalapeno-bench', suite: suite.name, startedAt: new Date().toISOString(), device: null, deviceError: why, results: [], peers: [] };
}

/** Builds and serves the page, opens it in Chromium and runs `fn` on it; a page failure becomes a report without a device. */
async function onPage(suite: Suite, progress: Progress, routes: ReadonlyArray<[string, string]>, isolated: boolean, fn: (page: Page, origin: string) => Promise<BenchReport>): Promise<BenchReport> {
  if (!existsSync(CHROMIUM)) {
    return noDevice(suite, `no Chromium at ${CHROMIUM}: install Debian's with \`sudo apt-get install -y chromium\` (or set JALAPENO_CHROMIUM)`);
  }
  progress('building the bench page (vite)');
  const { build } = await import('vite');
  await build({ configFile: join(PAGE_DIR, 'vite.config.ts'), logLevel: 'warn' });
  const { chromium } = await import('playwright-core');
  const { server, origin } = await serve(routes, isolated);
  const profile = mkdtempSync(join(tmpdir(), 'jalapeno-bench-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') {
        pageErrors.push(m.text());
        if (process.env.JALAPENO_BENCH_VERBOSE) process.stderr.write(`\n[page ${m.type()}] ${m.text()}\n`);
      }
    });
    await page.exposeFunction('__benchProgress', (line: string) => progress(line));
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => typeof window.__bench === 'function');
    try {
      return await fn(page, origin);
    } catch (e) {
      return noDevice(suite, `bench page failed: ${(e as Error).message}${pageErrors.length ? `; page errors: ${pageErrors.slice(0, 3).join(' | ')}` : ''}`);
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export function runBrowser(suite: Suite, opts: RunOptions, progress: Progress, peers = true): Promise<BenchReport> {
  const req: BenchRequest = { suite: suite.name, opts, peers };
  return onPage(suite, progress, [['/ort/', ORT_DIST]], false, (page) => page.evaluate((r) => window.__bench(r), req));
}

/**
 * The model suite in the browser: Node writes each size × format's files (the Node runtime's
 * writeModelFile) into a temporary folder served at /models/, and wllama's wasm at /wllama/; the page
 * is cross-origin isolated so wllama may run its multi-threaded build (`peerThreads` > 1).
 */
export async function runBrowserModel(suite: Suite, opts: RunOptions, mo: ModelBenchOptions, progress: Progress): Promise<BenchReport> {
  const { writeModelFile } = await import('./model-bench.ts');
  const dir = mo.dir ?? mkdtempSync(join(tmpdir(), 'jalapeno-model-bench-'));
  try {
    const files: ModelBenchRequest['files'] = [];
    for (const size of mo.sizes) {
      for (const fmt of suite.models?.formats ?? []) {
        if (skipReason(size, fmt)) {
          files.push({ size: size.name, format: fmt.name, urls: [] });
          continue;
        }
        progress(`${size.name}/${fmt.name}: writing the file`);
        files.push({ size: size.name, format: fmt.name, urls: writeModelFile(dir, size, fmt).files.map((f) => `/models/${f}`) });
      }
    }
    const req: ModelBenchRequest = { suite: suite.name, opts, files, wasmUrl: '/wllama/wllama.wasm', peerThreads: mo.peerThreads };
    return await onPage(suite, progress, [['/models/', resolve(dir)], ['/wllama/', WLLAMA_WASM]], true, (page) => page.evaluate((r) => window.__benchModel(r), req));
  } finally {
    if (!mo.dir) rmSync(dir, { recursive: true, force: true });
  }
}
