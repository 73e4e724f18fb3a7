// A model file opened: its config, its tokenizer's raw data, and its tensors mapped to one canonical
// set (names and layouts below), read one layer at a time so large files stream.
//
// Canonical layouts (what the CPU reference and the GPU upload read):
//   tokEmb [V, D]; posEmb [P, D] (GPT-2); per layer: attnNorm [D] (+ bias), wqkv [N, D] with rows
//   [q (Hq·dh) | k (Hkv·dh) | v (Hkv·dh)] and optional bqkv [N], optional qNorm, kNorm [dh] (Qwen3, Gemma 3), wo [D, Hq·dh]
//   (+ bias), optional postAttnNorm [D] (Gemma 3), ffnNorm,
//   wUp: Llama [2F, D] = rows [gate | up], GPT-2 [F, D] (+ bias); wDown [D, F] (+ bias); outNorm;
//   (Phi-3 stores wqkv and wUp so already: qkv_proj / attn_qkv, gate_up_proj / ffn_up of 2F rows, gate first.)
//   lmHead [V, D] (the embedding itself when tied).
// Linear weights are [out, in] row-major: PyTorch's nn.Linear order. GPT-2's Conv1D ([in, out]) is
// transposed on load; GGUF Llama's q/k rows (permuted by llama.cpp's converter for its interleaved
// RoPE) are put back in Hugging Face order, so one RoPE convention (rotate-half) serves both files.

import { ModelFileError, readText, type ByteSource } from './source.ts';
import { splitQ8_0, toF32, Q8_0_BLOCK } from './dtype.ts';
import { readSafetensorsHeader, type FileTensor } from './safetensors.ts';
import { readGguf, type GgufValue } from './gguf.ts';
import { layerBuf, type GgmlPart } from '../models/forward.ts';
import { configFromGguf, configFromHf, parameterCount, type ModelConfig } from './config.ts';
import { ggufChatTemplate, ggufEogIds, hfChatTemplate, hfEosIds, type ChatTemplate } from './chat.ts';
import { LAYER_LINEARS } from '../models/config.ts';
import { GGML_QUANTS, firstNonFiniteScale, isGgmlQuant, type GgmlBlockType } from '../kernels/ggml-quants.ts';
import { GGUF_PIECE, dequantizeFormat, ggufFormat, ggufWeightBytes, isHalfFormat, type GgufFormat } from '../kernels/matmul-gguf.ts';
import { embedRowFits, type EmbedFormat } from '../kernels/elementwise.ts';

/**
 * A linear layer [N, K] as read from a file: f32, or ggml 2- to 8-bit blocks as the GGUF file stores them (rows of
 * K / blockElems blocks; Q8_0 too), or f16 / bf16 as the file stores them (kept 16-bit for matmul-gguf where K % 32 == 0;
 * see packedFormat), or a stack of rows from linears of different kinds (q | k | v where V is Q6_K and Q, K are Q4_K),
 * each part kept as is.
 */
export type Linear =
  | { kind: 'f32'; N: number; K: number; w: Float32Array }
  | { kind: 'ggml'; N: number; K: number; format: GgufFormat; data: Uint8Array }
  | { kind: 'stack'; N: number; K: number; parts: Linear[] };

/** A Q8_0 linear [N, K] as matmul-int8 takes it (q8Linear): int8 rows along K, one scale per block of 32 along K. */
export interface Q8Linear {
  N: number;
  K: number;
  q: Int8Array;
  /** [K / 32, N] */
  scale: Float32Array;
  group: 32;
}


export interface LayerWeights {
  attnNorm: Float32Array;
  attnNormB?: Float32Array;
  wqkv: Linear;
  bqkv?: Float32Array;
  /**
   * RMSNorm gains [headDim] of each q head and each k head (ModelConfig.qkNorm: Qwen3, Gemma 3); the q gains times
   * ModelConfig.queryScale where it is set (qkNormGains).
   */
  qNorm?: Float32Array;
  kNorm?: Float32Array;
  /** RMSNorm gains [D] of the attention output and of the MLP output before their residual adds (ModelConfig.postNorms: Gemma 3). */
  postAttnNorm?: Float32Array;
  postFfnNorm?: Float32Array;
  wo: Linear;
  bo?: Float32Array;
  ffnNorm: Float32Array;
  ffnNormB?: Float32Array;
  wUp: Linear;
  bUp?: Float32Array;
  wDown: Linear;
  bDown?: Float32Array;
}

export interface GlobalWeights {
  /** The token embedding [V, D] in f32 (widened exactly from a 16-bit file, dequantized as ggml does from blocks, on first use): the CPU reference's, and an f32 / int8 tied head's. */
  tokEmb: Float32Array;
  /** The embedding's bytes as the file stores them, when OpenedModel.embedFormat says it is kept (f16 / bf16, ggml blocks): what the GPU holds (and a tied head reads there). */
  tokEmbStored?: Uint8Array;
  posEmb?: Float32Array;
  outNorm: Float32Array;
  outNormB?: Float32Array;
  lmHead: Linear;
}

export interface ModelWeights extends GlobalWeights {
  layers: LayerWeights[];
}

export type TokenizerSource = { kind: 'tokenizer.json'; json: unknown } | { kind: 'gguf'; metadata: Map<string, GgufValue> } | { kind: 'none' };

export interface OpenedModel {
  /** The weights file's name (what a share link asks the receiver to pick). */
  name: string;
  format: 'safetensors' | 'gguf';
  config: ModelConfig;
  /** Bytes of weight data in the file(s). */
  fileBytes: number;
  params: number;
  tokenizer: TokenizerSource;
  /**
   * Token ids that end generation: a GGUF vocabulary's end-of-generation tokens as llama.cpp lists them (chat.ts
   * ggufEogIds: EOS, EOT, <|eot_id|>, <|im_end|>, <end_of_turn>, ...); config.json's eos_token_id (an id or a list)
   * and generation_config.json's when it is picked too.
   */
  eos: number[];
  /** The model's chat template (GGUF tokenizer.chat_template, or tokenizer_config.json's when it is picked); absent: none. */
  chatTemplate?: ChatTemplate;
  /**
   * The linear weights' storage: every ggml block format among them (Q8_0 included), sorted (["q4_k", "q6_k"],
   * ["q4_0", "q8_0"], ["q8_0"]); with none, the first linear's dtype alone (f32, f16, bf16; safetensors: the first
   * tensor's). f16 / f32 linears beside block formats are not named.
   */
  linearDtypes: string[];
  /** linearDtypes as one label, joined by '+' ("q4_k+q6_k", "q4_0+q8_0", "q8_0"): made by linearDtypeFields only. */
  weightDtype: string;
  /**
   * Linears whose file tensors are ggml 2- to 8-bit blocks (Q8_0 included) or f16 / bf16 (packedFormat), kept as stored on the GPU (matmul-gguf), by weight
   * buffer name (layerBuf(l, 'wqkv' | 'wo' | 'wUp' | 'wDown'), 'lmHead'): the parts in row order. Absent
   * names run as the other weights do (f32, or int8 with the int8 option).
   */
  ggml?: Record<string, GgmlPart[]>;
  /**
   * The token embedding's storage when the file holds it as f16 / bf16 (D even: two values per u32 word) or as ggml
   * blocks (a row D / blockElems whole blocks): kept as stored on the GPU (the embed kernel's format),
   * GlobalWeights.tokEmbStored its bytes. Absent: f32.
   */
  embedFormat?: GgufFormat;
  /** Why a 16-bit or block-quantized embedding is widened to f32 instead (embedStorage), for the weights label; absent otherwise. */
  embedWidened?: string;
  loadGlobals(): Promise<GlobalWeights>;
  loadLayer(i: number): Promise<LayerWeights>;
}

/** OpenedModel's linearDtypes and the weightDtype label made from them (the one place that label is made). */
export const linearDtypeFields = (linearDtypes: string[]): Pick<OpenedModel, 'linearDtypes' | 'weightDtype'> => ({ linearDtypes, weightDtype: linearDtypes.join('+') });

/**
 * Refuses token ids outside the model's vocabulary before anything runs (a tokenizer.json of
 * another model gives such ids; the GPU would read past the embedding).
 */
export function checkTokenIds(ids: readonly number[], vocabSize: number): void {
  const i = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
  if (i >= 0) throw new ModelFileError(`prompt token ${i} has id ${ids[i]}, outside the model's vocabulary [0, ${vocabSize}) (is the tokenizer this model's?)`);
}

/**
 * The weights' formats in one phrase for reports: the file's dtype, and what runs on the GPU (`packed`: the
 * linears kept as stored, GpuModel's choice; `embed`: the token embedding's storage, as stored (16-bit or ggml
 * blocks) or f32; `tiedHead`: a tied LM head reads that stored embedding (GpuModel.headFromEmbed); `widened`: why a
 * stored embedding runs as f32 (OpenedModel.embedWidened); every other weight runs as f32, or int8). E.g.
 * "bf16 -> bf16 as stored, the embedding bf16 too (the rest f32)", "q4_k+q6_k -> q4_k+q6_k as stored, the embedding q4_k too (the rest f32)",
 * "q4_0+q8_0 -> q4_0 as stored (the rest int8)" (int8 takes the Q8_0 linears).
 */
export function weightsLabel(m: Pick<OpenedModel, 'weightDtype'>, int8: boolean, packed: Record<string, GgmlPart[]>, embed: EmbedFormat = 'f32', tiedHead = false, widened?: string): string {
  const formats = [...new Set(Object.values(packed).flatMap((ps) => ps.map((p) => p.format)))].sort();
  const rest = unpackedFormat(int8);
  const head = embed !== 'f32' && tiedHead ? ', read by the tied LM head' : '';
  const emb = embed === 'f32'
    ? (widened ? `, the embedding f32 (${widened})` : '')
    : (formats.length > 0 ? `, the embedding ${embed} too` : `, the embedding ${embed} as stored`) + head;
  return `${m.weightDtype} -> ${formats.length > 0 ? `${formats.join('+')} as stored${emb} (the rest ${rest})` : `${rest}${emb}`}`;
}

/** What the GPU runs a weight it does not keep as stored in: int8 with the int8 option, else f32. */
export const unpackedFormat = (int8: boolean): 'int8' | 'f32' => (int8 ? 'int8' : 'f32');

/**
 * One clause on what the GPU keeps in other formats than the file's, for the Model tab's chip-model caption (why
 * the measured bytes can differ from a deployment's): the linears not kept as stored (`packed` and `tiedHead` as
 * weightsLabel takes them), named by op family (LAYER_LINEARS, and the LM head), which run as unpackedFormat; and the KV cache's format (GpuModel.kvFormat).
 * E.g. "the GPU here keeps every linear as stored and its KV cache in f32", "the GPU here keeps the qkv and
 * lm-head linears in f32 (the others as stored) and its KV cache in f32".
 */
export function gpuFormatsNote(c: Pick<ModelConfig, 'nLayers'>, int8: boolean, packed: Readonly<Record<string, GgmlPart[]>>, tiedHead: boolean, kv: string): string {
  const rest = unpackedFormat(int8);
  const layers = Array.from({ length: c.nLayers }, (_, l) => l);
  const names: string[] = [];
  for (const { family, buf } of LAYER_LINEARS) {
    const unpacked = layers.filter((l) => !packed[layerBuf(l, buf)]).length;
    if (unpacked > 0) names.push(unpacked === c.nLayers ? family : `${family} (${unpacked} of ${c.nLayers} layers)`);
  }
  const headKept = tiedHead || Object.keys(packed).some((n) => n === 'lmHead' || n.startsWith('lmHead.'));
  if (!headKept) names.push('lm-head');
  const kvCache = `its KV cache in ${kv}`;
  if (names.length === 0) return `the GPU here keeps every linear as stored and ${kvCache}`;
  if (names.length === LAYER_LINEARS.length + 1 && !names.some((n) => n.includes(' of '))) return `the GPU here keeps every linear in ${rest} and ${kvCache}`;
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `the GPU here keeps the ${list} linears in ${rest} (the others as stored) and ${kvCache}`;
}

/**
 * The format a [N, K] file tensor is kept in on the GPU (matmul-gguf), or undefined for f32 (or int8): ggml's
 * blocks always (Q4_0 .. Q6_K, Q3_K, Q2_K, IQ4_*, and Q8_0, whose rows the reader already requires to be whole
 * blocks; GpuModel widens Q8_0 for f32 weights and hands it to matmul-int8 for int8, see q8Linear);
 * f16 / bf16 when K is whole 32-value pieces (the kernel's unit); anything else widens.
 */
export function packedFormat(t: Pick<FileTensor, 'dtype' | 'shape'> | undefined): GgufFormat | undefined {
  if (!t || t.shape.length !== 2) return undefined;
  if (isGgmlQuant(t.dtype) || t.dtype === 'q8_0') return t.dtype;
  if (isHalfFormat(t.dtype) && t.shape[1] % GGUF_PIECE === 0) return t.dtype;
  return undefined;
}

/**
 * How a [V, D] embedding tensor is kept on the GPU (OpenedModel.embedFormat, embedWidened): f16 / bf16 with D even
 * and ggml blocks with rows of whole blocks as stored; those whose D does not fit widen to f32, saying why; f32 stays.
 */
export function embedStorage(t: Pick<FileTensor, 'dtype' | 'shape'> | undefined): Pick<OpenedModel, 'embedFormat' | 'embedWidened'> {
  if (!t || t.shape.length !== 2 || !(isHalfFormat(t.dtype) || isGgmlQuant(t.dtype) || t.dtype === 'q8_0')) return {};
  const D = t.shape[1];
  if (embedRowFits(t.dtype, D)) return { embedFormat: t.dtype };
  return { embedWidened: isHalfFormat(t.dtype) ? `${t.dtype} with an odd D = ${D}` : `${t.dtype} rows of D = ${D} are not whole ${ggufFormat(t.dtype).blockElems}-value blocks` };
}

/** The format a [V, D] embedding tensor is kept in on the GPU (embedStorage), or undefined for f32. */
export function embedStoredFormat(t: Pick<FileTensor, 'dtype' | 'shape'> | undefined): GgufFormat | undefined {
  return embedStorage(t).embedFormat;
}

/** Refuses NaN and ±Inf in the f16 scales of ggml blocks kept as stored (a [N, K] tensor: block [n, K / blockElems]), without decoding them. */
function assertFiniteBlockScales(raw: Uint8Array, f: GgmlBlockType, name: string, shape: readonly number[]): void {
  const bad = firstNonFiniteScale(f, raw);
  const q = GGML_QUANTS[f];
  if (bad) throw nonFinite(bad.value, bad.block, name, [shape[0], shape[1] / q.blockElems], `${q.name} block scales`);
}

/** Refuses NaN and ±Inf in 16-bit weights as read (an all-ones exponent), without widening them. */
function assertFiniteHalves(raw: Uint8Array, f: 'f16' | 'bf16', name: string, shape: readonly number[]): void {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const exp = f === 'f16' ? 0x7c00 : 0x7f80;
  for (let i = 0; 2 * i < raw.byteLength; i++) {
    if ((dv.getUint16(2 * i, true) & exp) === exp) throw nonFinite(dequantizeFormat(f, raw.slice(2 * i, 2 * i + 2), 1)[0], i, name, shape, 'weights');
  }
}

export async function loadAllWeights(m: OpenedModel): Promise<ModelWeights> {
  const g = await m.loadGlobals();
  const layers: LayerWeights[] = [];
  for (let i = 0; i < m.config.nLayers; i++) layers.push(await m.loadLayer(i));
  return { ...g, layers };
}

// ---- reading tensors --------------------------------------------------------------------------

type Lookup = ((name: string) => FileTensor | undefined) & { display?: (name: string) => string };

function need(find: Lookup, name: string, shape: number[], file: string): FileTensor {
  const shown = find.display?.(name) ?? name;
  const t = find(name);
  if (!t) throw new ModelFileError(`${file}: missing tensor ${shown} (expected [${shape.join(', ')}])`);
  name = t.name;
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ModelFileError(`${file}: tensor ${name} has shape [${t.shape.join(', ')}], the config says [${shape.join(', ')}]`);
  }
  return t;
}

/**
 * The token embedding: its f32 values, and the file's bytes too where embedStoredFormat keeps them (one read).
 * Kept as stored (16-bit or ggml blocks), the f32 values are widened / dequantized on first use (the CPU reference, an
 * f32 or int8 tied head): a GPU model that gathers from the stored bytes, and has its own head or reads the tied head
 * from those bytes too, never holds the f32 copy (4·V·D bytes on the host).
 */
async function readEmbedding(t: FileTensor): Promise<Pick<GlobalWeights, 'tokEmb' | 'tokEmbStored'>> {
  const f = embedStoredFormat(t);
  if (!f) return { tokEmb: await readF32(t) };
  const raw = await t.source.read(t.offset, t.bytes);
  if (isHalfFormat(f)) assertFiniteHalves(raw, f, t.name, t.shape);
  else assertFiniteBlockScales(raw, f, t.name, t.shape);
  let wide: Float32Array | undefined;
  return { get tokEmb() { return (wide ??= dequantizeFormat(f, raw, t.shape[0] * t.shape[1])); }, tokEmbStored: raw };
}

/** A tied LM head [V, D]: the embedding's f32 values, read (for a stored embedding: widened) only when asked. */
function tiedHead(emb: Pick<GlobalWeights, 'tokEmb'>, V: number, D: number): Linear {
  return Object.defineProperty({ kind: 'f32', N: V, K: D }, 'w', { get: () => emb.tokEmb, enumerable: true }) as Linear;
}

/** The globals with readEmbedding's fields as it made them (its tokEmb not widened here). */
function withEmbedding(emb: Pick<GlobalWeights, 'tokEmb' | 'tokEmbStored'>, rest: Omit<GlobalWeights, 'tokEmb' | 'tokEmbStored'>): GlobalWeights {
  return Object.defineProperties({ ...rest } as GlobalWeights, {
    tokEmb: { get: () => emb.tokEmb, enumerable: true },
    tokEmbStored: { value: emb.tokEmbStored, enumerable: true },
  });
}

async function readF32(t: FileTensor): Promise<Float32Array> {
  const n = t.shape.reduce((a, b) => a * b, 1);
  return assertFinite(toF32(t.dtype, await t.source.read(t.offset, t.bytes), n), t.name, t.shape);
}

/**
 * Refuses NaN and ±Inf in a tensor as it is read (the array just decoded, no second copy), naming the
 * tensor and the first bad element: such weights run to garbage (an all-NaN q_proj generates token 0 forever).
 */
export function assertFinite(a: Float32Array, name: string, shape: readonly number[], what = 'weights'): Float32Array {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw nonFinite(a[i], i, name, shape, what);
  return a;
}

/** The one-line error for element `i` of a tensor being `v` (NaN or ±Inf). */
function nonFinite(v: number, i: number, name: string, shape: readonly number[], what: string): ModelFileError {
  const idx: number[] = [];
  let r = i;
  for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(r % shape[d]); r = Math.floor(r / shape[d]); }
  return new ModelFileError(`tensor ${name} has ${v} at [${idx.join(', ')}]; ${what} must be finite numbers (a corrupt or badly converted file)`);
}

/** Reads a [N, K] weight as a Linear (ggml blocks, Q8_0 included, and f16 / bf16 kept as stored, see packedFormat; a transposed one in f32). */
async function readLinear(t: FileTensor, transpose = false): Promise<Linear> {
  const [a, b] = t.shape;
  const packed = transpose ? undefined : packedFormat(t);
  if (packed) {
    const data = await t.source.read(t.offset, t.bytes);
    if (isHalfFormat(packed)) assertFiniteHalves(data, packed, t.name, t.shape);
    else assertFiniteBlockScales(data, packed, t.name, t.shape);
    return { kind: 'ggml', N: a, K: b, format: packed, data };
  }
  const w = await readF32(t);
  if (!transpose) return { kind: 'f32', N: a, K: b, w };
  const out = new Float32Array(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[j * a + i] = w[i * b + j];
  return { kind: 'f32', N: b, K: a, w: out };
}

/**
 * A linear of Q8_0 blocks as stored (readLinear) as matmul-int8 takes it: int8 rows along K and one scale per block of
 * 32, the scales transposed to [K/32, N] (the blocks' f16 scales widen exactly; their finiteness was checked on read).
 */
export function q8Linear(l: Extract<Linear, { kind: 'ggml' }>): Q8Linear {
  if (l.format !== 'q8_0') throw new Error(`q8Linear: ${l.format} blocks are not Q8_0`);
  const { N, K } = l;
  const { q, scale } = splitQ8_0(l.data, N * K);
  const G = K / Q8_0_BLOCK;
  const st = new Float32Array(G * N);
  for (let n = 0; n < N; n++) for (let g = 0; g < G; g++) st[g * N + n] = scale[n * G + g];
  return { N, K, q, scale: st, group: Q8_0_BLOCK };
}

/**
 * Stacks linears with the same K along N (q|k|v, gate|up): ggml blocks of one format (Q8_0 too) stay one ggml
 * linear (rows are whole blocks), ggml parts of different formats a stack; other mixes fall back to f32.
 */
export function concatLinears(parts: Linear[]): Linear {
  const K = parts[0].K;
  const N = parts.reduce((s, p) => s + p.N, 0);
  const flat = parts.flatMap((p) => (p.kind === 'stack' ? p.parts : [p]));
  if (flat.every((p) => p.kind === 'ggml')) {
    const g = flat as Array<Extract<Linear, { kind: 'ggml' }>>;
    if (g.every((p) => p.format === g[0].format)) {
      const data = new Uint8Array(g.reduce((s, p) => s + p.data.byteLength, 0));
      let o = 0;
      for (const p of g) {
        data.set(p.data, o);
        o += p.data.byteLength;
      }
      return { kind: 'ggml', N, K, format: g[0].format, data };
    }
    return { kind: 'stack', N, K, parts: flat };
  }
  const w = new Float32Array(N * K);
  let n0 = 0;
  for (const p of parts) {
    w.set(linearF32(p), n0 * K);
    n0 += p.N;
  }
  return { kind: 'f32', N, K, w };
}

/** The f32 values of a linear [N, K] (dequantized for ggml blocks, exactly as ggml does). */
export function linearF32(l: Linear): Float32Array {
  if (l.kind === 'f32') return l.w;
  if (l.kind === 'ggml') return dequantizeFormat(l.format, l.data, l.N * l.K);
  const out = new Float32Array(l.N * l.K);
  let n0 = 0;
  for (const p of l.parts) {
    out.set(linearF32(p), n0 * l.K);
    n0 += p.N;
  }
  return out;
}

/** Rows [n0, n0 + n) of a linear [N, K] (a part of a split LM head); views where the layout allows. */
export function linearRows(l: Linear, n0: number, n: number): Linear {
  if (l.kind === 'f32') return { kind: 'f32', N: n, K: l.K, w: l.w.subarray(n0 * l.K, (n0 + n) * l.K) };
  const r = ggmlRows(l, n0, n);
  return { kind: 'ggml', N: n, K: l.K, format: r.format, data: r.data };
}

/** Undoes llama.cpp's q/k row permutation: HF row h·dh + i·dh/2 + j  <-  GGUF row h·dh + 2j + i. */
export function unpermuteRows(l: Linear, heads: number): Linear {
  const dh = l.N / heads;
  const half = dh / 2;
  const src = (r: number) => {
    const h = Math.floor(r / dh), i = Math.floor((r % dh) / half), j = r % half;
    return h * dh + 2 * j + i;
  };
  return permuteRows(l, src);
}

/** Forward permutation (writers of GGUF test files): GGUF row h·dh + 2j + i  <-  HF row h·dh + i·dh/2 + j. */
export function permuteRowsForGguf(w: Float32Array, N: number, K: number, heads: number): Float32Array {
  const dh = N / heads;
  const half = dh / 2;
  const out = new Float32Array(N * K);
  for (let r = 0; r < N; r++) {
    const h = Math.floor(r / dh), j = Math.floor((r % dh) / 2), i = r % 2;
    out.set(w.subarray((h * dh + i * half + j) * K, (h * dh + i * half + j + 1) * K), r * K);
  }
  return out;
}

/** Rows [n0, n0 + n) of a ggml linear (or of a stack of them) as stored, for one GPU part. */
export function ggmlRows(l: Linear, n0: number, n: number): { format: GgufFormat; data: Uint8Array } {
  if (l.kind === 'stack') {
    let r0 = 0;
    for (const p of l.parts) {
      if (n0 >= r0 && n0 + n <= r0 + p.N) return ggmlRows(p, n0 - r0, n);
      r0 += p.N;
    }
  }
  if (l.kind !== 'ggml') throw new Error(`rows ${n0}..${n0 + n} of a ${l.kind} linear are not ggml blocks of one format`);
  const rb = ggufWeightBytes(l.format, 1, l.K).bytes;
  return { format: l.format, data: l.data.subarray(n0 * rb, (n0 + n) * rb) };
}

function permuteRows(l: Linear, src: (r: number) => number): Linear {
  const { N, K } = l;
  if (l.kind === 'stack') throw new Error('permuteRows: a stacked linear is permuted part by part');
  if (l.kind === 'ggml') {
    const rb = ggufWeightBytes(l.format, 1, K).bytes;
    const data = new Uint8Array(l.data.byteLength);
    for (let r = 0; r < N; r++) data.set(l.data.subarray(src(r) * rb, (src(r) + 1) * rb), r * rb);
    return { ...l, data };
  }
  const w = new Float32Array(N * K);
  for (let r = 0; r < N; r++) w.set(l.w.subarray(src(r) * K, (src(r) + 1) * K), r * K);
  return { ...l, w };
}

// ---- opening files ---------------------------------------------------------------------------

/**
 * Opens a model from the files the user picked (or a directory's files in Node): one .gguf, or
 * .safetensors shard(s) with config.json (and tokenizer.json for text).
 */
export async function openModel(files: ByteSource[]): Promise<OpenedModel> {
  const gguf = files.filter((f) => f.name.endsWith('.gguf'));
  const st = files.filter((f) => f.name.endsWith('.safetensors'));
  if (gguf.length === 1 && st.length === 0) return openGguf(gguf[0]);
  if (gguf.length > 1) throw new ModelFileError(`pick one .gguf file, got ${gguf.length}: ${gguf.map((f) => f.name).join(', ')}`);
  if (st.length === 0) throw new ModelFileError(`no model file: pick a .gguf file, or .safetensors file(s) with their config.json (got ${files.map((f) => f.name).join(', ') || 'nothing'})`);
  // the JSON files beside the shards, by name (undefined when not picked): config.json (required), tokenizer.json,
  // generation_config.json (more end-of-turn ids), tokenizer_config.json (the chat template)
  const json = async (n: string): Promise<unknown> => {
    const f = files.find((x) => baseName(x.name) === n);
    if (!f) return undefined;
    try {
      return JSON.parse(await readText(f));
    } catch (e) {
      throw new ModelFileError(`${n} is not valid JSON (${(e as Error).message})`);
    }
  };
  const cfgRaw = await json('config.json');
  if (cfgRaw === undefined) throw new ModelFileError('a .safetensors model needs its config.json beside it (pick both files, or the folder)');
  const tokJson = await json('tokenizer.json');
  const tokenizer: TokenizerSource = tokJson === undefined ? { kind: 'none' } : { kind: 'tokenizer.json', json: tokJson };
  const eos = hfEosIds(cfgRaw, await json('generation_config.json'));
  const chatTemplate = hfChatTemplate(await json('tokenizer_config.json'));
  return { ...(await openSafetensors(st, configFromHf(cfgRaw), tokenizer, eos)), ...(chatTemplate ? { chatTemplate } : {}) };
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

async function openSafetensors(files: ByteSource[], config: ModelConfig, tokenizer: TokenizerSource, eos: number[]): Promise<OpenedModel> {
  const all = new Map<string, FileTensor>();
  for (const f of files) for (const t of await readSafetensorsHeader(f)) all.set(t.name, t);
  const name = files.length === 1 ? baseName(files[0].name) : `${baseName(files[0].name)} (+${files.length - 1} shards)`;
  // Accept the common prefixes: "model." (Llama), "transformer." or none (GPT-2).
  const prefix = ['model.', 'transformer.', ''].find((p) => all.has(p + 'embed_tokens.weight') || all.has(p + 'wte.weight')) ?? (config.arch === 'llama' ? 'model.' : '');
  const full = (n: string) => (n.startsWith('lm_head') ? n : prefix + n);
  const find: Lookup = Object.assign((n: string) => all.get(full(n)), { display: full });
  const c: ModelConfig = { ...config, id: name, label: name };
  const D = c.dim, F = c.ffnDim, dh = c.headDim, Nq = c.nHeads * dh, Nkv = c.nKvHeads * dh;
  const file = name;
  const dtypes = linearDtypeFields([[...all.values()][0]?.dtype ?? 'f32']);
  const fileBytes = [...all.values()].reduce((s, t) => s + t.bytes, 0);
  // transformers' Gemma3RMSNorm multiplies by (1 + w): the stored w of every norm becomes the gain 1 + w (as llama.cpp's
  // converter writes it into a GGUF), in f32 as Gemma3RMSNorm computes it (w.float())
  const gemmaGains = (w: Float32Array) => (c.family === 'gemma3_text' ? w.map((x) => x + 1) : w);
  if (c.arch === 'llama') {
    // Phi-3: q/k/v in one qkv_proj [Nq + 2·Nkv, D], gate and up in one gate_up_proj [2F, D] (gate first), as we hold them
    const phi3 = c.family === 'phi3';
    // GGUF names -> Hugging Face's, for the layouts (f16 / bf16 linears kept as stored); a tied head is the embedding
    const hf: Record<string, string> = phi3
      ? { attn_qkv: 'self_attn.qkv_proj', attn_output: 'self_attn.o_proj', ffn_up: 'mlp.gate_up_proj', ffn_down: 'mlp.down_proj' }
      : { attn_q: 'self_attn.q_proj', attn_k: 'self_attn.k_proj', attn_v: 'self_attn.v_proj', attn_output: 'self_attn.o_proj', ffn_gate: 'mlp.gate_proj', ffn_up: 'mlp.up_proj', ffn_down: 'mlp.down_proj' };
    const byGgufName = (n: string) => {
      if (n === 'output.weight') return c.tiedEmbeddings ? undefined : all.get('lm_head.weight');
      const m = /^blk\.(\d+)\.(\w+)\.weight$/.exec(n);
      return m && hf[m[2]] ? find(`layers.${m[1]}.${hf[m[2]]}.weight`) : undefined;
    };
    return {
      name, format: 'safetensors', config: c, fileBytes, params: parameterCount(c), tokenizer, eos, ...dtypes, ggml: ggmlLayouts(c, byGgufName),
      ...embedStorage(find('embed_tokens.weight')),
      async loadGlobals() {
        const emb = await readEmbedding(need(find, 'embed_tokens.weight', [c.vocabSize, D], file));
        const lmT = all.get('lm_head.weight');
        const gain = async (n: string) => gemmaGains(await readF32(need(find, n, [D], file)));
        let lmHead: Linear;
        if (lmT && !c.tiedEmbeddings) lmHead = await readLinear(need(() => lmT, 'lm_head.weight', [c.vocabSize, D], file));
        else if (!lmT && !c.tiedEmbeddings) throw new ModelFileError(`${file}: missing tensor lm_head.weight (expected [${c.vocabSize}, ${D}]; config.json says tie_word_embeddings is false)`);
        else lmHead = tiedHead(emb, c.vocabSize, D);
        return withEmbedding(emb, { outNorm: await gain('norm.weight'), lmHead });
      },
      async loadLayer(i) {
        const p = `layers.${i}.`;
        const lin = (n: string, shape: number[]) => readLinear(need(find, p + n, shape, file));
        const vec = (n: string, len: number) => readF32(need(find, p + n, [len], file));
        const gain = async (n: string, len: number) => gemmaGains(await vec(n, len));
        const wqkv = phi3
          ? await lin('self_attn.qkv_proj.weight', [Nq + 2 * Nkv, D])
          : concatLinears([await lin('self_attn.q_proj.weight', [Nq, D]), await lin('self_attn.k_proj.weight', [Nkv, D]), await lin('self_attn.v_proj.weight', [Nkv, D])]);
        let bqkv: Float32Array | undefined;
        if (c.qkvBias) {
          const parts = [await vec('self_attn.q_proj.bias', Nq), await vec('self_attn.k_proj.bias', Nkv), await vec('self_attn.v_proj.bias', Nkv)];
          bqkv = new Float32Array(Nq + 2 * Nkv);
          bqkv.set(parts[0], 0); bqkv.set(parts[1], Nq); bqkv.set(parts[2], Nq + Nkv);
        }
        const qkNorm = c.qkNorm ? qkNormGains(c, await gain('self_attn.q_norm.weight', dh), await gain('self_attn.k_norm.weight', dh)) : {};
        // Gemma 3: post_attention_layernorm is the attention output's post-norm; the MLP's pre-norm is pre_feedforward_layernorm
        const norms = c.postNorms
          ? { postAttnNorm: await gain('post_attention_layernorm.weight', D), ffnNorm: await gain('pre_feedforward_layernorm.weight', D), postFfnNorm: await gain('post_feedforward_layernorm.weight', D) }
          : { ffnNorm: await vec('post_attention_layernorm.weight', D) };
        return {
          attnNorm: await gain('input_layernorm.weight', D), wqkv, bqkv, ...qkNorm,
          wo: await lin('self_attn.o_proj.weight', [D, Nq]),
          ...norms,
          wUp: phi3 ? await lin('mlp.gate_up_proj.weight', [2 * F, D]) : concatLinears([await lin('mlp.gate_proj.weight', [F, D]), await lin('mlp.up_proj.weight', [F, D])]),
          wDown: await lin('mlp.down_proj.weight', [D, F]),
        };
      },
    };
  }
  return {
    name, format: 'safetensors', config: c, fileBytes, params: parameterCount(c), tokenizer, eos, ...dtypes,
    ...embedStorage(find('wte.weight')),
    async loadGlobals() {
      const emb = await readEmbedding(need(find, 'wte.weight', [c.vocabSize, D], file));
      return withEmbedding(emb, {
        posEmb: await readF32(need(find, 'wpe.weight', [c.maxPositions, D], file)),
        outNorm: await readF32(need(find, 'ln_f.weight', [D], file)), outNormB: await readF32(need(find, 'ln_f.bias', [D], file)),
        lmHead: tiedHead(emb, c.vocabSize, D),
      });
    },
    async loadLayer(i) {
      const p = `h.${i}.`;
      // Conv1D weights are [in, out]: transposed to [out, in].
      const conv = (n: string, shape: number[]) => readLinear(need(find, p + n, shape, file), true);
      const vec = (n: string, len: number) => readF32(need(find, p + n, [len], file));
      return {
        attnNorm: await vec('ln_1.weight', D), attnNormB: await vec('ln_1.bias', D),
        wqkv: await conv('attn.c_attn.weight', [D, 3 * D]), bqkv: await vec('attn.c_attn.bias', 3 * D),
        wo: await conv('attn.c_proj.weight', [D, D]), bo: await vec('attn.c_proj.bias', D),
        ffnNorm: await vec('ln_2.weight', D), ffnNormB: await vec('ln_2.bias', D),
        wUp: await conv('mlp.c_fc.weight', [D, F]), bUp: await vec('mlp.c_fc.bias', F),
        wDown: await conv('mlp.c_proj.weight', [F, D]), bDown: await vec('mlp.c_proj.bias', D),
      };
    },
  };
}

/**
 * The linears kept as stored on the GPU (OpenedModel.ggml): every one whose tensors have a packedFormat
 * (ggml's Q4_0 .. Q6_K, Q3_K, Q2_K, IQ4_NL, IQ4_XS, Q8_0; f16 / bf16), except a Llama QKV with biases (Qwen2: the gguf QKV ops add none) or a
 * gate|up pair of two formats (one matmul writes both halves); those and GPT-2's QKV (biased) run as f32 (or int8).
 * A tied LM head is not listed: it is the embedding (GpuModel reads a stored one, 16-bit or ggml blocks, as stored, else widens it). Llama's q, k and v stay three parts, one op each (V is often Q6_K).
 * `tensor(name)`: the file's tensor by its GGUF name (blk.L.attn_q.weight, output.weight).
 */
function ggmlLayouts(c: ModelConfig, tensor: (ggufName: string) => FileTensor | undefined): Record<string, GgmlPart[]> {
  const out: Record<string, GgmlPart[]> = {};
  const fmt = (n: string): GgufFormat | undefined => packedFormat(tensor(n));
  const one = (name: string, tensor: string, N: number) => {
    const f = fmt(tensor);
    if (f) out[name] = [{ format: f, N }];
  };
  const dh = c.headDim;
  for (let l = 0; l < c.nLayers; l++) {
    const L = (w: string) => layerBuf(l, w), b = `blk.${l}.`;
    if (c.arch === 'llama') {
      // Phi-3's fused attn_qkv: q, k and v are row ranges of one tensor (one format); its ffn_up holds gate and up
      const qkv = fmt(b + 'attn_qkv.weight');
      const [q, k, v] = qkv ? [qkv, qkv, qkv] : [fmt(b + 'attn_q.weight'), fmt(b + 'attn_k.weight'), fmt(b + 'attn_v.weight')];
      if (q && k && v && !c.qkvBias) out[L('wqkv')] = [{ format: q, N: c.nHeads * dh }, { format: k, N: c.nKvHeads * dh }, { format: v, N: c.nKvHeads * dh }];
      const gate = fmt(b + (c.family === 'phi3' ? 'ffn_up.weight' : 'ffn_gate.weight'));
      if (gate && gate === fmt(b + 'ffn_up.weight')) out[L('wUp')] = [{ format: gate, N: 2 * c.ffnDim }];
    } else one(L('wUp'), b + 'ffn_up.weight', c.ffnDim);
    one(L('wo'), b + 'attn_output.weight', c.dim);
    one(L('wDown'), b + 'ffn_down.weight', c.dim);
  }
  one('lmHead', 'output.weight', c.vocabSize);
  return out;
}

/** The q and k norms' gains as the kernels take them: q's times ModelConfig.queryScale where set (the scores' scale, folded in: RoPE is linear). */
export function qkNormGains(c: Pick<ModelConfig, 'queryScale'>, qNorm: Float32Array, kNorm: Float32Array): { qNorm: Float32Array; kNorm: Float32Array } {
  const s = c.queryScale;
  return { qNorm: s === undefined ? qNorm : qNorm.map((x) => x * s), kNorm };
}

async function openGguf(src: ByteSource): Promise<OpenedModel> {
  const g = await readGguf(src);
  const byName = new Map(g.tensors.map((t) => [t.name, t]));
  const find: Lookup = (n) => byName.get(n);
  const file = baseName(src.name);
  // RoPE frequency factors (f32 [rope dims / 2]), read before the config that holds them: Phi-3's LongRoPE (llama.cpp:
  // rope_factors_short / rope_factors_long), Llama-3.1's scaling (rope_freqs; ggml's rope reads its factors as f32 only)
  const factor = (n: string) => (byName.has(n) ? readF32(byName.get(n)!) : undefined);
  const freqsDtype = byName.get('rope_freqs.weight')?.dtype;
  if (freqsDtype !== undefined && freqsDtype !== 'f32') throw new ModelFileError(`${file}: rope_freqs.weight is ${freqsDtype}; RoPE frequency factors must be f32 (as llama.cpp's rope requires)`);
  const freqs = await factor('rope_freqs.weight');
  const ropeFactors = g.metadata.get('general.architecture') === 'phi3' ? { short: await factor('rope_factors_short.weight'), long: await factor('rope_factors_long.weight'), freqs } : freqs ? { freqs } : undefined;
  const c = configFromGguf(g.metadata, byName.has('output.weight'), byName.has('blk.0.attn_q.bias'), file, ropeFactors);
  if (c.family === 'phi3' && (byName.has('blk.0.attn_q.bias') || byName.has('blk.0.attn_qkv.bias'))) throw new ModelFileError(`${file}: phi3 with q/k/v biases (blk.0.attn_qkv.bias / attn_q.bias) is not supported (Phi-3 has none)`);
  const D = c.dim, F = c.ffnDim, dh = c.headDim, Nq = c.nHeads * dh, Nkv = c.nKvHeads * dh;
  // the linears' dtypes (the embeddings may be stored otherwise: see embedFormat)
  const linDtypes = g.tensors.filter((t) => t.shape.length === 2 && !t.name.endsWith('_embd.weight')).map((t) => t.dtype);
  // every ggml block format among them, Q8_0 included (a Q4_0 file's Q8_0 linears: "q4_0+q8_0")
  const ggmlTypes = [...new Set(linDtypes.filter((d) => isGgmlQuant(d) || d === 'q8_0'))].sort();
  const dtypes = linearDtypeFields(ggmlTypes.length > 0 ? ggmlTypes : [linDtypes[0] ?? 'f32']);
  const fileBytes = g.tensors.reduce((s, t) => s + t.bytes, 0);
  const lin = (n: string, shape: number[]) => readLinear(need(find, n, shape, file));
  const vec = (n: string, len: number) => readF32(need(find, n, [len], file));
  // llama.cpp's Llama converter permutes q/k rows (and biases) for its interleaved RoPE; its Qwen2, Qwen3 and Phi-3 converters do not
  const qkPermuted = g.metadata.get('general.architecture') === 'llama';
  const qk = (l: Linear, heads: number) => (qkPermuted ? unpermuteRows(l, heads) : l);
  const bias = async (n: string, len: number, heads?: number) => {
    const v = await vec(n, len);
    return heads === undefined || !qkPermuted ? v : linearF32(unpermuteRows({ kind: 'f32', N: len, K: 1, w: v }, heads));
  };
  const chatTemplate = ggufChatTemplate(g.metadata);
  const base = { name: file, format: 'gguf' as const, config: c, fileBytes, params: parameterCount(c), tokenizer: { kind: 'gguf' as const, metadata: g.metadata }, ...dtypes, ggml: ggmlLayouts(c, (n) => byName.get(n)),
    eos: ggufEogIds(g.metadata), ...(chatTemplate ? { chatTemplate } : {}) };
  return {
    ...base,
    ...embedStorage(byName.get('token_embd.weight')),
    async loadGlobals() {
      const emb = await readEmbedding(need(find, 'token_embd.weight', [c.vocabSize, D], file));
      const lmHead: Linear = byName.has('output.weight') ? await lin('output.weight', [c.vocabSize, D]) : tiedHead(emb, c.vocabSize, D);
      return withEmbedding(emb, {
        posEmb: c.arch === 'gpt2' ? await readF32(need(find, 'position_embd.weight', [c.maxPositions, D], file)) : undefined,
        outNorm: await vec('output_norm.weight', D), outNormB: c.arch === 'gpt2' ? await vec('output_norm.bias', D) : undefined,
        lmHead,
      });
    },
    async loadLayer(i) {
      const p = `blk.${i}.`;
      if (c.arch === 'llama' && c.family === 'phi3') {
        // llama.cpp's phi3: attn_qkv [q | k | v] (or attn_q / attn_k / attn_v), ffn_up [gate | up] of 2F rows (its graph's
        // swiglu takes the first half as the gate), rows as in Hugging Face's files
        const wqkv = byName.has(p + 'attn_qkv.weight') ? await lin(p + 'attn_qkv.weight', [Nq + 2 * Nkv, D]) : concatLinears([await lin(p + 'attn_q.weight', [Nq, D]), await lin(p + 'attn_k.weight', [Nkv, D]), await lin(p + 'attn_v.weight', [Nkv, D])]);
        return {
          attnNorm: await vec(p + 'attn_norm.weight', D), wqkv,
          wo: await lin(p + 'attn_output.weight', [D, Nq]),
          ffnNorm: await vec(p + 'ffn_norm.weight', D),
          wUp: await lin(p + 'ffn_up.weight', [2 * F, D]),
          wDown: await lin(p + 'ffn_down.weight', [D, F]),
        };
      }
      if (c.arch === 'llama') {
        const q = qk(await lin(p + 'attn_q.weight', [Nq, D]), c.nHeads);
        const k = qk(await lin(p + 'attn_k.weight', [Nkv, D]), c.nKvHeads);
        let bqkv: Float32Array | undefined;
        if (c.qkvBias) {
          bqkv = new Float32Array(Nq + 2 * Nkv);
          bqkv.set(await bias(p + 'attn_q.bias', Nq, c.nHeads), 0); bqkv.set(await bias(p + 'attn_k.bias', Nkv, c.nKvHeads), Nq); bqkv.set(await bias(p + 'attn_v.bias', Nkv), Nq + Nkv);
        }
        const qkNorm = c.qkNorm ? qkNormGains(c, await vec(p + 'attn_q_norm.weight', dh), await vec(p + 'attn_k_norm.weight', dh)) : {};
        const postNorms = c.postNorms ? { postAttnNorm: await vec(p + 'post_attention_norm.weight', D), postFfnNorm: await vec(p + 'post_ffw_norm.weight', D) } : {};
        return {
          attnNorm: await vec(p + 'attn_norm.weight', D),
          wqkv: concatLinears([q, k, await lin(p + 'attn_v.weight', [Nkv, D])]), bqkv, ...qkNorm, ...postNorms,
          wo: await lin(p + 'attn_output.weight', [D, Nq]),
          ffnNorm: await vec(p + 'ffn_norm.weight', D),
          wUp: concatLinears([await lin(p + 'ffn_gate.weight', [F, D]), await lin(p + 'ffn_up.weight', [F, D])]),
          wDown: await lin(p + 'ffn_down.weight', [D, F]),
        };
      }
      return {
        attnNorm: await vec(p + 'attn_norm.weight', D), attnNormB: await vec(p + 'attn_norm.bias', D),
        wqkv: await lin(p + 'attn_qkv.weight', [3 * D, D]), bqkv: await vec(p + 'attn_qkv.bias', 3 * D),
        wo: await lin(p + 'attn_output.weight', [D, D]), bo: await vec(p + 'attn_output.bias', D),
        ffnNorm: await vec(p + 'ffn_norm.weight', D), ffnNormB: await vec(p + 'ffn_norm.bias', D),
        wUp: await lin(p + 'ffn_up.weight', [F, D]), bUp: await vec(p + 'ffn_up.bias', F),
        wDown: await lin(p + 'ffn_down.weight', [D, F]), bDown: await vec(p + 'ffn_down.bias', D),
      };
    },
  };
}
