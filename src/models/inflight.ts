// In-flight batching (also called continuous or iteration-level batching, with chunked prefill): the
// serving step of TensorRT-LLM's in-flight batching scheduler and of vLLM. Each step decodes the B
// sequences in their generation phase and carries, in the same batch, prefill tokens of newly admitted
// requests (their context phase), so prefills never stall the decoding sequences and every GEMM sees
// B + carried rows. Sources: TensorRT-LLM "Paged Attention, IFB, and Request Scheduling" (sequences in
// the context phase are processed together with sequences in the generation phase, packed without
// padding) and "Tuning Max Batch Size and Max Num Tokens" (max_num_tokens caps the tokens of one step,
// context chunks included), https://nvidia.github.io/TensorRT-LLM/features/paged-attention-ifb-scheduler.html.
//
// Steady state for requests of `isl` prompt tokens and `osl` output tokens (as trtllm-bench's offline
// throughput runs them: every request alike, the queue never empty): a request's prefill samples its
// first output token and its other osl - 1 tokens come from decode steps, so with B sequences decoding,
// a = B / (osl - 1) requests finish and as many are admitted per step. A step therefore carries
// C = a x isl = B x isl / (osl - 1) prefill tokens (in chunks when isl exceeds what a step takes; the
// chunks of one prompt add up to its whole causal attention) and outputs B + a tokens. The decoding
// sequences are spread evenly over their output positions: mean context isl + osl / 2.
// B is the largest that (1) the KV cache holds at that mean context (the placement check simulateModel
// runs), (2) the serving stack's max batch allows when one is given (TensorRT-LLM max_batch_size, vLLM
// max_num_seqs), and (3) keeps B + C within the stack's max tokens per step (max_num_tokens; default
// INFLIGHT_MAX_TOKENS), as on real systems. The decode attention over more sequences than one dispatch
// of our kernel takes runs in groups (decodeAttentionOp), so the kernel sets no batch limit here.
// Not modelled: the KV cache of the prompts still in prefill (a few prompts against B sequences' caches),
// a scheduler's CPU time per step, and requests of varying lengths.

import type { ChipConfig } from '../chip/types.ts';
import type { ModelConfig } from './config.ts';
import { MAX_ROWS, ModelInputError, simulateModel, type ModelSimOptions } from './index.ts';
import type { ModelSimResult } from './types.ts';

/**
 * Tokens one step takes when the stack sets no other figure: TensorRT-LLM's default max_num_tokens
 * (8192: BuildConfig / LLM API default, tensorrt_llm/llmapi/llm_args.py and builder.py). vLLM's
 * max_num_batched_tokens plays the same part.
 */
export const INFLIGHT_MAX_TOKENS = 8192;

export interface InflightOptions extends Omit<ModelSimOptions, 'phase' | 'tokens' | 'context' | 'batch' | 'carried'> {
  /** Prompt tokens per request. */
  isl: number;
  /** Output tokens per request (≥ 2: the first comes from the prefill). */
  osl: number;
  /** Most tokens (decode rows + carried prefill rows) per step; default INFLIGHT_MAX_TOKENS. */
  maxTokens?: number;
  /** Most sequences decoding together (max_batch_size / max_num_seqs); default: as many as the rest allow. */
  maxBatch?: number;
}

/** What set the batch: the KV cache, the stack's max batch, or its max tokens per step. */
export type InflightLimit = 'kv-cache' | 'max-batch' | 'max-tokens';

export interface InflightResult {
  /** The mixed step: B sequences decoding at the mean context, carrying C prefill tokens. */
  step: ModelSimResult;
  batch: number;
  /** Prefill tokens carried per step (C). */
  carried: number;
  /** Mean context of the decoding sequences (isl + osl / 2). */
  context: number;
  isl: number;
  osl: number;
  maxTokens: number;
  limitedBy: InflightLimit;
  /** Output tokens per second: (B + C / isl) per step. */
  outputTokensPerS: number;
  /** The mechanism in one line (what the CLI and the table print). */
  text: string;
}

/** Prefill tokens a step carries in steady state for B decoding sequences: B x isl / (osl - 1), rounded. */
export function carriedTokens(B: number, isl: number, osl: number): number {
  return Math.round((B * isl) / (osl - 1));
}

const LIMIT_WORDS: Record<InflightLimit, string> = {
  'kv-cache': 'the KV cache',
  'max-batch': 'the stack\'s max batch',
  'max-tokens': 'the max tokens per step',
};

/**
 * Output tokens/s under in-flight batching: the steady-state mixed step (see the file comment) for the
 * largest batch the KV cache and the stack allow. Chips: `opts.chips`, else the fewest that
 * hold the model at batch 1, held fixed while the batch grows.
 */
export function inflightThroughput(chip: ChipConfig, m: ModelConfig, opts: InflightOptions): InflightResult {
  const { isl, osl, maxTokens = INFLIGHT_MAX_TOKENS, maxBatch, ...base } = opts;
  for (const [k, v, min] of [['isl', isl, 1], ['osl', osl, 2], ['maxTokens', maxTokens, 2]] as const) {
    if (!Number.isInteger(v) || v < min || v > MAX_ROWS) {
      throw new ModelInputError(`in-flight batching: ${k} must be an integer in [${min}, ${MAX_ROWS}], got ${v}${k === 'osl' && v === 1 ? ' (with one output token a request is a prefill alone: use the prefill phase)' : ''}`);
    }
  }
  if (maxBatch !== undefined && (!Number.isInteger(maxBatch) || maxBatch < 1)) throw new ModelInputError(`in-flight batching: max batch must be an integer ≥ 1, got ${maxBatch}`);
  const context = isl + Math.floor(osl / 2);
  const run = (B: number, chips?: number, stages?: number) =>
    simulateModel(chip, m, { ...base, chips, stages, phase: 'decode', batch: B, context, carried: { tokens: carriedTokens(B, isl, osl), prompt: isl } });
  // the caps other than the KV cache, and which one binds (the max tokens always caps: B + C ≤ maxTokens)
  let cap = Infinity, limitedBy: InflightLimit = 'max-tokens';
  if (maxBatch !== undefined) { cap = maxBatch; limitedBy = 'max-batch'; }
  let byTokens = Math.floor((maxTokens * (osl - 1)) / (osl - 1 + isl));
  while (byTokens > 0 && byTokens + carriedTokens(byTokens, isl, osl) > maxTokens) byTokens--;
  // C is rounded, so the estimate can sit one below the largest that fits (128/128 in 8192: 4080 + 4112)
  while (byTokens + 1 + carriedTokens(byTokens + 1, isl, osl) <= maxTokens) byTokens++;
  if (byTokens < 1) {
    throw new ModelInputError(`in-flight batching: a step of ${maxTokens} tokens cannot sustain one decoding sequence of ${isl}-token prompts and ${osl} output tokens (it needs 1 + ${isl}/${osl - 1} tokens per step); allowed: max tokens ≥ ${1 + carriedTokens(1, isl, osl)}`);
  }
  if (byTokens < cap) { cap = byTokens; limitedBy = 'max-tokens'; }
  // the chips: as asked, or the fewest that hold the model at batch 1, then fixed
  const first = run(1, base.chips, base.stages);
  const chips = first.chips, stages = first.parallel.stages;
  // the largest batch up to the cap whose KV cache fits (fitting only shrinks as the batch grows)
  let B = cap, step = run(B, chips, stages);
  if (!step.placement.fits) {
    limitedBy = 'kv-cache';
    let lo = 1, hi = cap; // run(lo) fits or lo = 1; run(hi) does not
    let atLo: ModelSimResult | undefined; // the search's run of lo, kept so it is not simulated again
    if (first.placement.fits) {
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        const r = run(mid, chips, stages);
        if (r.placement.fits) { lo = mid; atLo = r; } else hi = mid;
      }
    }
    B = lo;
    step = atLo ?? (lo === cap ? step : run(B, chips, stages));
  }
  const C = carriedTokens(B, isl, osl);
  const outputTokensPerS = step.tokensPerS;
  if (!step.placement.fits) {
    const text = `in-flight batching: the weights and KV cache do not fit ${chips} chip(s) even at batch 1 (${step.placement.messages.join('; ')})`;
    return { step, batch: B, carried: C, context, isl, osl, maxTokens, limitedBy, outputTokensPerS, text };
  }
  const text = `in-flight batching: ${B} sequence${B === 1 ? '' : 's'} decoding at mean context ${context} + ${C} prefill tokens of ${isl}-token prompts per step ` +
    `(batch set by ${LIMIT_WORDS[limitedBy]}; ${B + C} of ${maxTokens} tokens per step), ${(step.timeS * 1e3).toFixed(2)} ms per step, ` +
    `${(B + C / isl).toFixed(1)} output tokens per step`;
  return { step, batch: B, carried: C, context, isl, osl, maxTokens, limitedBy, outputTokensPerS, text };
}
