// The model inputs (tokens, context, batch, chips) that `simulateModel` accepts, read from the
// kernels' own parameter ranges: a decode step runs attention-decode with B = batch and
// L = context; a prefill runs attention-prefill with S = tokens and the projections with
// M = tokens × batch rows. The Tokens tab sets its inputs' ranges from these, so it never sends
// a configuration that fails deep inside a kernel's validation. test/unit/token-limits.test.ts
// holds them to what simulateModel really accepts (at the limit it runs, one past it throws).

import { KERNELS } from '../kernels/registry.ts';
import type { ModelInputLimits } from '../share/model-limits.ts';

function maxOf(kernel: string, param: string, fallback: number): number {
  const p = KERNELS.find((k) => k.name === kernel)?.params.find((x) => x.name === param);
  const allowed = p?.allowed as readonly [number, number] | undefined;
  return allowed && typeof allowed[1] === 'number' ? allowed[1] : fallback;
}

/** Upper bounds of the Tokens tab's inputs (lower bounds are 1). */
export function modelInputLimits(): ModelInputLimits {
  const rows = Math.min(maxOf('qkv', 'M', 65536), maxOf('matmul', 'M', 65536));
  return {
    decode: { batch: maxOf('attention-decode', 'B', 1024), context: maxOf('attention-decode', 'L', 1 << 20) },
    prefill: { tokens: Math.min(maxOf('attention-prefill', 'S', 1 << 16), rows), rows },
    chips: 4096,
  };
}
