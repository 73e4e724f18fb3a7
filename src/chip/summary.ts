// Tile-class summaries: a plan's tiles come in classes whose tiles run identical steps, so a class
// is summarised once per pass (bytes per tensor, MACs, loop iterations, working set, compute
// cycles) and every path (analytic, event, the transfer estimate) reads the same summaries.
// Also here: the one tile-class lookup and the one multicast key, shared by both timing paths.

import type { Dim3, Pass, Plan, Step } from '../kernels/plan.ts';
import { macArrayCycles } from './systolic.ts';
import type { ChipConfig, MacDType } from './types.ts';

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
  /** computeCycles split: MAC array (systolic schedule) and vector unit. */
  macCycles: number;
  vectorCycles: number;
}

/** Plan tiles in a class. */
export function classTiles(c: Pick<ClassSummary, 'x' | 'y' | 'z'>): number {
  return (c.x[1] - c.x[0]) * (c.y[1] - c.y[0]) * (c.z[1] - c.z[0]);
}

function iterationsOf(steps: readonly Step[]): number {
  let n = 0;
  for (const s of steps) if (s.kind === 'loop') n += s.count * Math.max(1, iterationsOf(s.body));
  return n;
}

export function summarise(chip: ChipConfig, plan: Plan, pass: Pass, resident: ReadonlySet<string>): ClassSummary[] {
  const elemBytes = new Map<string, number>();
  const tensorId = new Map<string, number>();
  plan.tensors.forEach((t, i) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    elemBytes.set(t.name, n > 0 ? Math.max(1, Math.round(t.bytes / n)) : 4);
    tensorId.set(t.name, i);
  });
  return pass.tiles.map((c) => {
    const loads = new Map<string, LoadSummary>();
    const macs: Record<MacDType, number> = { int8: 0, fp16: 0, fp32: 0 };
    let vectorOps = 0, storeBytes = 0, outElems = 0;
    const walk = (steps: readonly Step[], times: number) => {
      for (const s of steps) {
        if (s.kind === 'load') {
          const share = (s.shareAxes ?? []).map((a) => 'xyz'.indexOf(a));
          const key = `${s.tensor}|${share.join()}`;
          const l = loads.get(key) ?? { tensor: s.tensor, tensorId: tensorId.get(s.tensor) ?? 0, bytes: 0, shareAxes: share, resident: resident.has(s.tensor) };
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
    const macCycles = macArrayCycles(chip, macs, outElems);
    const vectorCycles = vectorOps / chip.tile.vectorOpsPerCycle;
    return {
      x: c.x, y: c.y, z: c.z, loads: ls, storeBytes, macs, vectorOps, iterations,
      blockBytes: streamed / iterations, residentBytes, outElems, computeCycles: macCycles + vectorCycles, macCycles, vectorCycles,
    };
  });
}

/** The summaries of every pass of a plan, built once per simulatePlan call. */
export function summarisePlan(chip: ChipConfig, plan: Plan, resident: ReadonlySet<string>): ClassSummary[][] {
  return plan.passes.map((pass) => summarise(chip, plan, pass, resident));
}

/**
 * The tile-class lookup: index of the class holding plan tile (x, y, z). Classes partition the grid
 * (plan.ts); a tile outside every class is a malformed plan and throws. Consecutive lookups mostly
 * hit the same class, so the last hit is tried first.
 */
export function classLookup(classes: readonly ClassSummary[]): (x: number, y: number, z: number) => number {
  let last = 0;
  const inside = (c: ClassSummary, x: number, y: number, z: number) =>
    x >= c.x[0] && x < c.x[1] && y >= c.y[0] && y < c.y[1] && z >= c.z[0] && z < c.z[1];
  return (x, y, z) => {
    if (last < classes.length && inside(classes[last], x, y, z)) return last;
    for (let i = 0; i < classes.length; i++) if (inside(classes[i], x, y, z)) return (last = i);
    throw new Error(`plan tile (${x}, ${y}, ${z}) is in no tile class: the plan's classes must partition its grid`);
  };
}

/**
 * The multicast key of load `li` of the i-th tile of a wave at plan coordinates (x, y, z): tiles that
 * load the identical block (same tensor, same coordinates except along the load's shareAxes) get
 * the same odd key; without multicast, or for an unshared load, the key is private to the tile (even).
 */
export function multicastKey(
  l: LoadSummary, li: number, i: number, x: number, y: number, z: number, grid: Dim3, multicast: boolean,
): number {
  if (!multicast || l.shareAxes.length === 0) return (i * 64 + li) * 2;
  const [gx, gy, gz] = grid;
  let cx = x, cy = y, cz = z;
  let mask = 0;
  for (const a of l.shareAxes) { mask |= 1 << a; if (a === 0) cx = -1; else if (a === 1) cy = -1; else cz = -1; }
  return ((((l.tensorId * 8 + mask) * (gz + 1) + cz + 1) * (gy + 1) + cy + 1) * (gx + 1) + cx + 1) * 2 + 1;
}
