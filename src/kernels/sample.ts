// Next-token selection on the GPU (shaders/sample_topk.wgsl): the top-k logits by (value desc, index
// asc), softmax at temperature T over them, and the first candidate whose running sum exceeds u ·
// total for the host's seeded uniform draw u. k = 1 (or T = 0) is greedy. The CPU functions here are
// the reference and the CPU decode loop's sampler: the same rule in f32.

import { type KernelDef, type ParamDoc, KernelInputError, checkVariant, f32Input, randomF32, rng, validateByDocs } from './kernel.ts';
import type { Plan } from './plan.ts';

export const MAX_TOP_K = 64;
export const SAMPLE_WG = 64;

/** The top-k candidates of logits, best first (value desc, index asc). */
export function topK(logits: Float32Array, k: number): number[] {
  const out: number[] = [];
  let prevV = Infinity, prevI = -1;
  for (let r = 0; r < k; r++) {
    let bv = -Infinity, bi = -1;
    for (let i = 0; i < logits.length; i++) {
      const v = logits[i];
      const after = prevI < 0 || v < prevV || (v === prevV && i > prevI);
      if (after && (bi < 0 || v > bv)) { bv = v; bi = i; }
    }
    if (bi < 0) break;
    out.push(bi);
    prevV = bv; prevI = bi;
  }
  return out;
}

/** Picks a token with the uniform draw `u` in [0, 1) (f32 arithmetic, like the shader). */
export function sampleWith(logits: Float32Array, temperature: number, k: number, u: number): number {
  const kk = effectiveTopK(temperature, k, logits.length);
  const cand = topK(logits, kk);
  if (cand.length === 1) return cand[0];
  const f = Math.fround;
  const invT = f(1 / temperature);
  const top = logits[cand[0]];
  const p = cand.map((i) => f(Math.exp(f(f(logits[i] - top) * invT))));
  let total = 0;
  for (const v of p) total = f(total + v);
  const target = f(u * total);
  let run = 0;
  for (let j = 0; j < cand.length; j++) {
    run = f(run + p[j]);
    if (run > target) return cand[j];
  }
  return cand[cand.length - 1];
}

/**
 * Candidates kept: 1 when greedy (T = 0), else k clamped to [1, 64], and never more than the V logits
 * there are (top-40 of 5 logits is top-5: the kernel's k arg-max rounds find nothing past the V-th).
 */
export function effectiveTopK(temperature: number, k: number, V = Infinity): number {
  return temperature <= 0 ? 1 : Math.max(1, Math.min(k, MAX_TOP_K, V));
}

const PARAMS: readonly ParamDoc[] = [
  { name: 'V', doc: 'vocabulary size (logits)', default: 32000, allowed: [1, 1 << 22] },
  { name: 'k', doc: `top-k candidates, 1 (greedy) to ${MAX_TOP_K} (at most V are kept)`, default: 40, allowed: [1, MAX_TOP_K] },
  { name: 'temperature', doc: 'softmax temperature T over the top k; 0 is greedy (k = 1)', default: 0.8, allowed: [0, 100], float: true },
  { name: 'u', doc: 'the seeded uniform draw in [0, 1) that picks a candidate', default: 0.5, allowed: [0, 0.999999], float: true },
];

export const sampleTopK: KernelDef = {
  name: 'sample',
  title: 'top-k sampling',
  description: `Picks the next token from logits [V]: k rounds of a workgroup arg-max give the top-k (value desc, index asc), then softmax at temperature T and a seeded draw u choose one; k = 1 is greedy. One workgroup of ${SAMPLE_WG}; reads back 4 bytes instead of the logits.`,
  variants: ['default'],
  defaultVariant: 'default',
  baselineVariant: 'default',
  params: PARAMS,
  validate: (raw) => validateByDocs(raw, PARAMS, 'sample'),
  plan(params, variant): Plan {
    checkVariant(sampleTopK, variant);
    const V = params.V as number;
    const T = params.temperature as number;
    const k = effectiveTopK(T, params.k as number, V);
    return {
      kernel: 'sample', variant, params: { ...params },
      tensors: [
        { name: 'logits', dtype: 'f32', shape: [V], bytes: 4 * V, role: 'input', layout: '[V]' },
        { name: 'out', dtype: 'u32', shape: [1 + k], bytes: 4 * (1 + k), role: 'output', layout: '[1 + k]: token, then the candidates best first' },
      ],
      passes: [{
        shader: 'sample_topk', entryPoint: 'main', label: k === 1 ? 'greedy arg-max' : `top-${k} sampling`,
        workgroupSize: [SAMPLE_WG, 1, 1], grid: [1, 1, 1], overrides: { WG: SAMPLE_WG },
        uniforms: [['V', { type: 'u32', value: V }], ['K', { type: 'u32', value: k }], ['invT', { type: 'f32', value: T > 0 ? 1 / T : 0 }], ['u', { type: 'f32', value: params.u as number }]],
        bindings: [{ binding: 0, tensor: 'logits', access: 'read' }, { binding: 1, tensor: 'out', access: 'read_write' }],
        tiles: [{
          x: [0, 1], y: [0, 1], z: [0, 1], note: `${k} arg-max round${k === 1 ? '' : 's'} over ${V} logits`,
          steps: [
            { kind: 'loop', count: k, body: [{ kind: 'load', tensor: 'logits', bytes: 4 * V }, { kind: 'vector', count: 2 * V, op: 'compare' }] },
            { kind: 'vector', count: 3 * k, op: 'softmax' },
            { kind: 'store', tensor: 'out', bytes: 4 * (1 + k) },
          ],
        }],
        workgroupBytes: 8 * SAMPLE_WG + 8 * MAX_TOP_K,
      }],
      flops: 2 * V * k,
      ioBytes: 4 * V + 4 * (1 + k),
      requiredFeatures: [],
      requiredLanguageFeatures: [],
    };
  },
  makeInputs(plan, seed) {
    const V = plan.params.V as number;
    // Logits with some exact ties (rounded to 1/8) so the index-ascending tie rule is exercised.
    const r = rng(seed);
    const logits = randomF32(V, seed, 6).map((v) => (r() < 0.3 ? Math.round(v * 8) / 8 : v));
    return { logits };
  },
  userInputs: [{ name: 'logits', dtype: 'float32', shapes: [['V']], doc: 'next-token logits, finite or -Infinity (masked)' }],
  fromUser(_plan, user) {
    // NaN has no rank (the arg-max rounds skip it, the reference's order differs) and +Infinity makes the
    // softmax NaN: such logits mean the model failed, so they are refused rather than sampled.
    const logits = f32Input(user, 'logits');
    for (let i = 0; i < logits.length; i++) {
      const v = logits[i];
      if (Number.isNaN(v) || v === Infinity) throw new KernelInputError(`sample: logits[${i}] is ${v}; logits must be finite numbers or -Infinity (a masked token)`);
    }
    return { logits };
  },
  reference(plan, ins) {
    const V = plan.params.V as number;
    const T = plan.params.temperature as number;
    const k = effectiveTopK(T, plan.params.k as number, V);
    const logits = (ins.logits as Float32Array).subarray(0, V);
    const out = new Uint32Array(1 + k);
    out[0] = sampleWith(logits, T, k, plan.params.u as number);
    out.set(topK(logits, k), 1);
    return { out };
  },
  tolerance: () => 'exact',
};

/** A seeded stream of uniform draws, one per generated token. */
export function drawStream(seed: number): () => number {
  return rng(seed);
}
