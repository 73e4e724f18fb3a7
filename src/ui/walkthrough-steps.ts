// The walkthrough: first one decode step of a small layer (GPT-2-small-sized: model dimension
// 768, 12 heads of 64) on the Jalapeño-class chip, then the story the playground exists for:
// why a GPU runs a decode step below its roofline, what a dataflow chip changes, prefill vs
// decode, batching, the MLP and the LM head, and tensor parallelism over several chips.
//
// Each step is a simulation setup (what is animated, plus the other runs its text compares
// with), a moment of the animation and a text. Every kernel run is costed by the one per-op cost
// model (simulateKernel / simulateOp: the chip's achievable HBM bandwidth, memory ramp, launch gap),
// as the Tokens tab costs a model's ops: steps 1-8 run the raw plan (labelled raw; beside GPT-2
// small's op on the same chip, with why they differ and the same shape as deployed), the story steps
// the op as deployed inside the step's model. Every sentence that states a bound, a ratio or a
// byte count computes it from those runs (StepNumbers), so changing a preset changes the text
// (test/unit/walkthrough.test.ts). Data and pure functions only: <jp-learn-tab> fetches the runs
// through the worker API and renders the result; the step index (and the scrubbed moment) live in
// the share state, so every step is a link to an exact moment. Steps are only ever appended:
// old links name steps by index.

import type { ChipConfig, SimResult } from '../chip/types.ts';
import type { ModelSimResult, OpBound, OpSimResult } from '../models/types.ts';
import type { KernelCost } from '../models/kernel-cost.ts';
import type { KernelViewRequest } from '../worker/chip-service.ts';
import { gemmTiles } from '../models/tiling.ts';
import { modelPreset } from '../models/config.ts';
import { fmtInt as int, fmtNum as sig, formatBandwidth as tbps, formatBytes, formatDuration, formatEnergy, formatPercent as pct, plural, timeRatioWords } from './format.ts';
import { OP_BOUNDS, stepBound } from '../models/bound.ts';
import { peakFlops } from './roofline-math.ts';

export type Params = Record<string, number | boolean | string>;

/** A kernel plan on a chip preset. */
export interface PlanSetup {
  preset: string;
  kernel: string;
  variant: string;
  params: Params;
  dataflow: 'output-stationary' | 'weight-stationary';
  /** 'analytic' for plans too large to time event by event in a walkthrough step. */
  timing?: 'event' | 'analytic';
}

/** A whole model step (all layers + LM head) on a chip preset. */
export interface ModelSetup {
  preset: string;
  model: string;
  opts: { phase: 'prefill' | 'decode'; tokens?: number; context?: number; batch?: number; chips?: number; precision?: 'bf16' | 'int8' };
}

/** The runs a step's text is computed from. */
export interface StepNumbers {
  /** The animated run: op.cost.sim (the plan on the chip at its achievable HBM bandwidth). */
  sim: SimResult;
  /** The animated op costed by the one per-op cost model (opRequest): raw or as deployed beside the step's model, with its time split. */
  op: KernelCost;
  /** The other plan runs, by key (WalkthroughStep.plans), each costed raw (planRequest). */
  plans: Record<string, KernelCost>;
  /** Model runs, by key (WalkthroughStep.models). */
  models: Record<string, ModelSimResult>;
  /** Configurations of the presets named in the setups (bandwidths, peaks, scale-out links). */
  chips: Record<string, ChipConfig>;
}

export interface WalkthroughStep {
  title: string;
  /** What is animated. */
  setup: PlanSetup;
  plans?: Record<string, PlanSetup>;
  models?: Record<string, ModelSetup>;
  /**
   * The key of the model (in `models`) the animated op stands beside: the model's run of the same op
   * is shown with it (its time split, and why the two differ), so the animation and the text beside
   * it come from one cost model.
   */
  opBeside: string;
  /**
   * How the animated op is costed (simulateKernel): 'deployed' (the story steps: the op as it runs
   * inside the model), 'raw' (the kernel chapter: exactly the plan asked for, f32 as the GPU kernel
   * stores it, with the same shape as deployed and why the two differ beside it).
   */
  opAs: 'raw' | 'deployed';
  /** The moment of the animation the step opens at, as a fraction of the run (a link may carry another). */
  timeFrac: number;
  view: 'utilization' | 'traffic';
  /** Paragraphs of explanation, from the numbers. */
  text(n: StepNumbers): string[];
  /** One thing to look at in the picture, from the numbers. */
  look(n: StepNumbers): string;
}

// ---- formatting (the one formatter module, src/chip/format.ts via ./format.ts) -----------------

const ms = (s: number) => formatDuration(s, 1e-3);

/** A byte ratio in words where it is a simple fraction ("a quarter"), else "0.37×". */
export function fractionWords(r: number): string {
  const named: Array<[number, string]> = [[1 / 4, 'a quarter'], [1 / 2, 'half'], [1 / 3, 'a third'], [1 / 8, 'an eighth']];
  for (const [v, w] of named) if (Math.abs(r / v - 1) < 0.06) return w;
  return `${sig(r, 2)}×`;
}

/** What limited an op, in words, for each bound (OpBound, the largest part of its time split). */
export function boundWords(b: OpBound): string {
  if (b === 'memory') return 'HBM bandwidth: the stacks cannot deliver bytes faster';
  if (b === 'noc') return 'the network-on-chip: the mesh links that carry blocks from the HBM edge tiles to the tiles that need them are busier than the HBM stacks themselves';
  if (b === 'array-schedule') return 'the MAC arrays\' schedule: the tiles that have work wait for their arrays in turn, far below the chip\'s peak';
  if (b === 'launch') return 'the launch gap: starting the kernel takes longer than its work';
  if (b === 'collective') return 'the all-reduce between chips';
  return 'the MAC arrays: the tiles that work are busy multiplying, and data arrives fast enough';
}

/**
 * "bound = compute" for a run far below the MAC peak, explained: the tiles that have work are the
 * bottleneck, the rest of the chip sits idle (a one-token GEMV has too few output blocks to fill it).
 * Empty for runs that are not compute-bound or use a fair share of the peak.
 */
export function lowComputeNote(r: Pick<SimResult, 'utilization' | 'passes' | 'trace'>, bound: OpBound): string {
  if ((bound !== 'compute' && bound !== 'array-schedule') || r.utilization >= 0.1) return '';
  const tiles = Math.max(0, ...r.passes.map((p) => p.planTiles));
  const all = r.trace.rows * r.trace.cols;
  return tiles > 0 && tiles < all
    ? ` (compute-bound at only ${pct(r.utilization)} of the MAC peak: the ${plural(tiles, 'tile')} of the ${int(all)} that have work set the pace, the others sit idle; the chip's peak counts all of them)`
    : ` (compute-bound at only ${pct(r.utilization)} of the MAC peak: the work per tile is small and the tiles wait for their MAC arrays in turn, not for bytes)`;
}

/** "falls to ×0.57": a before/after ratio in words with its direction. */
export function changeWords(after: number, before: number): string {
  const r = after / before;
  if (!Number.isFinite(r) || before <= 0) return 'is not comparable';
  if (Math.abs(r - 1) < 0.03) return 'stays about the same';
  return `${r < 1 ? 'falls' : 'grows'} to ×${sig(r, 2)}`;
}

function macsOf(r: Pick<SimResult, 'counts'>): number {
  const m = r.counts.macs;
  return m.int8 + m.fp16 + m.fp32;
}

/** FLOP (2 per MAC) per byte moved to or from HBM. */
function intensity(r: SimResult): number {
  return r.bytes.hbm > 0 ? (2 * macsOf(r)) / r.bytes.hbm : 0;
}

/** Cycles each resource needs alone (the roofline's lower bounds), largest data-movement one named. */
function movement(r: SimResult): { cycles: number; what: string } {
  return r.roofline.noc > r.roofline.memory ? { cycles: r.roofline.noc, what: 'the NoC links (spread evenly)' } : { cycles: r.roofline.memory, what: 'HBM' };
}

function num(p: Params, k: string): number {
  const v = p[k];
  return typeof v === 'number' ? v : 0;
}

/** Distinct HBM stacks of a trace (several edge tiles may serve one stack). */
function stacksOf(r: SimResult): number {
  return new Set(r.trace.hbmPorts.map((p) => p.index)).size;
}

/** Sum of the ops whose name matches. */
function opShare(m: ModelSimResult, re: RegExp): { share: number; timeS: number; hbm: number } {
  const ops = m.ops.filter((o) => re.test(o.name));
  return { share: ops.reduce((a, o) => a + o.share, 0), timeS: ops.reduce((a, o) => a + o.timeS, 0), hbm: ops.reduce((a, o) => a + o.bytes.hbm, 0) };
}

/** Time shares of the ops by bound (the one OpBound of each op; stepBound). */
const boundShares = (m: ModelSimResult): Record<OpBound, number> => stepBound(m.ops).share;

/** The bound holding the largest share of the step (stepBound, the one rule; a step with no time reads OP_BOUNDS[0]). */
const mainBound = (m: ModelSimResult): OpBound => stepBound(m.ops).bound ?? OP_BOUNDS[0];

/** Ops of one layer that run as kernels of their own (launched one after another), per the model. */
function launchedKernels(m: ModelSimResult): OpSimResult[] {
  return m.ops.filter((o) => o.mode === 'kernel');
}

/** Whether the model kept this step's activations in SRAM between ops (its fusion, as applied). */
function activationsOnChip(m: ModelSimResult): boolean {
  return m.fusion.applied === 'activations' || m.fusion.applied === 'pipeline';
}

/** Step 7's proportion sentence: how far time and energy follow the bytes, from the two costed runs. */
function int8Proportion(q: KernelCost, f: KernelCost): string {
  const b = q.cost.sim.bytes.hbm / f.cost.sim.bytes.hbm, t = q.cost.timeS / f.cost.timeS, e = q.cost.sim.energyJ / f.cost.sim.energyJ;
  const near = (x: number) => Math.abs(x / b - 1) < 0.15;
  const verdict = near(t) && near(e)
    ? 'Time and energy fall almost in proportion to the bytes: this run is starved for bytes.'
    : t > b
      ? `Time falls less than the bytes: part of the op's time is not spent waiting for HBM bytes (here bound = ${q.cost.bound}; the launch gap and memory ramp do not shrink either), and that part does not shrink with the weights.`
      : 'Time falls more than the bytes.';
  return `The bytes fall to ×${sig(b, 2)}, the time to ×${sig(t, 2)} and the energy to ×${sig(e, 2)} (${formatEnergy(q.cost.sim.energyJ, f.cost.sim.energyJ)} against ${formatEnergy(f.cost.sim.energyJ)}). ${verdict}`;
}

// ---- the steps --------------------------------------------------------------------------------

const QKV = { M: 1, D: 768, Hq: 12, Hkv: 12, dh: 64 };
const JAL = 'jalapeno';
const GPU = 'h100';
const OS = 'output-stationary' as const;
const fusedQkv: PlanSetup = { preset: JAL, kernel: 'qkv', variant: 'fused', params: QKV, dataflow: OS };
/**
 * The model the kernel chapter's layer is sized after: GPT-2 small decoding with 1,024 tokens in its
 * cache (step 5's L), on the same chip. The raw kernel of each step stands beside this model's op, as
 * the Tokens tab costs it.
 */
const LAYER_MODEL = { layer: { preset: JAL, model: 'gpt2-small', opts: { phase: 'decode', context: 1024 } } } as const satisfies Record<string, ModelSetup>;
/** A kernel-chapter step: its raw plan costed beside GPT-2 small's op. */
const RAW = { models: LAYER_MODEL, opBeside: 'layer', opAs: 'raw' } as const;

/** The model and context of the story chapter: Llama 3 8B, 1024 tokens already in the KV cache. */
const MODEL = 'llama3-8b';
const CONTEXT = 1024;
const decode = (preset: string, batch = 1, precision: 'bf16' | 'int8' = 'bf16'): ModelSetup => ({ preset, model: MODEL, opts: { phase: 'decode', context: CONTEXT, batch, precision } });
/** Tiles of the story's presets (16 x 16, 12 x 11), for the model's block sizes (the test checks them against the presets). */
export const STORY_PRESET_TILES: Readonly<Record<string, number>> = { [JAL]: 256, [GPU]: 132 };
/**
 * A GEMM of the story chapter as the model runs it: the bf16 matmul (tiled-f16) with the block sizes
 * the model gives it on the preset (gemmTiles), so the animated op is the op whose time the text
 * quotes (the f32 tiled kernel pads one token to 16 rows and would show a compute-bound GEMV).
 */
const modelGemm = (preset: string, M: number, N: number, K: number): PlanSetup =>
  ({ preset, kernel: 'matmul', variant: 'tiled-f16', params: { M, N, K, ...gemmTiles(M, N, STORY_PRESET_TILES[preset]) }, dataflow: OS });
/** Llama 3 8B's output projection (4096 x 4096) for M tokens: the animated op of the story steps. */
const oProj = (preset: string, M = 1): PlanSetup => modelGemm(preset, M, 4096, 4096);

/** HBM bytes of the QKV projection split into weights, x and outputs (f32), when they add up to the run's bytes. */
function qkvBytes(r: SimResult): { w: number; x: number; out: number } | null {
  const p = r.plan.params;
  const M = num(p, 'M'), D = num(p, 'D'), N = (num(p, 'Hq') + 2 * num(p, 'Hkv')) * num(p, 'dh');
  const e = 4;
  const parts = { w: D * N * e, x: M * D * e, out: M * N * e };
  return Math.abs(parts.w + parts.x + parts.out - r.bytes.hbm) <= 0.005 * r.bytes.hbm ? parts : null;
}

export const WALKTHROUGH: readonly WalkthroughStep[] = [
  {
    title: '1. The chip and one new token',
    setup: fusedQkv,
    ...RAW,
    timeFrac: 0,
    view: 'utilization',
    text: ({ sim }) => [
      'Generating text one token at a time is called decode. For every new token the model runs each layer once: it projects the token into queries, keys and values (QKV), attends over everything said so far, and runs the feed-forward block (the MLP).',
      `The chip in the picture is a grid of ${sim.trace.rows} × ${sim.trace.cols} = ${int(sim.trace.rows * sim.trace.cols)} tiles. Each tile has a small array of multiply-accumulate (MAC) units and its own SRAM. The grey blocks at the edges are ${plural(stacksOf(sim), 'HBM stack')}: the large, slower memory where the model's weights live. Links between neighbouring tiles form the network-on-chip (NoC).`,
    ],
    look: () => 'Press Play (or space) and watch which tiles light up and where the packets come from (colours in the legend below the picture).',
  },
  {
    title: '2. Weights stream in from HBM',
    setup: fusedQkv,
    ...RAW,
    timeFrac: 0.2,
    view: 'utilization',
    text: ({ sim }) => {
      const macs = macsOf(sim);
      const parts = qkvBytes(sim);
      return [
        `The QKV projection multiplies the token's vector x (${num(sim.plan.params, 'D')} numbers) by a weight matrix with ${int(macs / Math.max(1, num(sim.plan.params, 'M')))} numbers. Every weight travels from HBM to a tile and is used exactly once: one multiply-add per weight, per token.`,
        `That is the heart of decode: the work per byte is tiny. This run moves ${formatBytes(sim.bytes.hbm)} to and from HBM${parts ? ` (${formatBytes(parts.w)} of it weights, 4 bytes each in f32)` : ''} for ${int(2 * macs)} floating-point operations: ${sig(intensity(sim), 2)} FLOP per byte. Moving the bytes takes at least ${int(movement(sim).cycles)} cycles on ${movement(sim).what}; the math, spread over the tiles, ${int(sim.roofline.compute)}.`,
      ];
    },
    look: ({ sim }) => {
      const nocMore = sim.bytes.noc > sim.bytes.hbm;
      return nocMore
        ? `The blue NoC squares outnumber the orange HBM ones: each block an HBM stack delivers at an edge tile still has to cross the mesh to the tile that needs it (${formatBytes(sim.bytes.noc)} over NoC links against ${formatBytes(sim.bytes.hbm)} through HBM), while the tiles wait.`
        : `The orange HBM squares dominate: ${formatBytes(sim.bytes.hbm)} through HBM against ${formatBytes(sim.bytes.noc)} over NoC links, while the tiles wait.`;
    },
  },
  {
    title: '3. Fused QKV reads x once',
    setup: fusedQkv,
    ...RAW,
    timeFrac: 0.5,
    view: 'traffic',
    text: ({ sim, op }) => {
      const parts = qkvBytes(sim);
      return [
        'Q, K and V are three projections of the same input x. A fused kernel treats them as one matrix [Wq | Wk | Wv], so each tile loads its slice of x once and produces its columns of q, k and v in one pass.',
        `The link-traffic view colours each link by the bytes it carried over the whole run. HBM traffic: ${int(sim.bytes.hbm)} bytes${parts ? ` = weights ${int(parts.w)} + one read of x ${int(parts.x)} + q, k and v written ${int(parts.out)}` : ''}; time ${formatDuration(op.cost.timeS)} for the raw f32 kernel launched on its own, costed as every op of a whole model is (the split below: the kernel at the chip's achievable HBM bandwidth, its memory ramp and launch gap).`,
      ];
    },
    look: () => 'Switch between "Utilization" and "Link traffic" to see where the bytes went: the links next to the HBM edge tiles carry the most.',
  },
  {
    title: '4. Unfused: three kernels, x read three times',
    setup: { ...fusedQkv, variant: 'unfused' },
    ...RAW,
    plans: { fused: fusedQkv },
    timeFrac: 0.5,
    view: 'traffic',
    text: ({ sim, op, plans }) => {
      const f = plans.fused.cost.sim;
      const extra = sim.bytes.hbm - f.bytes.hbm;
      const t = op.cost.timeS, tf = plans.fused.cost.timeS;
      return [
        `The unfused version runs ${plural(sim.passes.length, 'pass', 'passes')} one after another (three matrix multiplies and the epilogues) instead of ${plural(f.passes.length, 'pass', 'passes')}. Each multiply reads x again and writes its own output, and each pass starts only when the previous one has drained.`,
        `HBM traffic: ${int(sim.bytes.hbm)} bytes against ${int(f.bytes.hbm)} fused (${extra >= 0 ? '+' : ''}${int(extra)} bytes, ${extra >= 0 ? '+' : ''}${pct(extra / f.bytes.hbm)}). ${extra / f.bytes.hbm < 0.05 ? 'For one token x is tiny next to the weights, so the extra reads barely show; they grow with the tokens processed together (prefill, large batches). ' : ''}Time: ${formatDuration(t)} against ${formatDuration(tf)}, ${timeRatioWords(t, tf)}${t > tf ? ': the passes cannot overlap, and each pass is a kernel launch of its own' : ''}.`,
      ];
    },
    look: ({ sim, op, plans }) => {
      const f = plans.fused.cost;
      const tr = op.cost.timeS / f.timeS, br = sim.bytes.hbm / f.sim.bytes.hbm;
      return `Go back one step and forward again: the time ${changeWords(op.cost.timeS, f.timeS)}, HBM traffic ${changeWords(sim.bytes.hbm, f.sim.bytes.hbm)}${Math.abs(tr - 1) > 2 * Math.abs(br - 1) ? ': the time changes much more than the bytes' : ''}.`;
    },
  },
  {
    title: '5. The KV cache',
    setup: { preset: JAL, kernel: 'attention-decode', variant: 'split', params: { B: 1, L: 1024, Hq: 12, Hkv: 12, dh: 64 }, dataflow: OS },
    ...RAW,
    timeFrac: 0.4,
    view: 'utilization',
    text: ({ sim }) => {
      const p = sim.plan.params;
      const L = num(p, 'L'), width = num(p, 'Hkv') * num(p, 'dh');
      const cache = 2 * L * width * 4;
      const tiles = sim.passes[0]?.planTiles ?? 0;
      const chipTiles = sim.trace.rows * sim.trace.cols;
      return [
        'Attention compares the new token\'s query with the keys of every earlier token and mixes their values. Those keys and values were computed on earlier steps and kept: the KV cache.',
        `With ${int(L)} tokens of context this layer reads 2 × ${int(L)} × ${int(width)} cached numbers (${formatBytes(cache)} in f32) for a single new token; the whole run moves ${formatBytes(sim.bytes.hbm)} through HBM, ${sig(intensity(sim), 2)} FLOP per byte. The cache grows with the context, so long conversations make every decode step read more.`,
        `The split variant spreads the context over ${plural(tiles, 'tile')}${tiles <= chipTiles ? ` of the ${int(chipTiles)}` : ''} (each takes ${int(num(p, 'split'))} keys of one head), then a small second pass combines their partial results.`,
      ];
    },
    look: () => 'Many tiles work at once, each on its own slice of the cache.',
  },
  {
    title: '6. What limits a decode step',
    setup: fusedQkv,
    ...RAW,
    timeFrac: 1,
    view: 'utilization',
    text: ({ sim, op }) => {
      const waits = sim.events?.linkWaitCycles;
      const b = op.cost.bound;
      return [
        `Put the numbers side by side: moving this layer's bytes through HBM needs at least ${int(sim.roofline.memory)} cycles; spread evenly over every NoC link they would need ${int(sim.roofline.noc)}; the math needs ${int(sim.roofline.compute)}. The simulated run took ${int(sim.cycles)} cycles, ${sig(sim.cycles / Math.max(sim.roofline.memory, sim.roofline.noc, sim.roofline.compute, 1e-9), 2)}× the largest of these bounds.`,
        `The simulation's verdict for this op is bound = ${b} (the largest part of its time split below): what set the pace is ${boundWords(b)}${lowComputeNote(sim, b)}.${waits !== undefined ? ` Summed over all block transfers, ${int(waits)} link-wait cycles were spent queueing for a busy link.` : ''} The MAC arrays were busy ${pct(sim.utilization)} of their peak.`,
        'Two ways out follow. Process more tokens per weight read (batching many users, or prefill, where a whole prompt shares each weight fetch), or make each weight smaller.',
      ];
    },
    look: ({ sim }) => `At the end of the run most tiles are pale: over the whole run they averaged ${pct(sim.utilization)} of their MAC peak.`,
  },
  {
    title: '7. int8 weights shrink the bytes',
    setup: { ...fusedQkv, variant: 'fused-w8' },
    ...RAW,
    plans: { f32: fusedQkv },
    timeFrac: 0.5,
    view: 'utilization',
    text: ({ sim, op, plans }) => {
      const f = plans.f32.cost;
      const r = sim.bytes.hbm / f.sim.bytes.hbm;
      return [
        'Quantization stores each weight as an 8-bit integer plus a shared scale per column. An int8 weight is 1 byte instead of 4 (f32, the baseline of this walkthrough) or 2 (bf16, what models usually ship in): a quarter of the f32 bytes, half of the bf16 ones, with the same number of multiply-adds.',
        `Measured in the simulation: ${formatBytes(sim.bytes.hbm)} of HBM traffic against ${formatBytes(f.sim.bytes.hbm)} in step 3, ${fractionWords(r)} of the bytes. Time: ${formatDuration(op.cost.timeS)} against ${formatDuration(f.timeS)}, ${timeRatioWords(op.cost.timeS, f.timeS)}; ${op.cost.bound === f.bound ? `still bound = ${f.bound}` : `bound = ${op.cost.bound} where step 3 was bound = ${f.bound}`}${lowComputeNote(sim, op.cost.bound)}.`,
        int8Proportion(op, plans.f32),
      ];
    },
    look: () => 'Compare HBM bytes, time and energy with step 3 (Back, then Next).',
  },
  {
    title: '8. Batching turns the tables',
    setup: { ...fusedQkv, params: { ...QKV, M: 64 } },
    ...RAW,
    plans: { one: fusedQkv },
    timeFrac: 0.5,
    view: 'utilization',
    text: ({ sim, op, plans }) => {
      const one = plans.one.cost.sim;
      const t = op.cost.timeS, t1 = plans.one.cost.timeS;
      const M = num(sim.plan.params, 'M');
      return [
        `Now ${M} tokens share each weight fetch (${M} users decoding at once, or a ${M}-token chunk of a prompt). HBM traffic grows only from ${formatBytes(one.bytes.hbm)} to ${formatBytes(sim.bytes.hbm)} (the weights are the same; x and the outputs grow), while the multiply-adds grow ${sig(macsOf(sim) / macsOf(one), 3)}×.`,
        `Arithmetic intensity goes from ${sig(intensity(one), 2)} to ${sig(intensity(sim), 2)} FLOP per byte, the bound from ${plans.one.cost.bound} to ${op.cost.bound}, and MAC utilization from ${pct(one.utilization)} to ${pct(sim.utilization)}. ${M} tokens take ${timeRatioWords(t, t1).replace('slower', 'longer').replace('faster', 'shorter')} than one (${formatDuration(t)} against ${formatDuration(t1)}). This is why servers batch requests, and why the Tokens tab shows very different numbers for prefill and decode.`,
      ];
    },
    look: ({ sim, plans }) => `More tiles busy, darker colours: ${pct(sim.utilization)} of the MAC peak against ${pct(plans.one.cost.sim.utilization)} for one token.`,
  },
  // ---- the story: a whole model on a GPU and on a dataflow chip ------------------------------
  {
    title: '9. A GPU runs a decode step far below its roofline',
    setup: oProj(GPU),
    models: { gpu: decode(GPU) },
    opBeside: 'gpu',
    opAs: 'deployed',
    timeFrac: 0.5,
    view: 'utilization',
    text: ({ models, chips }) => {
      const g = models.gpu;
      const cfg = chips[GPU];
      const bw = cfg.hbm.bandwidthBytesPerS;
      const peak = peakFlops(cfg, 'fp16');
      const ridge = peak / bw;
      const flopsPerByte = (2 * g.ops.reduce((a, o) => a + o.macs, 0)) / Math.max(g.bytes.hbm, 1);
      const readS = g.bytes.hbm / bw;
      const bd = g.breakdown;
      const kernels = launchedKernels(g);
      return [
        `Now a whole model: Llama 3 8B generating one token with ${int(CONTEXT)} tokens of context, batch 1, on the H100 model (the animation shows one of its kernels, the 4096 × 4096 output projection in bf16). The simulation gives ${sig(g.perTokenMs)} ms per token (${int(g.tokensPerS)} tokens/s).`,
        `Why so far below the roofline? At batch 1 every weight byte feeds one multiply-add: the step does ${sig(flopsPerByte, 2)} FLOP per HBM byte, while the H100 needs ${int(ridge)} FLOP per byte (its ${sig(peak / 1e12)} TFLOP/s bf16 peak over ${tbps(bw)} of HBM) to keep its math busy. Just reading the ${formatBytes(g.bytes.hbm)} that one token touches takes ${ms(readS)} at the full datasheet bandwidth: ${pct(readS / g.timeS)} of the step.`,
        `Of its ${sig(g.perTokenMs)} ms the model books ${ms(bd.compute)} on the math itself, ${ms(bd.memory)} on memory (HBM at the bandwidth a real access pattern achieves, plus the latency before each kernel's first bytes arrive) and ${ms(bd.launch)} in the gaps between kernel launches${bd.collective > 0 ? `, ${ms(bd.collective)} in collectives` : ''}.`,
        kernels.length
          ? `A GPU runs the step as a chain of kernels (${kernels.map((o) => o.name).join(', ')}), one after another in every layer: between two kernels the activations go out to HBM and come back${g.fusion.applied === 'elementwise' ? ' (element-wise ops such as RoPE and SiLU·mul are fused into their neighbours, but that hand-over remains)' : ''}.`
          : 'This chip runs no separate kernels: the layer is scheduled as a whole.',
        `And at batch 1 there is one row of work per weight matrix: the tensor cores are busy ${pct(g.utilization)} of the time.`,
      ];
    },
    look: ({ sim, op }) => `One kernel of the step: the GPU's ${sim.trace.rows * sim.trace.cols} streaming multiprocessors (drawn as tiles) sit pale while weights stream in (bound = ${op.cost.bound}, ${pct(sim.utilization)} of the MAC peak).`,
  },
  {
    title: '10. What a dataflow chip changes',
    setup: oProj(JAL),
    models: { gpu: decode(GPU), chip: decode(JAL), chipInt8: decode(JAL, 1, 'int8'), gpuInt8: decode(GPU, 1, 'int8') },
    opBeside: 'chip',
    opAs: 'deployed',
    timeFrac: 0.5,
    view: 'utilization',
    text: ({ models, chips }) => {
      const g = models.gpu, c = models.chip, q = models.chipInt8, gq = models.gpuInt8;
      const bwC = chips[JAL].hbm.bandwidthBytesPerS, bwG = chips[GPU].hbm.bandwidthBytesPerS;
      const out = [
        `The same token on the Jalapeño-class what-if chip: ${sig(c.perTokenMs)} ms per token against ${sig(g.perTokenMs)} ms on the H100 model (${timeRatioWords(c.timeS, g.timeS)}). They read ${formatBytes(c.bytes.hbm)} and ${formatBytes(g.bytes.hbm)} per token through HBM of ${tbps(bwC)} and ${tbps(bwG)}; ${pct(boundShares(c)[mainBound(c)])} of the chip's step is in ${mainBound(c)}-bound ops${mainBound(c) === 'memory' || mainBound(c) === 'noc' ? ', so at batch 1 moving bytes, not the MAC arrays, sets its time.' : '.'}`,
      ];
      const bd = c.breakdown, bdG = g.breakdown;
      if (activationsOnChip(c)) {
        out.push(`What a dataflow chip changes: the activations stay in the tiles' SRAM from one op to the next${c.fusion.applied === 'pipeline' ? ', and the ops of a layer run as one spatial pipeline' : ''}, so no kernel hands its output over through HBM: the model counts ${formatBytes(c.savedBytes.hbm)} of HBM traffic saved per token. Launch gaps and fixed per-layer costs: ${ms(bd.launch)} against ${ms(bdG.launch)} on the GPU; memory time ${ms(bd.memory)} against ${ms(bdG.memory)}.`);
      } else {
        out.push(`This chip's runtime keeps its activations in HBM between ops here (${c.fusion.messages[0] ?? `fusion ${c.fusion.applied}`}); gaps between kernel launches: ${ms(bd.launch)} against ${ms(bdG.launch)} on the GPU.`);
      }
      out.push(`Both sides in int8: with int8 weights the chip reads ${formatBytes(q.bytes.hbm)} per token and takes ${sig(q.perTokenMs)} ms (${timeRatioWords(q.timeS, c.timeS)} than its bf16, ${sig(q.joulesPerToken, 2)} J per token against ${sig(c.joulesPerToken, 2)}); the H100 with int8 weights reads ${formatBytes(gq.bytes.hbm)} and takes ${sig(gq.perTokenMs)} ms (${timeRatioWords(gq.timeS, g.timeS)} than its bf16). int8 against int8, the chip is ${timeRatioWords(q.timeS, gq.timeS)}; bf16 against bf16, ${timeRatioWords(c.timeS, g.timeS)}.`);
      out.push(`Scale-out: the chip links to others over Ethernet at ${tbps(chips[JAL].scaleOut.linkBytesPerS)} per chip, so a model too big for one chip is split across several (step 14).`);
      return out;
    },
    look: ({ sim, op }) => `The same output projection on the dataflow chip: ${sim.trace.rows * sim.trace.cols} tiles, bound = ${op.cost.bound}.`,
  },
  {
    title: '11. Prefill vs decode',
    setup: { ...oProj(JAL, 512), timing: 'analytic' },
    models: { prefill: { preset: JAL, model: MODEL, opts: { phase: 'prefill', tokens: 512, batch: 1 } }, decode: decode(JAL), gpuPrefill: { preset: GPU, model: MODEL, opts: { phase: 'prefill', tokens: 512, batch: 1 } } },
    opBeside: 'prefill',
    opAs: 'deployed',
    timeFrac: 0.5,
    view: 'utilization',
    text: ({ models, chips }) => {
      const p = models.prefill, d = models.decode, gp = models.gpuPrefill;
      const peakG = peakFlops(chips[GPU], 'fp16'), peakC = peakFlops(chips[JAL], 'fp16');
      const gpuFaster = gp.timeS < p.timeS;
      return [
        `Before the first new token, the model reads the whole prompt at once: prefill. With ${int(p.tokens)} prompt tokens every weight fetched from HBM serves ${int(p.tokens)} tokens, so the MAC arrays are busy ${pct(p.utilization)} of their peak against ${pct(d.utilization)} in decode.`,
        `Per token that is ${sig(p.perTokenMs, 3)} ms in prefill against ${sig(d.perTokenMs)} ms in decode (${int(p.tokensPerS)} against ${int(d.tokensPerS)} tokens/s). Most of prefill's time is in ${mainBound(p)}-bound ops (${pct(boundShares(p)[mainBound(p)])}), most of decode's in ${mainBound(d)}-bound ones (${pct(boundShares(d)[mainBound(d)])}).`,
        `The H100 model runs the same 512-token prefill in ${sig(gp.timeS * 1e3)} ms against ${sig(p.timeS * 1e3)} ms on the Jalapeño-class chip: ${gpuFaster ? `here the GPU wins, the chip is ${timeRatioWords(p.timeS, gp.timeS)}` : `the chip is ${timeRatioWords(p.timeS, gp.timeS)}`}. Their bf16 MAC peaks: ${sig(peakG / 1e12)} TFLOP/s on the H100 model against ${sig(peakC / 1e12)} on the chip${gpuFaster && mainBound(p) === 'compute' ? `; prefill is paced by the MAC arrays, so the ${peakG > peakC ? `larger peak wins, by less than the peaks' ratio: the H100's arrays are busy ${pct(gp.utilization)} of their peak (its GEMMs at the rate measured by rows), the chip's ${pct(p.utilization)}; the chip's advantage is in decode, where bytes set the pace` : 'GPU\'s higher achieved utilization wins'}` : ''}.`,
      ];
    },
    look: ({ sim, op }) => `The output projection for 512 tokens: tiles stay busy (${pct(sim.utilization)} of the MAC peak, bound = ${op.cost.bound}).`,
  },
  {
    title: '12. Batching many users',
    setup: oProj(JAL, 32),
    models: { one: decode(JAL, 1), many: decode(JAL, 32) },
    opBeside: 'many',
    opAs: 'deployed',
    timeFrac: 0.5,
    view: 'utilization',
    text: ({ models }) => {
      const a = models.one, b = models.many;
      const attA = opShare(a, /^attention/), attB = opShare(b, /^attention/);
      return [
        `Serving ${b.batch} users at once, each step produces ${b.batch} tokens for one pass over the weights: ${int(b.tokensPerS)} tokens/s against ${int(a.tokensPerS)} for one user (${sig(b.tokensPerS / a.tokensPerS, 2)}×), while each user waits ${sig(b.perTokenMs)} ms per token instead of ${sig(a.perTokenMs)} ms.`,
        `The weights are shared, the KV caches are not: every user brings their own ${int(CONTEXT)} tokens of cache, so attention ${attB.share > attA.share ? 'grows' : 'goes'} from ${pct(attA.share)} to ${pct(attB.share)} of the step.${attB.share > attA.share ? ' Long contexts at large batch become a KV-cache bandwidth problem.' : ''}`,
      ];
    },
    look: ({ sim, op }) => `The output projection for 32 tokens: ${pct(sim.utilization)} of the MAC peak, bound = ${op.cost.bound}.`,
  },
  {
    title: '13. The MLP and the LM head',
    setup: oProj(JAL),
    models: { d: decode(JAL) },
    opBeside: 'd',
    opAs: 'deployed',
    timeFrac: 0.5,
    view: 'traffic',
    text: ({ models }) => {
      const d = models.d;
      const mlp = opShare(d, /^(ffn-up|ffn-down|silu-mul|gelu)$/);
      const head = opShare(d, /^lm-head$/);
      const attn = opShare(d, /^(qkv|attention|o-proj|rope)$/);
      const cfg = modelPreset(d.model);
      return [
        `Where does a decode step's time go? On the Jalapeño-class chip the MLP (gate and up projections to ${int(cfg.ffnDim)} features, the SiLU, the down projection) takes ${pct(mlp.share)} of it, ${formatBytes(mlp.hbm)} of HBM traffic per token${mlp.hbm > Math.max(attn.hbm, head.hbm) ? ': it holds most of the weights' : ''}. The attention block (QKV, attention over the cache, output projection) takes ${pct(attn.share)}.`,
        `The LM head turns the last hidden state into a score for each of the ${int(cfg.vocabSize)} vocabulary entries: one big matrix read once per token, ${pct(head.share)} of the step (${formatBytes(head.hbm)}).`,
      ];
    },
    look: () => 'The link-traffic view of one 4096 × 4096 projection: every weight crosses the links next to the HBM edge tiles.',
  },
  {
    title: '14. Many chips: tensor parallelism',
    setup: modelGemm(JAL, 1, 4096, 8192),
    models: { big: { preset: JAL, model: 'llama3-70b', opts: { phase: 'decode', context: CONTEXT, batch: 1 } } },
    opBeside: 'big',
    opAs: 'deployed',
    timeFrac: 0.5,
    view: 'utilization',
    text: ({ models, chips }) => {
      const m = models.big;
      const ar = opShare(m, /^all-reduce$/);
      const perToken = m.bytes.scaleOut;
      const out = [
        `${m.chips > 1 ? 'Llama 3 70B does not fit one chip: the' : 'The'} simulation places Llama 3 70B on ${plural(m.chips, 'Jalapeño-class chip')}, each holding 1/${m.chips} of every weight matrix (tensor parallelism: each chip computes its slice of every projection).`,
      ];
      if (m.chips > 1) {
        out.push(`After the attention block and after the MLP of every layer the chips add up their partial results (an all-reduce over Ethernet at ${tbps(chips[JAL].scaleOut.linkBytesPerS)} per chip): ${formatBytes(perToken)} cross the links per token, ${pct(ar.share)} of the ${sig(m.perTokenMs)} ms step.`);
      } else {
        out.push(`On one chip there is no all-reduce: the step takes ${sig(m.perTokenMs)} ms.`);
      }
      return out;
    },
    look: () => 'One chip\'s share of a 70B projection (8192 inputs, its 4096 of the outputs).',
  },
];

/** The first step of the story chapter (a whole model on a GPU and on a dataflow chip): the first costed as deployed. */
export const STORY_START = WALKTHROUGH.findIndex((s) => s.opAs === 'deployed');

/** Every setup a step needs, with a stable key for caching. */
export function stepRuns(step: WalkthroughStep): { plans: Array<[string, PlanSetup]>; models: Array<[string, ModelSetup]>; presets: string[] } {
  const plans = Object.entries(step.plans ?? {});
  const models = Object.entries(step.models ?? {});
  const presets = [...new Set([step.setup.preset, ...plans.map(([, p]) => p.preset), ...models.map(([, m]) => m.preset)])];
  return { plans, models, presets };
}

export const setupKey = (s: PlanSetup | ModelSetup) => JSON.stringify(s);

/** How the animated op of a step is costed (the worker's simulateKernel request): raw beside the layer model, or as deployed in the step's model. */
export function opRequest(step: WalkthroughStep): KernelViewRequest {
  const m = step.models?.[step.opBeside];
  return { as: step.opAs, ...(m ? { beside: { model: m.model, opts: m.opts } } : {}), ...(step.opAs === 'raw' ? { withDeployed: true } : {}) };
}

/** How a step's other plan runs are costed: raw, with the chip's runtime mechanisms, as the animated op of a kernel step. */
export function planRequest(s: PlanSetup): KernelViewRequest {
  return { as: 'raw', dataflow: s.dataflow, maxTraceEvents: 0, ...(s.timing ? { timing: s.timing } : {}) };
}

// ---- the story card (above Compare): the walkthrough's story in a few sentences ------------------

/** The model runs the story card is computed from: each side in bf16 and int8 decode, and both in prefill. */
export const STORY_RUNS = {
  gpu: decode(GPU),
  chip: decode(JAL),
  chipInt8: decode(JAL, 1, 'int8'),
  gpuInt8: decode(GPU, 1, 'int8'),
  chipPrefill: { preset: JAL, model: MODEL, opts: { phase: 'prefill', tokens: 512, batch: 1 } },
  gpuPrefill: { preset: GPU, model: MODEL, opts: { phase: 'prefill', tokens: 512, batch: 1 } },
} as const satisfies Record<string, ModelSetup>;
export type StoryKey = keyof typeof STORY_RUNS;

/** The story card's sentences, every number, direction and bound from the runs (test/unit/walkthrough.test.ts). */
export function storySentences(r: Record<StoryKey, ModelSimResult>): string[] {
  const { gpu, chip, chipInt8, gpuInt8, chipPrefill, gpuPrefill } = r;
  const notCompute = (m: ModelSimResult) => 1 - boundShares(m).compute;
  const chipWinsDecode = chip.timeS < gpu.timeS;
  return [
    `Decode (one token of Llama 3 8B, batch 1, ${int(CONTEXT)} tokens of context): the H100 model takes ${sig(gpu.perTokenMs)} ms per token with its tensor cores busy ${pct(gpu.utilization)} of their peak; ${pct(notCompute(gpu))} of its step is in ops paced by memory or the network, not the math. Of it, ${ms(gpu.breakdown.launch)} are gaps between kernel launches, ${ms(gpu.memoryLatencyS)} per-kernel memory ramps and ${ms(Math.max(0, gpu.breakdown.memory - gpu.memoryLatencyS))} streaming bytes from HBM.`,
    `The Jalapeño-class what-if chip takes ${sig(chip.perTokenMs)} ms per token in bf16 (${timeRatioWords(chip.timeS, gpu.timeS)} than the H100 in bf16), with ${ms(chip.breakdown.launch)} of gaps and, with fusion "${chip.fusion.applied}", ${formatBytes(chip.savedBytes.hbm)} of activations kept out of HBM. ${pct(notCompute(chip))} of its step is paced by memory or the network.`,
    `int8 weights on both: the chip ${sig(chipInt8.perTokenMs)} ms, the H100 ${sig(gpuInt8.perTokenMs)} ms per token: the chip is ${timeRatioWords(chipInt8.timeS, gpuInt8.timeS)} int8 against int8 (${timeRatioWords(chip.timeS, gpu.timeS)} bf16 against bf16).`,
    `Prefill (a 512-token prompt): the H100 model takes ${ms(gpuPrefill.timeS)}, the chip ${ms(chipPrefill.timeS)}: ${gpuPrefill.timeS < chipPrefill.timeS ? `the H100 wins, the chip is ${timeRatioWords(chipPrefill.timeS, gpuPrefill.timeS)}` : `the chip is ${timeRatioWords(chipPrefill.timeS, gpuPrefill.timeS)}`}.${chipWinsDecode !== (chipPrefill.timeS < gpuPrefill.timeS) ? ` Where the math sets the pace the ${chipWinsDecode ? 'GPU' : 'chip'} wins; where bytes do, the ${chipWinsDecode ? 'chip' : 'GPU'}.` : ''}`,
  ];
}
