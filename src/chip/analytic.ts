// The analytic (fluid) timing of one pass: per wave, prologue (first block of every operand) +
// steady state (the busiest resource: the slowest tile's MAC array + vector unit, the HBM, every
// directed NoC link) + epilogue (the output block). This pass also counts every byte (HBM, NoC
// byte-hops per directed link, SRAM), MAC and vector op, and the SRAM fit, none of which depend on
// timing, so the event path (events.ts) only replaces the cycles.

import { tileCount } from '../kernels/plan.ts';
import { routeXY, type Mesh } from './mesh.ts';
import { fillWave, homeTile, placeWave, type PassLayout } from './placement.ts';
import { classLookup, classTiles, loadGroups } from './summary.ts';
import { traceChunks, traceLoad, type TraceBuilder } from './trace.ts';
import { EVENT_KIND, type Bound, type ChipConfig, type EventCounts, type FitReport, type PassSimResult } from './types.ts';

/** What the analytic pass accumulates over a run (bytes per link and tile, busy cycles, counts, trace). */
export interface Acc {
  mesh: Mesh;
  linkBytes: Float64Array;
  tileBusy: Float64Array;
  hbmInjected: Float64Array;
  hbmEjected: Float64Array;
  delivered: Float64Array;
  produced: Float64Array;
  counts: EventCounts;
  trace: TraceBuilder | null;
  /** Resident tensors held on chip by the caller's fusion (SimOptions.held), and the HBM reads they would have taken. */
  held: ReadonlySet<string> | null;
  heldHbmReadBytes: number;
}

export interface AnalyticPass extends PassSimResult {
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

  const classAt = classLookup(classes);

  const tb = acc.trace;
  const opIdx = tb ? tb.opIndex(pass.label) : 0;
  const linkLoad = new Float64Array(nTiles * 4); // load bytes per directed link in the wave
  const storeLoad = new Float64Array(nTiles * 4); // store bytes per directed link in the wave
  const stamp = new Int32Array(nTiles * 4);
  let stampId = 0;
  const linkIters = new Float64Array(nTiles * 4);
  const treeLinks: number[] = [];
  // the routing visitors, made once per pass (not one closure per routed block): they read the
  // current member's iterations and the current store's bytes from these
  let memberIt = 0, storeBytes = 0;
  const visitTree = (link: number) => {
    if (stamp[link] !== stampId) { stamp[link] = stampId; linkIters[link] = memberIt; treeLinks.push(link); }
    else if (memberIt > linkIters[link]) linkIters[link] = memberIt;
  };
  const visitStore = (link: number) => { storeLoad[link] += storeBytes; };
  const waveTile = new Int32Array(nTiles);
  const waveClass = new Int32Array(nTiles);
  const waveCompute = new Float64Array(nTiles); // MAC array + vector unit cycles of the wave's i-th tile
  let cyc = 0;
  let hbmBytesPass = 0;
  let linkBytesPass = 0;
  let boundNow: Bound = 'compute';
  let steadyByBound = { compute: 0, memory: 0, noc: 0 };
  let fillDrain = 0;

  const wx = new Int32Array(nTiles), wy = new Int32Array(nTiles), wz = new Int32Array(nTiles);
  for (let w = 0; w < waves; w++) {
    const n = fillWave(order[w], wx, wy, wz);
    placeWave(order[w], n, wx, wy, wz, mesh.rows, mesh.cols, waveTile, layout.region);
    linkLoad.fill(0);
    storeLoad.fill(0);
    let hbmWave = 0, hbmStores = 0, storeHops = 0;
    let computeMax = 0;
    let prologue = 0;
    let epilogue = 0;
    for (let i = 0; i < n; i++) {
      const x = wx[i], y = wy[i], z = wz[i];
      waveClass[i] = classAt(x, y, z);
      const cc = layout.macCycles(waveClass[i], x, y) + classes[waveClass[i]].vectorCycles;
      waveCompute[i] = cc;
      computeMax = Math.max(computeMax, cc);
      acc.tileBusy[waveTile[i]] += cc;
    }
    // loads: tiles that load the identical block (same tensor, coordinates equal except along the
    // load's shareAxes) form one multicast group, across tile classes too (loadGroups)
    const { groups, residentBytes, heldBytes } = loadGroups(classes, waveClass, n, wx, wy, wz, pass.grid, multicast, acc.held);
    counts.sramReadBytes += residentBytes;
    if (!sramOnly) acc.heldHbmReadBytes += heldBytes;
    let gi = 0;
    for (const g of groups) {
      gi++;
      const { bytes } = g;
      const first = waveTile[g.members[0]];
      // source of the block: the HBM port nearest the first destination, or (SRAM-only) a home tile
      let srcTile: number, port = -1;
      if (sramOnly) {
        srcTile = homeTile(gi, nTiles);
        acc.produced[srcTile] += bytes; // read out of the home tile's SRAM
        counts.sramReadBytes += bytes;
      } else {
        port = mesh.nearestPort[first];
        srcTile = mesh.ports[port].tile;
        hbmWave += bytes;
        counts.hbmReadBytes += bytes;
        acc.hbmInjected[srcTile] += bytes;
      }
      // a link of the tree carries the stream for as many iterations as the longest member behind it
      stampId++;
      treeLinks.length = 0;
      for (let k = 0; k < g.members.length; k++) {
        const i = g.members[k];
        const d = waveTile[i];
        const it = g.memberIters[k];
        memberIt = it;
        const hops = routeXY(mesh, srcTile, d, visitTree);
        const own = g.memberBytes[k];
        const c = classes[waveClass[i]];
        acc.delivered[d] += own;
        counts.sramWriteBytes += own;
        counts.sramReadBytes += own; // the MAC array reads the block once
        prologue = Math.max(prologue, c.blockBytes / firstBpc + hops * hopLat);
        if (tb) traceLoad(tb, chip, c, own, d, srcTile, port, hops, opIdx, t0 + cyc, k === 0);
      }
      const perIter = bytes / g.iters;
      for (let t = 0; t < treeLinks.length; t++) linkLoad[treeLinks[t]] += perIter * linkIters[treeLinks[t]];
    }
    // stores: to the nearest HBM port (or stay in the tile's SRAM on SRAM-only chips). A tile stores
    // its output block after its last iteration, so stores do not overlap the steady state: they
    // drain in the epilogue, as fast as the busiest link (several tiles' blocks converge on a port)
    // and the HBM allow, and never faster than one block's own transfer.
    for (let i = 0; i < n; i++) {
      const c = classes[waveClass[i]];
      if (c.storeBytes === 0) continue;
      counts.sramReadBytes += sramOnly ? 0 : c.storeBytes;
      if (sramOnly) { counts.sramWriteBytes += c.storeBytes; continue; }
      const ct = waveTile[i];
      const port = mesh.nearestPort[ct];
      const dst = mesh.ports[port].tile;
      storeBytes = c.storeBytes;
      const hops = routeXY(mesh, ct, dst, visitStore);
      acc.produced[ct] += c.storeBytes;
      acc.hbmEjected[dst] += c.storeBytes;
      hbmStores += c.storeBytes;
      storeHops = Math.max(storeHops, hops);
      counts.hbmWriteBytes += c.storeBytes;
      epilogue = Math.max(epilogue, c.storeBytes / firstBpc + hops * hopLat);
    }
    for (let ci = 0; ci < classes.length; ci++) {
      const c = classes[ci];
      let k = 0;
      for (let i = 0; i < n; i++) if (waveClass[i] === ci) k++;
      for (const d of ['int8', 'fp16', 'fp32'] as const) counts.macs[d] += c.macs[d] * k;
      counts.vectorOps += c.vectorOps * k;
    }
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
    steadyByBound = { ...steadyByBound, [boundNow]: steadyByBound[boundNow] + waveCycles };
    if (tb) {
      // compute (and stores) per tile, chunked like the loads
      for (let i = 0; i < n; i++) {
        const c = classes[waveClass[i]];
        const chunks = traceChunks(tb, c);
        const dur = waveCompute[i] / chunks;
        const kind = c.macs.int8 + c.macs.fp16 + c.macs.fp32 > 0 ? EVENT_KIND.mac : EVENT_KIND.vector;
        const stride = steady / chunks;
        for (let j = 0; j < chunks; j++) {
          const s = t0 + cyc + prologue + j * Math.max(stride, dur);
          tb.push(kind, waveTile[i], -1, s, s + dur, 0, opIdx);
        }
        if (c.storeBytes > 0 && !sramOnly) {
          const port = mesh.nearestPort[waveTile[i]];
          const s = t0 + cyc + prologue + steady;
          tb.push(EVENT_KIND.noc, mesh.ports[port].tile, waveTile[i], s, s + epilogue, c.storeBytes, opIdx);
          tb.push(EVENT_KIND.hbmWrite, waveTile[i], -1 - port, s, s + epilogue, c.storeBytes, opIdx);
        }
      }
    }
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
  return { label: pass.label, cycles: cyc, waves, planTiles, bound, roofline, cyclesByBound: steadyByBound, doubleBuffered, fillDrainCycles: fillDrain };
}

