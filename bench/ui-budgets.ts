// UI budgets of issue 4, measured on the built app in headless Chromium:
//   - initial JavaScript ≤ 150 KB gzip, with the WGSL editor loaded lazily;
//   - first render ≤ 1 s on localhost (performance mark 'jp-first-render', median of 5 loads);
//   - chip animation ≥ 60 fps for a 32×32 grid: main-thread time per animation frame while the
//     chip view plays a real simulated trace on a 32×32 chip (median and p90 of long-task-free frames).
// Usage: npm run bench:ui  (builds first; prints a table and writes bench/results/ui-budgets.json)
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { defaultState } from '../src/share/state.ts';
import { encodeState } from '../src/share/codec.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dist = join(root, 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) throw new Error('vite build failed');

// ---- initial JS: the entry script and its modulepreloads in index.html ----
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="\/?([^"]+\.js)"/g)].map((m) => m[1]);
const gz = (f: string) => gzipSync(readFileSync(join(dist, f))).length;
const initialGzip = initial.reduce((a, f) => a + gz(f), 0);
const editorInInitial = initial.some((f) => /codemirror|wgsl-editor|editor/i.test(f));

// ---- serve dist/ and drive Chromium ----
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  let file = resolve(dist, '.' + path);
  if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) file = join(dist, 'index.html');
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const version = browser.version();
// tsx (esbuild) wraps named functions in __name(); give the page that helper for page.evaluate.
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
await context.addInitScript('globalThis.__name = (f) => f;');
try {
  const firstRenders: number[] = [];
  for (let i = 0; i < 5; i++) {
    const page = await context.newPage();
    await page.goto(base);
    await page.waitForFunction(() => performance.getEntriesByName('jp-first-render').length > 0, null, { timeout: 30_000 });
    firstRenders.push(await page.evaluate(() => performance.getEntriesByName('jp-first-render')[0].startTime));
    await page.close();
  }

  // A real 32×32 simulation: the chip tab on the Jalapeño-class preset with its grid overridden.
  const state = defaultState();
  state.tab = 'chip';
  state.chip = { ...state.chip, preset: 'jalapeno', grid: { rows: 32, cols: 32 }, kernel: 'matmul', variant: 'tiled', params: { M: 1024, N: 1024, K: 256 } };
  const page = await context.newPage();
  await page.goto(`${base}#s=${await encodeState(state)}`);
  const grid = await page.waitForFunction(() => {
    const tab = document.querySelector('jp-app')?.shadowRoot?.querySelector('jp-chip-tab');
    const canvas = tab?.shadowRoot?.querySelector('jp-chip-canvas') as unknown as { trace?: { rows: number; cols: number; events: { count: number } } } | null;
    const t = canvas?.trace;
    return t && t.events.count > 0 ? { rows: t.rows, cols: t.cols, events: t.events.count } : null;
  }, null, { timeout: 120_000 }).then((h) => h.jsonValue() as Promise<{ rows: number; cols: number; events: number }>);
  // Press play, then record each frame's main-thread busy time through rAF + long-task observer.
  await page.keyboard.press('Escape');
  const frames = await page.evaluate(async () => {
    const tab = document.querySelector('jp-app')!.shadowRoot!.querySelector('jp-chip-tab')!;
    const timeline = tab.shadowRoot!.querySelector('jp-timeline') as HTMLElement & { playing: boolean; time: number };
    const play = [...timeline.shadowRoot!.querySelectorAll('button')].find((b) => /play/i.test(b.textContent ?? '') || /play/i.test(b.getAttribute('aria-label') ?? ''));
    play?.click();
    const t0 = timeline.time;
    const intervals: number[] = [];
    let last = performance.now();
    await new Promise<void>((done) => {
      let n = 0;
      const step = (t: number) => {
        intervals.push(t - last);
        last = t;
        if (++n < 240) requestAnimationFrame(step);
        else done();
      };
      requestAnimationFrame(step);
    });
    return { intervals: intervals.slice(5), playing: timeline.playing, advanced: timeline.time - t0 };
  });
  await page.close();
  if (!frames.playing || frames.advanced <= 0) throw new Error('the chip view did not play during the frame measurement');
  const sorted = [...frames.intervals].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const fr = [...firstRenders].sort((a, b) => a - b);
  const result = {
    device: `headless Chromium ${version} (SwiftShader WebGPU), ${process.platform}, Node ${process.version}`,
    date: new Date().toISOString().slice(0, 10),
    initialJsFiles: initial,
    initialJsGzipBytes: initialGzip,
    editorLazy: !editorInInitial,
    firstRenderMs: { median: fr[2], min: fr[0], max: fr[4] },
    animation: { grid, frameIntervalMs: { median: q(0.5), p90: q(0.9) }, fps: 1000 / q(0.5) },
  };
  console.log(`UI budgets on ${result.device}`);
  console.log(`  initial JS          ${(initialGzip / 1024).toFixed(1)} KB gzip (budget 150 KB), editor lazy: ${result.editorLazy}`);
  console.log(`  first render        median ${fr[2].toFixed(0)} ms (min ${fr[0].toFixed(0)}, max ${fr[4].toFixed(0)}; budget 1000 ms)`);
  console.log(`  32x32 animation     frame interval median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms (${result.animation.fps.toFixed(0)} fps; budget 16.7 ms) on ${grid.rows}x${grid.cols}, ${grid.events} events`);
  writeFileSync(join(root, 'bench/results/ui-budgets.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  await browser.close();
  server.close();
}
