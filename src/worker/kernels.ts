// The worker's kernel service: the registry's kernels as plain data, parameter checks, and the GPU runs
// (a checked, timed bench run; one instrumented run), each behind the GPU session's one needs-a-GPU guard.

import { transfer } from 'comlink';
import { KERNELS, kernelByName, shapeVariant } from '../kernels/registry.ts';
import { KernelInputError, type ParamDoc } from '../kernels/kernel.ts';
import type { Plan } from '../kernels/plan.ts';
import { ShaderCompileError, type CompileMessage } from '../gpu/runner.ts';
import { checkPlan, type CheckPhase } from '../gpu/check.ts';
import { describeDevice, type DeviceReport } from '../gpu/context.ts';
import { deviceLostText, errorText, withGpu, type NoGpu } from './gpu-session.ts';
import { runInstrumented as instrumentedRun, type InstrumentedRun } from './instrumented.ts';
import { measuredViewTrace } from './chip-view.ts';
import type { RenderTrace } from './view-trace.ts';
import { buffersOf } from './chip-service.ts';

export interface KernelInfo {
  name: string;
  title: string;
  description: string;
  variants: string[];
  defaultVariant: string;
  baselineVariant: string;
  params: ParamDoc[];
}

export type Params = Record<string, number | boolean | string>;

export type CheckResult =
  | {
      status: 'ok';
      params: Params;
      shaders: string[];
      flops: number;
      ioBytes: number;
      tiles: number;
      /** Device features and WGSL language features the plan needs (e.g. shader-f16). */
      requiredFeatures: string[];
      requiredLanguageFeatures: string[];
    }
  | { status: 'invalid'; message: string };

export interface BenchRequest {
  kernel: string;
  variant: string;
  params: Record<string, unknown>;
  /** Edited WGSL by shader name; replaces the bundled source for this run. */
  wgsl?: Record<string, string>;
  samples?: number;
  seed?: number;
}

export interface BenchOk {
  status: 'ok';
  kernel: string;
  variant: string;
  params: Params;
  /** "M=64 N=64 K=64" style. */
  shape: string;
  dtype: string;
  samplesMs: number[];
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  gflops: number;
  gbps: number;
  maxAbsErr: number;
  ok: boolean;
  /** One line per output: matches or the first mismatches. */
  check: string[];
  timer: string;
  resolutionNs: number | null;
  quantized: boolean;
  timerNote: string;
  reps: number;
  device: DeviceReport;
  deviceName: string;
  edited: string[];
}

export type BenchResult =
  | BenchOk
  | { status: 'invalid'; message: string }
  | { status: 'compile-error'; shader: string; messages: CompileMessage[]; message: string }
  | { status: 'cancelled' }
  | NoGpu
  | { status: 'error'; message: string };

export type InstrumentedResult = { status: 'ok'; run: InstrumentedRun; view: RenderTrace } | NoGpu | { status: 'invalid' | 'error'; message: string };

export type Progress = (done: number, total: number, phase: string) => void;

class Cancelled extends Error {}

let runId = 0;
let cancelledRun = -1;

function kernelInfo(name: string): KernelInfo {
  const k = kernelByName(name);
  return { name: k.name, title: k.title, description: k.description, variants: [...k.variants], defaultVariant: k.defaultVariant, baselineVariant: k.baselineVariant, params: k.params.map((p) => ({ ...p, allowed: p.allowed ? [...p.allowed] : undefined }) as ParamDoc) };
}

export function listKernels(): KernelInfo[] {
  return KERNELS.map((k) => kernelInfo(k.name));
}

function buildPlan(kernel: string, variant: string, raw: Record<string, unknown>): { plan: Plan; params: Params } {
  const def = kernelByName(kernel);
  const params = def.validate(raw);
  return { plan: def.plan(params, variant), params };
}

function shapeText(p: Params): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function checkParams(kernel: string, variant: string, raw: Record<string, unknown>): CheckResult {
  try {
    const { plan, params } = buildPlan(kernel, variant, raw);
    const tiles = plan.passes.reduce((n, p) => n + p.grid[0] * p.grid[1] * p.grid[2], 0);
    return {
      status: 'ok',
      params,
      shaders: [...new Set(plan.passes.map((p) => p.shader))],
      flops: plan.flops,
      ioBytes: plan.ioBytes,
      tiles,
      requiredFeatures: [...plan.requiredFeatures],
      requiredLanguageFeatures: [...plan.requiredLanguageFeatures],
    };
  } catch (e) {
    return { status: 'invalid', message: errorText(e) };
  }
}

export function pickVariant(kernel: string, raw: Record<string, unknown>): string | null {
  try {
    return shapeVariant(kernel, raw);
  } catch {
    return null;
  }
}

/** Stops the bench run in progress at its next sample. */
export function cancelBench(): void {
  cancelledRun = runId;
}

export async function runBench(req: BenchRequest, onProgress?: Progress): Promise<BenchResult> {
  const id = ++runId;
  const check = () => {
    if (cancelledRun === id) throw new Cancelled();
  };
  let built: { plan: Plan; params: Params };
  try {
    built = buildPlan(req.kernel, req.variant, req.params);
  } catch (e) {
    return { status: 'invalid', message: errorText(e) };
  }
  const { plan, params } = built;
  const def = kernelByName(req.kernel);
  const shaders = new Set(plan.passes.map((p) => p.shader));
  const overrides = Object.fromEntries(Object.entries(req.wgsl ?? {}).filter(([k]) => shaders.has(k)));
  const samples = Math.max(3, Math.min(100, req.samples ?? 20));
  const phaseText: Record<CheckPhase, string> = { compiling: 'compiling', checking: 'checking against the CPU reference', timing: 'timing' };
  try {
    return await withGpu(async (ctx): Promise<BenchResult> => {
      const checked = await checkPlan(ctx, def, plan, {
        seed: req.seed ?? 1,
        shaderOverrides: overrides,
        onPhase: async (phase) => {
          if (phase !== 'compiling') check();
          await onProgress?.(0, 1, phaseText[phase]);
        },
        timing: {
          samples,
          warmup: 1,
          onProgress: (done, total) => {
            check();
            void onProgress?.(done, total, 'timing');
          },
        },
      });
      const timing = checked.timing!;
      const { ok, maxAbsErr, lines } = checked;
      const seconds = timing.medianMs / 1e3;
      const dtype = plan.tensors.find((t) => t.role === 'output')?.dtype ?? 'f32';
      return {
        status: 'ok',
        kernel: plan.kernel,
        variant: plan.variant,
        params,
        shape: shapeText(params),
        dtype,
        samplesMs: timing.samplesMs,
        medianMs: timing.medianMs,
        p10Ms: timing.p10Ms,
        p90Ms: timing.p90Ms,
        gflops: seconds > 0 ? plan.flops / seconds / 1e9 : 0,
        gbps: seconds > 0 ? plan.ioBytes / seconds / 1e9 : 0,
        maxAbsErr,
        ok,
        check: lines,
        timer: timing.timer,
        resolutionNs: timing.resolutionNs,
        quantized: timing.quantized,
        timerNote: timing.note,
        reps: timing.reps,
        device: ctx.report,
        deviceName: describeDevice(ctx.report),
        edited: Object.keys(overrides),
      };
    });
  } catch (e) {
    if (e instanceof Cancelled) return { status: 'cancelled' };
    if (e instanceof ShaderCompileError) return { status: 'compile-error', shader: e.shader, messages: e.messages, message: e.message };
    if (e instanceof KernelInputError) return { status: 'invalid', message: e.message };
    return { status: 'error', message: deviceLostText() ?? errorText(e) };
  }
}

/** One instrumented run beside its plan; typed arrays are transferred, not copied. */
export async function runInstrumented(kernel: string, variant: string, params: Record<string, unknown>): Promise<InstrumentedResult> {
  try {
    return await withGpu(async (ctx): Promise<InstrumentedResult> => {
      const run = await instrumentedRun(ctx, kernel, variant, params);
      const first = run.passes[0];
      const view = measuredViewTrace(first, first.grid);
      return transfer({ status: 'ok' as const, run, view }, [...buffersOf(run.passes), ...buffersOf(view)]);
    });
  } catch (e) {
    if (e instanceof KernelInputError) return { status: 'invalid', message: e.message };
    return { status: 'error', message: deviceLostText() ?? errorText(e) };
  }
}
