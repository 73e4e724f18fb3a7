// Whole layers and tokens on a chip: a model config + phase -> the ops of one layer as a deployment runs
// them (forwardOps of forward.ts, the op list the GPU decode loop also runs, in deployment precisions),
// each simulated once on the chip model and multiplied by the layer count (all layers are identical),
// plus the final norm and the LM head; a prefill after `context` cached tokens attends to them too;
// tensor parallelism over `chips` (heads and FFN columns split, two all-reduces per layer)
// and, where the weights need more chips than the heads allow, pipeline stages (layers split).
//
// Between the chip model's kernel time and the op's time sit the chip's runtime mechanisms
// (ChipConfig.runtime, cited in presets.ts), applied op by op and reported in each op's breakdown:
// - HBM at its achievable bandwidth for the op's access pattern (streaming GEMV / KV scans / element-wise
//   vs tiled GEMM), plus the exposed memory latency per kernel (small transfers reach less bandwidth);
// - a launch + synchronisation gap per kernel and a fixed cost per layer (GPU-like presets);
// - fusion: 'elementwise': RoPE, SiLU·mul, residual adds run inside neighbouring kernels; 'activations' keep activations in SRAM
//   across ops (when the layer's live activations fit, checked op by op); 'pipeline' also runs the layer
//   as a spatial pipeline, so each op costs its steady state (the largest of its compute, HBM and NoC
//   time) instead of fill + steady + drain (when every op's buffers fit SRAM together, checked);
// - all-reduces by the fabric's collective algorithm with per-step latency and a launch.

import { energyOf, emptyCounts, addCounts } from '../chip/energy.ts';
import type { Plan } from '../kernels/plan.ts';
import type { ChipConfig, Dataflow, Fusion, SimResult } from '../chip/types.ts';
import { keepOnChip, type KeptOnChip } from './plans.ts';
import { carriedOf, DEPLOY_ACT_BYTES, forwardOps, stepRows, stepRowsTerms, vectorParamBytes, type CarriedPrefill } from './forward.ts';
import { LAYER_LINEARS, type ModelConfig } from './config.ts';
import { bytesPerElem, KV_FORMATS, NUMBER_FORMATS, precisionLabel, precisionOf } from './precision.ts';
import { allReduceTime } from './collective.ts';
import { tensorParallelDegrees } from './parallel.ts';
import { achievableChip, opCost, simulateOp, type OpCost, type OpCostOptions } from './cost.ts';
import type { ModelSimResult, NumberFormat, OpBreakdown, OpSimResult, Phase, PrecisionSpec } from './types.ts';

export { MODEL_PRESETS, modelPreset, layerParams, parameterCount, type ModelConfig, type Positions, type RopeScaling } from './config.ts';
export { FORMATS, NUMBER_FORMATS, KV_FORMATS, bytesPerElem, precisionOf, precisionLabel } from './precision.ts';
export { allReduceTime } from './collective.ts';
export { forwardOps, STREAMING_ROWS, type CarriedPrefill, type ForwardOp, type DeployStep, type Deployment } from './forward.ts';
export { predictOps, type OpPrediction, type ModelOpPrediction } from './predict.ts';
export { achievableChip, computeDerate, curveAt, gemmEfficiencyAt, opBound, opCost, patternOf, simulateOp, type AppliedMechanism, type ComputeDerate, type OpCost, type OpCostOptions } from './cost.ts';
export type * from './types.ts';

/** Bad model-level input (chip count, shape limits, formats): a one-line message saying what is allowed. */
export class ModelInputError extends Error {
  override name = 'ModelInputError';
}

export interface ModelSimOptions {
  phase: Phase;
  /** Prefill: prompt tokens per sequence. Decode: ignored (one new token per sequence). */
  tokens?: number;
  /** Tokens already in the KV cache: decode attends to them and the new token; a prefill chunk attends to them and itself. */
  context?: number;
  batch?: number;
  /** Chips in all (tensor parallel x pipeline stages); default: the fewest that hold the model. */
  chips?: number;
  /** Pipeline stages (layers split over them); default 1 when `chips` is given. */
  stages?: number;
  /** A weight format (KV cache bf16) or weights / MLP weights / KV cache separately. */
  precision?: NumberFormat | PrecisionSpec;
  dataflow?: Dataflow;
  /** Fused QKV (reads X once, multicast) or three separate projections. */
  fusedQkv?: boolean;
  /** Override the chip runtime's fusion (e.g. 'none' to see what fusion saves). */
  fusion?: Fusion;
  /**
   * Decode only: prefill tokens of newly admitted requests carried in the step (in-flight batching,
   * inflight.ts chooses them for a steady state); the step's output tokens count the prompts that finish.
   */
  carried?: CarriedPrefill;
}

/** Fraction of aggregate SRAM usable for pinned weights / KV / on-chip activations (the rest holds working blocks; assumed). */
export const SRAM_PIN_FRACTION = 0.75;
/**
 * Rows of a GEMM the kernels take (matmul / qkv M ≤ 65536): the one limit on a step's rows (stepRows: every token of
 * every sequence, and a decode step's carried prefill tokens, is a row of every projection), checked in checkInputs.
 */
export const MAX_ROWS = 1 << 16;

interface Placement {
  tp: number;
  stages: number;
  weightsBytes: number;
  kvCacheBytes: number;
  weights: 'sram' | 'hbm';
  kvCache: 'sram' | 'hbm';
  fits: boolean;
  messages: string[];
  /** Per chip. */
  weightsChip: number;
  kvChip: number;
}

/**
 * Weight bytes a deployment holds: each layer's projections in their formats (LAYER_LINEARS, a per-channel format's
 * scales by each one's own K, as the op list's GEMMs price them) and the vectors its ops read (norms'
 * gains and LayerNorm's shifts, the linears' biases: vectorParamBytes, from the op list), the final norm's gain
 * (and shift), the embedding, and an untied LM head (a tied one reads the embedding), both in the weights' format;
 * a learned position table at the activations' precision.
 */
function modelBytes(m: ModelConfig, f: Required<PrecisionSpec>): number {
  const vectors = vectorParamBytes(m);
  const linears = LAYER_LINEARS.reduce((s, l) => {
    const { N, K } = l.shape(m);
    return s + N * K * bytesPerElem(l.mlp ? f.mlpWeights : f.weights, K);
  }, 0);
  const perLayer = linears + vectors.layer;
  const vocabTables = m.tiedEmbeddings ? 1 : 2;
  const positions = m.positions.kind === 'learned' ? m.maxPositions * m.dim * DEPLOY_ACT_BYTES : 0;
  return m.nLayers * perLayer + vectors.outside + vocabTables * m.vocabSize * m.dim * bytesPerElem(f.weights, m.dim) + positions;
}

/** A placement over `tp` x `stages` chips; `weightsBytes`: modelBytes(m, f), computed once by the caller (the same for every chip count). */
function place(chip: ChipConfig, m: ModelConfig, tp: number, stages: number, kvTokens: number, batch: number, f: Required<PrecisionSpec>, weightsBytes: number): Placement {
  const nTiles = chip.grid.rows * chip.grid.cols;
  const kvRow = m.headDim * bytesPerElem(f.kv, m.headDim);
  const kvCacheBytes = m.nLayers * 2 * kvTokens * m.nKvHeads * kvRow * batch;
  const weightsChip = weightsBytes / (tp * stages);
  const kvChip = (Math.ceil(m.nLayers / stages) * 2 * kvTokens * Math.ceil(m.nKvHeads / tp) * kvRow * batch);
  const budget = SRAM_PIN_FRACTION * nTiles * chip.tile.sramBytes;
  const weights = weightsChip <= budget ? 'sram' : 'hbm';
  const kvCache = weights === 'sram' && weightsChip + kvChip <= budget ? 'sram' : 'hbm';
  const hbmNeed = (weights === 'hbm' ? weightsChip : 0) + (kvCache === 'hbm' ? kvChip : 0);
  const messages: string[] = [];
  let fits = true;
  const chips = tp * stages;
  if (hbmNeed > chip.hbm.capacityBytes) {
    fits = false;
    messages.push(
      chip.hbm.stacks === 0
        ? `${(weightsChip + kvChip) / 1e6 | 0} MB per chip of weights + KV cache exceed ${SRAM_PIN_FRACTION} x SRAM (${budget / 1e6 | 0} MB) on an SRAM-only chip with ${chips} chip(s)`
        : `${(hbmNeed / 1e9).toFixed(2)} GB per chip in HBM exceeds capacity ${chip.hbm.capacityBytes / 1e9} GB with ${chips} chip(s)`,
    );
  }
  return { tp, stages, weightsBytes, kvCacheBytes, weights, kvCache, fits, messages, weightsChip, kvChip };
}

/**
 * The fewest chips that hold weights + KV cache: tensor parallel over a divisor of the heads first, then
 * pipeline stages over the largest such degree (never a chip count that does not divide the heads).
 */
function choosePlacement(chip: ChipConfig, m: ModelConfig, kvTokens: number, batch: number, f: Required<PrecisionSpec>, weightsBytes: number): Placement {
  const tps = tensorParallelDegrees(m, chip.scaleOut.maxChips);
  let pl = place(chip, m, 1, 1, kvTokens, batch, f, weightsBytes);
  for (const tp of tps) {
    pl = place(chip, m, tp, 1, kvTokens, batch, f, weightsBytes);
    if (pl.fits) return pl;
  }
  const tp = tps[tps.length - 1];
  for (let s = 2; s <= m.nLayers && tp * s <= chip.scaleOut.maxChips; s++) {
    pl = place(chip, m, tp, s, kvTokens, batch, f, weightsBytes);
    if (pl.fits) return pl;
  }
  return pl;
}

function isInt(v: number | undefined): boolean {
  return v === undefined || Number.isInteger(v);
}

function checkInputs(chip: ChipConfig, m: ModelConfig, opts: ModelSimOptions, f: Required<PrecisionSpec>, o: { tokens: number; context: number; batch: number }): void {
  if (opts.phase !== 'prefill' && opts.phase !== 'decode') throw new ModelInputError(`phase must be prefill or decode, got ${JSON.stringify(opts.phase)}`);
  for (const k of ['tokens', 'context', 'batch', 'chips', 'stages'] as const) {
    if (!isInt(opts[k])) throw new ModelInputError(`${k} must be an integer, got ${opts[k]}`);
  }
  if (o.tokens < 1 || o.tokens > MAX_ROWS) throw new ModelInputError(`tokens must be in [1, ${MAX_ROWS}], got ${o.tokens}`);
  if (o.batch < 1) throw new ModelInputError(`batch must be ≥ 1, got ${o.batch}`);
  if (o.context < 0 || o.context > 1 << 20) throw new ModelInputError(`context must be in [0, ${1 << 20}], got ${o.context}`);
  const c = opts.carried;
  if (c !== undefined) {
    if (opts.phase !== 'decode') throw new ModelInputError('carried prefill tokens (in-flight batching) go with a decode step; phase must be decode');
    if (!Number.isInteger(c.tokens) || c.tokens < 0) throw new ModelInputError(`carried prefill tokens must be an integer ≥ 0, got ${c.tokens}`);
    if (!Number.isInteger(c.prompt) || c.prompt < 1 || c.prompt > MAX_ROWS) throw new ModelInputError(`the carried prompts' length must be an integer in [1, ${MAX_ROWS}], got ${c.prompt}`);
  }
  // the one rule on rows (a decode batch past one decode-attention dispatch runs in groups, decodeAttentionOp: the GEMMs bind)
  const rows = stepRows(opts.phase, o.tokens, o.batch, c);
  if (rows > MAX_ROWS) {
    const what = stepRowsTerms(opts.phase, carriedOf(opts.phase, c));
    throw new ModelInputError(`${what} = ${rows} rows exceeds the ${MAX_ROWS} rows a GEMM takes; allowed: ${what} ≤ ${MAX_ROWS}`);
  }
  for (const [k, v] of [['weights', f.weights], ['mlpWeights', f.mlpWeights]] as const) {
    if (!NUMBER_FORMATS.includes(v)) throw new ModelInputError(`${k} format must be one of ${NUMBER_FORMATS.join(', ')}, got ${JSON.stringify(v)}`);
  }
  if (!KV_FORMATS.includes(f.kv)) throw new ModelInputError(`kv format must be one of ${KV_FORMATS.join(', ')}, got ${JSON.stringify(f.kv)}`);
  const max = chip.scaleOut.maxChips;
  if (opts.stages !== undefined && (opts.stages < 1 || opts.stages > m.nLayers)) throw new ModelInputError(`stages must be in [1, ${m.nLayers}] (the layers of ${m.id}), got ${opts.stages}`);
  if (opts.chips !== undefined) {
    const stages = opts.stages ?? 1;
    const tp = opts.chips / stages;
    if (opts.chips < 1 || opts.chips > max) throw new ModelInputError(`${chip.name} scales out to at most ${max} chips per model copy, got ${opts.chips}`);
    const allowed = tensorParallelDegrees(m, max).filter((p) => p * stages <= max);
    if (!Number.isInteger(tp) || m.nHeads % tp !== 0) {
      throw new ModelInputError(
        stages > 1
          ? `chips ${opts.chips} over ${stages} stages must be a tensor-parallel degree dividing the ${m.nHeads} attention heads of ${m.id} times ${stages}; allowed tensor-parallel degrees: ${allowed.join(', ')}`
          : `chips ${opts.chips} must divide the ${m.nHeads} attention heads of ${m.id} (tensor parallel); allowed: ${allowed.join(', ')} (≤ ${max}, the most ${chip.name} scales out to), or one of them times a number of pipeline stages`,
      );
    }
  } else if (opts.stages !== undefined) throw new ModelInputError('stages needs chips (chips = tensor-parallel degree x stages)');
}

/**
 * The HBM bytes an op no longer moves when its activations stay on chip (keepOnChip): the reads its
 * held inputs would have taken in the simulated layout (SimResult.heldHbmReadBytes) plus the output
 * stores keepOnChip dropped (they went to HBM, unless the chip has none). Without fusion the op
 * would be simulated again with those loads and stores; this is the same difference without the
 * second run (test/unit/models.test.ts checks both agree).
 */
export function fusionSavedHbm(chip: ChipConfig, r: SimResult, keep: KeptOnChip): number {
  return r.heldHbmReadBytes + (chip.hbm.stacks > 0 ? keep.droppedStoreBytes : 0);
}
const zero = (): OpBreakdown => ({ compute: 0, memory: 0, launch: 0, collective: 0 });

export function simulateModel(chip: ChipConfig, m: ModelConfig, opts: ModelSimOptions): ModelSimResult {
  return simulateModelRuns(chip, m, opts).result;
}

/**
 * One run of an op's plan inside a model step, with the options simulateOp costed it with: the
 * kernel-level run simulateOp(chip, plan, options) is this op's time inside the model (a test holds
 * every op of every preset model to it), and the kernel views use it to show an op as the model runs it.
 */
export interface ModelRun {
  name: string;
  source: string;
  plan: Plan;
  options: OpCostOptions;
  /** Runs of this plan per step (layers x per-layer repeats). */
  times: number;
  cost: OpCost;
}

/** simulateModel, with each op's plan, costing options and one run's cost. */
export function simulateModelRuns(chip: ChipConfig, m: ModelConfig, opts: ModelSimOptions): { result: ModelSimResult; runs: ModelRun[] } {
  const o = {
    phase: opts.phase,
    tokens: opts.phase === 'prefill' ? (opts.tokens ?? 512) : 1,
    context: opts.context ?? (opts.phase === 'decode' ? 1024 : 0),
    batch: opts.batch ?? 1,
    fusedQkv: opts.fusedQkv ?? true,
  };
  const f = precisionOf(opts.precision);
  checkInputs(chip, m, opts, f, o);
  const notes: string[] = [];
  const kvTokens = o.phase === 'prefill' ? o.context + o.tokens : o.context + 1;
  // the weights' bytes (the vectors from a walk of the op list: vectorParamBytes) do not depend on the chip count: once per step
  const weightsBytes = modelBytes(m, f);
  let pl: Placement;
  if (opts.chips !== undefined) {
    const stages = opts.stages ?? 1;
    pl = place(chip, m, opts.chips / stages, stages, kvTokens, o.batch, f, weightsBytes);
  } else {
    pl = choosePlacement(chip, m, kvTokens, o.batch, f, weightsBytes);
    if (pl.tp * pl.stages > 1) notes.push(`${m.id} needs ${pl.tp * pl.stages} ${chip.name} chips (tensor parallel ${pl.tp}${pl.stages > 1 ? ` x ${pl.stages} pipeline stages` : ''}) to hold weights + KV cache`);
  }
  const P = pl.tp, S = pl.stages, chips = P * S;
  const nTiles = chip.grid.rows * chip.grid.cols;
  const pinnedChip = (pl.weights === 'sram' ? pl.weightsChip : 0) + (pl.kvCache === 'sram' ? pl.kvChip : 0);
  const pinnedPerTile = pinnedChip / nTiles;

  let dataflow = opts.dataflow;
  if (dataflow === 'weight-stationary' && pl.weights === 'hbm') {
    notes.push(`weight-stationary asked, but ${(pl.weightsChip / 1e9).toFixed(2)} GB of weights per chip do not fit ${SRAM_PIN_FRACTION} x SRAM: weights stream from HBM (output-stationary)`);
    dataflow = 'output-stationary';
  }
  const rt = chip.runtime;
  const asked: Fusion = opts.fusion ?? rt.fusion;
  const fusionMessages: string[] = [];
  // one layer's ops (all layers are identical: simulated once, counted nLayers times), then the head
  const carried = carriedOf(o.phase, opts.carried);
  const step = forwardOps(m, {
    phase: o.phase, M: o.tokens, pos0: o.context,
    deploy: { batch: o.batch, formats: f, tensorParallel: P, fusedQkv: o.fusedQkv, chipTiles: nTiles, firstLayerOnly: true },
    ...(carried ? { carried } : {}),
  });
  // rows every GEMM, norm and collective of the step carries
  const rowsInStep = stepRows(o.phase, o.tokens, o.batch, carried);
  const layer = step.filter((op) => op.layer >= 0);
  const all = step.map((op) => ({ ...op, times: op.repeat * (op.layer >= 0 ? m.nLayers : 1), inLayer: op.layer >= 0 }));

  // SRAM check for on-chip activations: an op keeps its activations on chip when its inputs, outputs and
  // the residual stream fit what the pinned weights / KV leave of SRAM_PIN_FRACTION of the SRAM
  const onChipFusion = asked === 'activations' || asked === 'pipeline';
  const residual = rowsInStep * m.dim * 2;
  const actBudget = SRAM_PIN_FRACTION * nTiles * chip.tile.sramBytes - pinnedChip;
  const onChip = all.map((op) => onChipFusion && op.actBytes > 0 && op.actBytes + residual <= actBudget);
  if (onChipFusion) {
    const over = all.filter((op, i) => op.actBytes > 0 && !onChip[i]);
    for (const op of over) fusionMessages.push(`${op.name}: ${((op.actBytes + residual) / 1e6).toFixed(1)} MB of live activations exceed the ${(Math.max(0, actBudget) / 1e6).toFixed(1)} MB of SRAM left: its activations go through HBM`);
  }
  const nL = layer.length;
  const prevOnChip = (i: number) => (i === 0 ? onChip[nL - 1] : i === nL ? onChip[nL - 1] : onChip[i - 1]);
  const nextOnChip = (i: number) => (i < nL - 1 ? onChip[i + 1] : i === nL - 1 ? onChip[0] && onChip[nL] : false);

  const chipFor = { streaming: achievableChip(chip, 'streaming'), tiled: achievableChip(chip, 'tiled') };
  // savedHbm: the HBM bytes the op no longer moves because its activations stay on chip
  interface Run { op: (typeof all)[number]; cost: OpCost; options: OpCostOptions; plan: Plan; savedHbm: number; mode: OpSimResult['mode'] }
  const runs: Run[] = all.map((op, i) => {
    const resident = op.plan.tensors
      .filter((t) => (t.role === 'weight' && pl.weights === 'sram') || (t.role === 'kv-cache' && pl.kvCache === 'sram'))
      .map((t) => t.name);
    const costOpts = { pattern: op.pattern, firstInLayer: i === 0, dataflow, pinnedBytesPerTile: pinnedPerTile, timing: 'analytic' as const };
    if (onChip[i]) {
      // qkv's K and V also go to the KV cache: its stores stay
      const keep = keepOnChip(op.plan, prevOnChip(i), nextOnChip(i) && op.name !== 'qkv');
      const mode = asked === 'pipeline' ? 'pipelined' : 'on-chip';
      const options: OpCostOptions = { ...costOpts, mode, resident: [...resident, ...keep.resident], held: keep.resident };
      const cost = simulateOp(chip, keep.plan, options, chipFor[op.pattern]);
      return { op, cost, options, plan: keep.plan, savedHbm: fusionSavedHbm(chipFor[op.pattern], cost.sim, keep), mode };
    }
    const mode = op.kind === 'elementwise' && asked !== 'none' ? 'fused' : 'kernel';
    const options: OpCostOptions = { ...costOpts, mode, resident };
    return { op, cost: simulateOp(chip, op.plan, options, chipFor[op.pattern]), options, plan: op.plan, savedHbm: 0, mode };
  });

  // the spatial pipeline needs every op's buffers in SRAM at once (checked), else the layer runs op by op
  let applied: Fusion = asked;
  if (asked === 'pipeline') {
    const ws = runs.filter((x) => x.op.inLayer).reduce((a, x) => a + x.cost.sim.fit.workingSetBytes, 0);
    const actPerTile = Math.max(0, ...all.map((op, i) => (onChip[i] ? op.actBytes + residual : 0))) / nTiles;
    const room = chip.tile.sramBytes - pinnedPerTile - actPerTile;
    if (ws > room) {
      applied = 'activations';
      fusionMessages.push(`layer pipeline: the ${nL} ops' buffers need ${Math.round(ws)} B per tile together, ${Math.max(0, Math.round(room))} B are left: the layer runs op by op (activations on chip)`);
      for (const x of runs) {
        if (x.mode !== 'pipelined') continue;
        x.mode = 'on-chip';
        x.options = { ...x.options, mode: 'on-chip' };
        // the same run costed op by op (the mechanisms as simulateOp applies them to an on-chip op)
        x.cost = opCost(chip, x.cost.sim, x.cost.pattern, 'on-chip', x === runs[0], x.cost.derate);
      }
    }
  }
  if (onChipFusion && !onChip.some(Boolean)) applied = 'none';

  const counts = emptyCounts();
  const ops: OpSimResult[] = [];
  let timeS = 0, macBusyS = 0;
  const bytes = { hbm: 0, noc: 0, sram: 0, scaleOut: 0 };
  const total = zero();
  let saved = 0, latencyS = 0;
  runs.forEach(({ op, cost, savedHbm: savedPerRun, mode }) => {
    const r = cost.sim;
    const b: OpBreakdown = { compute: cost.breakdown.compute * op.times, memory: cost.breakdown.memory * op.times, launch: cost.breakdown.launch * op.times, collective: 0 };
    const t = b.compute + b.memory + b.launch;
    const latency = cost.latencyS;
    latencyS += latency * op.times;
    if (!r.fit.fits) for (const msg of r.fit.messages) if (!notes.includes(msg)) notes.push(msg);
    // each layer runs on the P chips of its stage; every chip burns static power for the whole step
    addCounts(counts, r.counts, op.times * P);
    const dyn = energyOf(chip, r.counts, 0).total * op.times * P;
    const savedHbm = savedPerRun * op.times * P;
    saved += savedHbm;
    const prev = ops.find((x) => x.name === op.name);
    const entry: OpSimResult = prev ?? {
      name: op.name, source: op.source, timeS: 0, share: 0, bound: cost.bound, energyJ: 0, bytes: { hbm: 0, noc: 0, sram: 0 }, macs: 0,
      breakdown: zero(), savedBytes: { hbm: 0 }, mode, covers: op.covers,
    };
    entry.timeS += t;
    entry.energyJ += dyn + chip.energy.staticW * t * chips;
    entry.bytes.hbm += r.bytes.hbm * op.times * P;
    entry.bytes.noc += r.bytes.noc * op.times * P;
    entry.bytes.sram += r.bytes.sram * op.times * P;
    entry.macs += (r.counts.macs.int8 + r.counts.macs.fp16 + r.counts.macs.fp32) * op.times * P;
    entry.savedBytes.hbm += savedHbm;
    for (const k of ['compute', 'memory', 'launch'] as const) { entry.breakdown[k] += b[k]; total[k] += b[k]; }
    if (!prev) ops.push(entry);
    timeS += t;
    macBusyS += r.utilization * r.timeS * op.times;
    bytes.hbm += r.bytes.hbm * op.times * P;
    bytes.noc += r.bytes.noc * op.times * P;
    bytes.sram += r.bytes.sram * op.times * P;
  });
  const M = rowsInStep;
  const collective = (name: string, source: string, t: number, scaleOutBytes: number) => {
    const ar = emptyCounts();
    ar.scaleOutBytes = scaleOutBytes;
    addCounts(counts, ar);
    ops.push({
      name, source, timeS: t, share: 0, bound: 'collective',
      energyJ: energyOf(chip, ar, 0).total + chip.energy.staticW * t * chips, bytes: { hbm: 0, noc: 0, sram: 0 }, macs: 0,
      breakdown: { ...zero(), collective: t }, savedBytes: { hbm: 0 }, mode: 'collective',
    });
    total.collective += t;
    timeS += t;
    bytes.scaleOut += scaleOutBytes;
  };
  if (P > 1) {
    // all-reduce of the [M, D] activations after o-proj and after the MLP, per layer
    const ar = allReduceTime(chip.scaleOut, P, M * m.dim * 2);
    const n = 2 * m.nLayers;
    collective('all-reduce', `${ar.algorithm} all-reduce over ${P} chips`, ar.timeS * n, ar.bytesPerChip * P * n);
  }
  if (S > 1) {
    // activations hop from stage to stage once per step
    const msg = M * m.dim * 2;
    const t = (S - 1) * (msg / chip.scaleOut.linkBytesPerS + chip.scaleOut.linkLatencyS + chip.scaleOut.collective.stepLatencyS);
    collective('stage-transfer', `activations over ${S - 1} pipeline-stage boundaries`, t, msg * (S - 1) * P);
  }
  for (const op of ops) op.share = timeS > 0 ? op.timeS / timeS : 0;
  const energy = energyOf(chip, counts, timeS, chips);
  // a step with carried prefill also outputs the first token of each prompt it finishes (tokens / prompt on average)
  const tokensOut = o.phase === 'prefill' ? o.tokens * o.batch : o.batch + (carried ? carried.tokens / carried.prompt : 0);
  const powerW = timeS > 0 ? energy.total / timeS : 0;
  const tokensPerS = tokensOut / timeS;
  if (!pl.fits) notes.push(...pl.messages);
  notes.push(...fusionMessages);
  const result: ModelSimResult = {
    chip: chip.name, model: m.id, phase: o.phase, tokens: o.tokens, context: o.context, batch: o.batch, chips, parallel: { tensor: P, stages: S },
    precision: precisionLabel(f), formats: f, timeS, cycles: timeS * chip.clockHz,
    perTokenMs: o.phase === 'prefill' ? (timeS / tokensOut) * 1e3 : timeS * 1e3,
    tokensPerS, joulesPerToken: energy.total / tokensOut, tokensPerSPerW: powerW > 0 ? tokensPerS / powerW : 0, powerW,
    utilization: timeS > 0 ? Math.min(1, macBusyS / timeS) : 0,
    bytes, energyJ: energy.total, energyByLevel: energy, ops, breakdown: total, memoryLatencyS: latencyS, savedBytes: { hbm: saved },
    placement: { weightsBytes: pl.weightsBytes, kvCacheBytes: pl.kvCacheBytes, weights: pl.weights, kvCache: pl.kvCache, fits: pl.fits, messages: pl.messages },
    fusion: { asked, applied, messages: fusionMessages },
    ...(carried ? { carried } : {}),
    notes,
  };
  return { result, runs: runs.map((x) => ({ name: x.op.name, source: x.op.source, plan: x.plan, options: x.options, times: x.op.times, cost: x.cost })) };
}
