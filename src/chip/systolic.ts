// Compute on a tile: the systolic MAC array's schedule, after SCALE-Sim v2
// (github.com/scalesim-project/scale-sim-v2, scalesim/compute/systolic_compute_{os,ws,is}.py and
// scalesim/memory/double_buffered_scratchpad_mem.py).
//
// SCALE-Sim maps a GEMM C[M, N] = A[M, K] · B[K, N] (its ifmap operand matrix is A, the filter
// matrix B, the ofmap C) onto an R x C array by naming which dimension runs along the array's rows
// (Sr), which along its columns (Sc) and which streams through in time (T) (`set_params`):
//   output-stationary  Sr = M, Sc = N, T = K   (each PE keeps one output, K products stream through)
//   weight-stationary  Sr = K, Sc = N, T = M   (each PE keeps one weight, M input rows stream)
//   input-stationary   Sr = K, Sc = M, T = N   (each PE keeps one input, N weight columns stream)
// The work is cut into folds of R rows x C columns: row_fold = ceil(Sr / R), col_fold = ceil(Sc / C),
// folds = row_fold x col_fold. A partial fold is padded with null requests (`delta > 0` branches),
// so it costs as much as a full one.
//
// Cycles per fold are the rows of the fold's ofmap demand matrix (`create_ofmap_demand_mat`):
//   os: prefix T - 1 null rows + the R-row output block, skewed over C columns (+ C - 1):
//       (T - 1) + R + (C - 1) = T + R + C - 2
//   ws, is: prefix 2R - 1 null rows (weights / inputs load, then the first partial sums reach the
//       bottom) + T output rows, skewed (+ C - 1): (2R - 1) + T + (C - 1) = 2R + C + T - 2
// The ifmap and filter demand matrices have the same row count per fold (the asserts in
// `create_demand_matrices`). With unlimited bandwidth nothing stalls, and
// `service_memory_requests` serves demand row i at cycle i, so SCALE-Sim's Total Cycles is the
// index of the last row: folds x cycles-per-fold - 1 (scaleSimTotalCycles). Checked against the
// repository's golden report (test/golden_trace/COMPUTE_REPORT.csv: ws, 32x32, AlexNet conv1 as a
// GEMM M = 55 x 55 = 3025, K = 11 x 11 x 3 = 363, N = 96: ceil(363/32) x ceil(96/32) = 36 folds x
// (64 + 32 + 3025 - 2) = 112284 rows, Total Cycles 112283).
//
// On the chip, one PE does one MAC per cycle at the array's native rate; a datatype whose peak
// (tile.macsPerCycle) differs from R x C streams T at R x C / macsPerCycle cycles per element (int8
// at twice the bf16 rate: half), while fill and drain stay whole cycles. A run takes
// folds x (overhead + T x that factor) cycles: the SCALE-Sim row count, i.e. its Total Cycles + 1.

import { ceilDiv } from './ints.ts';
import type { ChipConfig, Dataflow, MacDType } from './types.ts';

/** How SCALE-Sim maps a GEMM onto the array: Sr along the rows, Sc along the columns, T in time. */
export function scaleSimMapping(dataflow: Dataflow, M: number, N: number, K: number): { Sr: number; Sc: number; T: number } {
  if (dataflow === 'weight-stationary') return { Sr: K, Sc: N, T: M };
  if (dataflow === 'input-stationary') return { Sr: K, Sc: M, T: N };
  return { Sr: M, Sc: N, T: K };
}

/** Cycles of a fold that are not the T streaming steps: fill and drain (os: R + C - 2; ws, is: 2R + C - 2). */
export function foldOverhead(dataflow: Dataflow, R: number, C: number): number {
  return dataflow === 'output-stationary' ? R + C - 2 : 2 * R + C - 2;
}

/** Fill + drain cycles per fold of the chip's MAC array under a dataflow (default output-stationary: R + C - 2). */
export function foldOverheadCycles(chip: ChipConfig, dataflow: Dataflow = 'output-stationary'): number {
  return foldOverhead(dataflow, chip.tile.macArray.rows, chip.tile.macArray.cols);
}

export interface SystolicRun {
  folds: number;
  /** Cycles of one fold (SCALE-Sim's ofmap demand rows per fold). */
  foldCycles: number;
  /** folds x foldCycles. */
  cycles: number;
}

/**
 * A GEMM [M, K] x [K, N] on one R x C array, SCALE-Sim's schedule. `stream` scales the T streaming
 * steps (1 at the array's native rate).
 */
export function systolicRun(dataflow: Dataflow, R: number, C: number, M: number, N: number, K: number, stream = 1): SystolicRun {
  if (M <= 0 || N <= 0 || K <= 0) return { folds: 0, foldCycles: 0, cycles: 0 };
  const { Sr, Sc, T } = scaleSimMapping(dataflow, M, N, K);
  const folds = Math.ceil(Sr / R) * Math.ceil(Sc / C);
  const foldCycles = foldOverhead(dataflow, R, C) + T * stream;
  return { folds, foldCycles, cycles: folds * foldCycles };
}

/** SCALE-Sim v2's reported Total Cycles for a GEMM on one array with unlimited bandwidth (no stalls). */
export function scaleSimTotalCycles(dataflow: Dataflow, R: number, C: number, M: number, N: number, K: number): number {
  return systolicRun(dataflow, R, C, M, N, K).cycles - 1;
}

/** Cycles per streamed element for a datatype: R x C / peak MACs per cycle (1 when the peak is one MAC per PE). */
export function streamFactor(chip: ChipConfig, dtype: MacDType): number {
  return (chip.tile.macArray.rows * chip.tile.macArray.cols) / chip.tile.macsPerCycle[dtype];
}

/** A tile's GEMM block: m x n outputs, k-long reductions, one MAC datatype. */
export interface GemmShape { m: number; n: number; k: number; dtype: MacDType }

/** MAC-array cycles of a GEMM block on one tile. */
export function gemmCycles(chip: ChipConfig, dataflow: Dataflow, g: GemmShape): number {
  const { rows: R, cols: C } = chip.tile.macArray;
  return systolicRun(dataflow, R, C, g.m, g.n, g.k, streamFactor(chip, g.dtype)).cycles;
}

/**
 * MAC-array cycles of MAC work whose GEMM shape is unknown (attention's fused products, naive
 * kernels): MACs at the peak rate plus one fold's fill/drain per R x C output elements.
 */
export function unshapedMacCycles(chip: ChipConfig, dataflow: Dataflow, macs: Record<MacDType, number>, outElems: number): number {
  const { rows: R, cols: C } = chip.tile.macArray;
  const total = macs.int8 + macs.fp16 + macs.fp32;
  if (total === 0) return 0;
  const folds = Math.max(1, ceilDiv(outElems, R * C));
  return macs.int8 / chip.tile.macsPerCycle.int8 + macs.fp16 / chip.tile.macsPerCycle.fp16 + macs.fp32 / chip.tile.macsPerCycle.fp32 +
    folds * foldOverhead(dataflow, R, C);
}
