// Compares kernel outputs with CPU references (llm.c's validate_result, the gpuweb CTS's
// expectations): every caller (the worker, the bench, the GPU tests, the kernel CLI) goes through
// compareArrays / compareOutputs, so a result means the same thing everywhere.
//
// The rule, per element (got g, reference r, tolerance {atol, rtol}, problem scale s):
//
//     |g - r| <= atol·s + rtol·|r|          ('exact': g === r, for integer paths)
//
//   - r NaN: a match only when g is NaN too (NaN propagation is correct behaviour);
//   - r or g ±Inf: a match only when g === r (same infinity);
//   - -0 and +0 are equal (g - r = 0); f16 tensors (Uint16Array bit patterns) are decoded to numbers
//     first, so two encodings of the same value never differ.
//
// Why atol is multiplied by a scale. Kernels state atol for the unit-range inputs their makeInputs()
// draws (|x| < 1). The rounding error of an f32 dot product of length K is bounded by
// γ_K·Σ_k |a_k·b_k| ≤ K·u·K·max|a|·max|b| (u = 2^-24; in practice ~√K·u·√K·max|a|·max|b| for random
// signs): it grows with the product of the operands' magnitudes, so inputs 1e3 times larger make the
// error 1e6 times larger, and a fixed atol would call f32 rounding a mismatch. The kernel therefore
// also says how its error scales with the actual inputs (KernelDef.errorScale: for a matmul
// max|A|·max|B|, for attention max|V|); that is 1 for its own inputs, so the stated tolerance keeps its
// teeth there, and it shrinks with tiny inputs too (a kernel writing zeros must not pass because the
// reference is small). Kernels without errorScale get s = 1.
//
// Subnormals: WGSL lets an implementation flush subnormal inputs and results to zero (the WGSL spec's
// "Differences from IEEE-754" in its floating-point evaluation section; src/kernels/quant.ts assumes it too).
// A result below the smallest normal number (2^-126 in f32, 2^-14 in f16) may therefore come back as 0
// from a correct kernel (int8 with scales ~1e-37: Y ~ 9e-39 read back as 0, bench/kernel-holdout.py), so the
// absolute tolerance is never below that number.

import type { HostArray, KernelDef, Tensors, Tolerance } from './kernel.ts';
import type { Plan, TensorSpec } from './plan.ts';
import { f16BitsToF32 } from './f16.ts';

/** The smallest normal f32 and f16 numbers: results below them may be flushed to zero (see the header). */
export const F32_MIN_NORMAL = 2 ** -126;
export const F16_MIN_NORMAL = 2 ** -14;

/** How many mismatches a comparison lists (the rest are counted). */
export const FIRST_MISMATCHES = 5;

export interface Comparison {
  /** Output tensor name. */
  name: string;
  ok: boolean;
  /** Elements compared. */
  count: number;
  /** Largest |got - ref| over elements where both are finite; Infinity when a non-finite value mismatches. */
  maxAbsErr: number;
  /** Count of elements outside tolerance. */
  mismatches: number;
  /** First few mismatches: "C[3, 4]: got 1.5, want 1.25 (|err| 0.25 > 0.0100)". */
  firstMismatches: string[];
  /** The absolute tolerance applied (atol·scale), or 0 for 'exact'. */
  atol: number;
  rtol: number;
  scale: number;
  exact: boolean;
  /** One line: what matched or the first mismatches. */
  summary: string;
}

export interface CompareOptions {
  /** Logical shape, for multi-dimensional indices in messages (and to drop f16 padding). */
  shape?: readonly number[];
  /** Multiplies atol (see the header): the magnitude the kernel's error scales with. Default 1. */
  scale?: number;
}

/** Numbers of a host array: f16 bit patterns (Uint16Array) decoded, every other dtype as stored. */
export function decodeValues(a: HostArray, count = a.length): ArrayLike<number> {
  if (!(a instanceof Uint16Array)) return count === a.length ? a : a.subarray(0, count);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = f16BitsToF32(a[i]);
  return out;
}

/** Row-major multi-index of flat index i in `shape`, e.g. "[1, 3]"; "[i]" without a shape. */
export function indexText(i: number, shape?: readonly number[]): string {
  if (!shape || shape.length < 2) return `[${i}]`;
  const idx: number[] = [];
  let r = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(r % shape[d]);
    r = Math.floor(r / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

/** Whether one element matches (the rule in the header). */
export function elementMatches(g: number, r: number, atol: number, rtol: number, exact: boolean): boolean {
  if (Number.isNaN(r)) return Number.isNaN(g);
  if (Number.isNaN(g)) return false;
  if (!Number.isFinite(r) || !Number.isFinite(g) || exact) return g === r;
  return Math.abs(g - r) <= atol + rtol * Math.abs(r);
}

const num = (v: number) => (Number.isInteger(v) || !Number.isFinite(v) ? String(v) : v.toPrecision(7).replace(/\.?0+(e|$)/, '$1'));
const small = (v: number) => (v === 0 ? '0' : v.toExponential(2));

export function compareArrays(name: string, got: HostArray, ref: HostArray, tol: Tolerance, opts: CompareOptions | readonly number[] = {}): Comparison {
  const o: CompareOptions = Array.isArray(opts) ? { shape: opts as readonly number[] } : (opts as CompareOptions);
  const shape = o.shape;
  const scale = o.scale ?? 1;
  const exact = tol === 'exact';
  const statedAtol = exact ? 0 : tol.atol;
  // A result in the subnormal range may be flushed to zero (see the header): never closer than that floor.
  const half = got instanceof Uint16Array || ref instanceof Uint16Array;
  const atol = statedAtol * scale + (exact ? 0 : half ? F16_MIN_NORMAL : F32_MIN_NORMAL);
  const rtol = exact ? 0 : tol.rtol;
  const base = { name, atol, rtol, scale, exact };
  // f16 buffers are padded to an even length: compare the logical elements only.
  const logical = shape ? shape.reduce((a, b) => a * b, 1) : undefined;
  const count = logical !== undefined && got.length >= logical && ref.length >= logical && (got instanceof Uint16Array || ref instanceof Uint16Array) ? logical : got.length;
  if (got.length !== ref.length && count === got.length) {
    const summary = `${name}: ${got.length} values, but the reference has ${ref.length}`;
    return { ...base, ok: false, count: Math.max(got.length, ref.length), maxAbsErr: Infinity, mismatches: Math.max(got.length, ref.length), firstMismatches: [], summary };
  }
  const g = decodeValues(got, count);
  const r = decodeValues(ref, count);
  const first: string[] = [];
  let maxAbsErr = 0;
  let worst = -1;
  let mismatches = 0;
  for (let i = 0; i < count; i++) {
    const gi = g[i];
    const ri = r[i];
    const ok = elementMatches(gi, ri, atol, rtol, exact);
    const err = Math.abs(gi - ri);
    if (Number.isFinite(err)) {
      if (err > maxAbsErr) {
        maxAbsErr = err;
        worst = i;
      }
    } else if (!ok) maxAbsErr = Infinity;
    if (!ok) {
      mismatches++;
      if (first.length < FIRST_MISMATCHES) {
        const bound = exact || !Number.isFinite(err) ? '' : ` (|err| ${small(err)} > ${small(atol + rtol * Math.abs(ri))})`;
        first.push(`${name}${indexText(i, shape)}: got ${num(gi)}, want ${num(ri)}${bound}`);
      }
    }
  }
  const rule = exact ? 'exactly' : `|err| ≤ ${small(atol)} + ${small(rtol)}·|ref|${scale !== 1 ? ` (atol ${small(statedAtol)} × problem scale ${small(scale)})` : ''}`;
  const worstText = worst >= 0 && !exact ? ` at ${name}${indexText(worst, shape)}` : '';
  const summary =
    mismatches === 0
      ? `${name}: ${count} values match ${rule}; max |err| ${small(maxAbsErr)}${worstText}`
      : `${name}: ${mismatches} of ${count} values outside ${rule}; max |err| ${small(maxAbsErr)}; first: ${first.join('; ')}`;
  return { ...base, ok: mismatches === 0, count, maxAbsErr, mismatches, firstMismatches: first, summary };
}

/** max |x| over the finite values of a float array (0 when none). */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m && v !== Infinity) m = v;
  }
  return m;
}

export interface OutputsCheck {
  ok: boolean;
  /** Largest max |err| over the outputs. */
  maxAbsErr: number;
  /** One comparison per output the reference gives. */
  comparisons: Comparison[];
  /** One summary line per output. */
  lines: string[];
}

/** The plan's output tensors. */
function outputs(plan: Plan): TensorSpec[] {
  return plan.tensors.filter((t) => t.role === 'output');
}

/**
 * Compares every output the reference gives with the kernel's tolerance, scaled by the kernel's
 * errorScale for these inputs (see the header). Pure: no GPU.
 */
export function compareOutputs(def: KernelDef, plan: Plan, inputs: Tensors, got: Tensors, ref: Tensors): OutputsCheck {
  const results: Comparison[] = [];
  for (const t of outputs(plan)) {
    if (!(t.name in ref)) continue;
    if (!(t.name in got)) throw new Error(`${plan.kernel}/${plan.variant}: the run produced no output ${t.name}`);
    const tol = def.tolerance(plan, t.name);
    const scale = tol === 'exact' ? 1 : (def.errorScale?.(plan, inputs, t.name) ?? 1);
    results.push(compareArrays(t.name, got[t.name], ref[t.name], tol, { shape: t.shape, scale }));
  }
  return {
    ok: results.every((c) => c.ok),
    maxAbsErr: results.reduce((m, c) => Math.max(m, c.maxAbsErr), 0),
    comparisons: results,
    lines: results.map((c) => c.summary),
  };
}
