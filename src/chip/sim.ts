// The chip model: places a Plan's tiles on the tile grid and simulates it.
//
// How it is fast: plan tiles are grouped into classes whose tiles run identical steps, so a
// class is summarised once (bytes per tensor, MACs, loop iterations, working set). Plan tiles
// are placed on chip tiles in waves (time-multiplexed when the plan has more tiles than the
// chip). Within a wave every tile streams its blocks in lockstep, so the steady state is set by
// the busiest resource: the MAC array / vector unit of the slowest tile, the HBM (address-
// interleaved over its channels), and every directed NoC link (XY routes, multicast trees).
// A wave lasts prologue (first block of every operand: bytes / min(link, HBM) + hops x latency) + steady (max over resources
// when double-buffered, compute + transfer when not) + epilogue (the output block's store, same form). This is
// a fluid (bottleneck) model of the contention, exact for lockstep streaming; the trace expands
// it into events only as far as the trace cap allows.
//
// Timing: this pass always runs (it counts bytes, energy events, link loads and the SRAM fit, none
// of which depend on timing). When the plan has at most EVENT_BUDGET_TRANSFERS block transfers
// (or `timing: 'event'`), the cycles, per-pass bounds and the trace come instead from the event
// simulation in events.ts (every transfer on busy links, ejection ports, HBM stacks, MAC arrays
// and vector units); SimResult.timing says which. Whole-model runs ask for 'analytic' (speed).
//
// Compute follows SCALE-Sim's output-stationary model: a fold of an R x C array over T
// reduction steps takes 2R + C + T - 2 cycles, i.e. MACs / rate plus (2R + C - 2) fill and drain
// per fold; a tile's output block of E elements takes ceil(E / (R*C)) folds.

import type { Pass, Plan, Step } from '../kernels/plan.ts';
import { tileCount } from '../kernels/plan.ts';
import { buildMesh, routeXY, type Mesh } from './mesh.ts';
import { EVENT_BUDGET_TRANSFERS, estimateTransfers, runEvents, type EventRun } from './events.ts';
import {
  type Bound,
  type ChipConfig,
  type Dataflow,
  type EnergyBreakdown,
  type EventCounts,
  type FitReport,
  type MacDType,
  type PassSimResult,
  type SimResult,
  type Trace,
  EVENT_KIND,
} from './types.ts';

export interface SimOptions {
  dataflow?: Dataflow;
  /** Multicast shared blocks (default: what the chip supports). */
  multicast?: boolean;
  /** Trace event cap; 0 = no events (aggregates are still filled). Default 200k. */
  maxTraceEvents?: number;
  /** Tensors (by name) already resident in SRAM: loads cost SRAM reads, no HBM or NoC. */
  resident?: readonly string[];
  /** SRAM bytes per tile already taken by pinned data (whole-model weights, KV cache); overrides the plan's own. */
  pinnedBytesPerTile?: number;
  /**
   * 'event': time every block transfer on busy links, ejection ports, HBM stacks, MAC arrays and
   * vector units (events.ts); 'analytic': the fluid per-wave model below; 'auto' (default): event
   * when the plan has at most `maxEventTransfers` block transfers, else analytic with a note.
   */
  timing?: 'auto' | 'event' | 'analytic';
  /** Budget for 'auto' (default EVENT_BUDGET_TRANSFERS = 500k block transfers). */
  maxEventTransfers?: number;
}

export const DEFAULT_MAX_TRACE_EVENTS = 200_000;

const MAC_DTYPE: Record<'f32' | 'f16' | 'int8', MacDType> = { f32: 'fp32', f16: 'fp16', int8: 'int8' };

export interface LoadSummary {
  tensor: string;
  /** Index of the tensor in the plan (for numeric multicast keys). */
  tensorId: number;
  /** Bytes per tile over the whole step program. */
  bytes: number;
  shareAxes: number[];
  resident: boolean;
}

export interface ClassSummary {
  x: [number, number];
  y: [number, number];
  z: [number, number];
  loads: LoadSummary[];
  storeBytes: number;
  macs: Record<MacDType, number>;
  vectorOps: number;
  iterations: number;
  /** Streamed (non-resident) load bytes per iteration. */
  blockBytes: number;
  residentBytes: number;
  outElems: number;
  computeCycles: number;
  /** computeCycles split: MAC array (MACs / rate + fill/drain) and vector unit. */
  macCycles: number;
  vectorCycles: number;
}

function iterationsOf(steps: readonly Step[]): number {
  let n = 0;
  for (const s of steps) if (s.kind === 'loop') n += s.count * Math.max(1, iterationsOf(s.body));
  return n;
}

export function summarise(chip: ChipConfig, plan: Plan, pass: Pass, resident: ReadonlySet<string>): ClassSummary[] {
  const elemBytes = new Map<string, number>();
  for (const t of plan.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    elemBytes.set(t.name, n > 0 ? Math.max(1, Math.round(t.bytes / n)) : 4);
  }
  const { rows: aR, cols: aC } = chip.tile.macArray;
  return pass.tiles.map((c) => {
    const loads = new Map<string, LoadSummary>();
    const macs: Record<MacDType, number> = { int8: 0, fp16: 0, fp32: 0 };
    let vectorOps = 0, storeBytes = 0, outElems = 0;
    const walk = (steps: readonly Step[], times: number) => {
      for (const s of steps) {
        if (s.kind === 'load') {
          const share = (s.shareAxes ?? []).map((a) => 'xyz'.indexOf(a));
          const key = `${s.tensor}|${share.join()}`;
          const l = loads.get(key) ?? { tensor: s.tensor, tensorId: Math.max(0, plan.tensors.findIndex((t) => t.name === s.tensor)), bytes: 0, shareAxes: share, resident: resident.has(s.tensor) };
          l.bytes += s.bytes * times;
          loads.set(key, l);
        } else if (s.kind === 'store') {
          storeBytes += s.bytes * times;
          outElems += (s.bytes * times) / (elemBytes.get(s.tensor) ?? 4);
        } else if (s.kind === 'mac') macs[MAC_DTYPE[s.dtype]] += s.count * times;
        else if (s.kind === 'vector') vectorOps += s.count * times;
        else walk(s.body, times * s.count);
      }
    };
    walk(c.steps, 1);
    const iterations = Math.max(1, iterationsOf(c.steps));
    const ls = [...loads.values()];
    const streamed = ls.filter((l) => !l.resident).reduce((a, l) => a + l.bytes, 0);
    const residentBytes = ls.filter((l) => l.resident).reduce((a, l) => a + l.bytes, 0);
    const anyMacs = macs.int8 + macs.fp16 + macs.fp32 > 0;
    const folds = anyMacs ? Math.max(1, Math.ceil(outElems / (aR * aC))) : 0;
    const macCycles =
      macs.int8 / chip.tile.macsPerCycle.int8 +
      macs.fp16 / chip.tile.macsPerCycle.fp16 +
      macs.fp32 / chip.tile.macsPerCycle.fp32 +
      folds * (2 * aR + aC - 2);
    const vectorCycles = vectorOps / chip.tile.vectorOpsPerCycle;
    return {
      x: c.x, y: c.y, z: c.z, loads: ls, storeBytes, macs, vectorOps, iterations,
      blockBytes: streamed / iterations, residentBytes, outElems, computeCycles: macCycles + vectorCycles, macCycles, vectorCycles,
    };
  });
}

/** Fill + drain cycles of one output-stationary fold (SCALE-Sim): 2R + C - 2. */
export function foldOverheadCycles(chip: ChipConfig): number {
  return 2 * chip.tile.macArray.rows + chip.tile.macArray.cols - 2;
}

interface Acc {
  mesh: Mesh;
  linkBytes: Float64Array;
  tileBusy: Float64Array;
  hbmInjected: Float64Array;
  hbmEjected: Float64Array;
  delivered: Float64Array;
  produced: Float64Array;
  counts: EventCounts;
  trace: TraceBuilder | null;
}

export class TraceBuilder {
  count = 0;
  sampled = false;
  truncated = false;
  kind: Uint8Array; tile: Int32Array; src: Int32Array; start: Float64Array; end: Float64Array; bytes: Float64Array; op: Uint16Array;
  opNames: string[] = [];
  constructor(readonly cap: number) {
    const n = Math.min(cap, 4096);
    this.kind = new Uint8Array(n); this.tile = new Int32Array(n); this.src = new Int32Array(n);
    this.start = new Float64Array(n); this.end = new Float64Array(n); this.bytes = new Float64Array(n); this.op = new Uint16Array(n);
  }
  opIndex(name: string): number {
    let i = this.opNames.indexOf(name);
    if (i < 0) { i = this.opNames.length; this.opNames.push(name); }
    return i;
  }
  private grow(): void {
    const n = Math.min(this.cap, this.kind.length * 2);
    const g = <T extends Uint8Array | Int32Array | Float64Array | Uint16Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.kind = g(this.kind); this.tile = g(this.tile); this.src = g(this.src); this.start = g(this.start);
    this.end = g(this.end); this.bytes = g(this.bytes); this.op = g(this.op);
  }
  push(kind: number, tile: number, src: number, start: number, end: number, bytes: number, op: number): void {
    if (this.count >= this.cap) { this.truncated = true; return; }
    if (this.count >= this.kind.length) this.grow();
    const i = this.count++;
    this.kind[i] = kind; this.tile[i] = tile; this.src[i] = src; this.start[i] = start; this.end[i] = end; this.bytes[i] = bytes; this.op[i] = op;
  }
}

/** Energy from counted events and the table (the only place energy is computed). */
export function energyOf(chip: ChipConfig, c: EventCounts, timeS: number, chips = 1): EnergyBreakdown {
  const e = chip.energy;
  const pj = 1e-12;
  const mac = (c.macs.int8 * e.macPj.int8 + c.macs.fp16 * e.macPj.fp16 + c.macs.fp32 * e.macPj.fp32) * pj;
  const vector = c.vectorOps * e.vectorOpPj * pj;
  const sram = (c.sramReadBytes * e.sramReadPjPerByte + c.sramWriteBytes * e.sramWritePjPerByte) * pj;
  const noc = c.nocByteHops * e.nocPjPerByteHop * pj;
  const hbm = (c.hbmReadBytes + c.hbmWriteBytes) * e.hbmPjPerByte * pj;
  const scaleOut = c.scaleOutBytes * e.scaleOutPjPerByte * pj;
  const stat = e.staticW * timeS * chips;
  return { mac, vector, sram, noc, hbm, scaleOut, static: stat, total: mac + vector + sram + noc + hbm + scaleOut + stat };
}

export function emptyCounts(): EventCounts {
  return { macs: { int8: 0, fp16: 0, fp32: 0 }, vectorOps: 0, sramReadBytes: 0, sramWriteBytes: 0, nocByteHops: 0, hbmReadBytes: 0, hbmWriteBytes: 0, scaleOutBytes: 0 };
}

export function addCounts(a: EventCounts, b: EventCounts, times = 1): void {
  for (const d of ['int8', 'fp16', 'fp32'] as const) a.macs[d] += b.macs[d] * times;
  a.vectorOps += b.vectorOps * times;
  a.sramReadBytes += b.sramReadBytes * times;
  a.sramWriteBytes += b.sramWriteBytes * times;
  a.nocByteHops += b.nocByteHops * times;
  a.hbmReadBytes += b.hbmReadBytes * times;
  a.hbmWriteBytes += b.hbmWriteBytes * times;
  a.scaleOutBytes += b.scaleOutBytes * times;
}

/** Per-tile flow accounting (bytes), for conservation checks and the UI. */
export interface TileFlows {
  hbmInjected: Float64Array;
  hbmEjected: Float64Array;
  delivered: Float64Array;
  produced: Float64Array;
}

export function simulatePlan(chip: ChipConfig, plan: Plan, opts: SimOptions = {}): SimResult & { flows: TileFlows } {
  const mesh = buildMesh(chip);
  const nTiles = chip.grid.rows * chip.grid.cols;
  const multicast = opts.multicast ?? chip.noc.multicast;
  const dataflow: Dataflow = opts.dataflow ?? 'output-stationary';
  const cap = opts.maxTraceEvents ?? DEFAULT_MAX_TRACE_EVENTS;
  const notes: string[] = [];
  const fit: FitReport = { fits: true, workingSetBytes: 0, doubleBuffered: true, pinnedBytesPerTile: 0, messages: [] };

  // Which tensors are served from SRAM.
  const resident = new Set(opts.resident ?? []);
  const sramOnly = chip.hbm.stacks === 0;
  if (dataflow === 'weight-stationary' || sramOnly) {
    // weight-stationary: weights pinned in the SRAM of the tiles that use them (local reads);
    // SRAM-only chips: every input lives in some tile's SRAM and streams from there over the NoC.
    const pinRoles = sramOnly ? ['weight', 'kv-cache', 'input', 'scratch'] : ['weight'];
    const pin = plan.tensors.filter((t) => pinRoles.includes(t.role) && !resident.has(t.name));
    fit.pinnedBytesPerTile = pin.reduce((a, t) => a + t.bytes, 0) / nTiles;
    if (!sramOnly) for (const t of pin) resident.add(t.name);
  }
  if (opts.pinnedBytesPerTile !== undefined) fit.pinnedBytesPerTile = opts.pinnedBytesPerTile;
  if (sramOnly) notes.push(`${chip.name} has no HBM: every input is held in tile SRAM (spread evenly) and outputs stay on chip`);

  // event-driven timing when the plan is small enough; the analytic pass below still counts bytes,
  // energy events, link loads and the fit (they do not depend on timing)
  const mode = opts.timing ?? 'auto';
  const budget = opts.maxEventTransfers ?? EVENT_BUDGET_TRANSFERS;
  let useEvents = mode === 'event';
  if (mode === 'auto') {
    const est = estimateTransfers(chip, plan, resident);
    useEvents = est <= budget;
    if (!useEvents) notes.push(`timing: analytic (fluid) model: ${est} block transfers exceed the event-simulation budget of ${budget}`);
  }

  const acc: Acc = {
    mesh,
    linkBytes: new Float64Array(nTiles * 4),
    tileBusy: new Float64Array(nTiles),
    hbmInjected: new Float64Array(nTiles),
    hbmEjected: new Float64Array(nTiles),
    delivered: new Float64Array(nTiles),
    produced: new Float64Array(nTiles),
    counts: emptyCounts(),
    trace: cap > 0 && !useEvents ? new TraceBuilder(cap) : null,
  };

  const passes: PassSimResult[] = [];
  let cycles = 0;
  let macTime = 0;
  const roof = { compute: 0, memory: 0, noc: 0 };
  const cyclesByBound = { compute: 0, memory: 0, noc: 0 };
  const passDbl: boolean[] = [];
  for (const pass of plan.passes) {
    const { doubleBuffered, ...r } = simulatePass(chip, plan, pass, resident, multicast, sramOnly, acc, fit, cycles);
    passDbl.push(doubleBuffered);
    passes.push(r);
    cycles += r.cycles;
    roof.compute += r.roofline.compute;
    roof.memory += r.roofline.memory;
    roof.noc += r.roofline.noc;
    for (const b of ['compute', 'memory', 'noc'] as const) cyclesByBound[b] += r.cyclesByBound[b];
  }
  let ev: EventRun | null = null;
  if (useEvents) {
    acc.trace = cap > 0 ? new TraceBuilder(cap) : null;
    ev = runEvents(chip, plan, mesh, resident, multicast, passDbl, acc.trace);
    cycles = ev.cycles;
    for (const b of ['compute', 'memory', 'noc'] as const) cyclesByBound[b] = 0;
    passes.forEach((p, i) => {
      p.cycles = ev!.passCycles[i];
      p.bound = ev!.passBound[i];
      cyclesByBound[p.bound] += p.cycles;
    });
  }
  if (!fit.fits) notes.push(...fit.messages);
  const c = acc.counts;
  for (const d of ['int8', 'fp16', 'fp32'] as const) macTime += c.macs[d] / chip.tile.macsPerCycle[d];
  const timeS = cycles / chip.clockHz;
  const energy = energyOf(chip, c, timeS);
  // the bound is what limited the simulated waves (cycles spent under each), not the roofline
  const cb = cyclesByBound;
  const bound: Bound = cb.compute >= cb.memory && cb.compute >= cb.noc ? 'compute' : cb.memory >= cb.noc ? 'memory' : 'noc';
  const tileUtilization = new Float64Array(nTiles);
  for (let t = 0; t < nTiles; t++) tileUtilization[t] = cycles > 0 ? acc.tileBusy[t] / cycles : 0;
  const tb = acc.trace;
  const trace: Trace = {
    rows: chip.grid.rows, cols: chip.grid.cols, cycles, clockHz: chip.clockHz, hbmPorts: mesh.ports,
    count: tb?.count ?? 0,
    kind: tb ? tb.kind.subarray(0, tb.count) : new Uint8Array(0),
    tile: tb ? tb.tile.subarray(0, tb.count) : new Int32Array(0),
    src: tb ? tb.src.subarray(0, tb.count) : new Int32Array(0),
    start: tb ? tb.start.subarray(0, tb.count) : new Float64Array(0),
    end: tb ? tb.end.subarray(0, tb.count) : new Float64Array(0),
    bytes: tb ? tb.bytes.subarray(0, tb.count) : new Float64Array(0),
    op: tb ? tb.op.subarray(0, tb.count) : new Uint16Array(0),
    opNames: tb?.opNames ?? [],
    sampled: tb?.sampled ?? false,
    truncated: tb?.truncated ?? false,
    linkBytes: acc.linkBytes,
    tileBusyCycles: acc.tileBusy,
  };
  if (trace.sampled) notes.push(ev ? 'trace sampled: several consecutive loop iterations merged per event (real event times)' : 'trace sampled: several loop iterations per event');
  if (trace.truncated) notes.push(`trace truncated at ${cap} events`);
  return {
    chip: chip.name,
    plan: { kernel: plan.kernel, variant: plan.variant, params: plan.params },
    dataflow, multicast, timing: ev ? 'event' : 'analytic', cycles, timeS,
    utilization: cycles > 0 ? macTime / (nTiles * cycles) : 0,
    tileUtilization,
    bytes: {
      hbm: c.hbmReadBytes + c.hbmWriteBytes, hbmRead: c.hbmReadBytes, hbmWrite: c.hbmWriteBytes,
      noc: c.nocByteHops, sram: c.sramReadBytes + c.sramWriteBytes,
    },
    counts: c,
    energyJ: energy.total,
    energyByLevel: energy,
    bound, roofline: roof, passes, fit, trace, notes,
    ...(ev ? { events: { transfers: ev.transfers, linkWaitCycles: ev.linkWaitCycles, hbmWaitCycles: ev.hbmWaitCycles, linkBytes: ev.linkBytes } } : {}),
    flows: { hbmInjected: acc.hbmInjected, hbmEjected: acc.hbmEjected, delivered: acc.delivered, produced: acc.produced },
  };
}

function simulatePass(
  chip: ChipConfig, plan: Plan, pass: Pass, resident: ReadonlySet<string>, multicast: boolean, sramOnly: boolean,
  acc: Acc, fit: FitReport, t0: number,
): PassSimResult & { cyclesByBound: Record<Bound, number>; doubleBuffered: boolean } {
  const { mesh, counts } = acc;
  const nTiles = mesh.rows * mesh.cols;
  const classes = summarise(chip, plan, pass, resident);
  const [gx, gy, gz] = pass.grid;
  const planTiles = tileCount(pass);
  const order = waveOrder(pass.grid, nTiles, classes[0], multicast);
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

  // class lookup per plan tile by coordinates
  const classAt = (x: number, y: number, z: number) => {
    for (let i = 0; i < classes.length; i++) {
      const c = classes[i];
      if (x >= c.x[0] && x < c.x[1] && y >= c.y[0] && y < c.y[1] && z >= c.z[0] && z < c.z[1]) return i;
    }
    return -1;
  };

  const tb = acc.trace;
  const opIdx = tb ? tb.opIndex(pass.label) : 0;
  const linkLoad = new Float64Array(nTiles * 4);
  const stamp = new Int32Array(nTiles * 4);
  let stampId = 0;
  const groups = new Map<number, { bytes: number; tensor: string; ci: number; dests: number[] }>();
  const waveTile = new Int32Array(nTiles);
  const waveClass = new Int32Array(nTiles);
  let cyc = 0;
  let hbmBytesPass = 0;
  let linkBytesPass = 0;
  let boundNow: Bound = 'compute';
  let steadyByBound = { compute: 0, memory: 0, noc: 0 };

  const wx = new Int32Array(nTiles), wy = new Int32Array(nTiles), wz = new Int32Array(nTiles);
  for (let w = 0; w < waves; w++) {
    const n = fillWave(order[w], wx, wy, wz);
    placeWave(order[w], n, wx, wy, wz, mesh.rows, mesh.cols, waveTile);
    linkLoad.fill(0);
    let hbmWave = 0;
    let computeMax = 0;
    let prologue = 0;
    let epilogue = 0;
    for (let i = 0; i < n; i++) {
      const x = wx[i], y = wy[i], z = wz[i];
      waveClass[i] = classAt(x, y, z);
      const c = classes[waveClass[i]];
      computeMax = Math.max(computeMax, c.computeCycles);
      acc.tileBusy[waveTile[i]] += c.computeCycles;
    }
    const addLink = (bytes: number) => (l: number) => { linkLoad[l] += bytes; };
    // loads: tiles that load the identical block (same tensor and bytes, coordinates equal except
    // along the load's shareAxes) form one multicast group, across tile classes too
    groups.clear();
    for (let i = 0; i < n; i++) {
      const ci = waveClass[i];
      const c = classes[ci];
      for (let li = 0; li < c.loads.length; li++) {
        const l = c.loads[li];
        if (l.resident) { counts.sramReadBytes += l.bytes; continue; }
        let key: number;
        if (multicast && l.shareAxes.length > 0) {
          // identical blocks: same tensor, same coordinates except along the share axes (numeric key)
          let cx = wx[i], cy = wy[i], cz = wz[i];
          let mask = 0;
          for (const a of l.shareAxes) { mask |= 1 << a; if (a === 0) cx = -1; else if (a === 1) cy = -1; else cz = -1; }
          key = ((((l.tensorId * 8 + mask) * (gz + 1) + cz + 1) * (gy + 1) + cy + 1) * (gx + 1) + cx + 1) * 2 + 1;
        } else key = (i * 64 + li) * 2; // even keys: private blocks
        const g = groups.get(key);
        if (g) g.dests.push(waveTile[i]); else groups.set(key, { bytes: l.bytes, tensor: l.tensor, ci, dests: [waveTile[i]] });
      }
    }
    let gi = 0;
    for (const g of groups.values()) {
      gi++;
      const { bytes, dests } = g;
      const c = classes[g.ci];
      // source of the block: the HBM port nearest the first destination, or (SRAM-only) a home tile
      let srcTile: number, port = -1;
      if (sramOnly) {
        srcTile = homeTile(gi, nTiles);
        acc.produced[srcTile] += bytes; // read out of the home tile's SRAM
        counts.sramReadBytes += bytes;
      } else {
        port = mesh.nearestPort[dests[0]];
        srcTile = mesh.ports[port].tile;
        hbmWave += bytes;
        counts.hbmReadBytes += bytes;
        acc.hbmInjected[srcTile] += bytes;
      }
      stampId++;
      for (const d of dests) {
        const hops = routeXY(mesh, srcTile, d, (link) => {
          if (stamp[link] !== stampId) { stamp[link] = stampId; linkLoad[link] += bytes; }
        });
        acc.delivered[d] += bytes;
        counts.sramWriteBytes += bytes;
        counts.sramReadBytes += bytes; // the MAC array reads the block once
        prologue = Math.max(prologue, c.blockBytes / firstBpc + hops * hopLat);
        if (tb) traceLoad(tb, chip, c, bytes, d, srcTile, port, hops, opIdx, t0 + cyc, dests[0] === d);
      }
    }
    // stores: to the nearest HBM port (or stay in the tile's SRAM on SRAM-only chips)
    for (let i = 0; i < n; i++) {
      const c = classes[waveClass[i]];
      if (c.storeBytes === 0) continue;
      counts.sramReadBytes += sramOnly ? 0 : c.storeBytes;
      if (sramOnly) { counts.sramWriteBytes += c.storeBytes; continue; }
      const ct = waveTile[i];
      const port = mesh.nearestPort[ct];
      const dst = mesh.ports[port].tile;
      const hops = routeXY(mesh, ct, dst, addLink(c.storeBytes));
      acc.produced[ct] += c.storeBytes;
      acc.hbmEjected[dst] += c.storeBytes;
      hbmWave += c.storeBytes;
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
    let linkMax = 0;
    for (let l = 0; l < linkLoad.length; l++) {
      const b = linkLoad[l];
      if (b > 0) {
        acc.linkBytes[l] += b;
        linkBytesPass += b;
        if (b > linkMax) linkMax = b;
      }
    }
    hbmBytesPass += hbmWave;
    const tHbm = hbmWave > 0 ? hbmWave / hbmBpc : 0;
    const tNoc = linkMax / linkBpc;
    const tMem = Math.max(tHbm, tNoc);
    const steady = doubleBuffered ? Math.max(computeMax, tMem) : computeMax + tMem;
    const waveCycles = prologue + steady + epilogue;
    boundNow = computeMax >= tMem ? 'compute' : tHbm >= tNoc ? 'memory' : 'noc';
    steadyByBound = { ...steadyByBound, [boundNow]: steadyByBound[boundNow] + waveCycles };
    if (tb) {
      // compute (and stores) per tile, chunked like the loads
      for (let i = 0; i < n; i++) {
        const c = classes[waveClass[i]];
        const chunks = traceChunks(tb, c);
        const dur = c.computeCycles / chunks;
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
    const k = (c.x[1] - c.x[0]) * (c.y[1] - c.y[0]) * (c.z[1] - c.z[0]);
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
  return { label: pass.label, cycles: cyc, waves, planTiles, bound, roofline, cyclesByBound: steadyByBound, doubleBuffered };
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

/** How many events a tile's loop is split into, given the trace budget left. */
function traceChunks(tb: TraceBuilder, c: ClassSummary): number {
  const left = tb.cap - tb.count;
  const per = 2 * c.loads.length + 1;
  // leave room for the rest of the run: at most 1/64 of what is left per tile
  const chunks = Math.max(1, Math.min(c.iterations, Math.floor(left / 64 / per)));
  if (chunks < c.iterations) tb.sampled = true;
  return chunks;
}

function traceLoad(
  tb: TraceBuilder, chip: ChipConfig, c: ClassSummary, bytes: number, dest: number, srcTile: number, port: number,
  hops: number, op: number, t: number, first: boolean,
): void {
  const chunks = traceChunks(tb, c);
  const b = bytes / chunks;
  const dur = b / chip.noc.linkBytesPerCycle + hops * chip.noc.hopLatencyCycles;
  const stride = Math.max(dur, c.computeCycles / chunks);
  for (let j = 0; j < chunks; j++) {
    const s = t + j * stride;
    if (first && port >= 0) tb.push(EVENT_KIND.hbmRead, srcTile, -1 - port, s, s + b / chip.noc.linkBytesPerCycle, b, op);
    if (hops > 0) tb.push(EVENT_KIND.noc, dest, srcTile, s, s + dur, b, op);
    else tb.push(EVENT_KIND.sram, dest, srcTile, s, s + dur, b, op);
  }
}
