// The worker's Comlink facade: the only thing the UI calls. A thin layer over the worker's services:
// the GPU session with its one needs-a-GPU guard (gpu-session.ts), the kernels and their GPU runs
// (kernels.ts), the chip model loaded lazily by typed dynamic imports (chip-service.ts), and the real
// model of the Model tab (llm.ts). Kernels run here on WebGPU (in a dedicated worker, so the main thread
// never blocks), and the chip model runs here too. Results are plain data; errors that the UI shows in
// place (bad parameters, shader compile errors, cancellation, no GPU) come back as `{ status: ... }`
// values, because Comlink carries only the message of a thrown Error.

import { expose, transfer } from 'comlink';
import { SHADERS } from '../gpu/browser.ts';
import { gpuStatus, loseDevice, onDeviceLost, resetGpu, type GpuStatus } from './gpu-session.ts';
import { cancelBench, checkParams, listKernels, pickVariant, runBench, runInstrumented, type BenchRequest, type BenchResult, type CheckResult, type InstrumentedResult, type KernelInfo, type Progress } from './kernels.ts';
import { buffersOf, chipModule, kernelRequest, withChip, type ChipChoice, type KernelViewRequest, type SimOutcome } from './chip-service.ts';
import { modelInputLimits } from './model-limits.ts';
import type { ModelInputLimits } from '../share/model-limits.ts';
import { chipViewTrace } from './chip-view.ts';
import type { RenderTrace } from './view-trace.ts';
import type { ChipPreset, Dataflow, SimResult } from '../chip/types.ts';
import type { ModelSimResult } from '../models/types.ts';
import type { ModelConfig, ModelSimOptions, ModelOpPrediction } from '../models/index.ts';
import type { KernelCost } from '../models/kernel-cost.ts';
import { inflightThroughput, type InflightOptions, type InflightResult } from '../models/inflight.ts';
import { cancelLlm, generateLlm, llmOutcome, loadLlmOnGpu, predictLlm, profileLlm, unloadLlm, type LlmEvent, type LlmGenerateRequest, type LlmInfo, type LlmOutcome, type LlmProfile, type LlmRun } from './llm.ts';

export type { BenchOk, BenchRequest, BenchResult, CheckResult, KernelInfo, Params, Progress } from './kernels.ts';
export type { GpuStatus } from './gpu-session.ts';
export type { ChipChoice, KernelViewRequest, SimOutcome } from './chip-service.ts';
export type { LlmOutcome } from './llm.ts';

export const api = {
  // ---- kernels ----

  /** Every kernel in the registry, with its variants and parameter docs. */
  listKernels(): KernelInfo[] {
    return listKernels();
  },

  /** Validates parameters for (kernel, variant); on success the full params and the shaders used. */
  checkParams(kernel: string, variant: string, raw: Record<string, unknown>): CheckResult {
    return checkParams(kernel, variant, raw);
  },

  /**
   * The variant the kernel's shape rule runs for these params when none is chosen (KernelDef.pickVariant
   * via shapeVariant: e.g. gemv for one token); null when the kernel or the params are invalid.
   */
  pickVariant(kernel: string, raw: Record<string, unknown>): string | null {
    return pickVariant(kernel, raw);
  },

  /** The bundled WGSL source of a shader (file name without extension). */
  shaderSource(name: string): string | null {
    return SHADERS[name] ?? null;
  },

  /** Names of all bundled shaders. */
  shaderNames(): string[] {
    return Object.keys(SHADERS).sort();
  },

  // ---- the GPU session ----

  /** Whether GPU runs are possible here; when not, why and how to enable them. */
  async gpuStatus(): Promise<GpuStatus> {
    return gpuStatus();
  },

  /** Calls `listener(message)` when the device is lost; the next run re-creates it. */
  onDeviceLost(listener: (message: string) => void): void {
    onDeviceLost(listener);
  },

  /** Drops the current device (if any) and creates a fresh one. */
  async resetGpu(): Promise<GpuStatus> {
    return resetGpu();
  },

  /** Test hook: destroys the device as a driver reset would, to exercise recovery. */
  async loseDeviceForTesting(): Promise<void> {
    return loseDevice();
  },

  /** Stops the run in progress at its next sample. */
  cancel(): void {
    cancelBench();
  },

  /**
   * Validates, compiles (with edited WGSL when given), checks the output against the CPU
   * reference, then times the kernel. `onProgress` is a Comlink.proxy callback.
   */
  async runBench(req: BenchRequest, onProgress?: Progress): Promise<BenchResult> {
    return runBench(req, onProgress);
  },

  /**
   * One instrumented run: per-workgroup bytes and start/finish order beside the plan's prediction
   * (the chip tab's "measured vs predicted"). Typed arrays are transferred, not copied.
   */
  async runInstrumented(kernel: string, variant: string, params: Record<string, unknown>): Promise<InstrumentedResult> {
    return runInstrumented(kernel, variant, params);
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
  async listModels(): Promise<ModelConfig[]> {
    try {
      return [...(await chipModule()).MODEL_PRESETS];
    } catch {
      return [];
    }
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
   * The kernel costed as the kernel views cost it (simulateKernel: raw or as deployed, beside a model)
   * plus the animation's trace for the chip views: every transfer routed once, here, on the chip's own
   * mesh (chip/mesh.ts), so the picture carries the same link bytes as the model.
   */
  async simulateChipView(
    chip: ChipChoice,
    kernel: string,
    variant: string,
    params: Record<string, unknown>,
    dataflow: Dataflow = 'output-stationary',
    opts: { maxTraceEvents?: number; timing?: 'event' | 'analytic'; cost: KernelViewRequest },
  ): Promise<SimOutcome<{ sim: SimResult; view: RenderTrace; op: KernelCost }>> {
    const out = await withChip(chip, (m, cfg) => {
      // the trace the animation draws is asked for (simulateOp keeps none unless asked)
      const op = m.simulateKernel(cfg, kernel, variant, params, { ...kernelRequest(m, opts.cost), dataflow, maxTraceEvents: opts.maxTraceEvents ?? m.DEFAULT_MAX_TRACE_EVENTS, timing: opts.timing ?? opts.cost.timing });
      return { sim: op.cost.sim, view: chipViewTrace(op.cost.sim.trace, m.buildMesh(cfg)), op };
    });
    return out.status === 'ok' ? transfer(out, buffersOf(out.result)) : out;
  },

  /**
   * Whole-layer / per-token estimate for a model preset (by id) or a config on a chip. Bad inputs (a chip
   * count that does not divide the heads, tokens x batch over the kernels' limit...) come back as
   * 'invalid' with the model's one-line message.
   */
  async simulateModel(chip: ChipChoice, model: string | ModelConfig, opts: ModelSimOptions): Promise<SimOutcome<ModelSimResult>> {
    return withChip(chip, (m, cfg) => m.simulateModel(cfg, typeof model === 'string' ? m.modelPreset(model) : model, opts));
  },

  /**
   * Serving throughput under in-flight batching (src/models/inflight.ts): the steady-state step that decodes
   * the batch and carries the prefill of newly admitted requests; bad inputs come back as 'invalid'.
   */
  async simulateInflight(chip: ChipChoice, model: string, opts: InflightOptions): Promise<SimOutcome<InflightResult>> {
    return withChip(chip, (m, cfg) => inflightThroughput(cfg, m.modelPreset(model), opts));
  },

  // ---- a real model (the Model tab; src/llm, worker/llm.ts) ----

  /** Opens the picked files (read locally, never fetched) and uploads the model to this worker's GPU. */
  async loadLlm(files: File[], opts: { int8: boolean; context: number }, onEvent?: (e: LlmEvent) => void): Promise<LlmOutcome<LlmInfo>> {
    return loadLlmOnGpu(files, opts, onEvent);
  },
  /** Generates from the loaded model (on the device it was loaded on), streaming `token` events; cancelLlm() stops it. */
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
  /** The chip model's prediction for the loaded model's decode step on each preset, joined to the profiled ops by op id. */
  async predictLlm(presets: string[]): Promise<SimOutcome<Array<{ preset: string; precisionNote: string } & ModelOpPrediction>>> {
    return predictLlm(presets);
  },
};

export type Api = typeof api;

/** Exposes the facade on a worker scope (called by worker.ts). */
export function exposeApi(): void {
  expose(api);
}
