// How one op is costed: the one function between the chip model's kernel time (simulatePlan) and
// an op's time, used by simulateModel for every op of a step and by every kernel-level view (the
// CLI's --kernel, the Bench prediction, Compare's kernel rows, the Walkthrough's animated op), so a
// kernel shown beside a model is costed by the same machinery as the model's op.
//
// The chip's runtime mechanisms (ChipConfig.runtime, cited in src/chip/presets.ts), applied per op:
// - HBM at its achievable bandwidth for the op's access pattern (hbmEfficiency.streaming / .tiled);
// - the exposed memory latency per kernel (memoryLatencyS: ramp and tail), unless the op is fused
//   into a neighbour or runs in the steady state of a spatial pipeline;
// - a launch gap per launched kernel (kernelLaunchS) and the per-layer fixed cost (layerFixedS) on
//   the first op of a layer;
// - the op's mode: 'fused' (inside a neighbouring kernel: no launch, no latency), 'on-chip'
//   (activations in SRAM: the caller passes them as resident / held), 'pipelined' (the op costs its
//   steady state, the largest of its compute, HBM and NoC time, except the layer's first op, which
//   pays the pipeline's fill and drain);
// - the compute side (runtime.compute): a tiled GEMM's compute runs at the measured fraction of the MAC
//   peak for its rows (gemmEfficiency) times its weight format's passes (gemmPasses, Tensix math
//   fidelity); prefill attention at the measured fraction for its sequence length (attentionEfficiency).
//   The op's compute time is its compute at peak x passes / efficiency, and the op takes at least that.
// Collectives (all-reduces, stage hops) are step-level and costed by simulateModel (collective.ts).

import { chipWith } from '../chip/config.ts';
import { formatDuration, formatPercent } from '../chip/format.ts';
import { simulatePlan, type SimOptions } from '../chip/sim.ts';
import type { ChipConfig, Dataflow, EfficiencyCurve, HbmPattern, SimResult } from '../chip/types.ts';
import type { Plan } from '../kernels/plan.ts';
import type { OpBound, OpBreakdown, OpMode } from './types.ts';
import { rowsPattern } from './forward.ts';
import { largestPart } from './bound.ts';


/** How one op runs; simulateModel fills it from the step (fusion, placement), a kernel view from the chip. */
export interface OpCostOptions {
  /** The op's HBM access pattern (which achievable bandwidth applies); default: patternOf(plan). */
  pattern?: HbmPattern;
  /** Default 'kernel': launched on its own, activations through HBM. */
  mode?: Exclude<OpMode, 'collective'>;
  /** The first op of a layer: pays the layer's fixed cost and, pipelined, the pipeline's fill and drain. */
  firstInLayer?: boolean;
  dataflow?: Dataflow;
  /** Tensors already in SRAM (pinned weights / KV cache, activations kept on chip). */
  resident?: readonly string[];
  /** Of `resident`, the activations held on chip across ops (SimResult.heldHbmReadBytes counts what that saves). */
  held?: readonly string[];
  pinnedBytesPerTile?: number;
  /** simulateModel: 'analytic'; a kernel view may ask for 'auto' (event timing when under budget). */
  timing?: SimOptions['timing'];
  maxTraceEvents?: number;
}

/** A runtime mechanism that changed the op's time, with its value on this chip. */
export interface AppliedMechanism {
  id: 'gemm-efficiency' | 'gemm-passes' | 'attention-efficiency' | 'hbm-efficiency' | 'memory-latency' | 'launch-gap' | 'layer-fixed' | 'fused' | 'on-chip' | 'pipelined';
  /** One line: what it did, with the preset's number. */
  text: string;
}

export interface OpCost {
  /** The chip model's run of the plan, on the chip at the op's achievable HBM bandwidth. */
  sim: SimResult;
  /** One run of the op (breakdown parts summed). */
  timeS: number;
  breakdown: OpBreakdown;
  /** The part of breakdown.memory that is the exposed memory latency (seconds). */
  latencyS: number;
  pattern: HbmPattern;
  mode: Exclude<OpMode, 'collective'>;
  bound: OpBound;
  mechanisms: AppliedMechanism[];
  /** The compute derating simulateOp applied (computeDerate): compute at peak x factor. */
  derate: ComputeDerate;
}

/** How far below peak an op's compute runs: its compute at peak is multiplied by `factor` (passes / efficiency). */
export interface ComputeDerate {
  factor: number;
  mechanisms: AppliedMechanism[];
}

const NO_DERATE: ComputeDerate = { factor: 1, mechanisms: [] };

/** A measured curve at x: log-linear between its points (in log2 x), clamped at the ends; 1 when empty. */
export function curveAt(curve: EfficiencyCurve, x: number): number {
  if (curve.length === 0) return 1;
  if (x <= curve[0][0]) return curve[0][1];
  const last = curve[curve.length - 1];
  if (x >= last[0]) return last[1];
  let i = 1;
  while (curve[i][0] < x) i++;
  const [x0, y0] = curve[i - 1], [x1, y1] = curve[i];
  return y0 + ((y1 - y0) * Math.log2(x / x0)) / Math.log2(x1 / x0);
}

/**
 * A GEMM's achieved fraction at M rows from a measured curve: the curve's value, or more where padding the
 * GEMM to a measured size with more rows would finish sooner (a stack can always pad M; the measured
 * out-of-box Tensix GEMMs are slower at 512 rows than at 1,024 for the same K x N, tt-metal GEMM_FLOPS.md),
 * so a GEMM's time never falls as its rows grow.
 */
export function gemmEfficiencyAt(curve: EfficiencyCurve, M: number): number {
  let eff = curveAt(curve, M);
  for (const [x, y] of curve) if (x > M) eff = Math.max(eff, (y * M) / x);
  return eff;
}

/**
 * The runtime.compute mechanisms for a plan: GEMMs (matmul, qkv) take their weight format's passes
 * (the format is the plan variant's tag, retypePlan's `@fmt`) and, when tiled (rows > STREAMING_ROWS),
 * the measured efficiency at their rows; prefill attention the measured efficiency at its S.
 */
export function computeDerate(chip: ChipConfig, plan: Pick<Plan, 'kernel' | 'variant' | 'params'>, pattern: HbmPattern): ComputeDerate {
  const c = chip.runtime.compute;
  const mechanisms: AppliedMechanism[] = [];
  let factor = 1;
  if (plan.kernel === 'matmul' || plan.kernel === 'qkv') {
    const fmt = plan.variant.split('@')[1] ?? '';
    const passes = c.gemmPasses[fmt] ?? 1;
    if (passes !== 1) {
      factor *= passes;
      mechanisms.push({ id: 'gemm-passes', text: `${passes} passes of the matrix unit per ${fmt} GEMM (math fidelity)` });
    }
    const M = plan.params.M;
    if (pattern === 'tiled' && typeof M === 'number' && c.gemmEfficiency.length > 0) {
      const eff = gemmEfficiencyAt(c.gemmEfficiency, M);
      factor /= eff;
      mechanisms.push({ id: 'gemm-efficiency', text: `GEMM of ${M} rows at ${formatPercent(eff)} of the matrix peak (measured by shape)` });
    }
  } else if (plan.kernel === 'attention-prefill' && c.attentionEfficiency.length > 0) {
    const S = Number(plan.params.L ?? plan.params.S);
    const eff = curveAt(c.attentionEfficiency, S);
    factor /= eff;
    mechanisms.push({ id: 'attention-efficiency', text: `prefill attention over ${S} keys at ${formatPercent(eff)} of the matrix peak (measured by sequence length)` });
  }
  return factor === 1 ? NO_DERATE : { factor, mechanisms };
}

/**
 * The HBM access pattern of a plan as a deployment runs it: GEMMs with at most STREAMING_ROWS rows,
 * decode attention (a KV scan) and element-wise / row-wise ops stream; larger GEMMs and prefill
 * attention are tiled.
 */
export function patternOf(plan: Pick<Plan, 'kernel' | 'params'>): HbmPattern {
  const k = plan.kernel;
  if (k === 'attention-decode' || k.startsWith('analytic-')) return 'streaming';
  if (k === 'attention-prefill') return 'tiled';
  const M = plan.params.M;
  if (typeof M === 'number') return rowsPattern(M);
  // element-wise and norm kernels (no GEMM rows): one pass over their operands
  return 'streaming';
}

/** The chip with its HBM at the achievable bandwidth of an access pattern (what the simulator should see). */
export function achievableChip(chip: ChipConfig, pattern: HbmPattern): ChipConfig {
  const eff = chip.runtime.hbmEfficiency[pattern];
  return eff === 1 ? chip : chipWith(chip, { hbmBandwidthBytesPerS: chip.hbm.bandwidthBytesPerS * eff });
}


/**
 * One op on a chip with the preset's runtime mechanisms: the plan simulated at the achievable HBM
 * bandwidth of its pattern, then costed by opCost. `achievable`, when given, is
 * achievableChip(chip, pattern) built once by the caller.
 */
export function simulateOp(chip: ChipConfig, plan: Plan, opts: OpCostOptions = {}, achievable?: ChipConfig): OpCost {
  const pattern = opts.pattern ?? patternOf(plan);
  const sim = simulatePlan(achievable ?? achievableChip(chip, pattern), plan, {
    dataflow: opts.dataflow, maxTraceEvents: opts.maxTraceEvents ?? 0, pinnedBytesPerTile: opts.pinnedBytesPerTile,
    timing: opts.timing ?? 'analytic', resident: opts.resident, held: opts.held,
  });
  return opCost(chip, sim, pattern, opts.mode ?? 'kernel', opts.firstInLayer ?? false, computeDerate(chip, plan, pattern));
}

/**
 * The op's time from its simulated run (on the achievable-bandwidth chip), split into compute (the
 * compute roofline at peak), memory (the rest of the kernel: data movement not hidden under compute,
 * fill/drain, the exposed latency), launch (gap per launched kernel, per-layer cost) and collective
 * (0 here: step-level), with the mechanisms that applied.
 */
export function opCost(chip: ChipConfig, sim: SimResult, pattern: HbmPattern, mode: OpCost['mode'], first: boolean, derate: ComputeDerate = NO_DERATE): OpCost {
  const rt = chip.runtime;
  const clock = chip.clockHz;
  const steady = mode === 'pipelined' && !first;
  // the compute roofline at the achieved rate (passes / efficiency); the op takes at least that long
  const compute = sim.roofline.compute * derate.factor;
  const atPeak = steady ? Math.max(sim.roofline.compute, sim.roofline.memory, sim.roofline.noc) / clock : sim.timeS;
  const kernel = steady ? Math.max(compute, sim.roofline.memory, sim.roofline.noc) / clock : Math.max(sim.timeS, compute / clock);
  const computeT = Math.min(kernel, compute / clock);
  const fused = mode === 'fused';
  const latency = fused || steady ? 0 : rt.memoryLatencyS;
  const gap = fused ? 0 : rt.kernelLaunchS;
  const fixed = first ? rt.layerFixedS : 0;
  const breakdown: OpBreakdown = { compute: computeT, memory: kernel - computeT + latency, launch: gap + fixed, collective: 0 };
  const timeS = breakdown.compute + breakdown.memory + breakdown.launch;

  // the compute mechanisms are listed where they set the op's time (the kernel at peak would be faster)
  const mechanisms: AppliedMechanism[] = kernel > atPeak ? [...derate.mechanisms] : [];
  const eff = rt.hbmEfficiency[pattern];
  if (eff !== 1 && chip.hbm.stacks > 0) mechanisms.push({ id: 'hbm-efficiency', text: `HBM at ${formatPercent(eff)} of its peak (${pattern} access)` });
  if (latency > 0) mechanisms.push({ id: 'memory-latency', text: `${formatDuration(latency)} exposed memory latency (ramp and tail) per kernel` });
  if (gap > 0) mechanisms.push({ id: 'launch-gap', text: `${formatDuration(gap)} launch gap` });
  if (fixed > 0) mechanisms.push({ id: 'layer-fixed', text: `${formatDuration(fixed)} fixed cost per layer` });
  if (fused) mechanisms.push({ id: 'fused', text: 'fused into a neighbouring kernel (no launch, no latency of its own)' });
  if (mode === 'on-chip') mechanisms.push({ id: 'on-chip', text: 'activations kept in SRAM across ops' });
  if (mode === 'pipelined') mechanisms.push({ id: 'pipelined', text: steady ? 'spatial layer pipeline: the steady state (largest of compute, HBM and NoC time)' : 'spatial layer pipeline: the first op pays its fill and drain' });

  const bound = opBound(breakdown, sim);
  return { sim, timeS, breakdown, latencyS: latency, pattern, mode, bound, mechanisms, derate };
}

/**
 * The one definition of an op's bound (OpBound): the largest part of its split (ties: memory, then
 * compute, launch, collective); when that is the memory part, what limited the simulated waves
 * (sim.bound: memory or noc, 'array-schedule' where the waves were paced by MAC arrays working far
 * below the chip's peak, 'compute' for vector-only work). Without a simulated run (a collective)
 * the memory part reads 'memory'.
 */
export function opBound(b: OpBreakdown, sim?: Pick<SimResult, 'bound' | 'counts'>): OpBound {
  const top = largestPart<OpBound | 'mem'>([['mem', b.memory], ['compute', b.compute], ['launch', b.launch], ['collective', b.collective]]);
  if (top !== 'mem') return top;
  if (!sim) return 'memory';
  const macs = sim.counts.macs.int8 + sim.counts.macs.fp16 + sim.counts.macs.fp32;
  return sim.bound === 'compute' && macs > 0 ? 'array-schedule' : sim.bound;
}
