// Public types of the chip model: configuration, presets, simulation results and the trace
// the UI animates. Pure data, no DOM, no GPU: shared by src/chip, src/models, the worker and the UI.

/** Datatypes the MAC array distinguishes (a plan's 'f16' runs at the fp16/bf16 rate). */
export type MacDType = 'int8' | 'fp16' | 'fp32';

/** Which side of the tile grid an HBM stack (or GDDR channel group) attaches to. */
export type Edge = 'north' | 'south' | 'west' | 'east';

export interface ChipConfig {
  /** Short name shown in summaries, e.g. "jalapeno". */
  name: string;
  clockHz: number;
  grid: { rows: number; cols: number };
  tile: {
    /** Physical systolic MAC array (rows x cols): sets fill/drain latency (SCALE-Sim model). */
    macArray: { rows: number; cols: number };
    /** Peak MACs per cycle per tile for each datatype. */
    macsPerCycle: Record<MacDType, number>;
    /** Vector unit: element ops per cycle (exp, max, scale, normalize...). */
    vectorOpsPerCycle: number;
    sramBytes: number;
    /**
     * The MAC array's schedule when a run does not ask for one (SimOptions.dataflow); absent =
     * output-stationary. SCALE-Sim v2's `Dataflow : os | ws | is`.
     */
    dataflow?: Dataflow;
  };
  noc: {
    topology: 'mesh' | 'torus';
    /** Bytes per cycle per direction per link. */
    linkBytesPerCycle: number;
    hopLatencyCycles: number;
    /** Row/column multicast: one HBM read delivered to every tile that needs the block. */
    multicast: boolean;
  };
  hbm: {
    /** Stacks (or memory channel groups); 0 = SRAM-only chip. */
    stacks: number;
    /** Total bandwidth in bytes per second over all stacks. */
    bandwidthBytesPerS: number;
    capacityBytes: number;
    /** Edges the stacks attach to, round-robin; each stack attaches to one edge tile. */
    edges: Edge[];
  };
  energy: {
    /** Picojoules per MAC by datatype. */
    macPj: Record<MacDType, number>;
    vectorOpPj: number;
    sramReadPjPerByte: number;
    sramWritePjPerByte: number;
    nocPjPerByteHop: number;
    hbmPjPerByte: number;
    scaleOutPjPerByte: number;
    /** Leakage, clocks, I/O: burned for the whole run. */
    staticW: number;
  };
  scaleOut: {
    /** Chips a system can hold (upper bound for tensor parallelism). */
    maxChips: number;
    /** Per chip, all scale-out links together, bytes per second. */
    linkBytesPerS: number;
    /** Wire + switch latency of one hop between chips. */
    linkLatencyS: number;
    /** How an all-reduce runs over the fabric (see CollectiveConfig). */
    collective: CollectiveConfig;
  };
  /** How kernels run on the chip: what makes a real system fall short of its roofline (see RuntimeConfig). */
  runtime: RuntimeConfig;
}

/**
 * An all-reduce of n bytes over P chips (NCCL-style algorithms):
 * - ring: 2(P-1) steps, each moving n/P per chip: 2(P-1)·step + 2(P-1)/P·n / link;
 * - tree: 2·ceil(log2 P) steps (reduce up, broadcast down), pipelined: 2·ceil(log2 P)·step + 2·n / link;
 * - one-shot: every chip reads its P-1 peers' whole buffers at once and reduces locally (TensorRT-LLM's
 *   custom all-reduce for small messages over NVLink): 2 steps (write, barrier) + (P-1)·n / link.
 * One step costs the fabric's linkLatencyS + stepLatencyS (protocol, synchronisation, flag polling);
 * the collective as a whole costs launchS once (its kernel launch or the host's command).
 */
export interface CollectiveConfig {
  algorithm: 'ring' | 'tree' | 'one-shot';
  stepLatencyS: number;
  launchS: number;
  /**
   * Messages larger than `aboveBytes` run as `algorithm` here instead (a one-shot all-reduce holds the
   * whole message in a fixed workspace; TensorRT-LLM hands larger ones to NCCL's ring). Absent: one algorithm for every size.
   * `fewChips`: a larger workspace where at most `upTo` chips share it (TensorRT-LLM sizes it by tensor-parallel degree).
   */
  large?: { aboveBytes: number; algorithm: 'ring' | 'tree'; fewChips?: { upTo: number; aboveBytes: number } };
}

/** How activations move between the ops of a layer. */
export type Fusion =
  /** Every op is a kernel; activations go to HBM and back between kernels. */
  | 'none'
  /** GPU-style epilogue fusion: element-wise ops (RoPE, SiLU·mul, residual adds) run inside the neighbouring kernels (no launch of their own); norms stay kernels (their row reduction must finish first); activations still go through HBM. */
  | 'elementwise'
  /** Dataflow: activations stay in tile SRAM across ops when the layer's live activations fit (checked); element-wise ops fused. */
  | 'activations'
  /** Dataflow: as 'activations', and the ops of a layer run as one spatial pipeline: the next op's operands stream in while the previous op computes, so per-op fill/drain bubbles vanish (SRAM for every op's buffers checked). */
  | 'pipeline';

/** Access patterns with their own achievable HBM bandwidth. */
export type HbmPattern = 'streaming' | 'tiled';

/**
 * The mechanisms between a chip's roofline and what it delivers on a model. Every field is a named,
 * cited parameter (presets.ts); the model applies them op by op and reports each op's time split into
 * compute / memory / launch-gap / collective.
 */
export interface RuntimeConfig {
  /**
   * Achievable fraction of peak memory bandwidth: `streaming` for long sequential reads (GEMV over
   * weights in decode, KV-cache scans, element-wise ops), `tiled` for blocked GEMM operand loads
   * (prefill), where strided tile fetches and bank conflicts cost more.
   */
  hbmEfficiency: Record<HbmPattern, number>;
  /**
   * Exposed memory latency per kernel (seconds): the first bytes of a kernel arrive this late and the
   * bandwidth ramps up (Little's law: a kernel moving B bytes takes B / (eff·BW) + latency), so small
   * transfers reach only a fraction of the bandwidth.
   */
  memoryLatencyS: number;
  /** Launch + synchronisation gap per kernel (a GPU runs a layer as a sequence of kernels); 0 for a statically scheduled dataflow chip. */
  kernelLaunchS: number;
  /** Fixed cost per layer (host-side scheduling, graph node overhead, barriers), seconds. */
  layerFixedS: number;
  fusion: Fusion;
  /** How far below the matrix units' peak the compute of GEMMs and prefill attention runs (see ComputeRuntime). */
  compute: ComputeRuntime;
}

/** A measured curve: [x, fraction] points, x ascending; read log-linearly between points, clamped at the ends. */
export type EfficiencyCurve = ReadonlyArray<readonly [number, number]>;

/**
 * The compute side of the runtime (issue 26: prefill grounded): each a named, cited parameter in the
 * presets, applied by simulateOp to an op's compute time (compute at peak x passes / efficiency).
 */
export interface ComputeRuntime {
  /**
   * Achieved fraction of the MAC peak of a tiled GEMM (rows > STREAMING_ROWS: prefill) by its rows M on
   * one chip, measured on the real stack; [] = the peak. GEMVs (decode) are costed by the memory side.
   */
  gemmEfficiency: EfficiencyCurve;
  /**
   * Passes of the matrix unit per GEMM by weight format (Tensix math fidelity: LoFi 1, HiFi2 2, HiFi4 4
   * passes of the low-fidelity rate), relative to the MAC path the format runs on; absent formats: 1.
   */
  gemmPasses: Readonly<Record<string, number>>;
  /** Achieved fraction of the MAC peak of prefill (flash) attention by the sequence length S; [] = the peak. */
  attentionEfficiency: EfficiencyCurve;
}

export interface ChipPreset {
  id: string;
  label: string;
  description: string;
  /** True when the numbers are a what-if, not a shipping product's datasheet. */
  hypothetical: boolean;
  config: ChipConfig;
  /** Where the numbers come from (URLs or document names). */
  sources: string[];
  /** Shown under the chip drawing where the tile mesh stands for something else (a GPU's SMs and their crossbar). */
  drawingNote?: string;
  /** Where the preset's power figures come from: board power, the parts of config.energy.staticW, memory energy per
   *  byte (every built-in preset has one, test/unit/power.test.ts holds them to the config; a user's config has none). */
  power?: PowerBasis;
}

/** One cited (or "assumed") figure of a preset's power. */
export interface PowerFigure {
  /** What it is, in a few words ("idle", "execution baseline", "board power"). */
  label: string;
  value: number;
  unit: 'W' | 'pJ/B';
  /** Where the number comes from: a document, a measurement campaign, or how it was derived. */
  source: string;
  /** True where no public document gives it and we chose it. */
  assumed: boolean;
}

/**
 * A preset's power, figure by figure, each with its source: what the energy model uses (staticW is the
 * sum of `static`; memory is config.energy.hbmPjPerByte) and the board power that bounds it.
 */
export interface PowerBasis {
  /** Board power / TDP; absent where no public figure exists. */
  board?: PowerFigure;
  /** The parts of config.energy.staticW (W drawn for the whole step, per chip), summing to it. */
  static: PowerFigure[];
  /** config.energy.hbmPjPerByte with its source. */
  memory: PowerFigure;
}

/**
 * The systolic array's schedule (SCALE-Sim v2's os / ws / is): what stays in the PEs while the rest
 * streams. weight-stationary also pins `weight` tensors in SRAM (they do not stream from HBM).
 */
export type Dataflow = 'output-stationary' | 'weight-stationary' | 'input-stationary';
export const DATAFLOWS: readonly Dataflow[] = ['output-stationary', 'weight-stationary', 'input-stationary'];
export type Bound = 'compute' | 'memory' | 'noc';

/** Trace event kinds (values of Trace.kind). */
export const EVENT_KIND = {
  mac: 0,
  vector: 1,
  noc: 2,
  hbmRead: 3,
  hbmWrite: 4,
  sram: 5,
} as const;
export type EventKind = (typeof EVENT_KIND)[keyof typeof EVENT_KIND];

export interface HbmPort {
  edge: Edge;
  /** Stack index. */
  index: number;
  /** Flat index (r*cols + c) of the edge tile the stack attaches to. */
  tile: number;
}

/**
 * A compact event list the UI can scrub: event i is (kind[i], tile[i], src[i], start[i], end[i],
 * bytes[i], op[i]). The view is a pure function of (trace, time).
 */
export interface Trace {
  rows: number;
  cols: number;
  cycles: number;
  clockHz: number;
  hbmPorts: HbmPort[];
  /** Number of valid events (arrays may be longer). */
  count: number;
  /** EVENT_KIND values. */
  kind: Uint8Array;
  /** Executing / destination tile, r*cols + c. */
  tile: Int32Array;
  /** Source tile for NoC transfers, -1 - port for HBM reads/writes, -1 otherwise. */
  src: Int32Array;
  /** Cycles. */
  start: Float64Array;
  end: Float64Array;
  bytes: Float64Array;
  /** Index into opNames. */
  op: Uint16Array;
  opNames: string[];
  /** True when events were aggregated (several loop iterations per event) to stay under the cap. */
  sampled: boolean;
  /** True when events past the cap were dropped. */
  truncated: boolean;
  /** Bytes per directed mesh link, index = linkIndex(tile, dir) = tile*4 + dir (0 E, 1 W, 2 S, 3 N). */
  linkBytes: Float64Array;
  /** Busy MAC + vector cycles per tile, whole run. */
  tileBusyCycles: Float64Array;
}

export interface EnergyBreakdown {
  mac: number;
  vector: number;
  sram: number;
  noc: number;
  hbm: number;
  scaleOut: number;
  static: number;
  total: number;
}

/** Counted events: energyJ == counts x energy table (tests check it). */
export interface EventCounts {
  macs: Record<MacDType, number>;
  vectorOps: number;
  sramReadBytes: number;
  sramWriteBytes: number;
  /** Sum over transfers of bytes x hops. */
  nocByteHops: number;
  hbmReadBytes: number;
  hbmWriteBytes: number;
  scaleOutBytes: number;
}

export interface PassSimResult {
  label: string;
  cycles: number;
  waves: number;
  planTiles: number;
  bound: Bound;
  /** Lower bounds (cycles) from each resource alone. */
  roofline: { compute: number; memory: number; noc: number };
}

/** Whether the mapping fits on-chip memory; never silently accepted when it does not. */
export interface FitReport {
  fits: boolean;
  /** Working set per tile (bytes) for one block, x2 when double-buffered. */
  workingSetBytes: number;
  doubleBuffered: boolean;
  /** Bytes of weights pinned per tile (weight-stationary), 0 otherwise. */
  pinnedBytesPerTile: number;
  messages: string[];
}

export interface SimResult {
  chip: string;
  plan: { kernel: string; variant: string; params: Record<string, number | boolean | string> };
  dataflow: Dataflow;
  multicast: boolean;
  /** How `cycles` was obtained: event by event on busy resources, or the fluid per-wave model. */
  timing: 'event' | 'analytic';
  /** Event runs only: block transfers simulated and the cycles they waited for busy resources (summed over transfers). */
  events?: {
    transfers: number;
    linkWaitCycles: number;
    hbmWaitCycles: number;
    /** Bytes the simulated transfers moved per directed link (equals trace.linkBytes; counted separately). */
    linkBytes: Float64Array;
  };
  cycles: number;
  timeS: number;
  /** Realized MACs / peak MACs over the run (dtype of the plan). */
  utilization: number;
  /** Per tile: busy cycles / total cycles. */
  tileUtilization: Float64Array;
  bytes: { hbm: number; hbmRead: number; hbmWrite: number; noc: number; sram: number };
  /** HBM reads the SimOptions.held tensors would have taken had they streamed (0 without held tensors). */
  heldHbmReadBytes: number;
  counts: EventCounts;
  energyJ: number;
  energyByLevel: EnergyBreakdown;
  bound: Bound;
  roofline: { compute: number; memory: number; noc: number };
  passes: PassSimResult[];
  fit: FitReport;
  trace: Trace;
  notes: string[];
}
