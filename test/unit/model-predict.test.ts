// The Model tab's prediction of a loaded model: simulateModel of the model's own config, joined to the
// GPU decode step's op ids (predictOps). For a preset model the rows add up to the Tokens tab's
// per-token time, every modelled GPU op gets a time or names the op it is fused into, and a layer op's
// time is its simulated op's over the layers.

import { describe, expect, it } from 'vitest';
import { chipPreset, CHIP_PRESETS } from '../../src/chip/index.ts';
import { forwardOps, modelPreset, predictOps, simulateModel } from '../../src/models/index.ts';
import { api } from '../../src/worker/api.ts';
import { modelTabSimOptions } from '../../src/worker/llm.ts';

/** The op ids of the GPU loop's decode step at `position` (what the Model tab profiles). */
const decodeIds = (id: string, position: number) =>
  forwardOps(modelPreset(id), { phase: 'decode', M: 1, pos0: position, capacity: position + 1, int8: false, topK: 1, temperature: 0, u: 0.5 }).map((o) => o.id);

describe('Model tab prediction (predictOps)', () => {
  // gpt2-small: learned positions, the QKV writes the cache, GELU; llama2-7b: RoPE, SwiGLU, and on the
  // SRAM-only preset tensor parallelism (all-reduce rows with no GPU op); int8 the W8A8 weights
  const cases: Array<{ model: string; position: number; int8: boolean; why: string }> = [
    { model: 'gpt2-small', position: 100, int8: false, why: 'GPT-2 family, bf16' },
    { model: 'llama2-7b', position: 511, int8: true, why: 'Llama family, int8, multi-chip on small-SRAM presets' },
  ];
  for (const c of cases) {
    for (const chip of CHIP_PRESETS) {
      it(`${c.model} at position ${c.position} on ${chip.id} (${c.why}): the rows add up to the Tokens tab's per-token time`, async () => {
        const m = modelPreset(c.model);
        const opts = modelTabSimOptions(c.position, c.int8 ? 'int8' : 'bf16');
        const r = simulateModel(chip.config, m, opts);
        const p = predictOps(r, m.nLayers, decodeIds(c.model, c.position));
        const sum = p.rows.reduce((s, x) => s + (x.timeS ?? 0), 0) + p.extra.reduce((s, x) => s + x.timeS, 0);
        // the Tokens tab asks the worker for the preset model with the same options
        const tokens = await api.simulateModel(chip.id, c.model, opts);
        expect(tokens.status).toBe('ok');
        if (tokens.status !== 'ok') return;
        expect(sum * 1e3).toBeCloseTo(tokens.result.perTokenMs, 9);
        expect(p.perTokenMs).toBeCloseTo(tokens.result.perTokenMs, 12);
        // only the embedding gather and the sampling are unmodelled; fused rows name an existing op
        expect(p.rows.filter((x) => x.timeS === null).map((x) => x.id)).toEqual(['embed', 'sample']);
        for (const x of p.rows) if (x.fusedInto) expect(r.ops.map((o) => o.name)).toContain(x.fusedInto);
        expect(p.extra.map((o) => o.name)).toEqual(r.parallel.tensor > 1 ? ['all-reduce', ...(r.parallel.stages > 1 ? ['stage-transfer'] : [])] : r.parallel.stages > 1 ? ['stage-transfer'] : []);
      });
    }
  }

  it('a layer op gets its simulated op over the layers, the LM head all of its own, fused ops name where their work went', () => {
    const m = modelPreset('llama2-7b');
    const r = simulateModel(chipPreset('h100').config, m, modelTabSimOptions(63, 'bf16'));
    const p = predictOps(r, m.nLayers, decodeIds('llama2-7b', 63));
    const row = (id: string) => p.rows.find((x) => x.id === id)!;
    const op = (name: string) => r.ops.find((o) => o.name === name)!;
    expect(row('L5.qkv').timeS).toBeCloseTo(op('qkv').timeS / 32, 15);
    expect(row('lm-head').timeS).toBe(op('lm-head').timeS);
    expect(row('L5.attn-residual').timeS).toBeCloseTo(op('attn-residual+ffn-norm').timeS / 32, 15);
    expect(row('L5.ffn-norm')).toMatchObject({ timeS: 0, fusedInto: 'attn-residual+ffn-norm' });
    expect(row('L5.k-cache')).toMatchObject({ timeS: 0, fusedInto: 'rope' });
  });
});

describe('worker api: predictLlm', () => {
  it('without a loaded model it is an invalid outcome saying so', async () => {
    const out = await api.predictLlm(['h100']);
    expect(out).toEqual({ status: 'invalid', message: 'no model is loaded' });
  });
});
