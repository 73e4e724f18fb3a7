// What every kernel module in src/kernels/ provides: validation, a plan, inputs, a CPU reference.
// Pure TypeScript: runs in the browser, the worker, Node tests and the CLIs unchanged.

import type { Plan, TensorSpec } from './plan.ts';

export type HostArray = Float32Array | Int32Array | Uint32Array | Int8Array | Uint16Array;
export type Tensors = Record<string, HostArray>;

/** Thrown for invalid problems; the message says what was wrong and what is allowed. */
export class KernelInputError extends Error {
  override name = 'KernelInputError';
}

/** Per-output comparison rule: |got - ref| <= atol + rtol * |ref|, or exact (integer paths). */
export type Tolerance = { atol: number; rtol: number } | 'exact';

export interface ParamDoc {
  name: string;
  doc: string;
  /** Default value used by the playground and the CLI. */
  default: number | boolean | string;
  /** Allowed values for strings, or [min, max] for integers. */
  allowed?: readonly string[] | readonly [number, number];
}

export interface KernelDef {
  /** CLI / URL name, e.g. "matmul". */
  name: string;
  title: string;
  /** One paragraph: what it computes, layout, tiling. */
  description: string;
  variants: readonly string[];
  /** The variant the playground runs by default (the optimized one). */
  defaultVariant: string;
  /** The baseline the optimized variant is compared with (naive / unfused / f32). */
  baselineVariant: string;
  params: readonly ParamDoc[];
  /** Validates raw user input (from JSON, URL or UI) and fills defaults. Throws KernelInputError. */
  validate(raw: Record<string, unknown>): Record<string, number | boolean | string>;
  /** Builds the plan (throws KernelInputError on invalid variant/tiles). */
  plan(params: Record<string, number | boolean | string>, variant: string): Plan;
  /** Deterministic pseudo-random inputs (host arrays keyed by tensor name) for the plan. */
  makeInputs(plan: Plan, seed: number): Tensors;
  /** CPU reference: the outputs (keyed by tensor name) for the given inputs. */
  reference(plan: Plan, inputs: Tensors): Tensors;
  /** Tolerance per output tensor name, for makeInputs' unit-range inputs (|x| < 1). */
  tolerance(plan: Plan, output: string): Tolerance;
  /**
   * How the output's absolute error scales with these inputs (1 for makeInputs' own, e.g. max|A|·max|B|
   * for a matmul); the check multiplies atol by it (src/kernels/compare.ts). Optional: 1 when absent.
   */
  errorScale?(plan: Plan, inputs: Tensors, output: string): number;
  /**
   * Turns user tensors (e.g. from .npy, in the logical dtype) into the kernel's input buffers,
   * and the kernel's outputs back into user tensors. Optional: defaults to identity.
   */
  userInputs?: readonly UserTensorDoc[];
  fromUser?(plan: Plan, user: Tensors): Tensors;
  /** Turns kernel outputs into user tensors (e.g. packed int8 words -> Int8Array). Optional. */
  toUser?(plan: Plan, outputs: Tensors): Tensors;
}

export interface UserTensorDoc {
  name: string;
  dtype: 'float32' | 'int8' | 'int32';
  /** One shape like "[M, K]", or alternatives "[N] or [ceil(K/group), N]". */
  shape: string;
  doc: string;
  /** Not needed in every call (e.g. Wq + wScale instead of W); give optional inputs by name. */
  optional?: boolean;
}

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
  const known = new Set(docs.map((d) => d.name));
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) {
      throw new KernelInputError(`${kernel}: unknown parameter "${k}"; allowed: ${[...known].join(', ')}`);
    }
  }
}

export function checkVariant(def: { name: string; variants: readonly string[] }, variant: string): void {
  if (!def.variants.includes(variant)) {
    throw new KernelInputError(`${def.name}: unknown variant "${variant}"; allowed: ${def.variants.join(', ')}`);
  }
}

/** Validates every ParamDoc generically (ints with ranges, bools, string enums). */
export function validateByDocs(raw: Record<string, unknown>, docs: readonly ParamDoc[], kernel: string): Record<string, number | boolean | string> {
  rejectUnknown(raw, docs, kernel);
  const out: Record<string, number | boolean | string> = {};
  for (const d of docs) {
    if (typeof d.default === 'number') {
      const [min, max] = (d.allowed as readonly [number, number] | undefined) ?? [1, 1 << 20];
      out[d.name] = intParam(raw, d.name, d.default, min, max);
    } else if (typeof d.default === 'boolean') {
      out[d.name] = boolParam(raw, d.name, d.default);
    } else {
      out[d.name] = enumParam(raw, d.name, d.default, (d.allowed as readonly string[]) ?? [d.default]);
    }
  }
  return out;
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
