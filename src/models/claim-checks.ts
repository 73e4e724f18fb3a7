// The Jalapeño class's public claims (per-token latency halved, ~1.8x tokens/s per W, ≤ 300 W per
// chip; press coverage 2024-2025, see claims.ts) checked on two results of the same model and
// inputs. Pure and free of the chip model, so the UI can judge the rows it already has.

import type { ModelSimResult } from './types.ts';

export interface ClaimCheck {
  claim: string;
  holds: boolean;
  /** What the model gives, in words and figures. */
  model: string;
}

const ms = (s: number) => (s * 1e3).toFixed(2);

/**
 * The class's public claims checked on two results of the same model, precision and inputs: the chip
 * (`c`) and the GPU reference (`g`). Used by the CLI's --claims and by the Tokens tab for its inputs.
 */
export function claimChecks(c: ModelSimResult, g: ModelSimResult): ClaimCheck[] {
  const perChip = (r: ModelSimResult) => r.powerW / r.chips;
  const speedup = g.timeS / c.timeS;
  const perWRatio = c.tokensPerSPerW / g.tokensPerSPerW;
  return [
    { claim: 'per-token latency halved against the GPU (12 -> 6 ms)', holds: speedup >= 2, model: `${ms(g.timeS)} -> ${ms(c.timeS)} ms (${speedup.toFixed(2)}x)` },
    { claim: '~1.8x tokens/s per W', holds: perWRatio >= 1.8 * 0.9, model: `${perWRatio.toFixed(2)}x (${c.tokensPerSPerW.toFixed(3)} vs ${g.tokensPerSPerW.toFixed(3)} tokens/s/W, modelled power)` },
    { claim: '≤ 300 W per chip', holds: perChip(c) <= 300, model: `${perChip(c).toFixed(0)} W per chip modelled (dynamic + static)` },
  ];
}

