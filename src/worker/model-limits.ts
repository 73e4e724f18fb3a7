// The model inputs (tokens, context, batch, chips) that `simulateModel` accepts, from the model
// layer's own limits (src/models: MAX_ROWS rows through a GEMM, in prefill tokens x batch, in decode one
// row per sequence; the decode attention runs a larger batch in groups of one kernel dispatch) and the
// kernels' ranges. The Tokens tab sets its inputs' ranges from these, so
// it explains a bad value at its field instead of sending it. test/unit/token-limits.test.ts holds
// them to what simulateModel really accepts (at the limit it runs, one past it throws).

import { KERNELS } from '../kernels/registry.ts';
import { MAX_ROWS } from '../models/index.ts';
import type { ModelInputLimits } from '../share/model-limits.ts';

function maxOf(kernel: string, param: string, fallback: number): number {
  const p = KERNELS.find((k) => k.name === kernel)?.params.find((x) => x.name === param);
  const allowed = p?.allowed as readonly [number, number] | undefined;
  return allowed && typeof allowed[1] === 'number' ? allowed[1] : fallback;
}

/** Upper bounds of the Tokens tab's inputs (lower bounds are 1). */
export function modelInputLimits(): ModelInputLimits {
  const context = maxOf('attention-decode', 'L', 1 << 20);
  return {
    decode: { batch: MAX_ROWS, context },
    prefill: { tokens: Math.min(maxOf('attention-prefill', 'S', MAX_ROWS), MAX_ROWS), rows: MAX_ROWS, context },
    chips: 4096,
  };
}
