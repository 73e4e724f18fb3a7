// The chip view's frame state is a pure function of (trace, time): checked on a hand-made 2x2
// trace whose expected numbers are worked out by hand below, plus a property test, the worker's
// adapters (routes from the chip model's own mesh, a torus included) and a (printed, not
// asserted) cost measurement for a 32x32 grid.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EVENT_COMPUTE, EVENT_HBM_READ, EVENT_NOC, type RenderTrace, type Ctx2D,
  indexTrace, createFrameState, computeFrame, computeLayout, hitTest, packetPosition, nodeCenter,
  eastLink, southLink, portLink, linkCount, linkExists, linkRects, drawFrame, defaultPalette, describeHit, stackCount, portName,
  type FrameState,
} from '../../src/ui/chip-render.ts';
import { chipViewTrace, measuredViewTrace, plainMesh, withRoutes } from '../../src/worker/chip-view.ts';
import { isWrapLink } from '../../src/worker/view-trace.ts';
import { EVENT_KIND, type Trace } from '../../src/chip/types.ts';
import { buildMesh, hopCount } from '../../src/chip/mesh.ts';
import { chipPreset, simulatePlan } from '../../src/chip/index.ts';
import { kernelByName } from '../../src/kernels/registry.ts';

type Ev = [kind: number, src: number, dst: number, start: number, end: number, bytes: number];

function makeTrace(rows: number, cols: number, ports: RenderTrace['hbmPorts'], cycles: number, evs: Ev[], torus = false): RenderTrace {
  const n = evs.length;
  const t: Omit<RenderTrace, 'routeOffsets' | 'routeLinks'> = {
    rows, cols, torus, hbmPorts: ports, cycles, clockHz: 1e9, timeUnit: 'cycle',
    events: {
      count: n, kind: new Uint8Array(n), src: new Int32Array(n), dst: new Int32Array(n),
      start: new Float64Array(n), end: new Float64Array(n), bytes: new Float64Array(n), op: new Uint16Array(n),
    },
    opNames: ['op'],
    linkBytes: new Float64Array(linkCount(rows, cols, ports.length)),
    tileBusyCycles: new Float64Array(rows * cols),
  };
  evs.forEach(([k, s, d, a, b, by], i) => {
    t.events.kind[i] = k; t.events.src[i] = s; t.events.dst[i] = d;
    t.events.start[i] = a; t.events.end[i] = b; t.events.bytes[i] = by;
    if (k === EVENT_COMPUTE) t.tileBusyCycles[d] += b - a;
  });
  return withRoutes(t);
}

// 2x2 grid, tiles 0 1 / 2 3, one HBM stack north of tile 0 (node 4).
const small = makeTrace(2, 2, [{ side: 'N', tile: 0 }], 40, [
  [EVENT_COMPUTE, 0, 0, 0, 10, 0],
  [EVENT_COMPUTE, 0, 0, 20, 30, 0],
  [EVENT_COMPUTE, 3, 3, 5, 15, 0],
  [EVENT_HBM_READ, 4, 3, 0, 4, 400], // port -> tile 0 -> tile 1 -> tile 3: 3 links, 100 B/cycle
  [EVENT_NOC, 1, 2, 10, 20, 100], // tile 1 -> tile 0 -> tile 2: 2 links, 10 B/cycle
]);
const P = portLink(2, 2, 0), H00 = eastLink(2, 0, 0), V01 = southLink(2, 0, 1), V00 = southLink(2, 0, 0), H10 = eastLink(2, 1, 0);

function frameAt(t: number): FrameState {
  const idx = indexTrace(small);
  return computeFrame(idx, t, createFrameState(idx));
}

describe('computeFrame on a hand-made 2x2 trace', () => {
  it('t = 0: nothing done, the HBM read just started on its 3 links, tile 0 computing', () => {
    const f = frameAt(0);
    expect([...f.tileUtil]).toEqual([0, 0, 0, 0]);
    expect([...f.tileActive]).toEqual([1, 0, 0, 0]);
    expect(f.xferActive).toBe(1);
    expect(f.xferProgress[0]).toBe(0);
    expect(f.linkLoad[P]).toBeCloseTo(100);
    expect(f.linkLoad[H00]).toBeCloseTo(100);
    expect(f.linkLoad[V01]).toBeCloseTo(100);
    expect(f.linkLoad[V00]).toBe(0);
    expect(f.linkLoad[H10]).toBe(0);
    expect(f.bytesDone).toBe(0);
  });

  it('t = 12 (mid): busy fractions so far, the NoC transfer 20 % along', () => {
    const f = frameAt(12);
    expect(f.tileUtil[0]).toBeCloseTo(10 / 12, 6);
    expect(f.tileUtil[3]).toBeCloseTo(7 / 12, 6);
    expect([...f.tileActive]).toEqual([0, 0, 0, 1]);
    expect(f.xferActive).toBe(1);
    expect(f.xferEvent[0]).toBe(4);
    expect(f.xferProgress[0]).toBeCloseTo(0.2, 6);
    expect(f.linkLoad[H00]).toBeCloseTo(10);
    expect(f.linkLoad[V00]).toBeCloseTo(10);
    expect(f.linkLoad[P]).toBe(0);
    expect(f.bytesDone).toBe(400);
  });

  it('t = end: whole-run utilization, nothing active, all bytes done; out-of-range times clamp', () => {
    for (const t of [40, 1e9]) {
      const f = frameAt(t);
      expect(f.timeCycles).toBe(40);
      expect([...f.tileUtil].map((u) => +u.toFixed(6))).toEqual([0.5, 0, 0, 0.25]);
      expect(f.activeTiles).toBe(0);
      expect(f.xferActive).toBe(0);
      expect(f.bytesDone).toBe(500);
    }
    expect(frameAt(Number.NaN).timeCycles).toBe(0);
    expect(frameAt(-5).timeCycles).toBe(0);
  });

  it('overlapping compute intervals on one tile count once (utilization never exceeds 1)', () => {
    const tr = makeTrace(1, 1, [], 10, [[EVENT_COMPUTE, 0, 0, 0, 6, 0], [EVENT_COMPUTE, 0, 0, 2, 8, 0]]);
    const idx = indexTrace(tr);
    const f = computeFrame(idx, 10, createFrameState(idx));
    expect(f.tileUtil[0]).toBeCloseTo(0.8, 6);
  });
});

function snapshot(f: FrameState): string {
  return JSON.stringify([f.timeCycles, [...f.tileUtil], [...f.tileActive], [...f.linkLoad], f.xferCount, f.xferActive,
    [...f.xferEvent.subarray(0, f.xferCount)], [...f.xferProgress.subarray(0, f.xferCount)], f.bytesDone]);
}

describe('purity', () => {
  it('the same (trace, t) gives the same frame, whatever frames were computed before into the same buffers', () => {
    const idx = indexTrace(small);
    const reused = createFrameState(idx);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 45, noNaN: true }), { minLength: 1, maxLength: 8 }), (times) => {
        for (const t of times) computeFrame(idx, t, reused);
        const t = times[times.length - 1];
        const fresh = computeFrame(indexTrace(small), t, createFrameState(idx));
        expect(snapshot(reused)).toBe(snapshot(fresh));
      }),
      { numRuns: 200 },
    );
  });
});

describe('geometry', () => {
  const layout = computeLayout(small, 400, 300);
  it('hit-tests tile centres, the gap between tiles (a link) and the HBM stack', () => {
    const c = new Float32Array(2);
    for (let tile = 0; tile < 4; tile++) {
      nodeCenter(small, layout, tile, c);
      expect(hitTest(small, layout, c[0], c[1])).toEqual({ kind: 'tile', index: tile });
    }
    nodeCenter(small, layout, 0, c);
    const gapX = layout.x0 + layout.size + (layout.pitch - layout.size) / 2;
    expect(hitTest(small, layout, gapX, c[1])).toEqual({ kind: 'link', index: H00 });
    nodeCenter(small, layout, 4, c);
    expect(hitTest(small, layout, c[0], c[1])).toEqual({ kind: 'port', index: 0 });
    expect(hitTest(small, layout, 1, 1)).toBeNull();
  });
  it('a packet starts at its source and ends at its destination', () => {
    const p = new Float32Array(2), q = new Float32Array(2);
    packetPosition(small, layout, 3, 0, p); // event 3: HBM stack (node 4) -> tile 3
    nodeCenter(small, layout, 4, q);
    expect([p[0], p[1]]).toEqual([q[0], q[1]]);
    packetPosition(small, layout, 3, 1, p);
    nodeCenter(small, layout, 3, q);
    expect(p[0]).toBeCloseTo(q[0], 1);
    expect(p[1]).toBeCloseTo(q[1], 1);
  });
  it('the tooltip reports a link\'s whole-run bytes and its current load', () => {
    const idx = indexTrace(small);
    const f = computeFrame(idx, 12, createFrameState(idx));
    small.linkBytes[H00] = 500;
    const tip = describeHit(indexTrace(small), f, { kind: 'link', index: H00 });
    small.linkBytes[H00] = 0;
    expect(tip?.lines[0].value).toBe('500 B');
    expect(tip?.lines[2].value).toBe('10.0');
  });
});

describe('adapters (src/worker/chip-view.ts)', () => {
  it('chipViewTrace folds directed link bytes, maps HBM ports and drops SRAM events', () => {
    const ct: Trace = {
      rows: 1, cols: 2, cycles: 10, clockHz: 1e9, count: 4,
      hbmPorts: [{ edge: 'west', index: 0, tile: 0 }],
      kind: Uint8Array.from([EVENT_KIND.mac, EVENT_KIND.hbmRead, EVENT_KIND.noc, EVENT_KIND.sram]),
      tile: Int32Array.from([1, 0, 1, 1]),
      src: Int32Array.from([-1, -1, 0, -1]),
      start: Float64Array.from([0, 0, 2, 0]), end: Float64Array.from([5, 2, 4, 1]),
      bytes: Float64Array.from([0, 64, 32, 8]), op: new Uint16Array(4), opNames: ['mm'],
      sampled: false, truncated: false,
      // tile 0 east = 32 bytes, tile 1 west = 16 bytes
      linkBytes: Float64Array.from([32, 0, 0, 0, 0, 16, 0, 0]),
      tileBusyCycles: Float64Array.from([0, 5]),
    };
    const r = chipViewTrace(ct, plainMesh(1, 2));
    expect(r.events.count).toBe(3);
    expect([...r.events.kind]).toEqual([EVENT_COMPUTE, EVENT_HBM_READ, EVENT_NOC]);
    expect([...r.events.src]).toEqual([1, 2, 0]);
    expect([...r.events.dst]).toEqual([1, 0, 1]);
    expect(r.hbmPorts).toEqual([{ side: 'W', tile: 0, stack: 0 }]);
    expect(r.linkBytes[eastLink(2, 0, 0)]).toBe(48);
    expect(r.linkBytes[portLink(1, 2, 0)]).toBe(64);
    // routes: compute none, the HBM read its port link, the NoC transfer the one east link
    expect([...r.routeOffsets]).toEqual([0, 0, 1, 2]);
    expect([...r.routeLinks]).toEqual([portLink(1, 2, 0), eastLink(2, 0, 0)]);
  });

  it('measuredViewTrace draws workgroups in start/finish order with their bytes', () => {
    const stats = {
      label: 'mm', loadBytes: Uint32Array.from([10, 20, 30, 40]), storeBytes: Uint32Array.from([1, 2, 3, 4]),
      startOrder: Uint32Array.from([0, 2, 1, 3]), finishOrder: Uint32Array.from([1, 3, 0, 2]),
    };
    const r = measuredViewTrace(stats, [2, 2, 1]);
    expect([r.rows, r.cols, r.cycles]).toEqual([2, 2, 4]);
    expect(r.timeUnit).toBe('order');
    // workgroup 2 started 2nd (order 1) and finished first (order 0): at least one order unit busy.
    expect([...r.tileBusyCycles]).toEqual([2, 2, 1, 1]);
    // column 0's stack carries workgroups 0 and 2: 11 + 33 bytes; the link below row 0 only workgroup 2's.
    expect(r.linkBytes[portLink(2, 2, 0)]).toBe(44);
    expect(r.linkBytes[southLink(2, 0, 0)]).toBe(33);
    const idx = indexTrace(r);
    expect(computeFrame(idx, r.cycles, createFrameState(idx)).bytesDone).toBe(110);
  });

  // Issue 10, defect 14: the view used to fold only mesh links and re-route with its own
  // mesh-only XY, so on a torus the wrap-around links' bytes vanished from the heatmap
  // (4,587,520 of 5,111,808 bytes shown for this run).
  it('torus (wormhole-n150, matmul tiled 256^3): the heatmap carries every NoC byte the chip model counts', () => {
    const cfg = chipPreset('wormhole-n150').config;
    expect(cfg.noc.topology).toBe('torus');
    const k = kernelByName('matmul');
    const sim = simulatePlan(cfg, k.plan(k.validate({ M: 256, N: 256, K: 256 }), 'tiled'));
    const mesh = buildMesh(cfg);
    const v = chipViewTrace(sim.trace, mesh);
    const nTiles = v.rows * v.cols;
    let shown = 0, wrapped = 0, missing = 0;
    for (let l = 0; l < 2 * nTiles; l++) {
      shown += v.linkBytes[l];
      if (isWrapLink(v, l)) wrapped += v.linkBytes[l];
      if (!linkExists(v, l)) missing += v.linkBytes[l];
    }
    expect(sim.bytes.noc).toBe(5_111_808);
    expect(shown).toBe(sim.bytes.noc);
    expect(wrapped).toBeGreaterThan(0); // the bytes the old mesh-only fold dropped
    expect(missing).toBe(0);
    // every NoC transfer's route is the chip's own: as many links as routeLinks's hop count on the torus
    for (let i = 0; i < v.events.count; i++) {
      if (v.events.kind[i] !== EVENT_NOC) continue;
      const hops = hopCount(mesh.rows, mesh.cols, true, v.events.src[i], v.events.dst[i]);
      expect(v.routeOffsets[i + 1] - v.routeOffsets[i]).toBe(hops);
    }
  });

  it('a wrap-around hop on a 1x4 torus: one link, and the packet leaves through the west edge', () => {
    const tr = makeTrace(1, 4, [], 10, [[EVENT_NOC, 0, 3, 0, 10, 40]], true);
    expect([...tr.routeLinks]).toEqual([eastLink(4, 0, 3)]); // tile 0 -> west wrap = tile 3's east link
    expect(isWrapLink(tr, eastLink(4, 0, 3))).toBe(true);
    const idx = indexTrace(tr);
    const f = computeFrame(idx, 5, createFrameState(idx));
    expect(f.linkLoad[eastLink(4, 0, 3)]).toBeCloseTo(4);
    const layout = computeLayout(tr, 400, 200);
    const p = new Float32Array(2), c0 = new Float32Array(2);
    nodeCenter(tr, layout, 0, c0);
    packetPosition(tr, layout, 0, 0.25, p);
    expect(p[0]).toBeLessThan(c0[0]); // heading west, out of the grid
    expect(p[1]).toBeCloseTo(c0[1]);
  });
});

describe('hovering a torus wrap-around link (its two stubs beyond the grid\'s edges)', () => {
  // 3x4 torus, tiles 0..11 row-major. 0 -> 3 is one hop west over row 0's wrap link (tile 3's east
  // link), 0 -> 8 one hop north over column 0's wrap link (tile 8's south link).
  const events: Ev[] = [[EVENT_NOC, 0, 3, 0, 10, 40], [EVENT_NOC, 0, 8, 0, 10, 30]];
  const torus = makeTrace(3, 4, [], 10, events, true);
  const mesh = makeTrace(3, 4, [], 10, events, false);
  const E03 = eastLink(4, 0, 3), S20 = southLink(4, 2, 0);
  torus.linkBytes[E03] = 40; // each transfer's bytes on its one link (what the adapters fold)
  torus.linkBytes[S20] = 30;
  const layout = computeLayout(torus, 400, 300);
  const { x0, y0, pitch, size } = layout;
  const gap = pitch - size;
  // points inside the drawn stubs (gap * 0.8 long, centred on the tile's row / column)
  const rowY = y0 + size / 2, colX = x0 + size / 2;
  const points = {
    east: [x0 + 3 * pitch + size + gap * 0.4, rowY], // after tile (0, 3)
    west: [x0 - gap * 0.4, rowY], // before tile (0, 0)
    south: [colX, y0 + 2 * pitch + size + gap * 0.4], // below tile (2, 0)
    north: [colX, y0 - gap * 0.4], // above tile (0, 0)
  };

  it('each stub hit-tests to its wrap link, and the tooltip shows that link\'s bytes', () => {
    expect([...torus.routeLinks]).toEqual([E03, S20]);
    expect(hitTest(torus, layout, points.east[0], points.east[1])).toEqual({ kind: 'link', index: E03 });
    expect(hitTest(torus, layout, points.west[0], points.west[1])).toEqual({ kind: 'link', index: E03 });
    expect(hitTest(torus, layout, points.south[0], points.south[1])).toEqual({ kind: 'link', index: S20 });
    expect(hitTest(torus, layout, points.north[0], points.north[1])).toEqual({ kind: 'link', index: S20 });
    const idx = indexTrace(torus);
    const f = computeFrame(idx, 5, createFrameState(idx));
    const west = describeHit(idx, f, hitTest(torus, layout, points.west[0], points.west[1]));
    expect(west?.title).toBe('link (0, 3) ↔ (0, 0) (torus wrap-around)');
    expect(west?.lines[0].value).toBe('40 B');
    expect(west?.lines[2].value).toBe('4.0'); // 40 B over 10 cycles
    const north = describeHit(idx, f, hitTest(torus, layout, points.north[0], points.north[1]));
    expect(north?.title).toBe('link (2, 0) ↔ (0, 0) (torus wrap-around)');
    expect(north?.lines[0].value).toBe('30 B');
  });

  it('on the same grid as a mesh there is no wrap link: the same points hit nothing', () => {
    for (const [x, y] of Object.values(points)) expect(hitTest(mesh, layout, x, y)).toBeNull();
  });

  it('wormhole-n150 (stacks on both side edges): the middle of every drawn piece of every link hit-tests to that link', () => {
    const cfg = chipPreset('wormhole-n150').config;
    const k = kernelByName('matmul');
    const sim = simulatePlan(cfg, k.plan(k.validate({ M: 256, N: 256, K: 256 }), 'tiled'));
    const v = chipViewTrace(sim.trace, buildMesh(cfg));
    expect(v.torus).toBe(true);
    const n = v.rows * v.cols;
    // rows whose both edge tiles have a stack: there the row's wrap stubs lie on the stacks' bars
    const edgeTiles = new Set(v.hbmPorts.map((p) => p.tile));
    const coveredRows = [...Array(v.rows).keys()].filter((r) => edgeTiles.has(r * v.cols) && edgeTiles.has(r * v.cols + v.cols - 1));
    expect(coveredRows.length).toBeGreaterThan(0);
    const lay = computeLayout(v, 800, 600);
    const thick = Math.max(1, (lay.pitch - lay.size) * 0.5); // the utilization view's link thickness
    const rects = new Float32Array(8);
    let stubs = 0;
    for (let l = 0; l < linkCount(v.rows, v.cols, v.hbmPorts.length); l++) {
      if (!linkExists(v, l)) continue;
      const want = l < 2 * n ? { kind: 'link', index: l } : { kind: 'port', index: l - 2 * n };
      const pieces = linkRects(v, lay, l, thick, rects);
      if (pieces === 2) stubs += 2;
      for (let j = 0; j < pieces; j++) {
        const x = rects[j * 4] + rects[j * 4 + 2] / 2, y = rects[j * 4 + 1] + rects[j * 4 + 3] / 2;
        expect(hitTest(v, lay, x, y), `link ${l} piece ${j}`).toEqual(want);
      }
    }
    expect(stubs).toBe(2 * (v.rows + v.cols)); // one wrap link per row and per column, two stubs each
    // and on a covered row, the stack's bar is still hoverable beyond the stub
    const r = coveredRows[0];
    const west = v.hbmPorts.findIndex((p) => p.tile === r * v.cols && p.side === 'W');
    const y = lay.y0 + r * lay.pitch + lay.size / 2;
    expect(hitTest(v, lay, lay.x0 - (lay.pitch - lay.size) * 0.5, y)).toEqual({ kind: 'link', index: eastLink(v.cols, r, v.cols - 1) });
    expect(hitTest(v, lay, lay.x0 - (lay.pitch - lay.size) * 1.5, y)).toEqual({ kind: 'port', index: west });
  });
});

/** 32x32 grid, 4 HBM stacks per side, 40 waves of (HBM read, 4 NoC hops, compute) per tile. */
function bigTrace(): RenderTrace {
  const rows = 32, cols = 32, n = rows * cols;
  const ports: RenderTrace['hbmPorts'] = [];
  for (let i = 0; i < 8; i++) ports.push({ side: 'N', tile: i * 4 }, { side: 'S', tile: (rows - 1) * cols + i * 4 });
  for (let i = 0; i < 8; i++) ports.push({ side: 'W', tile: i * 4 * cols }, { side: 'E', tile: i * 4 * cols + cols - 1 });
  const evs: Ev[] = [];
  for (let w = 0; w < 40; w++)
    for (let t = 0; t < n; t++) {
      const t0 = w * 100 + (t % 7);
      evs.push([EVENT_HBM_READ, n + (t % ports.length), t, t0, t0 + 30, 4096]);
      evs.push([EVENT_NOC, (t + 1) % n, t, t0 + 10, t0 + 40, 1024]);
      evs.push([EVENT_COMPUTE, t, t, t0 + 30, t0 + 90, 0]);
    }
  return makeTrace(rows, cols, ports, 4100, evs);
}
void linkCount;

class NullCtx implements Ctx2D {
  fillStyle: string | CanvasGradient | CanvasPattern = '';
  strokeStyle: string | CanvasGradient | CanvasPattern = '';
  lineWidth = 1;
  calls = 0;
  fillRect() { this.calls++; }
  strokeRect() { this.calls++; }
  beginPath() {}
  moveTo() {}
  lineTo() {}
  stroke() {}
  fill() {}
  rect() { this.calls++; }
}

describe('cost for a 32x32 grid (printed, not asserted)', () => {
  it('measures frame-state computation and draw-call issuing', () => {
    const tr = bigTrace();
    const t0 = performance.now();
    const idx = indexTrace(tr);
    const tIndex = performance.now() - t0;
    const f = createFrameState(idx);
    const layout = computeLayout(tr, 900, 700);
    const g = new NullCtx();
    const pal = defaultPalette(false);
    const frames = 300;
    let tFrame = 0, tDraw = 0;
    for (let k = 0; k < frames; k++) {
      const a = performance.now();
      computeFrame(idx, (k / frames) * tr.cycles, f);
      const b = performance.now();
      drawFrame(g, idx, f, layout, 'utilization', pal);
      tDraw += performance.now() - b;
      tFrame += b - a;
    }
    console.log(`32x32, ${tr.events.count} events: index ${tIndex.toFixed(1)} ms once; computeFrame ${(tFrame / frames).toFixed(3)} ms/frame; drawFrame into a null context ${(tDraw / frames).toFixed(3)} ms/frame (${g.calls / frames} draw calls/frame)`);
    computeFrame(idx, 2020, f); // wave 20: reads [2000, 2036), NoC [2010, 2046)
    expect(f.xferActive).toBe(2048); // every tile has its HBM read and NoC transfer in flight
  });
});

// Issue 25: step 1 said "4 HBM stacks" over 32 grey blocks, each labelled "HBM stack". The drawing
// now has one block per stack, whatever the number of edge tiles it feeds.
describe('HBM stacks drawn one block per stack', () => {
  for (const id of ['jalapeno', 'h100']) {
    it(`${id}: as many blocks as the config has stacks`, () => {
      const cfg = chipPreset(id).config;
      const mesh = buildMesh(cfg);
      const k = kernelByName('matmul');
      const sim = simulatePlan(cfg, k.plan(k.validate({ M: 16, N: 64, K: 64 }), 'tiled'), { dataflow: 'output-stationary', maxTraceEvents: 100 });
      const tr = chipViewTrace(sim.trace, mesh);
      const layout = computeLayout(tr, 800, 600);
      expect(stackCount(tr.hbmPorts)).toBe(cfg.hbm.stacks);
      expect(layout.stacks.length).toBe(cfg.hbm.stacks); // each stack's ports sit on one side
      expect(layout.stacks.reduce((a, b) => a + b.ports, 0)).toBe(tr.hbmPorts.length);
      if (tr.hbmPorts.length > cfg.hbm.stacks) expect(portName(tr.hbmPorts, 1)).toMatch(/^HBM stack \d, port \d of \d+$/);
    });
  }
  it('ports without a stack (the measured GPU view) are one block each', () => {
    const ports = [{ side: 'N' as const, tile: 0 }, { side: 'N' as const, tile: 1 }];
    expect(stackCount(ports)).toBe(2);
    expect(computeLayout({ rows: 2, cols: 2, hbmPorts: ports }, 100, 100).stacks.length).toBe(2);
    expect(portName(ports, 1)).toBe('HBM port 1');
  });
});
