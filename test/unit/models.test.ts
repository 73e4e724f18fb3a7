// Whole-model estimates: lower bounds from bytes, tensor-parallel traffic, placement, consistency.
import { describe, expect, it } from 'vitest';
import { CHIP_PRESETS, chipPreset } from '../../src/chip/index.ts';
import { MODEL_PRESETS, modelPreset, simulateModel } from '../../src/models/index.ts';

/** Weight bytes per chip: every projection of every layer + the LM head, bf16 (from the published dims). */
function weightBytes(id: string): number {
  const m = modelPreset(id);
  const perLayer = m.dModel * (m.heads + 2 * m.kvHeads) * m.headDim + m.heads * m.headDim * m.dModel +
    (m.mlp === 'swiglu' ? 3 : 2) * m.dModel * m.ffn + 2 * m.dModel;
  return 2 * (m.layers * perLayer + m.vocab * m.dModel);
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
        const kv = m.layers * 2 * c.context * Math.ceil(m.kvHeads / P) * m.headDim * 2 * c.batch;
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

  it('tensor parallelism all-reduces [batch, d_model] twice per layer: scale-out bytes in closed form', () => {
    const chip = chipPreset('jalapeno').config;
    const m = modelPreset('llama3-70b');
    const P = 4, B = 3;
    const r = simulateModel(chip, m, { phase: 'decode', context: 1024, batch: B, chips: P });
    // per all-reduce each chip sends 2 (P-1)/P of the bf16 message; 2 per layer; P chips
    const expected = m.layers * 2 * P * (2 * (P - 1) / P) * B * m.dModel * 2;
    expect(r.bytes.scaleOut).toBeCloseTo(expected, 3);
    const ar = r.ops.find((o) => o.name === 'all-reduce');
    expect(ar?.bound).toBe('noc');
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
        for (const o of r.ops) expect(['compute', 'memory', 'noc']).toContain(o.bound);
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
