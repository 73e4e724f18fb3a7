// RMSNorm (Llama) and LayerNorm (GPT-2) over rows of the residual stream. Plans, CPU references,
// validation; the WGSL is in shaders/{rmsnorm,layernorm}.wgsl. `r0` selects rows [r0, r0 + M) of
// the input, so the final norm of a prefill reads only its last token.

import { type KernelDef, type ParamDoc, type Tensors, KernelInputError, checkVariant, derived, randomF32, validateByDocs } from './kernel.ts';
import type { Plan, Step } from './plan.ts';

/** Invocations per row. */
export const NORM_WG = 64;

const PARAMS: readonly ParamDoc[] = [
  { name: 'M', doc: 'rows normalized (output rows)', default: 16, allowed: [1, 65535] },
  { name: 'D', doc: 'row length (model dimension)', default: 512, allowed: [1, 1 << 20] },
  { name: 'rows', doc: 'rows of the input X (≥ r0 + M); 0 = M', default: 0, allowed: [0, 1 << 20] },
  { name: 'r0', doc: 'first input row', default: 0, allowed: [0, 1 << 20] },
  { name: 'eps', doc: 'added under the square root (to the mean square, or the variance)', default: 1e-5, allowed: [0, 1], float: true },
];

function validate(raw: Record<string, unknown>, kernel: string) {
  const p = validateByDocs(raw, PARAMS, kernel);
  const M = p.M as number, r0 = p.r0 as number;
  if ((p.rows as number) === 0) p.rows = r0 + M;
  if (r0 + M > (p.rows as number)) throw new KernelInputError(`${kernel}: rows r0..r0+M-1 = ${r0}..${r0 + M - 1} run past the input's ${p.rows} rows`);
  return p;
}

/**
 * x · w / sqrt(mean(x²) + eps) per row of X[r0 .. r0 + M). Sums in f64, where no f32 input overflows them
 * ((3.4e38)² · 2^20 ≈ 1.2e83, far below f64's 1.8e308); the shader scales the row by a power of two instead.
 */
export function rmsNormRef(x: Float32Array, M: number, D: number, w: Float32Array, eps: number, r0 = 0): Float32Array {
  const y = new Float32Array(M * D);
  for (let m = 0; m < M; m++) {
    const o = (r0 + m) * D;
    let ss = 0;
    for (let d = 0; d < D; d++) ss += x[o + d] ** 2;
    const r = 1 / Math.sqrt(ss / D + eps);
    for (let d = 0; d < D; d++) y[m * D + d] = x[o + d] * r * w[d];
  }
  return y;
}

/** (x − mean) / sqrt(var + eps) · w + b per row of X[r0 .. r0 + M), in f64 (as rmsNormRef: no f32 input overflows it). */
export function layerNormRef(x: Float32Array, M: number, D: number, w: Float32Array, b: Float32Array, eps: number, r0 = 0): Float32Array {
  const y = new Float32Array(M * D);
  for (let m = 0; m < M; m++) {
    const o = (r0 + m) * D;
    let mean = 0;
    for (let d = 0; d < D; d++) mean += x[o + d];
    mean /= D;
    let v = 0;
    for (let d = 0; d < D; d++) v += (x[o + d] - mean) ** 2;
    const r = 1 / Math.sqrt(v / D + eps);
    for (let d = 0; d < D; d++) y[m * D + d] = (x[o + d] - mean) * r * w[d] + b[d];
  }
  return y;
}

function planNorm(kernel: 'rmsnorm' | 'layernorm', params: Plan['params']): Plan {
  const { M, D, rows, r0, eps } = params as Record<string, number>;
  const layer = kernel === 'layernorm';
  const xReads = layer ? 3 : 2;
  const steps: Step[] = [
    // LayerNorm reads the row's first value once more: the shift of its mean (shaders/layernorm.wgsl)
    ...(layer ? [{ kind: 'load', tensor: 'X', bytes: 4 } as Step] : []),
    ...Array.from({ length: xReads }, () => ({ kind: 'load', tensor: 'X', bytes: 4 * D }) as Step),
    { kind: 'load', tensor: 'w', bytes: 4 * D, shareAxes: ['x'] },
    ...(layer ? [{ kind: 'load', tensor: 'b', bytes: 4 * D, shareAxes: ['x'] } as Step] : []),
    { kind: 'vector', count: (layer ? 5 : 3) * D, op: kernel },
    { kind: 'store', tensor: 'Y', bytes: 4 * D },
  ];
  const tensors: Plan['tensors'] = [
    { name: 'X', dtype: 'f32', shape: [rows, D], bytes: 4 * rows * D, role: 'input', layout: '[rows, D] row-major' },
    { name: 'w', dtype: 'f32', shape: [D], bytes: 4 * D, role: 'weight', layout: '[D] scale' },
    ...(layer ? [{ name: 'b', dtype: 'f32', shape: [D], bytes: 4 * D, role: 'weight', layout: '[D] shift' } as Plan['tensors'][number]] : []),
    { name: 'Y', dtype: 'f32', shape: [M, D], bytes: 4 * M * D, role: 'output', layout: '[M, D] row-major' },
  ];
  return {
    kernel, variant: 'default', params: { ...params }, tensors,
    passes: [{
      shader: kernel, entryPoint: 'main', label: layer ? 'LayerNorm' : 'RMSNorm',
      workgroupSize: [NORM_WG, 1, 1], grid: [M, 1, 1], overrides: { WG: NORM_WG },
      uniforms: [['D', { type: 'u32', value: D }], ['r0', { type: 'u32', value: r0 }], ['eps', { type: 'f32', value: eps }]],
      bindings: layer
        ? [{ binding: 0, tensor: 'X', access: 'read' }, { binding: 1, tensor: 'w', access: 'read' }, { binding: 2, tensor: 'b', access: 'read' }, { binding: 3, tensor: 'Y', access: 'read_write' }]
        : [{ binding: 0, tensor: 'X', access: 'read' }, { binding: 1, tensor: 'w', access: 'read' }, { binding: 2, tensor: 'Y', access: 'read_write' }],
      tiles: [{ x: [0, M], y: [0, 1], z: [0, 1], note: `one row of ${D}: ${xReads} passes over it`, steps }],
      workgroupBytes: 4 * NORM_WG + (layer ? 4 : 0), // the reduction's partial sums (+ LayerNorm's shift x0)
    }],
    flops: (layer ? 5 : 3) * M * D,
    ioBytes: 4 * (M * D + (layer ? 2 : 1) * D + M * D),
    requiredFeatures: [],
    requiredLanguageFeatures: [],
  };
}

// Reductions over D in f32 (tree order) against f64; inverseSqrt is within a few ULP.
const NORM_TOL = { atol: 2e-5, rtol: 1e-4 };

function normDef(kernel: 'rmsnorm' | 'layernorm'): KernelDef {
  const layer = kernel === 'layernorm';
  const def: KernelDef = {
    name: kernel,
    title: layer ? 'LayerNorm' : 'RMSNorm',
    description: layer
      ? 'Y[M, D] = (X − mean) / sqrt(var + eps) · w + b per row (GPT-2). One workgroup of 64 per row, three passes over the row (mean, variance, output), tree reductions in workgroup memory; the row is scaled by a power of two near its largest |x|, so no finite input overflows f32.'
      : 'Y[M, D] = X · w / sqrt(mean(X²) + eps) per row (Llama). One workgroup of 64 per row, two passes over the row (sum of squares, output), tree reductions in workgroup memory; the row is scaled by a power of two near its largest |x| before squaring, so no finite input overflows f32.',
    variants: ['default'],
    defaultVariant: 'default',
    baselineVariant: 'default',
    params: PARAMS,
    validate: (raw) => validate(raw, kernel),
    plan(params, variant) {
      checkVariant(def, variant);
      return planNorm(kernel, params);
    },
    makeInputs(plan, seed): Tensors {
      const { rows, D } = plan.params as Record<string, number>;
      const w = randomF32(D, seed + 1, 0.5).map((v) => v + 1);
      if (layer) return { X: randomF32(rows * D, seed, 3).map((v) => v + 0.7), w, b: randomF32(D, seed + 2) };
      return { X: randomF32(rows * D, seed, 3), w };
    },
    // X is [M, D] (M inferred from it), or [rows, D] with rows, r0 and M given (the final norm's last row)
    userInputs: [
      { name: 'X', dtype: 'float32', shapes: [['M', 'D'], [derived('rows', (p) => p.rows as number), 'D']], doc: 'rows to normalize' },
      { name: 'w', dtype: 'float32', shapes: [['D']], doc: 'scale' },
      ...(layer ? [{ name: 'b', dtype: 'float32' as const, shapes: [['D']], doc: 'shift' }] : []),
    ],
    reference(plan, ins) {
      const { M, D, r0, eps } = plan.params as Record<string, number>;
      const X = ins.X as Float32Array, w = ins.w as Float32Array;
      return { Y: layer ? layerNormRef(X, M, D, w, ins.b as Float32Array, eps, r0) : rmsNormRef(X, M, D, w, eps, r0) };
    },
    tolerance: () => NORM_TOL,
  };
  return def;
}

export const rmsnorm = normDef('rmsnorm');
export const layernorm = normDef('layernorm');
