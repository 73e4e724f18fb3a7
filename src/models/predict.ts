// The chip model's prediction for the ops a GPU run measured, joined by op id: simulateModel's ops
// (one per layer-free name, summed over the layers) are spread over the GPU decode loop's op ids
// ("L3.qkv", "lm-head") through each op's `covers` (forward.ts). A deployment op that fuses several GPU
// ops (attn-residual+ffn-norm) puts its time on the first op it covers and marks the others as fused
// into it, so the rows' times add up to the simulated step (test/unit/model-predict.test.ts).

import type { ModelSimResult, OpBreakdown, OpSimResult } from './types.ts';

export interface OpPrediction {
  /** The GPU op's id. */
  id: string;
  /** Seconds this op takes in the simulated step; null: the chip model does not model it (embedding gather, sampling). */
  timeS: number | null;
  breakdown: OpBreakdown | null;
  /** The simulated op whose time this row's work is part of, when it is another row's (a deployment fuses them). */
  fusedInto?: string;
  /** The simulated op's source ("matmul/tiled-f16@bf16"...) and how it ran. */
  source?: string;
  mode?: OpSimResult['mode'];
}

export interface ModelOpPrediction {
  rows: OpPrediction[];
  /** Simulated ops no GPU op stands for (all-reduce, pipeline-stage transfers). */
  extra: OpSimResult[];
  /** The whole simulated step (seconds) = the rows' times + the extra ops' times. */
  timeS: number;
  perTokenMs: number;
}

const scale = (b: OpBreakdown, k: number): OpBreakdown => ({ compute: b.compute * k, memory: b.memory * k, launch: b.launch * k, collective: b.collective * k });

/**
 * Joins `r` (a simulateModel result of the same config) to the GPU op ids of one step. Layer ops
 * (ids "L<n>.<name>") get their simulated op's time over `layers` (all layers are identical).
 */
export function predictOps(r: ModelSimResult, layers: number, ids: readonly string[]): ModelOpPrediction {
  const byName = new Map<string, OpSimResult>();
  for (const o of r.ops) for (const n of o.covers ?? []) byName.set(n, o);
  const rows = ids.map((id): OpPrediction => {
    const m = /^L(\d+)\.(.+)$/.exec(id);
    const name = m ? m[2] : id;
    const o = byName.get(name);
    if (!o) return { id, timeS: null, breakdown: null };
    if (o.covers![0] !== name) return { id, timeS: 0, breakdown: scale(o.breakdown, 0), fusedInto: o.name, source: o.source, mode: o.mode };
    const k = m ? 1 / layers : 1;
    return { id, timeS: o.timeS * k, breakdown: scale(o.breakdown, k), source: o.source, mode: o.mode };
  });
  return { rows, extra: r.ops.filter((o) => !o.covers?.length), timeS: r.timeS, perTokenMs: r.perTokenMs };
}
