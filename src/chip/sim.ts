// The chip model's entry point for one Plan: simulatePlan places the plan's tiles on the grid and
// times them. The work is split by layer (each module imports only from those below it):
//
//   types, mesh            config/result types; the tile mesh, HBM ports, XY routes
//   systolic               compute on a tile: the MAC array's schedule and the vector unit
//   summary                tile-class summaries (once per pass), the class lookup, the multicast key
//   placement              waves in time (waveOrder) and in space (placeWave), SRAM home tiles
//   trace, energy          the UI's event list; energy = counted events x the table
//   analytic               the fluid per-wave model; it also counts every byte, MAC and the SRAM fit
//   events                 the event-driven timing (every block transfer on busy resources)
//   sim (this file)        simulatePlan: options, data placement (resident / pinned tensors), the
//                          choice of timing path, the result
//
// Timing: the analytic pass always runs (bytes, energy events, link loads and the SRAM fit do not
// depend on timing). When the plan has at most EVENT_BUDGET_TRANSFERS block transfers (or
// `timing: 'event'`), the cycles, per-pass bounds and the trace come instead from the event
// simulation; SimResult.timing says which. Whole-model runs ask for 'analytic' (speed).

import type { Plan } from '../kernels/plan.ts';
import { Acc, simulatePass } from './analytic.ts';
import { mapPacked } from './arrays.ts';
import { energyOf } from './energy.ts';
import { EVENT_BUDGET_TRANSFERS, countTransfers, runEvents, type EventRun } from './events.ts';
import { buildMesh, type Mesh } from './mesh.ts';
import { layoutPass, type PassLayout } from './placement.ts';
import { summarisePlan } from './summary.ts';
import { TraceBuilder, finishTrace } from './trace.ts';
import type { Bound, ChipConfig, Dataflow, FitReport, PassSimResult, SimResult } from './types.ts';

// Re-exported for src/models, which imports them from here.
export { energyOf, emptyCounts, addCounts } from './energy.ts';

export interface SimOptions {
  dataflow?: Dataflow;
  /** Multicast shared blocks (default: what the chip supports). */
  multicast?: boolean;
  /** Trace event cap; 0 = no events (aggregates are still filled). Default 200k. */
  maxTraceEvents?: number;
  /** Tensors (by name) already resident in SRAM: loads cost SRAM reads, no HBM or NoC. */
  resident?: readonly string[];
  /**
   * Of `resident`, the tensors the caller holds in SRAM across ops (activations kept on chip by
   * fusion): SimResult.heldHbmReadBytes counts the HBM reads their loads would have taken,
   * streamed in this layout (each multicast block once per wave), i.e. what holding them saves.
   */
  held?: readonly string[];
  /** SRAM bytes per tile already taken by pinned data (whole-model weights, KV cache); overrides the plan's own. */
  pinnedBytesPerTile?: number;
  /**
   * 'event': time every block transfer on busy links, ejection ports, HBM stacks, MAC arrays and
   * vector units (events.ts); 'analytic': the fluid per-wave model (analytic.ts); 'auto' (default):
   * event when the plan has at most `maxEventTransfers` block transfers, else analytic with a note.
   */
  timing?: 'auto' | 'event' | 'analytic';
  /** Budget for 'auto' (default EVENT_BUDGET_TRANSFERS = 500k block transfers). */
  maxEventTransfers?: number;
}

export const DEFAULT_MAX_TRACE_EVENTS = 200_000;
/** Share of a pass's cycles in wave fill and drain from which the result notes it (a placement reason). */
export const FILL_DRAIN_NOTE = 0.1;

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
  const dataflow: Dataflow = opts.dataflow ?? chip.tile.dataflow ?? 'output-stationary';
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
  const passClasses = summarisePlan(chip, plan, resident, dataflow); // once per pass, read by every path below
  const mode = opts.timing ?? 'auto';
  const budget = opts.maxEventTransfers ?? EVENT_BUDGET_TRANSFERS;
  let useEvents = mode === 'event';
  if (mode === 'auto') {
    const est = countTransfers(passClasses);
    useEvents = est <= budget;
    if (!useEvents) notes.push(`timing: analytic (fluid) model: ${est} block transfers exceed the event-simulation budget of ${budget}`);
  }

  const acc = new Acc(mesh, cap > 0 && !useEvents ? new TraceBuilder(cap) : null, opts.held && opts.held.length > 0 ? new Set(opts.held) : null);

  const passes: PassSimResult[] = [];
  let cycles = 0;
  let macTime = 0;
  const roof = { compute: 0, memory: 0, noc: 0 };
  const cyclesByBound = { compute: 0, memory: 0, noc: 0 };
  const passDbl: boolean[] = [];
  // each pass's wave shape: the estimated best, or one of the next few by estimate when the fluid
  // model times it faster (a scratch accumulator: only the chosen layout is counted below)
  const layouts = mapPacked(plan.passes, (pass, pi) => fastestLayout(chip, mesh, layoutPass(chip, mesh, dataflow, pass, passClasses[pi], multicast), multicast, sramOnly, fit));
  for (const l of layouts) if (l.note) notes.push(l.note);
  for (const layout of layouts) {
    const { doubleBuffered, cyclesByBound: byBound, fillDrainCycles, result: r } = simulatePass(chip, layout, multicast, sramOnly, acc, fit, cycles);
    passDbl.push(doubleBuffered);
    passes.push(r);
    cycles += r.cycles;
    roof.compute += r.roofline.compute;
    roof.memory += r.roofline.memory;
    roof.noc += r.roofline.noc;
    for (const b of ['compute', 'memory', 'noc'] as const) cyclesByBound[b] += byBound[b];
    // a placement reason: waves whose blocks cannot reach the tiles as fast as they compute (the
    // routes from the HBM ports to where the placement put the tiles)
    if (byBound.noc > 0 && r.cycles > 0) {
      notes.push(`${r.label}: ${Math.round((100 * byBound.noc) / r.cycles)}% of the cycles in waves limited by the NoC links from the HBM ports to the placed tiles (not by compute or HBM)`);
    }
    if (!sramOnly && r.waves > 1 && fillDrainCycles >= FILL_DRAIN_NOTE * r.cycles) {
      notes.push(`${r.label}: ${Math.round((100 * fillDrainCycles) / r.cycles)}% of the cycles fill and drain the ${r.waves} waves (first blocks from the HBM ports, output stores converging on the ports' links): set by where the placement puts the tiles relative to the ports`);
    }
  }
  let ev: EventRun | null = null;
  if (useEvents) {
    acc.trace = cap > 0 ? new TraceBuilder(cap) : null;
    ev = runEvents(chip, layouts, mesh, multicast, passDbl, acc.trace);
    // a placement reason: the wave shapes and placements were chosen by the fluid model, which does
    // not see transfers queueing on links and HBM stacks
    if (ev.cycles > 1.01 * cycles) {
      notes.push(`placement chosen by the fluid model (${Math.round(cycles)} cycles); event by event its transfers waited ${Math.round(ev.linkWaitCycles)} cycles for busy links ` +
        `and ${Math.round(ev.hbmWaitCycles)} for HBM (summed over transfers): ${Math.round(ev.cycles)} cycles`);
    }
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
  const trace = finishTrace(acc.trace, chip, mesh, cycles, acc.linkBytes, acc.tileBusy);
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
    heldHbmReadBytes: acc.heldHbmReadBytes,
    counts: c,
    energyJ: energy.total,
    energyByLevel: energy,
    bound, roofline: roof, passes, fit, trace, notes,
    ...(ev ? { events: { transfers: ev.transfers, linkWaitCycles: ev.linkWaitCycles, hbmWaitCycles: ev.hbmWaitCycles, linkBytes: ev.linkBytes } } : {}),
    flows: { hbmInjected: acc.hbmInjected, hbmEjected: acc.hbmEjected, delivered: acc.delivered, produced: acc.produced },
  };
}

/** Of a pass layout and its alternatives (other wave shapes), the one the fluid model times fastest (ties: the first). */
function fastestLayout(chip: ChipConfig, mesh: Mesh, layout: PassLayout, multicast: boolean, sramOnly: boolean, fit: FitReport): PassLayout {
  const alts = layout.alternatives ?? [];
  if (alts.length === 0) return layout;
  const time = (l: PassLayout): number => {
    const scratch = new Acc(mesh);
    return simulatePass(chip, l, multicast, sramOnly, scratch, { ...fit, messages: [] }, 0).result.cycles;
  };
  let best = layout, bestT = time(layout);
  for (const a of alts) {
    const t = time(a);
    if (t < bestT * (1 - 1e-9)) { best = a; bestT = t; }
  }
  return best;
}
