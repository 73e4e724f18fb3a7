// The one rule that names what limited an op or a whole step: the largest part, ties to the first
// listed. opBound (cost.ts) applies it to an op's time split; stepBound to a step's time by its ops'
// bounds (the Tokens bars, the Walkthrough's sentences). Pure and small, no chip model: the UI's
// main chunk imports it.

import type { OpBound } from './types.ts';

/** Every bound an op can have (OpBound), in legend order: a tie between a step's bounds goes to the first. */
export const OP_BOUNDS: readonly OpBound[] = ['compute', 'memory', 'noc', 'array-schedule', 'launch', 'collective'];

/** No time in any bound yet: a share per bound, all 0 (a step's time by its ops' bounds starts here). */
export const noBoundShare = (): Record<OpBound, number> => Object.fromEntries(OP_BOUNDS.map((b) => [b, 0])) as Record<OpBound, number>;

/** The key of the largest part; ties: the first listed. */
export function largestPart<K>(parts: ReadonlyArray<readonly [K, number]>): K {
  let top = parts[0];
  for (const p of parts) if (p[1] > top[1]) top = p;
  return top[0];
}

/** A step's time shares by its ops' bound, and the bound with the largest share (null when no op has time). */
export function stepBound(ops: ReadonlyArray<{ bound: OpBound; share: number }>): { share: Record<OpBound, number>; bound: OpBound | null } {
  const share = noBoundShare();
  for (const o of ops) share[o.bound] += o.share;
  const top = largestPart(OP_BOUNDS.map((b) => [b, share[b]] as const));
  return { share, bound: share[top] > 0 ? top : null };
}
