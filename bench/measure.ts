// Runs one suite case's variants on a GpuContext and turns each into a BenchRow.
// Runtime-agnostic: the Node runtime and the bench page (headless Chromium) both call runSuite().
// Correctness is checked on one untimed run; timing is src/gpu/timing.ts (nothing read back inside).

import { describeDevice, type DeviceReport, type GpuContext } from '../src/gpu/context.ts';
import { shareUrl } from '../src/share/codec.ts';
import { defaultState, LIMITS, validateState } from '../src/share/state.ts';
import { checkPlan } from '../src/gpu/check.ts';
import { UnsupportedOnDevice, type KernelDef } from '../src/kernels/kernel.ts';
import type { Plan } from '../src/kernels/plan.ts';
import { failedRow, shapeText, type BenchReport, type BenchRow, type PeerRow } from './report.ts';
import { pickParams, type BenchCase, type PeerOp, type Suite } from './suites.ts';

export interface RunOptions {
  samples: number;
  warmup: number;
  /** Dispatches per sample; 'auto' lets timePlan pick. */
  reps: number | 'auto';
  /** Time ours with wall clock (the peers' method) instead of GPU timestamps. */
  forceWall: boolean;
  /** Only cases whose kernel is in this list (all when empty). */
  kernels: readonly string[];
  seed: number;
}

/** A peer library as the suite runner sees it (bench/peers/*.ts). */
export interface PeerRunner {
  library: string;
  version: string;
  run(op: PeerOp, c: BenchCase, opts: RunOptions): Promise<PeerRow>;
}

export type Progress = (line: string) => void;

/** The storage dtype(s) of a plan's inputs, e.g. "f32" or "i8x4+f32". */
export function planDtype(plan: Plan): string {
  const set = new Set(plan.tensors.filter((t) => t.role !== 'output' && t.role !== 'scratch').map((t) => t.dtype));
  return [...set].join('+') || '-';
}

/** A known limit of a peer on one input (bench/peers/wllama.ts: text that is not UTF-8): its row says it, as a skip. */
export class PeerLimit extends Error {}

/** Classifies an error as a skip (the device lacks a feature/limit the variant needs, or a peer's known limit) or a failure. */
export function isSkip(e: unknown): boolean {
  return e instanceof UnsupportedOnDevice || e instanceof PeerLimit;
}

/** Where the playground is served (`npm start`); share links open there. */
export const PLAYGROUND_URL = 'http://127.0.0.1:5173/';

/**
 * A link that opens the playground's bench on this row's configuration with this row's result,
 * through the share codec (src/share). null when the state does not validate (e.g. a failed row).
 */
export async function shareUrlFor(row: BenchRow, device: DeviceReport, base = PLAYGROUND_URL): Promise<string | null> {
  if (row.status !== 'ok' || row.medianMs === null) return null;
  const state = defaultState();
  state.bench = { kernel: row.kernel, variant: row.variant, params: row.params, wgsl: {} };
  state.results = {
    device: describeDevice(device).slice(0, LIMITS.textChars),
    browser: device.runtimeVersion.slice(0, LIMITS.textChars),
    rows: [{
      kernel: row.kernel, variant: row.variant, shape: row.shape, dtype: row.dtype, medianMs: row.medianMs, p10Ms: row.p10Ms!,
      p90Ms: row.p90Ms!, gflops: row.gflops!, gbps: row.gbps!, maxAbsErr: row.maxAbsErr, ok: row.ok, timer: row.timer ?? 'wall',
    }],
  };
  if (!validateState(state).ok) return null;
  return shareUrl(base, state);
}

export async function runVariant(ctx: GpuContext, def: KernelDef, c: BenchCase, variant: string, opts: RunOptions): Promise<BenchRow> {
  const dims = pickParams(def, c.dims);
  const base = { kernel: def.name, variant, shape: shapeText(dims), dtype: '-', caseId: c.id, params: dims };
  let plan: Plan;
  try {
    const params = def.validate(dims);
    base.params = params;
    plan = def.plan(params, variant);
    base.dtype = planDtype(plan);
  } catch (e) {
    return failedRow(base, isSkip(e) ? 'skipped' : 'fail', (e as Error).message);
  }
  try {
    const checked = await checkPlan(ctx, def, plan, {
      seed: opts.seed,
      timing: { warmup: opts.warmup, samples: opts.samples, reps: opts.reps, forceWall: opts.forceWall },
    });
    const timing = checked.timing!;
    const maxAbsErr = checked.maxAbsErr;
    const bad = checked.comparisons.filter((c) => !c.ok).map((c) => c.summary);
    const s = timing.medianMs / 1e3;
    const row: BenchRow = {
      ...base,
      medianMs: timing.medianMs,
      p10Ms: timing.p10Ms,
      p90Ms: timing.p90Ms,
      gflops: plan.flops / s / 1e9,
      gbps: plan.ioBytes / s / 1e9,
      maxAbsErr,
      ok: bad.length === 0,
      timer: timing.timer,
      shareUrl: null,
      status: bad.length === 0 ? 'ok' : 'fail',
      note: bad.length === 0 ? timing.note : `output differs from the CPU reference: ${bad.join(' | ')}`,
      reps: timing.reps,
      quantized: timing.quantized,
    };
    row.shareUrl = await shareUrlFor(row, ctx.report);
    return row;
  } catch (e) {
    return failedRow(base, isSkip(e) ? 'skipped' : 'fail', (e as Error).message);
  }
}

export interface SuiteRunArgs {
  ctx: GpuContext;
  suite: Suite;
  kernels: readonly KernelDef[];
  opts: RunOptions;
  peers?: readonly PeerRunner[];
  progress?: Progress;
}

/** Runs every case (ours, then the peers of that case); failures become rows, never exceptions. */
export async function runSuite(a: SuiteRunArgs): Promise<BenchReport> {
  const { suite, opts } = a;
  const results: BenchRow[] = [];
  const peers: PeerRow[] = [];
  const cases = suite.cases.filter((c) => opts.kernels.length === 0 || opts.kernels.includes(c.kernel));
  const jobs = cases.reduce((n, c) => n + (a.kernels.find((k) => k.name === c.kernel)?.variants.length ?? 1) + (c.peer ? (a.peers?.length ?? 0) : 0), 0);
  let done = 0;
  const tick = (what: string) => a.progress?.(`[${++done}/${jobs}] ${what}`);
  for (const c of cases) {
    const def = a.kernels.find((k) => k.name === c.kernel);
    if (!def) {
      tick(`${c.id}: kernel not registered`);
      results.push(
        failedRow({ kernel: c.kernel, variant: '-', shape: c.shape, dtype: '-', caseId: c.id, params: c.dims }, 'fail',
          `kernel "${c.kernel}" is not in src/kernels/registry.ts; registered: ${a.kernels.map((k) => k.name).join(', ')}`),
      );
    } else {
      for (const v of c.variants ?? def.variants) {
        tick(`${def.name}/${v} ${shapeText(pickParams(def, c.dims))}`);
        const row = await tooBig(def, c, v, suite) ?? await runVariant(a.ctx, def, c, v, opts);
        results.push(row);
      }
    }
    if (c.peer) {
      for (const p of a.peers ?? []) {
        tick(`${p.library} ${c.peer.op} (${c.id})`);
        try {
          peers.push(await p.run(c.peer, c, opts));
        } catch (e) {
          peers.push({
            ...failedRow({ kernel: c.kernel, variant: c.peer.op, shape: c.shape, dtype: '-', caseId: c.id, params: {} }, 'fail', (e as Error).message),
            library: p.library,
            version: p.version,
          });
        }
      }
    }
  }
  return { tool: 'jalapeno-bench', suite: suite.name, startedAt: new Date().toISOString(), device: a.ctx.report, results, peers };
}

/** A failed row when the case exceeds the suite's flop budget (smoke on a CPU-emulated GPU). */
async function tooBig(def: KernelDef, c: BenchCase, variant: string, suite: Suite): Promise<BenchRow | null> {
  if (suite.maxFlops === undefined) return null;
  try {
    const plan = def.plan(def.validate(pickParams(def, c.dims)), variant);
    if (plan.flops <= suite.maxFlops) return null;
    const dims = pickParams(def, c.dims);
    return failedRow({ kernel: def.name, variant, shape: shapeText(dims), dtype: planDtype(plan), caseId: c.id, params: dims }, 'fail',
      `${plan.flops.toExponential(2)} flops exceeds the ${suite.name} suite's budget of ${suite.maxFlops.toExponential(0)}; ` +
        `give this kernel's params small values in bench/suites.ts (declared: ${def.params.map((p) => p.name).join(', ')})`);
  } catch {
    return null; // runVariant reports the validation error
  }
}
