// What every kernel module in src/kernels/ provides: validation, a plan, inputs, a CPU reference.
// Pure TypeScript: runs in the browser, the worker, Node tests and the CLIs unchanged.

import type { Plan, TensorSpec } from './plan.ts';

export type HostArray = Float32Array | Int32Array | Uint32Array | Int8Array | Uint16Array;
export type Tensors = Record<string, HostArray>;

/** Thrown for invalid problems; the message says what was wrong and what is allowed. */
export class KernelInputError extends Error {
  override name = 'KernelInputError';
}

/**
 * A valid problem that this device cannot run: a limit (workgroup memory, invocations, buffer size,
 * grid size) or a missing feature. Callers that skip instead of failing (the bench, the tests) test
 * for this type, never for message text. `limit` names the device limit or feature.
 */
export class UnsupportedOnDevice extends KernelInputError {
  override name = 'UnsupportedOnDevice';
  constructor(
    message: string,
    readonly limit: string,
  ) {
    super(message);
  }
}

/** Per-output comparison rule: |got - ref| <= atol + rtol * |ref|, or exact (integer paths). */
export type Tolerance = { atol: number; rtol: number } | 'exact';

export type ParamValue = number | boolean | string;
/** Validated problem parameters. Kernel modules narrow it to an object type of their own. */
export type Params = Record<string, ParamValue>;

/** K: the parameter names (a kernel module declares `ParamDoc<keyof MyParams>[]`, so names are checked). */
export interface ParamDoc<K extends string = string> {
  name: K;
  doc: string;
  /** Default value used by the playground and the CLI. */
  default: number | boolean | string;
  /** Allowed values for strings, or [min, max] for numbers. */
  allowed?: readonly string[] | readonly [number, number];
  /** A real number in [min, max] (eps, a temperature); without it a number parameter is an integer. */
  float?: boolean;
}

/**
 * One axis of a tensor shape: a parameter's name (the CLI infers that parameter from the tensor's
 * shape; test/unit/shader-plan.test.ts checks every name is a parameter) or a size derived from
 * the parameters, with the label shown to users.
 */
export type Dim<P = Params> = string | { label: string; size(p: P): number };
export type Shape<P = Params> = readonly Dim<P>[];

export const derived = <P>(label: string, size: (p: P) => number): Dim<P> => ({ label, size });

export function dimLabel<P>(d: Dim<P>): string {
  return typeof d === 'string' ? d : d.label;
}

/** "[M, K]" */
export function shapeLabel<P>(shape: Shape<P>): string {
  return `[${shape.map(dimLabel).join(', ')}]`;
}

/** The shape in elements for validated params. */
export function shapeOf<P extends Params>(shape: Shape<P>, p: P): number[] {
  return shape.map((d) => {
    if (typeof d !== 'string') return d.size(p);
    const v = p[d];
    if (typeof v !== 'number') throw new KernelInputError(`shape ${shapeLabel(shape)}: ${d} is not a numeric parameter`);
    return v;
  });
}

export interface UserTensorDoc<P = Params> {
  name: string;
  dtype: 'float32' | 'int8' | 'int32';
  /** The allowed shapes (usually one; e.g. wScale is [N] or [ceil(K/group), N]). */
  shapes: readonly Shape<P>[];
  doc: string;
  /**
   * Not needed in every call (e.g. Wq + wScale instead of W; bias only when bias = true); give
   * optional inputs by name. The kernel's fromUser checks the combination and names what is missing.
   */
  optional?: boolean;
}

/** "[N] or [ceil(K/group), N]" */
export function shapesLabel<P>(doc: Pick<UserTensorDoc<P>, 'shapes'>): string {
  return doc.shapes.map(shapeLabel).join(' or ');
}

/**
 * A kernel: validation, a plan, inputs, a CPU reference. P is the validated parameter object,
 * V the variant names. Generic code (registry, worker, bench, CLI) sees `KernelDef` (the default
 * arguments); `plan` still checks the variant at run time for callers that pass any string.
 */
export interface KernelDef<P extends Params = Params, V extends string = string> {
  /** CLI / URL name, e.g. "matmul". */
  name: string;
  title: string;
  /** One paragraph: what it computes, layout, tiling. */
  description: string;
  variants: readonly V[];
  /** The variant the playground runs by default (the optimized one). */
  defaultVariant: V;
  /** The baseline the optimized variant is compared with (naive / unfused / f32). */
  baselineVariant: V;
  params: readonly ParamDoc[];
  /**
   * The variant to run for these params when the user names none: defaultVariant unless the shape
   * calls for another (e.g. a GEMV for one token). Optional: defaults to defaultVariant.
   * `family`: a variant whose data formats and device needs the pick must keep, where the kernel has
   * several (qkv: fused-w8 → the int8-weight gemv-w8 or fused-w8; matmul-int8: unpacked stays unpacked,
   * gemv needing the packed dot product). The pick then changes only the tiling, for the shape.
   */
  pickVariant?(params: P, family?: V): V;
  /** Validates raw user input (from JSON, URL or UI) and fills defaults. Throws KernelInputError. */
  validate(raw: Record<string, unknown>): P;
  /** Builds the plan (throws KernelInputError on invalid variant/tiles). */
  plan(params: P, variant: V): Plan<P>;
  /** Deterministic pseudo-random inputs (host arrays keyed by tensor name) for the plan. */
  makeInputs(plan: Plan<P>, seed: number): Tensors;
  /** CPU reference: the outputs (keyed by tensor name) for the given inputs. */
  reference(plan: Plan<P>, inputs: Tensors): Tensors;
  /** Tolerance per output tensor name, for makeInputs' unit-range inputs (|x| < 1). */
  tolerance(plan: Plan<P>, output: string): Tolerance;
  /**
   * How the output's absolute error scales with these inputs (1 for makeInputs' own, e.g. max|A|·max|B|
   * for a matmul); the check multiplies atol by it (src/kernels/compare.ts). Optional: 1 when absent.
   */
  errorScale?(plan: Plan<P>, inputs: Tensors, output: string): number;
  /**
   * Turns user tensors (e.g. from .npy, in the logical dtype) into the kernel's input buffers,
   * and the kernel's outputs back into user tensors. Optional: defaults to identity.
   */
  userInputs?: readonly UserTensorDoc<P>[];
  fromUser?(plan: Plan<P>, user: Tensors): Tensors;
  /** Turns kernel outputs into user tensors (e.g. packed int8 words -> Int8Array). Optional. */
  toUser?(plan: Plan<P>, outputs: Tensors): Tensors;
}

/** The variant a def runs for `params` when none is named, of `family`'s kind when given (see KernelDef.pickVariant). */
export function autoVariant<P extends Params, V extends string>(def: KernelDef<P, V>, params: P, family?: V): V {
  return def.pickVariant ? def.pickVariant(params, family) : family ?? def.defaultVariant;
}

/** The tensor `name` of `t` as the typed array `type`; a missing or mistyped tensor is a KernelInputError naming it. */
export function tensorOf<A extends HostArray>(t: Tensors, name: string, type: new (n: number) => A): A {
  const a = t[name];
  if (a === undefined) throw new KernelInputError(`missing tensor ${name}`);
  if (!(a instanceof type)) throw new KernelInputError(`tensor ${name} is a ${a.constructor.name}, expected ${type.name}`);
  return a;
}

export const f32Input = (t: Tensors, name: string): Float32Array => tensorOf(t, name, Float32Array);
export const u32Input = (t: Tensors, name: string): Uint32Array => tensorOf(t, name, Uint32Array);

export function outputSpecs(plan: Plan): TensorSpec[] {
  return plan.tensors.filter((t) => t.role === 'output');
}

export function inputSpecs(plan: Plan): TensorSpec[] {
  return plan.tensors.filter((t) => t.role === 'input' || t.role === 'weight' || t.role === 'kv-cache');
}

// ---- validation helpers shared by kernel modules --------------------------------------------

/** A positive integer in [min, max]; the error names the parameter and the allowed range. */
export function intParam(raw: Record<string, unknown>, name: string, def: number, min: number, max: number): number {
  const v = raw[name] ?? def;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new KernelInputError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  if (v < min || v > max) throw new KernelInputError(`${name} must be in [${min}, ${max}], got ${v}`);
  return v;
}

/** A finite number in [min, max] (eps, temperature): the rule of a ParamDoc with `float`. */
export function floatParam(raw: Record<string, unknown>, name: string, def: number, min: number, max: number): number {
  const v = raw[name] ?? def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new KernelInputError(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

export function boolParam(raw: Record<string, unknown>, name: string, def: boolean): boolean {
  const v = raw[name] ?? def;
  if (typeof v !== 'boolean') throw new KernelInputError(`${name} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function enumParam<T extends string>(raw: Record<string, unknown>, name: string, def: T, allowed: readonly T[]): T {
  const v = raw[name] ?? def;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new KernelInputError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** Rejects parameters the kernel does not know, listing the ones it does. */
export function rejectUnknown(raw: Record<string, unknown>, docs: readonly ParamDoc[], kernel: string): void {
  const known = new Set<string>(docs.map((d) => d.name));
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) {
      throw new KernelInputError(`${kernel}: unknown parameter "${k}"; allowed: ${[...known].join(', ')}`);
    }
  }
}

export function checkVariant<V extends string>(def: { name: string; variants: readonly V[] }, variant: string): asserts variant is V {
  if (!(def.variants as readonly string[]).includes(variant)) {
    throw new KernelInputError(`${def.name}: unknown variant "${variant}"; allowed: ${def.variants.join(', ')}`);
  }
}

/** Validates every ParamDoc generically (ints with ranges, real numbers marked `float`, bools, string enums). */
export function validateByDocs<P extends Params>(raw: Record<string, unknown>, docs: readonly ParamDoc<keyof P & string>[], kernel: string): P {
  rejectUnknown(raw, docs, kernel);
  const out: Params = {};
  for (const d of docs) {
    if (typeof d.default === 'number') {
      const [min, max] = (d.allowed as readonly [number, number] | undefined) ?? [1, 1 << 20];
      out[d.name] = d.float ? floatParam(raw, d.name, d.default, min, max) : intParam(raw, d.name, d.default, min, max);
    } else if (typeof d.default === 'boolean') {
      out[d.name] = boolParam(raw, d.name, d.default);
    } else {
      out[d.name] = enumParam(raw, d.name, d.default, (d.allowed as readonly string[]) ?? [d.default]);
    }
  }
  // Every ParamDoc names a field of P and the kernel modules declare one per field, so `out` is a P.
  return out as P;
}

// ---- deterministic inputs ---------------------------------------------------------------------

/** Small fast PRNG (mulberry32) so inputs are reproducible across runtimes and share links. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [-scale, scale). */
export function randomF32(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}
