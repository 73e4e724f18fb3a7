// Whole layers and tokens on a chip: a model preset + phase -> the ops of one layer as Plans,
// each simulated once on the chip model and multiplied by the layer count (all layers are
// identical), plus the LM head; tensor parallelism over `chips` with ring all-reduce traffic.

import { energyOf, emptyCounts, addCounts, simulatePlan } from '../chip/sim.ts';
import type { ChipConfig, Dataflow, ModelSimResult, OpSimResult, Phase } from '../chip/types.ts';
import { findKernel, gemmOp, gemmTiles, retypePlan, vectorOp, type OpPlan } from './plans.ts';
import { layerParams, type ModelConfig } from './presets.ts';

export { MODEL_PRESETS, modelPreset, layerParams, type ModelConfig } from './presets.ts';

export interface ModelSimOptions {
  phase: Phase;
  /** Prefill: prompt tokens per sequence. Decode: ignored (one new token per sequence). */
  tokens?: number;
  /** Decode: tokens already in the KV cache. */
  context?: number;
  batch?: number;
  /** Tensor-parallel chips; default: the fewest that hold the model. */
  chips?: number;
  precision?: 'bf16' | 'int8';
  dataflow?: Dataflow;
  /** Fused QKV (reads X once, multicast) or three separate projections. */
  fusedQkv?: boolean;
}

/** Fraction of aggregate SRAM usable for pinned weights / KV (the rest holds working blocks; assumed). */
export const SRAM_PIN_FRACTION = 0.75;

interface Placement {
  chips: number;
  weightsBytes: number;
  kvCacheBytes: number;
  weights: 'sram' | 'hbm';
  kvCache: 'sram' | 'hbm';
  fits: boolean;
  messages: string[];
}

function place(chip: ChipConfig, m: ModelConfig, P: number, kvTokens: number, batch: number, wElem: number, actElem: number): Placement {
  const nTiles = chip.grid.rows * chip.grid.cols;
  const weightsBytes = (m.layers * layerParams(m) + m.vocab * m.dModel) * wElem;
  const kvCacheBytes = m.layers * 2 * kvTokens * m.kvHeads * m.headDim * actElem * batch;
  const wChip = weightsBytes / P;
  const kvChip = (m.layers * 2 * kvTokens * Math.ceil(m.kvHeads / P) * m.headDim * actElem * batch);
  const budget = SRAM_PIN_FRACTION * nTiles * chip.tile.sramBytes;
  const weights = wChip <= budget ? 'sram' : 'hbm';
  const kvCache = weights === 'sram' && wChip + kvChip <= budget ? 'sram' : 'hbm';
  const hbmNeed = (weights === 'hbm' ? wChip : 0) + (kvCache === 'hbm' ? kvChip : 0);
  const messages: string[] = [];
  let fits = true;
  if (hbmNeed > chip.hbm.capacityBytes) {
    fits = false;
    messages.push(
      chip.hbm.stacks === 0
        ? `${(wChip + kvChip) / 1e6 | 0} MB per chip of weights + KV cache exceed ${SRAM_PIN_FRACTION} x SRAM (${budget / 1e6 | 0} MB) on an SRAM-only chip with ${P} chip(s)`
        : `${hbmNeed / 1e9} GB per chip in HBM exceeds capacity ${chip.hbm.capacityBytes / 1e9} GB with ${P} chip(s)`,
    );
  }
  return { chips: P, weightsBytes, kvCacheBytes, weights, kvCache, fits, messages };
}

function layerOps(chip: ChipConfig, m: ModelConfig, o: Required<Pick<ModelSimOptions, 'phase' | 'tokens' | 'context' | 'batch' | 'precision' | 'fusedQkv'>>, P: number, notes: string[]): OpPlan[] {
  const nTiles = chip.grid.rows * chip.grid.cols;
  const e = 2; // activations bf16
  const M = o.phase === 'prefill' ? o.tokens * o.batch : o.batch;
  const Hq = Math.ceil(m.heads / P), Hkv = Math.ceil(m.kvHeads / P), F = Math.ceil(m.ffn / P), dh = m.headDim, D = m.dModel;
  const normOps = m.norm === 'rmsnorm' ? 4 : 7;
  const ops: OpPlan[] = [];
  ops.push(vectorOp(m.norm === 'rmsnorm' ? 'rmsnorm' : 'layernorm', M, D, normOps, 1, e, true, nTiles));

  const qkvK = findKernel('qkv');
  if (qkvK) {
    const t = gemmTiles(M, (Hq + 2 * Hkv) * dh, nTiles);
    const variant = !o.fusedQkv ? 'unfused' : o.precision === 'int8' ? 'fused-w8' : 'fused';
    const params = qkvK.validate({ M, D, Hq, Hkv, dh, bias: m.bias, BM: t.BM, BN: t.BN, BK: 32, TM: t.TM, TN: t.TN });
    ops.push({ name: 'qkv', source: `qkv/${variant}`, plan: retypePlan(qkvK.plan(params, variant), e), repeat: 1 });
  } else {
    notes.push('qkv kernel missing: fused QKV modelled as one matmul');
    ops.push(gemmOp('qkv', M, (Hq + 2 * Hkv) * dh, D, nTiles, o.precision));
  }
  if (m.norm === 'rmsnorm') ops.push(vectorOp('rope', M, (Hq + Hkv) * dh, 6, 1, e, false, nTiles));

  if (o.phase === 'prefill') {
    const k = findKernel('attention-prefill');
    if (k) {
      const params = k.validate({ S: o.tokens, Hq, Hkv, dh, causal: true, Br: 64, Bc: 64 });
      ops.push({ name: 'attention', source: 'attention-prefill/flash', plan: retypePlan(k.plan(params, 'flash'), e), repeat: o.batch });
      if (o.context > 0) notes.push('prefill attends only to the new tokens (the kernel has no cached prefix)');
    } else {
      notes.push('attention-prefill kernel missing: QK^T and PV modelled as matmuls');
      ops.push({ ...gemmOp('attention-qk', o.tokens * Hq, o.tokens, dh, nTiles, 'bf16'), repeat: o.batch });
      ops.push({ ...gemmOp('attention-pv', o.tokens * Hq, dh, o.tokens, nTiles, 'bf16'), repeat: o.batch });
    }
  } else {
    const k = findKernel('attention-decode');
    const L = Math.max(1, o.context);
    if (k) {
      const groups = o.batch * Hkv;
      const split = Math.max(64, Math.ceil(L / Math.max(1, Math.floor(nTiles / groups)) / 64) * 64);
      const params = k.validate({ B: o.batch, L, Hq, Hkv, dh, split, Bc: 64 });
      ops.push({ name: 'attention', source: 'attention-decode/split', plan: retypePlan(k.plan(params, 'split'), e), repeat: 1 });
    } else {
      notes.push('attention-decode kernel missing: q·K and p·V modelled as matmuls');
      ops.push({ ...gemmOp('attention-qk', Hq, L, dh, nTiles, 'bf16'), repeat: o.batch });
      ops.push({ ...gemmOp('attention-pv', Hq, dh, L, nTiles, 'bf16'), repeat: o.batch });
    }
  }
  ops.push(gemmOp('o-proj', M, D, Hq * dh, nTiles, o.precision));
  ops.push(vectorOp('residual+norm', M, D, 1 + normOps, 2, e, true, nTiles));
  if (m.mlp === 'swiglu') {
    ops.push(gemmOp('gate+up', M, 2 * F, D, nTiles, o.precision));
    ops.push(vectorOp('silu*mul', M, F, 5, 2, e, false, nTiles));
    ops.push(gemmOp('down', M, D, F, nTiles, o.precision));
  } else {
    ops.push(gemmOp('fc', M, F, D, nTiles, o.precision));
    ops.push(vectorOp('gelu', M, F, 8, 1, e, false, nTiles));
    ops.push(gemmOp('proj', M, D, F, nTiles, o.precision));
  }
  ops.push(vectorOp('residual', M, D, 1, 2, e, false, nTiles));
  return ops;
}

export function simulateModel(chip: ChipConfig, m: ModelConfig, opts: ModelSimOptions): ModelSimResult {
  const o = {
    phase: opts.phase,
    tokens: opts.phase === 'prefill' ? Math.max(1, opts.tokens ?? 512) : 1,
    context: Math.max(0, opts.context ?? (opts.phase === 'decode' ? 1024 : 0)),
    batch: Math.max(1, opts.batch ?? 1),
    precision: opts.precision ?? 'bf16',
    fusedQkv: opts.fusedQkv ?? true,
  };
  const notes: string[] = [];
  const wElem = o.precision === 'int8' ? 1 : 2;
  const kvTokens = o.phase === 'prefill' ? o.context + o.tokens : o.context + 1;
  let pl: Placement;
  if (opts.chips !== undefined) {
    pl = place(chip, m, opts.chips, kvTokens, o.batch, wElem, 2);
  } else {
    pl = place(chip, m, 1, kvTokens, o.batch, wElem, 2);
    for (let P = 2; !pl.fits && P <= chip.scaleOut.maxChips; P++) pl = place(chip, m, P, kvTokens, o.batch, wElem, 2);
    if (pl.chips > 1) notes.push(`${m.id} needs ${pl.chips} ${chip.name} chips (tensor parallel) to hold weights + KV cache`);
  }
  const P = pl.chips;
  const nTiles = chip.grid.rows * chip.grid.cols;
  const pinnedPerTile = ((pl.weights === 'sram' ? pl.weightsBytes / P : 0) + (pl.kvCache === 'sram' ? pl.kvCacheBytes / P : 0)) / nTiles;

  let dataflow = opts.dataflow;
  if (dataflow === 'weight-stationary' && pl.weights === 'hbm') {
    notes.push(`weight-stationary asked, but ${(pl.weightsBytes / P / 1e9).toFixed(2)} GB of weights per chip do not fit ${SRAM_PIN_FRACTION} x SRAM: weights stream from HBM (output-stationary)`);
    dataflow = 'output-stationary';
  }
  const layer = layerOps(chip, m, o, P, notes);
  const Mh = o.batch; // logits for the last token of each sequence
  const head: OpPlan[] = [
    vectorOp(m.norm === 'rmsnorm' ? 'final-rmsnorm' : 'final-layernorm', Mh, m.dModel, 4, 1, 2, true, nTiles),
    gemmOp('lm-head', Mh, Math.ceil(m.vocab / P), m.dModel, nTiles, o.precision),
  ];
  const all: Array<OpPlan & { times: number }> = [
    ...layer.map((op) => ({ ...op, times: op.repeat * m.layers })),
    ...head.map((op) => ({ ...op, times: op.repeat })),
  ];

  const counts = emptyCounts();
  const ops: OpSimResult[] = [];
  let timeS = 0, macBusyS = 0;
  const bytes = { hbm: 0, noc: 0, sram: 0, scaleOut: 0 };
  for (const op of all) {
    const resident = op.plan.tensors
      .filter((t) => (t.role === 'weight' && pl.weights === 'sram') || (t.role === 'kv-cache' && pl.kvCache === 'sram'))
      .map((t) => t.name);
    const r = simulatePlan(chip, op.plan, {
      dataflow, maxTraceEvents: 0, resident, pinnedBytesPerTile: pinnedPerTile, timing: 'analytic',
    });
    if (!r.fit.fits) for (const msg of r.fit.messages) if (!notes.includes(msg)) notes.push(msg);
    const t = r.timeS * op.times;
    addCounts(counts, r.counts, op.times * P);
    const dyn = energyOf(chip, r.counts, 0).total * op.times * P;
    const prev = ops.find((x) => x.name === op.name);
    const entry: OpSimResult = prev ?? { name: op.name, source: op.source, timeS: 0, share: 0, bound: r.bound, energyJ: 0, bytes: { hbm: 0, noc: 0, sram: 0 }, macs: 0 };
    entry.timeS += t;
    entry.energyJ += dyn + chip.energy.staticW * t * P;
    entry.bytes.hbm += r.bytes.hbm * op.times * P;
    entry.bytes.noc += r.bytes.noc * op.times * P;
    entry.bytes.sram += r.bytes.sram * op.times * P;
    entry.macs += (r.counts.macs.int8 + r.counts.macs.fp16 + r.counts.macs.fp32) * op.times * P;
    if (!prev) ops.push(entry);
    timeS += t;
    macBusyS += r.utilization * t;
    bytes.hbm += r.bytes.hbm * op.times * P;
    bytes.noc += r.bytes.noc * op.times * P;
    bytes.sram += r.bytes.sram * op.times * P;
  }
  if (P > 1) {
    // All-reduce of the [M, D] activations after o-proj and after the MLP, per layer, by recursive
    // halving-doubling (Rabenseifner): 2 log2(P) latency steps, 2 (P-1)/P of the message per chip.
    const M = o.phase === 'prefill' ? o.tokens * o.batch : o.batch;
    const msg = M * m.dModel * 2;
    const perChip = (2 * (P - 1) / P) * msg;
    const t1 = perChip / chip.scaleOut.linkBytesPerS + 2 * Math.ceil(Math.log2(P)) * chip.scaleOut.linkLatencyS;
    const n = 2 * m.layers;
    const ar = emptyCounts();
    ar.scaleOutBytes = perChip * P;
    addCounts(counts, ar, n);
    const t = t1 * n;
    ops.push({
      name: 'all-reduce', source: `halving-doubling all-reduce over ${P} chips`, timeS: t, share: 0, bound: 'noc',
      energyJ: energyOf(chip, ar, 0).total * n + chip.energy.staticW * t * P, bytes: { hbm: 0, noc: 0, sram: 0 }, macs: 0,
    });
    timeS += t;
    bytes.scaleOut += perChip * P * n;
  }
  for (const op of ops) op.share = timeS > 0 ? op.timeS / timeS : 0;
  const energy = energyOf(chip, counts, timeS, P);
  const tokensOut = o.phase === 'prefill' ? o.tokens * o.batch : o.batch;
  const powerW = timeS > 0 ? energy.total / timeS : 0;
  const tokensPerS = tokensOut / timeS;
  if (!pl.fits) notes.push(...pl.messages);
  return {
    chip: chip.name, model: m.id, phase: o.phase, tokens: o.tokens, context: o.context, batch: o.batch, chips: P,
    precision: o.precision, timeS, cycles: timeS * chip.clockHz,
    perTokenMs: o.phase === 'prefill' ? (timeS / tokensOut) * 1e3 : timeS * 1e3,
    tokensPerS, joulesPerToken: energy.total / tokensOut, tokensPerSPerW: powerW > 0 ? tokensPerS / powerW : 0, powerW,
    utilization: timeS > 0 ? macBusyS / timeS : 0,
    bytes, energyJ: energy.total, energyByLevel: energy, ops,
    placement: { weightsBytes: pl.weightsBytes, kvCacheBytes: pl.kvCacheBytes, weights: pl.weights, kvCache: pl.kvCache, fits: pl.fits, messages: pl.messages },
    notes,
  };
}
