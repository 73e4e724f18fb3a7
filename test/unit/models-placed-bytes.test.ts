// The weight bytes the chip model places (placement.weightsBytes: SRAM fit, chip count, HBM traffic) and the
// weight bytes a step's op list loads, counted by hand for two small models: every matrix, and the vectors beside
// them (norm gains, LayerNorm's shift, the linears' biases, the final norm), all bf16 (2 bytes an element).
import { describe, expect, it } from 'vitest';
import { chipPreset } from '../../src/chip/index.ts';
import { forwardOps, parameterCount, simulateModel, type ModelConfig } from '../../src/models/index.ts';
import type { NumberFormat } from '../../src/models/types.ts';

// GPT-2 style: LayerNorm (gain and shift), learned positions, GELU MLP, a bias on every linear, tied LM head
const tinyGpt2: ModelConfig = {
  id: 'tiny-gpt2', label: 'tiny GPT-2', arch: 'gpt2', vocabSize: 100, dim: 64, nLayers: 2, nHeads: 2, nKvHeads: 2, headDim: 32, ffnDim: 256,
  maxPositions: 32, norm: 'layernorm', normEps: 1e-5, positions: { kind: 'learned' }, mlp: 'gelu', qkvBias: true, projBias: true,
  attentionWindow: null, tiedEmbeddings: true, sources: [],
};
// Qwen2 style: RMSNorm (gain only), RoPE, SwiGLU, GQA, biases on q/k/v only, tied LM head
const tinyQwen2: ModelConfig = {
  id: 'tiny-qwen2', label: 'tiny Qwen2', arch: 'llama', vocabSize: 100, dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, headDim: 16, ffnDim: 128,
  maxPositions: 64, norm: 'rmsnorm', normEps: 1e-6, positions: { kind: 'rope', theta: 1e6, scaling: null }, mlp: 'swiglu', qkvBias: true, projBias: false,
  attentionWindow: null, tiedEmbeddings: true, sources: [],
};

/*
 * tiny GPT-2, one layer, elements:
 *   q/k/v weights 64 x (2 + 2 + 2) x 32 = 64 x 192 = 12,288; output projection 64 x 64 = 4,096
 *   fc 64 x 256 = 16,384; proj 256 x 64 = 16,384
 *   matrices: 12,288 + 4,096 + 16,384 + 16,384 = 49,152
 *   vectors: ln_1 gain 64 + shift 64, ln_2 gain 64 + shift 64 = 256; q/k/v bias 192; output bias 64;
 *            fc bias 256; proj bias 64: 256 + 192 + 64 + 256 + 64 = 832
 *   a layer: 49,152 + 832 = 49,984 elements = 99,968 bytes
 * outside the layers: final LayerNorm gain 64 + shift 64 = 128 elements = 256 bytes; token embedding (also the LM
 * head) 100 x 64 = 6,400 = 12,800 bytes; position table 32 x 64 = 2,048 = 4,096 bytes
 * the model: 2 x 99,968 + 256 + 12,800 + 4,096 = 217,088 bytes (108,544 parameters)
 */
const GPT2 = { layerMatrices: 98_304, layerVectors: 1_664, layer: 99_968, finalNorm: 256, head: 12_800, model: 217_088, params: 108_544 };

/*
 * tiny Qwen2, one layer, elements:
 *   q/k/v weights 64 x (4 + 2 + 2) x 16 = 64 x 128 = 8,192; output projection 64 x 64 = 4,096
 *   gate | up 64 x 256 = 16,384; down 128 x 64 = 8,192
 *   matrices: 8,192 + 4,096 + 16,384 + 8,192 = 36,864
 *   vectors: two RMSNorm gains 2 x 64 = 128; q/k/v bias 128: 256
 *   a layer: 36,864 + 256 = 37,120 elements = 74,240 bytes
 * outside the layers: final RMSNorm gain 64 = 128 bytes; token embedding (also the LM head) 100 x 64 = 6,400 = 12,800 bytes
 * the model: 2 x 74,240 + 128 + 12,800 = 161,408 bytes (80,704 parameters)
 */
const QWEN2 = { layerMatrices: 73_728, layerVectors: 512, layer: 74_240, finalNorm: 128, head: 12_800, model: 161_408, params: 80_704 };

const placed = (m: ModelConfig, precision: NumberFormat = 'bf16') =>
  simulateModel(chipPreset('h100').config, m, { phase: 'decode', context: 8, batch: 1, precision }).placement.weightsBytes;

/** Bytes of the weight tensors the deployment's ops load (each plan once per repeat), split into matrices and vectors. */
function loaded(m: ModelConfig, layer: number, weights: NumberFormat = 'bf16') {
  const deploy = { batch: 1, formats: { weights, mlpWeights: weights, kv: 'bf16' as const }, tensorParallel: 1, fusedQkv: true, chipTiles: 132, firstLayerOnly: true };
  const out = { matrices: 0, vectors: 0 };
  for (const o of forwardOps(m, { phase: 'decode', M: 1, pos0: 8, deploy })) {
    if (o.layer !== layer) continue;
    for (const t of o.plan.tensors) {
      if (t.role !== 'weight') continue;
      if (t.shape.length === 1) out.vectors += t.bytes * o.repeat;
      else out.matrices += t.bytes * o.repeat;
    }
  }
  return out;
}

describe('models: the weights placed count every gain, shift and bias (hand counts)', () => {
  for (const [m, n] of [[tinyGpt2, GPT2], [tinyQwen2, QWEN2]] as const) {
    it(`${m.id}: placed bytes, by layer and in all`, () => {
      expect(placed(m)).toBe(n.model);
      // a layer more adds one layer's bytes; the rest (final norm, embedding, positions) stays
      expect(placed({ ...m, nLayers: 3 }) - placed(m)).toBe(n.layer);
      // the same parameters the config counts
      expect(parameterCount(m)).toBe(n.params);
      expect(2 * n.params).toBe(n.model);
    });

    it(`${m.id}: the op list loads what is placed (layer: matrices and vectors; outside: final norm and LM head)`, () => {
      expect(loaded(m, 0)).toEqual({ matrices: n.layerMatrices, vectors: n.layerVectors });
      expect(loaded(m, -1)).toEqual({ matrices: n.head, vectors: n.finalNorm });
      // the vectors stay bf16 whatever the weights' format
      expect(loaded(m, 0, 'int8').vectors).toBe(n.layerVectors);
      expect(loaded(m, -1, 'int8').vectors).toBe(n.finalNorm);
    });
  }

  it('int8 weights: the matrices shrink, the vectors stay bf16 (hand counts)', () => {
    // int8 with a bf16 scale per output channel: 1 + 2 / K bytes an element, K each matrix's own reduction length:
    // D = 64 for q/k/v, up and the embedding / LM head (1.03125 B), Hq x dh = 64 for the output projection, the FFN
    // width for the down projection (tiny Qwen2 128: 1.015625 B; tiny GPT-2 256: 1.0078125 B); the vectors and the
    // position table at 2 B
    // tiny Qwen2: a layer's matrices (8,192 + 4,096 + 16,384) x 1.03125 + 8,192 x 1.015625 = 29,568 + 8,320 = 37,888;
    //   2 x (37,888 + 256 x 2) + 64 x 2 + 6,400 x 1.03125 = 2 x 38,400 + 128 + 6,600 = 83,528
    expect(placed(tinyQwen2, 'int8')).toBe(83_528);
    // tiny GPT-2: a layer's matrices (12,288 + 4,096 + 16,384) x 1.03125 + 16,384 x 1.0078125 = 33,792 + 16,512 = 50,304;
    //   2 x (50,304 + 832 x 2) + 128 x 2 + 6,400 x 1.03125 + 2,048 x 2 = 2 x 51,968 + 256 + 6,600 + 4,096 = 114,888
    expect(placed(tinyGpt2, 'int8')).toBe(114_888);
    // a layer placed is what the op list loads for it (each GEMM's scales by its own K)
    for (const m of [tinyQwen2, tinyGpt2]) {
      const l = loaded(m, 0, 'int8');
      expect(placed({ ...m, nLayers: 3 }, 'int8') - placed(m, 'int8')).toBe(l.matrices + l.vectors);
    }
  });
});
