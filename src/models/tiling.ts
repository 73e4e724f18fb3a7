// The block sizes the model gives its GEMMs: a module of its own (no kernel registry behind it) so
// the UI's walkthrough can animate an op with the tiling the model simulates it with.

import { cdiv } from '../kernels/plan.ts';

const pow2floor = (v: number) => 2 ** Math.floor(Math.log2(Math.max(1, v)));

/** Block sizes for a GEMM so the plan has about as many tiles as the chip (at least), within the kernels' limits. */
export function gemmTiles(M: number, N: number, chipTiles: number): { BM: number; BN: number; BK: number; TM: number; TN: number } {
  const BM = Math.min(128, Math.max(16, pow2floor(M) < M ? pow2floor(M) * 2 : pow2floor(M)));
  let BN = 128;
  while (BN > 16 && cdiv(M, BM) * cdiv(N, BN) < chipTiles) BN /= 2;
  const TM = Math.max(1, Math.min(8, BM / 16));
  const TN = Math.max(1, Math.min(8, BN / 16));
  return { BM, BN, BK: 32, TM, TN };
}
