// The one compact number formatter of the texts the chip layer writes (src/chip/power.ts: the CLI's
// --claims and the Tokens tab print the same sentences) and of the UI (src/ui/format.ts re-exports it
// as fmtNum for the Tokens table, Compare and the Walkthrough). Here, in the lowest pure layer both the
// command lines and the UI import, so the two never format one number two ways. Pure.

/** `digits` significant digits without trailing zeros, whole and thousands-separated from 10^digits up, an exponent below 0.001; '–' when not finite. */
export function fmtNum(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return Number(x.toPrecision(digits)).toString();
}
