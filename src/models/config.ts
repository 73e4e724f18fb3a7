// One description of a transformer: its architecture as data. The model presets below are such
// descriptions, equal to their published config.json (test/unit/model-config.test.ts reads checked-in
// copies of those fields through configFromHf, src/llm/config.ts); the readers of real model files
// (configFromHf for config.json, configFromGguf for GGUF metadata) produce the same type. The op list
// (forward.ts), the chip model (index.ts), the GPU decode loop and the CPU reference (src/llm) all
// read the architecture from here and branch on these fields, never on a model's name.

import { vectorParamCount, type OpFamily } from './forward.ts';

/**
 * RoPE frequency scaling (rope_scaling in config.json): Llama-3.1's "llama3" (the fields below), or "linear"
 * (`linear: true`: every frequency divided by `factor`; Gemma 3's global layers, factor 8 on 4B and up; a llama /
 * mistral / qwen2 / qwen3 / phi3 config.json's, as transformers' _compute_linear_scaling_rope_parameters; GGUF
 * rope.scaling.type linear, llama.cpp's freq_scale = 1 / factor).
 */
export type RopeScaling =
  | { linear?: undefined; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number }
  | { linear: true; factor: number };

/**
 * Per-dimension RoPE frequency factors, as llama.cpp's rope applies them (ggml_rope_ext's freq_factors): frequency i of a
 * head is divided by factor i, and cos / sin are multiplied by `attentionFactor`. The factors in force are `long` where
 * the context (the KV cache's positions) exceeds `originalMaxPositions`, else `short` (llama.cpp chooses by its context
 * size, transformers by the current sequence length: the same for a context of at most the original). Two sources:
 * - Phi-3's LongRoPE (config.json rope_scaling type "longrope", formerly "su"; GGUF rope_factors_short / rope_factors_long
 *   tensors): its two sets (headDim / 2 each), the attention factor sqrt(1 + ln(max / original) / ln(original)) or the file's own;
 * - a GGUF llama file's rope_freqs tensor (Llama-3.1 / 3.2 / 3.3: the "llama3" scaling written by llama.cpp's converter
 *   as divisors; a linear rope.scaling.factor stays in `scaling` and applies too) and a llama / qwen2 / qwen3 / gemma3 file's
 *   rope.scaling.attn_factor: one set, `short` and `long` the same (all 1 for an attention factor alone).
 */
export interface RopeFactors {
  short: readonly number[];
  long: readonly number[];
  originalMaxPositions: number;
  attentionFactor: number;
}

/** How a token's position enters: rotary (with its base and scaling), a learned table (GPT-2), or not at all. */
export type Positions =
  | { kind: 'rope'; theta: number; scaling: RopeScaling | null; freqFactors?: RopeFactors }
  | { kind: 'learned' }
  | { kind: 'none' };

export interface ModelConfig {
  /** A preset's id, or the model file's name. */
  id: string;
  label: string;
  /**
   * The family whose tensor names the file uses ('llama': Llama, Mistral, Qwen2, Qwen3, Phi-3, SmolLM; 'gpt2').
   * Only the weight readers look at it; the math follows the fields below.
   */
  arch: 'llama' | 'gpt2';
  vocabSize: number;
  dim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  ffnDim: number;
  /** Longest context the model was trained for (GPT-2: rows of its position table). */
  maxPositions: number;
  norm: 'rmsnorm' | 'layernorm';
  normEps: number;
  positions: Positions;
  /**
   * swiglu: [gate | up] then silu(gate)·up, then down (Llama); geglu: the same with GELU (tanh approximation) in place
   * of silu (Gemma 3); gelu: fc (+bias), GELU, proj (GPT-2).
   */
  mlp: 'swiglu' | 'geglu' | 'gelu';
  /** q/k/v projections carry a bias (GPT-2, Qwen2). */
  qkvBias: boolean;
  /**
   * A loaded file's own name for its architecture (config.json model_type, GGUF general.architecture: "qwen2",
   * "mistral", ...), which `arch` runs; absent for presets and where the two are the same.
   */
  family?: string;
  /**
   * RMSNorm of each head's q and of each head's k (a gain of headDim each, eps normEps) after the projection and
   * before RoPE (Qwen3's q_norm / k_norm). Absent: none.
   */
  qkNorm?: boolean;
  /** The output projection and the MLP projections carry a bias (GPT-2). */
  projBias: boolean;
  /** Sliding-window attention: each query sees this many most recent positions; null: the whole context. */
  attentionWindow: number | null;
  /**
   * Layers that attend over the whole context although attentionWindow is set (Gemma 3: every 6th layer, 5, 11, ...;
   * the others are windowed). Absent: the window is on every layer. layerWindow reads it.
   */
  fullAttentionLayers?: readonly number[];
  /**
   * RoPE base of the windowed layers where it differs from `positions` (Gemma 3: 10000 on its local layers, no
   * scaling; `positions` then is the full-attention layers' rope_theta 1e6 with its scaling). layerPositions reads it.
   */
  localRopeTheta?: number;
  /** The token embeddings are multiplied by this before the first layer (Gemma 3: sqrt(dim)). Absent: 1. */
  embedScale?: number;
  /**
   * Where the scores' scale is not 1 / sqrt(headDim) (Gemma 3 27B: query_pre_attn_scalar^-1/2 with 168 against a head of
   * 128): the queries are multiplied by this ratio (scale · sqrt(headDim)), which the weight readers fold into the
   * q-norm gains (RoPE is linear), so the attention kernels keep 1 / sqrt(headDim). Needs qkNorm. Absent: 1.
   */
  queryScale?: number;
  /**
   * Sandwich norms (Gemma 3): an RMSNorm (gain [dim]) of the attention block's output and of the MLP's output, each
   * before its residual add (post_attention_layernorm, post_feedforward_layernorm). Absent: none.
   */
  postNorms?: boolean;
  /** The LM head is the token embedding (one matrix). */
  tiedEmbeddings: boolean;
  /** Where the figures come from (published config.json). */
  sources: string[];
}

const LLAMA3_ROPE: Positions = { kind: 'rope', theta: 500000, scaling: null };
const LLAMA2_ROPE: Positions = { kind: 'rope', theta: 10000, scaling: null };
const llamaLike = { arch: 'llama', norm: 'rmsnorm', normEps: 1e-5, mlp: 'swiglu', qkvBias: false, projBias: false, attentionWindow: null, tiedEmbeddings: false } as const;

/**
 * Model presets, each equal to its published config.json (the fields configFromHf reads). Named for
 * Llama 3, not 3.1: Llama-3.1 has rope_scaling "llama3" (factor 8) and 131072 positions.
 */
export const MODEL_PRESETS: readonly ModelConfig[] = [
  {
    id: 'llama3-8b', label: 'Llama 3 8B', ...llamaLike,
    vocabSize: 128256, dim: 4096, nLayers: 32, nHeads: 32, nKvHeads: 8, headDim: 128, ffnDim: 14336, maxPositions: 8192, positions: LLAMA3_ROPE,
    sources: ['https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json'],
  },
  {
    id: 'llama3-70b', label: 'Llama 3 70B', ...llamaLike,
    vocabSize: 128256, dim: 8192, nLayers: 80, nHeads: 64, nKvHeads: 8, headDim: 128, ffnDim: 28672, maxPositions: 8192, positions: LLAMA3_ROPE,
    sources: ['https://huggingface.co/meta-llama/Meta-Llama-3-70B/blob/main/config.json'],
  },
  {
    // multi-head attention: 32 KV heads
    id: 'llama2-7b', label: 'Llama 2 7B', ...llamaLike,
    vocabSize: 32000, dim: 4096, nLayers: 32, nHeads: 32, nKvHeads: 32, headDim: 128, ffnDim: 11008, maxPositions: 4096, positions: LLAMA2_ROPE,
    sources: ['https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json'],
  },
  {
    // GQA with 8 KV heads
    id: 'llama2-70b', label: 'Llama 2 70B', ...llamaLike,
    vocabSize: 32000, dim: 8192, nLayers: 80, nHeads: 64, nKvHeads: 8, headDim: 128, ffnDim: 28672, maxPositions: 4096, positions: LLAMA2_ROPE,
    sources: ['https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json'],
  },
  {
    id: 'gpt2-small', label: 'GPT-2 small (124M)', arch: 'gpt2',
    vocabSize: 50257, dim: 768, nLayers: 12, nHeads: 12, nKvHeads: 12, headDim: 64, ffnDim: 3072, maxPositions: 1024,
    norm: 'layernorm', normEps: 1e-5, positions: { kind: 'learned' }, mlp: 'gelu', qkvBias: true, projBias: true, attentionWindow: null, tiedEmbeddings: true,
    sources: ['https://huggingface.co/openai-community/gpt2/blob/main/config.json'],
  },
];

export function modelPreset(id: string): ModelConfig {
  const m = MODEL_PRESETS.find((p) => p.id === id);
  if (!m) throw new Error(`unknown model preset "${id}"; allowed: ${MODEL_PRESETS.map((p) => p.id).join(', ')}`);
  return m;
}

/** A linear of a layer (LAYER_LINEARS). */
export interface LayerLinear {
  /** The op that runs it (forward.ts's op families). */
  family: OpFamily;
  /** Its weight buffer (forward.ts's layerBuf(l, buf)). */
  buf: 'wqkv' | 'wo' | 'wUp' | 'wDown';
  /** An MLP weight (a deployment may store those in another format: PrecisionSpec.mlpWeights). */
  mlp: boolean;
  /** [N, K]: its outputs and inputs, the whole model's (no tensor-parallel split). */
  shape: (c: ModelConfig) => { N: number; K: number };
}

/**
 * The linears of a layer, the one table of them: q | k | v stacked in one buffer, the output projection, the MLP's
 * up (SwiGLU / GeGLU: gate | up stacked) and down projections.
 */
export const LAYER_LINEARS: readonly LayerLinear[] = [
  { family: 'qkv', buf: 'wqkv', mlp: false, shape: (c) => ({ N: (c.nHeads + 2 * c.nKvHeads) * c.headDim, K: c.dim }) },
  { family: 'o-proj', buf: 'wo', mlp: false, shape: (c) => ({ N: c.dim, K: c.nHeads * c.headDim }) },
  { family: 'ffn-up', buf: 'wUp', mlp: true, shape: (c) => ({ N: (gatedMlp(c) ? 2 : 1) * c.ffnDim, K: c.dim }) },
  { family: 'ffn-down', buf: 'wDown', mlp: true, shape: (c) => ({ N: c.dim, K: c.ffnDim }) },
];

/** Weights of one layer's attention linears (mlp false) or MLP linears (mlp true), from LAYER_LINEARS. */
function linearParams(c: ModelConfig, mlp: boolean): number {
  return LAYER_LINEARS.filter((l) => l.mlp === mlp).reduce((s, l) => {
    const { N, K } = l.shape(c);
    return s + N * K;
  }, 0);
}

/** Weights of the attention block of one layer: the q/k/v and output projections. */
export function attentionParams(c: ModelConfig): number {
  return linearParams(c, false);
}

/** Weights of the MLP of one layer. */
export function mlpParams(c: ModelConfig): number {
  return linearParams(c, true);
}

/** A gated MLP (SwiGLU, GeGLU): a [gate | up] projection of 2·ffnDim rows, then activation(gate)·up. */
export const gatedMlp = (c: Pick<ModelConfig, 'mlp'>): boolean => c.mlp !== 'gelu';

/** The sliding window of layer l (keys per query), 0 for the whole context (a full-attention layer, or no window). */
export function layerWindow(c: Pick<ModelConfig, 'attentionWindow' | 'fullAttentionLayers'>, l: number): number {
  return c.attentionWindow === null || c.fullAttentionLayers?.includes(l) ? 0 : c.attentionWindow;
}

/**
 * The windowed layers' RoPE where it differs from `positions` (Gemma 3's local base, not linearly scaled), else undefined.
 * `positions`' freqFactors carry over: a Gemma 3 GGUF's are all 1 with its rope.scaling.attn_factor, which llama.cpp
 * multiplies cos / sin by on the windowed layers as on the others.
 */
export function localPositions(c: Pick<ModelConfig, 'positions' | 'localRopeTheta' | 'attentionWindow'>): Positions | undefined {
  const p = c.positions;
  return c.localRopeTheta !== undefined && c.attentionWindow !== null && p.kind === 'rope' ? { kind: 'rope', theta: c.localRopeTheta, scaling: null, ...(p.freqFactors ? { freqFactors: p.freqFactors } : {}) } : undefined;
}

/** Whether layer l rotates by localPositions (a windowed layer of a config that has them), not by `positions`. */
export function usesLocalRope(c: Pick<ModelConfig, 'positions' | 'localRopeTheta' | 'attentionWindow' | 'fullAttentionLayers'>, l: number): boolean {
  return localPositions(c) !== undefined && layerWindow(c, l) > 0;
}

/**
 * Parameters of one layer: its linears and the vectors its ops read (gains, shifts, biases: forward.ts's
 * vectorParamCount, the op list's one account of them).
 */
export function layerParams(c: ModelConfig): number {
  return attentionParams(c) + mlpParams(c) + vectorParamCount(c).layer;
}

/** Parameters of the model: the layers, the embedding (counted once when tied), the LM head, a learned position table and the final norm (vectorParamCount's). */
export function parameterCount(c: ModelConfig): number {
  const emb = c.vocabSize * c.dim * (c.tiedEmbeddings ? 1 : 2) + (c.positions.kind === 'learned' ? c.maxPositions * c.dim : 0);
  return c.nLayers * layerParams(c) + emb + vectorParamCount(c).outside;
}
