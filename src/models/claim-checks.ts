// The Jalapeño class's public claims (per-token latency halved, ~1.8x tokens/s per W, ≤ 300 W per
// chip; press coverage 2024-2025, see claims.ts) checked on two results of the same model and
// inputs. Pure and free of the chip model, so the UI can judge the rows it already has (the Tokens
// tab) with the same words as the CLI's --claims.

import { perWattVerdict, type PerWattVerdict } from '../chip/power.ts';
import type { PowerBasis } from '../chip/types.ts';
import type { ModelSimResult } from './types.ts';

export interface ClaimCheck {
  claim: string;
  holds: boolean;
  /** What the model gives, in words and figures. */
  model: string;
}

/** Seconds as milliseconds with two decimals (the claims' wording). */
export const ms = (s: number) => (s * 1e3).toFixed(2);
/** Power per chip of a result (dynamic + static over its chips). */
export const perChip = (r: ModelSimResult) => r.powerW / r.chips;

/**
 * The claims checked on the chip's result `c` against the GPU reference's `g`, with each side's power
 * basis (absent for a user-made configuration) for the per-W verdict and its assumptions.
 */
export function claimChecks(c: ModelSimResult, g: ModelSimResult, chipPower?: PowerBasis, gpuPower?: PowerBasis): { checks: ClaimCheck[]; perWatt: PerWattVerdict } {
  const speedup = g.timeS / c.timeS;
  const perWatt = perWattVerdict(
    { name: 'chip', tokensPerS: c.tokensPerS, powerWPerChip: perChip(c), chips: c.chips, power: chipPower },
    { name: 'H100', tokensPerS: g.tokensPerS, powerWPerChip: perChip(g), chips: g.chips, power: gpuPower },
    1.8,
  );
  const checks: ClaimCheck[] = [
    { claim: 'per-token latency halved against the GPU (12 -> 6 ms)', holds: speedup >= 2, model: `${ms(g.timeS)} -> ${ms(c.timeS)} ms (${speedup.toFixed(2)}x)` },
    { claim: '~1.8x tokens/s per W', holds: perWatt.holds, model: `${perWatt.text} (${c.tokensPerSPerW.toFixed(3)} vs ${g.tokensPerSPerW.toFixed(3)} tokens/s/W as modelled)` },
    { claim: '≤ 300 W per chip', holds: perChip(c) <= 300, model: `${perChip(c).toFixed(0)} W per chip modelled (dynamic + static)` },
  ];
  return { checks, perWatt };
}
