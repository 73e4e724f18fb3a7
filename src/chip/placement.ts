// Placement of a pass's plan tiles on the chip: in time (waveOrder: which box of the plan grid runs
// in each wave) and in space (placeWave: which chip tile each plan tile of a wave runs on), plus the
// home tile of a block on an SRAM-only chip.

import type { Dim3, Pass } from '../kernels/plan.ts';
import type { ClassSummary } from './summary.ts';
import { gemmCycles } from './systolic.ts';
import type { ChipConfig, Dataflow } from './types.ts';

/** A pass laid out for the chip: its class summaries, its waves, and the MAC-array cycles of each plan tile. */
export interface PassLayout {
  pass: Pass;
  classes: readonly ClassSummary[];
  order: WaveBox[];
  /** MAC-array cycles of plan tile (x, y) of class ci in this layout (macCyclesPerTile). */
  macCycles: (ci: number, x: number, y: number) => number;
}

export function layoutPass(
  chip: ChipConfig, dataflow: Dataflow, pass: Pass, classes: readonly ClassSummary[], multicast: boolean,
): PassLayout {
  const nTiles = chip.grid.rows * chip.grid.cols;
  const order = waveOrder(pass.grid, nTiles, classes[0], multicast);
  return { pass, classes, order, macCycles: macCyclesPerTile(chip, dataflow, pass.grid, classes, order) };
}

/**
 * MAC-array cycles of each plan tile of a pass. Over the waves of a pass, one chip tile runs the
 * plan tiles at one slot of the wave box, (x mod bw, y mod bh) (for each z). When the pass is one
 * GEMM cut into blocks (every MAC class has a GEMM shape with the same k and datatype; the block's
 * m is set by its plan row, n by its plan column), the slot's blocks together are one GEMM of
 * (sum of m) x (sum of n) x k, folded on the array as SCALE-Sim folds it, and each block is charged
 * its share by outputs. So folds come from the array and the GEMM, not from how the plan cut it:
 * a 1x1 grid runs the whole GEMM with SCALE-Sim's schedule. With one block per chip tile (bw = gx,
 * bh = gy), or when the pass is not such a GEMM, a plan tile costs its own block's schedule
 * (ClassSummary.macCycles). The slot's schedule is spread over its waves by outputs: fold
 * boundaries are not aligned with wave boundaries (a simplification, see README).
 */
export function macCyclesPerTile(
  chip: ChipConfig, dataflow: Dataflow, grid: Dim3, classes: readonly ClassSummary[], order: readonly WaveBox[],
): (ci: number, x: number, y: number) => number {
  const own = (ci: number) => classes[ci].macCycles;
  const box = order[0];
  const [gx, gy] = grid;
  if (!box) return own;
  const bw = box.x1 - box.x0, bh = box.y1 - box.y0;
  if (bw >= gx && bh >= gy) return own;
  let k = -1;
  let dtype = '';
  const mRow = new Float64Array(gy), nCol = new Float64Array(gx);
  for (const c of classes) {
    if (c.macs.int8 + c.macs.fp16 + c.macs.fp32 === 0) continue;
    const g = c.gemm;
    if (!g || (k >= 0 && (g.k !== k || g.dtype !== dtype))) return own;
    k = g.k; dtype = g.dtype;
    for (let y = c.y[0]; y < c.y[1]; y++) { if (mRow[y] !== 0 && mRow[y] !== g.m) return own; mRow[y] = g.m; }
    for (let x = c.x[0]; x < c.x[1]; x++) { if (nCol[x] !== 0 && nCol[x] !== g.n) return own; nCol[x] = g.n; }
  }
  if (k < 0) return own;
  const sumM = new Float64Array(bh), sumN = new Float64Array(bw);
  for (let y = 0; y < gy; y++) sumM[y % bh] += mRow[y];
  for (let x = 0; x < gx; x++) sumN[x % bw] += nCol[x];
  const slot = new Float64Array(bw * bh).fill(-1);
  const gemmDtype = dtype as NonNullable<ClassSummary['gemm']>['dtype'];
  return (ci, x, y) => {
    if (!classes[ci].gemm) return classes[ci].macCycles;
    const i = x % bw, j = y % bh;
    let s = slot[j * bw + i];
    if (s < 0) s = slot[j * bw + i] = gemmCycles(chip, dataflow, { m: sumM[j], n: sumN[i], k, dtype: gemmDtype });
    return (s * mRow[y] * nCol[x]) / (sumM[j] * sumN[i]);
  };
}

/** A wave: the box [x0, x1) x [y0, y1) x [z0, z1) of the plan grid. */
export interface WaveBox { x0: number; x1: number; y0: number; y1: number; z0: number; z1: number }

export function fillWave(b: WaveBox, wx: Int32Array, wy: Int32Array, wz: Int32Array): number {
  let n = 0;
  for (let z = b.z0; z < b.z1; z++)
    for (let y = b.y0; y < b.y1; y++)
      for (let x = b.x0; x < b.x1; x++) { wx[n] = x; wy[n] = y; wz[n] = z; n++; }
  return n;
}

/**
 * Placement in space: the chip tile of each plan tile of a wave (out[i] for the i-th tile that
 * fillWave listed). The wave box bw x bh x bd becomes a 2D virtual grid W x H: z slices sit side
 * by side along x (X = (z - z0) * bw + (x - x0), Y = y - y0, W = bw * bd, H = bh). A box wider
 * than the chip (W > C) is folded into stacked strips of C columns (H grows by ceil(W / C)); one
 * taller than the chip (H > R) into side-by-side strips of R rows. The virtual grid is then
 * scaled over the chip, each plan tile at the centre of its cell: chip row = floor((Y + 0.5) R / H),
 * chip col = floor((X + 0.5) C / W) (a one-row box sits in the middle row, not the top). So plan tiles
 * that share a block along x (one plan row) sit in one chip row and those sharing along y in one
 * chip column: row/column multicast in the plan maps to mesh rows/columns, and a small box is
 * spread evenly over the grid (and its HBM ports). Distinct plan tiles get distinct chip tiles.
 * A box that fits neither way (rare shapes, e.g. 17 x 15 on 16 x 16) is placed in flat raster order.
 */
export function placeWave(
  b: WaveBox, n: number, wx: Int32Array, wy: Int32Array, wz: Int32Array, R: number, C: number, out: Int32Array,
): void {
  const bw = b.x1 - b.x0, bh = b.y1 - b.y0;
  let W = bw * (b.z1 - b.z0), H = bh;
  let foldX = 0, foldY = 0;
  if (W > C) { foldX = 1; H *= Math.ceil(W / C); W = C; }
  else if (H > R) { foldY = 1; W *= Math.ceil(H / R); H = R; }
  if (W > C || H > R) {
    for (let i = 0; i < n; i++) out[i] = i;
    return;
  }
  for (let i = 0; i < n; i++) {
    let X = (wz[i] - b.z0) * bw + (wx[i] - b.x0), Y = wy[i] - b.y0;
    if (foldX) { Y = Math.floor(X / C) * bh + Y; X %= C; }
    else if (foldY) { X = Math.floor(Y / R) * bw * (b.z1 - b.z0) + X; Y %= R; }
    out[i] = Math.floor(((Y + 0.5) * R) / H) * C + Math.floor(((X + 0.5) * C) / W);
  }
}

/**
 * Placement in time: when the plan has more tiles than the chip, each wave runs a box of
 * bw x bh plan tiles (bw * bh <= chip tiles). With multicast, a wave fetches each shared block
 * once, so the box shape sets the HBM traffic: a block shared along x is fetched once per box
 * row, one shared along y once per box column. We pick the shape with the least estimated
 * traffic (from the first tile class); without multicast we keep full-width rows. When a whole
 * xy plane fits, several z slices share a wave.
 */
export function waveOrder(grid: [number, number, number], nTiles: number, c: ClassSummary | undefined, multicast: boolean): WaveBox[] {
  const [gx, gy, gz] = grid;
  const out: WaveBox[] = [];
  if (gx * gy <= nTiles) {
    const k = Math.max(1, Math.floor(nTiles / (gx * gy)));
    for (let z0 = 0; z0 < gz; z0 += k) out.push({ x0: 0, x1: gx, y0: 0, y1: gy, z0, z1: Math.min(gz, z0 + k) });
    return out;
  }
  const maxW = Math.min(gx, nTiles);
  let bw = maxW, bh = Math.max(1, Math.min(gy, Math.floor(nTiles / bw)));
  if (multicast && c) {
    const cands = new Set<number>([maxW]);
    for (let w = 1; w < maxW; w *= 2) cands.add(w);
    // exact traffic over the actual boxes (the last box along x or y may be partial); on a tie,
    // the shape with fewer waves
    const splits = (g: number, s: number): Array<[number, number]> => {
      const full = Math.floor(g / s), rem = g - full * s;
      return rem > 0 ? [[s, full], [rem, 1]] : [[s, full]];
    };
    let best = Infinity, bestWaves = Infinity;
    for (const w of [...cands].sort((a, b) => b - a)) {
      const h = Math.max(1, Math.min(gy, Math.floor(nTiles / w)));
      const waves = Math.ceil(gx / w) * Math.ceil(gy / h);
      let cost = 0;
      for (const [wx, nx] of splits(gx, w)) {
        for (const [hy, ny] of splits(gy, h)) {
          let perBox = 0;
          for (const l of c.loads) {
            if (l.resident) continue;
            const sx = l.shareAxes.includes(0), sy = l.shareAxes.includes(1);
            perBox += l.bytes * (sx && sy ? 1 : sx ? hy : sy ? wx : wx * hy);
          }
          cost += nx * ny * perBox;
        }
      }
      if (cost < best * (1 - 1e-9) || (cost <= best * (1 + 1e-9) && waves < bestWaves)) { best = cost; bestWaves = waves; bw = w; bh = h; }
    }
  }
  for (let z = 0; z < gz; z++)
    for (let y0 = 0; y0 < gy; y0 += bh)
      for (let x0 = 0; x0 < gx; x0 += bw) out.push({ x0, x1: Math.min(gx, x0 + bw), y0, y1: Math.min(gy, y0 + bh), z0: z, z1: z + 1 });
  return out;
}

/** The tile whose SRAM holds the g-th block of a wave on an SRAM-only chip (a fixed scatter). */
export function homeTile(g: number, nTiles: number): number {
  return ((g * 2654435761) >>> 0) % nTiles;
}

