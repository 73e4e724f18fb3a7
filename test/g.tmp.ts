import { chipPreset, simulatePlan, validateChipConfig } from '../src/chip/index.ts';
import { matmul } from '../src/kernels/matmul.ts';
const plan = matmul.plan(matmul.validate({ M: 300, N: 200, K: 700, BM: 32, BN: 32, TM: 4, TN: 4 }), 'tiled-f16');
for (const [R, C] of [[4, 4], [4, 5]]) {
  const c = structuredClone(chipPreset('jalapeno').config); c.grid = { rows: R, cols: C };
  const r = simulatePlan(validateChipConfig(c), plan, { maxTraceEvents: 0, timing: 'analytic' });
  console.log(R, C, r.cycles, r.bound, r.passes[0].waves, r.bytes.hbmRead, r.notes);
}
