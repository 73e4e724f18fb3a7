// Speed of the chip model (issue 3 targets, Node on this machine):
//   Llama-3-8B layer prefill 2048 on 16x16 <= 100 ms; Llama-3-70B layer on 32x32 <= 1 s;
//   a whole 8B decode token (all layers) <= 50 ms; memory <= 200 MB.
// Run: node --import tsx bench/chip-sim.ts   (prints a table; median of 5 runs after one warm-up)

import { chipPreset, simulatePlan, validateChipConfig, type ChipConfig } from '../src/chip/index.ts';
import { modelPreset, simulateModel } from '../src/models/index.ts';
import { gemmOp } from '../src/models/plans.ts';

function grid(id: string, rows: number, cols: number): ChipConfig {
  const c = structuredClone(chipPreset(id).config);
  c.grid = { rows, cols };
  return validateChipConfig(c);
}

function time(fn: () => unknown, runs = 5): { medianMs: number; minMs: number } {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { medianMs: t[Math.floor(runs / 2)], minMs: t[0] };
}

const rows: Array<{ case: string; targetMs: number; medianMs: number; minMs: number; note: string }> = [];
const j16 = grid('jalapeno', 16, 16);
const j32 = grid('jalapeno', 32, 32);
const l8 = modelPreset('llama3-8b'), l70 = modelPreset('llama3-70b');

// simulateModel simulates one layer's ops once and multiplies by the layer count (layers are
// identical), plus the LM head: its cost is the cost of simulating one layer.
let r = time(() => simulateModel(j16, l8, { phase: 'prefill', tokens: 2048, batch: 1, chips: 1 }));
rows.push({ case: 'llama3-8b layer, prefill 2048, 16x16', targetMs: 100, ...r, note: 'all ops of a layer + LM head' });
r = time(() => simulateModel(j32, l70, { phase: 'prefill', tokens: 2048, batch: 1, chips: 1 }), 3);
rows.push({ case: 'llama3-70b layer, prefill 2048, 32x32', targetMs: 1000, ...r, note: 'all ops of a layer + LM head' });
r = time(() => simulateModel(j16, l8, { phase: 'decode', context: 4096, batch: 1 }));
rows.push({ case: 'llama3-8b decode token (32 layers), ctx 4096, 16x16', targetMs: 50, ...r, note: 'whole token' });
r = time(() => simulateModel(chipPreset('h100').config, l8, { phase: 'decode', context: 4096, batch: 1 }));
rows.push({ case: 'llama3-8b decode token on h100 preset (12x11)', targetMs: 50, ...r, note: 'whole token' });
const big = gemmOp('gate+up', 2048, 2 * 14336, 4096, 256, 'bf16').plan;
r = time(() => simulatePlan(j16, big, { maxTraceEvents: 200_000 }), 3);
rows.push({ case: 'gate+up GEMM 2048x28672x4096 with a 200k-event trace', targetMs: 100, ...r, note: 'trace for the UI' });

const mem = process.memoryUsage();
console.log('case'.padEnd(56), 'median ms'.padStart(10), 'min ms'.padStart(8), 'target'.padStart(8), ' ok');
for (const x of rows) {
  console.log(x.case.padEnd(56), x.medianMs.toFixed(1).padStart(10), x.minMs.toFixed(1).padStart(8), String(x.targetMs).padStart(8), x.medianMs <= x.targetMs ? ' yes' : ' NO');
}
console.log(`memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MB (target <= 200 MB)`);
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
