// Frame budget of the chip animation (issue 4: >= 60 fps for a 32x32 grid, <= 16 ms per frame).
// Node measures the pure part: computeFrame (frame state) and drawFrame issuing its draw calls
// into a counting no-op context; rasterization cost in a browser comes on top (see README).
// Usage: node --import tsx bench/ui-frame.ts [--events-per-tile N]
import {
  EVENT_COMPUTE, EVENT_HBM_READ, EVENT_NOC, computeFrame, computeLayout, createFrameState, defaultPalette, drawFrame, indexTrace, linkCount,
  type Ctx2D, type RenderTrace,
} from '../src/ui/chip-render.ts';
import { withRoutes } from '../src/worker/chip-view.ts';

const waves = Number(process.argv[process.argv.indexOf('--waves') + 1]) || 40;
const rows = 32, cols = 32, n = rows * cols;
const ports: RenderTrace['hbmPorts'] = [];
for (let i = 0; i < 8; i++) ports.push({ side: 'N', tile: i * 4 }, { side: 'S', tile: (rows - 1) * cols + i * 4 }, { side: 'W', tile: i * 4 * cols }, { side: 'E', tile: i * 4 * cols + cols - 1 });
const count = waves * n * 3;
const ev = { count, kind: new Uint8Array(count), src: new Int32Array(count), dst: new Int32Array(count), start: new Float64Array(count), end: new Float64Array(count), bytes: new Float64Array(count), op: new Uint16Array(count) };
const busy = new Float64Array(n);
let k = 0;
for (let w = 0; w < waves; w++)
  for (let t = 0; t < n; t++) {
    const t0 = w * 100 + (t % 7);
    const put = (kind: number, s: number, d: number, a: number, b: number, by: number) => {
      ev.kind[k] = kind; ev.src[k] = s; ev.dst[k] = d; ev.start[k] = a; ev.end[k] = b; ev.bytes[k] = by; k++;
    };
    put(EVENT_HBM_READ, n + (t % ports.length), t, t0, t0 + 30, 4096);
    put(EVENT_NOC, (t + 1) % n, t, t0 + 10, t0 + 40, 1024);
    put(EVENT_COMPUTE, t, t, t0 + 30, t0 + 90, 0);
    busy[t] += 60;
  }
const trace: RenderTrace = withRoutes({ rows, cols, torus: false, hbmPorts: ports, cycles: waves * 100 + 100, clockHz: 1e9, timeUnit: 'cycle', events: ev, opNames: ['op'], linkBytes: new Float64Array(linkCount(rows, cols, ports.length)), tileBusyCycles: busy });

const noop = () => {};
const g: Ctx2D = { fillStyle: '', strokeStyle: '', lineWidth: 1, fillRect: noop, strokeRect: noop, beginPath: noop, moveTo: noop, lineTo: noop, stroke: noop, fill: noop, rect: noop };
let t = performance.now();
const idx = indexTrace(trace);
const indexMs = performance.now() - t;
const f = createFrameState(idx);
const layout = computeLayout(trace, 900, 640);
const pal = defaultPalette(false);
const frames = 600;
const frameMs: number[] = [];
const drawMs: number[] = [];
for (let i = 0; i < frames; i++) {
  t = performance.now();
  computeFrame(idx, (i / frames) * trace.cycles, f);
  const m = performance.now();
  drawFrame(g, idx, f, layout, 'utilization', pal);
  frameMs.push(m - t);
  drawMs.push(performance.now() - m);
}
const p = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.floor(q * (a.length - 1))];
console.log(`chip animation, 32x32 grid, ${count} events, ${ports.length} HBM stacks (Node ${process.version})`);
console.log(`  indexTrace (once per simulation): ${indexMs.toFixed(1)} ms`);
console.log(`  computeFrame: median ${p(frameMs, 0.5).toFixed(3)} ms, p90 ${p(frameMs, 0.9).toFixed(3)} ms`);
console.log(`  drawFrame (draw calls into a no-op context): median ${p(drawMs, 0.5).toFixed(3)} ms, p90 ${p(drawMs, 0.9).toFixed(3)} ms`);
console.log(`  budget 16 ms per frame: ${p(frameMs, 0.9) + p(drawMs, 0.9) <= 16 ? 'met' : 'NOT met'} for the JS part`);
