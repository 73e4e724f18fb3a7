// f32 matmul C[M, N] = A[M, K] · B[K, N]: plans for the naive, tiled and gemv kernels, CPU reference.
// The f16 variant (matmul_tiled_f16.wgsl) has the same tiling with f16 storage and f32 accumulation.
//
// Variant choice (pickVariant, what runs when none is named): gemv for M ≤ GEMV_MAX_ROWS (8) when N is
// a multiple of 4, else tiled. With M ≤ 8 one gemv workgroup row holds every row, so each weight is
// streamed from memory once, as vec4, and used M times; the tiled kernel's 64-row tile would compute
// 64 − M rows of padding for the same weight traffic. Past 8 rows the tiled kernel's reuse of each B
// element BM times from workgroup memory wins, and gemv would re-read B once per 8 rows.

import {
  type KernelDef,
  KernelInputError,
  checkVariant,
  f32Input,
  randomF32,
  tensorOf,
  validateByDocs,
  type ParamDoc,
} from './kernel.ts';
import { axisRanges, cdiv, kLoop, type Pass, type Plan, type TileClass } from './plan.ts';
import { f32ToF16Bits, f16BitsToF32 } from './f16.ts';
import { decodeValues, maxAbs } from './compare.ts';

export const MATMUL_VARIANTS = ['naive', 'tiled', 'tiled-f16', 'gemv'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

const MAX_DIM = 1 << 16;

export type MatmulParams = { M: number; N: number; K: number; BM: number; BN: number; BK: number; TM: number; TN: number };

const PARAMS: readonly ParamDoc<keyof MatmulParams>[] = [
  { name: 'M', doc: 'rows of A and C', default: 256, allowed: [1, MAX_DIM] },
  { name: 'N', doc: 'columns of B and C', default: 256, allowed: [1, MAX_DIM] },
  { name: 'K', doc: 'inner dimension', default: 256, allowed: [1, MAX_DIM] },
  { name: 'BM', doc: 'tiled: rows of C per workgroup (16, 32, 64, 128)', default: 64, allowed: [16, 128] },
  { name: 'BN', doc: 'tiled: columns of C per workgroup (16, 32, 64, 128)', default: 64, allowed: [16, 128] },
  { name: 'BK', doc: 'tiled: K step held in workgroup memory (4 to 64)', default: 16, allowed: [4, 64] },
  { name: 'TM', doc: 'tiled: rows of the register tile per invocation (1, 2, 4, 8)', default: 8, allowed: [1, 8] },
  { name: 'TN', doc: 'tiled: columns of the register tile per invocation (1, 2, 4, 8)', default: 8, allowed: [1, 8] },
];

const pow2 = (v: number) => (v & (v - 1)) === 0;

export interface MatmulTiles {
  BM: number;
  BN: number;
  BK: number;
  TM: number;
  TN: number;
}

export function checkMatmulTiles(t: MatmulTiles): void {
  for (const k of ['BM', 'BN', 'BK', 'TM', 'TN'] as const) {
    if (!pow2(t[k])) throw new KernelInputError(`${k} must be a power of two, got ${t[k]}`);
  }
  if (t.BM % t.TM !== 0 || t.BN % t.TN !== 0) throw new KernelInputError(`BM must be a multiple of TM and BN of TN (got BM=${t.BM}, TM=${t.TM}, BN=${t.BN}, TN=${t.TN})`);
  const threads = (t.BM / t.TM) * (t.BN / t.TN);
  if (threads > 256) {
    throw new KernelInputError(`(BM/TM)·(BN/TN) = ${threads} invocations per workgroup; at most 256 are allowed (raise TM/TN or lower BM/BN)`);
  }
  if (t.TM * t.TN > 64) throw new KernelInputError(`TM·TN = ${t.TM * t.TN}; the register tile holds at most 64 values`);
}

/** The gemv kernel's fixed shape (matmul_gemv.wgsl): TX vec4 lanes of columns x TY K slices, KC-wide A chunks. */
export const GEMV = { TX: 8, TY: 32, KC: 128, MAX_ROWS: 8 } as const;
export const GEMV_MAX_ROWS = GEMV.MAX_ROWS;

/** The small-M rule above, shared by matmul and qkv. */
export const prefersGemv = (M: number, N: number): boolean => M <= GEMV_MAX_ROWS && N % 4 === 0;

/**
 * Plan for the gemv pass: tiles of MR = min(M, 8) rows x 4·TX columns. `epilogue` lets a caller (qkv)
 * replace the plain store of C with its own (bias, head-major scatter) and name its shader.
 */
export function gemvPass(
  M: number,
  N: number,
  K: number,
  names: { A: string; B: string; C: string } = { A: 'A', B: 'B', C: 'C' },
  label = 'matmul (gemv)',
): Pass {
  if (N % 4 !== 0) throw new KernelInputError(`gemv reads weight rows as vec4: N must be a multiple of 4, got ${N}; use the tiled variant`);
  const { TX, TY, KC } = GEMV;
  const MR = Math.min(M, GEMV.MAX_ROWS);
  const tiles: TileClass[] = [];
  for (const ys of axisRanges(M, MR))
    for (const xs of axisRanges(N / 4, TX)) {
      const rows = ys.size;
      const cols = 4 * xs.size;
      tiles.push({
        x: xs.range,
        y: ys.range,
        z: [0, 1],
        note: `${rows} row${rows === 1 ? '' : 's'} x ${cols} columns of ${names.C}${cols < 4 * TX ? ' (ragged edge)' : ''}, streaming ${cols} columns of ${names.B}`,
        steps: [
          ...kLoop(K, KC, (kc) => [
            { kind: 'load', tensor: names.A, bytes: 4 * rows * kc, shareAxes: ['x'] },
            { kind: 'load', tensor: names.B, bytes: 4 * cols * kc, shareAxes: ['y'] },
            { kind: 'mac', count: rows * cols * kc, dtype: 'f32' },
          ]),
          { kind: 'vector', count: (TY - 1) * rows * cols, op: 'reduce K slices' },
          { kind: 'store', tensor: names.C, bytes: 4 * rows * cols },
        ],
      });
    }
  return {
    shader: 'matmul_gemv',
    entryPoint: 'main',
    label,
    workgroupSize: [TX, TY, 1],
    grid: [cdiv(N / 4, TX), cdiv(M, MR), 1],
    overrides: { TX, TY, MR, KC },
    uniforms: [
      ['M', { type: 'u32', value: M }],
      ['N', { type: 'u32', value: N }],
      ['K', { type: 'u32', value: K }],
    ],
    bindings: [
      { binding: 0, tensor: names.A, access: 'read' },
      { binding: 1, tensor: names.B, access: 'read' },
      { binding: 2, tensor: names.C, access: 'read_write' },
    ],
    tiles,
    workgroupBytes: 4 * MR * KC + 16 * TX * TY,
  };
}

/** Plan for one tiled or naive matmul pass; reused by the unfused QKV path. */
export function matmulPass(
  M: number,
  N: number,
  K: number,
  variant: Exclude<MatmulVariant, 'gemv'>,
  tiles: MatmulTiles,
  names: { A: string; B: string; C: string } = { A: 'A', B: 'B', C: 'C' },
  label = 'matmul',
): Pass {
  const elem = variant === 'tiled-f16' ? 2 : 4;
  const uniforms: Pass['uniforms'] = [
    ['M', { type: 'u32', value: M }],
    ['N', { type: 'u32', value: N }],
    ['K', { type: 'u32', value: K }],
  ];
  const bindings: Pass['bindings'] = [
    { binding: 0, tensor: names.A, access: 'read' },
    { binding: 1, tensor: names.B, access: 'read' },
    { binding: 2, tensor: names.C, access: 'read_write' },
  ];
  const tileClasses: TileClass[] = [];
  if (variant === 'naive') {
    const W = 16;
    for (const ys of axisRanges(M, W))
      for (const xs of axisRanges(N, W)) {
        const outs = ys.size * xs.size;
        tileClasses.push({
          x: xs.range,
          y: ys.range,
          z: [0, 1],
          note: `${ys.size}x${xs.size} outputs, each streaming a row of A and a column of B`,
          steps: [
            {
              kind: 'loop',
              count: K,
              body: [
                { kind: 'load', tensor: names.A, bytes: 4 * outs, shareAxes: ['x'] },
                { kind: 'load', tensor: names.B, bytes: 4 * outs, shareAxes: ['y'] },
                { kind: 'mac', count: outs, dtype: 'f32' },
              ],
            },
            { kind: 'store', tensor: names.C, bytes: 4 * outs },
          ],
        });
      }
    return {
      shader: 'matmul_naive',
      entryPoint: 'main',
      label,
      workgroupSize: [W, W, 1],
      grid: [cdiv(N, W), cdiv(M, W), 1],
      overrides: { WG_X: W, WG_Y: W },
      uniforms,
      bindings,
      tiles: tileClasses,
      workgroupBytes: 0,
    };
  }
  checkMatmulTiles(tiles);
  const { BM, BN, BK, TM, TN } = tiles;
  for (const ys of axisRanges(M, BM))
    for (const xs of axisRanges(N, BN)) {
      tileClasses.push({
        x: xs.range,
        y: ys.range,
        z: [0, 1],
        note: `${ys.size}x${xs.size} block of ${names.C}${ys.size < BM || xs.size < BN ? ' (ragged edge)' : ''}`,
        steps: [
          ...kLoop(K, BK, (kb) => [
            { kind: 'load', tensor: names.A, bytes: elem * ys.size * kb, shareAxes: ['x'] },
            { kind: 'load', tensor: names.B, bytes: elem * kb * xs.size, shareAxes: ['y'] },
            { kind: 'mac', count: ys.size * xs.size * kb, dtype: variant === 'tiled-f16' ? 'f16' : 'f32' },
          ]),
          { kind: 'store', tensor: names.C, bytes: elem * ys.size * xs.size },
        ],
      });
    }
  return {
    shader: variant === 'tiled-f16' ? 'matmul_tiled_f16' : 'matmul_tiled',
    entryPoint: 'main',
    label,
    workgroupSize: [BN / TN, BM / TM, 1],
    grid: [cdiv(N, BN), cdiv(M, BM), 1],
    overrides: { BM, BN, BK, TM, TN },
    uniforms,
    bindings,
    tiles: tileClasses,
    workgroupBytes: elem * (BM * BK + BK * BN),
  };
}

function planMatmul(params: MatmulParams, v: MatmulVariant): Plan<MatmulParams> {
  checkVariant(matmul, v);
  const { M, N, K } = params;
  const elem = v === 'tiled-f16' ? 2 : 4;
  const dtype = v === 'tiled-f16' ? 'f16' : 'f32';
  // f16 buffers are padded to 4 bytes (writeBuffer and storage arrays need it).
  const bytes = (n: number) => Math.ceil((n * elem) / 4) * 4;
  return {
    kernel: 'matmul',
    variant: v,
    params: { ...params },
    tensors: [
      { name: 'A', dtype, shape: [M, K], bytes: bytes(M * K), role: 'input', layout: '[M, K] row-major' },
      { name: 'B', dtype, shape: [K, N], bytes: bytes(K * N), role: 'weight', layout: '[K, N] row-major' },
      { name: 'C', dtype, shape: [M, N], bytes: bytes(M * N), role: 'output', layout: '[M, N] row-major' },
    ],
    passes: [v === 'gemv' ? gemvPass(M, N, K) : matmulPass(M, N, K, v, params)],
    flops: 2 * M * N * K,
    ioBytes: elem * (M * K + K * N + M * N),
    requiredFeatures: v === 'tiled-f16' ? ['shader-f16'] : [],
    requiredLanguageFeatures: [],
  };
}

/** C = A · B in f64 accumulation (the reference is more precise than the kernel under test). */
export function matmulRef(A: Float32Array, B: Float32Array, M: number, N: number, K: number): Float32Array {
  const C = new Float32Array(M * N);
  const row = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k];
      if (a === 0) continue;
      const off = k * N;
      for (let j = 0; j < N; j++) row[j] += a * B[off + j];
    }
    for (let j = 0; j < N; j++) C[i * N + j] = row[j];
  }
  return C;
}

export const matmul: KernelDef<MatmulParams, MatmulVariant> = {
  name: 'matmul',
  title: 'f32 matmul',
  description:
    'C[M, N] = A[M, K] · B[K, N], row-major f32. naive: one invocation per output, reads a row of A and a column of B. ' +
    'tiled: a workgroup owns a BM×BN block of C, stages BM×BK and BK×BN blocks in workgroup memory, and each invocation ' +
    'accumulates a TM×TN register tile. tiled-f16: the same with f16 storage and f32 accumulation (needs shader-f16). ' +
    'gemv (picked for M ≤ 8): a workgroup streams 32 columns of B as vec4 for all M rows at once, K split over 32 ' +
    'lane rows and summed in workgroup memory, so each weight is read once.',
  variants: MATMUL_VARIANTS,
  defaultVariant: 'tiled',
  baselineVariant: 'naive',
  params: PARAMS,
  // family tiled-f16 (f16 storage) has no gemv form and stays tiled-f16.
  pickVariant: (p, family) => (family === 'tiled-f16' ? 'tiled-f16' : prefersGemv(p.M, p.N) ? 'gemv' : 'tiled'),
  userInputs: [
    { name: 'A', dtype: 'float32', shapes: [['M', 'K']], doc: 'left operand' },
    { name: 'B', dtype: 'float32', shapes: [['K', 'N']], doc: 'right operand (weights)' },
  ],
  validate: (raw) => validateByDocs<MatmulParams>(raw, PARAMS, 'matmul'),
  plan: planMatmul,
  makeInputs(plan, seed) {
    const { M, N, K } = plan.params;
    const A = randomF32(M * K, seed);
    const B = randomF32(K * N, seed + 1);
    if (plan.variant === 'tiled-f16') return { A: toF16(A), B: toF16(B) };
    return { A, B };
  },
  fromUser(plan, user) {
    if (plan.variant === 'tiled-f16') return { A: toF16(f32Input(user, 'A')), B: toF16(f32Input(user, 'B')) };
    return user;
  },
  reference(plan, inputs) {
    const { M, N, K } = plan.params;
    if (plan.variant === 'tiled-f16') {
      const C = matmulRef(fromF16(tensorOf(inputs, 'A', Uint16Array), M * K), fromF16(tensorOf(inputs, 'B', Uint16Array), K * N), M, N, K);
      return { C: toF16(C) };
    }
    return { C: matmulRef(f32Input(inputs, 'A'), f32Input(inputs, 'B'), M, N, K) };
  },
  tolerance(plan) {
    const { K } = plan.params;
    // f32 accumulation error grows ~ sqrt(K)·eps·|a||b|; inputs are in [-1, 1).
    if (plan.variant === 'tiled-f16') return { atol: 2e-3 * Math.sqrt(K), rtol: 2e-3 };
    return { atol: 1e-5 * Math.sqrt(K), rtol: 1e-5 };
  },
  // The accumulation error scales with |a|·|b| (src/kernels/compare.ts); 1 for makeInputs' inputs.
  errorScale: (_plan, inputs) => maxAbs(decodeValues(inputs.A)) * maxAbs(decodeValues(inputs.B)),
};

/** f16 tensors travel as raw bits in a Uint16Array, padded to an even length (4 bytes). */
export function toF16(a: Float32Array): Uint16Array {
  const out = new Uint16Array(a.length + (a.length % 2));
  for (let i = 0; i < a.length; i++) out[i] = f32ToF16Bits(a[i]);
  return out;
}

export function fromF16(a: Uint16Array, n = a.length): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f16BitsToF32(a[i]);
  return out;
}
