// The one op list of a forward step of a model, as plain data: each op is a registered kernel's Plan
// (or, for a deployment's fused element-wise kernels, a small analytic vector plan), with an id stable
// across uses ("L3.qkv", "lm-head"). One builder, two targets:
// - the GPU decode loop (src/llm/gpu-model.ts) runs the list for a StepShape (f32 or int8 weights), each
//   op with the names of the GPU buffers bound to its tensors; the CPU reference (src/llm/reference.ts)
//   follows the same op order with its own math;
// - the chip model (simulateModel, index.ts) takes the list for a DeployStep: the same layer in the
//   precisions a deployment stores (retypePlan), split over tensor-parallel chips, with the chip's GEMM
//   tiling, and with the element-wise work fused as deployments run it (the residual add inside the next
//   norm, RoPE of q and k and the KV-cache write in one kernel); each deployment op names the GPU ops it
//   stands for (`covers`), so the Model tab joins predictions to measured rows by op id.
//
// Per layer (Llama | GPT-2):
//   norm (RMSNorm | LayerNorm) -> qkv (fused | gemv, or fused-w8 | gemv-w8 with --int8) -> RoPE of Q and K (Llama)
//   -> K, V into the KV cache -> attention (prefill: flash over the chunk, a later chunk of a long
//   prompt over the cache written so far; decode: split-K over the cache) -> output projection (matmul | matmul-int8) -> residual add (+ bias)
//   -> norm -> up projection ([gate | up] | fc) -> silu·mul | GELU(+bias) -> down projection
//   -> residual add (+ bias).
// Then the final norm of the last token, the LM head, and sampling.

import { autoVariant } from '../kernels/kernel.ts';
import type { Plan } from '../kernels/plan.ts';
import { kernelByName } from '../kernels/registry.ts';
import type { HbmPattern } from '../chip/types.ts';
import type { ModelConfig } from './config.ts';
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
}

/**
 * Most columns one LM-head matmul takes: the matmul kernels' N limit (MAX_DIM in src/kernels/matmul.ts
 * and matmul-int8.ts). Llama-3's 128,256 or Gemma's 256,000 logits take two or four parts.
 */
export const HEAD_MAX_COLS = 1 << 16;

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
 * `headColBytes`: bytes one LM-head column takes in its largest buffer (f32: 4·D; int8: the packed
 * row or its scales). LM-head parts after the first write the logits at an offset, which must be a
 * multiple of `offsetAlign` bytes (minStorageBufferOffsetAlignment), so split parts are a multiple of
 * offsetAlign / 4 columns. Throws with the numbers when not even one row or one aligned part fits.
 */
export function vocabSplit(c: ModelConfig, o: { bindingBytes: number; headColBytes: number; offsetAlign: number }): VocabSplit {
  const V = c.vocabSize;
  const embedRows = Math.min(V, Math.floor(o.bindingBytes / (4 * c.dim)));
  if (embedRows < 1) throw new RangeError(`one embedding row takes ${4 * c.dim} bytes; this device binds at most ${o.bindingBytes} bytes per buffer`);
  const fit = Math.min(HEAD_MAX_COLS, Math.floor(o.bindingBytes / o.headColBytes));
  if (V <= fit) return { embedRows, headCols: V };
  const a = Math.max(1, Math.ceil(o.offsetAlign / 4));
  const headCols = Math.floor(fit / a) * a;
  if (headCols < 1) throw new RangeError(`an LM-head part of ${a} columns takes ${a * o.headColBytes} bytes; this device binds at most ${o.bindingBytes} bytes per buffer`);
  return { embedRows, headCols };
}

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
export const DECODE_SPLIT = 64;

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
  return 'deploy' in s ? deploymentOps(c, s) : buildForwardOps(c, s);
}

/** The op a layer's op list holds, with the fields the chip model reads (defaults for the GPU target). */
function forwardOp(id: string, family: OpFamily, layer: number, p: Plan, bind: Record<string, string>, extra: Partial<ForwardOp> = {}): ForwardOp {
  const name = id.replace(/^L\d+\./, '');
  const kind: OpKind = family === 'norm' ? 'norm' : family === 'attention' ? 'attention' : ['qkv', 'o-proj', 'ffn-up', 'ffn-down', 'lm-head'].includes(family) ? 'gemm' : family === 'embed' || family === 'sample' ? 'other' : 'elementwise';
  return { id, name, family, layer, plan: p, bind, source: `${p.kernel}/${p.variant}`, repeat: 1, kind, pattern: 'streaming', actBytes: 0, covers: [name], ...extra };
}

export function buildForwardOps(c: ModelConfig, s: StepShape): ForwardOp[] {
  const { M, pos0, capacity: C, int8 } = s;
  const window = c.attentionWindow ?? 0; // sliding window (keys per query), 0: the whole context
  const D = c.dim, F = c.ffnDim, dh = c.headDim, Hq = c.nHeads, Hkv = c.nKvHeads, Nq = Hq * dh;
  // the architecture as data (config.ts): norm kind, positions, MLP kind, projection biases
  const rms = c.norm === 'rmsnorm', rope = c.positions.kind === 'rope', learned = c.positions.kind === 'learned', swiglu = c.mlp === 'swiglu', pb = c.projBias;
  const ops: ForwardOp[] = [];
  const push = (id: string, family: OpFamily, layer: number, p: Plan, bind: Record<string, string>) => ops.push(forwardOp(id, family, layer, p, bind));
  const int8Variant = s.int8Variant ?? 'dot4';

  // Matmuls and QKV take the kernels' shape rule (matmul.ts): gemv for M <= 8 tokens when N % 4 == 0
  // (each weight streamed once for every token; a decode step is M = 1), the tiled kernels otherwise.
  // int8: the int8 gemv needs K % 16 == 0 and the packed dot product, and takes per-column scales (our
  // recipe) and GGUF Q8_0 blocks (group 32) alike; devices without dot4 keep the tiled unpacked kernel.
  // The QKV with int8 weights: gemv-w8 for a decode token (D % 16 == 0), fused-w8 otherwise.
  // GGUF Q4_0 / Q4_1 / Q5_0 / Q5_1 / Q4_K / Q5_K / Q6_K weights, and f16 / bf16 ones (s.ggml) run as stored through matmul-gguf (gemv for M ≤ 8).
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
  const linear = (id: string, family: OpFamily, layer: number, w: string, K: number, N: number, x: string, y: string) =>
    push(id, family, layer, linearOp(M, w, K, N), linearBind(w, x, y));

  // the embedding: one op per part of the vocabulary (each part fills the rows of the ids it holds)
  const V = c.vocabSize;
  const embedParts = vocabRanges(V, s.split?.embedRows ?? V);
  embedParts.forEach(({ v0, n }, i) => {
    const split = embedParts.length > 1 ? { v0, vocab: V } : {};
    ops.push(forwardOp(partId('embed', i, embedParts.length), 'embed', -1, plan('embed', { M, D, V: n, positions: learned ? c.maxPositions : 0, pos0, ...split }), {
      ids: 'ids', E: embedBuf(i, embedParts.length), P: learned ? 'posEmb' : 'dummy', X: 'xa',
    }, { name: 'embed', covers: ['embed'] }));
  });
  const norm = (id: string, layer: number, w: string, x: string, y: string, rows = M, r0 = 0, Mo = M) => {
    if (rms) push(id, 'norm', layer, plan('rmsnorm', { M: Mo, D, rows, r0, eps: c.normEps }), { X: x, w, Y: y });
    else push(id, 'norm', layer, plan('layernorm', { M: Mo, D, rows, r0, eps: c.normEps }), { X: x, w, b: `${w}B`, Y: y });
  };
  for (let l = 0; l < c.nLayers; l++) {
    const L = (w: string) => layerBuf(l, w);
    norm(`L${l}.attn-norm`, l, L('attnNorm'), 'xa', 'xn');
    const bias = c.qkvBias;
    const qkvBind: Record<string, string> = { X: 'xn', Q: 'q', K: 'k', V: 'v', [bias ? 'bias' : 'biasUnused']: bias ? L('bqkv') : 'dummy' };
    if (int8) Object.assign(qkvBind, { Wq: L('wqkv.q'), wScale: L('wqkv.scale') });
    else qkvBind.W = L('wqkv');
    const gq = s.ggml?.[L('wqkv')];
    if (gq) {
      // ggml blocks: q, k and v (each its own GGUF tensor and format) by three matmuls into the head-major Q, K, V
      gq.forEach((part, i) => {
        push(`L${l}.qkv${['', '-k', '-v'][i]}`, 'qkv', l, plan('matmul-gguf', { M, N: part.N, K: D, format: part.format, dh }, 'auto'), { X: 'xn', W: ggufBuf(L('wqkv'), i), Y: ['q', 'k', 'v'][i] });
      });
    } else push(`L${l}.qkv`, 'qkv', l, plan('qkv', { M, D, Hq, Hkv, dh, bias, ...(M <= 16 ? SMALL_TILES : {}) }, 'auto', int8 ? 'fused-w8' : undefined), qkvBind);
    const ropeOp = (id: string, family: OpFamily, H: number, x: string, y: string, Cy: number, out0: number, rotate: boolean) =>
      push(id, family, l, plan('rope', { H, M, dh, C: Cy, pos0, out0, positions: C, rotate }), { X: x, T: rotate ? 'ropeTable' : 'dummy', Y: y });
    const qName = rope ? 'qr' : 'q';
    if (rope) ropeOp(`L${l}.rope-q`, 'rope', Hq, 'q', 'qr', M, 0, true);
    if (s.phase === 'prefill') {
      // prefill attends over this step's K/V; they go into the cache for the decode steps after it
      const kName = rope ? 'kr' : 'k';
      if (rope) ropeOp(`L${l}.rope-k`, 'rope', Hkv, 'k', 'kr', M, 0, true);
      ropeOp(`L${l}.k-cache`, 'kv-write', Hkv, kName, L('kcache'), C, pos0, false);
      ropeOp(`L${l}.v-cache`, 'kv-write', Hkv, 'v', L('vcache'), C, pos0, false);
      if (pos0 === 0) {
        push(`L${l}.attention`, 'attention', l, plan('attention-prefill', { S: M, Hq, Hkv, dh, causal: true, window }, 'flash'), { Q: qName, K: kName, V: 'v', O: 'attn' });
      } else {
        // a later chunk of a long prompt: its M queries attend to the pos0 cached keys and its own,
        // read in place from the cache (L = pos0 + M of C keys per head), written just above
        push(`L${l}.attention`, 'attention', l, plan('attention-prefill', { S: M, L: pos0 + M, capacity: C, Hq, Hkv, dh, causal: true, window }, 'flash'), {
          Q: qName, K: L('kcache'), V: L('vcache'), O: 'attn',
        });
      }
    } else {
      ropeOp(`L${l}.k-cache`, 'kv-write', Hkv, 'k', L('kcache'), C, pos0, rope);
      ropeOp(`L${l}.v-cache`, 'kv-write', Hkv, 'v', L('vcache'), C, pos0, false);
      push(`L${l}.attention`, 'attention', l, plan('attention-decode', { B: 1, L: pos0 + 1, Hq, Hkv, dh, split: DECODE_SPLIT, capacity: C, window }, 'split'), {
        q: qName, k_cache: L('kcache'), v_cache: L('vcache'), partial: 'partial', o: 'attn',
      });
    }
    linear(`L${l}.o-proj`, 'o-proj', l, L('wo'), Nq, D, 'attn', 'proj');
    push(`L${l}.attn-residual`, 'residual', l, plan('residual-add', { M, D, bias: pb }), { X: 'xa', Y: 'proj', b: pb ? L('bo') : 'dummy', Z: 'xb' });
    norm(`L${l}.ffn-norm`, l, L('ffnNorm'), 'xb', 'xn');
    if (swiglu) {
      linear(`L${l}.ffn-up`, 'ffn-up', l, L('wUp'), D, 2 * F, 'xn', 'gu');
      push(`L${l}.silu-mul`, 'activation', l, plan('silu-mul', { M, F }), { GU: 'gu', H: 'h' });
    } else {
      linear(`L${l}.ffn-up`, 'ffn-up', l, L('wUp'), D, F, 'xn', 'gu');
      push(`L${l}.gelu`, 'activation', l, plan('gelu', { M, F }), { U: 'gu', b: L('bUp'), H: 'h' });
    }
    linear(`L${l}.ffn-down`, 'ffn-down', l, L('wDown'), F, D, 'h', 'proj');
    push(`L${l}.ffn-residual`, 'residual', l, plan('residual-add', { M, D, bias: pb }), { X: 'xb', Y: 'proj', b: pb ? L('bDown') : 'dummy', Z: 'xa' });
  }
  norm('final-norm', -1, 'outNorm', 'xa', 'xf', M, M - 1, 1);
  // the LM head runs for the last token only (M = 1); one matmul per part of the vocabulary, each
  // writing its columns of the logits (at a byte offset into the one logits buffer the sampler reads)
  const headParts = vocabRanges(V, Math.min(s.split?.headCols ?? V, HEAD_MAX_COLS));
  headParts.forEach(({ v0, n }, i) => {
    const w = headBuf(i, headParts.length);
    const extra: Partial<ForwardOp> = { name: 'lm-head', covers: ['lm-head'] };
    const bind = linearBind(w, 'xf', 'logits');
    if (v0 > 0) extra.offsets = { [Object.keys(bind).find((k) => bind[k] === 'logits')!]: 4 * v0 };
    ops.push(forwardOp(partId('lm-head', i, headParts.length), 'lm-head', -1, linearOp(1, w, D, n), bind, extra));
  });
  push('sample', 'sample', -1, plan('sample', { V, k: s.topK, temperature: s.temperature, u: s.u }), { logits: 'logits', out: 'sampled' });
  return ops;
}

/**
 * A deployment's step (DeployStep): the layer of buildForwardOps in deployment storage on `P`
 * tensor-parallel chips. The projections and attention are the registry's kernels with the chip's
 * tiling, retyped to the deployment's formats; the element-wise work is what a deployment's fused
 * kernels do (an analytic vector plan each): RoPE of q and k with the K/V cache write, the residual add
 * inside the next norm, SiLU·mul or GELU, and the last residual add. No embedding gather or sampling
 * (a row copy and a top-k over the logits: not modelled).
 */
function deploymentOps(c: ModelConfig, s: DeployStep): ForwardOp[] {
  const d = s.deploy, f = d.formats, P = d.tensorParallel, nTiles = d.chipTiles;
  const window = c.attentionWindow ?? 0;
  const e = 2; // activations bf16
  const carried = s.phase === 'decode' ? s.carried : undefined;
  const C = carried?.tokens ?? 0;
  const M = s.phase === 'prefill' ? s.M * d.batch : d.batch + C;
  const Hq = Math.ceil(c.nHeads / P), Hkv = Math.ceil(c.nKvHeads / P), F = Math.ceil(c.ffnDim / P), dh = c.headDim, D = c.dim;
  const rms = c.norm === 'rmsnorm', rope = c.positions.kind === 'rope';
  const normOps = rms ? 4 : 7;
  const gemmPattern: HbmPattern = M <= STREAMING_ROWS ? 'streaming' : 'tiled';
  const ops: ForwardOp[] = [];
  const op = (id: string, family: OpFamily, layer: number, o: OpPlan, kind: OpKind, pattern: HbmPattern, actBytes: number, covers?: string[]) => {
    const name = id.replace(/^L\d+\./, '');
    ops.push({ id, name, family, layer, plan: o.plan, bind: {}, source: o.source, repeat: o.repeat, kind, pattern, actBytes, covers: covers ?? [name] });
  };
  // element-wise: one pass over rows x cols with `inputs` inputs and one output
  const ew = (id: string, family: OpFamily, l: number, o: OpPlan, cols: number, inputs: number, kind: OpKind = 'elementwise', covers?: string[]) =>
    op(id, family, l, o, kind, 'streaming', (inputs + 1) * M * cols * e, covers);
  const gemm = (id: string, family: OpFamily, l: number, o: OpPlan, K: number, N: number, covers?: string[]) => op(id, family, l, o, 'gemm', gemmPattern, M * (K + N) * e, covers);
  const Nqkv = (Hq + 2 * Hkv) * dh;
  const layers = d.firstLayerOnly ? 1 : c.nLayers;
  for (let l = 0; l < layers; l++) {
    const L = (n: string) => `L${l}.${n}`;
    ew(L('attn-norm'), 'norm', l, vectorOp(rms ? 'rmsnorm' : 'layernorm', M, D, normOps, 1, e, true, nTiles), D, 1, 'norm');
    // without RoPE the QKV's K and V stores are the cache write
    gemm(L('qkv'), 'qkv', l, qkvOp(M, D, Hq, Hkv, dh, c.qkvBias, nTiles, f.weights, f.kv, d.fusedQkv), D, Nqkv,
      rope ? ['qkv'] : ['qkv', 'k-cache', 'v-cache']);
    if (rope) ew(L('rope'), 'rope', l, vectorOp('rope', M, (Hq + Hkv) * dh, 6, 1, e, false, nTiles), (Hq + Hkv) * dh, 1, 'elementwise',
      // the GPU loop rotates a decode step's K as it writes the cache
      s.phase === 'prefill' ? ['rope-q', 'rope-k', 'k-cache', 'v-cache'] : ['rope-q', 'k-cache', 'v-cache']);
    if (s.phase === 'prefill') {
      // a prompt after pos0 cached tokens: its queries attend to the cache and themselves
      op(L('attention'), 'attention', l, prefillAttentionOp(s.M, s.pos0 > 0 ? s.pos0 + s.M : 0, Hq, Hkv, dh, true, d.batch, f.kv, window),
        'attention', 'tiled', M * Nqkv * e + M * Hq * dh * e);
    } else {
      op(L('attention'), 'attention', l, decodeAttentionOp(d.batch, Math.max(1, s.pos0), Hq, Hkv, dh, nTiles, f.kv, window),
        'attention', 'streaming', 2 * d.batch * Hq * dh * e);
      if (carried && C > 0) {
        // in-flight batching: the carried rows' causal attention, tokens / prompt whole prompts on average
        const a = prefillAttentionOp(carried.prompt, 0, Hq, Hkv, dh, true, 1, f.kv, window);
        op(L('prefill-attention'), 'attention', l, { ...a, repeat: C / carried.prompt }, 'attention', 'tiled', C * Nqkv * e + C * Hq * dh * e, ['attention']);
      }
    }
    gemm(L('o-proj'), 'o-proj', l, gemmOp('o-proj', M, D, Hq * dh, nTiles, f.weights), Hq * dh, D);
    ew(L('attn-residual+ffn-norm'), 'norm', l, vectorOp('residual+norm', M, D, 1 + normOps, 2, e, true, nTiles), D, 2, 'norm', ['attn-residual', 'ffn-norm']);
    if (c.mlp === 'swiglu') {
      gemm(L('ffn-up'), 'ffn-up', l, gemmOp('gate+up', M, 2 * F, D, nTiles, f.mlpWeights), D, 2 * F);
      ew(L('silu-mul'), 'activation', l, vectorOp('silu*mul', M, F, 5, 2, e, false, nTiles), F, 2);
    } else {
      gemm(L('ffn-up'), 'ffn-up', l, gemmOp('fc', M, F, D, nTiles, f.mlpWeights), D, F);
      ew(L('gelu'), 'activation', l, vectorOp('gelu', M, F, 8, 1, e, false, nTiles), F, 1);
    }
    gemm(L('ffn-down'), 'ffn-down', l, gemmOp('down', M, D, F, nTiles, f.mlpWeights), F, D);
    ew(L('ffn-residual'), 'residual', l, vectorOp('residual', M, D, 1, 2, e, false, nTiles), D, 2);
  }
  // logits for the last token of each sequence (and of each carried prompt that finishes); they leave the chip whatever the fusion (actBytes 0)
  const Mh = d.batch + (C > 0 ? Math.round(C / carried!.prompt) : 0);
  op('final-norm', 'norm', -1, vectorOp(rms ? 'final-rmsnorm' : 'final-layernorm', Mh, D, 4, 1, 2, true, nTiles), 'norm', 'streaming', 2 * Mh * D * 2);
  op('lm-head', 'lm-head', -1, gemmOp('lm-head', Mh, Math.ceil(c.vocabSize / P), D, nTiles, f.weights), 'gemm', Mh <= STREAMING_ROWS ? 'streaming' : 'tiled', 0);
  return ops;
}
