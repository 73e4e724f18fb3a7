// QKV projection [Q | K | V] = X · [Wq | Wk | Wv] (+ bias), grouped-query attention, head-major outputs.
// Variants: "fused" (one pass, qkv_fused.wgsl), "unfused" (three tiled matmuls into row-major
// scratch, then qkv_bias_headmajor per projection: the baseline), "fused-w8" (int8 weights with
// per-output-column scales, f32 activations, dequantized in-kernel: qkv_fused_w8.wgsl), "gemv" (few
// tokens, decode: the matmul gemv tiling with the fused epilogue, qkv_gemv.wgsl), "gemv-w8" (few tokens with
// fused-w8's int8 weights: the int8 gemv tiling, qkv_gemv_w8.wgsl). pickVariant runs gemv for M ≤ 8 tokens
// and fused otherwise (the rule in matmul.ts); for int8 weights (family fused-w8 | gemv-w8), gemv-w8 for
// M ≤ 8 when D is a multiple of 16, else fused-w8.
//
// Contract read by the attention kernels: X [M, D] row-major f32; W [D, N] row-major f32 with
// N = (Hq + 2·Hkv)·dh and columns [query (Hq·dh) | key (Hkv·dh) | value (Hkv·dh)]; bias [N] (optional);
// outputs Q [Hq, M, dh], K [Hkv, M, dh], V [Hkv, M, dh], head-major f32.
//
// X traffic, honestly: the fused kernel reads the X block [BM, BK] once per K step for all the
// q, k and v columns of its BN-wide tile, so X is read once per BN columns of [q | k | v]:
// 4·M·D·ceil(N/BN) bytes. The unfused path reads it once per BN columns of each projection:
// 4·M·D·(ceil(Nq/BN) + 2·ceil(Nkv/BN)). That is 3x when one tile spans all of q|k|v (N ≤ BN:
// small models, narrow tiles' worth of heads) and tends to 1x (plus the unfused ragged tiles and
// its scratch round trip) when N is many tiles wide.

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
import { axisRanges, cdiv, kLoop, type Pass, type Plan, type Step, type TensorSpec, type TileClass } from './plan.ts';
import { GEMV, checkMatmulTiles, matmulPass, prefersGemv, type MatmulTiles } from './matmul.ts';
import { quantizeWeights, unpackColumns } from './quant.ts';
import { maxAbs } from './compare.ts';

export const QKV_VARIANTS = ['fused', 'unfused', 'fused-w8', 'gemv', 'gemv-w8'] as const;
export type QkvVariant = (typeof QKV_VARIANTS)[number];

const MAX_DIM = 1 << 16;
/** Head dims: any multiple of 4 in [4, 256] (32, 64, 128 included), so attention can read vec4 rows. */
export const QKV_MAX_HEAD_DIM = 256;
/** Workgroup width of the unfused epilogue (qkv_bias_headmajor). */
const EPILOGUE_WG = 64;
/** Bound in place of the bias when bias = false: the shaders declare the binding but never read it. */
const NO_BIAS = 'biasUnused';

export type QkvParams = {
  M: number;
  D: number;
  Hq: number;
  Hkv: number;
  dh: number;
  bias: boolean;
  BM: number;
  BN: number;
  BK: number;
  TM: number;
  TN: number;
};

const PARAMS: readonly ParamDoc<keyof QkvParams>[] = [
  { name: 'M', doc: 'tokens (rows of X)', default: 128, allowed: [1, MAX_DIM] },
  { name: 'D', doc: 'model dimension (columns of X, rows of W)', default: 512, allowed: [1, MAX_DIM] },
  { name: 'Hq', doc: 'query heads (a multiple of Hkv)', default: 8, allowed: [1, 256] },
  { name: 'Hkv', doc: 'key/value heads (grouped-query attention: Hq/Hkv query heads share one)', default: 2, allowed: [1, 256] },
  { name: 'dh', doc: 'head dimension: a multiple of 4 in [4, 256], e.g. 32, 64, 128', default: 64, allowed: [4, QKV_MAX_HEAD_DIM] },
  { name: 'bias', doc: 'add a bias [(Hq + 2·Hkv)·dh] (Qwen-style) or not (Llama-style)', default: false },
  { name: 'BM', doc: 'tokens per workgroup (16, 32, 64, 128)', default: 64, allowed: [16, 128] },
  { name: 'BN', doc: 'columns of [q | k | v] per workgroup (16, 32, 64, 128)', default: 64, allowed: [16, 128] },
  { name: 'BK', doc: 'D step held in workgroup memory (4 to 64)', default: 16, allowed: [4, 64] },
  { name: 'TM', doc: 'rows of the register tile per invocation (1, 2, 4, 8)', default: 8, allowed: [1, 8] },
  { name: 'TN', doc: 'columns of the register tile per invocation (1, 2, 4, 8)', default: 8, allowed: [1, 8] },
];

/** The problem's dimensions, derived once. */
export interface QkvDims {
  M: number;
  D: number;
  Hq: number;
  Hkv: number;
  dh: number;
  bias: boolean;
  /** Hq·dh */
  Nq: number;
  /** Hkv·dh */
  Nkv: number;
  /** Nq + 2·Nkv: columns of W */
  N: number;
  /** ceil(D / 4): u32 words per packed int8 weight row */
  Dw: number;
}

/** Checks what the generic range checks cannot: GQA grouping and the head dim. */
export function qkvDims(params: Pick<QkvParams, 'M' | 'D' | 'Hq' | 'Hkv' | 'dh' | 'bias'>): QkvDims {
  const { M, D, Hq, Hkv, dh } = params;
  for (const [k, v] of Object.entries({ M, D, Hq, Hkv, dh })) {
    if (!Number.isInteger(v) || v < 1) throw new KernelInputError(`qkv: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (Hq % Hkv !== 0) {
    throw new KernelInputError(`qkv: Hq (${Hq}) must be a multiple of Hkv (${Hkv}); each of the Hkv key/value heads serves Hq/Hkv query heads`);
  }
  if (dh % 4 !== 0 || dh > QKV_MAX_HEAD_DIM) {
    throw new KernelInputError(`qkv: head dim dh must be a multiple of 4 in [4, ${QKV_MAX_HEAD_DIM}] (e.g. 32, 64, 128), got ${dh}`);
  }
  const Nq = Hq * dh;
  const Nkv = Hkv * dh;
  return { M, D, Hq, Hkv, dh, bias: params.bias, Nq, Nkv, N: Nq + 2 * Nkv, Dw: cdiv(D, 4) };
}

/** Columns of W: (Hq + 2·Hkv)·dh. */
const QKV_COLUMNS = derived<QkvParams>('(Hq+2Hkv)·dh', (p) => (p.Hq + 2 * p.Hkv) * p.dh);

// ---- plans --------------------------------------------------------------------------------------

/** Consecutive column tiles of [q | k | v] with the same split into q, k and v columns. */
export interface ColumnRun {
  range: [number, number];
  q: number;
  k: number;
  v: number;
}

/** Groups the ceil(N/BN) column tiles into runs (all-q, straddling, all-k, ..., ragged last). */
export function columnRuns(d: QkvDims, BN: number): ColumnRun[] {
  const runs: ColumnRun[] = [];
  const kEnd = d.Nq + d.Nkv;
  for (let j = 0; j < cdiv(d.N, BN); j++) {
    const lo = j * BN;
    const hi = Math.min(d.N, lo + BN);
    const q = Math.max(0, Math.min(hi, d.Nq) - lo);
    const k = Math.max(0, Math.min(hi, kEnd) - Math.max(lo, d.Nq));
    const v = Math.max(0, hi - Math.max(lo, kEnd));
    const last = runs[runs.length - 1];
    if (last && last.q === q && last.k === k && last.v === v) last.range[1] = j + 1;
    else runs.push({ range: [j, j + 1], q, k, v });
  }
  return runs;
}

const unpackStep = (count: number): Step => ({ kind: 'vector', count, op: 'int8-unpack' });
/** A tile's head-major stores: its q, k and v columns of `rows` tokens into Q, K and V. */
const headMajorStores = (run: ColumnRun, rows: number): Step[] =>
  ([['Q', run.q], ['K', run.k], ['V', run.v]] as const).flatMap(([t, cols]): Step[] => (cols > 0 ? [{ kind: 'store', tensor: t, bytes: 4 * rows * cols }] : []));
const biasSteps = (cols: number): Step[] => [
  { kind: 'load', tensor: 'bias', bytes: 4 * cols, shareAxes: ['y'] },
  { kind: 'vector', count: cols, op: 'bias-add' },
];

/** The uniforms of the fused, gemv and gemv-w8 shaders: struct Params { M, D, N, Nq, Nkv, dh }. */
function qkvUniforms(d: QkvDims): Pass['uniforms'] {
  return [
    ['M', { type: 'u32', value: d.M }],
    ['D', { type: 'u32', value: d.D }],
    ['N', { type: 'u32', value: d.N }],
    ['Nq', { type: 'u32', value: d.Nq }],
    ['Nkv', { type: 'u32', value: d.Nkv }],
    ['dh', { type: 'u32', value: d.dh }],
  ];
}

/** Their bindings 0-5: X, the weights (W or Wq), the bias (or its placeholder), Q, K, V. */
function qkvBindings(d: QkvDims, weights: 'W' | 'Wq'): Pass['bindings'] {
  return [
    { binding: 0, tensor: 'X', access: 'read' },
    { binding: 1, tensor: weights, access: 'read' },
    { binding: 2, tensor: d.bias ? 'bias' : NO_BIAS, access: 'read' },
    { binding: 3, tensor: 'Q', access: 'read_write' },
    { binding: 4, tensor: 'K', access: 'read_write' },
    { binding: 5, tensor: 'V', access: 'read_write' },
  ];
}

function fusedPass(d: QkvDims, tiles: MatmulTiles, w8: boolean): Pass {
  checkMatmulTiles(tiles);
  const { BM, BN, BK, TM, TN } = tiles;
  const classes: TileClass[] = [];
  for (const ys of axisRanges(d.M, BM))
    for (const run of columnRuns(d, BN)) {
      const rows = ys.size;
      const cols = run.q + run.k + run.v;
      const steps: Step[] = [];
      if (w8) steps.push({ kind: 'load', tensor: 'wScale', bytes: 4 * cols, shareAxes: ['y'] });
      if (d.bias) steps.push({ kind: 'load', tensor: 'bias', bytes: 4 * cols, shareAxes: ['y'] });
      steps.push(
        ...kLoop(d.D, BK, (kb) => {
          const words = cdiv(kb, 4); // BK is a multiple of 4, so every step but the tail starts a word
          return [
            // One X block serves the q, k and v columns of this tile.
            { kind: 'load', tensor: 'X', bytes: 4 * rows * kb, shareAxes: ['x'] },
            w8
              ? { kind: 'load', tensor: 'Wq', bytes: 4 * words * cols, shareAxes: ['y'] }
              : { kind: 'load', tensor: 'W', bytes: 4 * kb * cols, shareAxes: ['y'] },
            ...(w8 ? [unpackStep(4 * words * cols)] : []),
            { kind: 'mac', count: rows * cols * kb, dtype: 'f32' },
          ];
        }),
      );
      if (w8) steps.push({ kind: 'vector', count: rows * cols, op: 'dequant-scale' });
      if (d.bias) steps.push({ kind: 'vector', count: rows * cols, op: 'bias-add' });
      steps.push(...headMajorStores(run, rows));
      const parts = ([['q', run.q], ['k', run.k], ['v', run.v]] as const).filter(([, n]) => n > 0).map(([t, n]) => `${n} ${t}`);
      classes.push({
        x: run.range,
        y: ys.range,
        z: [0, 1],
        note: `${rows} tokens x ${cols} columns (${parts.join(' + ')})${rows < BM || cols < BN ? ' (ragged edge)' : ''}`,
        steps,
      });
    }
  const bindings = qkvBindings(d, w8 ? 'Wq' : 'W');
  if (w8) bindings.push({ binding: 6, tensor: 'wScale', access: 'read' });
  return {
    shader: w8 ? 'qkv_fused_w8' : 'qkv_fused',
    entryPoint: 'main',
    label: w8 ? 'fused QKV (int8 weights)' : 'fused QKV',
    workgroupSize: [BN / TN, BM / TM, 1],
    grid: [cdiv(d.N, BN), cdiv(d.M, BM), 1],
    overrides: { BM, BN, BK, TM, TN, HAS_BIAS: d.bias },
    uniforms: qkvUniforms(d),
    bindings,
    tiles: classes,
    // Xs [BM, BK] + Ws [BK, BN] + bias block [BN] (+ scale block [BN]); the shader declares them all.
    workgroupBytes: 4 * (BM * BK + BK * BN + BN + (w8 ? BN : 0)),
  };
}

/** Few tokens: each weight streamed once as vec4 for all M ≤ 8 tokens, D split over TY lane rows. */
function gemvPass(d: QkvDims): Pass {
  const { TX, TY, KC } = GEMV;
  const MR = Math.min(d.M, GEMV.MAX_ROWS);
  const classes: TileClass[] = [];
  for (const ys of axisRanges(d.M, MR))
    for (const run of columnRuns(d, 4 * TX)) {
      const rows = ys.size;
      const cols = run.q + run.k + run.v;
      const steps: Step[] = [
        ...kLoop(d.D, KC, (kc) => [
          { kind: 'load', tensor: 'X', bytes: 4 * rows * kc, shareAxes: ['x'] },
          { kind: 'load', tensor: 'W', bytes: 4 * cols * kc, shareAxes: ['y'] },
          { kind: 'mac', count: rows * cols * kc, dtype: 'f32' },
        ]),
        ...(d.bias ? [{ kind: 'load', tensor: 'bias', bytes: 4 * cols, shareAxes: ['y'] } satisfies Step] : []),
        { kind: 'vector', count: (TY - 1) * rows * cols, op: 'reduce D slices' },
        ...(d.bias ? [{ kind: 'vector', count: rows * cols, op: 'bias-add' } satisfies Step] : []),
      ];
      steps.push(...headMajorStores(run, rows));
      classes.push({ x: run.range, y: ys.range, z: [0, 1], note: `${rows} token${rows === 1 ? '' : 's'} x ${cols} columns, streaming ${cols} columns of W`, steps });
    }
  return {
    shader: 'qkv_gemv',
    entryPoint: 'main',
    label: 'QKV (gemv, few tokens)',
    workgroupSize: [TX, TY, 1],
    grid: [cdiv(d.N / 4, TX), cdiv(d.M, MR), 1],
    overrides: { TX, TY, MR, KC, HAS_BIAS: d.bias },
    uniforms: qkvUniforms(d),
    bindings: qkvBindings(d, 'W'),
    tiles: classes,
    workgroupBytes: 4 * MR * KC + 16 * TX * TY,
  };
}

/** The int8-weight QKV gemv's shape (qkv_gemv_w8.wgsl): TK lanes per column, NC columns, XC Wq vec4 words per X step. */
export const QKV_GEMV_W8 = { TK: 16, NC: 16, XC: 16 } as const;

/** gemv-w8 reads Wq rows as vec4<u32> (16 int8) and X rows as vec4<f32>: D a multiple of 16. */
export const qkvGemvW8Fits = (p: Pick<QkvParams, 'D'>): boolean => p.D % 16 === 0;

/** Few tokens, int8 weights: each weight word streamed once as vec4<u32> for all M ≤ 8 tokens, TK lanes per column. */
function gemvW8Pass(d: QkvDims): Pass {
  if (!qkvGemvW8Fits(d)) throw new KernelInputError(`qkv gemv-w8 reads weight rows as vec4<u32> (16 int8 along D): D must be a multiple of 16, got ${d.D}; use fused-w8`);
  const { TK, NC, XC } = QKV_GEMV_W8;
  const MR = Math.min(d.M, GEMV.MAX_ROWS);
  const Dw4 = d.D / 16;
  const classes: TileClass[] = [];
  for (const ys of axisRanges(d.M, MR))
    for (const run of columnRuns(d, NC)) {
      const rows = ys.size;
      const cols = run.q + run.k + run.v;
      const steps: Step[] = [
        ...kLoop(Dw4, XC, (c) => [
          { kind: 'load', tensor: 'X', bytes: 64 * rows * c, shareAxes: ['x'] },
          { kind: 'load', tensor: 'Wq', bytes: 16 * cols * c, shareAxes: ['y'] },
          unpackStep(16 * cols * c),
          { kind: 'mac', count: rows * cols * 16 * c, dtype: 'f32' },
        ]),
        { kind: 'load', tensor: 'wScale', bytes: 4 * cols, shareAxes: ['y'] },
        ...(d.bias ? [{ kind: 'load', tensor: 'bias', bytes: 4 * cols, shareAxes: ['y'] } satisfies Step] : []),
        { kind: 'vector', count: (TK - 1) * rows * cols, op: 'reduce lanes' },
        { kind: 'vector', count: rows * cols, op: 'dequant-scale' },
        ...(d.bias ? [{ kind: 'vector', count: rows * cols, op: 'bias-add' } satisfies Step] : []),
      ];
      steps.push(...headMajorStores(run, rows));
      classes.push({ x: run.range, y: ys.range, z: [0, 1], note: `${rows} token${rows === 1 ? '' : 's'} x ${cols} columns, streaming ${cols} int8 columns of Wq`, steps });
    }
  return {
    shader: 'qkv_gemv_w8',
    entryPoint: 'main',
    label: 'QKV (gemv, int8 weights, few tokens)',
    workgroupSize: [TK, NC, 1],
    grid: [cdiv(d.N, NC), cdiv(d.M, MR), 1],
    overrides: { TK, NC, MR, XC, HAS_BIAS: d.bias },
    uniforms: qkvUniforms(d),
    bindings: [...qkvBindings(d, 'Wq'), { binding: 6, tensor: 'wScale', access: 'read' }],
    tiles: classes,
    workgroupBytes: 64 * MR * XC + 4 * TK * NC,
  };
}

/** The unfused path's epilogue for one projection: add its bias slice, scatter [M, H·dh] to [H, M, dh]. */
function epiloguePass(d: QkvDims, src: string, dst: string, heads: number, biasOffset: number): Pass {
  const cols = heads * d.dh;
  const classes: TileClass[] = axisRanges(cols, EPILOGUE_WG).map((xs) => ({
    x: xs.range,
    y: [0, d.M],
    z: [0, 1],
    note: `${xs.size} columns of one token${xs.size < EPILOGUE_WG ? ' (ragged edge)' : ''}`,
    steps: [
      { kind: 'load', tensor: src, bytes: 4 * xs.size },
      ...(d.bias ? biasSteps(xs.size) : []),
      { kind: 'store', tensor: dst, bytes: 4 * xs.size },
    ],
  }));
  return {
    shader: 'qkv_bias_headmajor',
    entryPoint: 'main',
    label: `${dst}: ${d.bias ? 'bias + ' : ''}head-major scatter`,
    workgroupSize: [EPILOGUE_WG, 1, 1],
    grid: [cdiv(cols, EPILOGUE_WG), d.M, 1],
    overrides: { WG: EPILOGUE_WG, HAS_BIAS: d.bias },
    uniforms: [
      ['M', { type: 'u32', value: d.M }],
      ['cols', { type: 'u32', value: cols }],
      ['dh', { type: 'u32', value: d.dh }],
      ['biasOffset', { type: 'u32', value: biasOffset }],
    ],
    bindings: [
      { binding: 0, tensor: src, access: 'read' },
      { binding: 1, tensor: d.bias ? 'bias' : NO_BIAS, access: 'read' },
      { binding: 2, tensor: dst, access: 'read_write' },
    ],
    tiles: classes,
    workgroupBytes: 0,
  };
}

function f32Tensor(name: string, shape: number[], role: TensorSpec['role'], layout: string): TensorSpec {
  return { name, dtype: 'f32', shape, bytes: 4 * shape.reduce((a, b) => a * b, 1), role, layout };
}

/** The variants with int8 weights (Wq + wScale). */
const isW8 = (v: string): boolean => v === 'fused-w8' || v === 'gemv-w8';

function planQkv(params: QkvParams, v: QkvVariant): Plan<QkvParams> {
  checkVariant(qkv, v);
  const d = qkvDims(params);
  const tiles: MatmulTiles = params;
  const { M, D, Hq, Hkv, dh, N, Nq, Nkv } = d;
  const tensors: TensorSpec[] = [f32Tensor('X', [M, D], 'input', '[M, D] row-major')];
  if (v === 'fused' || v === 'gemv') {
    tensors.push(f32Tensor('W', [D, N], 'weight', '[D, (Hq+2Hkv)·dh] row-major, columns [Wq | Wk | Wv]'));
  } else if (v === 'unfused') {
    tensors.push(f32Tensor('Wquery', [D, Nq], 'weight', '[D, Hq·dh] row-major (columns 0..Hq·dh of W)'));
    tensors.push(f32Tensor('Wkey', [D, Nkv], 'weight', '[D, Hkv·dh] row-major (the next Hkv·dh columns of W)'));
    tensors.push(f32Tensor('Wvalue', [D, Nkv], 'weight', '[D, Hkv·dh] row-major (the last Hkv·dh columns of W)'));
  } else {
    tensors.push({
      name: 'Wq', dtype: 'i8x4', shape: [N, d.Dw], bytes: 4 * N * d.Dw, role: 'weight',
      layout: '[(Hq+2Hkv)·dh, ceil(D/4)] u32: row n = column n of W as int8, 4 per word along D, little-endian, zero-padded',
    });
    tensors.push(f32Tensor('wScale', [N], 'weight', '[(Hq+2Hkv)·dh] per-column scales: W[d, n] = Wq[n, d]·wScale[n]'));
  }
  if (d.bias) tensors.push(f32Tensor('bias', [N], 'weight', '[(Hq+2Hkv)·dh], [q | k | v]'));
  else tensors.push(f32Tensor(NO_BIAS, [1], 'scratch', 'placeholder bound where bias = false; never read'));
  if (v === 'unfused') {
    tensors.push(f32Tensor('Qrm', [M, Nq], 'scratch', '[M, Hq·dh] row-major, X·Wq before bias and scatter'));
    tensors.push(f32Tensor('Krm', [M, Nkv], 'scratch', '[M, Hkv·dh] row-major, X·Wk'));
    tensors.push(f32Tensor('Vrm', [M, Nkv], 'scratch', '[M, Hkv·dh] row-major, X·Wv'));
  }
  tensors.push(f32Tensor('Q', [Hq, M, dh], 'output', '[Hq, M, dh] head-major'));
  tensors.push(f32Tensor('K', [Hkv, M, dh], 'output', '[Hkv, M, dh] head-major'));
  tensors.push(f32Tensor('V', [Hkv, M, dh], 'output', '[Hkv, M, dh] head-major'));

  let passes: Pass[];
  if (v === 'unfused') {
    checkMatmulTiles(tiles);
    passes = [
      matmulPass(M, Nq, D, 'tiled', tiles, { A: 'X', B: 'Wquery', C: 'Qrm' }, 'Q = X·Wquery (row-major scratch)'),
      matmulPass(M, Nkv, D, 'tiled', tiles, { A: 'X', B: 'Wkey', C: 'Krm' }, 'K = X·Wkey (row-major scratch)'),
      matmulPass(M, Nkv, D, 'tiled', tiles, { A: 'X', B: 'Wvalue', C: 'Vrm' }, 'V = X·Wvalue (row-major scratch)'),
      epiloguePass(d, 'Qrm', 'Q', Hq, 0),
      epiloguePass(d, 'Krm', 'K', Hkv, Nq),
      epiloguePass(d, 'Vrm', 'V', Hkv, Nq + Nkv),
    ];
  } else if (v === 'gemv') {
    passes = [gemvPass(d)];
  } else if (v === 'gemv-w8') {
    passes = [gemvW8Pass(d)];
  } else {
    passes = [fusedPass(d, tiles, v === 'fused-w8')];
  }
  const weightBytes = isW8(v) ? 4 * N * d.Dw + 4 * N : 4 * D * N;
  return {
    kernel: 'qkv',
    variant: v,
    params: { ...params },
    tensors,
    passes,
    flops: 2 * M * D * N,
    ioBytes: 4 * M * D + weightBytes + (d.bias ? 4 * N : 0) + 4 * M * N,
    requiredFeatures: [],
    requiredLanguageFeatures: [],
  };
}

// ---- CPU reference ----------------------------------------------------------------------------------

/** The variant's inputs as the logical f64 weights W [D, N] (int8 weights dequantized exactly). */
function logicalWeights(d: QkvDims, variant: string, inputs: Tensors): Float64Array {
  const { D, N, Nq, Nkv } = d;
  const W = new Float64Array(D * N);
  if (variant === 'fused' || variant === 'gemv') {
    W.set(f32Input(inputs, 'W'));
  } else if (variant === 'unfused') {
    const parts: Array<[Float32Array, number, number]> = [
      [f32Input(inputs, 'Wquery'), 0, Nq],
      [f32Input(inputs, 'Wkey'), Nq, Nkv],
      [f32Input(inputs, 'Wvalue'), Nq + Nkv, Nkv],
    ];
    for (const [src, off, w] of parts) for (let k = 0; k < D; k++) for (let j = 0; j < w; j++) W[k * N + off + j] = src[k * w + j];
  } else {
    const q = unpackColumns(u32Input(inputs, 'Wq'), D, N); // int8 [D, N]
    const s = f32Input(inputs, 'wScale');
    for (let k = 0; k < D; k++) for (let n = 0; n < N; n++) W[k * N + n] = q[k * N + n] * s[n];
  }
  return W;
}

/** Q, K, V (head-major) = X · W (+ bias) with f64 accumulation. */
export function qkvRef(d: QkvDims, X: Float32Array, W: Float64Array, bias: Float32Array | null): { Q: Float32Array; K: Float32Array; V: Float32Array } {
  const { M, D, N, Nq, Nkv, dh } = d;
  const Q = new Float32Array(Nq * M);
  const K = new Float32Array(Nkv * M);
  const V = new Float32Array(Nkv * M);
  const row = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) row[n] = bias ? bias[n] : 0;
    for (let k = 0; k < D; k++) {
      const x = X[m * D + k];
      const off = k * N;
      for (let n = 0; n < N; n++) row[n] += x * W[off + n];
    }
    for (let n = 0; n < N; n++) {
      const [dst, c] = n < Nq ? [Q, n] : n < Nq + Nkv ? [K, n - Nq] : [V, n - Nq - Nkv];
      dst[(Math.floor(c / dh) * M + m) * dh + (c % dh)] = row[n];
    }
  }
  return { Q, K, V };
}

/** User tensors (X, W [D, N], bias) -> the variant's input buffers. */
function toKernelInputs(plan: Plan<QkvParams>, user: Tensors): Tensors {
  const d = qkvDims(plan.params);
  const X = f32Input(user, 'X');
  const W = f32Input(user, 'W');
  const out: Tensors = { X };
  if (d.bias && user.bias === undefined) {
    throw new KernelInputError(`qkv: bias = true needs a bias tensor, float32 [(Hq+2Hkv)·dh] = [${d.N}]; give it or set bias to false`);
  }
  if (!d.bias && user.bias !== undefined) {
    throw new KernelInputError('qkv: a bias tensor was given but bias = false; set bias to true to add it, or leave the tensor out');
  }
  if (d.bias) out.bias = f32Input(user, 'bias');
  if (plan.variant === 'fused' || plan.variant === 'gemv') {
    out.W = W;
  } else if (plan.variant === 'unfused') {
    const cols = (off: number, w: number) => {
      const a = new Float32Array(d.D * w);
      for (let k = 0; k < d.D; k++) a.set(W.subarray(k * d.N + off, k * d.N + off + w), k * w);
      return a;
    };
    out.Wquery = cols(0, d.Nq);
    out.Wkey = cols(d.Nq, d.Nkv);
    out.Wvalue = cols(d.Nq + d.Nkv, d.Nkv);
  } else {
    Object.assign(out, quantizeWeights(W, d.D, d.N, 0)); // per output column
  }
  return out;
}

export const qkv: KernelDef<QkvParams, QkvVariant> = {
  name: 'qkv',
  title: 'QKV projection (GQA, head-major)',
  description:
    '[Q | K | V] = X[M, D] · [Wq | Wk | Wv] (+ bias) with Hq query heads and Hkv key/value heads of dimension dh; ' +
    'outputs head-major Q [Hq, M, dh], K and V [Hkv, M, dh]. fused: one pass, a workgroup owns BM tokens x BN ' +
    'columns of [q | k | v] (straddling q/k/v boundaries where it falls), reads each X block once for all three and ' +
    'scatters to head-major in its epilogue. unfused: three tiled matmuls into row-major scratch, then a bias + ' +
    'head-major scatter pass per projection. fused-w8: the fused kernel with int8 weights (per-column scales, f32 ' +
    'activations, dequantized in-kernel without dot4). gemv (picked for M ≤ 8 tokens): each weight streamed once ' +
    'as vec4 for all tokens, the reduction split over 32 lane rows, the same head-major epilogue. gemv-w8 (picked ' +
    'for M ≤ 8 tokens with int8 weights, D a multiple of 16): fused-w8\'s weights streamed once as vec4<u32> (16 int8), ' +
    '16 lanes per column, one rescale per output, the same epilogue.',
  variants: QKV_VARIANTS,
  defaultVariant: 'fused',
  baselineVariant: 'unfused',
  params: PARAMS,
  // int8 weights (family fused-w8 | gemv-w8) keep them: gemv-w8 for M ≤ 8 where D % 16 == 0; else f32.
  pickVariant: (p, family) =>
    family !== undefined && isW8(family)
      ? p.M <= GEMV.MAX_ROWS && qkvGemvW8Fits(p) ? 'gemv-w8' : 'fused-w8'
      : prefersGemv(p.M, (p.Hq + 2 * p.Hkv) * p.dh) ? 'gemv' : 'fused',
  userInputs: [
    { name: 'X', dtype: 'float32', shapes: [['M', 'D']], doc: 'token activations' },
    { name: 'W', dtype: 'float32', shapes: [['D', QKV_COLUMNS]], doc: 'columns [query | key | value] projections (fused-w8 quantizes it per column)' },
    { name: 'bias', dtype: 'float32', shapes: [[QKV_COLUMNS]], doc: 'only when bias = true (Qwen-style); leave out for Llama-style', optional: true },
  ],
  validate(raw) {
    const params = validateByDocs<QkvParams>(raw, PARAMS, 'qkv');
    qkvDims(params);
    return params;
  },
  plan: planQkv,
  makeInputs(plan, seed) {
    const d = qkvDims(plan.params);
    const user: Tensors = { X: randomF32(d.M * d.D, seed), W: randomF32(d.D * d.N, seed + 1) };
    if (d.bias) user.bias = randomF32(d.N, seed + 2);
    return toKernelInputs(plan, user);
  },
  fromUser: toKernelInputs,
  reference(plan, inputs) {
    const d = qkvDims(plan.params);
    const W = logicalWeights(d, plan.variant, inputs);
    return qkvRef(d, f32Input(inputs, 'X'), W, d.bias ? f32Input(inputs, 'bias') : null);
  },
  tolerance(plan) {
    const { D } = plan.params;
    // As matmul: f32 accumulation error ~ sqrt(D)·eps·|x||w| with inputs in [-1, 1). fused-w8 sums
    // x·q (|q| ≤ 127) in f32 and rescales once by ~max|w|/127, so its error is of the same order.
    return { atol: 1e-5 * Math.sqrt(D), rtol: 1e-5 };
  },
  // As matmul, the error scales with max|x|·max|w| (src/kernels/compare.ts); the bias adds only rounding of its own size (rtol).
  errorScale(plan, inputs) {
    return maxAbs(f32Input(inputs, 'X')) * maxAbs(logicalWeights(qkvDims(plan.params), plan.variant, inputs));
  },
};
