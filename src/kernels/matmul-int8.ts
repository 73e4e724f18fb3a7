// int8 matmul (llama2.c runq.c style): Y[M, N] ≈ X[M, K] · W[K, N] with symmetric int8
// quantization, four int8 per u32, int32 accumulation and one rescale at the end.
// Two passes: quantize_int8 (X -> Xq i8x4 [M, KW] + xScale [M], one scale per row) then
// matmul_int8_{dot4,unpacked} (tiled like matmul_tiled, dequantizing epilogue) or, for few rows, gemv
// (matmul_int8_gemv per column, matmul_int8_gemv_group per group: weights streamed once). Weights arrive
// quantized on the host (src/kernels/quant.ts): Wq i8x4 [N, KW] K-major per output column and
// wScale f32 [NG, N], one scale per column (group = 0, NG = 1) or per group of `group` along K.
// Plan, CPU reference (bit-identical quantization, exact integer accumulators, f64 dequant).

import {
  type KernelDef,
  type ParamDoc,
  type Tensors,
  KernelInputError,
  checkVariant,
  derived,
  f32Input,
  randomF32,
  u32Input,
  validateByDocs,
} from './kernel.ts';
import { axisRanges, cdiv, kLoop, splitExtent, type Pass, type Plan, type Step, type TileClass } from './plan.ts';
import { checkMatmulTiles } from './matmul.ts';
import { F32_MIN_NORMAL, maxAbs } from './compare.ts';
import { groupCount, packColumns, quantizeRows, quantizeWeights, packRows, unpackColumns, unpackRows } from './quant.ts';

export const MATMUL_INT8_VARIANTS = ['dot4', 'unpacked', 'gemv'] as const;
export type MatmulInt8Variant = (typeof MATMUL_INT8_VARIANTS)[number];

/** Invocations per row of the quantize pass. */
export const QUANTIZE_WG = 64;
const MAX_DIM = 1 << 16;

const PARAMS: readonly ParamDoc<keyof Int8Params>[] = [
  { name: 'M', doc: 'rows of X and Y (tokens); one quantize workgroup per row', default: 256, allowed: [1, 65535] },
  { name: 'N', doc: 'columns of W and Y (output features)', default: 256, allowed: [1, MAX_DIM] },
  { name: 'K', doc: 'inner dimension (any value; rows are zero-padded to a multiple of 4)', default: 256, allowed: [1, MAX_DIM] },
  { name: 'group', doc: 'weight scale group along K: 0 = one scale per output column, else a multiple of 4·BKW (dot4, unpacked) or of 16 up to 1024 (gemv)', default: 0, allowed: [0, MAX_DIM] },
  { name: 'output', doc: "'f32': dequantized Y; 'acc': the raw int32 accumulators ACC (needs group 0), plus Xq and xScale", default: 'f32', allowed: ['f32', 'acc'] },
  { name: 'BM', doc: 'rows of Y per workgroup (16, 32, 64, 128)', default: 64, allowed: [16, 128] },
  { name: 'BN', doc: 'columns of Y per workgroup (16, 32, 64, 128)', default: 64, allowed: [16, 128] },
  { name: 'BKW', doc: 'K step in packed words (4·BKW int8 values) held in workgroup memory (1 to 32)', default: 8, allowed: [1, 32] },
  { name: 'TM', doc: 'rows of the register tile per invocation (1, 2, 4, 8)', default: 8, allowed: [1, 8] },
  { name: 'TN', doc: 'columns of the register tile per invocation (1, 2, 4, 8)', default: 8, allowed: [1, 8] },
];

export type Int8Params = {
  M: number;
  N: number;
  K: number;
  group: number;
  output: 'f32' | 'acc';
  BM: number;
  BN: number;
  BKW: number;
  TM: number;
  TN: number;
};

function validate(raw: Record<string, unknown>): Int8Params {
  const v = validateByDocs<Int8Params>(raw, PARAMS, 'matmul-int8');
  if ((v.BKW & (v.BKW - 1)) !== 0) throw new KernelInputError(`BKW must be a power of two in [1, 32], got ${v.BKW}`);
  checkMatmulTiles({ BM: v.BM, BN: v.BN, BK: 4 * v.BKW, TM: v.TM, TN: v.TN });
  if (v.group !== 0 && v.group % 4 !== 0) {
    throw new KernelInputError(`group must be 0 (one scale per column) or a multiple of 4 (a whole number of packed words), got ${v.group}`);
  }
  if (v.output === 'acc' && v.group !== 0) {
    throw new KernelInputError(`output 'acc' writes one int32 accumulator per output and needs group = 0 (per-column scales), got group ${v.group}`);
  }
  return v;
}

/** The largest power-of-two BKW whose K step 4·BKW divides `group` (a multiple of 4, so at least 1). */
function largestBkwFor(group: number): number {
  let b = 32;
  while (group % (4 * b) !== 0) b /= 2;
  return b;
}

/** The leading axis of per-group weight scales. */
const SCALE_GROUPS = derived<Int8Params>('ceil(K/group)', (p) => groupCount(p.K, p.group));

/** Shapes derived from the params: KW packed words per row, GW words per scale group, NG groups. */
export function int8Dims(p: { K: number; group: number }): { KW: number; GW: number; NG: number } {
  const KW = cdiv(p.K, 4);
  const GW = p.group === 0 ? KW : p.group / 4;
  return { KW, GW, NG: groupCount(p.K, p.group) };
}

/** Quantize pass: one workgroup per row, two reads of the row (absmax, then quantize+pack). */
export function quantizePass(M: number, K: number, names = { X: 'X', Xq: 'Xq', xScale: 'xScale' }): Pass {
  const KW = cdiv(K, 4);
  return {
    shader: 'quantize_int8',
    entryPoint: 'main',
    label: 'quantize X to int8',
    workgroupSize: [QUANTIZE_WG, 1, 1],
    grid: [M, 1, 1],
    overrides: { QWG: QUANTIZE_WG },
    uniforms: [
      ['M', { type: 'u32', value: M }],
      ['K', { type: 'u32', value: K }],
      ['KW', { type: 'u32', value: KW }],
    ],
    bindings: [
      { binding: 0, tensor: names.X, access: 'read' },
      { binding: 1, tensor: names.Xq, access: 'read_write' },
      { binding: 2, tensor: names.xScale, access: 'read_write' },
    ],
    tiles: [
      {
        x: [0, M],
        y: [0, 1],
        z: [0, 1],
        note: `one row of ${K} values`,
        steps: [
          { kind: 'load', tensor: names.X, bytes: 4 * K },
          { kind: 'vector', count: K, op: 'absmax' },
          { kind: 'load', tensor: names.X, bytes: 4 * K },
          { kind: 'vector', count: K, op: 'quantize' },
          { kind: 'store', tensor: names.Xq, bytes: 4 * KW },
          { kind: 'store', tensor: names.xScale, bytes: 4 },
        ],
      },
    ],
    workgroupBytes: 4,
  };
}

/** Tensor names of an int8 matmul pass (the LLM binds its own buffers to them). */
export type Int8PassNames = { Xq: string; Wq: string; xScale: string; wScale: string; Y: string };
const INT8_NAMES: Int8PassNames = { Xq: 'Xq', Wq: 'Wq', xScale: 'xScale', wScale: 'wScale', Y: 'Y' };

/** The uniforms (struct Params { M, N, K, KW, GW }) and bindings every int8 matmul shader declares. */
function int8PassIo(M: number, N: number, K: number, KW: number, GW: number, names: Int8PassNames): Pick<Pass, 'uniforms' | 'bindings'> {
  return {
    uniforms: [
      ['M', { type: 'u32', value: M }],
      ['N', { type: 'u32', value: N }],
      ['K', { type: 'u32', value: K }],
      ['KW', { type: 'u32', value: KW }],
      ['GW', { type: 'u32', value: GW }],
    ],
    bindings: [
      { binding: 0, tensor: names.Xq, access: 'read' },
      { binding: 1, tensor: names.Wq, access: 'read' },
      { binding: 2, tensor: names.xScale, access: 'read' },
      { binding: 3, tensor: names.wScale, access: 'read' },
      { binding: 4, tensor: names.Y, access: 'read_write' },
    ],
  };
}

/** Matmul pass over quantized operands; `acc` = raw int32 epilogue (no scale loads). */
export function int8MatmulPass(
  p: Omit<Int8Params, 'output'> & { acc: boolean },
  variant: Exclude<MatmulInt8Variant, 'gemv'>,
  names: Int8PassNames = INT8_NAMES,
): Pass {
  const { M, N, K, BM, BN, BKW, TM, TN, acc } = p;
  // The tiled kernels rescale at group ends between K steps (gemv takes any multiple of 16: int8GemvFits).
  if (p.group !== 0 && p.group % (4 * BKW) !== 0) {
    throw new KernelInputError(
      `matmul-int8 ${variant}: group must be 0 (per column) or a multiple of 4·BKW = ${4 * BKW} so that every K step lies inside one scale group, got ${p.group}` +
        ` (lower BKW to ${largestBkwFor(p.group)}, pick another group${p.M <= INT8_GEMV.MAX_ROWS ? ', or use gemv' : ''})`,
    );
  }
  const { KW, GW } = int8Dims(p);
  const tileSteps = (rows: number, cols: number): Step[] => {
    const kStep = (kw: number): Step[] => [
      { kind: 'load', tensor: names.Xq, bytes: 4 * rows * kw, shareAxes: ['x'] },
      { kind: 'load', tensor: names.Wq, bytes: 4 * cols * kw, shareAxes: ['y'] },
      // dot4 over padded words: 4 int8 MACs per word, padding lanes included.
      { kind: 'mac', count: rows * cols * 4 * kw, dtype: 'int8' },
    ];
    const groupSteps = (gw: number): Step[] =>
      acc
        ? kLoop(gw, BKW, kStep)
        : [
            { kind: 'load', tensor: names.wScale, bytes: 4 * cols, shareAxes: ['y'] },
            ...kLoop(gw, BKW, kStep),
            { kind: 'vector', count: rows * cols, op: 'dequantize group (acc · wScale)' },
          ];
    const { full, tail } = splitExtent(KW, GW);
    const steps: Step[] = [];
    if (!acc) steps.push({ kind: 'load', tensor: names.xScale, bytes: 4 * rows, shareAxes: ['x'] });
    if (full > 0) steps.push({ kind: 'loop', count: full, body: groupSteps(GW) });
    if (tail > 0) steps.push(...groupSteps(tail));
    if (!acc) steps.push({ kind: 'vector', count: rows * cols, op: 'rescale by xScale' });
    steps.push({ kind: 'store', tensor: names.Y, bytes: 4 * rows * cols });
    return steps;
  };
  const tiles: TileClass[] = [];
  for (const ys of axisRanges(M, BM))
    for (const xs of axisRanges(N, BN)) {
      tiles.push({
        x: xs.range,
        y: ys.range,
        z: [0, 1],
        note: `${ys.size}x${xs.size} block of ${names.Y}${ys.size < BM || xs.size < BN ? ' (ragged edge)' : ''}`,
        steps: tileSteps(ys.size, xs.size),
      });
    }
  return {
    shader: variant === 'dot4' ? 'matmul_int8_dot4' : 'matmul_int8_unpacked',
    entryPoint: 'main',
    label: acc ? 'int8 matmul (int32 accumulators)' : 'int8 matmul + dequantize',
    workgroupSize: [BN / TN, BM / TM, 1],
    grid: [cdiv(N, BN), cdiv(M, BM), 1],
    overrides: { BM, BN, BKW, TM, TN, OUTPUT_ACC: acc },
    ...int8PassIo(M, N, K, KW, GW, names),
    tiles,
    workgroupBytes: 4 * (BM * BKW + BN * BKW + BN + BM),
  };
}

/**
 * The int8 gemv kernels' shape (matmul_int8_gemv{,_group}.wgsl): TK lanes per column, NC columns, XC-word Xq
 * chunks; per-group scales take groups of a multiple of 16 values up to MAX_GROUP (f32(acc_g) stays exact).
 */
export const INT8_GEMV = { TK: 32, NC: 8, XC: 64, MAX_ROWS: 8, MAX_GROUP: 1024 } as const;

/**
 * gemv reads Xq and Wq rows as vec4<u32> (K a multiple of 16). Per-column scales (group 0): an exact i32
 * lane reduction, one rescale per output. Per-group scales: a lane owns whole groups (whole vec4 words: the
 * group a multiple of 16, at most 1024), adds each group's dot exactly in i32 and scales it once in f32.
 */
export function int8GemvFits(p: Pick<Int8Params, 'K' | 'group'>): boolean {
  return p.K % 16 === 0 && (p.group === 0 || (p.group % 16 === 0 && p.group <= INT8_GEMV.MAX_GROUP));
}

/**
 * The int8 gemv pass: every weight word read once for MR = min(M, 8) rows (see the shader headers).
 * group 0: matmul_int8_gemv (lanes interleave words, i32 lane reduction); else matmul_int8_gemv_group
 * (lanes interleave whole groups, each group's i32 dot scaled once, f32 lane reduction).
 */
export function int8GemvPass(p: Omit<Int8Params, 'output'> & { acc: boolean }, names: Int8PassNames = INT8_NAMES): Pass {
  const { M, N, K, acc, group } = p;
  if (!int8GemvFits(p)) {
    throw new KernelInputError(
      `int8 gemv reads rows as vec4<u32> (16 int8): K must be a multiple of 16 and group 0 (per column) or a multiple of 16 up to ${INT8_GEMV.MAX_GROUP}, got K=${K}, group=${group}; use dot4`,
    );
  }
  const { TK, NC } = INT8_GEMV;
  const { KW, GW } = int8Dims(p);
  const KW4 = KW / 4;
  const MR = Math.min(M, INT8_GEMV.MAX_ROWS);
  const grouped = group !== 0;
  // A chunk of Xq holds whole groups: XC is the largest multiple of the group's vec4 words up to 64.
  const GW4 = grouped ? group / 16 : 1;
  const XC = GW4 * Math.floor(INT8_GEMV.XC / GW4);
  const tiles: TileClass[] = [];
  for (const ys of axisRanges(M, MR))
    for (const xs of axisRanges(N, NC)) {
      const rows = ys.size;
      const cols = xs.size;
      const steps: Step[] = kLoop(KW4, XC, (c) => {
        const chunk: Step[] = [
          { kind: 'load', tensor: names.Xq, bytes: 16 * rows * c, shareAxes: ['x'] },
          { kind: 'load', tensor: names.Wq, bytes: 16 * cols * c, shareAxes: ['y'] },
          { kind: 'mac', count: rows * cols * 16 * c, dtype: 'int8' },
        ];
        if (!grouped) return chunk;
        // c words hold ceil(c / GW4) groups (only the last chunk's last one ragged): a scale and a dequantize each.
        const g = cdiv(c, GW4);
        return [...chunk, { kind: 'load', tensor: names.wScale, bytes: 4 * cols * g, shareAxes: ['y'] }, { kind: 'vector', count: rows * cols * g, op: 'dequantize group (f32(acc_g) · wScale)' }];
      });
      if (grouped) {
        steps.push(
          { kind: 'vector', count: (TK - 1) * rows * cols, op: 'reduce lanes (f32)' },
          { kind: 'load', tensor: names.xScale, bytes: 4 * rows * cols, shareAxes: ['x'] },
          { kind: 'vector', count: rows * cols, op: 'rescale by xScale' },
        );
      } else {
        if (!acc) steps.push({ kind: 'load', tensor: names.wScale, bytes: 4 * cols, shareAxes: ['y'] });
        steps.push({ kind: 'vector', count: (TK - 1) * rows * cols, op: 'reduce lanes (i32)' });
        if (!acc) steps.push({ kind: 'load', tensor: names.xScale, bytes: 4 * rows * cols, shareAxes: ['x'] }, { kind: 'vector', count: 2 * rows * cols, op: 'rescale (acc · wScale · xScale)' });
      }
      steps.push({ kind: 'store', tensor: names.Y, bytes: 4 * rows * cols });
      tiles.push({ x: xs.range, y: ys.range, z: [0, 1], note: `${rows} row${rows === 1 ? '' : 's'} x ${cols} columns, streaming ${cols} columns of ${names.Wq}`, steps });
    }
  return {
    shader: grouped ? 'matmul_int8_gemv_group' : 'matmul_int8_gemv',
    entryPoint: 'main',
    label: acc ? 'int8 gemv (int32 accumulators)' : grouped ? `int8 gemv + dequantize per group of ${group}` : 'int8 gemv + dequantize',
    workgroupSize: [TK, NC, 1],
    grid: [cdiv(N, NC), cdiv(M, MR), 1],
    overrides: grouped ? { TK, NC, MR, XC, GW4 } : { TK, NC, MR, XC, OUTPUT_ACC: acc },
    ...int8PassIo(M, N, K, KW, GW, names),
    tiles,
    workgroupBytes: 16 * MR * XC + 4 * TK * NC,
  };
}

/** Relative rounding bound of Y for this plan (per element, against Σ_g|acc_g·wScale|·|xScale|): one rounding per group and two more. */
export function int8Rtol(plan: Plan<Pick<Int8Params, 'K' | 'group'>>): number {
  return int8EpilogueRtol(groupCount(plan.params.K, plan.params.group));
}

function planInt8(p: Int8Params, v: MatmulInt8Variant): Plan<Int8Params> {
  checkVariant(matmulInt8, v);
  const { M, N, K } = p;
  const { KW, NG } = int8Dims(p);
  const acc = p.output === 'acc';
  // In 'acc' mode the quantized activations are outputs too, so tests can check the quantize pass exactly.
  const quantRole = acc ? 'output' : 'scratch';
  const out = acc ? 'ACC' : 'Y';
  return {
    kernel: 'matmul-int8',
    variant: v,
    params: { ...p },
    tensors: [
      { name: 'X', dtype: 'f32', shape: [M, K], bytes: 4 * M * K, role: 'input', layout: '[M, K] row-major f32 activations' },
      { name: 'Wq', dtype: 'i8x4', shape: [N, KW], bytes: 4 * N * KW, role: 'weight', layout: '[N, ceil(K/4)] u32: int8 weights K-major per output column, 4 per word, zero-padded' },
      { name: 'wScale', dtype: 'f32', shape: p.group === 0 ? [N] : [NG, N], bytes: 4 * NG * N, role: 'weight', layout: p.group === 0 ? '[N] scale per output column' : `[ceil(K/${p.group}), N] scale per group of ${p.group} along K` },
      { name: 'Xq', dtype: 'i8x4', shape: [M, KW], bytes: 4 * M * KW, role: quantRole, layout: '[M, ceil(K/4)] u32: int8 activations, 4 per word, zero-padded' },
      { name: 'xScale', dtype: 'f32', shape: [M], bytes: 4 * M, role: quantRole, layout: '[M] scale per row' },
      acc
        ? { name: 'ACC', dtype: 'i32', shape: [M, N], bytes: 4 * M * N, role: 'output', layout: '[M, N] row-major int32 accumulators Σ_k Xq·Wq' }
        : { name: 'Y', dtype: 'f32', shape: [M, N], bytes: 4 * M * N, role: 'output', layout: '[M, N] row-major f32' },
    ],
    passes: [
      quantizePass(M, K),
      v === 'gemv' ? int8GemvPass({ ...p, acc }, { ...INT8_NAMES, Y: out }) : int8MatmulPass({ ...p, acc }, v, { ...INT8_NAMES, Y: out }),
    ],
    flops: 2 * M * N * K,
    ioBytes: 4 * (M * K + N * KW + NG * N + M * N),
    requiredFeatures: [],
    requiredLanguageFeatures: v === 'unpacked' ? [] : ['packed_4x8_integer_dot_product'],
  };
}

export interface Int8Reference {
  /** Quantized activations, packed [M, KW], and their scales [M] (bit-identical to the GPU's). */
  Xq: Uint32Array;
  xScale: Float32Array;
  /** Σ over all K of Xq·Wq, exact, [M, N]. */
  acc: Int32Array;
  /** Y in f64: Σ_g acc_g · wScale[g, n] · xScale[m], [M, N]. */
  Y: Float64Array;
  /** Σ_g |acc_g · wScale[g, n]| · |xScale[m]|: the magnitude the f32 epilogue's rounding scales with. */
  Yabs: Float64Array;
}

/** CPU reference from X (quantized here exactly as the GPU does) and packed weights. */
export function int8MatmulRef(X: Float32Array, Wq: Uint32Array, wScale: Float32Array, M: number, N: number, K: number, group: number): Int8Reference {
  const { q: xq, scale: xScale } = quantizeRows(X, M, K);
  const wq = unpackColumns(Wq, K, N); // [K, N]
  const G = group === 0 ? K : group;
  const NG = groupCount(K, group);
  const acc = new Int32Array(M * N);
  const Y = new Float64Array(M * N);
  const Yabs = new Float64Array(M * N);
  const accG = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    const total = new Float64Array(N);
    for (let g = 0; g < NG; g++) {
      accG.fill(0);
      for (let k = g * G; k < Math.min(K, (g + 1) * G); k++) {
        const a = xq[m * K + k];
        if (a === 0) continue;
        for (let n = 0; n < N; n++) accG[n] += a * wq[k * N + n];
      }
      for (let n = 0; n < N; n++) {
        total[n] += accG[n];
        const t = accG[n] * wScale[g * N + n];
        Y[m * N + n] += t;
        Yabs[m * N + n] += Math.abs(t);
      }
    }
    for (let n = 0; n < N; n++) {
      acc[m * N + n] = total[n];
      Y[m * N + n] *= xScale[m];
      Yabs[m * N + n] *= Math.abs(xScale[m]);
    }
  }
  return { Xq: packRows(xq, M, K), xScale, acc, Y, Yabs };
}

/**
 * Relative rounding bound of the f32 epilogue, against Yabs = Σ_g|acc_g·s_g|·|xScale| (u = 2^-24). Each group's
 * acc_g is exact (i32), then t_g = f32(f32(acc_g)·s_g): 2 roundings, |t̂_g − t_g| ≤ ((1+u)^2 − 1)|t_g|. The NG
 * terms are added in f32 in any order (the tiled kernels: in K order; gemv: per lane, then a lane tree): any
 * summation of NG terms is within γ_{NG−1}·Σ|t̂_g| of the exact sum, whatever its order (each of its NG−1
 * additions rounds once, relative to a partial sum bounded by Σ|t̂_g|). The row scale rounds once more. So
 * |Ŷ − Y| ≤ ((1+u)^(NG+2) − 1)·Yabs ≈ (NG+2)·u·Yabs; 4x that for margin. It holds only if a group is scaled
 * once, as a whole: scaling parts of a group rounds each part, relative to Σ|part·s|, which cancellation
 * inside the group can make far larger than |acc_g·s| (the gemv test with a cancelling group checks this).
 */
export function int8EpilogueRtol(NG: number): number {
  return 4 * (NG + 2) * 2 ** -24;
}

function checkFinite(name: string, a: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new KernelInputError(`${name}[${i}] is ${a[i]}; the int8 matmul needs finite values (a row's scale comes from its max |value|)`);
  }
}

/**
 * A subnormal scale (0 < |s| < 2^-126) may be read as 0 by the GPU (WGSL allows flushing subnormals), while it
 * multiplies int32 accumulators up to ~1e9 and the row scale: Y ~ 1e-35 became 0 (bench/kernel-holdout.py).
 * Our quantizer never makes one (a group with max below 2^-119 gets scale 0), so a given one is refused.
 */
function checkNotSubnormal(name: string, a: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > 0 && v < F32_MIN_NORMAL) throw new KernelInputError(`${name}[${i}] is ${a[i]}, a subnormal number the GPU may read as 0; give 0 or a scale of at least 2^-126 (${F32_MIN_NORMAL.toExponential(3)})`);
  }
}

function checkLength(name: string, a: ArrayLike<number> | undefined, want: number, what: string): void {
  if (!a) throw new KernelInputError(`missing tensor ${name} (${what})`);
  if (a.length !== want) throw new KernelInputError(`${name} has ${a.length} elements, expected ${want} (${what})`);
}

export const matmulInt8: KernelDef<Int8Params, MatmulInt8Variant> = {
  name: 'matmul-int8',
  title: 'int8 matmul (quantize + dot4)',
  description:
    'Y[M, N] ≈ X[M, K] · W[K, N] with symmetric int8 quantization (llama2.c runq.c). Pass 1 (quantize_int8) quantizes each row ' +
    'of X on the GPU: scale = max|x|·f32(1/127), q = round-half-even(x · inv) with inv = 127/max|x| truncated to 24 bits by ' +
    'integer division (no float division, so the CPU reference reproduces it bit for bit; q never reaches -128), packed four ' +
    'per u32 into Xq [M, ceil(K/4)]. Pass 2 is tiled like the f32 matmul: a workgroup owns a BM×BN block, stages BKW packed ' +
    'words of Xq and of the weights Wq [N, ceil(K/4)] (K-major per output column) in workgroup memory, and each invocation ' +
    'accumulates a TM×TN register tile in int32 (dot4: dot4I8Packed, needs packed_4x8_integer_dot_product; unpacked: shifts ' +
    'and sign extension). Weight scales are per column (group 0) or per group of `group` values along K, a multiple of 4·BKW ' +
    'so a group holds whole K steps; the int32 tile is rescaled at each group end. Epilogue: Y = Σ_g acc_g·wScale[g, n] · ' +
    "xScale[m] in f32, or with output 'acc' the raw int32 accumulators (compared exactly). K is zero-padded to a multiple of 4. " +
    'gemv (picked for M ≤ 8 when K is a multiple of 16): each weight word streamed once as vec4 for all rows, TK lanes per ' +
    'column; per-column scales reduce the lanes exactly in i32, per-group scales (a multiple of 16 up to 1024, e.g. GGUF Q8_0 ' +
    "blocks of 32) give each lane whole groups, scaled once each.",
  variants: MATMUL_INT8_VARIANTS,
  defaultVariant: 'dot4',
  baselineVariant: 'unpacked',
  params: PARAMS,
  // gemv for M ≤ 8 (the rule in matmul.ts) where it applies (K a multiple of 16; per-column scales or groups of 16·j ≤ 1024, Q8_0's 32 included), else dot4.
  // family 'unpacked' (a device without the packed dot product, which gemv needs too) stays unpacked.
  pickVariant: (p, family) => (family === 'unpacked' ? 'unpacked' : p.M <= INT8_GEMV.MAX_ROWS && int8GemvFits(p) ? 'gemv' : 'dot4'),
  userInputs: [
    { name: 'X', dtype: 'float32', shapes: [['M', 'K']], doc: 'activations (finite); quantized per row on the GPU' },
    { name: 'W', dtype: 'float32', shapes: [['K', 'N']], doc: 'weights, quantized on the host per column or per group (give W, or Wq + wScale)', optional: true },
    { name: 'Wq', dtype: 'int8', shapes: [['K', 'N']], doc: 'already-quantized weights (-128 allowed), instead of W', optional: true },
    { name: 'wScale', dtype: 'float32', shapes: [['N'], [SCALE_GROUPS, 'N']], doc: 'scales of Wq: W ≈ Wq · wScale ([N] when group = 0)', optional: true },
  ],
  validate,
  plan: planInt8,
  makeInputs(plan, seed) {
    const { M, N, K, group } = plan.params;
    const X = randomF32(M * K, seed);
    const W = randomF32(K * N, seed + 1);
    return { X, ...quantizeWeights(W, K, N, group) };
  },
  toUser: unpackForUser,
  fromUser(plan, user) {
    const { M, N, K, group } = plan.params;
    const NG = groupCount(K, group);
    const X = user.X;
    checkLength('X', X, M * K, `float32 [M, K] = [${M}, ${K}]`);
    if (!(X instanceof Float32Array)) throw new KernelInputError('X must be float32');
    checkFinite('X', X);
    if (user.W) {
      if (user.Wq || user.wScale) throw new KernelInputError('give either W (float32 [K, N]) or Wq (int8 [K, N]) with wScale, not both');
      if (!(user.W instanceof Float32Array)) throw new KernelInputError('W must be float32 [K, N]');
      checkLength('W', user.W, K * N, `float32 [K, N] = [${K}, ${N}]`);
      checkFinite('W', user.W);
      return { X, ...quantizeWeights(user.W, K, N, group) };
    }
    if (!user.Wq) throw new KernelInputError(`missing weights: give W (float32 [${K}, ${N}]) or Wq (int8 [${K}, ${N}]) with wScale`);
    if (!(user.Wq instanceof Int8Array)) throw new KernelInputError(`Wq must be int8 [K, N] = [${K}, ${N}]`);
    checkLength('Wq', user.Wq, K * N, `int8 [K, N] = [${K}, ${N}]`);
    const wScale = user.wScale;
    const scaleShape = group === 0 ? `[N] = [${N}]` : `[ceil(K/group), N] = [${NG}, ${N}]`;
    if (wScale === undefined) throw new KernelInputError(`missing wScale: Wq needs its scales, float32 ${scaleShape} (W ≈ Wq · wScale)`);
    if (!(wScale instanceof Float32Array)) throw new KernelInputError(`wScale must be float32 ${group === 0 ? `[N] = [${N}]` : `[ceil(K/group), N] = [${NG}, ${N}]`}`);
    checkLength('wScale', wScale, NG * N, group === 0 ? `float32 [N] = [${N}]` : `float32 [ceil(K/group), N] = [${NG}, ${N}]`);
    checkFinite('wScale', wScale);
    checkNotSubnormal('wScale', wScale);
    return { X, Wq: packColumns(user.Wq, K, N), wScale };
  },
  reference(plan, inputs): Tensors {
    const { M, N, K, group, output } = plan.params;
    const r = int8MatmulRef(f32Input(inputs, 'X'), u32Input(inputs, 'Wq'), f32Input(inputs, 'wScale'), M, N, K, group);
    if (output === 'acc') return { ACC: r.acc, Xq: r.Xq, xScale: r.xScale };
    return { Y: Float32Array.from(r.Y) };
  },
  tolerance(plan, output) {
    if (output !== 'Y') return 'exact';
    const { K } = plan.params;
    // The int32 accumulators are exact, so only the f32 epilogue rounds: per element at most
    // int8Rtol(plan)·Yabs, Yabs = Σ_g|acc_g·wScale|·|xScale| (int8EpilogueRtol, any order of the group sum).
    // Yabs ≤ Σ_k |xq_k|·|wq_k|·max|wScale|·xScale ≤ K·127·128·max|wScale|·xScale, and 127·xScale =
    // 127·f32(max|x|·f32(1/127)) ≤ max|x|·(1+u)^2, so Yabs ≤ K·(128/127)(1+u)^2·max|x|·127·max|wScale| <
    // 1.02·K·errorScale: atol = rtol·1.02·K times errorScale (below) bounds every element's error. The GPU
    // tests also hold each element to its own rtol·Yabs (tighter where a row or a group is small).
    const rtol = int8Rtol(plan);
    return { atol: rtol * K * 1.02, rtol };
  },
  // The atol above is for |x|, |w| < 1; it scales with max|x|·max|w| (max|w| = 127·max|wScale|, -128 within the 2% margin).
  errorScale: (_plan, inputs) => maxAbs(f32Input(inputs, 'X')) * 127 * maxAbs(f32Input(inputs, 'wScale')),
};

/** Unpacks the kernel's i8x4 tensors for display / .npy output. */
export function unpackForUser(plan: Plan<Pick<Int8Params, 'M' | 'N' | 'K'>>, t: Tensors): Tensors {
  const { M, N, K } = plan.params;
  const out: Tensors = { ...t };
  if (t.Xq) out.Xq = unpackRows(u32Input(t, 'Xq'), M, K);
  if (t.Wq) out.Wq = unpackColumns(u32Input(t, 'Wq'), K, N);
  return out;
}
