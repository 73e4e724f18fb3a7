// Host time of one decode step (no GPU): what GpuModel does on the CPU before it records a step's
// dispatches, for Llama-3-8B's and GPT-2 small's configs. Per step, as the decode loop (src/llm/generate.ts
// decodeStepGpu -> GpuModel.ops -> GpuModel.run -> compile) does it:
//   1. the step's op list at its position and sampling draw (GpuModel.ops);
//   2. each op's bound plan looked up (BoundOps, src/llm/bound-ops.ts, given the cache's Immutables as GpuModel
//      gives them; the values here are stand-ins made on first use, as bindPlan makes the real ones once per shape).
// Encoding the dispatches (runner.ts encodePass) needs a device and is not timed here.
// Consecutive positions from POS0, a greedy draw per step (drawStream, as generateGpu draws), after
// WARMUP untimed steps. Then ALLOC_STEPS more steps, untimed, measure the bytes each step allocates on the
// JS heap (process.memoryUsage().heapUsed after - before; a step during which a garbage collection ran is left
// out; median). `fresh` times the same two parts with forwardOps' list built from nothing each
// step (the list the loop must equal; the path before the decode loop kept its lowering).
// Budget: BUDGET_MS per step (median) for the loop, every config. The machine is shared: runs differ by
// up to 2x; ratios within one run are the trustworthy part.
// Usage: npm run bench:host-step -- [--steps N] [--json FILE --label NAME]  (node --import tsx bench/host-step.ts ...)
//   --json merges this run into FILE under runs[NAME] (bench/results/host-step.json: before / after).
// Exit 1 when a budget is missed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { summarize } from '../src/gpu/timing.ts';
import type { Immutables } from '../src/kernels/plan.ts';
import { BoundOps } from '../src/llm/bound-ops.ts';
import { drawStream } from '../src/llm/sample.ts';
import { modelPreset } from '../src/models/config.ts';
import { DecodeOpsCache, forwardOps, type ForwardOp, type StepShape } from '../src/models/forward.ts';

// the budget the lead set for this machine (the host-step brief, 2026-12-07): a decode step of a small model
// takes ~1 ms on a real GPU, so the host's part must stay well under it
const BUDGET_MS = 0.5;
// chosen (assumed, not derived): untimed steps for the JIT, and a position past the first attention split
const WARMUP = 50;
const POS0 = 100;
// chosen (assumed): steps whose allocation is measured, after the timed ones
const ALLOC_STEPS = 100;

const { values } = parseArgs({ options: { steps: { type: 'string', default: '400' }, json: { type: 'string' }, label: { type: 'string' } } });
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 10) throw new Error(`--steps ${values.steps}: give a whole number of at least 10`);
if ((values.json === undefined) !== (values.label === undefined)) throw new Error('--json and --label go together: --json FILE --label NAME');

/**
 * A decode step's shape as GpuModel.shape gives it for f32 weights on a device with the packed dot product (no
 * vocabulary split): a new object each step, its load-time tables the same (frozen) objects every step.
 */
const tables = Object.freeze({ q8Groups: Object.freeze({}), ggml: Object.freeze({}) });
const shape = (pos0: number, capacity: number, u: number): StepShape => ({
  phase: 'decode', M: 1, pos0, capacity, int8: false, int8Variant: 'dot4', ...tables, embedFormat: 'f32', topK: 1, temperature: 0, u,
});

interface Row { config: string; path: 'loop' | 'fresh'; ops: number; steps: number; medianMs: number; p10Ms: number; p90Ms: number; listMs: number; lookupMs: number; allocKB: number }

type Stub = { destroy(): void };
function timeSteps(config: string, path: Row['path'], capacity: number, list: (s: StepShape) => ForwardOp[], immutable?: Immutables): Row {
  const bound = new BoundOps<Stub>(immutable);
  const draw = drawStream(1);
  const total: number[] = [], lists: number[] = [], lookups: number[] = [];
  let n = 0;
  for (let i = 0; i < WARMUP + steps; i++) {
    const t0 = performance.now();
    const ops = list(shape(POS0 + i, capacity, draw()));
    const t1 = performance.now();
    for (const op of ops) if (!bound.get(op, false)) bound.set(op, false, { destroy() {} });
    const t2 = performance.now();
    n = ops.length;
    if (i < WARMUP) continue;
    total.push(t2 - t0);
    lists.push(t1 - t0);
    lookups.push(t2 - t1);
  }
  // bytes allocated per step: heapUsed grows by what a step allocates unless a collection ran meanwhile
  const bytes: number[] = [];
  for (let i = 0; i < ALLOC_STEPS; i++) {
    const h0 = process.memoryUsage().heapUsed;
    const ops = list(shape(POS0 + WARMUP + steps + i, capacity, draw()));
    for (const op of ops) if (!bound.get(op, false)) bound.set(op, false, { destroy() {} });
    const h1 = process.memoryUsage().heapUsed;
    if (h1 > h0) bytes.push(h1 - h0);
  }
  bytes.sort((a, b) => a - b);
  const allocKB = bytes.length > 0 ? Math.round(bytes[bytes.length >> 1] / 102.4) / 10 : NaN;
  const s = summarize(total);
  return { config, path, ops: n, steps, ...s, listMs: summarize(lists).medianMs, lookupMs: summarize(lookups).medianMs, allocKB };
}

const rows: Row[] = [];
// contexts: 4096 for Llama-3-8B (assumed, half its 8192 positions), GPT-2 small's whole 1024
for (const [id, capacity] of [['llama3-8b', 4096], ['gpt2-small', 1024]] as const) {
  const c = modelPreset(id);
  // the decode loop's path (GpuModel.ops: its DecodeOpsCache)
  const cache = new DecodeOpsCache();
  rows.push(timeSteps(id, 'loop', capacity, (s) => cache.ops(c, s), cache.immutable));
  rows.push(timeSteps(id, 'fresh', capacity, (s) => forwardOps(c, s)));
}

let failed = false;
const f = (x: number) => x.toFixed(3).padStart(7);
console.log(`host time per decode step (ms), ${steps} consecutive positions from ${POS0} after ${WARMUP} untimed; budget ${BUDGET_MS} ms (loop, median)`);
console.log('config       path   ops   median    p10     p90   | op list  lookups (medians) | KB allocated per step (median)');
for (const r of rows) {
  const over = r.path === 'loop' && r.medianMs > BUDGET_MS;
  failed ||= over;
  console.log(`${r.config.padEnd(12)} ${r.path.padEnd(5)} ${String(r.ops).padStart(4)} ${f(r.medianMs)} ${f(r.p10Ms)} ${f(r.p90Ms)} | ${f(r.listMs)} ${f(r.lookupMs)}          | ${r.allocKB.toFixed(1).padStart(7)}${over ? '  OVER BUDGET' : ''}`);
}
if (values.json) {
  const file = values.json;
  const doc = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { runs?: Record<string, unknown> }) : {};
  // the machine's load when the run ended (1-minute average over its CPUs): runs differ with it
  const machine = { cpus: cpus().length, loadavg1: Number(loadavg()[0].toFixed(2)) };
  const runs = { ...(doc.runs ?? {}), [values.label!]: { date: new Date().toISOString(), node: process.version, machine, budgetMs: BUDGET_MS, rows } };
  writeFileSync(file, JSON.stringify({ ...doc, runs }, null, 2) + '\n');
  console.log(`wrote ${file} (runs.${values.label})`);
}
process.exit(failed ? 1 : 0);
