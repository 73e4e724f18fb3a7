// The analytic (fluid) timing of one pass: per wave, prologue (first block of every operand) +
// steady state (the busiest resource: the slowest tile's MAC array + vector unit, the HBM, every
// directed NoC link) + epilogue (the output block). This pass also counts every byte (HBM, NoC
// byte-hops per directed link, SRAM), MAC and vector op, and the SRAM fit, none of which depend on
// timing, so the event path (events.ts) only replaces the cycles.

import { tileCount } from '../kernels/plan.ts';
import { routeBuffer, routeLinks, type Mesh } from './mesh.ts';
import { fillWave, homeTile, placeWave, type PassLayout } from './placement.ts';
import { GroupTable, classTiles, type ClassSummary } from './summary.ts';
import { traceChunks, traceLoad, type TraceBuilder } from './trace.ts';
import { emptyCounts } from './energy.ts';
import { EVENT_KIND, type Bound, type ChipConfig, type EventCounts, type FitReport, type PassSimResult } from './types.ts';

/**
 * What the analytic pass accumulates over a run (bytes per link and tile, busy cycles, counts,
 * trace). A class, so every accumulator has one shape (the simulator's hot loops stay monomorphic).
 */
export class Acc {
  readonly linkBytes: Float64Array;
  readonly tileBusy: Float64Array;
  readonly hbmInjected: Float64Array;
  readonly hbmEjected: Float64Array;
  readonly delivered: Float64Array;
  readonly produced: Float64Array;
  readonly counts: EventCounts = emptyCounts();
  /** HBM reads the loads of `held` tensors would have taken. */
  heldHbmReadBytes = 0;

  constructor(
    readonly mesh: Mesh,
    public trace: TraceBuilder | null = null,
    /** Resident tensors held on chip by the caller's fusion (SimOptions.held). */
    readonly held: ReadonlySet<string> | null = null,
  ) {
    // one backing store for the six arrays (a simulation makes an Acc per op: fewer allocations)
    const n = mesh.rows * mesh.cols;
    const buf = new ArrayBuffer(9 * n * Float64Array.BYTES_PER_ELEMENT);
    const view = (at: number, len: number) => new Float64Array(buf, at * Float64Array.BYTES_PER_ELEMENT, len);
    this.linkBytes = view(0, n * 4);
    this.tileBusy = view(4 * n, n);
    this.hbmInjected = view(5 * n, n);
    this.hbmEjected = view(6 * n, n);
    this.delivered = view(7 * n, n);
    this.produced = view(8 * n, n);
  }
}

export interface AnalyticPass {
  /** The pass's result as SimResult.passes holds it. */
  result: PassSimResult;
  /** Wave cycles spent under each bound (the pass's bound is the largest). */
  cyclesByBound: Record<Bound, number>;
  /** The fit decision: two blocks per tile fit SRAM. */
  doubleBuffered: boolean;
  /** Cycles of the waves' prologues and epilogues (first blocks in, output stores out), summed over waves. */
  fillDrainCycles: number;
}

export function simulatePass(
  chip: ChipConfig, layout: PassLayout, multicast: boolean, sramOnly: boolean, acc: Acc, fit: FitReport, t0: number,
): AnalyticPass {
  const { mesh, counts } = acc;
  const { pass, classes, order } = layout;
  const nTiles = mesh.rows * mesh.cols;
  const planTiles = tileCount(pass);
  const waves = order.length;
  const linkBpc = chip.noc.linkBytesPerCycle;
  const hbmBpc = chip.hbm.bandwidthBytesPerS / chip.clockHz;
  const hopLat = chip.noc.hopLatencyCycles;
  const sram = chip.tile.sramBytes;
  // The first block (all operands of iteration 0) and the last output block move at the slower of
  // one link and the HBM: they cannot overlap compute.
  const firstBpc = hbmBpc > 0 ? Math.min(linkBpc, hbmBpc) : linkBpc;
  // its cycles per byte: the wave steps multiply by it (block bytes are mostly whole multiples of the
  // link width, so V8 would speculate on whole-cycle quotients and deoptimise at the first fraction)
  const firstCpb = 1 / firstBpc;

  // SRAM fit: one block (or two when double-buffered) + the output block + pinned operands.
  let doubleBuffered = true;
  for (const c of classes) {
    const out = c.storeBytes;
    const pinned = fit.pinnedBytesPerTile;
    const single = c.blockBytes + out + pinned;
    const dbl = 2 * c.blockBytes + out + pinned;
    fit.workingSetBytes = Math.max(fit.workingSetBytes, dbl <= sram ? dbl : single);
    if (dbl > sram) doubleBuffered = false;
    if (single > sram) {
      if (fit.fits) fit.messages.push(`${pass.label}: working set ${Math.round(single)} B per tile (block ${Math.round(c.blockBytes)} B + output ${out} B + pinned ${Math.round(pinned)} B) exceeds SRAM ${sram} B`);
      fit.fits = false;
    }
  }
  fit.doubleBuffered = fit.doubleBuffered && doubleBuffered;

  const { cells, macCycles } = layout, [gx, gy] = pass.grid;
  const tb = acc.trace;
  const opIdx = tb ? tb.opIndex(pass.label) : 0;
  const w$ = waveScratch(mesh);
  const { wx, wy, wz, waveTile, waveClass, waveCompute, linkLoad, storeLoad } = w$;
  let cyc = 0;
  let hbmBytesPass = 0;
  let linkBytesPass = 0;
  let boundNow: Bound = 'compute';
  const steadyByBound = { compute: 0, memory: 0, noc: 0 };
  let fillDrain = 0;

  // the wave's steps are functions of their own (waveLoads, waveStores): small functions reach
  // optimised code after a few calls, where one big loop body waits for many (simulation warm-up)
  for (let w = 0; w < waves; w++) {
    const n = fillWave(order[w], wx, wy, wz);
    placeWave(order[w], n, wx, wy, wz, mesh.rows, mesh.cols, waveTile, layout.region);
    linkLoad.fill(0);
    storeLoad.fill(0);
    let computeMax = 0;
    for (let i = 0; i < n; i++) {
      const x = wx[i], y = wy[i], z = wz[i];
      const cell = (z * gy + y) * gx + x;
      waveClass[i] = cells[cell];
      const cc = macCycles[cell] + classes[waveClass[i]].vectorCycles;
      waveCompute[i] = cc;
      computeMax = Math.max(computeMax, cc);
      acc.tileBusy[waveTile[i]] += cc;
    }
    // loads: tiles that load the identical block (same tensor, coordinates equal except along the
    // load's shareAxes) form one multicast group, across tile classes too (GroupTable)
    waveLoads(chip, layout, sramOnly, acc, w$, n, firstCpb, hopLat, multicast, tb, opIdx, t0 + cyc);
    waveStores(mesh, classes, sramOnly, acc, w$, n, firstCpb, hopLat);
    const { sums } = w$;
    const hbmWave = sums[LOAD_HBM], prologue = sums[PROLOGUE], hbmStores = sums[STORE_HBM], storeHops = sums[STORE_HOPS];
    let epilogue = sums[EPILOGUE];
    countOps(classes, counts, w$, n);
    let linkMax = 0, storeMax = 0;
    for (let l = 0; l < linkLoad.length; l++) {
      const b = linkLoad[l], sb = storeLoad[l];
      if (b > 0 || sb > 0) {
        acc.linkBytes[l] += b + sb;
        linkBytesPass += b + sb;
        if (b > linkMax) linkMax = b;
        if (sb > storeMax) storeMax = sb;
      }
    }
    if (hbmStores > 0) epilogue = Math.max(epilogue, storeMax > 0 ? storeMax / linkBpc + storeHops * hopLat : 0, hbmStores / hbmBpc);
    hbmBytesPass += hbmWave + hbmStores;
    const tHbm = hbmWave > 0 ? hbmWave / hbmBpc : 0;
    const tNoc = linkMax / linkBpc;
    const tMem = Math.max(tHbm, tNoc);
    const steady = doubleBuffered ? Math.max(computeMax, tMem) : computeMax + tMem;
    const waveCycles = prologue + steady + epilogue;
    fillDrain += prologue + epilogue;
    boundNow = computeMax >= tMem ? 'compute' : tHbm >= tNoc ? 'memory' : 'noc';
    steadyByBound[boundNow] += waveCycles;
    if (tb) traceWave(tb, chip, mesh, classes, sramOnly, w$, n, opIdx, t0 + cyc, prologue, steady, epilogue);
    cyc += waveCycles;
  }
  counts.nocByteHops += linkBytesPass;

  let mac = 0, vec = 0;
  for (const c of classes) {
    const k = classTiles(c);
    mac += (c.macs.int8 / chip.tile.macsPerCycle.int8 + c.macs.fp16 / chip.tile.macsPerCycle.fp16 + c.macs.fp32 / chip.tile.macsPerCycle.fp32) * k;
    vec += (c.vectorOps / chip.tile.vectorOpsPerCycle) * k;
  }
  const roofline = {
    compute: Math.max(mac, vec) / nTiles,
    memory: hbmBpc > 0 ? hbmBytesPass / hbmBpc : 0,
    noc: mesh.linkCount > 0 ? linkBytesPass / (mesh.linkCount * linkBpc) : 0,
  };
  const bound: Bound = steadyByBound.compute >= steadyByBound.memory && steadyByBound.compute >= steadyByBound.noc
    ? 'compute' : steadyByBound.memory >= steadyByBound.noc ? 'memory' : 'noc';
  return { result: { label: pass.label, cycles: cyc, waves, planTiles, bound, roofline }, cyclesByBound: steadyByBound, doubleBuffered, fillDrainCycles: fillDrain };
}

/**
 * One wave's scratch buffers (the wave's tiles, their classes and compute, link loads, multicast
 * groups, the route being walked), one per mesh and reused by every
 * pass on it (meshes are cached and read-only, mesh.ts): each wave writes what it reads (its tiles'
 * entries, zeroed link loads; tree stamps compare with a counter that only grows), and
 * simulatePass does not nest.
 */
const SCRATCH = new WeakMap<Mesh, WaveScratch>();
/** WaveScratch.sums: the wave's HBM read bytes and prologue cycles (waveLoads), HBM store bytes, longest store route (hops) and epilogue cycles (waveStores). */
const LOAD_HBM = 0, PROLOGUE = 1, STORE_HBM = 2, STORE_HOPS = 3, EPILOGUE = 4;
function waveScratch(mesh: Mesh): WaveScratch {
  let s = SCRATCH.get(mesh);
  if (!s) SCRATCH.set(mesh, (s = new WaveScratch(mesh)));
  return s;
}

class WaveScratch {
  readonly wx: Int32Array;
  readonly wy: Int32Array;
  readonly wz: Int32Array;
  /** Chip tile, class and compute (MAC array + vector unit cycles) of the wave's i-th plan tile. */
  readonly waveTile: Int32Array;
  readonly waveClass: Int32Array;
  readonly waveCompute: Float64Array;
  /** Load / store bytes per directed link in the wave. */
  readonly linkLoad: Float64Array;
  readonly storeLoad: Float64Array;
  /** Links of the multicast tree being routed (stamped once per tree), with the most iterations streamed over each. */
  readonly stamp: Int32Array;
  readonly linkIters: Float64Array;
  readonly treeLinks: number[] = [];
  /** The wave's multicast groups (refilled every wave). */
  readonly groups = new GroupTable();
  /** The links of the route being walked (routeLinks). */
  readonly route: Int32Array;
  /**
   * What waveLoads and waveStores return, at LOAD_HBM ... EPILOGUE: a typed array, not an object
   * literal, whose fields V8 would type by their first values (whole cycles) and re-type at the
   * first fraction, deoptimising simulatePass.
   */
  readonly sums = new Float64Array(5);
  /** Tiles of the wave per class (countOps; grown with the classes). */
  classTally = new Int32Array(16);
  stampId = 0;

  /** Starts a multicast tree: a new stamp (the counter restarts before it outgrows the Int32 stamps). */
  nextTree(): void {
    if (++this.stampId >= 2 ** 30) { this.stamp.fill(0); this.stampId = 1; }
  }

  constructor(mesh: Mesh) {
    const nTiles = mesh.rows * mesh.cols;
    this.route = routeBuffer(mesh);
    this.wx = new Int32Array(nTiles);
    this.wy = new Int32Array(nTiles);
    this.wz = new Int32Array(nTiles);
    this.waveTile = new Int32Array(nTiles);
    this.waveClass = new Int32Array(nTiles);
    this.waveCompute = new Float64Array(nTiles);
    this.linkLoad = new Float64Array(nTiles * 4);
    this.storeLoad = new Float64Array(nTiles * 4);
    this.stamp = new Int32Array(nTiles * 4);
    this.linkIters = new Float64Array(nTiles * 4);
  }
}

/** The wave's loads: each multicast group read once (HBM, or a home tile's SRAM on SRAM-only chips) and routed to its members; HBM bytes and the prologue (first blocks in) into w$.sums. */
function waveLoads(
  chip: ChipConfig, layout: PassLayout, sramOnly: boolean, acc: Acc, w$: WaveScratch, n: number, firstCpb: number, hopLat: number,
  multicast: boolean, tb: TraceBuilder | null, opIdx: number, t: number,
): void {
  const { mesh, counts } = acc;
  const { pass, classes } = layout;
  const nTiles = mesh.rows * mesh.cols;
  const { waveTile, waveClass, linkLoad, linkIters, treeLinks, stamp, route } = w$;
  const groups = w$.groups.fill(classes, waveClass, n, w$.wx, w$.wy, w$.wz, pass.grid, multicast, acc.held);
  counts.sramReadBytes += groups.residentBytes;
  if (!sramOnly) acc.heldHbmReadBytes += groups.heldBytes;
  let hbmWave = 0, prologue = 0;
  for (let g = 0; g < groups.count; g++) {
    const bytes = groups.bytes[g];
    const first = waveTile[groups.memberTile[groups.first[g]]];
    // source of the block: the HBM port nearest the first destination, or (SRAM-only) a home tile
    let srcTile: number, port = -1;
    if (sramOnly) {
      srcTile = homeTile(g + 1, nTiles);
      acc.produced[srcTile] += bytes; // read out of the home tile's SRAM
      counts.sramReadBytes += bytes;
    } else {
      port = mesh.nearestPort[first];
      srcTile = mesh.ports[port].tile;
      hbmWave += bytes;
      counts.hbmReadBytes += bytes;
      acc.hbmInjected[srcTile] += bytes;
    }
    // a link of the tree carries the stream for as many iterations as the longest member behind it;
    // a group of one (a private block) is its member's route, each link once: no tree to stamp
    const single = groups.next[groups.first[g]] < 0;
    const perIter = bytes / groups.iters[g];
    w$.nextTree();
    const tree = w$.stampId;
    treeLinks.length = 0;
    for (let m = groups.first[g]; m >= 0; m = groups.next[m]) {
      const i = groups.memberTile[m];
      const d = waveTile[i];
      const it = groups.memberIters[m];
      const hops = routeLinks(mesh, srcTile, d, route);
      if (single) {
        const v = perIter * it;
        for (let h = 0; h < hops; h++) linkLoad[route[h]] += v;
      } else {
        for (let h = 0; h < hops; h++) {
          const link = route[h];
          if (stamp[link] !== tree) { stamp[link] = tree; linkIters[link] = it; treeLinks.push(link); }
          else if (it > linkIters[link]) linkIters[link] = it;
        }
      }
      const own = groups.memberBytes[m];
      const c = classes[waveClass[i]];
      acc.delivered[d] += own;
      counts.sramWriteBytes += own;
      counts.sramReadBytes += own; // the MAC array reads the block once
      prologue = Math.max(prologue, c.blockBytes * firstCpb + hops * hopLat);
      if (tb) traceLoad(tb, chip, c, own, d, srcTile, port, hops, opIdx, t, m === groups.first[g]);
    }
    for (let j = 0; j < treeLinks.length; j++) linkLoad[treeLinks[j]] += perIter * linkIters[treeLinks[j]];
  }
  w$.sums[LOAD_HBM] = hbmWave;
  w$.sums[PROLOGUE] = prologue;
}

/**
 * The wave's stores: to the nearest HBM port (or they stay in the tile's SRAM on SRAM-only chips).
 * A tile stores its output block after its last iteration, so stores do not overlap the steady
 * state: they drain in the epilogue, as fast as the busiest link (several tiles' blocks converge on
 * a port) and the HBM allow, and never faster than one block's own transfer.
 */
function waveStores(
  mesh: Mesh, classes: readonly ClassSummary[], sramOnly: boolean, acc: Acc, w$: WaveScratch, n: number, firstCpb: number, hopLat: number,
): void {
  const { counts } = acc;
  const { waveTile, waveClass, storeLoad, route } = w$;
  let hbmStores = 0, storeHops = 0, epilogue = 0;
  for (let i = 0; i < n; i++) {
    const c = classes[waveClass[i]];
    if (c.storeBytes === 0) continue;
    counts.sramReadBytes += sramOnly ? 0 : c.storeBytes;
    if (sramOnly) { counts.sramWriteBytes += c.storeBytes; continue; }
    const ct = waveTile[i];
    const port = mesh.nearestPort[ct];
    const dst = mesh.ports[port].tile;
    const hops = routeLinks(mesh, ct, dst, route);
    for (let h = 0; h < hops; h++) storeLoad[route[h]] += c.storeBytes;
    acc.produced[ct] += c.storeBytes;
    acc.hbmEjected[dst] += c.storeBytes;
    hbmStores += c.storeBytes;
    storeHops = Math.max(storeHops, hops);
    counts.hbmWriteBytes += c.storeBytes;
    epilogue = Math.max(epilogue, c.storeBytes * firstCpb + hops * hopLat);
  }
  w$.sums[STORE_HBM] = hbmStores;
  w$.sums[STORE_HOPS] = storeHops;
  w$.sums[EPILOGUE] = epilogue;
}

/** MACs and vector ops of the wave's tiles, by class. */
function countOps(classes: readonly ClassSummary[], counts: EventCounts, w$: WaveScratch, n: number): void {
  if (w$.classTally.length < classes.length) w$.classTally = new Int32Array(2 * classes.length);
  const tally = w$.classTally, waveClass = w$.waveClass;
  tally.fill(0, 0, classes.length);
  for (let i = 0; i < n; i++) tally[waveClass[i]]++;
  for (let ci = 0; ci < classes.length; ci++) {
    const c = classes[ci], k = tally[ci];
    counts.macs.int8 += c.macs.int8 * k;
    counts.macs.fp16 += c.macs.fp16 * k;
    counts.macs.fp32 += c.macs.fp32 * k;
    counts.vectorOps += c.vectorOps * k;
  }
}

/** The wave's compute (and stores) per tile on the trace, chunked like the loads. */
function traceWave(
  tb: TraceBuilder, chip: ChipConfig, mesh: Mesh, classes: readonly ClassSummary[], sramOnly: boolean, w$: WaveScratch, n: number,
  opIdx: number, t: number, prologue: number, steady: number, epilogue: number,
): void {
  for (let i = 0; i < n; i++) {
    const c = classes[w$.waveClass[i]];
    const tile = w$.waveTile[i];
    const chunks = traceChunks(tb, c);
    const dur = w$.waveCompute[i] / chunks;
    const kind = c.macs.int8 + c.macs.fp16 + c.macs.fp32 > 0 ? EVENT_KIND.mac : EVENT_KIND.vector;
    const stride = steady / chunks;
    for (let j = 0; j < chunks; j++) {
      const s = t + prologue + j * Math.max(stride, dur);
      tb.push(kind, tile, -1, s, s + dur, 0, opIdx);
    }
    if (c.storeBytes > 0 && !sramOnly) {
      const port = mesh.nearestPort[tile];
      const s = t + prologue + steady;
      tb.push(EVENT_KIND.noc, mesh.ports[port].tile, tile, s, s + epilogue, c.storeBytes, opIdx);
      tb.push(EVENT_KIND.hbmWrite, tile, -1 - port, s, s + epilogue, c.storeBytes, opIdx);
    }
  }
}
