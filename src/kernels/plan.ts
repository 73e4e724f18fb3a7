// The Plan: plain data that describes one kernel invocation (see docs/ARCHITECTURE.md).
//
// One Plan drives three things with no second source of truth:
//   1. the WGSL dispatch (grid size, workgroup size, `override` constants, uniforms);
//   2. the byte counts the instrumented kernel must report, per workgroup, exactly;
//   3. the chip model's transfers and compute events once the plan is placed on a chip.
//
// A plan must stay cheap for a 4096 x 4096 problem, so tiles are not listed one by one:
// they are grouped into *tile classes*, boxes of the grid whose tiles all run the same
// ordered steps (interior tiles, the ragged right column, the ragged bottom row, ...).
// A step sequence may contain loops, so a K-loop of 512 iterations is one `loop` step.

export type Axis = 'x' | 'y' | 'z';
export type Dim3 = [number, number, number];

/** Element types that cross the host/GPU boundary. */
export type DType = 'f32' | 'f16' | 'i32' | 'u32' | 'i8' | 'i8x4';

/** What a tensor is for: the chip model places weights and KV cache differently. */
export type TensorRole = 'input' | 'weight' | 'output' | 'scratch' | 'kv-cache';

export interface TensorSpec {
  /** Name as used by the kernel's bindings and by the .npy CLI. */
  name: string;
  dtype: DType;
  /** Logical shape in elements (for i8x4: the shape of the packed u32 array). */
  shape: number[];
  /** Size of the GPU buffer in bytes (multiple of 4). */
  bytes: number;
  role: TensorRole;
  /** One line on layout, e.g. "[M, K] row-major". */
  layout: string;
}

/** Which tiles share the same block: tiles that differ only along these axes load identical bytes. */
export type ShareAxes = Axis[];

export type Step =
  /** Read `bytes` of `tensor` from global memory (HBM on the chip). */
  | { kind: 'load'; tensor: string; bytes: number; shareAxes?: ShareAxes }
  /** Write `bytes` of `tensor` to global memory. */
  | { kind: 'store'; tensor: string; bytes: number }
  /** Multiply-accumulates on the MAC array (a dot4 counts as 4 MACs). */
  | { kind: 'mac'; count: number; dtype: 'f32' | 'f16' | 'int8' }
  /** Element-wise / reduction work for the vector unit (exp, max, scale, quantize...). */
  | { kind: 'vector'; count: number; op: string }
  /** `body` runs `count` times in order. */
  | { kind: 'loop'; count: number; body: Step[] };

/** A box of tiles [x0, x1) x [y0, y1) x [z0, z1) that all run `steps`. */
export interface TileClass {
  x: [number, number];
  y: [number, number];
  z: [number, number];
  /** What distinguishes this class, e.g. "interior", "ragged right edge". */
  note: string;
  steps: Step[];
}

export type UniformValue = { type: 'u32' | 'i32' | 'f32'; value: number };

export interface BindingSpec {
  binding: number;
  tensor: string;
  access: 'read' | 'read_write';
}

/** One dispatch. A kernel may need several (quantize then matmul; split then reduce). */
export interface Pass {
  /** Shader file name in shaders/ without extension. */
  shader: string;
  entryPoint: string;
  /** Human label, e.g. "QK^T scores". */
  label: string;
  workgroupSize: Dim3;
  /** Number of workgroups = number of plan tiles in this pass. */
  grid: Dim3;
  /** WGSL `override` constants: tile sizes and flags (INSTRUMENT is added by the runtime). */
  overrides: Record<string, number | boolean>;
  /** Uniform struct fields, in declaration order (each one 4-byte scalar). */
  uniforms: Array<[string, UniformValue]>;
  bindings: BindingSpec[];
  /** Tile classes that partition the grid exactly. */
  tiles: TileClass[];
  /** Bytes of workgroup memory the pass uses per tile (chip model: SRAM per tile). */
  workgroupBytes: number;
}

/**
 * The objects (plans, their passes, the ops that carry them) that whoever made them promises never to change
 * (deep-frozen), so a consumer may key what it derives from one on the object's identity. Made by
 * DecodeOpsCache.immutable (src/models/forward.ts); taken by BoundOps (src/llm/bound-ops.ts) and the runner's
 * uniform refresh (src/gpu/runner.ts bindPlan, encodePass). An object it does not hold is keyed by value.
 */
export interface Immutables {
  has(x: object): boolean;
}

/** P: the kernel's validated parameter object (kernel.ts `Params` narrowed by each kernel module). */
export interface Plan<P = Record<string, number | boolean | string>> {
  kernel: string;
  variant: string;
  /** The validated problem parameters. */
  params: P;
  tensors: TensorSpec[];
  passes: Pass[];
  /** Useful floating/integer ops of the problem (2 per MAC), for GFLOP/s. */
  flops: number;
  /** Compulsory traffic: every input read once, every output written once; for GB/s. */
  ioBytes: number;
  /** Adapter features the variant needs, e.g. 'shader-f16'. */
  requiredFeatures: GPUFeatureName[];
  /** WGSL language features the variant needs, e.g. 'packed_4x8_integer_dot_product'. */
  requiredLanguageFeatures: string[];
}

export interface StepTotals {
  loadBytes: number;
  storeBytes: number;
  macs: number;
  vectorOps: number;
  /** load bytes per tensor name */
  loadByTensor: Record<string, number>;
  storeByTensor: Record<string, number>;
}

export function emptyTotals(): StepTotals {
  return { loadBytes: 0, storeBytes: 0, macs: 0, vectorOps: 0, loadByTensor: {}, storeByTensor: {} };
}

function addInto(acc: StepTotals, steps: readonly Step[], times: number): void {
  for (const s of steps) {
    switch (s.kind) {
      case 'load':
        acc.loadBytes += s.bytes * times;
        acc.loadByTensor[s.tensor] = (acc.loadByTensor[s.tensor] ?? 0) + s.bytes * times;
        break;
      case 'store':
        acc.storeBytes += s.bytes * times;
        acc.storeByTensor[s.tensor] = (acc.storeByTensor[s.tensor] ?? 0) + s.bytes * times;
        break;
      case 'mac':
        acc.macs += s.count * times;
        break;
      case 'vector':
        acc.vectorOps += s.count * times;
        break;
      case 'loop':
        addInto(acc, s.body, times * s.count);
        break;
    }
  }
}

/** Totals of one tile's steps. */
export function stepTotals(steps: readonly Step[]): StepTotals {
  const acc = emptyTotals();
  addInto(acc, steps, 1);
  return acc;
}

export function classTileCount(c: TileClass): number {
  return (c.x[1] - c.x[0]) * (c.y[1] - c.y[0]) * (c.z[1] - c.z[0]);
}

/** Totals of a whole pass (all tiles). */
export function passTotals(pass: Pass): StepTotals {
  const acc = emptyTotals();
  for (const c of pass.tiles) addInto(acc, c.steps, classTileCount(c));
  return acc;
}

/** Totals of a whole plan (all passes). */
export function planTotals(plan: Plan): StepTotals {
  const acc = emptyTotals();
  for (const p of plan.passes) for (const c of p.tiles) addInto(acc, c.steps, classTileCount(c));
  return acc;
}

export function tileCount(pass: Pass): number {
  return pass.grid[0] * pass.grid[1] * pass.grid[2];
}

/** The class a tile belongs to (tiles are addressed by grid coordinates). */
export function classOf(pass: Pass, x: number, y: number, z: number): TileClass {
  for (const c of pass.tiles) {
    if (x >= c.x[0] && x < c.x[1] && y >= c.y[0] && y < c.y[1] && z >= c.z[0] && z < c.z[1]) return c;
  }
  throw new Error(`plan ${pass.label}: tile (${x}, ${y}, ${z}) belongs to no tile class`);
}

/** Flat workgroup index as the instrumented kernels compute it: x + y*gx + z*gx*gy. */
export function flatTileIndex(pass: Pass, x: number, y: number, z: number): number {
  return x + y * pass.grid[0] + z * pass.grid[0] * pass.grid[1];
}

/**
 * Per-tile expected (loadBytes, storeBytes), flat-indexed like the instrumented kernel.
 * Costs O(tiles); meant for tests and the UI's measured-vs-predicted view, not the chip model.
 */
export function perTileBytes(pass: Pass): { load: Float64Array; store: Float64Array } {
  const n = tileCount(pass);
  const load = new Float64Array(n);
  const store = new Float64Array(n);
  for (const c of pass.tiles) {
    const t = stepTotals(c.steps);
    for (let z = c.z[0]; z < c.z[1]; z++)
      for (let y = c.y[0]; y < c.y[1]; y++)
        for (let x = c.x[0]; x < c.x[1]; x++) {
          const i = flatTileIndex(pass, x, y, z);
          load[i] = t.loadBytes;
          store[i] = t.storeBytes;
        }
  }
  return { load, store };
}

/**
 * Checks that a pass's tile classes partition its grid exactly (no gaps, no overlaps),
 * using the sum of box volumes plus pairwise disjointness. Throws with the offending class.
 */
export function checkPartition(pass: Pass): void {
  let total = 0;
  for (const c of pass.tiles) {
    for (const [a, lo, hi] of [['x', ...c.x], ['y', ...c.y], ['z', ...c.z]] as const) {
      const g = pass.grid['xyz'.indexOf(a)];
      if (!(lo >= 0 && hi <= g && lo < hi)) {
        throw new Error(`plan ${pass.label}: class "${c.note}" has ${a} range [${lo}, ${hi}) outside grid ${g}`);
      }
    }
    total += classTileCount(c);
  }
  for (let i = 0; i < pass.tiles.length; i++)
    for (let j = i + 1; j < pass.tiles.length; j++) {
      const a = pass.tiles[i], b = pass.tiles[j];
      const overlap = (p: [number, number], q: [number, number]) => p[0] < q[1] && q[0] < p[1];
      if (overlap(a.x, b.x) && overlap(a.y, b.y) && overlap(a.z, b.z)) {
        throw new Error(`plan ${pass.label}: classes "${a.note}" and "${b.note}" overlap`);
      }
    }
  if (total !== tileCount(pass)) {
    throw new Error(`plan ${pass.label}: classes cover ${total} tiles, grid has ${tileCount(pass)}`);
  }
}

/** ceil(a / b) for positive integers. */
export function cdiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/**
 * Splits [0, n) into blocks of `block`: `full` whole blocks and an optional ragged tail.
 * Tile-class builders use it to emit "interior" and "edge" classes.
 */
export function splitExtent(n: number, block: number): { full: number; tail: number; blocks: number } {
  const full = Math.floor(n / block);
  const tail = n - full * block;
  return { full, tail, blocks: full + (tail > 0 ? 1 : 0) };
}

/**
 * The ranges of a grid axis of `blocks` tiles whose extent is `block` except a ragged last one:
 * returns [[0, full) with size block] and, if ragged, [[full, full+1) with size tail].
 */
export function axisRanges(n: number, block: number): Array<{ range: [number, number]; size: number }> {
  const { full, tail } = splitExtent(n, block);
  const out: Array<{ range: [number, number]; size: number }> = [];
  if (full > 0) out.push({ range: [0, full], size: block });
  if (tail > 0) out.push({ range: [full, full + 1], size: tail });
  return out;
}

/** A K-loop over `k` in blocks of `kb`: full iterations as one loop step, the ragged tail after. */
export function kLoop(k: number, kb: number, body: (kSize: number) => Step[]): Step[] {
  const { full, tail } = splitExtent(k, kb);
  const steps: Step[] = [];
  if (full > 0) steps.push({ kind: 'loop', count: full, body: body(kb) });
  if (tail > 0) steps.push(...body(tail));
  return steps;
}
