// Placement of a pass's plan tiles on the chip: in time (waveOrder: which box of the plan grid runs
// in each wave) and in space (placeWave: which chip tile each plan tile of a wave runs on), plus the
// home tile of a block on an SRAM-only chip.

import type { Dim3, Pass } from '../kernels/plan.ts';
import { floorDiv } from './ints.ts';
import { TreeLoads, type Mesh } from './mesh.ts';
import { classGrid, type ClassSummary, type LoadSummary } from './summary.ts';
import { gemmCycles } from './systolic.ts';
import type { ChipConfig, Dataflow } from './types.ts';

/** A pass laid out for the chip: its class summaries, its waves, and the MAC-array cycles of each plan tile. */
export interface PassLayout {
  pass: Pass;
  classes: readonly ClassSummary[];
  /** The class of each plan tile, at (z * gy + y) * gx + x (classGrid). */
  cells: Int32Array;
  order: WaveBox[];
  /** The part of the mesh the waves are placed on (placeWave); absent: the whole mesh. */
  region?: Region;
  /** MAC-array cycles of each plan tile in this layout, indexed like `cells` (macCyclesPerTile). */
  macCycles: Float64Array;
  /** Why the waves leave chip tiles idle, when they do although the pass has more plan tiles than the chip. */
  note?: string;
  /** Other wave shapes for the same pass (next best by estimate), for simulatePlan to time and choose from. */
  alternatives?: PassLayout[];
}

export function layoutPass(
  chip: ChipConfig, mesh: Mesh, dataflow: Dataflow, pass: Pass, classes: readonly ClassSummary[], multicast: boolean,
): PassLayout {
  let compute = 0;
  for (const c of classes) compute = Math.max(compute, c.computeCycles);
  const cells = classGrid(classes, pass.grid);
  const hbmBytesPerCycle = chip.hbm.stacks > 0 ? chip.hbm.bandwidthBytesPerS / chip.clockHz : 0;
  const routed = new Map<string, number>(); // a shape may be routed more than once (best first, the fewest-bytes check, the placements below)
  const nocOn = (w: number, h: number, region?: Region): number => {
    const key = region ? `${w},${h},${region.r0},${region.c0},${region.rows},${region.cols}` : `${w},${h}`;
    let t = routed.get(key);
    if (t === undefined) routed.set(key, t = boxNocCycles(mesh, chip, classes[0], multicast, w, h, region));
    return t;
  };
  const noc = chip.hbm.stacks > 0 && classes[0] ? nocOn : undefined;
  const ranked: RankedShape[] = [];
  const R = chip.grid.rows, C = chip.grid.cols;
  const order = waveOrder(pass.grid, R, C, classes[0], multicast, { computeCycles: compute, hbmBytesPerCycle }, noc, ranked);
  const best = ranked[0];
  const [gx, gy, gz] = pass.grid;
  // placements, where the waves are compute-bound (within PLACEMENT_COMPUTE_BOUND of their compute) and the pass has more
  // plan tiles than the chip: the estimate's best shapes, each on the whole mesh and on sub-grids of
  // it (subRegions: the placements a smaller grid would make), costed wave by wave with the merged
  // systolic slots' compute (placementTime); the fastest is kept, and the runners-up within 2% are
  // timed by the fluid model in simulatePlan (the estimate cannot see partial boxes' routes exactly).
  // Memory-bound passes, e.g. decode GEMVs, keep the estimate (simulation speed).
  if (!noc || !best || best.t > PLACEMENT_COMPUTE_BOUND * compute * best.waves || gx * gy * gz <= R * C) return layoutOf(chip, dataflow, pass, classes, cells, order);
  const pool: Array<{ w: number; h: number; region?: Region; t: number }> = [];
  // the shapes within 1.5x of the best estimate (at most PLACEMENT_SHAPES, and PLACEMENT_BUDGET plan tiles costed in all)
  // plus each one's balanced version: as many waves along x and y, but evenly sized boxes (a smaller grid's
  // shape: no partial last box that leaves its tiles idle)
  const top = ranked.filter((x) => x.t <= 1.5 * best.t).slice(0, Math.max(1, Math.min(PLACEMENT_SHAPES, Math.floor(PLACEMENT_BUDGET / (2 * gx * gy * gz)))));
  const shapes: Array<{ w: number; h: number }> = [];
  const seen = new Set<number>();
  for (const { w, h } of top) {
    for (const [sw, sh] of [[w, h], [Math.ceil(gx / Math.ceil(gx / w)), Math.ceil(gy / Math.ceil(gy / h))]]) {
      if (seen.has(sw * 65536 + sh) || !boxPlaceable(sw, sh, R, C)) continue;
      seen.add(sw * 65536 + sh);
      shapes.push({ w: sw, h: sh });
    }
  }
  const boxBytes = new BoxBytes(classes[0].loads, multicast);
  shapes.forEach(({ w, h }, i) => {
    const boxes = placementBoxes(chip, dataflow, pass, classes, cells, boxBytes, w, h);
    for (const region of [undefined, ...(i < PLACEMENT_SHAPES_ON_SUBGRIDS ? subRegions(w, h, R, C) : [])]) {
      pool.push({ w, h, region, t: placementTime(boxes, hbmBytesPerCycle, nocOn(w, h, region)) });
    }
  });
  // fastest first; ties (1e-9) keep the estimate's order
  const sorted = pool.map((x, i) => ({ ...x, i })).sort((a, b) => (Math.abs(a.t - b.t) > 1e-9 * Math.max(a.t, b.t) ? a.t - b.t : a.i - b.i));
  const [first, ...rest] = sorted;
  const layout = layoutOf(chip, dataflow, pass, classes, cells, boxesOf(pass.grid, first.w, first.h), first.region);
  if (gx * gy * gz > PLACEMENT_TIMED_TILES) return layout;
  const alternatives = rest.filter((x) => x.t <= 1.01 * first.t).slice(0, PLACEMENT_ALTERNATIVES)
    .map((x) => layoutOf(chip, dataflow, pass, classes, cells, boxesOf(pass.grid, x.w, x.h), x.region));
  return alternatives.length > 0 ? { ...layout, alternatives } : layout;
}

/** Shapes (best first by the estimate) costed on the whole mesh, how many of them also on sub-grids, and the plan tiles costed per pass at most. */
export const PLACEMENT_SHAPES = 8;
export const PLACEMENT_SHAPES_ON_SUBGRIDS = 3;
export const PLACEMENT_BUDGET = 20_000;
/** Passes whose estimated waves take at most this many times their compute get the placement search (memory-bound ones, e.g. decode GEMVs, keep the estimate). */
export const PLACEMENT_COMPUTE_BOUND = 1.25;
/** Passes with at most this many plan tiles have their runners-up timed by the fluid model (simulation speed). */
export const PLACEMENT_TIMED_TILES = 256;

/**
 * Sub-grids of an R x C mesh worth trying for w x h boxes besides the whole mesh: a box wider than
 * the mesh folds into strips, evenly (ceil(w / strips) columns) or one strip more; a taller one
 * likewise in rows; one row or one column fewer (a smaller grid's spread); the box's own size (its
 * tiles side by side, not spread). Each at the top-left, the centre and the bottom-right of the mesh.
 */
export function subRegions(w: number, h: number, R: number, C: number): Region[] {
  const out: Region[] = [];
  const seen = new Set<string>();
  const add = (rows: number, cols: number) => {
    if (rows < 1 || cols < 1 || rows > R || cols > C || (rows === R && cols === C) || rows * cols < Math.min(w * h, R * C) || !boxPlaceable(w, h, rows, cols)) return;
    for (const [r0, c0] of [[0, 0], [(R - rows) >> 1, (C - cols) >> 1], [R - rows, C - cols]]) {
      const k = `${r0},${c0},${rows},${cols}`;
      if (!seen.has(k)) { seen.add(k); out.push({ r0, c0, rows, cols }); }
    }
  };
  if (w > C) { const s = Math.ceil(w / C); add(R, Math.ceil(w / s)); add(R, Math.ceil(w / (s + 1))); }
  else if (h > R) { const s = Math.ceil(h / R); add(Math.ceil(h / s), C); add(Math.ceil(h / (s + 1)), C); }
  else add(h, w);
  add(R - 1, C);
  add(R, C - 1);
  return out;
}

/**
 * A placement's estimated cycles: over the boxes of w x h plan tiles, each wave at least its slowest
 * tile's compute (macCyclesPerTile: merged systolic slots), its HBM bytes / bandwidth and the NoC time
 * of a full box on its placement scaled by the box's bytes. The boxes' compute and bytes do not
 * depend on where the box is placed: placementBoxes reads them once per shape, placementTime
 * costs each placement (region) from them.
 */
interface PlacementBoxes { comp: Float64Array; bytes: Float64Array; full: number }

function placementBoxes(chip: ChipConfig, dataflow: Dataflow, pass: Pass, classes: readonly ClassSummary[], cells: Int32Array, boxBytes: BoxBytes, w: number, h: number): PlacementBoxes {
  const boxes = boxesOf(pass.grid, w, h);
  const mac = macCyclesPerTile(chip, dataflow, pass.grid, classes, cells, boxes);
  const [gx, gy] = pass.grid;
  const comp = new Float64Array(boxes.length), bytes = new Float64Array(boxes.length);
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i];
    let m = 0;
    for (let y = b.y0; y < b.y1; y++) {
      const row = (b.z0 * gy + y) * gx;
      for (let x = b.x0; x < b.x1; x++) {
        const c = mac[row + x] + classes[cells[row + x]].vectorCycles;
        if (c > m) m = c;
      }
    }
    comp[i] = m;
    bytes[i] = boxBytes.at(b.x1 - b.x0, b.y1 - b.y0);
  }
  return { comp, bytes, full: boxBytes.at(w, h) };
}

function placementTime(p: PlacementBoxes, hbmBpc: number, noc: number): number {
  let t = 0;
  for (let i = 0; i < p.comp.length; i++) {
    const bytes = p.bytes[i];
    t += Math.max(p.comp[i], hbmBpc > 0 ? bytes / hbmBpc : 0, p.full > 0 ? (noc * bytes) / p.full : 0);
  }
  return t;
}

/**
 * HBM bytes of one box of wx x hy plan tiles like `loads` (each shared block once per box with
 * multicast): each streamed load's bytes times 1 (shared along x and y), hy (along x), wx (along
 * y) or wx * hy (private), summed in load order. The loads' sharing is read once here, not for
 * every box shape waveOrder costs (hundreds per pass).
 */
class BoxBytes {
  private readonly bytes: Float64Array;
  private readonly kind: Uint8Array; // 0: shared along x and y, 1: along x, 2: along y, 3: private

  constructor(loads: readonly LoadSummary[], multicast: boolean) {
    const streamed = loads.filter((l) => !l.resident);
    this.bytes = Float64Array.from(streamed, (l) => l.bytes);
    this.kind = Uint8Array.from(streamed, (l) => {
      const sx = multicast && l.shareAxes.includes(0), sy = multicast && l.shareAxes.includes(1);
      return sx && sy ? 0 : sx ? 1 : sy ? 2 : 3;
    });
  }

  at(wx: number, hy: number): number {
    let b = 0;
    for (let i = 0; i < this.bytes.length; i++) {
      const k = this.kind[i];
      b += this.bytes[i] * (k === 0 ? 1 : k === 1 ? hy : k === 2 ? wx : wx * hy);
    }
    return b;
  }
}

/** How many wave shapes after the estimated best simulatePlan times before choosing (0: trust the estimate). */
export const PLACEMENT_ALTERNATIVES = 2;

function layoutOf(chip: ChipConfig, dataflow: Dataflow, pass: Pass, classes: readonly ClassSummary[], cells: Int32Array, order: WaveBox[], region?: Region): PassLayout {
  const nTiles = chip.grid.rows * chip.grid.cols;
  const [gx, gy, gz] = pass.grid;
  const b = order[0];
  const used = b ? (b.x1 - b.x0) * (b.y1 - b.y0) * (b.z1 - b.z0) : 0;
  const full = Math.ceil((gx * gy * gz) / nTiles);
  const notes: string[] = [];
  if (b && gx * gy * gz > nTiles && used < nTiles && order.length > full) {
    notes.push(`${pass.label}: waves of ${b.x1 - b.x0}x${b.y1 - b.y0} plan tiles keep ${used} of ${nTiles} chip tiles busy (${order.length} waves, ` +
      `${full} if full): the shapes that fill the chip were estimated or timed slower (more blocks through the HBM ports' links, or more HBM bytes)`);
  }
  if (region) {
    notes.push(`${pass.label}: placement on a ${region.rows}x${region.cols} sub-grid of the ${chip.grid.rows}x${chip.grid.cols} chip ` +
      `(rows ${region.r0}-${region.r0 + region.rows - 1}, columns ${region.c0}-${region.c0 + region.cols - 1}): spreading the waves over the whole mesh ` +
      `was estimated or timed slower (the routes from the HBM ports; a bigger grid does not place a box the way a smaller one does)`);
  }
  const note = notes.length > 0 ? notes.join('; ') : undefined;
  return { pass, classes, cells, order, region, macCycles: macCyclesPerTile(chip, dataflow, pass.grid, classes, cells, order), note };
}

/** The waves of a pass cut into boxes of w x h plan tiles (row by row, z slice by z slice). */
function boxesOf(grid: Dim3, bw: number, bh: number): WaveBox[] {
  const [gx, gy, gz] = grid;
  const out: WaveBox[] = [];
  for (let z = 0; z < gz; z++)
    for (let y0 = 0; y0 < gy; y0 += bh)
      for (let x0 = 0; x0 < gx; x0 += bw) out.push({ x0, x1: Math.min(gx, x0 + bw), y0, y1: Math.min(gy, y0 + bh), z0: z, z1: z + 1 });
  return out;
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
  chip: ChipConfig, dataflow: Dataflow, grid: Dim3, classes: readonly ClassSummary[], cells: Int32Array, order: readonly WaveBox[],
): Float64Array {
  const out = new Float64Array(cells.length);
  const own = (): Float64Array => {
    for (let t = 0; t < cells.length; t++) out[t] = classes[cells[t]].macCycles;
    return out;
  };
  const box = order[0];
  const [gx, gy, gz] = grid;
  if (!box) return own();
  const bw = box.x1 - box.x0, bh = box.y1 - box.y0;
  if (bw >= gx && bh >= gy) return own();
  let k = -1;
  let dtype = '';
  const mRow = new Float64Array(gy), nCol = new Float64Array(gx);
  for (const c of classes) {
    if (c.macs.int8 + c.macs.fp16 + c.macs.fp32 === 0) continue;
    const g = c.gemm;
    if (!g || (k >= 0 && (g.k !== k || g.dtype !== dtype))) return own();
    k = g.k; dtype = g.dtype;
    for (let y = c.y[0]; y < c.y[1]; y++) { if (mRow[y] !== 0 && mRow[y] !== g.m) return own(); mRow[y] = g.m; }
    for (let x = c.x[0]; x < c.x[1]; x++) { if (nCol[x] !== 0 && nCol[x] !== g.n) return own(); nCol[x] = g.n; }
  }
  if (k < 0) return own();
  const sumM = new Float64Array(bh), sumN = new Float64Array(bw);
  for (let y = 0; y < gy; y++) sumM[y % bh] += mRow[y];
  for (let x = 0; x < gx; x++) sumN[x % bw] += nCol[x];
  // per slot: the merged GEMM's cycles, or -1 when running its blocks one by one is not slower
  // (a merged slot's partial folds are shared by all its blocks; merging must never cost more);
  // only the slots some GEMM tile uses are scheduled
  const slot = new Float64Array(bw * bh).fill(NaN);
  const gemmDtype = dtype as NonNullable<ClassSummary['gemm']>['dtype'];
  // blocks come in a few sizes (edge blocks): one schedule per block size
  const blockCycles = new Map<number, number>();
  const block = (m: number, n: number): number => {
    let c = blockCycles.get(m * 1048576 + n);
    if (c === undefined) blockCycles.set(m * 1048576 + n, c = gemmCycles(chip, dataflow, { m, n, k, dtype: gemmDtype }));
    return c;
  };
  const slotCycles = (i: number, j: number): number => {
    const merged = gemmCycles(chip, dataflow, { m: sumM[j], n: sumN[i], k, dtype: gemmDtype });
    let apart = 0;
    for (let y = j; y < gy; y += bh) for (let x = i; x < gx; x += bw) {
      if (mRow[y] > 0 && nCol[x] > 0) apart += block(mRow[y], nCol[x]);
    }
    return merged < apart ? merged : -1;
  };
  for (let z = 0; z < gz; z++)
    for (let y = 0; y < gy; y++) {
      const j = y % bh, row = (z * gy + y) * gx;
      for (let x = 0; x < gx; x++) {
        const c = classes[cells[row + x]];
        if (!c.gemm) { out[row + x] = c.macCycles; continue; }
        const i = x % bw;
        let sc = slot[j * bw + i];
        if (Number.isNaN(sc)) sc = slot[j * bw + i] = slotCycles(i, j);
        // computed on every GEMM tile, used on merged slots only: a branch first taken late (decode's
        // GEMVs merge slots, prefill's GEMMs do not) would deoptimise this loop in the UI's worker
        const merged = (sc * mRow[y] * nCol[x]) / (sumM[j] * sumN[i]);
        out[row + x] = sc < 0 ? c.macCycles : merged;
      }
    }
  return out;
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
  b: WaveBox, n: number, wx: Int32Array, wy: Int32Array, wz: Int32Array, R: number, C: number, out: Int32Array, region?: Region,
): void {
  // the box is laid out on the region's rows x cols, then shifted to its place in the R x C mesh
  const rr = region ? region.rows : R, rc = region ? region.cols : C;
  const base = region ? region.r0 * C + region.c0 : 0;
  const bw = b.x1 - b.x0, bh = b.y1 - b.y0;
  let W = bw * (b.z1 - b.z0), H = bh;
  let foldX = 0, foldY = 0;
  if (W > rc) { foldX = 1; H *= Math.ceil(W / rc); W = rc; }
  else if (H > rr) { foldY = 1; W *= Math.ceil(H / rr); H = rr; }
  if (W > rc || H > rr) {
    for (let i = 0; i < n; i++) out[i] = base + Math.floor(i / rc) * C + (i % rc);
    return;
  }
  for (let i = 0; i < n; i++) {
    let X = (wz[i] - b.z0) * bw + (wx[i] - b.x0), Y = wy[i] - b.y0;
    if (foldX) { Y = Math.floor(X / rc) * bh + Y; X %= rc; }
    else if (foldY) { X = Math.floor(Y / rr) * bw * (b.z1 - b.z0) + X; Y %= rr; }
    out[i] = base + Math.floor(((Y + 0.5) * rr) / H) * C + Math.floor(((X + 0.5) * rc) / W);
  }
}

/** The part of the mesh a pass's waves are placed on: rows [r0, r0 + rows) x columns [c0, c0 + cols). */
export interface Region { r0: number; c0: number; rows: number; cols: number }

/**
 * NoC cycles of one w x h box of plan tiles like `c` placed on `region` (its loads' streams, multicast
 * trees from the HBM port nearest each group's first tile): the busiest directed link's bytes / link
 * bandwidth. The groups are those of loadGroups for one class at the box's origin, written out: a
 * block shared along x is one group per box row, along y one per box column, along both one for the
 * box, else one per tile (multicastKey); TreeLoads adds each tree as intervals, not link by link.
 */
function boxNocCycles(mesh: Mesh, chip: ChipConfig, c: ClassSummary, multicast: boolean, w: number, h: number, region?: Region): number {
  const box: WaveBox = { x0: 0, x1: w, y0: 0, y1: h, z0: 0, z1: 1 };
  const n = w * h;
  const s = nocScratch(n);
  fillWave(box, s.wx, s.wy, s.wz);
  placeWave(box, n, s.wx, s.wy, s.wz, mesh.rows, mesh.cols, s.placed, region);
  let trees = TREES.get(mesh);
  if (!trees) TREES.set(mesh, trees = new TreeLoads(mesh));
  trees.clear();
  const placed = s.placed; // fillWave order: tile i = y * w + x
  const portOf = (t: number) => mesh.ports[mesh.nearestPort[t]].tile;
  for (const l of c.loads) {
    if (l.resident) continue;
    const sx = multicast && l.shareAxes.includes(0), sy = multicast && l.shareAxes.includes(1);
    if (sx && sy) {
      trees.begin(portOf(placed[0]), l.bytes);
      for (let i = 0; i < n; i++) trees.member(placed[i]);
      trees.end();
    } else if (sx) {
      for (let y = 0; y < h; y++) {
        trees.begin(portOf(placed[y * w]), l.bytes);
        for (let x = 0; x < w; x++) trees.member(placed[y * w + x]);
        trees.end();
      }
    } else if (sy) {
      for (let x = 0; x < w; x++) {
        trees.begin(portOf(placed[x]), l.bytes);
        for (let y = 0; y < h; y++) trees.member(placed[y * w + x]);
        trees.end();
      }
    } else {
      for (let i = 0; i < n; i++) { trees.begin(portOf(placed[i]), l.bytes); trees.member(placed[i]); trees.end(); }
    }
  }
  return trees.max() / chip.noc.linkBytesPerCycle;
}

/** Scratch buffers for boxNocCycles, grown on demand and reused (it runs up to ~70 times per pass). */
interface NocScratch { wx: Int32Array; wy: Int32Array; wz: Int32Array; placed: Int32Array }
let scratch: NocScratch | null = null;
const TREES = new WeakMap<Mesh, TreeLoads>(); // meshes are cached and read-only (mesh.ts)
function nocScratch(tiles: number): NocScratch {
  if (scratch && scratch.wx.length >= tiles) return scratch;
  return (scratch = { wx: new Int32Array(tiles), wy: new Int32Array(tiles), wz: new Int32Array(tiles), placed: new Int32Array(tiles) });
}

/** Whether placeWave maps a w x h box (one z slice) onto an R x C grid as rows and columns (else: raster order). */
export function boxPlaceable(w: number, h: number, R: number, C: number): boolean {
  if (w > C) return h * Math.ceil(w / C) <= R;
  if (h > R) return w * Math.ceil(h / R) <= C;
  return true;
}

/** A wave shape w x h as waveOrder ranked it: estimated cycles t over its waves. */
export interface RankedShape { w: number; h: number; t: number; waves: number }

/** What a wave costs, for choosing the box shape: one plan tile's compute, and the HBM bandwidth (0: SRAM-only). */
export interface WaveCost { computeCycles: number; hbmBytesPerCycle: number }

/**
 * Placement in time: when the plan has more tiles than the chip, each wave runs a box of
 * bw x bh plan tiles (bw * bh <= chip tiles). With multicast, a wave fetches each shared block
 * once, so the box shape sets the HBM traffic: a block shared along x is fetched once per box
 * row, one shared along y once per box column. Every width w (with the tallest box that fits the
 * chip, and the tallest that placeWave can lay out as rows and columns) is costed over the actual
 * boxes (the last ones partial): each wave takes at least its compute and its HBM bytes / bandwidth,
 * so a compute-bound pass gets the fewest waves and a memory-bound one the least traffic (from the
 * first tile class). Ties go to fewer waves, then to a shape placeWave maps to rows and columns
 * (a raster-placed box loses the row/column multicast trees). When a whole xy plane fits, several
 * z slices share a wave.
 */
export function waveOrder(
  grid: [number, number, number], R: number, C: number, c: Pick<ClassSummary, 'loads'> | undefined, multicast: boolean, cost?: WaveCost,
  nocCycles?: (w: number, h: number) => number, ranked?: RankedShape[],
): WaveBox[] {
  const [gx, gy, gz] = grid;
  const nTiles = R * C;
  const out: WaveBox[] = [];
  if (gx * gy <= nTiles) {
    const k = Math.max(1, floorDiv(nTiles, gx * gy));
    for (let z0 = 0; z0 < gz; z0 += k) out.push({ x0: 0, x1: gx, y0: 0, y1: gy, z0, z1: Math.min(gz, z0 + k) });
    return out;
  }
  const est = new ShapeEstimate(gx, gy, new BoxBytes(c?.loads ?? [], multicast), cost);
  let cands: Cand[] = [];
  for (let w = Math.min(gx, nTiles); w >= 1; w--) {
    const hFit = Math.max(1, Math.min(gy, Math.floor(nTiles / w)));
    const hPlace = w > C ? Math.floor(R / Math.ceil(w / C)) : R * Math.floor(C / w);
    cands.push(candidate(est, gx, gy, R, C, w, hFit));
    if (hPlace >= 1 && hPlace < hFit) cands.push(candidate(est, gx, gy, R, C, w, hPlace));
  }
  // a box placeWave cannot lay out as rows and columns goes in raster order and loses the row /
  // column multicast trees: such shapes only when no other fits
  if (cands.some((x) => x.placed)) cands = cands.filter((x) => x.placed);
  cands.sort(compareCands);
  if (nocCycles && cost && cands.length > 1) {
    // the NoC time needs routing a box; it only adds to a shape's time, so shapes are routed best
    // first (by compute and HBM) until the next one cannot beat the best time found (at most 64)
    let best: Cand | null = null;
    for (let i = 0; i < cands.length && i < 64; i++) {
      const x = cands[i];
      if (best && compareCands(x, best) >= 0) break;
      const routed = { ...x, t: est.time(x.w, x.h, nocCycles(x.w, x.h)) };
      if (!best || compareCands(routed, best) < 0) best = routed;
    }
    if (best) {
      // within 1% of the fastest, the shape that reads the fewest HBM bytes (energy), if routing confirms its time
      const bestBytes = est.bytesOf(best);
      const near = cands.filter((x) => x.t <= 1.01 * best!.t && est.bytesOf(x) < bestBytes * (1 - 1e-9)).sort((a, b) => a.bytes - b.bytes);
      for (const x of near.slice(0, 8)) {
        const t = est.time(x.w, x.h, nocCycles(x.w, x.h));
        if (t <= 1.01 * best.t) { best = { ...x, t }; break; }
      }
      // the best first, the others after it in estimate order (the shape it replaces stays a candidate)
      const chosen = best;
      cands = [chosen, ...cands.filter((x) => x.w !== chosen.w || x.h !== chosen.h)];
    }
  }
  if (ranked) {
    const seen = new Set(ranked.map((r) => r.w * 65536 + r.h));
    for (const x of cands) if (!seen.has(x.w * 65536 + x.h)) { seen.add(x.w * 65536 + x.h); ranked.push({ w: x.w, h: x.h, t: x.t, waves: x.waves }); }
  }
  return boxesOf(grid, cands[0].w, cands[0].h);
}

/** A wave shape waveOrder weighs: its estimated time t, waves, whether placeWave lays it out as rows and columns, HBM bytes (NaN until asked). */
interface Cand { w: number; h: number; t: number; waves: number; placed: boolean; bytes: number }

/** The w x h shape of a gx x gy plane on an R x C mesh, estimated without its NoC time. */
function candidate(est: ShapeEstimate, gx: number, gy: number, R: number, C: number, w: number, h: number): Cand {
  return { w, h, t: est.time(w, h, 0), waves: Math.ceil(gx / w) * Math.ceil(gy / h), placed: boxPlaceable(w, h, R, C), bytes: NaN };
}

/** Ties (within 1e-9) go to fewer waves, then to a shape placed as rows and columns, then to the wider box. */
function compareCands(a: Cand, b: Cand): number {
  return Math.abs(a.t - b.t) > 1e-9 * Math.max(a.t, b.t) ? a.t - b.t : a.waves !== b.waves ? a.waves - b.waves : a.placed !== b.placed ? (a.placed ? -1 : 1) : b.w - a.w;
}

/**
 * waveOrder's estimate of a gx x gy plane cut into w x h boxes: the full boxes and the partial ones
 * of the last column / row of boxes (w <= gx, h <= gy, so there is at least one full box). A box
 * takes at least its compute, its HBM bytes / bandwidth and (when routed) the NoC time of a full box
 * scaled by the box's bytes; without a cost, its bytes. It runs for every candidate shape, so it
 * allocates nothing.
 */
class ShapeEstimate {
  private fullBytes = 0;
  private noc = 0;
  private readonly compute: number;
  private readonly hbmBpc: number;

  constructor(private readonly gx: number, private readonly gy: number, private readonly perBox: BoxBytes, private readonly cost: WaveCost | undefined) {
    this.compute = cost?.computeCycles ?? 0;
    this.hbmBpc = cost?.hbmBytesPerCycle ?? 0;
  }

  /** Cycles of all boxes of shape w x h, with a full box's NoC time `noc` (0: not routed). */
  time(w: number, h: number, noc: number): number {
    this.fullBytes = this.perBox.at(w, h);
    this.noc = noc;
    return this.sum(w, h, true);
  }

  /** The shape's HBM traffic, computed once per candidate. */
  bytesOf(x: Cand): number {
    if (Number.isNaN(x.bytes)) x.bytes = this.sum(x.w, x.h, false);
    return x.bytes;
  }

  // summed in the order of a loop over [w, rx] x [h, ry] (floating-point sums depend on it)
  private sum(w: number, h: number, timed: boolean): number {
    const fx = Math.floor(this.gx / w), rx = this.gx - fx * w, fy = Math.floor(this.gy / h), ry = this.gy - fy * h;
    let t = 0;
    t += fx * fy * this.boxOf(timed ? this.fullBytes : this.perBox.at(w, h), timed); // time() has just set fullBytes = at(w, h)
    if (ry > 0) t += fx * this.box(w, ry, timed);
    if (rx > 0) {
      t += fy * this.box(rx, h, timed);
      if (ry > 0) t += this.box(rx, ry, timed);
    }
    return t;
  }

  private box(wx: number, hy: number, timed: boolean): number {
    return this.boxOf(this.perBox.at(wx, hy), timed);
  }

  /** A box of `bytes`: its cycles (timed) or its bytes. */
  private boxOf(bytes: number, timed: boolean): number {
    if (!timed || !this.cost) return bytes;
    return Math.max(this.compute, this.hbmBpc > 0 ? bytes / this.hbmBpc : 0, this.fullBytes > 0 ? (this.noc * bytes) / this.fullBytes : 0);
  }
}

/** The tile whose SRAM holds the g-th block of a wave on an SRAM-only chip (a fixed scatter). */
export function homeTile(g: number, nTiles: number): number {
  return ((g * 2654435761) >>> 0) % nTiles;
}

