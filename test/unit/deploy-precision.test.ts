// The formats the Model tab's chip-model columns simulate for a loaded file (deployPrecision): the file's own
// formats per group of linears, a mix read by its bytes, int8 with the int8 option. Expected shares are
// counted by hand from llama.cpp's Q4_K_M rule and ggml's block sizes (Q4_K 144 B, Q6_K 210 B per 256 values).
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel } from '../../src/llm/weights.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_GPT2, TINY_LLAMA } from '../../src/llm/testmodel.ts';
import { deployPrecision } from '../../src/llm/deploy-precision.ts';
import { chipPreset } from '../../src/chip/index.ts';
import { simulateModel } from '../../src/models/index.ts';

const gguf = (spec: Parameters<typeof writeGgufModel>[0]) => openModel([bytesSource('m.gguf', writeGgufModel(spec))]);

describe('deployPrecision: what a deployment of the loaded file runs', () => {
  it('a Q4_K_M file (8 layers): q4_k for both groups, the Q6_K layers shown as shares of the bytes', async () => {
    // use_more_bits(i, 8): layers 0, 3, 6, 7 get Q6_K attn_v and ffn_down. Per layer (D 256, 4 x 64 query, 2 x 64 KV
    // heads, FFN 256): q 65,536 + k 32,768 + o 65,536 values Q4_K, v 32,768 Q4_K or Q6_K; gate|up 131,072 Q4_K,
    // down 65,536 Q4_K or Q6_K. Attention: Q4_K 8 x 163,840 x 0.5625 + 4 x 32,768 x 0.5625 = 811,008 B, Q6_K
    // 4 x 32,768 x 0.8203125 = 107,520 B: 88% / 12%. MLP: Q4_K 8 x 131,072 x 0.5625 + 4 x 65,536 x 0.5625 =
    // 737,280 B, Q6_K 4 x 65,536 x 0.8203125 = 215,040 B: 77% / 23%.
    const m = await gguf({ ...TINY_LLAMA, nLayers: 8, dim: 256, ffnDim: 256, headDim: 64, mix: 'q4_k_m' });
    const p = deployPrecision(m, false);
    expect(p.spec).toEqual({ weights: 'q4_k', mlpWeights: 'q4_k', kv: 'bf16' });
    expect(p.note).toContain('attention q4_k (a mix: q4_k 88%, q6_k 12%; the most bytes\' format simulated)');
    expect(p.note).toContain('MLP q4_k (a mix: q4_k 77%, q6_k 23%;');
    expect(p.note).toContain('bf16 KV cache (assumed');
    // the chip model takes it: the placed weights are Q4_K's bytes, not bf16's
    const r = simulateModel(chipPreset('h100').config, m.config, { phase: 'decode', context: 16, batch: 1, precision: p.spec });
    const bf16 = simulateModel(chipPreset('h100').config, m.config, { phase: 'decode', context: 16, batch: 1, precision: 'bf16' });
    expect(r.placement.weightsBytes).toBeLessThan(0.3 * bf16.placement.weightsBytes);
  });

  it('one format throughout: f16 safetensors (GPT-2, no linear kept as ggml blocks) -> f16, no mix', async () => {
    const m = await openModel(Object.entries(writeSafetensorsModel({ ...TINY_GPT2, dtype: 'f16' })).map(([n, b]) => bytesSource(n, b)));
    const p = deployPrecision(m, false);
    expect(p.spec).toEqual({ weights: 'f16', mlpWeights: 'f16', kv: 'bf16' });
    expect(p.note).not.toMatch(/mix/);
  });

  it('Q8_0 and Q5_0 GGUFs run in their own block formats; an f32 file in f32', async () => {
    expect(deployPrecision(await gguf({ ...TINY_LLAMA, dtype: 'q8_0' }), false).spec).toEqual({ weights: 'q8_0', mlpWeights: 'q8_0', kv: 'bf16' });
    expect(deployPrecision(await gguf({ ...TINY_LLAMA, dim: 64, dtype: 'q5_0' }), false).spec).toEqual({ weights: 'q5_0', mlpWeights: 'q5_0', kv: 'bf16' });
    expect(deployPrecision(await gguf({ ...TINY_LLAMA, dtype: 'f32' }), false).spec).toEqual({ weights: 'f32', mlpWeights: 'f32', kv: 'bf16' });
  });

  it('Q4_0 with Q8_0 o-projs, GPT-2 (its fused QKV runs unlisted): the QKV counts as Q4_0, the file\'s other format', async () => {
    // weightDtype "q4_0+q8_0". Per layer (D 64): QKV 192 x 64 = 12,288 values Q4_0 (18 B per 32: 6,912 B), o 64 x 64 =
    // 4,096 values Q8_0 (34 B per 32: 4,352 B): 61% / 39%.
    const m = await gguf({ ...TINY_GPT2, dtype: 'q4_0', dtypes: { 'blk.0.attn_output.weight': 'q8_0', 'blk.1.attn_output.weight': 'q8_0' } });
    expect(m.linearDtypes).toEqual(['q4_0', 'q8_0']);
    expect(m.weightDtype).toBe('q4_0+q8_0');
    expect(m.ggml?.['L0.wqkv']).toBeUndefined();
    const p = deployPrecision(m, false);
    expect(p.spec).toEqual({ weights: 'q4_0', mlpWeights: 'q4_0', kv: 'bf16' });
    expect(p.note).toContain('attention q4_0 (a mix: q4_0 61%, q8_0 39%;');
  });

  it('the int8 option: W8A8 int8 whatever the file holds', async () => {
    const p = deployPrecision(await gguf({ ...TINY_LLAMA, dtype: 'f16' }), true);
    expect(p.spec).toEqual({ weights: 'int8', mlpWeights: 'int8', kv: 'bf16' });
    expect(p.note).toMatch(/int8 option/);
  });
});
