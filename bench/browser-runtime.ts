// The browser runtime: builds the bench page (bench/browser) with Vite's API, serves it on
// 127.0.0.1 together with ONNX Runtime Web's wasm files, and drives Debian's Chromium through
// playwright-core (never a downloaded browser) with WebGPU enabled and a fresh profile.

import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunOptions, Progress } from './measure.ts';
import type { BenchReport } from './report.ts';
import type { Suite } from './suites.ts';
import type { BenchRequest } from './browser/main.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PAGE_DIR = join(HERE, 'browser');
const DIST = join(PAGE_DIR, 'dist');
const ORT_DIST = resolve(HERE, '../node_modules/onnxruntime-web/dist');
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

/** Static files: /ort/* from onnxruntime-web's dist, everything else from the built page. */
function serve(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const [root, rel] = path.startsWith('/ort/') ? [ORT_DIST, path.slice(5)] : [DIST, path === '/' ? 'index.html' : path.slice(1)];
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
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

export async function runBrowser(suite: Suite, opts: RunOptions, progress: Progress, peers = true): Promise<BenchReport> {
  if (!existsSync(CHROMIUM)) {
    return noDevice(suite, `no Chromium at ${CHROMIUM}: install Debian's with \`sudo apt-get install -y chromium\` (or set JALAPENO_CHROMIUM)`);
  }
  progress('building the bench page (vite)');
  const { build } = await import('vite');
  await build({ configFile: join(PAGE_DIR, 'vite.config.ts'), logLevel: 'warn' });
  const { chromium } = await import('playwright-core');
  const { server, origin } = await serve();
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
    const req: BenchRequest = { suite: suite.name, opts, peers };
    try {
      return await page.evaluate((r) => window.__bench(r), req);
    } catch (e) {
      return noDevice(suite, `bench page failed: ${(e as Error).message}${pageErrors.length ? `; page errors: ${pageErrors.slice(0, 3).join(' | ')}` : ''}`);
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
