// Compares kernel outputs with CPU references, llm.c's validate_result style:
// |got - ref| <= atol + rtol * |ref|, integers exactly, and the first mismatches with their index.

import type { HostArray, Tolerance } from './kernel.ts';

export interface Comparison {
  ok: boolean;
  maxAbsErr: number;
  /** Count of elements outside tolerance. */
  mismatches: number;
  /** First few mismatches: "C[3] (row 0, col 3): got 1.5, want 1.25". */
  firstMismatches: string[];
  summary: string;
}

export function compareArrays(name: string, got: HostArray, ref: HostArray, tol: Tolerance, shape?: number[]): Comparison {
  const first: string[] = [];
  let maxAbsErr = 0;
  let mismatches = 0;
  if (got.length !== ref.length) {
    return { ok: false, maxAbsErr: Infinity, mismatches: Math.max(got.length, ref.length), firstMismatches: [], summary: `${name}: length ${got.length}, expected ${ref.length}` };
  }
  const where = (i: number) => {
    if (!shape || shape.length < 2) return '';
    const idx: number[] = [];
    let r = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]);
      r = Math.floor(r / shape[d]);
    }
    return ` [${idx.join(', ')}]`;
  };
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = ref[i];
    const err = Math.abs(g - w);
    const bad = tol === 'exact' ? g !== w : !(err <= tol.atol + tol.rtol * Math.abs(w));
    if (Number.isFinite(err)) maxAbsErr = Math.max(maxAbsErr, err);
    else if (g !== w) maxAbsErr = Infinity;
    if (bad) {
      mismatches++;
      if (first.length < 5) first.push(`${name}[${i}]${where(i)}: got ${g}, want ${w}`);
    }
  }
  const ok = mismatches === 0;
  const tolText = tol === 'exact' ? 'exact' : `atol ${tol.atol}, rtol ${tol.rtol}`;
  const summary = ok
    ? `${name}: ${got.length} values match (${tolText}), max |err| ${maxAbsErr.toExponential(2)}`
    : `${name}: ${mismatches} of ${got.length} values outside ${tolText}, max |err| ${maxAbsErr.toExponential(2)}; first: ${first.join('; ')}`;
  return { ok, maxAbsErr, mismatches, firstMismatches: first, summary };
}
