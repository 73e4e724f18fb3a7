// Validation of a raw (JSON / UI / URL) chip configuration into a ChipConfig.
// Every rejection names the field and the allowed range.

import { DATAFLOWS, type ChipConfig, type CollectiveConfig, type Dataflow, type Edge, type Fusion, type MacDType, type RuntimeConfig } from './types.ts';

export class ChipConfigError extends Error {
  override name = 'ChipConfigError';
}

const EDGES: readonly Edge[] = ['north', 'south', 'west', 'east'];
const DTYPES: readonly MacDType[] = ['int8', 'fp16', 'fp32'];

type Raw = Record<string, unknown>;

function obj(raw: unknown, field: string): Raw {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ChipConfigError(`${field} must be an object, got ${JSON.stringify(raw)}`);
  }
  return raw as Raw;
}

function num(raw: Raw, key: string, field: string, min: number, max: number, integer = false): number {
  const v = raw[key];
  const f = `${field}.${key}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ChipConfigError(`${f} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  if (integer && !Number.isInteger(v)) throw new ChipConfigError(`${f} must be an integer in [${min}, ${max}], got ${v}`);
  if (v < min || v > max) throw new ChipConfigError(`${f} must be in [${min}, ${max}], got ${v}`);
  return v;
}

function bool(raw: Raw, key: string, field: string): boolean {
  const v = raw[key];
  if (typeof v !== 'boolean') throw new ChipConfigError(`${field}.${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function rejectUnknown(raw: Raw, field: string, known: readonly string[]): void {
  for (const k of Object.keys(raw)) {
    if (!known.includes(k)) throw new ChipConfigError(`${field}: unknown field "${k}"; allowed: ${known.join(', ')}`);
  }
}

function oneOf<T extends string>(raw: Raw, key: string, field: string, allowed: readonly T[]): T {
  const v = raw[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new ChipConfigError(`${field}.${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

export const FUSIONS: readonly Fusion[] = ['none', 'elementwise', 'activations', 'pipeline'];
export const COLLECTIVES: readonly CollectiveConfig['algorithm'][] = ['ring', 'tree', 'one-shot'];

/**
 * The runtime a config without a `runtime` block gets: an ideal machine (peak bandwidth, no launch
 * gaps, no fusion), i.e. the chip's roofline as the model computed it before these mechanisms existed.
 * Presets set every field with its source.
 */
export const IDEAL_RUNTIME: RuntimeConfig = {
  hbmEfficiency: { streaming: 1, tiled: 1 }, memoryLatencyS: 0, kernelLaunchS: 0, layerFixedS: 0, fusion: 'none',
  compute: { gemmEfficiency: [], gemmPasses: {}, attentionEfficiency: [] },
};

/** A [x, fraction] curve: x > 0 ascending, fractions in (0, 1]. */
function curveOf(input: unknown, field: string): Array<[number, number]> {
  if (input === undefined) return [];
  if (!Array.isArray(input)) throw new ChipConfigError(`${field} must be a list of [x, fraction] points, got ${JSON.stringify(input)}`);
  let prev = 0;
  return input.map((pt, i) => {
    const ok = Array.isArray(pt) && pt.length === 2 && pt.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok || pt[0] <= prev || pt[1] <= 0 || pt[1] > 1) {
      throw new ChipConfigError(`${field}[${i}] must be [x, fraction] with x > 0 ascending and fraction in (0, 1], got ${JSON.stringify(pt)}`);
    }
    prev = pt[0];
    return [pt[0], pt[1]] as [number, number];
  });
}

function computeOf(input: unknown): RuntimeConfig['compute'] {
  if (input === undefined) return structuredClone(IDEAL_RUNTIME.compute);
  const c = obj(input, 'config.runtime.compute');
  rejectUnknown(c, 'config.runtime.compute', ['gemmEfficiency', 'gemmPasses', 'attentionEfficiency']);
  const passes = c.gemmPasses === undefined ? {} : obj(c.gemmPasses, 'config.runtime.compute.gemmPasses');
  const gemmPasses: Record<string, number> = {};
  for (const k of Object.keys(passes)) gemmPasses[k] = num(passes, k, 'config.runtime.compute.gemmPasses', 1, 4, true);
  return {
    gemmEfficiency: curveOf(c.gemmEfficiency, 'config.runtime.compute.gemmEfficiency'),
    gemmPasses,
    attentionEfficiency: curveOf(c.attentionEfficiency, 'config.runtime.compute.attentionEfficiency'),
  };
}
/** Collective used when a config has none: a ring whose steps cost only the link latency. */
export const DEFAULT_COLLECTIVE: CollectiveConfig = { algorithm: 'ring', stepLatencyS: 0, launchS: 0 };

function runtimeOf(input: unknown): RuntimeConfig {
  if (input === undefined) return structuredClone(IDEAL_RUNTIME);
  const r = obj(input, 'config.runtime');
  rejectUnknown(r, 'config.runtime', ['hbmEfficiency', 'memoryLatencyS', 'kernelLaunchS', 'layerFixedS', 'fusion', 'compute']);
  const e = obj(r.hbmEfficiency, 'config.runtime.hbmEfficiency');
  rejectUnknown(e, 'config.runtime.hbmEfficiency', ['streaming', 'tiled']);
  return {
    hbmEfficiency: { streaming: num(e, 'streaming', 'config.runtime.hbmEfficiency', 0.05, 1), tiled: num(e, 'tiled', 'config.runtime.hbmEfficiency', 0.05, 1) },
    memoryLatencyS: num(r, 'memoryLatencyS', 'config.runtime', 0, 1e-4),
    kernelLaunchS: num(r, 'kernelLaunchS', 'config.runtime', 0, 1e-3),
    layerFixedS: num(r, 'layerFixedS', 'config.runtime', 0, 1e-2),
    fusion: oneOf(r, 'fusion', 'config.runtime', FUSIONS),
    compute: computeOf(r.compute),
  };
}

function collectiveOf(input: unknown): CollectiveConfig {
  if (input === undefined) return { ...DEFAULT_COLLECTIVE };
  const c = obj(input, 'config.scaleOut.collective');
  rejectUnknown(c, 'config.scaleOut.collective', ['algorithm', 'stepLatencyS', 'launchS', 'large']);
  const out: CollectiveConfig = {
    algorithm: oneOf(c, 'algorithm', 'config.scaleOut.collective', COLLECTIVES),
    stepLatencyS: num(c, 'stepLatencyS', 'config.scaleOut.collective', 0, 1e-3),
    launchS: num(c, 'launchS', 'config.scaleOut.collective', 0, 1e-3),
  };
  if (c.large !== undefined) {
    const l = obj(c.large, 'config.scaleOut.collective.large');
    rejectUnknown(l, 'config.scaleOut.collective.large', ['aboveBytes', 'algorithm', 'fewChips']);
    out.large = { aboveBytes: num(l, 'aboveBytes', 'config.scaleOut.collective.large', 1, 1e12), algorithm: oneOf(l, 'algorithm', 'config.scaleOut.collective.large', ['ring', 'tree'] as const) };
    if (l.fewChips !== undefined) {
      const f = obj(l.fewChips, 'config.scaleOut.collective.large.fewChips');
      rejectUnknown(f, 'config.scaleOut.collective.large.fewChips', ['upTo', 'aboveBytes']);
      out.large.fewChips = { upTo: num(f, 'upTo', 'config.scaleOut.collective.large.fewChips', 2, 1024, true), aboveBytes: num(f, 'aboveBytes', 'config.scaleOut.collective.large.fewChips', 1, 1e12) };
    }
  }
  return out;
}

/** The smallest SRAM that holds one block: a 16x16 f32 output block plus a 16x16 operand pair. */
export const MIN_SRAM_BYTES = 4 * (16 * 16 + 2 * 16 * 16);

/** Validates a whole ChipConfig (the schema the UI edits and `--chip-config FILE.json` takes). */
/** Overrides of one preset's geometry (the Chip tab's grid and MAC array; share state chip.grid, chip.array). */
export interface ChipOverride {
  grid?: { rows: number; cols: number };
  array?: { rows: number; cols: number };
}

/**
 * A preset's configuration with overrides applied: the tile grid replaces the preset's (so the peak
 * scales with the tile count), the MAC array replaces the tile's array and scales its MAC rate with
 * the PE count (MACs per PE per cycle stay); everything else is the preset's. resolveChip (the CLI's
 * --grid / --array and the worker's chip choice) and the roofline go through it.
 */
export function withOverride(chip: ChipConfig, o: ChipOverride | undefined): ChipConfig {
  if (!o?.grid && !o?.array) return chip;
  const old = chip.tile.macArray, a = o.array;
  let macsPerCycle: ChipConfig['tile']['macsPerCycle'] | undefined;
  if (a && (a.rows !== old.rows || a.cols !== old.cols)) {
    const f = (a.rows * a.cols) / (old.rows * old.cols);
    const m = chip.tile.macsPerCycle;
    macsPerCycle = { int8: m.int8 * f, fp16: m.fp16 * f, fp32: m.fp32 * f };
  }
  return chipWith(chip, { grid: o.grid, macArray: a, macsPerCycle });
}

/**
 * The one "preset + overrides" chip resolution: a base config (a preset's, or a validated
 * --chip-config file) with the grid / MAC array overrides of withOverride, validated. The CLI
 * (src/cli/simulate.ts) and the worker (src/worker/api.ts) both call it, so the same override gives
 * the same chip everywhere. Throws ChipConfigError on an override the config rules refuse.
 */
export function resolveChip(base: ChipConfig, o: ChipOverride | undefined): ChipConfig {
  return !o?.grid && !o?.array ? base : validateChipConfig(withOverride(base, o));
}

/**
 * `chip` with its grid, MAC array or HBM bandwidth replaced, built by chipOf like every validated
 * config. An object spread has a hidden class of its own, and optimised simulator code that met one
 * shape deoptimises at the other.
 */
export function chipWith(
  chip: ChipConfig,
  p: { grid?: { rows: number; cols: number }; macArray?: { rows: number; cols: number }; macsPerCycle?: ChipConfig['tile']['macsPerCycle']; hbmBandwidthBytesPerS?: number },
): ChipConfig {
  return chipOf({
    ...chip,
    grid: p.grid ?? chip.grid,
    tile: { ...chip.tile, macArray: p.macArray ?? chip.tile.macArray, macsPerCycle: p.macsPerCycle ?? chip.tile.macsPerCycle },
    hbm: { ...chip.hbm, bandwidthBytesPerS: p.hbmBandwidthBytesPerS ?? chip.hbm.bandwidthBytesPerS },
  });
}

/**
 * The one place a ChipConfig object is built (validateChipConfig, chipWith): the same properties in
 * the same order, the grid, tile, MAC array and HBM objects too, so V8 gives every config the same
 * hidden classes and the simulator's loops see one object shape however a config was made.
 */
function chipOf(c: ChipConfig): ChipConfig {
  const t = c.tile, h = c.hbm;
  const tile: ChipConfig['tile'] = {
    macArray: { rows: t.macArray.rows, cols: t.macArray.cols },
    macsPerCycle: t.macsPerCycle,
    vectorOpsPerCycle: t.vectorOpsPerCycle,
    sramBytes: t.sramBytes,
  };
  if (t.dataflow !== undefined) tile.dataflow = t.dataflow;
  return {
    name: c.name, clockHz: c.clockHz, grid: { rows: c.grid.rows, cols: c.grid.cols }, tile, noc: c.noc,
    hbm: { stacks: h.stacks, bandwidthBytesPerS: h.bandwidthBytesPerS, capacityBytes: h.capacityBytes, edges: h.edges },
    energy: c.energy, scaleOut: c.scaleOut, runtime: c.runtime,
  };
}

export function validateChipConfig(input: unknown): ChipConfig {
  const raw = obj(input, 'config');
  rejectUnknown(raw, 'config', ['name', 'clockHz', 'grid', 'tile', 'noc', 'hbm', 'energy', 'scaleOut', 'runtime']);
  const name = raw.name === undefined ? 'custom' : raw.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) throw new ChipConfigError(`config.name must be a string of 1 to 64 characters`);
  const clockHz = num(raw, 'clockHz', 'config', 1e6, 1e10);

  const g = obj(raw.grid, 'config.grid');
  rejectUnknown(g, 'config.grid', ['rows', 'cols']);
  const grid = { rows: num(g, 'rows', 'config.grid', 1, 256, true), cols: num(g, 'cols', 'config.grid', 1, 256, true) };

  const t = obj(raw.tile, 'config.tile');
  rejectUnknown(t, 'config.tile', ['macArray', 'macsPerCycle', 'vectorOpsPerCycle', 'sramBytes', 'dataflow']);
  const ma = obj(t.macArray, 'config.tile.macArray');
  rejectUnknown(ma, 'config.tile.macArray', ['rows', 'cols']);
  const macArray = { rows: num(ma, 'rows', 'config.tile.macArray', 1, 4096, true), cols: num(ma, 'cols', 'config.tile.macArray', 1, 4096, true) };
  const mpc = obj(t.macsPerCycle, 'config.tile.macsPerCycle');
  rejectUnknown(mpc, 'config.tile.macsPerCycle', DTYPES);
  const macsPerCycle = {} as Record<MacDType, number>;
  for (const d of DTYPES) macsPerCycle[d] = num(mpc, d, 'config.tile.macsPerCycle', 1, 1 << 24);
  const tile: ChipConfig['tile'] = {
    macArray,
    macsPerCycle,
    vectorOpsPerCycle: num(t, 'vectorOpsPerCycle', 'config.tile', 1, 1 << 20),
    sramBytes: num(t, 'sramBytes', 'config.tile', MIN_SRAM_BYTES, 2 ** 34, true),
  };
  if (t.dataflow !== undefined) {
    if (!DATAFLOWS.includes(t.dataflow as Dataflow)) throw new ChipConfigError(`config.tile.dataflow must be one of ${DATAFLOWS.join(', ')}, got ${JSON.stringify(t.dataflow)}`);
    tile.dataflow = t.dataflow as Dataflow;
  }

  const n = obj(raw.noc, 'config.noc');
  rejectUnknown(n, 'config.noc', ['topology', 'linkBytesPerCycle', 'hopLatencyCycles', 'multicast']);
  if (n.topology !== 'mesh' && n.topology !== 'torus') throw new ChipConfigError(`config.noc.topology must be one of mesh, torus, got ${JSON.stringify(n.topology)}`);
  const noc = {
    topology: n.topology as 'mesh' | 'torus',
    linkBytesPerCycle: num(n, 'linkBytesPerCycle', 'config.noc', 1, 1 << 16),
    hopLatencyCycles: num(n, 'hopLatencyCycles', 'config.noc', 0, 1000),
    multicast: bool(n, 'multicast', 'config.noc'),
  };

  const h = obj(raw.hbm, 'config.hbm');
  rejectUnknown(h, 'config.hbm', ['stacks', 'bandwidthBytesPerS', 'capacityBytes', 'edges']);
  const stacks = num(h, 'stacks', 'config.hbm', 0, 64, true);
  const hbm = {
    stacks,
    bandwidthBytesPerS: num(h, 'bandwidthBytesPerS', 'config.hbm', stacks === 0 ? 0 : 1e6, 1e15),
    capacityBytes: num(h, 'capacityBytes', 'config.hbm', 0, 2 ** 45),
    edges: [] as Edge[],
  };
  if (stacks > 0 && hbm.bandwidthBytesPerS <= 0) throw new ChipConfigError(`config.hbm.bandwidthBytesPerS must be > 0 when stacks > 0`);
  if (!Array.isArray(h.edges) || (stacks > 0 && h.edges.length === 0) || h.edges.some((e) => !EDGES.includes(e as Edge))) {
    throw new ChipConfigError(`config.hbm.edges must be a non-empty list of ${EDGES.join(', ')} (empty allowed only when stacks = 0), got ${JSON.stringify(h.edges)}`);
  }
  hbm.edges = h.edges as Edge[];

  const e = obj(raw.energy, 'config.energy');
  rejectUnknown(e, 'config.energy', ['macPj', 'vectorOpPj', 'sramReadPjPerByte', 'sramWritePjPerByte', 'nocPjPerByteHop', 'hbmPjPerByte', 'scaleOutPjPerByte', 'staticW']);
  const mp = obj(e.macPj, 'config.energy.macPj');
  rejectUnknown(mp, 'config.energy.macPj', DTYPES);
  const macPj = {} as Record<MacDType, number>;
  for (const d of DTYPES) macPj[d] = num(mp, d, 'config.energy.macPj', 0, 1000);
  const energy = {
    macPj,
    vectorOpPj: num(e, 'vectorOpPj', 'config.energy', 0, 1000),
    sramReadPjPerByte: num(e, 'sramReadPjPerByte', 'config.energy', 0, 1000),
    sramWritePjPerByte: num(e, 'sramWritePjPerByte', 'config.energy', 0, 1000),
    nocPjPerByteHop: num(e, 'nocPjPerByteHop', 'config.energy', 0, 1000),
    hbmPjPerByte: num(e, 'hbmPjPerByte', 'config.energy', 0, 10000),
    scaleOutPjPerByte: num(e, 'scaleOutPjPerByte', 'config.energy', 0, 100000),
    staticW: num(e, 'staticW', 'config.energy', 0, 10000),
  };

  const s = obj(raw.scaleOut, 'config.scaleOut');
  rejectUnknown(s, 'config.scaleOut', ['maxChips', 'linkBytesPerS', 'linkLatencyS', 'collective']);
  const scaleOut = {
    maxChips: num(s, 'maxChips', 'config.scaleOut', 1, 65536, true),
    linkBytesPerS: num(s, 'linkBytesPerS', 'config.scaleOut', 1e6, 1e14),
    linkLatencyS: num(s, 'linkLatencyS', 'config.scaleOut', 0, 1),
    collective: collectiveOf(s.collective),
  };
  return chipOf({ name, clockHz, grid, tile, noc, hbm, energy, scaleOut, runtime: runtimeOf(raw.runtime) });
}
