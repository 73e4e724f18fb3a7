// Rows and bar segments for <jp-tokens-tab>: one row per chip preset from its ModelSimResult,
// each op's share of the step as a segment coloured by op and split into its compute / memory /
// launch-gap / collective time, and how much of the step each bound (compute / memory / NoC) and
// each kind of time accounts for. Pure functions; the unit tests check them.

import type { ChipPreset } from '../chip/types.ts';
import type { ModelSimResult, OpBound } from '../models/types.ts';
import { fmtNum, formatDuration, formatPercent, plural } from './format.ts';
import { perWattVerdict } from '../chip/power.ts';
import { DEFAULT_OSL } from '../share/model-limits.ts';
import { opParts, TIME_KIND_TEXT, TIME_KINDS, type TimeKind } from './op-split.ts';
import { noBoundShare, stepBound } from '../models/bound.ts';

export interface OpSegment {
  name: string;
  /** Fraction of the step's time, [0, 1]. */
  share: number;
  bound: OpBound;
  timeS: number;
  /** Index into the op palette (stable across presets: the op's first appearance). */
  color: number;
  /** The op's time by kind, as fractions of the op's time (sum 1; empty for a zero-time op). */
  parts: Array<{ kind: TimeKind; frac: number }>;
}

export interface TokenRow {
  id: string;
  label: string;
  hypothetical: boolean;
  /** Null when the simulation failed; `error` says why. */
  result: ModelSimResult | null;
  error?: string;
  segments: OpSegment[];
  /** Share of the step's time spent in ops of each bound. */
  boundShare: Record<OpBound, number>;
  /** The bound with the largest share. */
  bound: OpBound | null;
  /** Share of the step's time by kind (compute / memory / launch gaps / collectives). */
  timeShare: Record<TimeKind, number>;
  /** In-flight batching: the batch, the prefill tokens each step carries and what set the batch, in words. */
  mechanism?: string;
}

/** `mechanism`: how the step was batched, in words, where it is the preset's own (in-flight batching's batch and carried prefill). */
export type ModelOutcome = { status: 'ok'; result: ModelSimResult; mechanism?: string } | { status: 'invalid' | 'unavailable'; message: string };

/** Op names in order of first appearance over all results: the legend, and each op's colour index. */
export function opOrder(results: ReadonlyArray<ModelSimResult | null>): string[] {
  const names: string[] = [];
  for (const r of results) for (const op of r?.ops ?? []) if (!names.includes(op.name)) names.push(op.name);
  return names;
}

/** Segments from one result's ops (shares renormalised so the bar fills exactly 100%). */
export function opSegments(r: ModelSimResult, order: readonly string[]): OpSegment[] {
  const total = r.ops.reduce((a, o) => a + Math.max(0, o.timeS), 0);
  return r.ops.map((o) => ({
    name: o.name,
    share: total > 0 ? Math.max(0, o.timeS) / total : 0,
    bound: o.bound,
    timeS: o.timeS,
    color: Math.max(0, order.indexOf(o.name)),
    parts: opParts(o.breakdown),
  }));
}

/**
 * A bar segment's numbers in words, as its accessible name and its focus tooltip:
 * "H100 SXM, attention: 34.5% of the step (1.23 ms), memory-bound; compute 20%, memory 70%, launch gap 10%".
 */
export function segmentText(preset: string, s: OpSegment): string {
  const parts = s.parts.map((p) => `${TIME_KIND_TEXT[p.kind]} ${formatPercent(p.frac)}`).join(', ');
  return `${preset}, ${s.name}: ${formatPercent(s.share)} of the step (${formatDuration(s.timeS)}), ${s.bound}-bound${parts ? `; ${parts}` : ''}`;
}

/** The step's time by kind (from the ops' breakdowns), as shares of the step. */
export function timeShares(r: ModelSimResult): Record<TimeKind, number> {
  const out: Record<TimeKind, number> = { compute: 0, memory: 0, launch: 0, collective: 0 };
  let total = 0;
  for (const o of r.ops) for (const k of TIME_KINDS) { const v = Math.max(0, o.breakdown?.[k] ?? 0); out[k] += v; total += v; }
  if (total > 0) for (const k of TIME_KINDS) out[k] /= total;
  return out;
}

/** One row per preset, in preset order; outcomes[i] belongs to presets[i]. */
export function tokenRows(presets: readonly ChipPreset[], outcomes: ReadonlyArray<ModelOutcome | undefined>): TokenRow[] {
  const results = outcomes.map((o) => (o?.status === 'ok' ? o.result : null));
  const order = opOrder(results);
  return presets.map((p, i) => {
    const o = outcomes[i];
    const base = { id: p.id, label: p.label, hypothetical: p.hypothetical };
    if (!o || o.status !== 'ok') {
      return { ...base, result: null, error: o ? o.message : undefined, segments: [], boundShare: noBoundShare(), bound: null, timeShare: { compute: 0, memory: 0, launch: 0, collective: 0 } };
    }
    const segments = opSegments(o.result, order);
    const b = stepBound(segments);
    return { ...base, result: o.result, segments, boundShare: b.share, bound: b.bound, timeShare: timeShares(o.result), ...(o.mechanism ? { mechanism: o.mechanism } : {}) };
  });
}

/**
 * Index of the best row by a metric (higher or lower is better), among rows whose model fits the
 * chip (a configuration that cannot hold the weights wins nothing); -1 when none qualifies.
 */
export function bestRow(rows: readonly TokenRow[], metric: (r: ModelSimResult) => number, better: 'higher' | 'lower'): number {
  let best = -1;
  let bestV = 0;
  rows.forEach((row, i) => {
    if (!row.result || !row.result.placement.fits) return;
    const v = metric(row.result);
    if (!Number.isFinite(v)) return;
    if (best < 0 || (better === 'higher' ? v > bestV : v < bestV)) {
      best = i;
      bestV = v;
    }
  });
  return best;
}

/** B / A for a metric and which side wins; null ratio when either value is not a positive number. */
export function compareMetric(a: number, b: number, better: 'higher' | 'lower'): { ratio: number | null; winner: 'A' | 'B' | 'tie' | null } {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) return { ratio: null, winner: null };
  const ratio = b / a;
  if (Math.abs(ratio - 1) < 0.005) return { ratio, winner: 'tie' };
  return { ratio, winner: (ratio > 1) === (better === 'higher') ? 'B' : 'A' };
}


/** The Jalapeño-class claim of ~1.8x tokens/s per W over the GPU reference (src/models/claims.ts checks the same). */
export const PER_WATT_CLAIM = 1.8;

/**
 * The per-watt verdict for two runs of the same inputs, the Jalapeño-class preset's over the H100's, with
 * each power assumption moved (perWattVerdict); '' unless both ran and fit.
 */
export function perWattText(chip: { preset?: Pick<ChipPreset, 'power'>; result?: ModelSimResult | null }, gpu: { preset?: Pick<ChipPreset, 'power'>; result?: ModelSimResult | null }): string {
  const c = chip.result, g = gpu.result;
  if (!c || !g || !c.placement.fits || !g.placement.fits || !chip.preset || !gpu.preset) return '';
  const side = (name: string, r: ModelSimResult, p: Pick<ChipPreset, 'power'>) => ({ name, tokensPerS: r.tokensPerS, powerWPerChip: r.powerW / r.chips, chips: r.chips, power: p.power });
  return perWattVerdict(side('Jalapeño-class', c, chip.preset), side('H100', g, gpu.preset), PER_WATT_CLAIM).text;
}

/** A run's power per chip split as the energy model counts it: static, HBM (off-chip memory), the rest of the counted events. */
export interface PowerSplit { total: number; static: number; hbm: number; other: number }

export function powerSplit(r: Pick<ModelSimResult, 'energyByLevel' | 'timeS' | 'chips'>): PowerSplit {
  const e = r.energyByLevel, per = r.timeS * r.chips;
  if (!(per > 0)) return { total: 0, static: 0, hbm: 0, other: 0 };
  const total = e.total / per, st = e.static / per, hbm = e.hbm / per;
  return { total, static: st, hbm, other: total - st - hbm };
}

/** "483 W per chip = 409 W static + 66 W HBM + 8 W other counted events". */
export function powerSplitText(s: PowerSplit): string {
  const w = (x: number) => `${fmtNum(x, 3)} W`;
  return `${w(s.total)} per chip = ${w(s.static)} static + ${w(s.hbm)} HBM + ${w(s.other)} other counted events`;
}

/**
 * Which batching the table's figures assume, in words: prefill and decode run one static batch (every
 * sequence in the same phase); in-flight runs the steady-state serving step (decode steps that also carry
 * the prefills of newly admitted requests, src/models/inflight.ts), each preset's batch listed after it.
 */
export function batchingText(s: { phase: 'prefill' | 'decode' | 'inflight'; batch: number; tokens: number; osl?: number }): string {
  if (s.phase === 'inflight') {
    return `Batching: in-flight, as TensorRT-LLM and vLLM serve requests of ${s.tokens.toLocaleString('en-US')} prompt and ${(s.osl ?? DEFAULT_OSL).toLocaleString('en-US')} output tokens: ` +
      `each step decodes up to ${plural(s.batch, 'sequence')} and carries the prefill of newly admitted requests; per-token latency is the whole step, tokens/s counts output tokens. Per preset:`;
  }
  const what = s.phase === 'decode'
    ? `${s.batch === 1 ? 'one sequence decodes' : `all ${s.batch} sequences decode together`} and no prefill shares the step`
    : `${plural(s.batch, 'prompt')} of ${plural(s.tokens, 'token')} prefilled together`;
  return `Batching: static (${what}). Under in-flight batching, as TensorRT-LLM and vLLM serve, each decode step also carries the prefill of newly admitted requests: choose in-flight for that throughput (npm run simulate -- --inflight ISL/OSL on the command line).`;
}
