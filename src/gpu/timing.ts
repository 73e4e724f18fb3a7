// Honest GPU timing (docs/ARCHITECTURE.md, Timing):
// - warm-up runs first (pipelines are already compiled by preparePlan);
// - with 'timestamp-query': each sample is one compute pass holding `reps` repetitions of the
//   plan's dispatches, bracketed by timestamps; sample = (end - begin) / reps;
// - without it: wall time around onSubmittedWorkDone(), labelled 'wall';
// - nothing is mapped or read back inside the timed loop: all timestamps are resolved into one
//   buffer and read once after the last sample;
// - coarse timestamps (browsers quantize to 100 us without a developer flag) are detected from
//   the greatest common divisor of the raw deltas and reported.

import type { GpuContext } from './context.ts';
import type { PreparedPlan } from './runner.ts';

export type TimerKind = 'timestamp-query' | 'wall';

export interface TimingOptions {
  warmup?: number;
  samples?: number;
  /** Dispatch repetitions per sample; 'auto' picks enough to span ~2 ms per sample (max 64). */
  reps?: number | 'auto';
  /** Called after each sample with (done, total), for progress bars. */
  onProgress?: (done: number, total: number) => void;
  /** Forces the wall-clock timer even when timestamps exist (for comparisons). */
  forceWall?: boolean;
}

export interface Timing {
  timer: TimerKind;
  samplesMs: number[];
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  reps: number;
  /** Detected timestamp granularity in ns (null for wall time). */
  resolutionNs: number | null;
  /** True when the timer's granularity is coarse relative to the measured time. */
  quantized: boolean;
  note: string;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function gcdBig(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** Granularity of a set of raw timestamp deltas (ns): their gcd, ignoring zeros. */
export function timestampGranularityNs(deltas: readonly bigint[]): number {
  let g = 0n;
  for (const d of deltas) if (d !== 0n) g = gcdBig(g, d);
  return Number(g);
}

export function summarize(samplesMs: number[]): { medianMs: number; p10Ms: number; p90Ms: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { medianMs: quantile(s, 0.5), p10Ms: quantile(s, 0.1), p90Ms: quantile(s, 0.9) };
}

const now = () => (globalThis.performance ?? Date).now();

/** `pairs` begin/end timestamp slots for compute passes; read() resolves them all into one buffer and maps it once. */
function timestampPairs(ctx: GpuContext, pairs: number) {
  const { device } = ctx;
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * pairs });
  const resolve = device.createBuffer({ size: 16 * pairs, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: 16 * pairs, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  return {
    writes: (i: number): GPUComputePassTimestampWrites => ({ querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 }),
    /** Raw delta (end - begin) per pair, in ns. */
    async deltas(): Promise<bigint[]> {
      const enc = device.createCommandEncoder();
      enc.resolveQuerySet(querySet, 0, 2 * pairs, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, readback, 0, 16 * pairs);
      device.queue.submit([enc.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const ts = new BigUint64Array(readback.getMappedRange().slice(0));
      readback.unmap();
      return Array.from({ length: pairs }, (_, i) => ts[2 * i + 1] - ts[2 * i]);
    },
    destroy() {
      querySet.destroy();
      resolve.destroy();
      readback.destroy();
    },
  };
}

export async function timePlan(ctx: GpuContext, prepared: PreparedPlan, opts: TimingOptions = {}): Promise<Timing> {
  const { device } = ctx;
  const warmup = opts.warmup ?? 2;
  const samples = Math.max(1, opts.samples ?? 15);
  for (let i = 0; i < warmup; i++) await prepared.run();

  // Pick repetitions so one sample is long enough to rise above timer granularity.
  let reps = typeof opts.reps === 'number' ? opts.reps : 1;
  if (opts.reps === 'auto' || opts.reps === undefined) {
    const t0 = now();
    await prepared.run();
    const one = Math.max(now() - t0, 1e-3);
    reps = Math.max(1, Math.min(64, Math.round(2 / one)));
  }

  const useTimestamps = ctx.hasFeature('timestamp-query') && !opts.forceWall;
  if (!useTimestamps) {
    const samplesMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      const enc = device.createCommandEncoder();
      const cp = enc.beginComputePass();
      for (let r = 0; r < reps; r++) prepared.encodeDispatches(cp);
      cp.end();
      const t0 = now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      samplesMs.push((now() - t0) / reps);
      opts.onProgress?.(i + 1, samples);
    }
    return {
      timer: 'wall',
      samplesMs,
      ...summarize(samplesMs),
      reps,
      resolutionNs: null,
      quantized: false,
      note: ctx.hasFeature('timestamp-query')
        ? 'wall time around onSubmittedWorkDone() (forced); includes submit overhead'
        : 'no timestamp-query on this adapter: wall time around onSubmittedWorkDone(), includes submit overhead',
    };
  }

  const tq = timestampPairs(ctx, samples);
  try {
    for (let i = 0; i < samples; i++) {
      const enc = device.createCommandEncoder();
      const cp = enc.beginComputePass({ timestampWrites: tq.writes(i) });
      for (let r = 0; r < reps; r++) prepared.encodeDispatches(cp);
      cp.end();
      device.queue.submit([enc.finish()]);
      // Waiting keeps samples from overlapping; it reads nothing back.
      await device.queue.onSubmittedWorkDone();
      opts.onProgress?.(i + 1, samples);
    }
    const deltas = await tq.deltas();
    const samplesMs = deltas.map((d) => Number(d) / 1e6 / reps);
    const resolutionNs = timestampGranularityNs(deltas);
    const stats = summarize(samplesMs);
    // Coarse when a timer step is more than 5% of one (un-divided) sample.
    const quantized = resolutionNs >= 1000 && resolutionNs / 1e6 > 0.05 * stats.medianMs * reps;
    const allZero = deltas.every((d) => d === 0n);
    return {
      timer: 'timestamp-query',
      samplesMs,
      ...stats,
      reps,
      resolutionNs,
      quantized: quantized || allZero,
      note: allZero
        ? 'timestamps all equal: the browser quantizes them below this kernel\'s duration; enable precise timestamps (Chrome: --enable-dawn-features=allow_unsafe_apis / disable_timestamp_query_conversion) or trust wall time'
        : quantized
          ? `timestamps are quantized to ${(resolutionNs / 1000).toFixed(0)} us, coarse for this kernel; ${reps} dispatches per sample`
          : `GPU timestamps, ${reps} dispatch(es) per sample, median of ${samples}`,
    };
  } finally {
    tq.destroy();
  }
}

/**
 * Times each group of dispatches of a sequence (an op list's ops) once, warm (the caller runs the
 * sequence first): with 'timestamp-query', each group is its own compute pass bracketed by timestamps,
 * all in one submission, resolved and read once at the end; without it, wall time around each group's
 * own submission and onSubmittedWorkDone(), labelled 'wall'.
 */
export async function timeEach(ctx: GpuContext, groups: ReadonlyArray<(cp: GPUComputePassEncoder) => void>, opts: Pick<TimingOptions, 'forceWall'> = {}): Promise<{ timer: TimerKind; ms: number[] }> {
  const { device } = ctx;
  if (!ctx.hasFeature('timestamp-query') || opts.forceWall) {
    const ms: number[] = [];
    for (const g of groups) {
      const enc = device.createCommandEncoder();
      const cp = enc.beginComputePass();
      g(cp);
      cp.end();
      const t0 = now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      ms.push(now() - t0);
    }
    return { timer: 'wall', ms };
  }
  const tq = timestampPairs(ctx, groups.length);
  try {
    const enc = device.createCommandEncoder();
    groups.forEach((g, i) => {
      const cp = enc.beginComputePass({ timestampWrites: tq.writes(i) });
      g(cp);
      cp.end();
    });
    device.queue.submit([enc.finish()]);
    return { timer: 'timestamp-query', ms: (await tq.deltas()).map((d) => Math.max(0, Number(d)) / 1e6) };
  } finally {
    tq.destroy();
  }
}
