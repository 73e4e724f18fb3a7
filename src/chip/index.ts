// The chip model's public surface (see types.ts for the data it returns). Whole models live one layer
// up, in src/models (they import the chip model, never the other way round).
export * from './types.ts';
export { CHIP_PRESETS, chipPreset } from './presets.ts';
export { validateChipConfig, withOverride, resolveChip, type ChipOverride, ChipConfigError, MIN_SRAM_BYTES, IDEAL_RUNTIME, DEFAULT_COLLECTIVE, FUSIONS, COLLECTIVES } from './config.ts';
export { simulatePlan, DEFAULT_MAX_TRACE_EVENTS, type SimOptions, type TileFlows } from './sim.ts';
export { energyOf, emptyCounts, addCounts } from './energy.ts';
export { foldOverheadCycles } from './systolic.ts';
export { buildMesh, routeLinks, routeBuffer, hopCount, linkTarget, type Mesh } from './mesh.ts';
export { estimateTransfers, EVENT_BUDGET_TRANSFERS } from './events.ts';
