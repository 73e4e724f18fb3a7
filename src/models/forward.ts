// The one op list of a forward step of a model, as plain data: each op a Plan with an id stable across
// uses ("L3.qkv", "lm-head"). The architecture is walked once (`walk`): from the config's fields (norm
// kind, positions, MLP kind, biases; never a model's name) it states the step's ops in order, each with
// its family, layer, shapes and the tensors it reads and writes. Two lowerings turn that list into ForwardOps:
// - lowerForGpu (a StepShape): the GPU decode loop's list (src/llm/gpu-model.ts runs it, every layer):
//   each op a registered kernel's Plan by the kernel's shape rule (f32, int8 or ggml weights), with the
//   GPU buffers bound to its tensors; the CPU reference (src/llm/reference.ts) follows the same op order
//   with its own math;
// - lowerForDeployment (a DeployStep): what a deployment runs on a chip, the chip model's list
//   (simulateModel, index.ts): the walk over one tensor-parallel chip's share of heads, FFN columns and
//   vocabulary, the registry's kernels with the chip's tiling in the deployment's storage formats
//   (retypePlan), and runs of adjacent element-wise ops fused as deployments run them, by a declared
//   table (DEPLOY_FUSIONS: RoPE of q and k with the KV-cache write, the residual add inside the next
//   norm); each deployment op `covers` the walk's ops it stands for (computed from the run it fused), so
//   the Model tab joins predictions to measured rows by op id.
// A new kind of op (a norm, an activation, a position scheme) is a branch in `walk` and its case in each
// lowering; the attention window reaches both lowerings' attention kernels.
//
// Per layer (Llama | GPT-2):
//   norm (RMSNorm | LayerNorm) -> qkv (fused | gemv, or fused-w8 | gemv-w8 with --int8) -> RMSNorm of each Q and K head
//   (Qwen3, Gemma 3) -> RoPE of Q and K (Llama; the layer's base: Gemma 3's windowed layers have their own table)
//   -> K, V into the KV cache -> attention (prefill: flash over the chunk, a later chunk of a long
//   prompt over the cache written so far; decode: split-K over the cache; the layer's window) -> output projection
//   (matmul | matmul-int8) -> (Gemma 3: RMSNorm of it) -> residual add (+ bias)
//   -> norm -> up projection ([gate | up] | fc) -> silu·mul | gelu·mul (Gemma 3) | GELU(+bias) -> down projection
//   -> (Gemma 3: RMSNorm of it) -> residual add (+ bias).
// Then the final norm of the last token, the LM head, and sampling.

import { autoVariant } from '../kernels/kernel.ts';
import type { Immutables, Plan } from '../kernels/plan.ts';
import { embedRowBytes, type EmbedFormat } from '../kernels/elementwise.ts';
import { kernelByName } from '../kernels/registry.ts';
import type { HbmPattern } from '../chip/types.ts';
import { gatedMlp, layerWindow, usesLocalRope, type ModelConfig } from './config.ts';
import { decodeAttentionOp, gemmOp, prefillAttentionOp, qkvOp, vectorOp, type OpPlan } from './plans.ts';
import type { PrecisionSpec } from './types.ts';
import type { GgufFormat } from '../kernels/matmul-gguf.ts';

export type OpFamily = 'embed' | 'norm' | 'qkv' | 'rope' | 'kv-write' | 'attention' | 'o-proj' | 'residual' | 'ffn-up' | 'activation' | 'ffn-down' | 'lm-head' | 'sample';

/** How the chip model treats an op: norm: a row reduction (its own kernel on a GPU); elementwise: fits a neighbour's epilogue. */
export type OpKind = 'norm' | 'elementwise' | 'gemm' | 'attention' | 'other';

export interface ForwardOp {
  /** Unique within a step, e.g. "L3.qkv". */
  id: string;
  /** The op within its layer ("qkv", "lm-head"): the id without the layer; the chip model's results are per name. */
  name: string;
  family: OpFamily;
  /** -1 for ops outside the layers. */
  layer: number;
  plan: Plan;
  /** Plan tensor name -> GPU buffer name (GPU target; empty for a deployment). */
  bind: Record<string, string>;
  /** Byte offset into the bound buffer, by plan tensor name (a part of a split LM head writes its slice of the logits). */
  offsets?: Record<string, number>;
  /** "qkv/fused", "matmul/tiled-f16", "analytic:rmsnorm", ... */
  source: string;
  /** How many times the plan runs in the step per layer (attention per sequence, LM head column chunks). */
  repeat: number;
  kind: OpKind;
  /** HBM access pattern (the chip's achievable bandwidth differs): one-pass streams vs tiled GEMMs. */
  pattern: HbmPattern;
  /** Bytes of live activations (inputs + outputs) per layer, for the on-chip fusion check. */
  actBytes: number;
  /** Names of the GPU loop's ops this op stands for (a deployment fuses some); [name] for the GPU target. */
  covers: string[];
}

export interface StepShape {
  /** Tokens processed by this step (a prompt chunk for prefill, 1 for decode). */
  M: number;
  /** Position of the first token (a prefill chunk after the first: the tokens already in the cache). */
  pos0: number;
  phase: 'prefill' | 'decode';
  /** KV cache positions per head (the context the loop allocated). */
  capacity: number;
  int8: boolean;
  /** Sampling: candidates kept (1 = greedy), temperature and the draw. */
  topK: number;
  temperature: number;
  u: number;
  /** matmul-int8 variant: 'dot4' where the WGSL packed dot product exists, else 'unpacked'. */
  int8Variant?: 'dot4' | 'unpacked';
  /** int8 weights quantized per group of 32 along K (GGUF Q8_0 kept as is), by weight buffer name; others per column. */
  q8Groups?: Record<string, number>;
  /** Weights kept as GGUF ggml blocks (matmul-gguf), by weight buffer name: their parts in row order. */
  ggml?: Record<string, GgmlPart[]>;
  /** How the vocabulary is split across bindings (vocabSplit); default: one embedding, LM-head parts of HEAD_MAX_COLS. */
  split?: VocabSplit;
  /** Storage of the token embedding on the GPU: f32 (default), or the file's f16 / bf16 or ggml blocks as stored. */
  embedFormat?: EmbedFormat;
  /**
   * The LM head is the token embedding as stored (a tied head over a stored `embedFormat`, 16-bit or ggml blocks): each head part
   * runs matmul-gguf in that format over its rows of an embedding buffer (the [V, D] table is [N, K] with rows =
   * output features, a linear's layout), bound at a byte offset; no head buffers. The split must be vocabSplit's
   * `shared` one (embedding parts of whole head parts).
   */
  headFromEmbed?: boolean;
}

/**
 * Most columns one LM-head matmul takes: the matmul kernels' N limit (MAX_DIM in src/kernels/matmul.ts
 * and matmul-int8.ts). Llama-3's 128,256 or Gemma's 256,000 logits take two or four parts.
 */
const HEAD_MAX_COLS = 1 << 16;

/** Rows of the embedding per buffer (embed op) and columns of the LM head per buffer (lm-head op). */
export interface VocabSplit {
  embedRows: number;
  headCols: number;
}

/** The parts [v0, v0 + n) of a vocabulary of V entries cut every `per`. */
export function vocabRanges(V: number, per: number): Array<{ v0: number; n: number }> {
  const out: Array<{ v0: number; n: number }> = [];
  for (let v0 = 0; v0 < V; v0 += per) out.push({ v0, n: Math.min(per, V - v0) });
  return out;
}

/** Buffer of embedding part i (of `parts`): "tokEmb" when whole. */
export const embedBuf = (i: number, parts: number) => (parts === 1 ? 'tokEmb' : `tokEmb.p${i}`);
/** Weight buffer of LM-head part i (of `parts`): "lmHead" when whole. */
export const headBuf = (i: number, parts: number) => (parts === 1 ? 'lmHead' : `lmHead.p${i}`);
/** The op id of part i of a split op ("lm-head.p1"); the op's name stays "lm-head". */
export const partId = (name: string, i: number, parts: number) => (parts === 1 ? name : `${name}.p${i}`);

/**
 * Splits the embedding and the LM head so that no buffer exceeds `bindingBytes` (the device's
 * maxStorageBufferBindingSize, 128 MiB on many phones) and no matmul exceeds HEAD_MAX_COLS columns.
 * `embedRowBytes`: bytes of one embedding row as stored (embedRowBytes: f32 4·D, f16 / bf16 2·D, ggml blocks D / blockElems · blockBytes).
 * `headColBytes`: bytes one LM-head column takes in its largest buffer (f32: 4·D; int8: the packed
 * row or its scales; kept as stored: its row's blocks, f16 / bf16 2·D). LM-head parts after the first write the logits at an offset, which must be a
 * multiple of `offsetAlign` bytes (minStorageBufferOffsetAlignment), so split parts are a multiple of
 * offsetAlign / 4 columns. `shared` (StepShape.headFromEmbed: the head reads the embedding's buffers): one rule
 * for both, the head's parts cut as a column is an embedding row (headColBytes unused), and the embedding's
 * parts whole numbers of head parts, so each head part binds rows of one embedding part at an offset that is
 * a multiple of offsetAlign too. Throws with the numbers when not even one row or one aligned part fits.
 */
export function vocabSplit(c: ModelConfig, o: { bindingBytes: number; embedRowBytes: number; headColBytes: number; offsetAlign: number; shared?: boolean }): VocabSplit {
  const V = c.vocabSize;
  const embedFit = Math.floor(o.bindingBytes / o.embedRowBytes);
  if (embedFit < 1) throw new RangeError(`one embedding row takes ${o.embedRowBytes} bytes; this device binds at most ${o.bindingBytes} bytes per buffer`);
  const colBytes = o.shared ? o.embedRowBytes : o.headColBytes;
  const fit = Math.min(HEAD_MAX_COLS, Math.floor(o.bindingBytes / colBytes));
  let headCols = V;
  if (V > fit) {
    const logitsAlign = Math.max(1, Math.ceil(o.offsetAlign / 4));
    // shared: a part's first row must also start at a multiple of offsetAlign bytes into its embedding part
    const a = o.shared ? lcm(logitsAlign, o.offsetAlign / gcd(o.offsetAlign, o.embedRowBytes)) : logitsAlign;
    headCols = Math.floor(fit / a) * a;
    if (headCols < 1) throw new RangeError(`an LM-head part of ${a} columns takes ${a * colBytes} bytes; this device binds at most ${o.bindingBytes} bytes per buffer`);
  }
  const embedRows = Math.min(V, o.shared ? Math.floor(embedFit / headCols) * headCols : embedFit);
  return { embedRows, headCols };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/**
 * A step as a deployment runs it on a chip (what simulateModel simulates): the phase, M tokens per
 * sequence (1 for decode) after pos0 cached ones, `deploy` the deployment's choices.
 */
export interface DeployStep {
  phase: 'prefill' | 'decode';
  M: number;
  pos0: number;
  deploy: Deployment;
  /** In-flight batching (a decode step only): prefill tokens of newly admitted requests carried in the step (inflight.ts). */
  carried?: CarriedPrefill;
}

/**
 * Prefill tokens a decode step carries (in-flight batching, src/models/inflight.ts): `tokens` rows of
 * prompts of `prompt` tokens each. The GEMMs, norms and element-wise ops run over batch + tokens rows;
 * attention runs the batch's decode over the cache plus the carried rows' causal prefill attention, on
 * average tokens / prompt whole prompts (a prompt's chunks over its cached prefix add up to the whole
 * prompt's causal attention); the LM head runs for the batch plus the prompts that finish in the step
 * (round(tokens / prompt): their last row samples the request's first token).
 */
export interface CarriedPrefill {
  tokens: number;
  prompt: number;
}

/** The prefill a step really carries: a decode step's, when it has tokens; else none. */
export function carriedOf(phase: 'prefill' | 'decode', carried: CarriedPrefill | undefined): CarriedPrefill | undefined {
  return phase === 'decode' && carried && carried.tokens > 0 ? carried : undefined;
}

/**
 * Rows every GEMM, norm and element-wise op of a deployment step carries: every token of every sequence
 * (`M` tokens per sequence; decode: 1), plus a decode step's carried prefill tokens (in-flight batching).
 */
export function stepRows(phase: 'prefill' | 'decode', M: number, batch: number, carried: CarriedPrefill | undefined): number {
  return phase === 'prefill' ? M * batch : batch + (carried?.tokens ?? 0);
}

/** stepRows in words, for messages: "tokens x batch", "batch", "batch + carried prefill tokens". */
export function stepRowsTerms(phase: 'prefill' | 'decode', carried: CarriedPrefill | undefined): string {
  return phase === 'prefill' ? 'tokens x batch' : carried ? 'batch + carried prefill tokens' : 'batch';
}

export interface Deployment {
  /** Sequences in the step. */
  batch: number;
  /** Storage formats of weights (attention / MLP) and KV cache; activations bf16. */
  formats: Required<PrecisionSpec>;
  /** Tensor-parallel degree: heads, FFN columns and the vocabulary split over this many chips. */
  tensorParallel: number;
  /** Fused QKV (reads X once) or three separate projections. */
  fusedQkv: boolean;
  /** Tiles of the chip (GEMM block sizes are chosen so a plan has about as many). */
  chipTiles: number;
  /** Build layer 0 only: every layer runs the same ops (the chip model simulates one and multiplies). */
  firstLayerOnly: boolean;
}

/** GEMMs with at most this many rows stream their weights once (GEMV-like); more rows are tiled. */
export const STREAMING_ROWS = 64;

/** The HBM access pattern of a GEMM of `rows` rows: streaming up to STREAMING_ROWS, tiled above. */
export const rowsPattern = (rows: number): HbmPattern => (rows <= STREAMING_ROWS ? 'streaming' : 'tiled');

/** Names of the weight buffers a layer's ops read; the uploader fills them. */
export const layerBuf = (l: number, what: string) => `L${l}.${what}`;
/** The buffer of part `i` of a weight kept as ggml blocks. */
export const ggufBuf = (w: string, i: number) => `${w}.gguf${i}`;

/** One stacked part of a linear kept as ggml blocks on the GPU (q, k, v; gate·up; a whole linear): its format and rows. */
export interface GgmlPart {
  format: GgufFormat;
  N: number;
}

/**
 * Matmul tiles for short prompts the gemv rule does not take (more than 8 tokens up to 16, or N not a
 * multiple of 4): the smallest row block (16), 64 columns per workgroup.
 */
const SMALL_TILES = { BM: 16, BN: 64, BK: 16, TM: 2, TN: 8 };
/** Keys per split of the decode attention. */
const DECODE_SPLIT = 64;

/**
 * The Plan of a registered kernel. `variant`: a name, or 'auto' for the kernel's shape rule
 * (KernelDef.pickVariant: gemv for a few tokens, the tiled kernels otherwise), keeping the kind of
 * `family` when given (int8 weights: qkv fused-w8 | gemv-w8; the int8 matmul's unpacked on a device
 * without the packed dot product).
 */
function plan(kernel: string, params: Record<string, unknown>, variant?: string, family?: string): Plan {
  const def = kernelByName(kernel);
  const p = def.validate(params);
  return def.plan(p, variant === 'auto' ? autoVariant(def, p, family) : variant ?? def.defaultVariant);
}

/**
 * The ops of one step, in order. A StepShape gives the GPU loop's list (every layer, buffers bound);
 * a DeployStep gives what a deployment runs (see the file comment), the chip model's list.
 */
export function forwardOps(c: ModelConfig, s: StepShape | DeployStep): ForwardOp[] {
  // a deployment's ops are one chip's share: heads, FFN columns and the vocabulary split over its P tensor-parallel chips
  const d = stepDims(c, 'deploy' in s ? s.deploy.tensorParallel : 1);
  if ('deploy' in s) return lowerForDeployment(c, walk(c, d, s.phase, s.pos0 !== 0, s.deploy.firstLayerOnly ? 1 : c.nLayers), s, d);
  return lowerForGpu(c, walk(c, d, s.phase, s.pos0 !== 0, c.nLayers), s, d);
}

/** The walk's sizes for one of P tensor-parallel chips (P = 1: the whole model). */
function stepDims(c: ModelConfig, P: number): Dims {
  return { D: c.dim, dh: c.headDim, Hq: Math.ceil(c.nHeads / P), Hkv: Math.ceil(c.nKvHeads / P), F: Math.ceil(c.ffnDim / P), V: Math.ceil(c.vocabSize / P) };
}

// ---- the walk: the architecture, once ---------------------------------------------------------

/** The sizes the walk states ops in (the whole model, or one tensor-parallel chip's share): query / KV heads, FFN columns, vocabulary. */
interface Dims { D: number; dh: number; Hq: number; Hkv: number; F: number; V: number }

/** What an op of the walk computes, with the tensors it reads and writes (the GPU loop's buffer names). */
type Work =
  // the token embedding of each token into y, plus its row of a learned position table when `positions` > 0
  | { what: 'embed'; positions: number; y: string }
  // the config's norm of each row of x (`last`: the last token's row only), gain w, shift b (LayerNorm's; RMSNorm has none)
  | { what: 'norm'; w: string; b: string | null; x: string; y: string; last: boolean }
  // x -> q, k, v (y) by the weights w, plus the bias when the config has one
  | { what: 'qkv'; w: string; bias: string | null; x: string; y: [string, string, string] }
  // RMSNorm of each of H heads of x (head-major, rows of dh), gain w [dh], into y (Qwen3's q_norm / k_norm)
  | { what: 'head-norm'; H: number; w: string; x: string; y: string }
  // H heads of x into y, rotated by position (RoPE, by the cos/sin table `table`: the layer's base) or copied; `cache`: y
  // is the KV cache, written at the step's positions
  | { what: 'rope'; H: number; x: string; y: string; rotate: boolean; cache: boolean; table: string }
  // causal attention of q over k, v (the step's own or the cache: `walk` picks by phase) into y, the layer's window (0: none)
  | { what: 'attention'; q: string; k: string; v: string; y: string; window: number }
  // y = x · W [K -> N]; `mlp`: an MLP weight (a deployment may store those in another format)
  | { what: 'linear'; w: string; K: number; N: number; x: string; y: string; mlp: boolean }
  // z = x + y (+ b)
  | { what: 'residual'; x: string; y: string; b: string | null; z: string }
  // the MLP's activation: silu(gate)·up (swiglu), gelu(gate)·up (geglu), or GELU(x + b)
  | { what: 'activation'; fn: ModelConfig['mlp']; x: string; b: string | null; y: string }
  // the last token's logits: x · LM head [D -> V]
  | { what: 'lm-head'; x: string; y: string }
  // the next token from the logits
  | { what: 'sample'; x: string; y: string };

/** An op of the walk: its id ("L3.qkv"), name within its layer, family and layer (-1 outside the layers), and its work. */
type StepOp = { id: string; name: string; family: OpFamily; layer: number } & Work;

/**
 * The architecture, walked once: the ops of a step (phase; `laterChunk`: a prefill chunk after the first,
 * whose attention reads the cache the chunks before it wrote; a decode step always does) in order, in `d`'s
 * sizes, for `layers` layers, each decision read from the config's fields. Both lowerings take this list.
 */
function walk(c: ModelConfig, d: Dims, phase: 'prefill' | 'decode', laterChunk: boolean, layers: number): StepOp[] {
  const rope = c.positions.kind === 'rope', gated = gatedMlp(c);
  const shift = (w: string) => (c.norm === 'layernorm' ? `${w}B` : null);
  const ops: StepOp[] = [];
  const add = (layer: number, name: string, family: OpFamily, work: Work) => ops.push({ id: layer < 0 ? name : `L${layer}.${name}`, name, family, layer, ...work });

  add(-1, 'embed', 'embed', { what: 'embed', positions: c.positions.kind === 'learned' ? c.maxPositions : 0, y: 'xa' });
  for (let l = 0; l < layers; l++) {
    const L = (w: string) => layerBuf(l, w);
    // Gemma 3: a windowed layer has its own RoPE base (its own cos/sin table) and the full-attention layers theirs
    const table = usesLocalRope(c, l) ? 'ropeTableLocal' : 'ropeTable';
    const window = layerWindow(c, l);
    const heads = (name: string, family: OpFamily, H: number, x: string, y: string, rotate: boolean, cache: boolean) =>
      add(l, name, family, { what: 'rope', H, x, y, rotate, cache, table });
    add(l, 'attn-norm', 'norm', { what: 'norm', w: L('attnNorm'), b: shift(L('attnNorm')), x: 'xa', y: 'xn', last: false });
    add(l, 'qkv', 'qkv', { what: 'qkv', w: L('wqkv'), bias: c.qkvBias ? L('bqkv') : null, x: 'xn', y: ['q', 'k', 'v'] });
    // Qwen3: each head of q and of k RMS-normed (before RoPE); the ops after read the normed heads
    const [qh, kh] = c.qkNorm ? ['qn', 'kn'] : ['q', 'k'];
    if (c.qkNorm) {
      add(l, 'q-norm', 'norm', { what: 'head-norm', H: d.Hq, w: L('qNorm'), x: 'q', y: qh });
      add(l, 'k-norm', 'norm', { what: 'head-norm', H: d.Hkv, w: L('kNorm'), x: 'k', y: kh });
    }
    const q = rope ? 'qr' : qh;
    if (rope) heads('rope-q', 'rope', d.Hq, qh, 'qr', true, false);
    if (phase === 'prefill') {
      // prefill attends over this step's K/V; they go into the cache for the decode steps after it
      const k = rope ? 'kr' : kh;
      if (rope) heads('rope-k', 'rope', d.Hkv, kh, 'kr', true, false);
      heads('k-cache', 'kv-write', d.Hkv, k, L('kcache'), false, true);
      heads('v-cache', 'kv-write', d.Hkv, 'v', L('vcache'), false, true);
      // a later chunk of a long prompt: its queries attend to the cached keys and its own, read in place
      // from the cache (written just above)
      const [ka, va] = laterChunk ? [L('kcache'), L('vcache')] : [k, 'v'];
      add(l, 'attention', 'attention', { what: 'attention', q, k: ka, v: va, y: 'attn', window });
    } else {
      // decode: the new key is rotated as it is written to the cache
      heads('k-cache', 'kv-write', d.Hkv, kh, L('kcache'), rope, true);
      heads('v-cache', 'kv-write', d.Hkv, 'v', L('vcache'), false, true);
      add(l, 'attention', 'attention', { what: 'attention', q, k: L('kcache'), v: L('vcache'), y: 'attn', window });
    }
    add(l, 'o-proj', 'o-proj', { what: 'linear', w: L('wo'), K: d.Hq * d.dh, N: d.D, x: 'attn', y: 'proj', mlp: false });
    // Gemma 3's sandwich norms: the block's output RMS-normed before its residual add
    const post = c.postNorms ? 'projn' : 'proj';
    if (c.postNorms) add(l, 'post-attn-norm', 'norm', { what: 'norm', w: L('postAttnNorm'), b: null, x: 'proj', y: post, last: false });
    add(l, 'attn-residual', 'residual', { what: 'residual', x: 'xa', y: post, b: c.projBias ? L('bo') : null, z: 'xb' });
    add(l, 'ffn-norm', 'norm', { what: 'norm', w: L('ffnNorm'), b: shift(L('ffnNorm')), x: 'xb', y: 'xn', last: false });
    // SwiGLU / GeGLU: [gate | up] in one matmul, then act(gate)·up; GELU: fc, then GELU adding fc's bias
    add(l, 'ffn-up', 'ffn-up', { what: 'linear', w: L('wUp'), K: d.D, N: gated ? 2 * d.F : d.F, x: 'xn', y: 'gu', mlp: true });
    add(l, ACTIVATION_OP[c.mlp], 'activation', { what: 'activation', fn: c.mlp, x: 'gu', b: gated ? null : L('bUp'), y: 'h' });
    add(l, 'ffn-down', 'ffn-down', { what: 'linear', w: L('wDown'), K: d.F, N: d.D, x: 'h', y: 'proj', mlp: true });
    if (c.postNorms) add(l, 'post-ffn-norm', 'norm', { what: 'norm', w: L('postFfnNorm'), b: null, x: 'proj', y: post, last: false });
    add(l, 'ffn-residual', 'residual', { what: 'residual', x: 'xb', y: post, b: c.projBias ? L('bDown') : null, z: 'xa' });
  }
  add(-1, 'final-norm', 'norm', { what: 'norm', w: 'outNorm', b: shift('outNorm'), x: 'xa', y: 'xf', last: true });
  add(-1, 'lm-head', 'lm-head', { what: 'lm-head', x: 'xf', y: 'logits' });
  add(-1, 'sample', 'sample', { what: 'sample', x: 'logits', y: 'sampled' });
  return ops;
}

/** The op name of each MLP activation. */
const ACTIVATION_OP = { swiglu: 'silu-mul', geglu: 'gelu-mul', gelu: 'gelu' } as const;

const GEMM_FAMILIES: readonly OpFamily[] = ['qkv', 'o-proj', 'ffn-up', 'ffn-down', 'lm-head'];

/** A ForwardOp of either lowering (the defaults are the GPU target's). */
function forwardOp(
  o: { id: string; name: string; family: OpFamily; layer: number },
  plan: Plan,
  at: Partial<Pick<ForwardOp, 'bind' | 'source' | 'repeat' | 'pattern' | 'actBytes' | 'covers' | 'offsets'>>,
): ForwardOp {
  const f = o.family;
  const kind: OpKind = f === 'norm' ? 'norm' : f === 'attention' ? 'attention' : GEMM_FAMILIES.includes(f) ? 'gemm' : f === 'embed' || f === 'sample' ? 'other' : 'elementwise';
  const op: ForwardOp = {
    id: o.id, name: o.name, family: f, layer: o.layer, plan, bind: at.bind ?? {}, source: at.source ?? `${plan.kernel}/${plan.variant}`, repeat: at.repeat ?? 1,
    kind, pattern: at.pattern ?? 'streaming', actBytes: at.actBytes ?? 0, covers: at.covers ?? [o.name],
  };
  // (added, not spread into the literal: a spread builds the object field by field, several times its size)
  if (at.offsets) op.offsets = at.offsets;
  return op;
}

// ---- the GPU loop's lowering -------------------------------------------------------------------

/**
 * What changes from one decode step to the next: the position and the sampling (its draw is new every
 * token). An op whose plan reads none of these is the same at every step of a decode loop (DecodeOpsCache).
 */
export type StepPoint = Pick<StepShape, 'pos0' | 'topK' | 'temperature' | 'u'>;

/** The rest of a StepShape: what a decode loop's list is lowered for once. */
type ListShape = Omit<StepShape, keyof StepPoint>;

/** What an op of the walk lowers to: its ops, or, when their plans read the step's position or sampling, how to make them at a step. */
type Lowered = readonly ForwardOp[] | ((at: StepPoint) => ForwardOp[]);

/** How a lowering gets a registered kernel's Plan: `plan`, or DecodeOpsCache's memo of it. */
type PlanOf = typeof plan;

/** Each op of the walk as a registered kernel's Plan (the kernels' shape rule), the GPU buffers bound to its tensors. */
function lowerForGpu(c: ModelConfig, walked: readonly StepOp[], s: StepShape, d: Dims): ForwardOp[] {
  const lower = gpuLowering(c, s, d, plan);
  return walked.flatMap((o) => {
    const l = lower(o);
    return typeof l === 'function' ? l(s) : l;
  });
}

/**
 * The GPU lowering of one op of the walk. It sees only the ListShape: a lowering that needs the step's
 * position or sampling returns a function of them (StepPoint), so what it reads of them is in its type.
 */
function gpuLowering(c: ModelConfig, s: ListShape, d: Dims, plan: PlanOf): (o: StepOp) => Lowered {
  const { M, capacity: C, int8 } = s;
  const { D, dh, Hq, Hkv } = d;
  const int8Variant = s.int8Variant ?? 'dot4';

  // Matmuls and QKV take the kernels' shape rule (matmul.ts): gemv for M <= 8 tokens when N % 4 == 0
  // (each weight streamed once for every token; a decode step is M = 1), the tiled kernels otherwise.
  // int8: the int8 gemv needs K % 16 == 0 and the packed dot product, and takes per-column scales (our
  // recipe) and GGUF Q8_0 blocks (group 32) alike; devices without dot4 keep the tiled unpacked kernel.
  // The QKV with int8 weights: gemv-w8 for a decode token (D % 16 == 0), fused-w8 otherwise.
  // GGUF Q4_0 / Q4_1 / Q5_0 / Q5_1 / Q4_K / Q5_K / Q6_K / Q3_K / Q2_K / IQ4_NL / IQ4_XS / Q8_0 weights, and f16 / bf16 ones (s.ggml) run as stored through matmul-gguf (gemv for M ≤ 8).
  const linearOp = (M: number, w: string, K: number, N: number): Plan => {
    const g = s.ggml?.[w];
    if (g) return plan('matmul-gguf', { M, N, K, format: g[0].format }, 'auto');
    const small = M <= 16;
    if (!int8) return plan('matmul', { M, N, K, ...(small ? SMALL_TILES : {}) }, 'auto');
    const tiles = small ? { BM: SMALL_TILES.BM, BN: SMALL_TILES.BN, TM: SMALL_TILES.TM, TN: SMALL_TILES.TN } : {};
    return plan('matmul-int8', { M, N, K, ...tiles, group: s.q8Groups?.[w] ?? 0 }, 'auto', int8Variant);
  };
  const linearBind = (w: string, x: string, y: string): Record<string, string> =>
    s.ggml?.[w] ? { X: x, W: ggufBuf(w, 0), Y: y } : int8 ? { X: x, Wq: `${w}.q`, wScale: `${w}.scale`, Xq: 'xq', xScale: 'xscale', Y: y } : { A: x, B: w, C: y };

  return (o: StepOp): Lowered => {
    const one = (p: Plan, bind: Record<string, string>) => [forwardOp(o, p, { bind })];
    switch (o.what) {
      case 'embed': {
        // one op per part of the vocabulary (each part fills the rows of the ids it holds)
        const parts = vocabRanges(d.V, s.split?.embedRows ?? d.V);
        const binds = parts.map((_, i) => ({ ids: 'ids', E: embedBuf(i, parts.length), P: o.positions > 0 ? 'posEmb' : 'dummy', X: o.y }));
        return ({ pos0 }) => parts.map(({ v0, n }, i) => forwardOp({ ...o, id: partId(o.name, i, parts.length) },
          plan('embed', { M, D, V: n, positions: o.positions, pos0, format: s.embedFormat ?? 'f32', ...(parts.length > 1 ? { v0, vocab: d.V } : {}), ...(c.embedScale !== undefined ? { scale: c.embedScale } : {}) }),
          { bind: binds[i] }));
      }
      case 'norm': {
        // the final norm: the last token's row only (rows M from r0 = M - 1, one row out)
        const [rows, r0, Mo] = o.last ? [M, M - 1, 1] : [M, 0, M];
        return one(plan(c.norm, { M: Mo, D, rows, r0, eps: c.normEps }), o.b === null ? { X: o.x, w: o.w, Y: o.y } : { X: o.x, w: o.w, b: o.b, Y: o.y });
      }
      case 'head-norm':
        // the RMSNorm kernel over the head-major [H, M, dh] as H·M rows of dh
        return one(plan('rmsnorm', { M: o.H * M, D: dh, eps: c.normEps }), { X: o.x, w: o.w, Y: o.y });
      case 'qkv': {
        const g = s.ggml?.[o.w];
        // ggml blocks: q, k and v (each its own GGUF tensor and format) by three matmuls into the head-major Q, K, V
        if (g) {
          return g.map((part, i) => forwardOp({ ...o, id: o.id + ['', '-k', '-v'][i], name: o.name + ['', '-k', '-v'][i] },
            plan('matmul-gguf', { M, N: part.N, K: D, format: part.format, dh }, 'auto'), { bind: { X: o.x, W: ggufBuf(o.w, i), Y: o.y[i] } }));
        }
        const bias = o.bias !== null;
        const bind: Record<string, string> = { X: o.x, Q: o.y[0], K: o.y[1], V: o.y[2], [bias ? 'bias' : 'biasUnused']: o.bias ?? 'dummy' };
        if (int8) Object.assign(bind, { Wq: `${o.w}.q`, wScale: `${o.w}.scale` });
        else bind.W = o.w;
        return one(plan('qkv', { M, D, Hq, Hkv, dh, bias, ...(M <= 16 ? SMALL_TILES : {}) }, 'auto', int8 ? 'fused-w8' : undefined), bind);
      }
      case 'rope': {
        // into the KV cache at the step's positions (C per head), or a scratch of the step's M
        const bind = { X: o.x, T: o.rotate ? o.table : 'dummy', Y: o.y };
        return ({ pos0 }) => {
          const [Cy, out0] = o.cache ? [C, pos0] : [M, 0];
          return one(plan('rope', { H: o.H, M, dh, C: Cy, pos0, out0, positions: C, rotate: o.rotate }), bind);
        };
      }
      case 'attention': {
        // the kernel by phase: flash over the prompt chunk (a later chunk: over the cache written so far,
        // L = pos0 + M of C keys per head); split-K decode over the cache; the layer's window
        const window = o.window;
        if (s.phase === 'decode') {
          const bind = { q: o.q, k_cache: o.k, v_cache: o.v, partial: 'partial', o: o.y };
          return ({ pos0 }) => one(plan('attention-decode', { B: 1, L: pos0 + 1, Hq, Hkv, dh, split: DECODE_SPLIT, capacity: C, window }, 'split'), bind);
        } else {
          const bind = { Q: o.q, K: o.k, V: o.v, O: o.y };
          return ({ pos0 }) => one(plan('attention-prefill', { S: M, ...(pos0 > 0 ? { L: pos0 + M, capacity: C } : {}), Hq, Hkv, dh, causal: true, window }, 'flash'), bind);
        }
      }
      case 'linear':
        return one(linearOp(M, o.w, o.K, o.N), linearBind(o.w, o.x, o.y));
      case 'residual':
        return one(plan('residual-add', { M, D, bias: o.b !== null }), { X: o.x, Y: o.y, b: o.b ?? 'dummy', Z: o.z });
      case 'activation':
        return o.fn === 'gelu' ? one(plan('gelu', { M, F: d.F }), { U: o.x, b: o.b!, H: o.y }) : one(plan('silu-mul', { M, F: d.F, ...(o.fn === 'geglu' ? { act: 'gelu' } : {}) }), { GU: o.x, H: o.y });
      case 'lm-head': {
        // the last token only (M = 1); one matmul per part of the vocabulary, each writing its columns of
        // the logits (at a byte offset into the one logits buffer the sampler reads)
        const parts = vocabRanges(d.V, Math.min(s.split?.headCols ?? d.V, HEAD_MAX_COLS));
        if (s.headFromEmbed) {
          // tied, stored: part i reads its rows of the embedding part holding them, at a byte offset (vocabSplit shared)
          const fmt = s.embedFormat;
          if (fmt === undefined || fmt === 'f32') throw new Error('lm-head: a head read from the embedding needs an embedding kept as stored (16-bit or ggml blocks), got f32');
          const E = s.split?.embedRows ?? d.V, embedParts = vocabRanges(d.V, E).length, rowBytes = embedRowBytes(fmt, D);
          return parts.map(({ v0, n }, i) => {
            const j = Math.floor(v0 / E), r0 = v0 - j * E;
            if (r0 + n > E) throw new Error(`lm-head part ${i} (rows ${v0}..${v0 + n}) straddles embedding parts of ${E} rows (vocabSplit shared makes whole head parts)`);
            const offsets = { ...(r0 > 0 ? { W: r0 * rowBytes } : {}), ...(v0 > 0 ? { Y: 4 * v0 } : {}) };
            return forwardOp({ ...o, id: partId(o.name, i, parts.length) }, plan('matmul-gguf', { M: 1, N: n, K: D, format: fmt }, 'auto'),
              { bind: { X: o.x, W: embedBuf(j, embedParts), Y: o.y }, offsets: Object.keys(offsets).length > 0 ? offsets : undefined });
          });
        }
        return parts.map(({ v0, n }, i) => {
          const w = headBuf(i, parts.length);
          const bind = linearBind(w, o.x, o.y);
          const offsets = v0 > 0 ? { [Object.keys(bind).find((k) => bind[k] === o.y)!]: 4 * v0 } : undefined;
          return forwardOp({ ...o, id: partId(o.name, i, parts.length) }, linearOp(1, w, D, n), { bind, offsets });
        });
      }
      case 'sample': {
        const bind = { logits: o.x, out: o.y };
        return ({ topK, temperature, u }) => one(plan('sample', { V: d.V, k: topK, temperature, u }), bind);
      }
    }
  };
}

/**
 * Deep-freezes plain data shared across steps (a ForwardOp, a Plan, a shape's load-time tables); stops at what
 * is already frozen. A later change in place then throws a TypeError where it is made (modules are strict).
 */
export function deepFreeze<T>(x: T): T {
  if (typeof x !== 'object' || x === null || Object.isFrozen(x) || ArrayBuffer.isView(x)) return x;
  Object.freeze(x);
  if (Array.isArray(x)) for (let i = 0; i < x.length; i++) deepFreeze(x[i]);
  else for (const k in x) deepFreeze((x as Record<string, unknown>)[k]);
  return x;
}

/** A `plan` call and its plan (DecodeOpsCache's memo). */
interface PlanCall { kernel: string; params: Record<string, unknown>; names: number; variant?: string; family?: string; plan: Plan }

/** The same call: kernel, variant, family, and params with the same names and values (===: flat values; an object param only as the same object). */
function sameCall(m: PlanCall, kernel: string, params: Record<string, unknown>, variant?: string, family?: string): boolean {
  if (m.kernel !== kernel || m.variant !== variant || m.family !== family) return false;
  let n = 0;
  for (const k in params) {
    if (!(k in m.params) || m.params[k] !== params[k]) return false;
    n++;
  }
  return n === m.names;
}

/**
 * Every field of a ListShape (the `satisfies` fails to compile when StepShape gains one that is not here):
 * DecodeOpsCache compares these with === at each step; the object-valued ones (q8Groups, ggml, split) by identity.
 */
const LIST_FIELDS = Object.keys({
  M: 0, phase: 0, capacity: 0, int8: 0, int8Variant: 0, q8Groups: 0, ggml: 0, split: 0, embedFormat: 0, headFromEmbed: 0,
} satisfies Record<keyof ListShape, 0>) as ReadonlyArray<keyof ListShape>;

/**
 * The GPU decode loop's lists, lowered once: `ops(c, s)` returns the same ops, with equal plans, as
 * forwardOps(c, s) for a decode StepShape. The walk and the lowering of every op whose plan does not read
 * the step's position or sampling (StepPoint) are kept while the config and the ListShape stay the same;
 * only the others (embedding, RoPE, KV-cache writes, attention, sampling) are lowered at each step, their
 * plans built once per step for all layers (a memo of `plan` by kernel, variant and params, emptied every step).
 *
 * "The same" is checked without building anything: the config by identity, each ListShape field with ===
 * (LIST_FIELDS), so the object-valued ones (q8Groups, ggml, split) by identity too. When it lowers, the cache
 * deep-freezes the config and those objects: a caller cannot change them in place afterwards (that throws a
 * TypeError where it is tried) and must pass new objects for new values, which lowers the list again. GpuModel
 * (src/llm/gpu-model.ts) builds its shape's load-time parts as one frozen object, and builds it again, once,
 * when the upload has recorded Q8_0 groups (only where there are any).
 *
 * What it reuses across steps it deep-freezes and lists in `immutable` (the Immutables of src/kernels/plan.ts):
 * the kept ops (the same objects every step), every plan it made and their passes (the kept ops' and the memo's,
 * shared by the ops made at each step), and every op's bindings and offsets. The ops made at each step are new
 * objects, not frozen and not listed. BoundOps and the runner key on the identity of what is listed and only that.
 */
export class DecodeOpsCache {
  private readonly sealed = new WeakSet<object>();
  /** The objects this cache made and deep-froze (see the class comment); a WeakSet, read through Immutables. */
  readonly immutable: Immutables = this.sealed;
  /** What the kept list was lowered for: the config and the ListShape fields (copied, so a caller's later writes cannot move them). */
  private config: ModelConfig | null = null;
  private list: ListShape | null = null;
  private lowered: Lowered[] = [];
  private memo: PlanCall[] = [];
  /** Ops in the last list (the next list's array is made that long). */
  private length = 0;
  private readonly planOf: PlanOf = (kernel, params, variant, family) => {
    // a few distinct calls per step (the layers repeat them): a scan, no key to build
    for (const m of this.memo) if (sameCall(m, kernel, params, variant, family)) return m.plan;
    const p = this.sealPlan(plan(kernel, params, variant, family));
    this.memo.push({ kernel, params, names: Object.keys(params).length, variant, family, plan: p });
    return p;
  };

  private seal<T extends object>(x: T): T {
    this.sealed.add(deepFreeze(x));
    return x;
  }

  private sealPlan(p: Plan): Plan {
    if (this.sealed.has(p)) return p;
    for (const pass of this.seal(p).passes) this.sealed.add(pass);
    return p;
  }

  /** Whether the kept list was lowered for this config and shape (no allocation). */
  private keeps(c: ModelConfig, s: StepShape): boolean {
    if (c !== this.config || this.list === null) return false;
    for (let i = 0; i < LIST_FIELDS.length; i++) if (s[LIST_FIELDS[i]] !== this.list[LIST_FIELDS[i]]) return false;
    return true;
  }

  ops(c: ModelConfig, s: StepShape): ForwardOp[] {
    if (s.phase !== 'decode') throw new Error(`DecodeOpsCache lowers decode steps; a ${s.phase} step goes through forwardOps`);
    this.memo.length = 0;
    if (!this.keeps(c, s)) {
      const list = {} as Record<keyof ListShape, unknown>;
      for (const k of LIST_FIELDS) list[k] = deepFreeze(s[k]);
      this.config = deepFreeze(c);
      this.list = list as ListShape;
      const d = stepDims(c, 1), lower = gpuLowering(c, this.list, d, this.planOf);
      this.lowered = walk(c, d, 'decode', false, c.nLayers).map((o) => {
        const l = lower(o);
        if (typeof l === 'function') return l;
        for (const op of l) this.sealOp(op);
        return l;
      });
    }
    const at: StepPoint = { pos0: s.pos0, topK: s.topK, temperature: s.temperature, u: s.u };
    const out = new Array<ForwardOp>(this.length);
    let n = 0;
    for (let i = 0; i < this.lowered.length; i++) {
      const l = this.lowered[i];
      const ops = typeof l === 'function' ? l(at) : l;
      for (let j = 0; j < ops.length; j++) {
        const op = ops[j];
        // made at this step: a new op (not frozen); its plan (the memo's), bindings and offsets are kept across steps
        if (typeof l === 'function' && !(this.sealed.has(op.plan) && this.sealed.has(op.bind))) this.sealParts(op);
        out[n++] = op;
      }
    }
    out.length = this.length = n;
    return out;
  }

  /** A kept op: the op itself, its plan and passes, its bindings and offsets. */
  private sealOp(op: ForwardOp): void {
    this.seal(op);
    this.sealParts(op);
  }

  /** An op's plan and passes, bindings and offsets. */
  private sealParts(op: ForwardOp): void {
    this.sealPlan(op.plan);
    this.seal(op.bind);
    if (op.offsets) this.seal(op.offsets);
  }
}

// ---- the deployment's lowering -----------------------------------------------------------------

/** Bytes of an activation element in a deployment (bf16; assumed, as the deployments the presets cite run them). */
export const DEPLOY_ACT_BYTES = 2;

/**
 * The vectors an op of the walk reads beside its matrices, by the names a deployment's plan gives them and
 * their lengths in `d`'s sizes: a norm's gain (and LayerNorm's shift; a per-head q/k norm's of dh), the q/k/v bias, the output projection's
 * bias (added in the residual after it), the MLP's fc bias (added in GELU) and its down projection's bias (added
 * in the residual after it). The one account of them: the deployment's ops load these (vectorOp's parameters,
 * the qkv kernel's `bias`), and vectorParamBytes counts them for the weights a deployment holds.
 */
function vectorParams(o: StepOp, d: Dims): Array<{ name: string; n: number }> {
  switch (o.what) {
    case 'norm':
      return o.b === null ? [{ name: 'gain', n: d.D }] : [{ name: 'gain', n: d.D }, { name: 'shift', n: d.D }];
    case 'qkv':
      return o.bias === null ? [] : [{ name: 'bias', n: (d.Hq + 2 * d.Hkv) * d.dh }];
    case 'head-norm':
      return [{ name: 'gain', n: d.dh }];
    case 'residual':
      return o.b === null ? [] : [{ name: 'bias', n: d.D }];
    case 'activation':
      return o.b === null ? [] : [{ name: 'bias', n: d.F }];
    default:
      return [];
  }
}

/**
 * Elements of the vectors (vectorParams: gains, shifts, biases) the ops of the walk read, the whole model's: `layer`,
 * those of one layer's ops; `outside`, those of the ops outside the layers (the final norm's gain and shift).
 * parameterCount counts these.
 */
export function vectorParamCount(c: ModelConfig): { layer: number; outside: number } {
  const d = stepDims(c, 1);
  const out = { layer: 0, outside: 0 };
  for (const o of walk(c, d, 'decode', false, 1)) {
    const n = vectorParams(o, d).reduce((s, p) => s + p.n, 0);
    if (o.layer === 0) out.layer += n;
    else out.outside += n;
  }
  return out;
}

/**
 * Bytes of those vectors (vectorParamCount), each element at the activations' precision as the deployment's ops
 * load them.
 */
export function vectorParamBytes(c: ModelConfig): { layer: number; outside: number } {
  const n = vectorParamCount(c);
  return { layer: n.layer * DEPLOY_ACT_BYTES, outside: n.outside * DEPLOY_ACT_BYTES };
}

/**
 * An element-wise op as a deployment's kernel runs it: per row, `cols` elements of `ops` vector ops each, `inputs`
 * streams read (and `params`, per-column vectors of `cols` each: vectorParams' names), one written.
 */
interface VectorWork {
  label: string;
  cols: number;
  ops: number;
  inputs: number;
  params: readonly string[];
}

/** Vector ops per element of a deployment's element-wise kernels (assumed: counted from each op's formula, not measured). */
const VECTOR_OPS = { rmsnorm: 4, layernorm: 7, residual: 1, 'silu*mul': 5, 'gelu*mul': 9, gelu: 8, rope: 6 } as const;

/**
 * What a deployment runs as one kernel: a run of adjacent ops of one layer of the walk, `head` first,
 * then those of `absorbs` that are there, in that order; the fused op covers the run's ops. `as`: the
 * fused kernel (its name, family and element-wise work); absent: the head's own kernel does the others' work.
 */
interface DeployFusion {
  head: string;
  absorbs: readonly string[];
  as?: { name: string; family: OpFamily; work: (c: ModelConfig, d: Dims, run: readonly StepOp[]) => VectorWork };
}

const DEPLOY_FUSIONS: readonly DeployFusion[] = [
  // without RoPE, the QKV's K and V stores are the cache write
  { head: 'qkv', absorbs: ['k-cache', 'v-cache'] },
  // RoPE of q and k and the K/V cache write in one pass over the q and k heads (a decode step's GPU loop
  // rotates k as it writes the cache: no rope-k there)
  { head: 'rope-q', absorbs: ['rope-k', 'k-cache', 'v-cache'], as: { name: 'rope', family: 'rope', work: (_, d) => ({ label: 'rope', cols: (d.Hq + d.Hkv) * d.dh, ops: VECTOR_OPS.rope, inputs: 1, params: [] }) } },
  // the residual add inside the next norm
  { head: 'attn-residual', absorbs: ['ffn-norm'], as: { name: 'attn-residual+ffn-norm', family: 'norm', work: (c, d, run) => ({ label: 'residual+norm', cols: d.D, ops: VECTOR_OPS.residual + VECTOR_OPS[c.norm], inputs: 2, params: paramNames(run, d) }) } },
];

/** The names of the vectors a run of the walk's ops reads (vectorParams), in order. */
const paramNames = (run: readonly StepOp[], d: Dims): string[] => run.flatMap((o) => vectorParams(o, d).map((p) => p.name));

/** A deployment op's plan with what the chip model reads beside it. */
interface DeployOp {
  plan: OpPlan;
  pattern: HbmPattern;
  /** Bytes of live activations (inputs + outputs). */
  actBytes: number;
}

/**
 * The walk (one chip's share, `d`) as a deployment runs it (DeployStep): the projections and attention
 * are the registry's kernels with the chip's tiling, retyped to the deployment's formats; each
 * element-wise op, and each run of DEPLOY_FUSIONS, an analytic vector plan. No embedding gather or
 * sampling (a row copy and a top-k over the logits: not modelled).
 */
function lowerForDeployment(c: ModelConfig, walked: readonly StepOp[], s: DeployStep, d: Dims): ForwardOp[] {
  const dep = s.deploy, f = dep.formats, nTiles = dep.chipTiles;
  const e = DEPLOY_ACT_BYTES;
  // rows of a layer's ops: every token of every sequence (in-flight: + the carried prefill tokens); the final
  // norm and the LM head: each sequence's last token (in-flight: + the last token of each prompt that finishes)
  const carried = carriedOf(s.phase, s.carried);
  const M = stepRows(s.phase, s.M, dep.batch, carried);
  const Mh = dep.batch + (carried ? Math.round(carried.tokens / carried.prompt) : 0);
  const vector = (w: VectorWork, rows = M): DeployOp =>
    ({ plan: vectorOp(w.label, rows, w.cols, w.ops, w.inputs, e, w.params, nTiles), pattern: 'streaming', actBytes: (w.inputs + 1) * rows * w.cols * e });
  const gemm = (p: OpPlan, K: number, N: number): DeployOp => ({ plan: p, pattern: rowsPattern(M), actBytes: M * (K + N) * e });

  // the attention kernel of the step's phase (the one place a phase picks it): flash over the prompt (after
  // pos0 cached tokens: over the cache and itself) once per sequence; split-K decode over the cache
  const attention = (window: number): DeployOp => {
    const { Hq, Hkv, dh } = d;
    switch (s.phase) {
      case 'prefill':
        return { plan: prefillAttentionOp(s.M, s.pos0 > 0 ? s.pos0 + s.M : 0, Hq, Hkv, dh, true, dep.batch, f.kv, window), pattern: 'tiled', actBytes: M * (Hq + 2 * Hkv) * dh * e + M * Hq * dh * e };
      case 'decode':
        return { plan: decodeAttentionOp(dep.batch, Math.max(1, s.pos0), Hq, Hkv, dh, nTiles, f.kv, window), pattern: 'streaming', actBytes: 2 * dep.batch * Hq * dh * e };
    }
  };
  // in-flight batching: the carried rows' causal attention, tokens / prompt whole prompts on average
  const carriedAttention = (p: CarriedPrefill, window: number): DeployOp => {
    const { Hq, Hkv, dh } = d, a = prefillAttentionOp(p.prompt, 0, Hq, Hkv, dh, true, 1, f.kv, window);
    return { plan: { ...a, repeat: p.tokens / p.prompt }, pattern: 'tiled', actBytes: p.tokens * (Hq + 2 * Hkv) * dh * e + p.tokens * Hq * dh * e };
  };

  const lower = (o: StepOp): DeployOp | null => {
    switch (o.what) {
      case 'embed':
      case 'sample':
        return null;
      case 'norm':
        // the final norm runs for one row per sequence (the last token's), at its norm's count
        return o.last ? vector({ label: `final-${c.norm}`, cols: d.D, ops: VECTOR_OPS[c.norm], inputs: 1, params: paramNames([o], d) }, Mh) : vector({ label: c.norm, cols: d.D, ops: VECTOR_OPS[c.norm], inputs: 1, params: paramNames([o], d) });
      case 'head-norm':
        // RMSNorm of each head: rows of dh, H per token, the gain shared by the heads
        return vector({ label: 'head-rmsnorm', cols: d.dh, ops: VECTOR_OPS.rmsnorm, inputs: 1, params: paramNames([o], d) }, M * o.H);
      case 'qkv':
        return gemm(qkvOp(M, d.D, d.Hq, d.Hkv, d.dh, o.bias !== null, nTiles, f.weights, f.kv, dep.fusedQkv), d.D, (d.Hq + 2 * d.Hkv) * d.dh);
      case 'rope':
        throw new Error(`${o.id}: a deployment runs ${o.name} only inside a fused kernel (DEPLOY_FUSIONS)`);
      case 'attention':
        return attention(o.window);
      case 'linear':
        return gemm(gemmOp(o.name, M, o.N, o.K, nTiles, o.mlp ? f.mlpWeights : f.weights), o.K, o.N);
      case 'residual':
        return vector({ label: 'residual', cols: d.D, ops: VECTOR_OPS.residual, inputs: 2, params: paramNames([o], d) });
      case 'activation':
        if (o.fn === 'gelu') return vector({ label: 'gelu', cols: d.F, ops: VECTOR_OPS.gelu, inputs: 1, params: paramNames([o], d) });
        return vector({ label: `${o.fn === 'geglu' ? 'gelu' : 'silu'}*mul`, cols: d.F, ops: VECTOR_OPS[o.fn === 'geglu' ? 'gelu*mul' : 'silu*mul'], inputs: 2, params: paramNames([o], d) });
      case 'lm-head':
        // the logits leave the chip whatever the fusion (no live activations)
        return { plan: gemmOp(o.name, Mh, d.V, d.D, nTiles, f.weights), pattern: rowsPattern(Mh), actBytes: 0 };
    }
  };

  const out: ForwardOp[] = [];
  for (let i = 0; i < walked.length;) {
    const head = walked[i];
    const fusion = DEPLOY_FUSIONS.find((x) => x.head === head.name);
    const run = [head];
    for (let k = 0; fusion && i + run.length < walked.length;) {
      const next = walked[i + run.length], at = fusion.absorbs.indexOf(next.name, k);
      if (at < 0 || next.layer !== head.layer) break;
      run.push(next);
      k = at + 1;
    }
    i += run.length;
    const covers = run.map((o) => o.name);
    const fused = fusion?.as;
    const o = fused ? { id: `L${head.layer}.${fused.name}`, name: fused.name, family: fused.family, layer: head.layer } : head;
    if (!fused && head.what === 'attention') {
      // the layer's attention; built for one layer that stands for all (firstLayerOnly) where windows differ by layer
      // (Gemma 3), one op per window with the share of layers it has (repeat), so the KV reads add up over the layers
      for (const [window, share] of windowShares(c, head.window, dep.firstLayerOnly)) {
        const suffix = window === head.window ? '' : window === 0 ? '-full' : `-w${window}`;
        const a = attention(window);
        out.push(forwardOp({ id: `${head.id}${suffix}`, name: `${head.name}${suffix}`, family: head.family, layer: head.layer }, a.plan.plan, { source: a.plan.source, repeat: a.plan.repeat * share, pattern: a.pattern, actBytes: a.actBytes, covers }));
        if (carried) {
          const pa = carriedAttention(carried, window);
          out.push(forwardOp({ id: `L${head.layer}.prefill-attention${suffix}`, name: `prefill-attention${suffix}`, family: 'attention', layer: head.layer }, pa.plan.plan, { source: pa.plan.source, repeat: pa.plan.repeat * share, pattern: pa.pattern, actBytes: pa.actBytes, covers: ['attention'] }));
        }
      }
      continue;
    }
    const lo = fused ? vector(fused.work(c, d, run)) : lower(head);
    if (lo) out.push(forwardOp(o, lo.plan.plan, { source: lo.plan.source, repeat: lo.plan.repeat, pattern: lo.pattern, actBytes: lo.actBytes, covers }));
  }
  return out;
}

/**
 * The windows an attention op of window `own` stands for, each with its share of the layers: itself alone (share 1),
 * or, for a layer standing for every layer (`allLayers`: DeployStep's firstLayerOnly), each window the layers have
 * (layerWindow), `own` first, with the fraction of layers that have it (Gemma 3 1B's 26 layers: 22/26 windowed, 4/26 full).
 */
function windowShares(c: ModelConfig, own: number, allLayers: boolean): Array<[number, number]> {
  if (!allLayers || !c.fullAttentionLayers?.length) return [[own, 1]];
  const n = new Map<number, number>([[own, 0]]);
  for (let l = 0; l < c.nLayers; l++) n.set(layerWindow(c, l), (n.get(layerWindow(c, l)) ?? 0) + 1);
  return [...n].filter(([, k]) => k > 0).map(([w, k]) => [w, k / c.nLayers]);
}
