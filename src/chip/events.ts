// The event-driven timing of the chip model: every block transfer, compute step and store of a
// plan, in program order, on busy resources. simulatePlan (sim.ts) uses it whenever the plan is
// small enough (EVENT_BUDGET_TRANSFERS), and builds the trace from these events' real cycles.
//
// Resources, each with a busy-until time (first come, first served in issue order):
//   - each directed NoC link (cut-through: all links of a route or multicast tree are held
//     together for bytes / link bandwidth; the data arrives hops x hop latency later);
//   - each tile's ejection port (a tile takes in one link's worth of bytes per cycle, so two
//     blocks arriving over different links still queue at the destination);
//   - each HBM stack (addresses interleave, so a block is served by all stacks in parallel, each
//     for its share at the stack's bandwidth);
//   - each tile's MAC array (MACs / rate + SCALE-Sim fill/drain per fold, spread over the loop's
//     iterations) and its vector unit (vector ops / rate). Iteration j runs on the MAC array, then
//     on the vector unit; the MAC array takes iteration j + 1 while the vector unit finishes j.
// The SRAM buffer rule: a block for iteration j may land once iteration j - 2 has finished when
// two blocks fit SRAM (double buffering, the fit report's decision), else once j - 1 has. A
// multicast block waits until every destination has a free buffer. Waves run one after another
// (a wave's stores finish before the next wave's first load). Cost grows with waves x iterations
// x (tiles + multicast groups x tree links), which is why sim.ts only calls this under a budget.
//
// Layering: this module imports only from below it (mesh, placement, summary, trace, types);
// sim.ts (simulatePlan) calls it.

import type { Plan } from '../kernels/plan.ts';
import { routeBuffer, routeLinks, type Mesh } from './mesh.ts';
import { fillWave, homeTile, placeWave, type PassLayout } from './placement.ts';
import { classTiles, loadGroups, summarisePlan, type ClassSummary } from './summary.ts';
import type { TraceBuilder } from './trace.ts';
import { EVENT_KIND, type Bound, type ChipConfig } from './types.ts';

/**
 * Plans with at most this many block transfers (per destination tile, loads and stores, all
 * passes; estimateTransfers) are timed event by event by default. Measured on this shared 2-core
 * machine (Node 20, warm): 2 to 8 M transfers/s on 4096-sized matmuls (cold or with many short
 * runs, 0.5 to 1 M/s), so the budget keeps one kernel run at roughly 0.1 to 0.25 s (the UI runs
 * one per preset for the roofline view). Larger plans use the analytic (fluid) model, with a note.
 */
export const EVENT_BUDGET_TRANSFERS = 500_000;

/** What the event run measured, beyond cycles: how long transfers waited for busy resources. */
export interface EventStats {
  transfers: number;
  /** Sum over transfers of cycles spent waiting for busy links or ejection ports after the data was ready. */
  linkWaitCycles: number;
  /** Sum over transfers of cycles spent waiting for a busy HBM stack. */
  hbmWaitCycles: number;
}

export interface EventRun extends EventStats {
  cycles: number;
  /** Bytes the simulated transfers moved over each directed link (tile*4 + dir), counted independently of sim.ts. */
  linkBytes: Float64Array;
  passCycles: number[];
  passBound: Bound[];
}

/** Upper bound on the block transfers (per destination) of a plan: the budget check. */
export function estimateTransfers(chip: ChipConfig, plan: Plan, resident: ReadonlySet<string>): number {
  return countTransfers(summarisePlan(chip, plan, resident));
}

/** estimateTransfers from summaries already built (simulatePlan builds them once). */
export function countTransfers(passClasses: readonly (readonly ClassSummary[])[]): number {
  let n = 0;
  for (const classes of passClasses) {
    for (const c of classes) {
      const streamed = c.loads.filter((l) => !l.resident).length;
      n += classTiles(c) * (c.iterations * streamed + (c.storeBytes > 0 ? 1 : 0));
    }
  }
  return n;
}

/** Upper bound on trace events per plan tile of a class (loads x 2, MAC + vector per iteration; store x 2). */
function eventsPerTile(c: ClassSummary): number {
  return c.iterations * (2 * c.loads.length + 2) + 2;
}

/** Merges q consecutive iterations into one trace event per slot (a tile's MAC array, a link transfer...). */
class Merger {
  s: Float64Array; e: Float64Array; b: Float64Array;
  constructor(n: number) {
    this.s = new Float64Array(n).fill(Infinity); this.e = new Float64Array(n); this.b = new Float64Array(n);
  }
  add(k: number, s: number, e: number, b: number): void {
    if (s < this.s[k]) this.s[k] = s;
    if (e > this.e[k]) this.e[k] = e;
    this.b[k] += b;
  }
  flush(k: number, tb: TraceBuilder, kind: number, tile: number, src: number, op: number): void {
    if (this.s[k] !== Infinity) tb.push(kind, tile, src, this.s[k], this.e[k], this.b[k], op);
    this.s[k] = Infinity; this.e[k] = 0; this.b[k] = 0;
  }
}

/**
 * Runs the event simulation of a placed plan. `doubleBuffered[p]` is the fit report's decision for
 * pass p; `trace` (optional) receives real event times (merged q iterations per event when the cap
 * would be exceeded, flagged `sampled`).
 */
export function runEvents(
  chip: ChipConfig, layouts: readonly PassLayout[], mesh: Mesh, multicast: boolean,
  doubleBuffered: readonly boolean[], trace: TraceBuilder | null,
): EventRun {
  const nTiles = mesh.rows * mesh.cols;
  const sramOnly = chip.hbm.stacks === 0;
  const linkBpc = chip.noc.linkBytesPerCycle;
  const hopLat = chip.noc.hopLatencyCycles;
  const nStacks = Math.max(1, chip.hbm.stacks);
  const stackBpc = sramOnly ? Infinity : chip.hbm.bandwidthBytesPerS / chip.hbm.stacks / chip.clockHz;
  const linkFree = new Float64Array(nTiles * 4), linkBusy = new Float64Array(nTiles * 4);
  const ejectFree = new Float64Array(nTiles), ejectBusy = new Float64Array(nTiles);
  const stackFree = new Float64Array(nStacks), stackBusy = new Float64Array(nStacks);
  const macFree = new Float64Array(nTiles), vecFree = new Float64Array(nTiles);
  const macBusy = new Float64Array(nTiles), vecBusy = new Float64Array(nTiles);
  const arrive = new Float64Array(nTiles);
  const doneA = new Float64Array(nTiles), doneB = new Float64Array(nTiles);
  const stamp = new Int32Array(nTiles * 4);
  let stampId = 0;
  const wx = new Int32Array(nTiles), wy = new Int32Array(nTiles), wz = new Int32Array(nTiles);
  const placed = new Int32Array(nTiles);
  const route = routeBuffer(mesh);
  const out: EventRun = { cycles: 0, linkBytes: new Float64Array(nTiles * 4), passCycles: [], passBound: [], transfers: 0, linkWaitCycles: 0, hbmWaitCycles: 0 };

  // trace: q iterations per event so that the whole run fits the cap
  let q = 1;
  if (trace) {
    let est = 0;
    for (const { classes } of layouts) for (const c of classes) est += eventsPerTile(c) * classTiles(c);
    q = Math.max(1, Math.ceil(est / Math.max(1, trace.cap)));
    if (q > 1) trace.sampled = true;
  }

  // a group's stream (loadGroups): destination k takes part while j < destIters[k], link l of the tree while j < linkIters[l]
  type Group = {
    bytes: number; iters: number; src: number; port: number; dests: number[]; destIters: number[]; hops: number[];
    links: number[]; linkIters: number[]; slot: number;
  };
  const linkIt = new Float64Array(nTiles * 4);
  let t = 0;
  layouts.forEach((layout, pi) => {
    const { pass, classes } = layout;
    const [gx, gy] = pass.grid;
    const passStart = t;
    const op = trace ? trace.opIndex(pass.label) : 0;
    const dbl = doubleBuffered[pi] ?? true;
    linkBusy.fill(0); ejectBusy.fill(0); stackBusy.fill(0); macBusy.fill(0); vecBusy.fill(0);
    for (const box of layout.order) {
      const n = fillWave(box, wx, wy, wz);
      placeWave(box, n, wx, wy, wz, mesh.rows, mesh.cols, placed, layout.region);
      const cls = new Int32Array(n);
      let maxIter = 0;
      const macPerIter = new Float64Array(n); // MAC-array cycles per loop iteration of the wave's i-th tile
      for (let i = 0; i < n; i++) {
        const cell = (wz[i] * gy + wy[i]) * gx + wx[i];
        cls[i] = layout.cells[cell];
        const c = classes[cls[i]];
        maxIter = Math.max(maxIter, c.iterations);
        macPerIter[i] = layout.macCycles[cell] / c.iterations;
      }
      // multicast groups: identical blocks (same tensor, same coordinates except along shareAxes), as in the analytic pass
      let slots = 0;
      const gl: Group[] = loadGroups(classes, cls, n, wx, wy, wz, pass.grid, multicast).groups.map((lg, gi) => {
        const g: Group = {
          bytes: lg.bytes, iters: lg.iters, src: -1, port: -1, dests: lg.members.map((i) => placed[i]), destIters: lg.memberIters,
          hops: [], links: [], linkIters: [], slot: slots,
        };
        if (sramOnly) g.src = homeTile(gi + 1, nTiles);
        else { g.port = mesh.nearestPort[g.dests[0]]; g.src = mesh.ports[g.port].tile; }
        stampId++;
        g.dests.forEach((d, k) => {
          const it = g.destIters[k];
          const hops = routeLinks(mesh, g.src, d, route);
          for (let h = 0; h < hops; h++) {
            const l = route[h];
            if (stamp[l] !== stampId) { stamp[l] = stampId; linkIt[l] = it; g.links.push(l); }
            else if (it > linkIt[l]) linkIt[l] = it;
          }
          g.hops.push(hops);
        });
        g.linkIters = g.links.map((l) => linkIt[l]);
        slots += 1 + g.dests.length;
        return g;
      });
      const tileSlot = slots; // MAC slot tileSlot + 2i, vector slot tileSlot + 2i + 1
      const merge = trace ? new Merger(slots + 2 * n) : null;
      const waveStart = t;
      for (let i = 0; i < n; i++) {
        const ti = placed[i];
        macFree[ti] = Math.max(macFree[ti], waveStart);
        vecFree[ti] = Math.max(vecFree[ti], waveStart);
        ejectFree[ti] = Math.max(ejectFree[ti], waveStart);
        doneA[ti] = doneB[ti] = waveStart;
      }
      for (let j = 0; j < maxIter; j++) {
        for (let i = 0; i < n; i++) arrive[placed[i]] = waveStart;
        // buffer rule: double-buffered loads wait for iteration j - 2 (slot j % 2), single for j - 1
        const bufRule = dbl ? (j % 2 === 0 ? doneA : doneB) : (j % 2 === 0 ? doneB : doneA);
        for (const g of gl) {
          if (j >= g.iters) continue;
          const b = g.bytes / g.iters;
          let ready = waveStart;
          for (let k = 0; k < g.dests.length; k++) if (j < g.destIters[k] && bufRule[g.dests[k]] > ready) ready = bufRule[g.dests[k]];
          let th = ready, hbmDone = ready;
          if (!sramOnly) {
            const per = b / nStacks / stackBpc;
            for (let s = 0; s < nStacks; s++) {
              const s0 = Math.max(ready, stackFree[s]);
              stackFree[s] = s0 + per;
              stackBusy[s] += per;
              if (s0 > th) th = s0;
              if (stackFree[s] > hbmDone) hbmDone = stackFree[s];
            }
            out.hbmWaitCycles += th - ready;
          }
          let ts = th;
          for (let x = 0; x < g.links.length; x++) if (j < g.linkIters[x] && linkFree[g.links[x]] > ts) ts = linkFree[g.links[x]];
          for (let k = 0; k < g.dests.length; k++) if (j < g.destIters[k] && ejectFree[g.dests[k]] > ts) ts = ejectFree[g.dests[k]];
          out.linkWaitCycles += ts - th;
          const dur = b / linkBpc;
          for (let x = 0; x < g.links.length; x++) {
            if (j >= g.linkIters[x]) continue;
            const l = g.links[x];
            linkFree[l] = ts + dur; linkBusy[l] += dur; out.linkBytes[l] += b;
          }
          for (let k = 0; k < g.dests.length; k++) {
            if (j >= g.destIters[k]) continue;
            const d = g.dests[k];
            ejectFree[d] = ts + dur;
            ejectBusy[d] += dur;
            const at = Math.max(ts + dur + g.hops[k] * hopLat, hbmDone);
            if (at > arrive[d]) arrive[d] = at;
            if (merge) merge.add(g.slot + 1 + k, ts, at, b);
          }
          if (merge && !sramOnly) merge.add(g.slot, th, hbmDone, b);
          out.transfers++;
          if (merge) {
            const last = j % q === q - 1;
            if (!sramOnly && (last || j === g.iters - 1)) merge.flush(g.slot, trace!, EVENT_KIND.hbmRead, g.src, -1 - g.port, op);
            for (let k = 0; k < g.dests.length; k++)
              if (last || j === g.destIters[k] - 1) merge.flush(g.slot + 1 + k, trace!, g.hops[k] > 0 ? EVENT_KIND.noc : EVENT_KIND.sram, g.dests[k], g.src, op);
          }
        }
        const done = j % 2 === 0 ? doneA : doneB;
        for (let i = 0; i < n; i++) {
          const c = classes[cls[i]];
          if (j >= c.iterations) continue;
          const ti = placed[i];
          const macC = macPerIter[i], vecC = c.vectorCycles / c.iterations;
          const s = Math.max(arrive[ti], macFree[ti]);
          const me = s + macC;
          macFree[ti] = me;
          macBusy[ti] += macC;
          const vs = Math.max(me, vecFree[ti]);
          const ve = vs + vecC;
          if (vecC > 0) { vecFree[ti] = ve; vecBusy[ti] += vecC; }
          done[ti] = Math.max(me, vecC > 0 ? ve : me);
          if (!dbl) (j % 2 === 0 ? doneB : doneA)[ti] = done[ti];
          if (merge) {
            if (macC > 0) merge.add(tileSlot + 2 * i, s, me, 0);
            if (vecC > 0) merge.add(tileSlot + 2 * i + 1, vs, ve, 0);
            if (j % q === q - 1 || j === c.iterations - 1) {
              merge.flush(tileSlot + 2 * i, trace!, EVENT_KIND.mac, ti, -1, op);
              merge.flush(tileSlot + 2 * i + 1, trace!, EVENT_KIND.vector, ti, -1, op);
            }
          }
        }
      }
      // stores: each tile's output block to the nearest HBM port (SRAM-only chips keep it)
      let end = waveStart;
      for (let i = 0; i < n; i++) {
        const c = classes[cls[i]];
        const ti = placed[i];
        const finished = Math.max(macFree[ti], c.vectorCycles > 0 ? vecFree[ti] : 0);
        if (finished > end) end = finished;
        if (c.storeBytes === 0 || sramOnly) continue;
        const p = mesh.nearestPort[ti];
        const dst = mesh.ports[p].tile;
        const hops = routeLinks(mesh, ti, dst, route);
        let ts = finished;
        for (let h = 0; h < hops; h++) if (linkFree[route[h]] > ts) ts = linkFree[route[h]];
        out.linkWaitCycles += ts - finished;
        const dur = c.storeBytes / linkBpc;
        for (let h = 0; h < hops; h++) { const l = route[h]; linkFree[l] = ts + dur; linkBusy[l] += dur; out.linkBytes[l] += c.storeBytes; }
        const landed = ts + hops * hopLat;
        let hbmDone = landed, h0 = Infinity;
        const per = c.storeBytes / nStacks / stackBpc;
        for (let s = 0; s < nStacks; s++) {
          const s0 = Math.max(landed, stackFree[s]);
          if (s0 < h0) h0 = s0;
          stackFree[s] = s0 + per;
          stackBusy[s] += per;
          if (stackFree[s] > hbmDone) hbmDone = stackFree[s];
        }
        const e = Math.max(ts + dur + hops * hopLat, hbmDone);
        if (e > end) end = e;
        if (trace) {
          trace.push(EVENT_KIND.noc, dst, ti, ts, ts + dur + hops * hopLat, c.storeBytes, op);
          trace.push(EVENT_KIND.hbmWrite, dst, -1 - p, h0, e, c.storeBytes, op);
        }
        out.transfers++;
      }
      t = end;
    }
    out.passCycles.push(t - passStart);
    // the bound of the pass: the busiest resource of its kind
    let comp = 0, mem = 0, noc = 0;
    for (let i = 0; i < nTiles; i++) comp = Math.max(comp, macBusy[i], vecBusy[i]);
    for (let s = 0; s < nStacks; s++) mem = Math.max(mem, stackBusy[s]);
    for (let l = 0; l < linkBusy.length; l++) if (linkBusy[l] > noc) noc = linkBusy[l];
    for (let i = 0; i < nTiles; i++) if (ejectBusy[i] > noc) noc = ejectBusy[i];
    out.passBound.push(comp >= mem && comp >= noc ? 'compute' : mem >= noc ? 'memory' : 'noc');
  });
  out.cycles = t;
  return out;
}
