// Checks a Tokens-tab configuration against the limits the chip model accepts (computed in the
// worker from the kernels' parameter ranges, see src/worker/model-limits.ts). Pure data and
// pure functions, so the UI can explain a bad value at once, before any simulation. The tensor-parallel
// rule is the chip model's own (src/models/parallel.ts).

import { tensorParallelDegrees } from '../models/parallel.ts';

/** Upper bounds (lower bounds are 1) of the model inputs. */
export interface ModelInputLimits {
  decode: { batch: number; context: number };
  /** `rows`: tokens × batch, the rows every projection of a prefill processes. */
  prefill: { tokens: number; rows: number; context: number };
  chips: number;
}

export interface ModelInputs {
  /** 'inflight': tokens = prompt tokens per request, osl = output tokens, batch = the most sequences decoding. */
  phase: 'prefill' | 'decode' | 'inflight';
  osl?: number;
  tokens: number;
  context: number;
  batch: number;
  /** Chips per model copy; 0 = the fewest that hold the model on each preset. */
  chips: number;
}

/** What of a model the inputs are checked against (a model preset's config has these fields). */
export interface ModelShape {
  nHeads: number;
  nLayers: number;
  /** Longest sequence (positions) the model was trained for. */
  maxPositions: number;
}

/**
 * The chip counts a model accepts, up to `maxChips`: the tensor-parallel degrees (divisors of the
 * attention heads), then all heads times 2, 3, ... pipeline stages (layers split over them).
 */
export function chipChoices(m: Pick<ModelShape, 'nHeads' | 'nLayers'>, maxChips: number): number[] {
  const out = tensorParallelDegrees(m, maxChips);
  for (let s = 2; s <= m.nLayers && m.nHeads * s <= maxChips; s++) out.push(m.nHeads * s);
  return out;
}

/** How `chips` splits for a model: the largest tensor-parallel degree (a divisor of the heads) that divides it, the rest as pipeline stages. */
export function chipSplit(m: Pick<ModelShape, 'nHeads' | 'nLayers'>, chips: number): { tp: number; stages: number } | null {
  if (!Number.isInteger(chips) || chips < 1) return null;
  const tp = tensorParallelDegrees(m, chips).filter((p) => chips % p === 0).pop();
  if (tp === undefined) return null;
  const stages = chips / tp;
  return stages <= m.nLayers ? { tp, stages } : null;
}

export type ModelField = 'tokens' | 'context' | 'batch' | 'chips' | 'osl';

/** Output tokens per request under in-flight batching when the state names none. */
export const DEFAULT_OSL = 128;
/** Prompt tokens per request the Tokens tab starts in-flight batching with (TensorRT-LLM perf-overview's 128/128 shape). */
export const DEFAULT_ISL = 128;

const n = (x: number) => x.toLocaleString('en-US');

/** The largest value `field` may take with the other inputs as they are. */
export function maxFor(field: ModelField, s: ModelInputs, lim: ModelInputLimits, model?: ModelShape): number {
  switch (field) {
    case 'chips':
      return lim.chips;
    case 'osl':
      return model ? Math.max(2, model.maxPositions - s.tokens) : lim.prefill.rows;
    case 'context': {
      const k = s.phase === 'decode' ? lim.decode.context : lim.prefill.context;
      // the cache plus the new tokens stay within the model's positions
      return model ? Math.max(1, Math.min(k, model.maxPositions - (s.phase === 'decode' ? 1 : s.tokens))) : k;
    }
    case 'tokens':
      if (s.phase === 'inflight') return Math.min(lim.prefill.tokens, model ? model.maxPositions - (s.osl ?? DEFAULT_OSL) : lim.prefill.tokens);
      return s.phase === 'prefill' ? Math.max(1, Math.min(lim.prefill.tokens, Math.floor(lim.prefill.rows / Math.max(1, s.batch)))) : 1 << 20;
    case 'batch':
      // in-flight: the most sequences; the model takes what the KV cache and the max tokens per step allow, and says which
      if (s.phase === 'inflight') return lim.prefill.rows;
      return s.phase === 'decode' ? lim.decode.batch : Math.max(1, Math.floor(lim.prefill.rows / Math.max(1, s.tokens)));
  }
}

/** What is wrong with the inputs, one problem per field (empty when the model accepts them). */
export function checkModelInputs(s: ModelInputs, lim: ModelInputLimits, model?: ModelShape & { id?: string }): Partial<Record<ModelField, string>> {
  const out: Partial<Record<ModelField, string>> = {};
  for (const f of ['tokens', 'context', 'batch', 'chips'] as const) {
    const v = s[f];
    const min = f === 'chips' ? 0 : 1;
    if (!Number.isInteger(v) || v < min) out[f] = `${f} must be a whole number ≥ ${min}, got ${String(v)}.`;
  }
  if (s.phase === 'inflight' && s.osl !== undefined && (!Number.isInteger(s.osl) || s.osl < 2)) out.osl = `Output tokens must be a whole number ≥ 2 (the first comes from the prefill), got ${String(s.osl)}.`;
  if (Object.keys(out).length) return out;
  if (s.phase === 'inflight') {
    // the batch is the most sequences decoding together (the model caps it where the KV cache or the max
    // tokens per step bind, and says so); the steady state sets the context from the prompt and output lengths
    if (s.batch > lim.prefill.rows) out.batch = `At most ${n(lim.prefill.rows)} sequences, got ${n(s.batch)}.`;
    if (s.tokens > lim.prefill.tokens) out.tokens = `A prompt takes at most ${n(lim.prefill.tokens)} tokens, got ${n(s.tokens)}.`;
    const osl = s.osl ?? DEFAULT_OSL;
    if (model && !out.tokens && s.tokens + osl > model.maxPositions) out.osl = `${model.id ?? 'The model'} handles at most ${n(model.maxPositions)} positions; ${n(s.tokens)} prompt + ${n(osl)} output tokens = ${n(s.tokens + osl)}: output tokens ≤ ${n(maxFor('osl', s, lim, model))}.`;
  } else if (s.phase === 'decode') {
    if (s.batch > lim.decode.batch) out.batch = `A decode step takes at most ${n(lim.decode.batch)} sequences in a batch (each sequence is a row of every projection, and the chip model's GEMMs take at most ${n(lim.decode.batch)} rows), got ${n(s.batch)}.`;
    if (s.context > lim.decode.context) out.context = `A decode step's KV cache holds at most ${n(lim.decode.context)} tokens (the attention-decode kernel's limit), got ${n(s.context)}.`;
  } else {
    if (s.context > lim.prefill.context) out.context = `The KV cache holds at most ${n(lim.prefill.context)} tokens, got ${n(s.context)}.`;
    if (s.tokens > lim.prefill.tokens) out.tokens = `A prefill takes at most ${n(lim.prefill.tokens)} prompt tokens, got ${n(s.tokens)}.`;
    else if (s.tokens * s.batch > lim.prefill.rows)
      out.batch = `A prefill runs prompt tokens × batch = ${n(s.tokens * s.batch)} rows through each projection; the kernels take at most ${n(lim.prefill.rows)}: with ${n(s.tokens)} tokens, batch ≤ ${n(maxFor('batch', s, lim))}.`;
  }
  if (s.chips > lim.chips) out.chips = `At most ${n(lim.chips)} chips, got ${n(s.chips)}.`;
  else if (model && s.chips > 0 && !chipSplit(model, s.chips))
    out.chips = `${n(s.chips)} chips cannot split ${model.id ?? 'this model'}: its ${model.nHeads} attention heads need a chip count that divides them, or all ${model.nHeads} times a number of pipeline stages (at most ${model.nLayers}).`;
  if (model && s.phase !== 'inflight' && !out.context && !out.tokens) {
    const used = s.context + (s.phase === 'decode' ? 1 : s.tokens);
    if (used > model.maxPositions)
      out.context = `${model.id ?? 'The model'} handles at most ${n(model.maxPositions)} positions; context ${n(s.context)} + ${s.phase === 'decode' ? 'the new token' : `${n(s.tokens)} prompt tokens`} = ${n(used)}: context ≤ ${n(maxFor('context', s, lim, model))}.`;
  }
  return out;
}
