// All-reduce time over the scale-out fabric, by the chip's collective algorithm (CollectiveConfig in
// src/chip/types.ts; the algorithms' step counts follow NVIDIA NCCL's ring and tree and TensorRT-LLM's
// one-shot custom all-reduce; presets.ts cites each preset's numbers).

import type { ChipConfig, CollectiveConfig } from '../chip/types.ts';

export interface AllReduceCost {
  timeS: number;
  /** Bytes each chip sends over its links. */
  bytesPerChip: number;
  steps: number;
  /** The algorithm that ran (CollectiveConfig.large switches it for large messages). */
  algorithm: CollectiveConfig['algorithm'];
}

/** The message size above which `large.algorithm` runs over P chips (`large.fewChips` when P is within its `upTo`). */
export function largeAbove(c: CollectiveConfig, P: number): number {
  const l = c.large;
  if (!l) return Infinity;
  return l.fewChips && P <= l.fewChips.upTo ? l.fewChips.aboveBytes : l.aboveBytes;
}

/** The algorithm an all-reduce of `bytes` over P chips runs: `large.algorithm` above its threshold, else the configured one. */
function algorithmFor(c: CollectiveConfig, P: number, bytes: number): CollectiveConfig['algorithm'] {
  return c.large && bytes > largeAbove(c, P) ? c.large.algorithm : c.algorithm;
}

/** One all-reduce of `bytes` over P chips. */
export function allReduceTime(s: ChipConfig['scaleOut'], P: number, bytes: number): AllReduceCost {
  if (P <= 1) return { timeS: 0, bytesPerChip: 0, steps: 0, algorithm: s.collective.algorithm };
  const c = s.collective;
  const step = s.linkLatencyS + c.stepLatencyS;
  const algorithm = algorithmFor(c, P, bytes);
  let steps: number, bytesPerChip: number;
  if (algorithm === 'ring') {
    // reduce-scatter then all-gather: 2(P-1) steps of n/P each
    steps = 2 * (P - 1);
    bytesPerChip = (2 * (P - 1) / P) * bytes;
  } else if (algorithm === 'tree') {
    // reduce up a binary tree, broadcast down; pipelined chunks: each chip sends the message about twice
    steps = 2 * Math.ceil(Math.log2(P));
    bytesPerChip = 2 * bytes;
  } else {
    // one-shot: write the whole buffer to every peer, barrier, reduce locally
    steps = 2;
    bytesPerChip = (P - 1) * bytes;
  }
  return { timeS: c.launchS + steps * step + bytesPerChip / s.linkBytesPerS, bytesPerChip, steps, algorithm };
}
