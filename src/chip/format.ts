// The one module of number, time and percent formatters: the texts the chip layer and the model layer
// write (src/chip/power.ts: the CLI's --claims and the Tokens tab print the same sentences; the
// mechanism and why-they-differ sentences of src/models/cost.ts and kernel-cost.ts) and the UI
// (src/ui/format.ts re-exports these beside its byte / energy / power formatters). Here, in the lowest
// pure layer both the command lines and the UI import, so no view formats one number two ways.
// The command lines use them too (src/cli/simulate.ts, src/cli/kernel.ts, bench/report.ts).
// Pure; test/unit/ui-logic.test.ts pins them.

/** `digits` significant digits without trailing zeros, whole and thousands-separated from 10^digits up, an exponent below 0.001; '–' when not finite. */
export function fmtNum(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return Number(x.toPrecision(digits)).toString();
}

/** 3 significant digits (trailing zeros kept: "2.50"), whole and thousands-separated from 1000 up; '–' when not finite. */
export function fmtSig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(digits);
}

/** A whole number, thousands-separated: "1,024". */
export function fmtInt(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return Math.round(x).toLocaleString('en-US');
}

/**
 * A fraction as a percentage, with the decimals its size needs to show: "0.37%" below 1%, "4.2%"
 * below 10%, "85%" from 10% up, at most `maxDecimals` ("0.4%" with 1, for a table column); '–' when
 * not finite.
 */
export function formatPercent(fraction: number, maxDecimals = 2): string {
  if (!Number.isFinite(fraction)) return '–';
  const p = fraction * 100;
  // the decimals of the size the value rounds to (9.99% reads "10%", not "10.0%")
  let d = 0;
  if (p !== 0 && Math.abs(+p.toFixed(1)) < 10) d = Math.abs(+p.toFixed(2)) < 1 ? 2 : 1;
  return `${p.toFixed(Math.min(d, maxDecimals))}%`;
}

/**
 * `decimals` fixed decimals ("5.497"), an exponent with as many from 10^4 up and below 0.001 ("1.611e+10",
 * "1.707e-4"), and with 0 decimals a whole number, thousands-separated (fmtInt); '–' when not finite. For
 * the command lines' text tables, whose columns line up by their decimals (npm run simulate).
 */
export function fmtFixed(x: number, decimals = 3): string {
  if (decimals === 0) return fmtInt(x);
  if (!Number.isFinite(x)) return '–';
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(decimals) : x.toFixed(decimals);
}

/** Prefixes from 1 down to nano, for seconds, joules and watts alike. */
const SUB_UNITS: ReadonlyArray<[number, string]> = [[1, ''], [1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n']];

/**
 * A value of `unit` (s, J, W) with 3 significant digits in the prefix that reads best for `ref`
 * (default: the value itself). Pass the largest value of a table column or an A/B pair as `ref`
 * so they share one unit ("725 mJ" beside "1,244 mJ", never "724.992 mJ" beside "1.244 J").
 */
export function formatSI(value: number, unit: string, ref = value): string {
  if (!Number.isFinite(value)) return '–';
  const a = Math.abs(Number.isFinite(ref) && ref !== 0 ? ref : value);
  const [scale, prefix] = SUB_UNITS.find(([f]) => a >= f) ?? SUB_UNITS[SUB_UNITS.length - 1];
  return `${fmtSig(value / scale)} ${prefix}${unit}`;
}

/**
 * A duration in the unit that reads best: s, ms, µs or ns (chip predictions span nine decades); a
 * `ref` of 1e-3 writes it in ms, 1e-6 in µs, whatever its size.
 */
export function formatDuration(seconds: number, ref = seconds): string {
  return formatSI(seconds, 's', ref);
}

/**
 * An estimate's duration in whole units, as a person plans with it: "45 s" below 2 minutes, "15 minutes"
 * below 2 hours, else "3 hours"; '–' when not finite. For measured or predicted times, formatDuration.
 */
export function formatRoughDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  return seconds < 120 ? `${seconds.toFixed(0)} s` : seconds < 7200 ? `${(seconds / 60).toFixed(0)} minutes` : `${(seconds / 3600).toFixed(0)} hours`;
}

/**
 * How one time compares with another (this / that), in words that cannot be misread: "2.23× slower",
 * "1.05× faster" (three significant digits, so a 1.046x ratio never reads "1× slower"), or "about the
 * same time" within `sameWithin` (relative). The one ratio wording of the UI, the CLI and the chip model's
 * sentences.
 */
export function timeRatioWords(thisS: number, thatS: number, sameWithin = 0.03): string {
  const r = thisS / thatS;
  if (!Number.isFinite(r) || r <= 0) return 'not comparable';
  if (Math.abs(r - 1) < sameWithin) return 'about the same time';
  return `${fmtNum(r > 1 ? r : 1 / r, 3)}× ${r > 1 ? 'slower' : 'faster'}`;
}
