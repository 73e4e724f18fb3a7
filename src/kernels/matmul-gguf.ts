// Matmul with ggml-quantized weights read as they are stored in a GGUF file: Y[M, N] = X[M, K] · W[N, K]ᵀ,
// W a [N, K] tensor of Q4_0, Q4_K, Q5_K, Q6_K, Q3_K, Q2_K, IQ4_NL or IQ4_XS blocks (src/kernels/ggml-quants.ts), row n = output feature
// n, K / blockElems blocks back to back per row, rows back to back: the file's bytes, bound as u32 words.
// Two variants, one shader each, the format an override (FORMAT) so each pipeline keeps one decoder:
//   gemv  (decode, M ≤ 8): matmul_gguf_gemv.wgsl, TK lanes per output column take whole blocks of its row,
//         read the block's words straight from the weight buffer, decode 32 values at a time and dot them
//         with X staged in workgroup memory (XC values per row per step).
//   tiled (prefill): matmul_gguf_tiled.wgsl, a BM×BN tile of Y; per block along K the BN columns' block
//         words are staged in workgroup memory, then per 32 values X (BM×32) is staged and the columns'
//         values dequantized into workgroup memory (BN×32 f32) for a TM×TN register-tile f32 FMA loop.
// Values are decoded as ggml does (f16 scales through unpack2x16float, no shader-f16; the products of an
// f16 scale, a 6-bit sub-scale and a 4..6-bit q are exact in f32), so the GPU's weights equal
// dequantizeGgml's bit for bit and only the f32 accumulation differs from the f64 CPU reference.
// Q4_1, Q5_0 and Q5_1 (32 values; llama.cpp's stand-ins for K-quants in tensors whose rows are not a multiple
// of 256) run the same way, and so do 16-bit float weights as a model file stores them (f16, bf16: "blocks" of
// 32 values, 64 bytes, no scale; 2 bytes per weight on the GPU instead of f32's 4): f16 through unpack2x16float,
// bf16 as the top half of an f32, f32 accumulation, no shader-f16, so they run on every adapter. Q8_0 (34 B per 32:
// f16 d, 32 int8) too: a model's Q8_0 linears run through matmul-int8, but a tied LM head over a Q8_0 token
// embedding reads the stored table here.
// Traffic: a block of B bytes starting at byte o spans the words floor(o/4) .. floor((o+B−1)/4); every block
// size here is 0 or 2 mod 4 (144, 176, 20, 24, 64, 84, 136 | 18, 22, 210, 34, 110), so a block is always WPB = ceil(B/4) (aligned) or
// (B+2)/4 (2 mod 4) words, the same count at either alignment: (B + B mod 4) / 4. Each reader loads its
// block's WPB words once; Q4_0, Q5_0, Q6_K, Q8_0, Q3_K and IQ4_NL fetch 2 bytes of a neighbour block (20 B per 18, 24 per 22, 212 per 210,
// 36 per 34, 112 per 110).

import {
  type KernelDef,
  type ParamDoc,
  type Tensors,
  KernelInputError,
  checkVariant,
  f32Input,
  randomF32,
  u32Input,
  validateByDocs,
} from './kernel.ts';
import { axisRanges, cdiv, kLoop, type Pass, type Plan, type Step, type TileClass } from './plan.ts';
import { checkMatmulTiles } from './matmul.ts';
import { maxAbs } from './compare.ts';
import { GGML_QUANTS, GGML_QUANT_TYPES, dequantizeGgml, quantizeGgml, type GgmlBlockType } from './ggml-quants.ts';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from './f16.ts';

const MATMUL_GGUF_VARIANTS = ['gemv', 'tiled'] as const;
export type MatmulGgufVariant = (typeof MATMUL_GGUF_VARIANTS)[number];

/**
 * 16-bit weights as stored (a safetensors or GGUF f16 / bf16 tensor): two values per u32 word, value 2j in the
 * low half. The kernel reads them as "blocks" of 32 values (64 bytes, 16 words; one decode piece) with no scale:
 * f16 through unpack2x16float, bf16 as the top half of an f32 (`bitcast<f32>(w << 16u)`, `w & 0xffff0000u`), so
 * neither needs shader-f16 and the GPU's weights equal the file's exactly. Rows of K values need K % 32 == 0.
 */
export const HALF_FORMATS = ['f16', 'bf16'] as const;
export type HalfFormat = (typeof HALF_FORMATS)[number];
/**
 * Weight formats matmul-gguf reads as stored: ggml's 4- to 6-bit blocks, Q8_0 (the model loader runs Q8_0 linears
 * through matmul-int8 instead; a Q8_0 token embedding's tied head reads it here) and the 16-bit floats.
 */
export type GgufFormat = GgmlBlockType | HalfFormat;
export const GGUF_FORMATS: readonly GgufFormat[] = [...GGML_QUANT_TYPES, 'q8_0', ...HALF_FORMATS];

export function isHalfFormat(f: string): f is HalfFormat {
  return f === 'f16' || f === 'bf16';
}

/** The block a format is read in: ggml's for the quantized types, 32 values of 2 bytes for f16 / bf16. */
export function ggufFormat(f: GgufFormat): { name: string; blockElems: number; blockBytes: number } {
  if (f === 'f16') return { name: 'F16', blockElems: GGUF_PIECE, blockBytes: 2 * GGUF_PIECE };
  if (f === 'bf16') return { name: 'BF16', blockElems: GGUF_PIECE, blockBytes: 2 * GGUF_PIECE };
  return GGML_QUANTS[f];
}

/** The weights' values as the kernel decodes them (ggml's dequantization; f16 / bf16 widened exactly). */
export function dequantizeFormat(f: GgufFormat, raw: Uint8Array, elements: number): Float32Array {
  if (!isHalfFormat(f)) return dequantizeGgml(f, raw, elements);
  const h = new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 2 * elements));
  const toF32 = f === 'f16' ? f16BitsToF32 : bf16BitsToF32;
  return Float32Array.from(h, toF32);
}

/** f32 values stored in a format (ggml's reference quantizer; f16 / bf16 rounded to nearest even). */
export function quantizeFormat(f: GgufFormat, x: Float32Array): Uint8Array {
  if (!isHalfFormat(f)) return quantizeGgml(f, x);
  const toBits = f === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
  return new Uint8Array(Uint16Array.from(x, toBits).buffer);
}

/** FORMAT override values of the shaders (their `switch`): one per format; embed.wgsl's FORMAT is the same numbering. */
export const GGUF_FORMAT_CODE: Record<GgufFormat, number> = { q4_0: 0, q4_k: 1, q5_k: 2, q6_k: 3, q4_1: 4, q5_0: 5, q5_1: 6, f16: 7, bf16: 8, q8_0: 9, q3_k: 10, q2_k: 11, iq4_nl: 12, iq4_xs: 13 };

/** Values decoded per step (a Q4_0 block, a K-quant sub-block of 32). */
export const GGUF_PIECE = 32;

/** u32 words a reader loads per block (see the header): (B + B mod 4) / 4. */
export function ggufBlockWords(format: GgufFormat): number {
  const B = ggufFormat(format).blockBytes;
  return (B + (B % 4)) / 4;
}

/** Bytes of a [N, K] weight tensor's blocks, and of its GPU buffer (a whole number of words). */
export function ggufWeightBytes(format: GgufFormat, N: number, K: number): { bytes: number; bufferBytes: number } {
  const q = ggufFormat(format);
  const bytes = (N * K * q.blockBytes) / q.blockElems;
  return { bytes, bufferBytes: 4 * cdiv(bytes, 4) };
}

/** The gemv shape: TK lanes per column, NC columns per workgroup, at most MAX_ROWS rows, X staged in XBYTES of workgroup memory. */
const GGUF_GEMV = { TK: 8, NC: 8, MAX_ROWS: 8, XBYTES: 8192 } as const;

const MAX_DIM = 1 << 16;

type GgufParams = {
  M: number;
  N: number;
  K: number;
  format: GgufFormat;
  BM: number;
  BN: number;
  TM: number;
  TN: number;
  /** 0: Y row-major [M, N]; else Y head-major [N/dh, M, dh] (the qkv kernel's Q / K / V layout). */
  dh: number;
};

const PARAMS: readonly ParamDoc<keyof GgufParams>[] = [
  { name: 'M', doc: 'rows of X and Y (tokens)', default: 64, allowed: [1, 65535] },
  { name: 'N', doc: 'output features (rows of the GGUF weight tensor)', default: 256, allowed: [1, MAX_DIM] },
  { name: 'K', doc: 'inner dimension: a multiple of the block (32 for q4_0 / q4_1 / q5_0 / q5_1 / q8_0 / iq4_nl / f16 / bf16, 256 for the K-quants q2_k .. q6_k and iq4_xs)', default: 512, allowed: [32, MAX_DIM] },
  { name: 'format', doc: 'storage of W: a ggml block type (q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k, q3_k, q2_k, iq4_nl, iq4_xs, q8_0) or 16-bit floats as stored (f16, bf16)', default: 'q4_k', allowed: GGUF_FORMATS },
  { name: 'BM', doc: 'tiled: rows of Y per workgroup (16, 32, 64)', default: 32, allowed: [16, 64] },
  { name: 'BN', doc: 'tiled: columns of Y per workgroup (16, 32); their blocks are staged in workgroup memory', default: 32, allowed: [16, 32] },
  { name: 'TM', doc: 'tiled: rows of the register tile per invocation (1, 2, 4, 8)', default: 4, allowed: [1, 8] },
  { name: 'TN', doc: 'tiled: columns of the register tile per invocation (1, 2, 4, 8)', default: 4, allowed: [1, 8] },
  { name: 'dh', doc: "output layout: 0 = Y [M, N] row-major; a head size dividing N = Y [N/dh, M, dh] head-major (a model's Q, K, V)", default: 0, allowed: [0, 1024] },
];

function validate(raw: Record<string, unknown>): GgufParams {
  const v = validateByDocs<GgufParams>(raw, PARAMS, 'matmul-gguf');
  const q = ggufFormat(v.format);
  if (v.K % q.blockElems !== 0) throw new KernelInputError(`K must be a multiple of ${q.blockElems} (one ${q.name} block), got ${v.K}`);
  // BK = 32: one decoded piece per step of the tiled kernel.
  checkMatmulTiles({ BM: v.BM, BN: v.BN, BK: GGUF_PIECE, TM: v.TM, TN: v.TN });
  if (v.dh !== 0 && v.N % v.dh !== 0) throw new KernelInputError(`dh must be 0 (row-major Y) or divide N = ${v.N} (head-major Y [N/dh, M, dh]), got ${v.dh}`);
  return v;
}

type GgufPassNames = { X: string; W: string; Y: string };
const NAMES: GgufPassNames = { X: 'X', W: 'W', Y: 'Y' };

function passIo(p: Pick<GgufParams, 'M' | 'N' | 'K' | 'format'>, names: GgufPassNames): Pick<Pass, 'uniforms' | 'bindings'> {
  return {
    uniforms: [
      ['M', { type: 'u32', value: p.M }],
      ['N', { type: 'u32', value: p.N }],
      ['K', { type: 'u32', value: p.K }],
      ['rowBytes', { type: 'u32', value: ggufWeightBytes(p.format, 1, p.K).bytes }],
    ],
    bindings: [
      { binding: 0, tensor: names.X, access: 'read' },
      { binding: 1, tensor: names.W, access: 'read' },
      { binding: 2, tensor: names.Y, access: 'read_write' },
    ],
  };
}

/** Values of X staged per row per gemv step: whole blocks, as many as fit XBYTES for `rows` rows, at most K. */
function ggufGemvChunk(format: GgufFormat, MR: number, K: number): number {
  const QK = ggufFormat(format).blockElems;
  const fit = Math.max(1, Math.floor(GGUF_GEMV.XBYTES / (4 * MR * QK)));
  return QK * Math.min(fit, K / QK);
}

/** The gemv pass (decode): every weight block read once per workgroup of NC columns for MR = min(M, 8) rows. */
function ggufGemvPass(p: Pick<GgufParams, 'M' | 'N' | 'K' | 'format' | 'dh'>, names: GgufPassNames = NAMES): Pass {
  const { M, N, K, format } = p;
  const q = ggufFormat(format);
  const { TK, NC } = GGUF_GEMV;
  const MR = Math.min(M, GGUF_GEMV.MAX_ROWS);
  const XC = ggufGemvChunk(format, MR, K);
  const WPB = ggufBlockWords(format);
  const tiles: TileClass[] = [];
  for (const ys of axisRanges(M, MR))
    for (const xs of axisRanges(N, NC)) {
      const rows = ys.size, cols = xs.size;
      const steps: Step[] = kLoop(K, XC, (c) => [
        { kind: 'load', tensor: names.X, bytes: 4 * rows * c, shareAxes: ['x'] },
        { kind: 'load', tensor: names.W, bytes: 4 * WPB * cols * (c / q.blockElems), shareAxes: ['y'] },
        { kind: 'vector', count: cols * c, op: `decode ${q.name}` },
        { kind: 'mac', count: rows * cols * c, dtype: 'f32' },
      ]);
      steps.push({ kind: 'vector', count: (TK - 1) * rows * cols, op: 'reduce lanes' }, { kind: 'store', tensor: names.Y, bytes: 4 * rows * cols });
      tiles.push({ x: xs.range, y: ys.range, z: [0, 1], note: `${rows} row${rows === 1 ? '' : 's'} x ${cols} columns, streaming ${cols} rows of ${q.name} blocks`, steps });
    }
  return {
    shader: 'matmul_gguf_gemv',
    entryPoint: 'main',
    label: `${q.name} gemv`,
    workgroupSize: [TK, NC, 1],
    grid: [cdiv(N, NC), cdiv(M, MR), 1],
    overrides: { FORMAT: GGUF_FORMAT_CODE[format], TK, NC, MR, XC, WPB, DH: p.dh },
    ...passIo(p, names),
    tiles,
    workgroupBytes: 4 * MR * XC + 4 * TK * NC,
  };
}

/** The tiled pass (prefill): BM×BN tiles of Y, blocks staged, 32 values dequantized per step. */
function ggufTiledPass(p: GgufParams, names: GgufPassNames = NAMES): Pass {
  const { M, N, K, format, BM, BN, TM, TN } = p;
  const q = ggufFormat(format);
  const WPB = ggufBlockWords(format);
  const P = GGUF_PIECE;
  const pieces = q.blockElems / P;
  const tiles: TileClass[] = [];
  for (const ys of axisRanges(M, BM))
    for (const xs of axisRanges(N, BN)) {
      const rows = ys.size, cols = xs.size;
      const block: Step[] = [
        { kind: 'load', tensor: names.W, bytes: 4 * WPB * cols, shareAxes: ['y'] },
        {
          kind: 'loop',
          count: pieces,
          body: [
            { kind: 'load', tensor: names.X, bytes: 4 * rows * P, shareAxes: ['x'] },
            { kind: 'vector', count: cols * P, op: `decode ${q.name}` },
            { kind: 'mac', count: rows * cols * P, dtype: 'f32' },
          ],
        },
      ];
      tiles.push({
        x: xs.range,
        y: ys.range,
        z: [0, 1],
        note: `${rows}x${cols} block of ${names.Y}${rows < BM || cols < BN ? ' (ragged edge)' : ''}`,
        steps: [{ kind: 'loop', count: K / q.blockElems, body: block }, { kind: 'store', tensor: names.Y, bytes: 4 * rows * cols }],
      });
    }
  return {
    shader: 'matmul_gguf_tiled',
    entryPoint: 'main',
    label: `${q.name} matmul (tiled)`,
    workgroupSize: [BN / TN, BM / TM, 1],
    grid: [cdiv(N, BN), cdiv(M, BM), 1],
    overrides: { FORMAT: GGUF_FORMAT_CODE[format], BM, BN, TM, TN, WPB, DH: p.dh },
    ...passIo(p, names),
    tiles,
    workgroupBytes: 4 * (BN * WPB + BN + BM * P + BN * P),
  };
}

function planGguf(p: GgufParams, v: MatmulGgufVariant): Plan<GgufParams> {
  checkVariant(matmulGguf, v);
  const { M, N, K, format } = p;
  const q = ggufFormat(format);
  const w = ggufWeightBytes(format, N, K);
  return {
    kernel: 'matmul-gguf',
    variant: v,
    params: { ...p },
    tensors: [
      { name: 'X', dtype: 'f32', shape: [M, K], bytes: 4 * M * K, role: 'input', layout: '[M, K] row-major f32 activations' },
      { name: 'W', dtype: 'u32', shape: [w.bufferBytes / 4], bytes: w.bufferBytes, role: 'weight', layout: `[N, K] as ${q.name} blocks (${q.blockBytes} B per ${q.blockElems} values), rows of K back to back, GGUF bytes as u32 words` },
      p.dh === 0
        ? { name: 'Y', dtype: 'f32', shape: [M, N], bytes: 4 * M * N, role: 'output', layout: '[M, N] row-major f32' }
        : { name: 'Y', dtype: 'f32', shape: [N / p.dh, M, p.dh], bytes: 4 * M * N, role: 'output', layout: '[N/dh, M, dh] head-major f32: column n of row m at [n / dh, m, n % dh]' },
    ],
    passes: [v === 'gemv' ? ggufGemvPass(p) : ggufTiledPass(p)],
    flops: 2 * M * N * K,
    ioBytes: 4 * M * K + w.bytes + 4 * M * N,
    requiredFeatures: [],
    requiredLanguageFeatures: [],
  };
}

/** GGUF bytes (any length) as the u32 words of a GPU buffer, zero-padded. */
export function ggufWords(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(cdiv(bytes.byteLength, 4));
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The weight tensor's bytes back from its words. */
function wordsBytes(w: Uint32Array, bytes: number): Uint8Array {
  return new Uint8Array(w.buffer, w.byteOffset, bytes);
}

/** CPU reference: W dequantized exactly as ggml does, Y = X · Wᵀ accumulated in f64. */
function ggufMatmulRef(X: Float32Array, Wbytes: Uint8Array, format: GgufFormat, M: number, N: number, K: number): Float64Array {
  const W = dequantizeFormat(format, Wbytes, N * K);
  const Y = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += X[m * K + k] * W[n * K + k];
      Y[m * N + n] = s;
    }
  return Y;
}

/** [M, N] row-major -> [N/dh, M, dh] head-major. */
function headMajor(Y: Float64Array, M: number, N: number, dh: number): Float32Array {
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) out[(Math.floor(n / dh) * M + m) * dh + (n % dh)] = Y[m * N + n];
  return out;
}

export const matmulGguf: KernelDef<GgufParams, MatmulGgufVariant> = {
  name: 'matmul-gguf',
  title: 'Packed-weight matmul: GGUF 2-8 bit (Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q3_K, Q2_K, IQ4_NL, IQ4_XS, Q8_0) and 16-bit (F16, BF16) as stored',
  description:
    'Y[M, N] = X[M, K] · Wᵀ with W [N, K] in ggml blocks exactly as a GGUF file stores them (Q4_0: 32 values, f16 d, ' +
    'x = (q − 8)·d; Q4_1 / Q5_0 / Q5_1 alike with a min or a fifth bit; Q4_K / Q5_K: 256 values, f16 d and dmin, eight 6-bit scales and mins, x = d·sc·q − dmin·m; Q6_K: 256 ' +
    'values, sixteen int8 scales, x = d·scale·(q − 32); Q3_K: 256 values, 2 + 1 bit q, sixteen 6-bit scales, x = d·(scale − 32)·(q − 4); Q2_K: 256 values, 2-bit q, sixteen 4-bit scales and mins, x = d·sc·q − dmin·m; IQ4_NL / IQ4_XS: 4-bit indices into 16 non-linear levels, times d (IQ4_XS: and a 6-bit scale per 32); Q8_0: 32 int8 and an f16 d, x = q·d) or 16-bit floats as stored (f16, bf16: 2 bytes per weight, ' +
    'widened exactly in the shader), decoded on the GPU with f16 scales through unpack2x16float (no ' +
    'shader-f16), f32 accumulation. gemv (M ≤ 8): TK lanes per output column take whole blocks of its row and stream ' +
    'them from the weight buffer, X staged in workgroup memory. tiled: a BM×BN tile of Y stages its columns\' blocks in ' +
    'workgroup memory and dequantizes 32 values at a time into workgroup memory for a TM×TN register-tile loop. ' +
    'dh > 0 writes Y head-major [N/dh, M, dh], the layout a model\'s Q, K and V take.',
  variants: MATMUL_GGUF_VARIANTS,
  defaultVariant: 'tiled',
  baselineVariant: 'tiled',
  params: PARAMS,
  // gemv for up to 8 rows (the matmul rule, matmul.ts), tiled otherwise.
  pickVariant: (p) => (p.M <= GGUF_GEMV.MAX_ROWS ? 'gemv' : 'tiled'),
  userInputs: [
    { name: 'X', dtype: 'float32', shapes: [['M', 'K']], doc: 'activations' },
    { name: 'W', dtype: 'float32', shapes: [['N', 'K']], doc: 'weights [N, K] (nn.Linear order), quantized on the host with ggml\'s reference quantizer for `format`' },
  ],
  validate,
  plan: planGguf,
  makeInputs(plan, seed) {
    const { M, N, K, format } = plan.params;
    return { X: randomF32(M * K, seed), W: ggufWords(quantizeFormat(format, randomF32(N * K, seed + 1))) };
  },
  fromUser(plan, user) {
    const { M, N, K, format } = plan.params;
    const X = user.X, W = user.W;
    if (!(X instanceof Float32Array) || X.length !== M * K) throw new KernelInputError(`X must be float32 [M, K] = [${M}, ${K}]`);
    if (!(W instanceof Float32Array) || W.length !== N * K) throw new KernelInputError(`W must be float32 [N, K] = [${N}, ${K}] (it is quantized to ${ggufFormat(format).name} here)`);
    for (let i = 0; i < W.length; i++) if (!Number.isFinite(W[i])) throw new KernelInputError(`W[${i}] is ${W[i]}; only finite weights can be quantized`);
    return { X, W: ggufWords(quantizeFormat(format, W)) };
  },
  reference(plan, inputs): Tensors {
    const { M, N, K, format } = plan.params;
    const W = u32Input(inputs, 'W');
    const { bytes } = ggufWeightBytes(format, N, K);
    if (W.byteLength < bytes) throw new KernelInputError(`W has ${W.byteLength} bytes, ${ggufFormat(format).name} [${N}, ${K}] needs ${bytes}`);
    const Y = ggufMatmulRef(f32Input(inputs, 'X'), wordsBytes(W, bytes), format, M, N, K);
    return { Y: plan.params.dh === 0 ? Float32Array.from(Y) : headMajor(Y, M, N, plan.params.dh) };
  },
  tolerance(plan) {
    // f32 accumulation of K exact products of the decoded weights (bit-identical to ggml's): the matmul's
    // rule (matmul.ts), ~√K·eps·|x||w| for random signs.
    return { atol: 1e-5 * Math.sqrt(plan.params.K), rtol: 1e-5 };
  },
  // max|X|·max|W|, W as decoded (the atol above is for |x|, |w| ≲ 1).
  errorScale(plan, inputs) {
    const { N, K, format } = plan.params;
    const W = u32Input(inputs, 'W');
    return maxAbs(f32Input(inputs, 'X')) * maxAbs(dequantizeFormat(format, wordsBytes(W, ggufWeightBytes(format, N, K).bytes), N * K));
  },
};
