// Rotary position embedding ("rotate half", Hugging Face's Llama convention) on head-major vectors,
// written at a position offset into a [H, C, dh] buffer: RoPE for Q, RoPE of K straight into the
// KV cache, and (rotate = false) the copy of V into the cache. The WGSL is shaders/rope.wgsl.

import { type KernelDef, type ParamDoc, KernelInputError, checkVariant, derived, randomF32, validateByDocs } from './kernel.ts';
import type { Plan } from './plan.ts';
import { maxAbs } from './compare.ts';

const PARAMS: readonly ParamDoc[] = [
  { name: 'H', doc: 'heads', default: 8, allowed: [1, 1024] },
  { name: 'M', doc: 'tokens (X is [H, M, dh])', default: 16, allowed: [1, 65535] },
  { name: 'dh', doc: 'head dimension (even, ≤ 256)', default: 64, allowed: [2, 256] },
  { name: 'C', doc: 'positions per head in the output Y [H, C, dh] (a KV cache: its capacity); 0 = out0 + M', default: 0, allowed: [0, 1 << 20] },
  { name: 'pos0', doc: 'position of the first token (its cos/sin row)', default: 0, allowed: [0, 1 << 20] },
  { name: 'out0', doc: 'output row of the first token: pos0 to write into a KV cache, 0 for Q', default: 0, allowed: [0, 1 << 20] },
  { name: 'positions', doc: 'rows of the cos/sin table (≥ pos0 + M); 0 = pos0 + M', default: 0, allowed: [0, 1 << 20] },
  { name: 'rotate', doc: 'rotate (RoPE) or copy (V into the cache; models without RoPE)', default: true },
];

export function validateRope(raw: Record<string, unknown>) {
  const p = validateByDocs(raw, PARAMS, 'rope');
  const { M, dh, pos0, out0 } = p as Record<string, number>;
  if (dh % 2 !== 0) throw new KernelInputError(`rope: dh must be even (pairs are rotated), got ${dh}`);
  if ((p.C as number) === 0) p.C = out0 + M;
  if ((p.positions as number) === 0) p.positions = pos0 + M;
  if (out0 + M > (p.C as number)) throw new KernelInputError(`rope: output rows ${out0}..${out0 + M - 1} do not fit the output's ${p.C} positions per head`);
  if (pos0 + M > (p.positions as number)) throw new KernelInputError(`rope: positions ${pos0}..${pos0 + M - 1} run past the ${p.positions}-row cos/sin table`);
  return p;
}

/** Rotate-half RoPE of one head vector at table row `pos` ([pos, dh/2, (cos, sin)]), in f32 like the shader. */
export function ropeRef(v: Float32Array, off: number, dh: number, table: Float32Array, pos: number, out: Float32Array, outOff: number): void {
  const half = dh / 2;
  const f = Math.fround;
  for (let i = 0; i < half; i++) {
    const c = table[(pos * half + i) * 2], s = table[(pos * half + i) * 2 + 1];
    const x1 = v[off + i], x2 = v[off + i + half];
    out[outOff + i] = f(x1 * c) - f(x2 * s);
    out[outOff + i + half] = f(x2 * c) + f(x1 * s);
  }
}

export const rope: KernelDef = {
  name: 'rope',
  title: 'RoPE / KV-cache write',
  description: 'Y[h, out0 + m, :] = rope(X[h, m, :], pos0 + m) (rotate-half, cos/sin from a host table), or a plain copy with rotate = false; Y may be a KV cache of C positions per head. One workgroup per (token, head), dh/2 invocations.',
  variants: ['default'],
  defaultVariant: 'default',
  baselineVariant: 'default',
  params: PARAMS,
  validate: validateRope,
  plan(params, variant): Plan {
    checkVariant(rope, variant);
    const { H, M, dh, C, pos0, out0, positions } = params as Record<string, number>;
    const rot = params.rotate === true;
    return {
      kernel: 'rope', variant, params: { ...params },
      tensors: [
        { name: 'X', dtype: 'f32', shape: [H, M, dh], bytes: 4 * H * M * dh, role: 'input', layout: '[H, M, dh] head-major' },
        { name: 'T', dtype: 'f32', shape: [positions, dh / 2, 2], bytes: 4 * positions * dh, role: 'weight', layout: '[positions, dh/2, (cos, sin)]' },
        { name: 'Y', dtype: 'f32', shape: [H, C, dh], bytes: 4 * H * C * dh, role: 'output', layout: '[H, C, dh] head-major (a KV cache when C > pos0 + M)' },
      ],
      passes: [{
        shader: 'rope', entryPoint: 'main', label: rot ? 'RoPE' : 'copy into cache',
        workgroupSize: [dh / 2, 1, 1], grid: [M, H, 1], overrides: { DH: dh, ROTATE: rot },
        uniforms: [['M', { type: 'u32', value: M }], ['C', { type: 'u32', value: C }], ['pos0', { type: 'u32', value: pos0 }], ['out0', { type: 'u32', value: out0 }]],
        bindings: [{ binding: 0, tensor: 'X', access: 'read' }, { binding: 1, tensor: 'T', access: 'read' }, { binding: 2, tensor: 'Y', access: 'read_write' }],
        tiles: [{
          x: [0, M], y: [0, H], z: [0, 1], note: `one head vector of ${dh}` + (rot ? ' and its cos/sin row' : ''),
          steps: [
            { kind: 'load', tensor: 'X', bytes: 4 * dh },
            ...(rot ? [{ kind: 'load' as const, tensor: 'T', bytes: 4 * dh, shareAxes: ['y' as const] }, { kind: 'vector' as const, count: 3 * dh, op: 'rotate' }] : []),
            { kind: 'store', tensor: 'Y', bytes: 4 * dh },
          ],
        }],
        workgroupBytes: 0,
      }],
      flops: rot ? 3 * H * M * dh : 0,
      ioBytes: 4 * (2 * H * M * dh + (rot ? M * dh : 0)),
      requiredFeatures: [],
      requiredLanguageFeatures: [],
    };
  },
  makeInputs(plan, seed) {
    const { H, M, dh, positions } = plan.params as Record<string, number>;
    const T = new Float32Array(positions * dh);
    for (let p = 0; p < positions; p++) for (let i = 0; i < dh / 2; i++) {
      const a = p / Math.pow(10000, (2 * i) / dh);
      T[(p * dh / 2 + i) * 2] = Math.cos(a);
      T[(p * dh / 2 + i) * 2 + 1] = Math.sin(a);
    }
    return { X: randomF32(H * M * dh, seed), T };
  },
  userInputs: [
    { name: 'X', dtype: 'float32', shapes: [['H', 'M', 'dh']], doc: 'head vectors, head-major' },
    { name: 'T', dtype: 'float32', shapes: [['positions', derived('dh/2', (p) => (p.dh as number) / 2), derived('2', () => 2)]], doc: 'cos/sin table: T[p, i] = (cos, sin) of position p times frequency i (given even with rotate = false)' },
  ],
  reference(plan, ins) {
    const { H, M, dh, C, pos0, out0 } = plan.params as Record<string, number>;
    const X = ins.X as Float32Array, T = ins.T as Float32Array;
    // Entries outside [out0, out0 + M) stay as they were (zero here: the buffer starts cleared).
    const Y = new Float32Array(H * C * dh);
    for (let h = 0; h < H; h++) for (let m = 0; m < M; m++) {
      const src = (h * M + m) * dh, dst = (h * C + out0 + m) * dh;
      if (plan.params.rotate) ropeRef(X, src, dh, T, pos0 + m, Y, dst);
      else Y.set(X.subarray(src, src + dh), dst);
    }
    return { Y };
  },
  // Two f32 products and a difference; the GPU may fuse into an fma (one rounding less): a product's rounding,
  // ~u·|x|, where the sum cancels. atol is for makeInputs' |x| < 1 and scales with max|X| (|cos|, |sin| ≤ 1).
  tolerance: () => ({ atol: 1e-6, rtol: 1e-6 }),
  errorScale: (_plan, ins) => maxAbs(ins.X as Float32Array),
};
