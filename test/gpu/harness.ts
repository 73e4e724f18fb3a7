// Shared helpers for GPU kernel tests: one Dawn device per worker, plan -> run -> compare.
import { expect } from 'vitest';
import { nodeGpuContext } from '../../src/gpu/node.ts';
import type { GpuContext } from '../../src/gpu/context.ts';
import { runPlanOnce, type PassStats } from '../../src/gpu/runner.ts';
import { checkPlan } from '../../src/gpu/check.ts';
import type { KernelDef, Tensors, Tolerance } from '../../src/kernels/kernel.ts';
import { perTileBytes, type Plan } from '../../src/kernels/plan.ts';
import { compareArrays } from '../../src/kernels/compare.ts';
import type { GpuModel } from '../../src/llm/gpu-model.ts';
import type { CpuModel } from '../../src/llm/reference.ts';
import { decodeStepGpu, prefillGpu } from '../../src/llm/generate.ts';

export async function gpu(): Promise<GpuContext> {
  const err = process.env.JALAPENO_GPU_ENV_ERROR;
  if (err) throw new Error(`GPU tests cannot run: ${err}`);
  return nodeGpuContext();
}

/** Runs `plan` on the GPU with seeded inputs and asserts every output matches the CPU reference (src/gpu/check.ts). */
export async function expectMatchesReference(def: KernelDef, plan: Plan, seed = 1, inputs?: Tensors): Promise<{ outputs: Tensors; stats?: PassStats[] }> {
  const ctx = await gpu();
  const res = await checkPlan(ctx, def, plan, { seed, inputs });
  for (const c of res.comparisons) expect(c.ok, `${plan.kernel}/${plan.variant} ${JSON.stringify(plan.params)}: ${c.summary}`).toBe(true);
  return { outputs: res.outputs, stats: res.stats };
}

/** Runs the instrumented kernel and asserts per-workgroup bytes equal the plan's, and orders are permutations. */
export async function expectTrafficMatchesPlan(def: KernelDef, plan: Plan, seed = 1): Promise<PassStats[]> {
  const ctx = await gpu();
  const ins = def.makeInputs(plan, seed);
  const res = await runPlanOnce(ctx, plan, ins, { instrument: true });
  const stats = res.stats!;
  plan.passes.forEach((pass, i) => {
    const want = perTileBytes(pass);
    const got = stats[i];
    const label = `${plan.kernel}/${plan.variant} ${pass.label} ${JSON.stringify(plan.params)}`;
    const badLoad = firstDiff(got.loadBytes, want.load);
    expect(badLoad, `${label}: loaded bytes of workgroup ${badLoad}: got ${got.loadBytes[badLoad]}, plan ${want.load[badLoad]}`).toBe(-1);
    const badStore = firstDiff(got.storeBytes, want.store);
    expect(badStore, `${label}: stored bytes of workgroup ${badStore}: got ${got.storeBytes[badStore]}, plan ${want.store[badStore]}`).toBe(-1);
    const n = got.startOrder.length;
    expect(isPermutation(got.startOrder), `${label}: start order is not a permutation of 0..${n - 1}`).toBe(true);
    expect(isPermutation(got.finishOrder), `${label}: finish order is not a permutation of 0..${n - 1}`).toBe(true);
  });
  return stats;
}

function firstDiff(got: Uint32Array, want: Float64Array): number {
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}

function isPermutation(a: Uint32Array): boolean {
  const seen = new Uint8Array(a.length);
  for (const v of a) {
    if (v >= a.length || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

/** Asserts each op's instrumented per-workgroup bytes (GpuModel.runInstrumented) equal its plan's, pass by pass. */
export function expectOpsTrafficMatchPlans(ops: ReadonlyArray<{ id: string; plan: Plan }>, stats: PassStats[][]): void {
  ops.forEach((op, i) => op.plan.passes.forEach((p, j) => {
    const want = perTileBytes(p);
    const got = stats[i][j];
    const bad = want.load.findIndex((v, w) => v !== got.loadBytes[w] || want.store[w] !== got.storeBytes[w]);
    expect(bad, `${op.id} pass ${p.label}: workgroup ${bad} loaded ${got.loadBytes[bad]} (plan ${want.load[bad]}), stored ${got.storeBytes[bad]} (plan ${want.store[bad]})`).toBe(-1);
  }));
}

/** Greedy sampling for the model tests (temperature 0, one candidate). */
export const GREEDY = { temperature: 0, topK: 1, seed: 1 };

/**
 * Prefill `prompt` on the GPU model and the CPU reference, then `steps` greedy decode steps, each fed the GPU's
 * sampled token: the logits agree within `tol` after the prefill and after every step.
 */
export async function expectLogitsFollowCpu(model: GpuModel, cpu: CpuModel, prompt: number[], steps: number, tol: Tolerance): Promise<void> {
  let tok = await prefillGpu(model, prompt, GREEDY, 0);
  let want = cpu.forward(prompt);
  for (let step = 0; ; step++) {
    const cmp = compareArrays(`logits after ${step} decode steps`, await model.logits(), want, tol, [want.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
    if (step === steps) return;
    const input = tok;
    tok = await decodeStepGpu(model, input, GREEDY, 0);
    want = cpu.forward([input]);
  }
}
