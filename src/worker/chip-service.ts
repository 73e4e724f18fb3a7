// The worker's chip-model service: the chip model (src/chip) and the per-kernel cost
// (src/models/kernel-cost.ts) loaded lazily through typed dynamic imports (their own chunks), with the
// models on top of them (src/models: presets, simulateModel; already in the worker's chunk, since
// model-limits.ts needs them, so imported statically: a dynamic import would move nothing), a chip
// choice resolved through the one preset + overrides resolution the CLI uses (src/chip/config.ts
// resolveChip), and errors turned into outcomes.

import { errorText } from './gpu-session.ts';
import type { ChipConfig, Dataflow } from '../chip/types.ts';
import type { ChipOverride } from '../chip/config.ts';
import * as models from '../models/index.ts';
import type { ModelSimOptions } from '../models/index.ts';
import type { KernelCostMode, KernelCostRequest } from '../models/kernel-cost.ts';

type ChipModule = typeof import('../chip/index.ts') & typeof models & typeof import('../models/kernel-cost.ts');

let loading: Promise<ChipModule> | null = null;

/** The chip model, the model presets and simulateModel, and the kernel cost, loaded once. */
export function chipModule(): Promise<ChipModule> {
  loading ??= Promise.all([import('../chip/index.ts'), import('../models/kernel-cost.ts')]).then(([chip, cost]) => ({ ...chip, ...models, ...cost }));
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

/** A preset id, a preset with grid/array overrides, or a whole ChipConfig. */
export type ChipChoice = string | ({ preset: string } & ChipOverride) | ChipConfig;

export type SimOutcome<T> = { status: 'ok'; result: T } | { status: 'invalid'; message: string } | { status: 'unavailable'; message: string };

function resolveChoice(m: ChipModule, choice: ChipChoice): ChipConfig {
  if (typeof choice === 'string') return m.chipPreset(choice).config;
  if ('preset' in choice) return m.resolveChip(m.chipPreset(choice.preset).config, choice);
  return m.validateChipConfig(choice);
}

/** Loads the chip model, resolves the chip choice and runs `run`; errors become outcomes, never throws. */
export async function withChip<T>(chip: ChipChoice, run: (m: ChipModule, cfg: ChipConfig) => T): Promise<SimOutcome<T>> {
  let m: ChipModule;
  try {
    m = await chipModule();
  } catch (e) {
    return { status: 'unavailable', message: errorText(e) };
  }
  try {
    return { status: 'ok', result: run(m, resolveChoice(m, chip)) };
  } catch (e) {
    return { status: 'invalid', message: errorText(e) };
  }
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

export function kernelRequest(m: ChipModule, r: KernelViewRequest): KernelCostRequest {
  return { ...r, beside: r.beside && { model: m.modelPreset(r.beside.model), opts: r.beside.opts } };
}

/** Collects the ArrayBuffers under a result so Comlink moves them instead of copying. */
export function buffersOf(x: unknown, out = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (depth > 4 || x === null || typeof x !== 'object') return [...out];
  if (ArrayBuffer.isView(x)) {
    if (x.buffer instanceof ArrayBuffer) out.add(x.buffer);
  } else {
    for (const v of Object.values(x)) buffersOf(v, out, depth + 1);
  }
  return [...out];
}
