// Placement of a wave's plan tiles on the chip grid (placement.ts placeWave): a small plan box is spread
// as a scaled 2D sub-grid, so plan rows map to chip rows and plan columns to chip columns.
import { describe, expect, it } from 'vitest';
import { chipPreset, simulatePlan } from '../../src/chip/index.ts';
import { fillWave, placeWave, waveOrder, type WaveBox } from '../../src/chip/placement.ts';
import { matmul } from '../../src/kernels/matmul.ts';
import { TreeLoads, routeBuffer, routeLinks } from '../../src/chip/mesh.ts';

function place(box: WaveBox, R: number, C: number) {
  const cap = (box.x1 - box.x0) * (box.y1 - box.y0) * (box.z1 - box.z0);
  const wx = new Int32Array(cap), wy = new Int32Array(cap), wz = new Int32Array(cap), out = new Int32Array(cap);
  const n = fillWave(box, wx, wy, wz);
  placeWave(box, n, wx, wy, wz, R, C, out);
  return Array.from({ length: n }, (_, i) => ({ x: wx[i], y: wy[i], z: wz[i], tile: out[i], r: Math.floor(out[i] / C), c: out[i] % C }));
}

describe('chip placement', () => {
  it('a 4x4 plan grid on a 16x16 chip: 16 distinct tiles over 4 rows and 4 columns; a plan row shares a chip row', () => {
    const p = place({ x0: 0, x1: 4, y0: 0, y1: 4, z0: 0, z1: 1 }, 16, 16);
    expect(new Set(p.map((t) => t.tile)).size).toBe(16);
    expect(new Set(p.map((t) => t.r)).size).toBe(4);
    expect(new Set(p.map((t) => t.c)).size).toBe(4);
    for (let y = 0; y < 4; y++) expect(new Set(p.filter((t) => t.y === y).map((t) => t.r)).size, `plan row ${y}`).toBe(1);
    for (let x = 0; x < 4; x++) expect(new Set(p.filter((t) => t.x === x).map((t) => t.c)).size, `plan column ${x}`).toBe(1);
  });

  it('end to end: a 64x64 matmul in 16x16 blocks keeps 16 chip tiles busy over 4 rows and 4 columns', () => {
    const plan = matmul.plan(matmul.validate({ M: 64, N: 64, K: 64, BM: 16, BN: 16, BK: 16, TM: 1, TN: 1 }), 'tiled');
    expect(plan.passes[0].grid.slice(0, 2)).toEqual([4, 4]);
    for (const timing of ['analytic', 'event'] as const) {
      const r = simulatePlan(chipPreset('jalapeno').config, plan, { timing, maxTraceEvents: 0 });
      const busy = [...r.trace.tileBusyCycles.keys()].filter((t) => r.trace.tileBusyCycles[t] > 0);
      expect(busy.length, timing).toBe(16);
      expect(new Set(busy.map((t) => Math.floor(t / 16))).size, timing).toBe(4);
      expect(new Set(busy.map((t) => t % 16)).size, timing).toBe(4);
    }
  });

  it('a full wave that is not R x C (256 x 1 on 16 x 16) uses every tile; plan neighbours along x stay in a chip row', () => {
    const p = place({ x0: 0, x1: 256, y0: 0, y1: 1, z0: 0, z1: 1 }, 16, 16);
    expect(new Set(p.map((t) => t.tile)).size).toBe(256);
    for (let x = 0; x < 256; x += 16) expect(new Set(p.filter((t) => t.x >= x && t.x < x + 16).map((t) => t.r)).size).toBe(1);
  });

  it('a tall box (8 x 32 on 16 x 16) folds into side-by-side strips; a plan column stays in one chip column per strip', () => {
    const p = place({ x0: 0, x1: 8, y0: 0, y1: 32, z0: 0, z1: 1 }, 16, 16);
    expect(new Set(p.map((t) => t.tile)).size).toBe(256);
    for (let x = 0; x < 8; x++) expect(new Set(p.filter((t) => t.x === x).map((t) => t.c)).size).toBe(2);
  });

  it('z slices sit side by side: 4x4x4 on 16x16 gives 64 distinct tiles; each slice in its own block of columns', () => {
    const p = place({ x0: 0, x1: 4, y0: 0, y1: 4, z0: 0, z1: 4 }, 16, 16);
    expect(new Set(p.map((t) => t.tile)).size).toBe(64);
    for (let z = 0; z < 4; z++) {
      const cols = p.filter((t) => t.z === z).map((t) => t.c);
      expect(Math.min(...cols), `z ${z}`).toBe(z * 4);
      expect(Math.max(...cols), `z ${z}`).toBe(z * 4 + 3);
    }
  });

  it('every wave of assorted grids gets distinct chip tiles (property over shapes)', () => {
    for (const [R, C] of [[16, 16], [4, 8], [12, 11], [1, 4]] as const)
      for (const grid of [[4, 4, 1], [17, 15, 1], [300, 1, 1], [1, 300, 1], [7, 3, 5], [40, 40, 2]] as [number, number, number][])
        for (const box of waveOrder(grid, R, C, undefined, false)) {
          const p = place(box, R, C);
          expect(new Set(p.map((t) => t.tile)).size, `${grid} on ${R}x${C}`).toBe(p.length);
          expect(Math.max(...p.map((t) => t.tile))).toBeLessThan(R * C);
        }
  });
});

describe('wave shapes', () => {
  it('a partial last wave is costed as partial: a 501-tile GEMV row on 256 tiles runs in 2 full-width waves, not 251 narrow ones', () => {
    // A (x shared along x) and B (shared along y) as in a matmul with M = 1: every box shape reads
    // the same bytes once the partial box is counted exactly, so the tie goes to fewer waves
    const c = { loads: [{ tensor: 'A', tensorId: 0, bytes: 8192, shareAxes: [0], resident: false }, { tensor: 'B', tensorId: 1, bytes: 1 << 20, shareAxes: [1], resident: false }] };
    const order = waveOrder([501, 1, 1], 16, 16, c as never, true);
    expect(order.length).toBe(2);
    expect(order.map((b) => b.x1 - b.x0)).toEqual([256, 245]);
  });
});

describe('TreeLoads (multicast trees as intervals)', () => {
  it('the busiest link equals routing every member link by link (each link once per tree), on meshes and tori', () => {
    // reference: routeLinks over every member, a link counted once per tree (the analytic pass's stamping)
    let seed = 7;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (const [rows, cols, torus] of [[16, 16, false], [5, 3, false], [1, 7, false], [6, 9, true], [2, 2, true], [4, 1, true]] as const) {
      const m = { rows, cols, torus, ports: [], nearestPort: new Int32Array(0), linkCount: 0 };
      for (let trial = 0; trial < 20; trial++) {
        const trees = new TreeLoads(m);
        trees.clear();
        const load = new Float64Array(rows * cols * 4);
        for (let g = 0; g < 1 + rand(6); g++) {
          const src = rand(rows * cols), bytes = 1 + rand(1000);
          const stamp = new Set<number>();
          trees.begin(src, bytes);
          for (let k = 0; k < 1 + rand(12); k++) {
            const d = rand(rows * cols);
            trees.member(d);
            const route = routeBuffer(m);
            const hops = routeLinks(m, src, d, route);
            for (const l of route.subarray(0, hops)) if (!stamp.has(l)) { stamp.add(l); load[l] += bytes; }
          }
          trees.end();
        }
        expect(trees.max(), `${rows}x${cols}${torus ? ' torus' : ''} trial ${trial}`).toBe(Math.max(0, ...load));
      }
    }
  });
});
