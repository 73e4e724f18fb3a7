// Tile-class summaries: a plan's tiles come in classes whose tiles run identical steps, so a class
// is summarised once per pass (bytes per tensor, MACs, loop iterations, working set, compute
// cycles) and every path (analytic, event, the transfer estimate) reads the same summaries.
// Also here: the one tile-class lookup and the one multicast key, shared by both timing paths.

import type { Dim3, Pass, Plan, Step } from '../kernels/plan.ts';
import { grownCopy, mapPacked } from './arrays.ts';
import { gemmCycles, unshapedMacCycles, type GemmShape } from './systolic.ts';
import type { ChipConfig, Dataflow, MacDType } from './types.ts';

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
  /**
   * The tile's MAC work as a GEMM block (m x n outputs over k), when the steps say so: one operand
   * shared along x (A, m x k), one along y (B, k x n), m x n stored elements, m x n x k MACs of one
   * datatype (matmul, qkv, matmul-int8 plans). null otherwise (attention, naive kernels, vector-only).
   */
  gemm: GemmShape | null;
  /** MAC array + vector unit cycles of this plan tile run alone. */
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

/**
 * The GEMM block a tile's steps describe, or null: k = MACs / outputs; the largest load shared
 * along x only is A (m x k elements), the largest shared along y only is B (k x n); the three must
 * agree (m x n = outputs, whole numbers).
 */
function inferGemm(
  loads: readonly LoadSummary[], macs: Record<MacDType, number>, outElems: number, operandBytes: ReadonlyMap<string, number>,
): GemmShape | null {
  const dtypes = (['int8', 'fp16', 'fp32'] as const).filter((d) => macs[d] > 0);
  if (dtypes.length !== 1 || outElems <= 0) return null;
  const dtype = dtypes[0];
  const k = macs[dtype] / outElems;
  let a: LoadSummary | null = null, b: LoadSummary | null = null;
  for (const l of loads) {
    if (l.shareAxes.length !== 1) continue;
    if (l.shareAxes[0] === 0 && (!a || l.bytes > a.bytes)) a = l;
    if (l.shareAxes[0] === 1 && (!b || l.bytes > b.bytes)) b = l;
  }
  if (!a || !b) return null;
  const m = a.bytes / (operandBytes.get(a.tensor) ?? 4) / k;
  const n = b.bytes / (operandBytes.get(b.tensor) ?? 4) / k;
  const whole = (v: number) => v >= 1 && Math.abs(v - Math.round(v)) < 1e-6;
  if (!whole(k) || !whole(m) || !whole(n) || Math.abs(Math.round(m) * Math.round(n) - outElems) > 1e-6 * outElems) return null;
  return { m: Math.round(m), n: Math.round(n), k: Math.round(k), dtype };
}

export function summarise(
  chip: ChipConfig, plan: Plan, pass: Pass, resident: ReadonlySet<string>, dataflow: Dataflow = 'output-stationary',
): ClassSummary[] {
  const elemBytes = new Map<string, number>();
  const operandBytes = new Map<string, number>(); // bytes per element as the MAC array sees it (i8x4 packs 4)
  const tensorId = new Map<string, number>();
  plan.tensors.forEach((t, i) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    elemBytes.set(t.name, n > 0 ? Math.max(1, Math.round(t.bytes / n)) : 4);
    operandBytes.set(t.name, n > 0 ? Math.max(1, Math.round(t.bytes / n / (t.dtype === 'i8x4' ? 4 : 1))) : 4);
    tensorId.set(t.name, i);
  });
  return mapPacked(pass.tiles, (c) => {
    const loads = new Map<string, LoadSummary>();
    const macs: Record<MacDType, number> = { int8: 0, fp16: 0, fp32: 0 };
    let vectorOps = 0, storeBytes = 0, outElems = 0;
    const walk = (steps: readonly Step[], times: number) => {
      for (const s of steps) {
        if (s.kind === 'load') {
          const share = s.shareAxes ? mapPacked(s.shareAxes, (a) => 'xyz'.indexOf(a)) : [];
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
    const gemm = inferGemm(ls, macs, outElems, operandBytes);
    const macCycles = gemm ? gemmCycles(chip, dataflow, gemm) : unshapedMacCycles(chip, dataflow, macs, outElems);
    const vectorCycles = vectorOps / chip.tile.vectorOpsPerCycle;
    return {
      x: c.x, y: c.y, z: c.z, loads: ls, storeBytes, macs, vectorOps, iterations,
      blockBytes: streamed / iterations, residentBytes, outElems, gemm, computeCycles: macCycles + vectorCycles, macCycles, vectorCycles,
    };
  });
}

/** The summaries of every pass of a plan, built once per simulatePlan call. */
export function summarisePlan(
  chip: ChipConfig, plan: Plan, resident: ReadonlySet<string>, dataflow: Dataflow = 'output-stationary',
): ClassSummary[][] {
  return mapPacked(plan.passes, (pass) => summarise(chip, plan, pass, resident, dataflow));
}

/**
 * The tile-class lookup: the index of the class holding each plan tile of a pass, at
 * (z * gy + y) * gx + x (the index every per-tile table of a pass uses), built once per pass and read by every path. Classes
 * partition the grid (plan.ts); a tile outside every class is a malformed plan and throws.
 */
export function classGrid(classes: readonly ClassSummary[], grid: Dim3): Int32Array {
  const [gx, gy, gz] = grid;
  const out = new Int32Array(gx * gy * gz).fill(-1);
  // the first class holding a tile wins (written last)
  for (let ci = classes.length - 1; ci >= 0; ci--) {
    const c = classes[ci];
    const x0 = Math.max(0, c.x[0]), x1 = Math.min(gx, c.x[1]);
    for (let z = Math.max(0, c.z[0]); z < Math.min(gz, c.z[1]); z++)
      for (let y = Math.max(0, c.y[0]); y < Math.min(gy, c.y[1]); y++) {
        const row = (z * gy + y) * gx;
        if (x1 > x0) out.fill(ci, row + x0, row + x1);
      }
  }
  const miss = out.indexOf(-1);
  if (miss >= 0) {
    const x = miss % gx, y = Math.floor(miss / gx) % gy, z = Math.floor(miss / (gx * gy));
    throw new Error(`plan tile (${x}, ${y}, ${z}) is in no tile class: the plan's classes must partition its grid`);
  }
  return out;
}

/** The key of load `li` of the wave's i-th tile when it shares its block with no other tile (even: never a group's). */
export function privateKey(i: number, li: number): number {
  return (i * 64 + li) * 2;
}

/**
 * The multicast key of load `li` of the i-th tile of a wave at plan coordinates (x, y, z): tiles that
 * load the identical block (same tensor, same coordinates except along the load's shareAxes) get
 * the same odd key; without multicast, or for an unshared load, the key is private to the tile (even).
 */
export function multicastKey(
  l: LoadSummary, li: number, i: number, x: number, y: number, z: number, grid: Dim3, multicast: boolean,
): number {
  if (!multicast || l.shareAxes.length === 0) return privateKey(i, li);
  const [gx, gy, gz] = grid;
  let cx = x, cy = y, cz = z;
  let mask = 0;
  for (const a of l.shareAxes) { mask |= 1 << a; if (a === 0) cx = -1; else if (a === 1) cy = -1; else cz = -1; }
  return ((((l.tensorId * 8 + mask) * (gz + 1) + cz + 1) * (gy + 1) + cy + 1) * (gx + 1) + cx + 1) * 2 + 1;
}

/**
 * A multicast group of a wave: one block stream (one HBM read, or one home-tile read) delivered to
 * every member. Members may run different numbers of iterations (causal attention: query tile x
 * reads K/V blocks 0..x): iteration j's block is the same for every member still running at j, so
 * the group reads the longest member's bytes once (`bytes`, over `iters` iterations: each shared
 * block once) and each member receives its own bytes.
 */
export interface LoadGroup {
  tensor: string;
  /** Bytes the group reads from memory: the largest member's. */
  bytes: number;
  /** Iterations of the longest member: the stream sends bytes / iters per iteration. */
  iters: number;
  /** Class of the first member (its block size sets the prologue). */
  ci: number;
  /** Members: indices into the wave's tile list, with each member's own bytes and iterations. */
  members: number[];
  memberBytes: number[];
  memberIters: number[];
}

/**
 * The wave's streamed loads grouped by multicastKey (private loads are groups of one), and the
 * bytes of loads served from resident SRAM. Both timing paths group through here. `held`: resident
 * tensors whose loads would otherwise stream (activations kept on chip by fusion); heldBytes is
 * what they would read from memory, grouped like streamed loads (each multicast block once).
 *
 * The analytic path groups every wave of every op, so the table is flat and reused: group g's
 * members are the chain first[g], next[first[g]], ... (in the order the tiles were seen), each
 * with its tile index, bytes and iterations; nothing is allocated per group.
 */
export class GroupTable {
  count = 0;
  residentBytes = 0;
  heldBytes = 0;
  readonly tensor: string[] = [];
  /** Per group: bytes read from memory (the largest member's), iterations (the longest member's), class of the first member, first and last member. */
  bytes = new Float64Array(64);
  iters = new Float64Array(64);
  ci = new Int32Array(64);
  first = new Int32Array(64);
  private last = new Int32Array(64);
  /** Per member: the wave tile index, its own bytes and iterations, the next member of its group (-1: none). */
  memberTile = new Int32Array(64);
  memberBytes = new Float64Array(64);
  memberIters = new Float64Array(64);
  next = new Int32Array(64);
  private members = 0;
  private readonly byKey = new Map<number, number>();
  private readonly heldByKey = new Map<number, number>();
  // multicastKey of each shared load as base + kx x + ky y + kz z (the same integers: every term is
  // a whole number below 2^53), per class at loadAt[ci] + li; built once for the classes a pass
  // groups wave after wave
  private keyFor: { classes: readonly ClassSummary[]; grid: Dim3 } | null = null;
  private loadAt = new Int32Array(0);
  private key = new Float64Array(0);
  // per load: the last shared key it looked up in this fill and that key's group (the tiles of a
  // wave row mostly share the block of an operand shared along x: no map lookup for them)
  private lastKey = new Float64Array(0);
  private lastGroup = new Int32Array(0);

  private keyCoefficients(classes: readonly ClassSummary[], grid: Dim3): void {
    const k = this.keyFor;
    if (k && k.classes === classes && k.grid === grid) return;
    this.keyFor = { classes, grid };
    const [gx, gy, gz] = grid;
    let n = 0;
    this.loadAt = new Int32Array(classes.length);
    for (let ci = 0; ci < classes.length; ci++) { this.loadAt[ci] = n; n += classes[ci].loads.length; }
    this.key = new Float64Array(4 * n);
    this.lastKey = new Float64Array(n);
    this.lastGroup = new Int32Array(n);
    for (let ci = 0; ci < classes.length; ci++) {
      const loads = classes[ci].loads;
      for (let li = 0; li < loads.length; li++) {
        const l = loads[li], o = 4 * (this.loadAt[ci] + li);
        let mask = 0;
        for (const a of l.shareAxes) mask |= 1 << a;
        // ((((tensorId * 8 + mask) * (gz + 1) + cz + 1) * (gy + 1) + cy + 1) * (gx + 1) + cx + 1), a shared axis' coordinate -1
        const kx = mask & 1 ? 0 : 1, ky = mask & 2 ? 0 : gx + 1, kz = mask & 4 ? 0 : (gy + 1) * (gx + 1);
        this.key[o] = (l.tensorId * 8 + mask) * (gz + 1) * (gy + 1) * (gx + 1) + kz + ky + kx;
        this.key[o + 1] = kx; this.key[o + 2] = ky; this.key[o + 3] = kz;
      }
    }
  }

  /** Groups the wave's loads (the wave's n tiles: class and plan coordinates). */
  fill(
    classes: readonly ClassSummary[], waveClass: Int32Array, n: number, wx: Int32Array, wy: Int32Array, wz: Int32Array,
    grid: Dim3, multicast: boolean, held: ReadonlySet<string> | null,
  ): this {
    this.count = 0; this.members = 0; this.residentBytes = 0; this.heldBytes = 0;
    this.byKey.clear();
    const heldByKey = held && held.size > 0 ? this.heldByKey : null;
    heldByKey?.clear();
    if (multicast) this.keyCoefficients(classes, grid);
    const loadAt = this.loadAt, lastKey = this.lastKey, lastGroup = this.lastGroup;
    if (multicast) lastKey.fill(-1); // keys are odd and positive
    for (let i = 0; i < n; i++) {
      const c = classes[waveClass[i]];
      const at = multicast ? 4 * loadAt[waveClass[i]] : 0;
      for (let li = 0; li < c.loads.length; li++) {
        const l = c.loads[li];
        const shared = multicast && l.shareAxes.length > 0;
        const o = at + 4 * li;
        if (l.resident) {
          this.residentBytes += l.bytes;
          if (heldByKey && held!.has(l.tensor)) {
            const k = this.loadKey(shared, o, i, li, wx[i], wy[i], wz[i]);
            heldByKey.set(k, Math.max(l.bytes, heldByKey.get(k) ?? 0));
          }
          continue;
        }
        const m = this.addMember(i, l.bytes, c.iterations);
        // a private load is a group of its own: only shared loads need their key and the lookup. One
        // addGroup call for both (a call site first reached late, e.g. decode's private KV loads
        // after prefill's shared ones, would deoptimise fill)
        const k = shared ? this.loadKey(true, o, i, li, wx[i], wy[i], wz[i]) : -1;
        const slot = o >> 2;
        const g = !shared ? undefined : lastKey[slot] === k ? lastGroup[slot] : this.byKey.get(k);
        if (g === undefined) {
          const ng = this.addGroup(l.tensor, l.bytes, c.iterations, waveClass[i], m);
          if (shared) { this.byKey.set(k, ng); lastKey[slot] = k; lastGroup[slot] = ng; }
          continue;
        }
        lastKey[slot] = k; lastGroup[slot] = g;
        this.next[this.last[g]] = m;
        this.last[g] = m;
        if (l.bytes > this.bytes[g]) this.bytes[g] = l.bytes;
        if (c.iterations > this.iters[g]) this.iters[g] = c.iterations;
      }
    }
    if (heldByKey) for (const b of heldByKey.values()) this.heldBytes += b;
    return this;
  }

  /** multicastKey of load li of the wave's i-th tile at plan (x, y, z), from the key coefficients at `o` when it is shared. */
  private loadKey(shared: boolean, o: number, i: number, li: number, x: number, y: number, z: number): number {
    const key = this.key;
    return shared ? 2 * (key[o] + key[o + 1] * x + key[o + 2] * y + key[o + 3] * z) + 1 : privateKey(i, li);
  }

  private addMember(i: number, bytes: number, iters: number): number {
    if (this.members === this.memberTile.length) {
      const cap = 2 * this.members;
      this.memberTile = grownCopy(this.memberTile, cap); this.memberBytes = grownCopy(this.memberBytes, cap);
      this.memberIters = grownCopy(this.memberIters, cap); this.next = grownCopy(this.next, cap);
    }
    const m = this.members++;
    this.memberTile[m] = i; this.memberBytes[m] = bytes; this.memberIters[m] = iters; this.next[m] = -1;
    return m;
  }

  private addGroup(tensor: string, bytes: number, iters: number, ci: number, member: number): number {
    if (this.count === this.bytes.length) {
      const cap = 2 * this.count;
      this.bytes = grownCopy(this.bytes, cap); this.iters = grownCopy(this.iters, cap); this.ci = grownCopy(this.ci, cap);
      this.first = grownCopy(this.first, cap); this.last = grownCopy(this.last, cap);
    }
    const g = this.count++;
    this.tensor[g] = tensor; this.bytes[g] = bytes; this.iters[g] = iters; this.ci[g] = ci; this.first[g] = member; this.last[g] = member;
    return g;
  }
}

/** The groups of GroupTable as objects (the event simulation keeps them for the whole wave). */
export function loadGroups(
  classes: readonly ClassSummary[], waveClass: Int32Array, n: number, wx: Int32Array, wy: Int32Array, wz: Int32Array,
  grid: Dim3, multicast: boolean, held: ReadonlySet<string> | null = null,
): { groups: LoadGroup[]; residentBytes: number; heldBytes: number } {
  const t = new GroupTable().fill(classes, waveClass, n, wx, wy, wz, grid, multicast, held);
  const groups: LoadGroup[] = [];
  for (let g = 0; g < t.count; g++) {
    const lg: LoadGroup = { tensor: t.tensor[g], bytes: t.bytes[g], iters: t.iters[g], ci: t.ci[g], members: [], memberBytes: [], memberIters: [] };
    for (let m = t.first[g]; m >= 0; m = t.next[m]) { lg.members.push(t.memberTile[m]); lg.memberBytes.push(t.memberBytes[m]); lg.memberIters.push(t.memberIters[m]); }
    groups.push(lg);
  }
  return { groups, residentBytes: t.residentBytes, heldBytes: t.heldBytes };
}
