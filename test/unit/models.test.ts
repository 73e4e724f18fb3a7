// Whole-model estimates: lower bounds from bytes, tensor-parallel traffic, placement, consistency.
import { describe, expect, it } from 'vitest';
import { CHIP_PRESETS, chipPreset, simulatePlan } from '../../src/chip/index.ts';
import { IDEAL_RUNTIME, validateChipConfig } from '../../src/chip/config.ts';
import { MODEL_PRESETS, modelPreset, simulateModel, ModelInputError, bytesPerElem, allReduceTime, fusionSavedHbm, forwardOps, precisionOf, type ModelSimOptions } from '../../src/models/index.ts';
import { checkClaims } from '../../src/models/claims.ts';
import { gemmOp, keepOnChip, vectorOp, type OpPlan } from '../../src/models/plans.ts';
import { vectorParamBytes } from '../../src/models/forward.ts';

/** Weight bytes per chip: every projection of every layer + the LM head, bf16 (from the published dims). */
function weightBytes(id: string): number {
  const m = modelPreset(id);
  const perLayer = m.dim * (m.nHeads + 2 * m.nKvHeads) * m.headDim + m.nHeads * m.headDim * m.dim +
    (m.mlp === 'swiglu' ? 3 : 2) * m.dim * m.ffnDim + 2 * m.dim;
  return 2 * (m.nLayers * perLayer + m.vocabSize * m.dim);
}

describe('models: decode lower bound', () => {
  const cases = [
    { model: 'llama3-8b', context: 1, batch: 1, note: 'empty cache' },
    { model: 'llama3-8b', context: 4096, batch: 1, note: 'the README table case' },
    { model: 'llama3-8b', context: 1000, batch: 4, note: 'batch, context not a multiple of the split' },
    { model: 'llama3-70b', context: 2048, batch: 2, note: 'multi-chip on most presets' },
  ];
  for (const c of cases) {
    for (const p of CHIP_PRESETS) {
      if (p.config.hbm.stacks === 0) continue;
      it(`${c.model} decode ctx ${c.context} batch ${c.batch} on ${p.id} is no faster than (weights + KV) / HBM bandwidth (${c.note})`, () => {
        const m = modelPreset(c.model);
        const r = simulateModel(p.config, m, { phase: 'decode', context: c.context, batch: c.batch });
        const P = r.chips;
        const kv = m.nLayers * 2 * c.context * Math.ceil(m.nKvHeads / P) * m.headDim * 2 * c.batch;
        const bytes = (r.placement.weights === 'hbm' ? weightBytes(c.model) / P : 0) + (r.placement.kvCache === 'hbm' ? kv : 0);
        expect(r.timeS).toBeGreaterThanOrEqual(bytes / p.config.hbm.bandwidthBytesPerS);
        expect(r.placement.weights).toBe('hbm'); // no preset holds these weights in SRAM
        expect(r.placement.fits).toBe(true);
      });
    }
  }
});

describe('models: placement and scale-out', () => {
  it('gpt2-small weights stay in SRAM on jalapeno: decode reads no weight bytes from HBM', () => {
    const chip = chipPreset('jalapeno').config;
    const r = simulateModel(chip, modelPreset('gpt2-small'), { phase: 'decode', context: 512, batch: 1 });
    expect(r.placement.weights).toBe('sram');
    expect(r.chips).toBe(1);
    // (not faster than streaming them: at batch 1 every GEMV fills one row of each 32x32
    // output-stationary fold, SCALE-Sim's schedule, so the MAC arrays run at ~1/32 of peak)
    expect(r.bytes.hbm).toBeLessThan(weightBytes('gpt2-small'));
  });

  it('groq-lpu (SRAM-only) spreads llama3-8b over enough chips, and reports one chip as not fitting', () => {
    const chip = chipPreset('groq-lpu').config;
    const m = modelPreset('llama3-8b');
    const r = simulateModel(chip, m, { phase: 'decode', context: 4096, batch: 1 });
    const sram = 0.75 * chip.grid.rows * chip.grid.cols * chip.tile.sramBytes;
    expect(r.chips).toBeGreaterThanOrEqual(Math.ceil(weightBytes('llama3-8b') / sram));
    expect(r.placement.fits).toBe(true);
    expect(r.bytes.hbm).toBe(0);
    const one = simulateModel(chip, m, { phase: 'decode', context: 4096, batch: 1, chips: 1 });
    expect(one.placement.fits).toBe(false);
    expect(one.notes.join(' ')).toMatch(/SRAM-only/);
  });

  // modelBytes wrote the norms' bytes by hand (2 x D x 2 a layer); they now come from the op list (vectorParamBytes:
  // gains, LayerNorm's shifts and the linears' biases; test/unit/models-placed-bytes.test.ts counts those by hand).
  it('the weights a layer holds: projections in their formats, each norm op\'s gain as the op list reads it', () => {
    const m = modelPreset('llama3-8b');
    const held = (nLayers: number) => simulateModel(chipPreset('h100').config, { ...m, nLayers }, { phase: 'decode', context: 1024, batch: 1 }).placement.weightsBytes;
    // a Llama-3-8B layer by hand: D 4096, 32 query / 8 KV heads of 128, FFN 14336 (SwiGLU: 3 matrices), two RMSNorm
    // gains of D; all bf16 (2 bytes)
    const D = 4096, perLayer = D * (32 + 2 * 8) * 128 + 32 * 128 * D + 3 * D * 14336 + 2 * D;
    expect(held(2) - held(1)).toBe(2 * perLayer);
    // the gains counted are the ones the deployment's norm ops of a layer load (their `gain` tensors), for every preset
    // (a LayerNorm's `shift` too; the biases are the other ops' vectors: with the norms, every vector a layer's ops load)
    const deploy = { batch: 1, formats: { weights: 'bf16', mlpWeights: 'bf16', kv: 'bf16' }, tensorParallel: 1, fusedQkv: true, chipTiles: 132, firstLayerOnly: true } as const;
    for (const c of MODEL_PRESETS) {
      const layer0 = forwardOps(c, { phase: 'decode', M: 1, pos0: 16, deploy }).filter((o) => o.layer === 0);
      const norms = layer0.filter((o) => o.kind === 'norm');
      expect(norms.length, c.id).toBe(2);
      const gains = norms.reduce((s, o) => s + o.plan.tensors.filter((t) => t.name === 'gain' || t.name === 'shift').reduce((a, t) => a + t.bytes, 0), 0);
      expect(gains, c.id).toBe(2 * c.dim * 2 * (c.norm === 'layernorm' ? 2 : 1));
      const vectors = layer0.reduce((s, o) => s + o.plan.tensors.filter((t) => t.role === 'weight' && t.shape.length === 1).reduce((a, t) => a + t.bytes * o.repeat, 0), 0);
      expect(vectorParamBytes(c).layer, c.id).toBe(vectors);
    }
  });

  it('tensor parallelism all-reduces [batch, d_model] twice per layer: scale-out bytes in closed form', () => {
    const chip = chipPreset('jalapeno').config;
    const m = modelPreset('llama3-70b');
    const P = 4, B = 3;
    const r = simulateModel(chip, m, { phase: 'decode', context: 1024, batch: B, chips: P });
    // per all-reduce each chip sends 2 (P-1)/P of the bf16 message; 2 per layer; P chips
    const expected = m.nLayers * 2 * P * (2 * (P - 1) / P) * B * m.dim * 2;
    expect(r.bytes.scaleOut).toBeCloseTo(expected, 3);
    const ar = r.ops.find((o) => o.name === 'all-reduce');
    expect(ar?.bound).toBe('collective'); // its time is all in the collective part of its split
    const single = simulateModel(chip, modelPreset('llama3-8b'), { phase: 'decode', context: 1024, batch: B, chips: 1 });
    expect(single.bytes.scaleOut).toBe(0);
  });
});

describe('models: reported metrics are consistent', () => {
  for (const m of MODEL_PRESETS) {
    for (const phase of ['prefill', 'decode'] as const) {
      it(`${m.id} ${phase} on jalapeno`, () => {
        const r = simulateModel(chipPreset('jalapeno').config, m, { phase, tokens: 128, context: 256, batch: 2 });
        const tokens = phase === 'prefill' ? 128 * 2 : 2;
        expect(r.tokensPerS).toBeCloseTo(tokens / r.timeS, 6);
        expect(r.joulesPerToken).toBeCloseTo(r.energyJ / tokens, 12);
        expect(r.perTokenMs).toBeCloseTo(phase === 'prefill' ? (r.timeS / tokens) * 1e3 : r.timeS * 1e3, 9);
        expect(r.ops.reduce((a, o) => a + o.share, 0)).toBeCloseTo(1, 9);
        expect(r.ops.reduce((a, o) => a + o.timeS, 0)).toBeCloseTo(r.timeS, 12);
        // the one bound definition: the largest part of the op's split (the memory part named by what limited its waves)
        for (const o of r.ops) {
          const b = o.breakdown;
          const top = Math.max(b.compute, b.memory, b.launch, b.collective);
          const part = o.bound === 'memory' || o.bound === 'noc' || o.bound === 'array-schedule' ? b.memory : o.bound === 'compute' ? Math.max(b.compute, b.memory) : b[o.bound];
          expect(part, `${o.name}: ${o.bound}`).toBe(top);
        }
        expect(r.energyByLevel.total).toBeCloseTo(r.energyJ, 12);
        expect(r.utilization).toBeGreaterThan(0);
        expect(r.utilization).toBeLessThanOrEqual(1);
        // every op comes from a kernel plan or says it is analytic
        for (const o of r.ops) expect(o.source).toMatch(/^(matmul|matmul-int8|qkv|attention-prefill|attention-decode)\/|^analytic:|all-reduce/);
      });
    }
  }

  it('prefill is compute-heavier per token than decode (utilization)', () => {
    const chip = chipPreset('jalapeno').config;
    const m = modelPreset('llama3-8b');
    const pre = simulateModel(chip, m, { phase: 'prefill', tokens: 1024, batch: 1 });
    const dec = simulateModel(chip, m, { phase: 'decode', context: 1024, batch: 1 });
    expect(pre.utilization).toBeGreaterThan(10 * dec.utilization);
    expect(pre.perTokenMs).toBeLessThan(dec.perTokenMs);
  });

  it('fused QKV moves fewer HBM bytes than unfused', () => {
    const chip = chipPreset('jalapeno').config;
    const m = modelPreset('llama3-8b');
    const f = simulateModel(chip, m, { phase: 'prefill', tokens: 512, batch: 1 });
    const u = simulateModel(chip, m, { phase: 'prefill', tokens: 512, batch: 1, fusedQkv: false });
    const fq = f.ops.find((o) => o.name === 'qkv')!, uq = u.ops.find((o) => o.name === 'qkv')!;
    expect(fq.source).toBe('qkv/fused');
    expect(uq.source).toBe('qkv/unfused');
    expect(uq.bytes.hbm).toBeGreaterThan(fq.bytes.hbm);
  });
});

describe('models: inputs the model cannot handle are one-line ModelInputErrors (issue #8 bugs)', () => {
  const cases: Array<{ chip: string; model: string; opts: ModelSimOptions; re: RegExp; why: string }> = [
    { chip: 'h100', model: 'llama3-70b', opts: { phase: 'decode', chips: 3 }, re: /chips 3 must divide the 64 attention heads of llama3-70b .*allowed: 1, 2, 4, 8/, why: 'was a stack trace: 3 does not divide the heads' },
    { chip: 'jalapeno', model: 'llama3-8b', opts: { phase: 'prefill', tokens: 65536, batch: 2 }, re: /^tokens x batch = 131072 rows exceeds the 65536 rows a GEMM takes; allowed: tokens x batch ≤ 65536$/, why: 'was a stack trace from the matmul plan (M > 65536)' },
    { chip: 'jalapeno', model: 'llama3-8b', opts: { phase: 'decode', batch: 65537 }, re: /^batch = 65537 rows exceeds the 65536 rows a GEMM takes; allowed: batch ≤ 65536$/, why: 'one row per sequence through every GEMM (a batch past one decode-attention dispatch runs in groups, so that is not the limit)' },
    // three checks said this three ways (one with no allowed value); one rule now, one message
    { chip: 'jalapeno', model: 'llama3-8b', opts: { phase: 'decode', batch: 60000, carried: { tokens: 10000, prompt: 100 } }, re: /^batch \+ carried prefill tokens = 70000 rows exceeds the 65536 rows a GEMM takes; allowed: batch \+ carried prefill tokens ≤ 65536$/, why: 'in-flight batching: the carried prefill tokens are rows too' },
    { chip: 'h100', model: 'llama3-8b', opts: { phase: 'decode', chips: 16 }, re: /scales out to at most 8 chips per model copy, got 16/, why: 'more chips than the system holds' },
    { chip: 'h100', model: 'llama3-8b', opts: { phase: 'decode', precision: { weights: 'int4', kv: 'int4' } }, re: /kv format must be one of bf16, fp8, int8, bfp8/, why: 'int4 is a weight-only format' },
    { chip: 'h100', model: 'llama3-8b', opts: { phase: 'decode', stages: 2 }, re: /stages needs chips/, why: 'stages without a chip count' },
  ];
  for (const c of cases) {
    it(`${c.chip} ${c.model} ${JSON.stringify(c.opts)}: ${c.why}`, () => {
      const chip = chipPreset(c.chip).config;
      expect(() => simulateModel(chip, modelPreset(c.model), c.opts)).toThrow(ModelInputError);
      expect(() => simulateModel(chip, modelPreset(c.model), c.opts)).toThrow(c.re);
    });
  }

  it('a chip count the model picks itself always divides the heads (every preset x model, prefill batch 4 and decode)', () => {
    for (const p of CHIP_PRESETS) {
      for (const m of MODEL_PRESETS) {
        for (const opts of [{ phase: 'prefill', tokens: 2048, batch: 4, precision: 'int8' }, { phase: 'decode', context: 2048, batch: 1 }] as ModelSimOptions[]) {
          const r = simulateModel(p.config, m, opts);
          expect(m.nHeads % r.parallel.tensor, `${p.id} ${m.id} ${opts.phase}: tensor ${r.parallel.tensor}`).toBe(0);
          expect(r.chips).toBe(r.parallel.tensor * r.parallel.stages);
          expect(r.chips).toBeLessThanOrEqual(p.config.scaleOut.maxChips);
        }
      }
    }
  });

  it('the issue\'s wormhole-n150 llama3-70b prefill 2048 x 4 int8 runs (it crashed picking a chip count)', () => {
    const r = simulateModel(chipPreset('wormhole-n150').config, modelPreset('llama3-70b'), { phase: 'prefill', tokens: 2048, batch: 4, precision: 'int8' });
    expect(r.placement.fits).toBe(true);
    expect(64 % r.parallel.tensor).toBe(0);
    expect(r.timeS).toBeGreaterThan(0);
  });
});

describe('models: precisions as deployments use them', () => {
  it('bytes per element include the block scales (tt-metal tiles: 1088 B / 576 B per 1024 values; AWQ group 128; per-channel int8)', () => {
    expect(bytesPerElem('bf16', 4096)).toBe(2);
    expect(bytesPerElem('bfp8', 4096) * 1024).toBe(1088);
    expect(bytesPerElem('bfp4', 4096) * 1024).toBe(576);
    expect(bytesPerElem('int4', 4096)).toBe(0.5 + 2 / 128);
    expect(bytesPerElem('int8', 4096)).toBe(1 + 2 / 4096);
    expect(bytesPerElem('fp8', 4096)).toBe(1);
  });

  it('GGUF block formats cost their block bytes (ggml-common.h: block_q4_0 18 B / 32, block_q4_K 144, block_q5_K 176, block_q6_K 210 B / 256)', () => {
    expect(bytesPerElem('q4_0', 4096) * 32).toBe(18);
    expect(bytesPerElem('q4_k', 4096) * 256).toBe(144);
    expect(bytesPerElem('q5_k', 4096) * 256).toBe(176);
    expect(bytesPerElem('q6_k', 4096) * 256).toBe(210);
  });

  // Llama-3-8B's LM head is untied (its own [128256, 4096] table beside the embedding): both are placed
  it('a Q4_K_M-like mix (q4_k attention, q6_k MLP) places its real weight bytes, embedding and untied head (llama3-8b)', () => {
    const r = simulateModel(chipPreset('h100').config, modelPreset('llama3-8b'), { phase: 'decode', context: 128, precision: { weights: 'q4_k', mlpWeights: 'q6_k', kv: 'bf16' } });
    const attn = 4096 * (32 + 16) * 128 + 32 * 128 * 4096, mlp = 3 * 4096 * 14336;
    // per layer two RMSNorm gains of D, and the final norm's gain (bf16)
    const expected = 32 * (attn * (144 / 256) + mlp * (210 / 256) + 2 * 4096 * 2) + 4096 * 2 + 2 * 128256 * 4096 * (144 / 256);
    expect(r.placement.weightsBytes).toBeCloseTo(expected, 0);
  });

  it('weights placed in closed form: attention and MLP formats separately (llama3-8b, bfp8 attention / bfp4 MLP)', () => {
    const m = modelPreset('llama3-8b');
    const r = simulateModel(chipPreset('wormhole-n150').config, m, { phase: 'decode', context: 128, precision: { weights: 'bfp8', mlpWeights: 'bfp4', kv: 'bfp8' } });
    const attn = 4096 * (32 + 16) * 128 + 32 * 128 * 4096, mlp = 3 * 4096 * 14336;
    const expected = 32 * (attn * 1.0625 + mlp * 0.5625 + 2 * 4096 * 2) + 4096 * 2 + 2 * 128256 * 4096 * 1.0625;
    expect(r.placement.weightsBytes).toBeCloseTo(expected, 0);
    expect(r.placement.kvCacheBytes).toBeCloseTo(32 * 2 * 129 * 8 * 128 * 1.0625, 0);
    expect(r.precision).toBe('w:bfp8/mlp:bfp4 kv:bfp8');
  });

  it('a tied model places its vocabulary table once, and its learned position table (gpt2-small, bf16)', () => {
    const m = modelPreset('gpt2-small');
    const r = simulateModel(chipPreset('h100').config, m, { phase: 'decode', context: 128 });
    // GPT-2 small by hand: D 768, 12 layers, QKV 3 D x D, proj D x D, MLP 2 x D x 3072, two LayerNorms (gain and
    // shift of D each), biases on every linear (QKV 3 D, proj D, fc 3072, MLP proj D); the final LayerNorm (2 D);
    // the [50257, 768] table (the head reads it) and the [1024, 768] positions; all 2 bytes
    const D = 768, perLayer = 3 * D * D + D * D + 2 * D * 3072 + 2 * 2 * D + 3 * D + D + 3072 + D;
    expect(r.placement.weightsBytes).toBe(2 * (12 * perLayer + 2 * D + 50257 * D + 1024 * D));
    // GPT-2 small's published parameter count (124,439,808), 2 bytes each
    expect(r.placement.weightsBytes).toBe(2 * 124_439_808);
  });

  // narrower weights never move more bytes, on every preset: the gpt2-small case moved more with int8
  const shapes: ModelSimOptions[] = [
    { phase: 'decode', context: 0 }, { phase: 'decode', context: 512, batch: 4 }, { phase: 'prefill', tokens: 128 },
  ];
  for (const p of CHIP_PRESETS) {
    for (const id of ['gpt2-small', 'llama3-8b']) {
      it(`${id} on ${p.id}: int8 / fp8 / int4 / q4_k move no more bytes than bf16`, () => {
        for (const s of shapes) {
          const chips = p.config.hbm.stacks === 0 ? undefined : 1;
          const run = (w: 'bf16' | 'int8' | 'fp8' | 'int4' | 'q4_k') => simulateModel(p.config, modelPreset(id), { ...s, chips, precision: w });
          const bf = run('bf16');
          for (const w of ['int8', 'fp8', 'int4', 'q4_k'] as const) {
            const q = run(w);
            expect(q.bytes.hbm, `${w} ${JSON.stringify(s)}`).toBeLessThanOrEqual(bf.bytes.hbm);
            expect(q.bytes.hbm + q.bytes.sram + q.bytes.noc, `${w} ${JSON.stringify(s)}`).toBeLessThanOrEqual(bf.bytes.hbm + bf.bytes.sram + bf.bytes.noc);
          }
        }
      });
    }
  }
});

describe('models: mechanisms', () => {
  it('every op\'s breakdown sums to its time, and the step\'s to the step (every preset, both phases)', () => {
    for (const p of CHIP_PRESETS) {
      for (const opts of [{ phase: 'decode', context: 1024 }, { phase: 'prefill', tokens: 256 }] as ModelSimOptions[]) {
        const r = simulateModel(p.config, modelPreset('llama3-8b'), opts);
        for (const o of r.ops) {
          const b = o.breakdown;
          for (const v of Object.values(b)) expect(v).toBeGreaterThanOrEqual(0);
          expect(b.compute + b.memory + b.launch + b.collective, `${p.id} ${o.name}`).toBeCloseTo(o.timeS, 12);
        }
        const t = r.breakdown;
        expect(t.compute + t.memory + t.launch + t.collective).toBeCloseTo(r.timeS, 12);
      }
    }
  });

  it('h100 launch gaps in closed form: 7 kernels per layer (norms stay kernels, RoPE / SiLU·mul / residual fused) + 3 for the head (final norm, LM head in two column chunks of ≤ 65536)', () => {
    const chip = chipPreset('h100').config;
    const r = simulateModel(chip, modelPreset('llama3-8b'), { phase: 'decode', context: 1024 });
    expect(r.breakdown.launch).toBeCloseTo((7 * 32 + 3) * chip.runtime.kernelLaunchS, 12);
    expect(r.ops.find((o) => o.name === 'rope')!.mode).toBe('fused');
    expect(r.ops.find((o) => o.name === 'attn-norm')!.mode).toBe('kernel');
  });

  it('the GPU falls short of its roofline by the runtime mechanisms: ideal runtime is faster and reaches (weights + KV) / peak HBM', () => {
    const chip = chipPreset('h100').config;
    const ideal = { ...chip, runtime: IDEAL_RUNTIME };
    const m = modelPreset('llama3-8b');
    const real = simulateModel(chip, m, { phase: 'decode', context: 1024 });
    const best = simulateModel(ideal, m, { phase: 'decode', context: 1024 });
    expect(real.timeS).toBeGreaterThan(1.2 * best.timeS);
    expect(best.breakdown.launch).toBe(0);
    // streaming at 90% of peak: the memory part is at least the bytes over the achievable bandwidth
    expect(real.breakdown.memory).toBeGreaterThanOrEqual(real.bytes.hbm / (chip.hbm.bandwidthBytesPerS * chip.runtime.hbmEfficiency.streaming) * 0.999);
  });

  it('all-reduce costs in closed form (ring 2(P-1) steps, tree 2 log2 P, one-shot 2) and a few-KB TP all-reduce on NVLink costs microseconds of latency, not of bandwidth', () => {
    const s = { maxChips: 8, linkBytesPerS: 100e9, linkLatencyS: 1e-6, collective: { algorithm: 'ring' as const, stepLatencyS: 2e-6, launchS: 5e-6 } };
    const n = 1e6;
    expect(allReduceTime(s, 4, n).timeS).toBeCloseTo(5e-6 + 6 * 3e-6 + (1.5 * n) / 100e9, 15);
    expect(allReduceTime({ ...s, collective: { ...s.collective, algorithm: 'tree' } }, 8, n).timeS).toBeCloseTo(5e-6 + 6 * 3e-6 + (2 * n) / 100e9, 15);
    expect(allReduceTime({ ...s, collective: { ...s.collective, algorithm: 'one-shot' } }, 4, n).timeS).toBeCloseTo(5e-6 + 2 * 3e-6 + (3 * n) / 100e9, 15);
    expect(allReduceTime(s, 1, n).timeS).toBe(0);
    const h = chipPreset('h100').config.scaleOut;
    const small = allReduceTime(h, 2, 8192 * 2); // one token of llama3-70b, bf16
    expect(small.timeS).toBeGreaterThan(5e-6);
    expect(small.bytesPerChip / h.linkBytesPerS).toBeLessThan(0.1 * small.timeS);
  });

  it('dataflow fusion on jalapeno: activations on chip save HBM bytes op by op; pipeline <= activations <= none in time', () => {
    const chip = chipPreset('jalapeno').config;
    const m = modelPreset('llama3-8b');
    const run = (fusion: 'none' | 'activations' | 'pipeline') => simulateModel(chip, m, { phase: 'decode', context: 1024, fusion });
    const none = run('none'), act = run('activations'), pipe = run('pipeline');
    expect(none.savedBytes.hbm).toBe(0);
    expect(act.savedBytes.hbm).toBeGreaterThan(0);
    expect(act.bytes.hbm + act.savedBytes.hbm).toBeCloseTo(none.bytes.hbm, -3);
    expect(act.timeS).toBeLessThanOrEqual(none.timeS);
    expect(pipe.timeS).toBeLessThanOrEqual(act.timeS);
    expect(pipe.fusion.applied).toBe('pipeline');
    expect(pipe.ops.find((o) => o.name === 'ffn-up')!.mode).toBe('pipelined');
    expect(pipe.ops.find((o) => o.name === 'silu-mul')!.savedBytes.hbm).toBeGreaterThan(0);
  });

  it('fusion savings without a second simulation: held reads + dropped stores = the op simulated with and without keepOnChip (and hand counts)', () => {
    const j = chipPreset('jalapeno').config;
    const opts = { maxTraceEvents: 0, timing: 'analytic' as const };
    // [op, hand count of (input bytes read once, output bytes)] where every block is read once (one wave, no shared input);
    // silu*mul over 1 x 14336 bf16: two inputs of 14336 x 2 B, one output of 14336 x 2 B
    const cases: Array<[OpPlan, number, number]> = [
      [vectorOp('silu*mul', 1, 14336, 5, 2, 2, [], 256), 2 * 14336 * 2, 14336 * 2],
      [vectorOp('residual+norm', 2048, 4096, 5, 2, 2, ['gain'], 256), 2 * 2048 * 4096 * 2, 2048 * 4096 * 2],
      // down GEMV (M = 1): x [1, 14336] bf16 read once per wave (shared along x), y [1, 4096] bf16 stored
      [gemmOp('down', 1, 4096, 14336, 256, 'bf16'), 14336 * 2, 4096 * 2],
      // GEMMs of at most 256 plan tiles, so one wave on jalapeno's 256 (the same layout with and without
      // the activations held; with several waves the two runs may choose different wave shapes, and the
      // saving is then counted in the kept plan's own layout): X [M, K] bf16 read once, Y [M, N] bf16 stored
      [gemmOp('o-proj', 512, 1024, 4096, 64, 'bf16'), 512 * 4096 * 2, 512 * 1024 * 2],
      [gemmOp('gate+up', 64, 28672, 4096, 64, 'int8'), 64 * 4096 * 2, 64 * 28672 * 2],
    ];
    for (const [op, inBytes, outBytes] of cases) {
      for (const [inputs, outputs] of [[true, true], [true, false], [false, true]] as const) {
        const keep = keepOnChip(op.plan, inputs, outputs);
        const r = simulatePlan(j, keep.plan, { ...opts, resident: keep.resident, held: keep.resident });
        const base = simulatePlan(j, op.plan, opts);
        const what = `${op.name} inputs ${inputs} outputs ${outputs}`;
        expect(fusionSavedHbm(j, r, keep), what).toBe(base.bytes.hbm - r.bytes.hbm);
        expect(r.heldHbmReadBytes, what).toBe(inputs ? inBytes : 0);
        expect(r.passes.map((p) => p.waves), what).toEqual([1]);
        expect(keep.droppedStoreBytes, what).toBe(outputs ? outBytes : 0);
      }
    }
    // no HBM: nothing to save
    const groq = chipPreset('groq-lpu').config;
    const op = vectorOp('silu*mul', 1, 14336, 5, 2, 2, [], 256);
    const keep = keepOnChip(op.plan, true, true);
    const r = simulatePlan(groq, keep.plan, { ...opts, resident: keep.resident, held: keep.resident });
    expect(fusionSavedHbm(groq, r, keep)).toBe(0);
    expect(simulatePlan(groq, op.plan, opts).bytes.hbm - r.bytes.hbm).toBe(0);
  });

  it('on-chip activations are checked against SRAM: a long batched prefill sends the big ones through HBM and says so', () => {
    const r = simulateModel(chipPreset('jalapeno').config, modelPreset('llama3-8b'), { phase: 'prefill', tokens: 8192, batch: 4 });
    expect(r.fusion.messages.join(' ')).toMatch(/ffn-up: .* MB of live activations exceed the .* MB of SRAM left/);
    expect(r.ops.find((o) => o.name === 'ffn-up')!.mode).toBe('kernel');
  });
});

describe('models: the what-if claims check', () => {
  it('jalapeno vs h100 on llama3-8b int8 at batch 1: three checks, ratios from the two runs, mechanisms named', () => {
    const chip = chipPreset('jalapeno').config;
    const c = checkClaims(chip, modelPreset('llama3-8b'), { context: 4096, precision: 'int8' });
    expect(c.checks.map((x) => x.claim)).toEqual([
      'per-token latency halved against the GPU (12 -> 6 ms)', '~1.8x tokens/s per W', '≤ 300 W per chip',
    ]);
    expect(c.speedup).toBeCloseTo(c.gpu.perTokenMs / c.chip.perTokenMs, 9);
    expect(c.checks[0].holds).toBe(c.speedup >= 2);
    expect(c.carriedBy.join(' ')).toMatch(/no launch gaps/);
    expect(c.carriedBy.join(' ')).toMatch(/activations on chip \+ layer pipeline/);
    if (!c.checks[0].holds) expect(c.needs).toMatch(/TB\/s of HBM per chip/);
  });
});

describe('config: the mechanism fields are validated (name + allowed range in the error)', () => {
  // a preset as raw JSON, with the mechanism blocks open to any value (what a --chip-config file may hold)
  type Raw = { runtime?: Record<string, unknown> & { hbmEfficiency: Record<string, unknown> }; scaleOut: { collective?: Record<string, unknown> } };
  const base = () => structuredClone(chipPreset('h100').config) as unknown as Raw & { runtime: NonNullable<Raw['runtime']>; scaleOut: { collective: Record<string, unknown> } };
  const cases: Array<[string, (c: ReturnType<typeof base>) => void, RegExp]> = [
    ['efficiency above 1', (c) => { c.runtime.hbmEfficiency.streaming = 1.2; }, /config\.runtime\.hbmEfficiency\.streaming must be in \[0\.05, 1\], got 1\.2/],
    ['negative launch', (c) => { c.runtime.kernelLaunchS = -1e-6; }, /config\.runtime\.kernelLaunchS must be in \[0, 0\.001\]/],
    ['memory latency of a second', (c) => { c.runtime.memoryLatencyS = 1; }, /config\.runtime\.memoryLatencyS must be in \[0, 0\.0001\]/],
    ['unknown fusion', (c) => { c.runtime.fusion = 'magic'; }, /config\.runtime\.fusion must be one of none, elementwise, activations, pipeline/],
    ['unknown runtime field', (c) => { c.runtime.turbo = true; }, /config\.runtime: unknown field "turbo"; allowed: hbmEfficiency/],
    ['unknown collective', (c) => { c.scaleOut.collective.algorithm = 'star'; }, /config\.scaleOut\.collective\.algorithm must be one of ring, tree, one-shot/],
    ['collective step of a second', (c) => { c.scaleOut.collective.stepLatencyS = 1; }, /config\.scaleOut\.collective\.stepLatencyS must be in \[0, 0\.001\]/],
  ];
  for (const [why, edit, re] of cases) {
    it(why, () => {
      const c = base();
      edit(c);
      expect(() => validateChipConfig(c)).toThrow(re);
    });
  }
  it('a config without runtime / collective (older JSON files) gets the ideal runtime, and every preset validates as it is', () => {
    const c: Raw = base();
    delete c.runtime;
    delete c.scaleOut.collective;
    const v = validateChipConfig(c);
    expect(v.runtime).toEqual(IDEAL_RUNTIME);
    expect(v.scaleOut.collective.algorithm).toBe('ring');
    for (const p of CHIP_PRESETS) expect(validateChipConfig(structuredClone(p.config))).toEqual(p.config);
  });
});

describe('models: one op list (forwardOps) for the GPU loop and the chip model', () => {
  const gpuStep = (phase: 'prefill' | 'decode', M: number, pos0: number) => ({ phase, M, pos0, capacity: 64, int8: false, topK: 1, temperature: 0, u: 0 });
  const deploy = { batch: 1, formats: precisionOf('bf16'), tensorParallel: 1, fusedQkv: true, chipTiles: 256, firstLayerOnly: false };
  // llama2-7b: RoPE, SwiGLU, no biases; gpt2-small: learned positions (the QKV writes the cache), GELU, biases
  for (const id of ['llama2-7b', 'gpt2-small']) {
    for (const [phase, M, pos0] of [['decode', 1, 9], ['prefill', 8, 0], ['prefill', 8, 16]] as const) {
      it(`${id} ${phase} M=${M} pos0=${pos0}: the deployment's ops cover each GPU op of every layer once, in the same order, ids stable`, () => {
        const m = modelPreset(id);
        const gpu = forwardOps(m, gpuStep(phase, M, pos0));
        const dep = forwardOps(m, { phase, M, pos0, deploy });
        expect(new Set(gpu.map((o) => o.id)).size).toBe(gpu.length);
        expect(new Set(dep.map((o) => o.id)).size).toBe(dep.length);
        // what the deployment does not model: the embedding gather and the sampling
        const modelled = gpu.filter((o) => o.family !== 'embed' && o.family !== 'sample');
        const covered = dep.flatMap((o) => o.covers.map((n) => (o.layer >= 0 ? `L${o.layer}.${n}` : n)));
        expect([...covered].sort()).toEqual(modelled.map((o) => o.id).sort());
        // the order of the first covered GPU op follows the GPU list
        const pos = (gid: string) => modelled.findIndex((o) => o.id === gid);
        const firsts = dep.map((o) => pos(o.layer >= 0 ? `L${o.layer}.${o.covers[0]}` : o.covers[0]));
        expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
        expect(gpu.find((o) => o.id === 'L3.qkv')!.name).toBe('qkv');
      });
    }
  }

  it('a prefill after a cached prefix attends to it: the attention over 4096 cached + 512 new keys takes longer than over the 512 alone', () => {
    const chip = chipPreset('h100').config, m = modelPreset('llama3-8b');
    const att = (context: number) => simulateModel(chip, m, { phase: 'prefill', tokens: 512, context }).ops.find((o) => o.name === 'attention')!;
    expect(att(4096).timeS).toBeGreaterThan(2 * att(0).timeS);
    expect(att(4096).source).toBe('attention-prefill/flash');
  });
});
