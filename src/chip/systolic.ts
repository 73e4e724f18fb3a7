// Compute on a tile: the systolic MAC array and the vector unit.
// (Structure step: the previous output-stationary cost, unchanged; see README.)

import type { ChipConfig, MacDType } from './types.ts';

/** Fill + drain cycles of one output-stationary fold (SCALE-Sim): 2R + C - 2. */
export function foldOverheadCycles(chip: ChipConfig): number {
  return 2 * chip.tile.macArray.rows + chip.tile.macArray.cols - 2;
}

/** MAC-array cycles of a tile's work: MACs / rate plus fill/drain per fold, a fold per R x C output elements. */
export function macArrayCycles(chip: ChipConfig, macs: Record<MacDType, number>, outElems: number): number {
  const { rows: aR, cols: aC } = chip.tile.macArray;
  const anyMacs = macs.int8 + macs.fp16 + macs.fp32 > 0;
  const folds = anyMacs ? Math.max(1, Math.ceil(outElems / (aR * aC))) : 0;
  return macs.int8 / chip.tile.macsPerCycle.int8 + macs.fp16 / chip.tile.macsPerCycle.fp16 + macs.fp32 / chip.tile.macsPerCycle.fp32 + folds * foldOverheadCycles(chip);
}
