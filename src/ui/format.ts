// Number formatting shared by every view, so one quantity reads the same everywhere (the bench
// panel, the chip view, compare and tokens once disagreed: "768 KiB" beside "786 KB").
// Pure functions; test/unit/ui-logic.test.ts pins them.

import { fmtNum, fmtSig, formatSI, timeRatioWords } from '../chip/format.ts';

/** Bytes in decimal (SI) units, as the chip model and datasheets count them: "786 KB", "7.1 MB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let b = bytes;
  let i = 0;
  while (Math.abs(b) >= 1000 && i < units.length - 1) {
    b /= 1000;
    i++;
  }
  // "786 KB", "7.1 MB", "12.3 GB"; whole bytes below 1 KB.
  return `${b.toFixed(Math.abs(b) >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

/** "1 wave", "3 waves": the count and the noun, plural unless the count is exactly 1. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Numbers, times and percentages: the one formatter module of the chip layer (src/chip/format.ts). */
export { fmtInt, fmtNum, fmtSig, formatDuration, formatPercent, formatSI, timeRatioWords } from '../chip/format.ts';

/** A bandwidth in TB/s from 1 TB/s up, else GB/s (3 significant digits, no trailing zeros). */
export function formatBandwidth(bytesPerS: number): string {
  return bytesPerS >= 1e12 ? `${fmtNum(bytesPerS / 1e12)} TB/s` : `${fmtNum(bytesPerS / 1e9)} GB/s`;
}

/** An energy in J, mJ, µJ or nJ (3 significant digits). */
export function formatEnergy(joules: number, ref = joules): string {
  return formatSI(joules, 'J', ref);
}

/** A power in W (or mW), 3 significant digits. */
export function formatPower(watts: number, ref = watts): string {
  return formatSI(watts, 'W', ref);
}

/**
 * How one time compares with another, in words that cannot be misread:
 * "1.43× faster than theirs", "2.10× slower than theirs", "the same as theirs".
 * `mine` and `theirs` are durations (lower is better).
 */
export function speedRatioText(mineMs: number, theirsMs: number, whose = 'theirs'): string {
  if (!(mineMs > 0) || !(theirsMs > 0) || !Number.isFinite(mineMs) || !Number.isFinite(theirsMs)) return '–';
  if (Math.abs(theirsMs / mineMs - 1) < 0.005) return `the same as ${whose}`;
  return `${timeRatioWords(mineMs, theirsMs, 0)} than ${whose}`;
}

/** Plausible ranges of the numbers a share link carries (beyond them a link is crafted or broken). */
export const LINK_RANGES = {
  /** Milliseconds of one run or token: (0, 1 hour]. */
  ms: [0, 3.6e6],
  /** Tokens per second: (0, 10 million]. */
  tokensPerS: [0, 1e7],
  /** GFLOP/s: [0, 100 million] (100 PFLOP/s, above any one device). */
  gflops: [0, 1e8],
  /** Bytes of one op: [0, 1 PB]. */
  bytes: [0, 1e15],
} as const;

/**
 * A number from a share link, formatted with `fmt` when finite and inside `range` (the lower end
 * exclusive for times and rates, which cannot be 0 in a real run), else "invalid in link".
 */
export function linkValue(v: number, range: readonly [number, number], fmt: (x: number) => string = fmtSig, strictMin = true): string {
  const [lo, hi] = range;
  if (typeof v !== 'number' || !Number.isFinite(v) || (strictMin ? v <= lo : v < lo) || v > hi) return 'invalid in link';
  return fmt(v);
}
