// Speed of the chip model (issue 3 targets, Node on this machine):
//   Llama-3-8B layer prefill 2048 on 16x16 <= 100 ms; Llama-3-70B layer on 32x32 <= 1 s;
//   a whole 8B decode token (all layers) <= 50 ms; memory <= 200 MB.
//
// Run: node --import tsx bench/chip-sim.ts [--json]
//
// Three figures per case, because V8 compiles the simulator while it runs and the compile
// threads share the CPU with it:
//   cold    the first call in a fresh process (median of 3 processes): what one
//           `npm run simulate` pays, JIT compilation included;
//   warm-up the median of the 5 calls after one warm-up call in this process (the cases run in
//           order, so later cases start with the earlier ones' compiled code): what the first
//           interactions in the UI's worker pay;
//   steady  the median of the calls after the warm-up runs (the JIT settled): what every later
//           re-simulation in the UI pays. The targets apply to it.
// A run with `--cold <i>` times case i's first call only and prints it (used by the cold column).

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chipPreset, simulatePlan, validateChipConfig, type ChipConfig } from '../src/chip/index.ts';
import { modelPreset, simulateModel } from '../src/models/index.ts';
import { gemmOp } from '../src/models/plans.ts';
import { summarize } from '../src/gpu/timing.ts';

function grid(id: string, rows: number, cols: number): ChipConfig {
  const c = structuredClone(chipPreset(id).config);
  c.grid = { rows, cols };
  return validateChipConfig(c);
}

interface Case { name: string; targetMs: number; note: string; run: () => unknown; warmups: number; runs: number }

function cases(): Case[] {
  const j16 = grid('jalapeno', 16, 16);
  const j32 = grid('jalapeno', 32, 32);
  const h100 = chipPreset('h100').config;
  const l8 = modelPreset('llama3-8b'), l70 = modelPreset('llama3-70b');
  const big = gemmOp('gate+up', 2048, 2 * 14336, 4096, 256, 'bf16').plan;
  // simulateModel simulates one layer's ops once and multiplies by the layer count (layers are
  // identical), plus the LM head: its cost is the cost of simulating one layer.
  return [
    { name: 'llama3-8b layer, prefill 2048, 16x16', targetMs: 100, note: 'all ops of a layer + LM head', warmups: 20, runs: 9, run: () => simulateModel(j16, l8, { phase: 'prefill', tokens: 2048, batch: 1, chips: 1 }) },
    { name: 'llama3-70b layer, prefill 2048, 32x32', targetMs: 1000, note: 'all ops of a layer + LM head', warmups: 15, runs: 7, run: () => simulateModel(j32, l70, { phase: 'prefill', tokens: 2048, batch: 1, chips: 1 }) },
    { name: 'llama3-8b decode token (32 layers), ctx 4096, 16x16', targetMs: 50, note: 'whole token', warmups: 40, runs: 15, run: () => simulateModel(j16, l8, { phase: 'decode', context: 4096, batch: 1 }) },
    { name: 'llama3-8b decode token on h100 preset (12x11)', targetMs: 50, note: 'whole token', warmups: 40, runs: 15, run: () => simulateModel(h100, l8, { phase: 'decode', context: 4096, batch: 1 }) },
    { name: 'gate+up GEMM 2048x28672x4096 with a 200k-event trace', targetMs: 100, note: 'trace for the UI', warmups: 15, runs: 7, run: () => simulatePlan(j16, big, { maxTraceEvents: 200_000 }) },
  ];
}

function timeOnce(fn: () => unknown): number {
  const s = performance.now();
  fn();
  return performance.now() - s;
}

const median = (xs: number[]): number => summarize(xs).medianMs;

const argv = process.argv.slice(2);
const coldAt = argv.indexOf('--cold');
if (coldAt >= 0) {
  const list = cases();
  const i = Number(argv[coldAt + 1]);
  if (!Number.isInteger(i) || i < 0 || i >= list.length) {
    console.error(`--cold takes a case index 0-${list.length - 1}, got '${argv[coldAt + 1] ?? ''}'`);
    process.exit(2);
  }
  console.log(timeOnce(list[i].run).toFixed(2));
} else {
  const self = fileURLToPath(import.meta.url);
  const list = cases();
  const rows = list.map((c, i) => {
    const cold = median([0, 1, 2].map(() => Number(execFileSync(process.execPath, ['--import', 'tsx', self, '--cold', String(i)], { encoding: 'utf8' }).trim())));
    c.run();
    const warm = Array.from({ length: 5 }, () => timeOnce(c.run));
    for (let k = warm.length; k < c.warmups; k++) c.run();
    const steady = Array.from({ length: c.runs }, () => timeOnce(c.run));
    return { case: c.name, targetMs: c.targetMs, coldMs: cold, warmupMs: median(warm), steadyMs: median(steady), steadyMinMs: Math.min(...steady), note: c.note };
  });
  const mem = process.memoryUsage();
  const env = { node: process.version, platform: `${process.platform}/${process.arch}`, rssMB: Math.round(mem.rss / 2 ** 20), heapUsedMB: Math.round(mem.heapUsed / 2 ** 20) };
  if (argv.includes('--json')) {
    console.log(JSON.stringify({ rows, ...env }, null, 2));
  } else {
    console.log('case'.padEnd(56), 'cold ms'.padStart(8), 'warm-up'.padStart(8), 'steady'.padStart(8), 'min'.padStart(6), 'target'.padStart(7), ' ok');
    for (const x of rows) {
      console.log(x.case.padEnd(56), x.coldMs.toFixed(1).padStart(8), x.warmupMs.toFixed(1).padStart(8), x.steadyMs.toFixed(1).padStart(8), x.steadyMinMs.toFixed(1).padStart(6),
        String(x.targetMs).padStart(7), x.steadyMs <= x.targetMs ? ' yes' : ' NO');
    }
    console.log('cold: first call in a fresh process (median of 3); warm-up: median of the 5 calls after one; steady: median after the JIT settled (the targets apply to it)');
    console.log(`memory: rss ${env.rssMB} MB, heap used ${env.heapUsedMB} MB (target <= 200 MB)`);
    console.log(`node ${env.node}, ${env.platform}`);
  }
}
