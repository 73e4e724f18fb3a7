// The one check pipeline: run a plan on the GPU, read its outputs back, compare them with the
// kernel's CPU reference (decoded by dtype, scale-aware tolerance: src/kernels/compare.ts) and,
// when asked, time it on the same buffers. The worker (playground), the bench, the GPU tests and
// the kernel CLI all call checkPlan, so "ok" means the same thing in each.

import type { GpuContext } from './context.ts';
import { preparePlan, type PassStats, type PrepareOptions, type PreparedPlan } from './runner.ts';
import { timePlan, type Timing, type TimingOptions } from './timing.ts';
import { compareOutputs, type OutputsCheck } from '../kernels/compare.ts';
import type { KernelDef, Tensors } from '../kernels/kernel.ts';
import type { Plan } from '../kernels/plan.ts';

export type CheckPhase = 'compiling' | 'checking' | 'timing';

export interface CheckOptions extends PrepareOptions {
  /** The kernel's input buffers; default def.makeInputs(plan, seed). */
  inputs?: Tensors;
  /** Seed for makeInputs (default 1). */
  seed?: number;
  /** Times the plan after the check (nothing is read back inside the timed loop). */
  timing?: TimingOptions;
  /**
   * Called as each phase starts (may be async, may throw to cancel: the worker's cancel button).
   * 'compiling' precedes pipeline creation, 'checking' the checked run, 'timing' the timed runs.
   */
  onPhase?: (phase: CheckPhase) => void | Promise<void>;
}

export interface CheckReport extends OutputsCheck {
  plan: Plan;
  inputs: Tensors;
  /** The kernel's outputs as read back (raw buffers: f16 as bits, i8x4 packed). */
  outputs: Tensors;
  /** The CPU reference's outputs. */
  reference: Tensors;
  /** Wall time of pipeline creation + upload (ms). */
  prepareMs: number;
  /** Wall time of the checked run, submit to onSubmittedWorkDone (ms; includes no readback). */
  runMs: number;
  /** Per-pass workgroup stats when prepared with { instrument: true }. */
  stats?: PassStats[];
  timing?: Timing;
}

const now = () => (globalThis.performance ?? Date).now();

/** Runs `plan`, checks every output against the reference, optionally times it; always frees its buffers. */
export async function checkPlan(ctx: GpuContext, def: KernelDef, plan: Plan, opts: CheckOptions = {}): Promise<CheckReport> {
  const inputs = opts.inputs ?? def.makeInputs(plan, opts.seed ?? 1);
  await opts.onPhase?.('compiling');
  const t0 = now();
  let prepared: PreparedPlan | null = null;
  try {
    prepared = await preparePlan(ctx, plan, inputs, opts);
    const prepareMs = now() - t0;
    await opts.onPhase?.('checking');
    const t1 = now();
    await prepared.run();
    const runMs = now() - t1;
    const got = await prepared.readOutputs();
    const stats = opts.instrument ? await prepared.readStats() : undefined;
    const reference = def.reference(plan, inputs);
    const checked = compareOutputs(def, plan, inputs, got, reference);
    let timing: Timing | undefined;
    if (opts.timing) {
      await opts.onPhase?.('timing');
      timing = await timePlan(ctx, prepared, opts.timing);
    }
    return { ...checked, outputs: got, plan, inputs, reference, prepareMs, runMs, stats, timing };
  } finally {
    prepared?.destroy();
  }
}
