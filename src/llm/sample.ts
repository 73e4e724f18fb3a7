// Token sampling, the same rule on the CPU and in shaders/sample_topk.wgsl: the top-k logits by
// (value descending, index ascending), softmax at temperature T over them, and the first candidate
// whose running sum exceeds u · total for a seeded uniform u. T = 0 or k = 1 is greedy (argmax,
// lowest index on ties).

import { rng } from '../kernels/kernel.ts';

export interface SamplingSettings {
  /** 0 = greedy. */
  temperature: number;
  /** Candidates kept, 1..64 (1 = greedy). */
  topK: number;
  seed: number;
}

export const MAX_TOP_K = 64;

/** The top-k candidates of logits, best first (value desc, index asc). */
export function topK(logits: Float32Array, k: number): number[] {
  const out: number[] = [];
  let prevV = Infinity, prevI = -1;
  for (let r = 0; r < k; r++) {
    let bv = -Infinity, bi = -1;
    for (let i = 0; i < logits.length; i++) {
      const v = logits[i];
      // strictly after the previous pick in (value desc, index asc) order
      const after = v < prevV || (v === prevV && i > prevI);
      if (after && (bi < 0 || v > bv)) { bv = v; bi = i; }
    }
    if (bi < 0) break;
    out.push(bi);
    prevV = bv; prevI = bi;
  }
  return out;
}

/** Picks a token with the uniform draw `u` in [0, 1) (f32 arithmetic, like the shader). */
export function sampleWith(logits: Float32Array, temperature: number, k: number, u: number): number {
  const kk = temperature <= 0 ? 1 : Math.max(1, Math.min(k, MAX_TOP_K));
  const cand = topK(logits, kk);
  if (cand.length === 1) return cand[0];
  const f = Math.fround;
  const invT = f(1 / temperature);
  const top = logits[cand[0]];
  const p = cand.map((i) => f(Math.exp(f(f(logits[i] - top) * invT))));
  let total = 0;
  for (const v of p) total = f(total + v);
  const target = f(u * total);
  let run = 0;
  for (let j = 0; j < cand.length; j++) {
    run = f(run + p[j]);
    if (run > target) return cand[j];
  }
  return cand[cand.length - 1];
}

/** A seeded stream of uniform draws, one per generated token. */
export function drawStream(seed: number): () => number {
  return rng(seed);
}
