// The Jalapeño-class what-if, checked: does the model reproduce the class's public claims against the
// GPU reference on the same model and precision at batch 1, and which mechanisms carry the difference?
//
// Claims (press coverage of LLM-inference ASIC start-ups, 2024-2025; the preset's sources): per-token
// latency 12 ms -> 6 ms against a GPU (2x), ~1.8x tokens/s per W, ≤ 300 W per chip.

import { chipPreset } from '../chip/presets.ts';
import { formatPercent } from '../chip/format.ts';
import { powerBasisLines, type PerWattVerdict } from '../chip/power.ts';
import type { ChipConfig, PowerBasis } from '../chip/types.ts';
import { simulateModel, type ModelConfig, type ModelSimOptions } from './index.ts';
import type { ModelSimResult } from './types.ts';
import { claimChecks, ms, perChip, type ClaimCheck } from './claim-checks.ts';

export { claimChecks, type ClaimCheck };

export interface ClaimsReport {
  reference: string;
  model: string;
  precision: string;
  context: number;
  chip: { perTokenMs: number; tokensPerSPerW: number; powerWPerChip: number; chips: number };
  gpu: { perTokenMs: number; tokensPerSPerW: number; powerWPerChip: number; chips: number };
  speedup: number;
  perWRatio: number;
  checks: ClaimCheck[];
  /** Mechanisms with the time (ms per token) each one accounts for. */
  carriedBy: string[];
  /** The assumption the latency claim would need when it does not hold; absent when it holds. */
  needs?: string;
  /** The tokens/s-per-W verdict, as modelled and with each power assumption moved. */
  perWatt: PerWattVerdict;
  /** Every power figure the verdict rests on, with its source or "assumed": the chip's, then the reference's. */
  powerBasis: { chip: string[]; gpu: string[] };
}

/**
 * Runs `chip` and the h100 reference on the same model / precision / context at batch 1 (decode).
 * `chipPower`: the chip's power basis (its preset's), absent for a user-made configuration.
 */
export function checkClaims(chip: ChipConfig, m: ModelConfig, opts: Omit<ModelSimOptions, 'phase' | 'batch'>, chipPower?: PowerBasis): ClaimsReport {
  const gpuPreset = chipPreset('h100');
  const gpuChip = gpuPreset.config;
  const base: ModelSimOptions = { ...opts, phase: 'decode', batch: 1, chips: undefined, stages: undefined, fusion: undefined, dataflow: undefined };
  const c = simulateModel(chip, m, base);
  const g = simulateModel(gpuChip, m, base);
  const speedup = g.timeS / c.timeS;
  const perWRatio = c.tokensPerSPerW / g.tokensPerSPerW;
  const { checks, perWatt } = claimChecks(c, g, chipPower, gpuPreset.power);
  // what carries the difference: the breakdowns side by side, and the chip without each of its own mechanisms
  const carriedBy: string[] = [];
  const d = (k: keyof ModelSimResult['breakdown']) => g.breakdown[k] - c.breakdown[k];
  carriedBy.push(`no launch gaps: ${ms(d('launch'))} ms of the GPU's kernel launches and per-layer costs`);
  carriedBy.push(`per-kernel memory ramps: ${ms(g.memoryLatencyS - c.memoryLatencyS)} ms (GPU ${ms(g.memoryLatencyS)} ms, this chip ${ms(c.memoryLatencyS)} ms)`);
  if (Math.abs(d('collective')) > 1e-6) carriedBy.push(`collectives: ${ms(d('collective'))} ms`);
  carriedBy.push(`streaming the bytes (memory + compute less the ramps): GPU ${ms(g.breakdown.memory + g.breakdown.compute - g.memoryLatencyS)} ms vs ${ms(c.breakdown.memory + c.breakdown.compute - c.memoryLatencyS)} ms (HBM ${(gpuChip.hbm.bandwidthBytesPerS / 1e12).toFixed(2)} vs ${(chip.hbm.bandwidthBytesPerS / 1e12).toFixed(2)} TB/s peak, ${(g.bytes.hbm / g.chips / 1e9).toFixed(2)} vs ${(c.bytes.hbm / c.chips / 1e9).toFixed(2)} GB per chip per token)`);
  if (c.fusion.applied !== 'none') {
    const plain = simulateModel(chip, m, { ...base, fusion: 'none' });
    carriedBy.push(`${c.fusion.applied === 'pipeline' ? 'activations on chip + layer pipeline' : 'activations on chip'}: ${ms(plain.timeS - c.timeS)} ms and ${(c.savedBytes.hbm / 1e6).toFixed(1)} MB of HBM traffic per token`);
  }
  if (c.formats.weights !== 'bf16') carriedBy.push(`${c.formats.weights} weights on both (the int8 path halves the weight bytes on both sides alike)`);
  let needs: string | undefined;
  if (speedup < 2) {
    // the HBM bandwidth that would halve the GPU's time, everything else as modelled
    const target = g.timeS / 2;
    const other = c.breakdown.compute + c.breakdown.launch + c.breakdown.collective;
    const mem = c.breakdown.memory;
    const gpuMem = g.breakdown.memory + g.breakdown.compute;
    const slowGpu = 2 * c.timeS - g.breakdown.launch - g.breakdown.collective;
    const effNow = gpuChip.runtime.hbmEfficiency.streaming;
    needs = target > other && mem > 0
      ? `2x needs ≥ ${((chip.hbm.bandwidthBytesPerS * mem) / (target - other) / 1e12).toFixed(1)} TB/s of HBM per chip (the preset assumes ` +
        `${(chip.hbm.bandwidthBytesPerS / 1e12).toFixed(2)} TB/s: ${chip.hbm.stacks} HBM3 stacks), or the weights held in SRAM, or a GPU that takes ${ms(2 * c.timeS)} ms ` +
        `(its HBM at ~${formatPercent((effNow * gpuMem) / Math.max(slowGpu, 1e-12))} of peak instead of the ${formatPercent(effNow)} measured for streaming reads)`
      : `2x is out of reach at any HBM bandwidth: compute, launch and collective time alone exceed ${ms(target)} ms`;
  }
  return {
    reference: 'h100', model: m.id, precision: c.precision, context: c.context,
    chip: { perTokenMs: c.perTokenMs, tokensPerSPerW: c.tokensPerSPerW, powerWPerChip: perChip(c), chips: c.chips },
    gpu: { perTokenMs: g.perTokenMs, tokensPerSPerW: g.tokensPerSPerW, powerWPerChip: perChip(g), chips: g.chips },
    speedup, perWRatio, checks, carriedBy, ...(needs ? { needs } : {}),
    perWatt, powerBasis: { chip: powerBasisLines({ label: chip.name, power: chipPower }), gpu: powerBasisLines(gpuPreset) },
  };
}
