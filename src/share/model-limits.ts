// Checks a Tokens-tab configuration against the limits the chip model accepts (computed in the
// worker from the kernels' parameter ranges, see src/worker/model-limits.ts). Pure data and
// pure functions, so the UI can explain a bad value at once, before any simulation.

/** Upper bounds (lower bounds are 1) of the model inputs. */
export interface ModelInputLimits {
  decode: { batch: number; context: number };
  /** `rows`: tokens × batch, the rows every projection of a prefill processes. */
  prefill: { tokens: number; rows: number; context: number };
  chips: number;
}

export interface ModelInputs {
  phase: 'prefill' | 'decode';
  tokens: number;
  context: number;
  batch: number;
  chips: number;
}

export type ModelField = 'tokens' | 'context' | 'batch' | 'chips';

const n = (x: number) => x.toLocaleString('en-US');

/** The largest value `field` may take with the other inputs as they are. */
export function maxFor(field: ModelField, s: ModelInputs, lim: ModelInputLimits): number {
  switch (field) {
    case 'chips':
      return lim.chips;
    case 'context':
      return s.phase === 'decode' ? lim.decode.context : lim.prefill.context;
    case 'tokens':
      return s.phase === 'prefill' ? Math.max(1, Math.min(lim.prefill.tokens, Math.floor(lim.prefill.rows / Math.max(1, s.batch)))) : 1 << 20;
    case 'batch':
      return s.phase === 'decode' ? lim.decode.batch : Math.max(1, Math.floor(lim.prefill.rows / Math.max(1, s.tokens)));
  }
}

/** What is wrong with the inputs, one problem per field (empty when the model accepts them). */
export function checkModelInputs(s: ModelInputs, lim: ModelInputLimits): Partial<Record<ModelField, string>> {
  const out: Partial<Record<ModelField, string>> = {};
  for (const f of ['tokens', 'context', 'batch', 'chips'] as const) {
    const v = s[f];
    if (!Number.isInteger(v) || v < 1) out[f] = `${f} must be a whole number ≥ 1, got ${String(v)}.`;
  }
  if (Object.keys(out).length) return out;
  if (s.phase === 'decode') {
    if (s.batch > lim.decode.batch) out.batch = `A decode step takes at most ${n(lim.decode.batch)} sequences in a batch (the attention-decode kernel's limit), got ${n(s.batch)}.`;
    if (s.context > lim.decode.context) out.context = `A decode step's KV cache holds at most ${n(lim.decode.context)} tokens (the attention-decode kernel's limit), got ${n(s.context)}.`;
  } else {
    if (s.context > lim.prefill.context) out.context = `The KV cache holds at most ${n(lim.prefill.context)} tokens, got ${n(s.context)}.`;
    if (s.tokens > lim.prefill.tokens) out.tokens = `A prefill takes at most ${n(lim.prefill.tokens)} prompt tokens, got ${n(s.tokens)}.`;
    else if (s.tokens * s.batch > lim.prefill.rows)
      out.batch = `A prefill runs prompt tokens × batch = ${n(s.tokens * s.batch)} rows through each projection; the kernels take at most ${n(lim.prefill.rows)}: with ${n(s.tokens)} tokens, batch ≤ ${n(maxFor('batch', s, lim))}.`;
  }
  if (s.chips > lim.chips) out.chips = `At most ${n(lim.chips)} chips, got ${n(s.chips)}.`;
  return out;
}
