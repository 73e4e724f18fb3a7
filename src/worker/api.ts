// The worker's Comlink facade: the only thing the UI calls. Kernels run here on WebGPU (in a
// dedicated worker, so the main thread never blocks), and the chip model runs here too.
// Results are plain data; errors that the UI shows in place (bad parameters, shader compile
// errors, cancellation) come back as `{ status: ... }` values, because Comlink carries only the
// message of a thrown Error.

import { expose, transfer } from 'comlink';
import { KERNELS, kernelByName, shapeVariant } from '../kernels/registry.ts';
import { KernelInputError, type ParamDoc } from '../kernels/kernel.ts';
import type { Plan } from '../kernels/plan.ts';
import { ShaderCompileError, type CompileMessage } from '../gpu/runner.ts';
import { checkPlan, type CheckPhase } from '../gpu/check.ts';
import { describeDevice, GpuUnavailableError, type DeviceReport, type GpuContext } from '../gpu/context.ts';
import { browserGpuContext, SHADERS, webgpuMissingReason } from '../gpu/browser.ts';
import { runInstrumented, type InstrumentedRun } from './instrumented.ts';
import { modelInputLimits } from './model-limits.ts';
import type { ModelInputLimits } from '../share/model-limits.ts';
import { chipViewTrace, measuredViewTrace } from './chip-view.ts';
import type { RenderTrace } from './view-trace.ts';
import type { Mesh } from '../chip/mesh.ts';
import type { ChipConfig, ChipPreset, Dataflow, SimResult } from '../chip/types.ts';
import type { ChipOverride } from '../chip/config.ts';
import type { ModelSimResult } from '../models/types.ts';
import type { ModelConfig, ModelSimOptions, ModelOpPrediction } from '../models/index.ts';
import type { KernelCost, KernelCostMode, KernelCostRequest } from '../models/kernel-cost.ts';
import { cancelLlm, generateLlm, isUserError, llmPredictionInput, loadLlm, profileLlm, unloadLlm, type LlmEvent, type LlmGenerateRequest, type LlmInfo, type LlmProfile, type LlmRun } from './llm.ts';

// ---- kernels ------------------------------------------------------------------------------------

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
  | { status: 'no-gpu'; message: string }
  | { status: 'error'; message: string };

export type GpuStatus =
  | { available: true; device: DeviceReport; deviceName: string }
  | { available: false; reason: string; howTo: string; lost?: boolean };

export type Progress = (done: number, total: number, phase: string) => void;

class Cancelled extends Error {}

let ctxPromise: Promise<GpuContext> | null = null;
let lostInfo: string | null = null;
const lostListeners = new Set<(message: string) => void>();
let runId = 0;
let cancelledRun = -1;

function gpuContext(): Promise<GpuContext> {
  if (!ctxPromise) {
    ctxPromise = browserGpuContext().then((ctx) => {
      ctx.device.lost.then((info) => {
        ctxPromise = null;
        lostInfo = `The GPU device was lost (${info.reason || 'unknown'}${info.message ? `: ${info.message}` : ''}).`;
        for (const l of lostListeners) l(lostInfo);
      });
      lostInfo = null;
      return ctx;
    });
    ctxPromise.catch(() => {
      ctxPromise = null;
    });
  }
  return ctxPromise;
}

function kernelInfo(name: string): KernelInfo {
  const k = kernelByName(name);
  return { name: k.name, title: k.title, description: k.description, variants: [...k.variants], defaultVariant: k.defaultVariant, baselineVariant: k.baselineVariant, params: k.params.map((p) => ({ ...p, allowed: p.allowed ? [...p.allowed] : undefined }) as ParamDoc) };
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

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- chip model (src/chip, loaded when present) -------------------------------------------------

interface ChipModule {
  CHIP_PRESETS: readonly ChipPreset[];
  chipPreset(id: string): ChipPreset;
  validateChipConfig(raw: unknown): ChipConfig;
  resolveChip(base: ChipConfig, o: ChipOverride | undefined): ChipConfig;
  simulatePlan(chip: ChipConfig, plan: Plan, opts?: { dataflow?: Dataflow; maxTraceEvents?: number; timing?: 'event' | 'analytic' }): SimResult;
  buildMesh(chip: ChipConfig): Mesh;
  MODEL_PRESETS: ReadonlyArray<{ id: string; label?: string; name?: string }>;
  modelPreset(id: string): unknown;
  simulateModel(chip: ChipConfig, model: unknown, opts: ModelSimOptions): ModelSimResult;
  simulateKernel(chip: ChipConfig, kernel: string, variant: string, raw: Record<string, unknown>, req: KernelCostRequest): KernelCost;
  predictOps(r: ModelSimResult, layers: number, ids: readonly string[]): ModelOpPrediction;
}

const chipModules = import.meta.glob(['../chip/index.ts', '../models/index.ts', '../models/kernel-cost.ts']) as Record<string, () => Promise<unknown>>;

/** The chip model and the models on top of it (src/models: presets, simulateModel), loaded together. */
async function chipModule(): Promise<ChipModule> {
  const load = chipModules['../chip/index.ts'], loadModels = chipModules['../models/index.ts'], loadCost = chipModules['../models/kernel-cost.ts'];
  if (!load || !loadModels || !loadCost) throw new Error('the chip model (src/chip/index.ts, src/models/index.ts) is not part of this build yet');
  const [chip, models, cost] = await Promise.all([load(), loadModels(), loadCost()]);
  return { ...(chip as object), ...(models as object), ...(cost as object) } as ChipModule;
}

/** A preset id, a preset with grid/array overrides, or a whole ChipConfig. */
export type ChipChoice = string | ({ preset: string } & ChipOverride) | ChipConfig;

async function resolveChip(choice: ChipChoice): Promise<ChipConfig> {
  const m = await chipModule();
  if (typeof choice === 'string') return m.chipPreset(choice).config;
  if ('preset' in choice) {
    // the one preset + overrides resolution the CLI uses too (src/chip/config.ts)
    return m.resolveChip(m.chipPreset(choice.preset).config, choice);
  }
  return m.validateChipConfig(choice);
}

/** A kernel view's request: a model preset by id (the worker resolves it). */
export interface KernelViewRequest {
  as: KernelCostMode;
  beside?: { model: string; opts: ModelSimOptions };
  dataflow?: Dataflow;
  maxTraceEvents?: number;
  timing?: 'event' | 'analytic';
  withDeployed?: boolean;
}

function kernelRequest(m: ChipModule, r: KernelViewRequest): KernelCostRequest {
  return { ...r, beside: r.beside && { model: m.modelPreset(r.beside.model) as ModelConfig, opts: r.beside.opts } };
}

/** Collects the ArrayBuffers under a result so Comlink moves them instead of copying. */
function buffersOf(x: unknown, out = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (depth > 4 || x === null || typeof x !== 'object') return [...out];
  if (ArrayBuffer.isView(x)) {
    if (x.buffer instanceof ArrayBuffer) out.add(x.buffer);
  } else {
    for (const v of Object.values(x)) buffersOf(v, out, depth + 1);
  }
  return [...out];
}

/** Loads the chip model, resolves the chip choice and runs `run`; errors become outcomes, never throws. */
async function withChip<T>(chip: ChipChoice, run: (m: ChipModule, cfg: ChipConfig) => T): Promise<SimOutcome<T>> {
  let m: ChipModule;
  try {
    m = await chipModule();
  } catch (e) {
    return { status: 'unavailable', message: errorText(e) };
  }
  try {
    return { status: 'ok', result: run(m, await resolveChip(chip)) };
  } catch (e) {
    return { status: 'invalid', message: errorText(e) };
  }
}

export type SimOutcome<T> = { status: 'ok'; result: T } | { status: 'invalid'; message: string } | { status: 'unavailable'; message: string };

// ---- the facade ---------------------------------------------------------------------------------

export const api = {
  /** Every kernel in the registry, with its variants and parameter docs. */
  listKernels(): KernelInfo[] {
    return KERNELS.map((k) => kernelInfo(k.name));
  },

  /** Validates parameters for (kernel, variant); on success the full params and the shaders used. */
  checkParams(kernel: string, variant: string, raw: Record<string, unknown>): CheckResult {
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
  },

  /**
   * The variant the kernel's shape rule runs for these params when none is chosen (KernelDef.pickVariant
   * via shapeVariant: e.g. gemv for one token); null when the kernel or the params are invalid.
   */
  pickVariant(kernel: string, raw: Record<string, unknown>): string | null {
    try {
      return shapeVariant(kernel, raw);
    } catch {
      return null;
    }
  },

  /** The bundled WGSL source of a shader (file name without extension). */
  shaderSource(name: string): string | null {
    return SHADERS[name] ?? null;
  },

  /** Names of all bundled shaders. */
  shaderNames(): string[] {
    return Object.keys(SHADERS).sort();
  },

  /** Whether GPU runs are possible here; when not, why and how to enable them. */
  async gpuStatus(): Promise<GpuStatus> {
    const missing = webgpuMissingReason();
    if (missing) return { available: false, ...missing };
    try {
      const ctx = await gpuContext();
      return { available: true, device: ctx.report, deviceName: describeDevice(ctx.report) };
    } catch (e) {
      return {
        available: false,
        reason: errorText(e),
        howTo: 'Check chrome://gpu (is WebGPU "Hardware accelerated"?), update the GPU driver, or enable chrome://flags/#enable-unsafe-webgpu. A blocklisted GPU can be forced with #ignore-gpu-blocklist.',
        lost: lostInfo !== null,
      };
    }
  },

  /** Calls `listener(message)` when the device is lost; the next run re-creates it. */
  onDeviceLost(listener: (message: string) => void): void {
    lostListeners.add(listener);
  },

  /** Drops the current device (if any) and creates a fresh one. */
  async resetGpu(): Promise<GpuStatus> {
    const old = ctxPromise;
    ctxPromise = null;
    if (old) old.then((c) => c.device.destroy()).catch(() => {});
    return api.gpuStatus();
  },

  /** Test hook: destroys the device as a driver reset would, to exercise recovery. */
  async loseDeviceForTesting(): Promise<void> {
    const ctx = await gpuContext();
    ctx.device.destroy();
  },

  /** Stops the run in progress at its next sample. */
  cancel(): void {
    cancelledRun = runId;
  },

  /**
   * Validates, compiles (with edited WGSL when given), checks the output against the CPU
   * reference, then times the kernel. `onProgress` is a Comlink.proxy callback.
   */
  async runBench(req: BenchRequest, onProgress?: Progress): Promise<BenchResult> {
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
    const missing = webgpuMissingReason();
    if (missing) return { status: 'no-gpu', message: `${missing.reason} ${missing.howTo}` };
    let ctx: GpuContext;
    try {
      ctx = await gpuContext();
    } catch (e) {
      return { status: 'no-gpu', message: errorText(e) };
    }
    const def = kernelByName(req.kernel);
    const shaders = new Set(plan.passes.map((p) => p.shader));
    const overrides = Object.fromEntries(Object.entries(req.wgsl ?? {}).filter(([k]) => shaders.has(k)));
    const samples = Math.max(3, Math.min(100, req.samples ?? 20));
    const phaseText: Record<CheckPhase, string> = { compiling: 'compiling', checking: 'checking against the CPU reference', timing: 'timing' };
    try {
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
    } catch (e) {
      if (e instanceof Cancelled) return { status: 'cancelled' };
      if (e instanceof ShaderCompileError) return { status: 'compile-error', shader: e.shader, messages: e.messages, message: e.message };
      if (e instanceof KernelInputError) return { status: 'invalid', message: e.message };
      if (e instanceof GpuUnavailableError) return { status: 'no-gpu', message: e.message };
      return { status: 'error', message: lostInfo ?? errorText(e) };
    }
  },

  /**
   * One instrumented run: per-workgroup bytes and start/finish order beside the plan's prediction
   * (the chip tab's "measured vs predicted"). Typed arrays are transferred, not copied.
   */
  async runInstrumented(kernel: string, variant: string, params: Record<string, unknown>): Promise<{ status: 'ok'; run: InstrumentedRun; view: RenderTrace } | { status: 'no-gpu' | 'invalid' | 'error'; message: string }> {
    const missing = webgpuMissingReason();
    if (missing) return { status: 'no-gpu', message: `${missing.reason} ${missing.howTo}` };
    let ctx: GpuContext;
    try {
      ctx = await gpuContext();
    } catch (e) {
      return { status: 'no-gpu', message: errorText(e) };
    }
    try {
      const run = await runInstrumented(ctx, kernel, variant, params);
      const first = run.passes[0];
      const view = measuredViewTrace(first, first.grid);
      return transfer({ status: 'ok' as const, run, view }, [...buffersOf(run.passes), ...buffersOf(view)]);
    } catch (e) {
      if (e instanceof KernelInputError) return { status: 'invalid', message: e.message };
      return { status: 'error', message: lostInfo ?? errorText(e) };
    }
  },

  // ---- chip model ----

  /** Chip presets (id, label, description, config...); empty when the chip model is absent. */
  async listChips(): Promise<ChipPreset[]> {
    try {
      return [...(await chipModule()).CHIP_PRESETS];
    } catch {
      return [];
    }
  },

  /** Model presets; empty when the chip model is absent. */
  async listModels(): Promise<Array<{ id: string; label?: string; name?: string }>> {
    try {
      return [...(await chipModule()).MODEL_PRESETS];
    } catch {
      return [];
    }
  },

  /** The chip model's prediction for a kernel plan on a chip (preset id, preset + overrides, or config). */
  async simulatePlan(
    chip: ChipChoice,
    kernel: string,
    variant: string,
    params: Record<string, unknown>,
    dataflow: Dataflow = 'output-stationary',
    opts: { maxTraceEvents?: number } = {},
  ): Promise<SimOutcome<SimResult>> {
    const out = await withChip(chip, (m, cfg) => m.simulatePlan(cfg, buildPlan(kernel, variant, params).plan, { dataflow, ...opts }));
    return out.status === 'ok' ? transfer(out, buffersOf(out.result)) : out;
  },

  /**
   * A kernel costed by the one per-op function the model uses (the chip's runtime mechanisms
   * applied): 'raw' (exactly this plan) or 'deployed' (the op as a deployment on the chip runs it);
   * beside a model preset, with the model's run of the same op and the computed reasons they differ.
   */
  async simulateKernel(chip: ChipChoice, kernel: string, variant: string, params: Record<string, unknown>, req: KernelViewRequest): Promise<SimOutcome<KernelCost>> {
    const out = await withChip(chip, (m, cfg) => m.simulateKernel(cfg, kernel, variant, params, kernelRequest(m, req)));
    return out.status === 'ok' ? transfer(out, buffersOf(out.result)) : out;
  },

  /** The tokens / context / batch / chips the model simulation accepts (from the kernels' ranges). */
  modelLimits(): ModelInputLimits {
    return modelInputLimits();
  },

  /**
   * simulatePlan plus the animation's trace for the chip views: every transfer routed once, here,
   * on the chip's own mesh (chip/mesh.ts), so the picture carries the same link bytes as the model.
   */
  async simulateChipView(
    chip: ChipChoice,
    kernel: string,
    variant: string,
    params: Record<string, unknown>,
    dataflow: Dataflow = 'output-stationary',
    opts: { maxTraceEvents?: number; timing?: 'event' | 'analytic'; cost?: KernelViewRequest } = {},
  ): Promise<SimOutcome<{ sim: SimResult; view: RenderTrace; op?: KernelCost }>> {
    const out = await withChip(chip, (m, cfg) => {
      if (opts.cost) {
        // the animated op costed as the kernel views cost it (raw or as deployed, beside a model)
        const op = m.simulateKernel(cfg, kernel, variant, params, { ...kernelRequest(m, opts.cost), dataflow, maxTraceEvents: opts.maxTraceEvents, timing: opts.timing ?? opts.cost.timing });
        return { sim: op.cost.sim, view: chipViewTrace(op.cost.sim.trace, m.buildMesh(cfg)), op };
      }
      const sim = m.simulatePlan(cfg, buildPlan(kernel, variant, params).plan, { dataflow, ...opts });
      return { sim, view: chipViewTrace(sim.trace, m.buildMesh(cfg)) };
    });
    return out.status === 'ok' ? transfer(out, buffersOf(out.result)) : out;
  },

  /** Whole-layer / per-token estimate for a model preset on a chip. */
  /** Bad inputs (a chip count that does not divide the heads, tokens x batch over the kernels' limit...) come back as 'invalid' with the model's one-line message. */
  async simulateModel(chip: ChipChoice, model: string | object, opts: ModelSimOptions): Promise<SimOutcome<ModelSimResult>> {
    return withChip(chip, (m, cfg) => m.simulateModel(cfg, typeof model === 'string' ? m.modelPreset(model) : model, opts));
  },

  // ---- a real model (the Model tab; src/llm, worker/llm.ts) ----

  /** Opens the picked files (read locally, never fetched) and uploads the model to this worker's GPU. */
  async loadLlm(files: File[], opts: { int8: boolean; context: number }, onEvent?: (e: LlmEvent) => void): Promise<LlmOutcome<LlmInfo>> {
    const missing = webgpuMissingReason();
    if (missing) return { status: 'no-gpu', message: `${missing.reason} ${missing.howTo}` };
    return llmOutcome(async () => loadLlm(await gpuContext(), files, opts, onEvent));
  },
  /** Generates from the loaded model, streaming `token` events; cancelLlm() stops it. */
  async generateLlm(req: LlmGenerateRequest, onEvent?: (e: LlmEvent) => void): Promise<LlmOutcome<LlmRun>> {
    return llmOutcome(() => generateLlm(req, onEvent));
  },
  cancelLlm(): void {
    cancelLlm();
  },
  unloadLlm(): void {
    unloadLlm();
  },
  /** One decode step timed op by op, with each op's bytes and flops from its plan. */
  async profileLlm(): Promise<LlmOutcome<LlmProfile>> {
    return llmOutcome(() => profileLlm());
  },
  /**
   * The chip model's prediction for the loaded model's decode step on each preset: simulateModel of the
   * file's own config at the profiled position (the ops and mechanisms of the Tokens tab), joined to the
   * profiled ops by op id.
   */
  async predictLlm(presets: string[]): Promise<SimOutcome<Array<{ preset: string } & ModelOpPrediction>>> {
    let q: ReturnType<typeof llmPredictionInput>;
    try {
      q = llmPredictionInput();
    } catch (e) {
      return { status: 'invalid', message: errorText(e) };
    }
    const out: Array<{ preset: string } & ModelOpPrediction> = [];
    for (const preset of presets) {
      const r = await withChip(preset, (m, cfg) => m.predictOps(m.simulateModel(cfg, q.config, q.opts), q.config.nLayers, q.ids));
      if (r.status !== 'ok') return r;
      out.push({ preset, ...r.result });
    }
    return { status: 'ok', result: out };
  },
};

export type LlmOutcome<T> = { status: 'ok'; result: T } | { status: 'invalid' | 'no-gpu' | 'error'; message: string };

async function llmOutcome<T>(run: () => Promise<T>): Promise<LlmOutcome<T>> {
  try {
    return { status: 'ok', result: await run() };
  } catch (e) {
    if (isUserError(e)) return { status: 'invalid', message: errorText(e) };
    return { status: 'error', message: lostInfo ?? errorText(e) };
  }
}

export type Api = typeof api;

/** Exposes the facade on a worker scope (called by worker.ts). */
export function exposeApi(): void {
  expose(api);
}
