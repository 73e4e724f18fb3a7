// Model-level result types: what simulateModel returns (per op and per step). Pure data, shared by the
// worker, the CLI and the UI. Chip-level types (ChipConfig, SimResult, ...) stay in src/chip/types.ts.

import type { Bound, EnergyBreakdown } from '../chip/types.ts';

export type Phase = 'prefill' | 'decode';

/**
 * Number formats as deployments store weights and KV cache. Bytes per element include the block
 * scale overhead (precision.ts has the layouts and their sources).
 */
export type NumberFormat = 'bf16' | 'fp8' | 'int8' | 'int4' | 'bfp8' | 'bfp4' | 'q4_0' | 'q4_k' | 'q5_k' | 'q6_k' | 'q4_1' | 'q5_0' | 'q5_1' | 'q8_0' | 'q3_k' | 'q2_k' | 'iq4_nl' | 'iq4_xs' | 'f16' | 'f32';

/** Weights (attention and MLP may differ, as in tt-metal's bfp8 attention / bfp4 MLP) and KV cache. */
export interface PrecisionSpec {
  weights: NumberFormat;
  /** MLP weights (gate/up/down or fc/proj); default: `weights`. */
  mlpWeights?: NumberFormat;
  kv: NumberFormat;
}

/**
 * Where an op's time goes; the four parts sum to the op's timeS.
 * compute: the MAC array / vector unit at peak for the op's work (its compute roofline);
 * memory: the rest of the kernel's time: data movement (HBM at its achievable bandwidth, NoC) not hidden
 * under compute, memory latency, fill/drain bubbles;
 * launch: kernel launch + synchronisation gaps and per-layer fixed cost;
 * collective: all-reduce time between chips.
 */
export interface OpBreakdown {
  compute: number;
  memory: number;
  launch: number;
  collective: number;
}

/** How an op ran: 'kernel' (launched, activations via HBM), 'fused' (inside a neighbour kernel), 'on-chip' (activations in SRAM), 'pipelined' (spatial layer pipeline), 'collective' (between chips). */
export type OpMode = 'kernel' | 'fused' | 'on-chip' | 'pipelined' | 'collective';

/**
 * What limited an op: the largest part of its time split (OpBreakdown), the one definition every view
 * shows (opBound in cost.ts computes it): 'compute' (the MAC / vector work at the achieved rate),
 * 'launch' (launch gaps and per-layer cost), 'collective' (all-reduce / stage hop between chips), or
 * for the memory part (the rest of the kernel's time) what limited the simulated waves: 'memory'
 * (HBM), 'noc', 'array-schedule' (the MAC arrays set the pace far below the chip's peak: padded or
 * one-row tiles, a GEMV on an output-stationary array, fill and drain, tiles left idle), or
 * 'compute' for vector-only work on the tiles in use.
 */
export type OpBound = Bound | 'launch' | 'array-schedule' | 'collective';

export interface OpSimResult {
  name: string;
  /** Which kernel / plan described the op ("matmul/tiled-f16", "analytic:rmsnorm"...). */
  source: string;
  timeS: number;
  share: number;
  /** The largest part of `breakdown` (OpBound), as every kernel view states an op's bound. */
  bound: OpBound;
  energyJ: number;
  bytes: { hbm: number; noc: number; sram: number };
  macs: number;
  breakdown: OpBreakdown;
  /** HBM bytes this op did not move because its activations stayed on chip (fusion), all layers and chips. */
  savedBytes: { hbm: number };
  mode: OpMode;
  /** The GPU decode loop's ops (layer-free names) this op stands for (forward.ts ForwardOp.covers); absent for collectives. */
  covers?: string[];
}

export interface ModelSimResult {
  chip: string;
  model: string;
  phase: Phase;
  tokens: number;
  context: number;
  batch: number;
  chips: number;
  /** chips = tensor-parallel degree (a divisor of the heads) x pipeline stages (layers split). */
  parallel: { tensor: number; stages: number };
  /** Short label, e.g. "bf16" or "w:bfp8/mlp:bfp4 kv:bfp8". */
  precision: string;
  formats: Required<PrecisionSpec>;
  /** Whole step (prefill: all tokens; decode: one token per sequence). */
  timeS: number;
  cycles: number;
  perTokenMs: number;
  tokensPerS: number;
  joulesPerToken: number;
  tokensPerSPerW: number;
  /** Average power over the step, all chips. */
  powerW: number;
  utilization: number;
  bytes: { hbm: number; noc: number; sram: number; scaleOut: number };
  energyJ: number;
  energyByLevel: EnergyBreakdown;
  ops: OpSimResult[];
  /** Sum of the ops' breakdowns (seconds). */
  breakdown: OpBreakdown;
  /** The part of breakdown.memory that is exposed per-kernel memory latency (runtime.memoryLatencyS: ramp and tail), seconds. */
  memoryLatencyS: number;
  /** HBM bytes saved by fusion over the whole step. */
  savedBytes: { hbm: number };
  placement: {
    weightsBytes: number;
    kvCacheBytes: number;
    weights: 'sram' | 'hbm';
    kvCache: 'sram' | 'hbm';
    fits: boolean;
    messages: string[];
  };
  /** What the chip's runtime did with activations (asked vs what fit). */
  fusion: { asked: string; applied: string; messages: string[] };
  /** In-flight batching: the prefill tokens the decode step carried (prompts of `prompt` tokens); absent for a plain step. */
  carried?: { tokens: number; prompt: number };
  notes: string[];
}
