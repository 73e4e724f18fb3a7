// Number formatting shared by every view, so one quantity reads the same everywhere (the bench
// panel, the chip view, compare and tokens once disagreed: "768 KiB" beside "786 KB").
// Pure functions; test/unit/format.test.ts pins them.

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

/** 3 significant digits, whole numbers from 1000 up; '–' when not finite. */
export function fmtSig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(digits);
}

/** A duration in the unit that reads best: s, ms, µs or ns (chip predictions span nine decades). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const a = Math.abs(seconds);
  if (a >= 1) return `${fmtSig(seconds)} s`;
  if (a >= 1e-3) return `${fmtSig(seconds * 1e3)} ms`;
  if (a >= 1e-6) return `${fmtSig(seconds * 1e6)} µs`;
  return `${fmtSig(seconds * 1e9)} ns`;
}

/**
 * How one time compares with another, in words that cannot be misread:
 * "1.43× faster than theirs", "2.10× slower than theirs", "the same as theirs".
 * `mine` and `theirs` are durations (lower is better).
 */
export function speedRatioText(mineMs: number, theirsMs: number, whose = 'theirs'): string {
  if (!(mineMs > 0) || !(theirsMs > 0) || !Number.isFinite(mineMs) || !Number.isFinite(theirsMs)) return '–';
  const r = theirsMs / mineMs;
  if (Math.abs(r - 1) < 0.005) return `the same as ${whose}`;
  return r > 1 ? `${r.toFixed(2)}× faster than ${whose}` : `${(1 / r).toFixed(2)}× slower than ${whose}`;
}
