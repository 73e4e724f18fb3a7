// Runs a kernel's plan once with instrumentation on and returns what each workgroup reported
// (bytes loaded/stored, start and finish order) beside what the plan predicts for it, so the
// chip tab can draw "measured vs predicted" on the same grid. Plain function: the worker facade
// forwards to it (api.runInstrumented), tests call it with a Node/Dawn GpuContext.

import { kernelByName } from '../kernels/registry.ts';
import { perTileBytes } from '../kernels/plan.ts';
import type { GpuContext } from '../gpu/context.ts';
import { runPlanOnce, type PassStats } from '../gpu/runner.ts';

export interface InstrumentedPass extends PassStats {
  /** Workgroup grid of the pass (x, y, z). */
  grid: [number, number, number];
  /** The plan's per-workgroup prediction, flat-indexed like the stats. */
  plannedLoadBytes: Float64Array;
  plannedStoreBytes: Float64Array;
  /** Workgroups whose measured load and store bytes equal the plan's. */
  matching: number;
}

export interface InstrumentedRun {
  kernel: string;
  variant: string;
  params: Record<string, number | boolean | string>;
  passes: InstrumentedPass[];
}

/** Validates params (KernelInputError on bad input), runs the plan instrumented, compares with the plan. */
export async function runInstrumented(
  ctx: GpuContext,
  kernel: string,
  variant: string,
  rawParams: Record<string, unknown>,
  seed = 1,
): Promise<InstrumentedRun> {
  const def = kernelByName(kernel);
  const params = def.validate(rawParams);
  const plan = def.plan(params, variant);
  const inputs = def.makeInputs(plan, seed);
  const { stats } = await runPlanOnce(ctx, plan, inputs, { instrument: true });
  const passes = (stats ?? []).map((s, i): InstrumentedPass => {
    const pass = plan.passes[i];
    const planned = perTileBytes(pass);
    let matching = 0;
    for (let w = 0; w < planned.load.length; w++) {
      if (s.loadBytes[w] === planned.load[w] && s.storeBytes[w] === planned.store[w]) matching++;
    }
    return { ...s, grid: [...pass.grid] as [number, number, number], plannedLoadBytes: planned.load, plannedStoreBytes: planned.store, matching };
  });
  return { kernel: plan.kernel, variant: plan.variant, params, passes };
}
