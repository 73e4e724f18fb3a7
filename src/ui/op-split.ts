// An op's time split (OpBreakdown: compute / memory / launch gap / collective) and its bound, as every
// view that shows an op names and orders them: the Tokens bars, <jp-op-cost> (Compare's kernel rows,
// the Walkthrough's animated op, the Bench prediction) and the Model tab's per-op predictions. Pure;
// test/unit/views.test.ts pins it.

import type { OpBound, OpBreakdown } from '../models/types.ts';
import { formatDuration } from './format.ts';

/** The kinds of time an op's breakdown splits into, in bar order. */
export type TimeKind = keyof OpBreakdown;
export const TIME_KINDS: readonly TimeKind[] = ['compute', 'memory', 'launch', 'collective'];

/** How a kind of time is named in words. */
export const TIME_KIND_TEXT: Record<TimeKind, string> = { compute: 'compute', memory: 'memory', launch: 'launch gap', collective: 'collective' };

/** The four parts of an op's time in display order, with their labels ("Launch gap"). */
export const SPLIT_PARTS: ReadonlyArray<[TimeKind, string]> = TIME_KINDS.map((k) => [k, TIME_KIND_TEXT[k][0].toUpperCase() + TIME_KIND_TEXT[k].slice(1)]);

/** One part of an op's time as the split shows it: "23.6 µs", or "0" for a part with no time. */
export function partTime(b: OpBreakdown, k: TimeKind): string {
  return b[k] > 0 ? formatDuration(b[k]) : '0';
}

/** "compute 50.0 ns + memory 23.6 µs + launch gap 2.50 µs + collective 0" in one line. */
export function splitText(b: OpBreakdown): string {
  return TIME_KINDS.map((k) => `${TIME_KIND_TEXT[k]} ${partTime(b, k)}`).join(' + ');
}

/** An op's breakdown as fractions of its time, kinds with no time left out. */
export function opParts(b: OpBreakdown | undefined | null): Array<{ kind: TimeKind; frac: number }> {
  if (!b) return [];
  const total = TIME_KINDS.reduce((a, k) => a + Math.max(0, b[k]), 0);
  return total > 0 ? TIME_KINDS.filter((k) => b[k] > 0).map((k) => ({ kind: k, frac: b[k] / total })) : [];
}

/** One letter per bound, for bar segments and narrow table cells. */
export const BOUND_LETTER: Record<OpBound, string> = { compute: 'C', memory: 'M', noc: 'N', 'array-schedule': 'A', launch: 'L', collective: 'X' };

/** Breakdowns added part by part (a step's split from its ops'). */
export function addSplits(parts: ReadonlyArray<OpBreakdown | null | undefined>): OpBreakdown {
  const out: OpBreakdown = { compute: 0, memory: 0, launch: 0, collective: 0 };
  for (const b of parts) if (b) for (const k of TIME_KINDS) out[k] += b[k];
  return out;
}
