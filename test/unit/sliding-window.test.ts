// Sliding-window attention (Mistral, Qwen2) outside the kernels: what the config readers take from
// config.json and GGUF (or refuse by name), the op list the decode loop runs (the window reaches the
// attention plans), and the chip model's KV traffic (keys read per decode step = min(context, window)).
// The kernels themselves: test/gpu/attention.test.ts; the GPU decode loop past the window against the
// CPU reference: test/gpu/llm-model.test.ts.
import { describe, expect, it } from 'vitest';
import { configFromGguf, configFromHf } from '../../src/llm/config.ts';
import type { GgufValue } from '../../src/llm/gguf.ts';
import { chipPreset } from '../../src/chip/index.ts';
import { forwardOps, modelPreset, simulateModel, type ModelConfig } from '../../src/models/index.ts';
import { planTotals } from '../../src/kernels/plan.ts';

// Mistral-7B-v0.1's published config.json (https://huggingface.co/mistralai/Mistral-7B-v0.1/blob/main/config.json), the fields read here.
const MISTRAL_V01 = {
  model_type: 'mistral', hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8,
  max_position_embeddings: 32768, rms_norm_eps: 1e-5, rope_theta: 10000.0, sliding_window: 4096, vocab_size: 32000, hidden_act: 'silu', tie_word_embeddings: false,
};
// Qwen2-7B's (https://huggingface.co/Qwen/Qwen2-7B/blob/main/config.json): use_sliding_window false.
const QWEN2_7B = {
  model_type: 'qwen2', hidden_size: 3584, intermediate_size: 18944, num_hidden_layers: 28, num_attention_heads: 28, num_key_value_heads: 4,
  max_position_embeddings: 131072, rms_norm_eps: 1e-6, rope_theta: 1000000.0, sliding_window: 131072, max_window_layers: 28, use_sliding_window: false,
  vocab_size: 152064, hidden_act: 'silu', tie_word_embeddings: false,
};

describe('config readers: the window a file asks for, or a refusal naming what is not supported', () => {
  // [what, config.json, window or the error]
  const cases: Array<[string, Record<string, unknown>, number | null | RegExp]> = [
    ['Mistral-7B-v0.1: sliding_window 4096 on every layer', MISTRAL_V01, 4096],
    ['Mistral-7B-v0.2 and later: sliding_window null', { ...MISTRAL_V01, sliding_window: null }, null],
    ['Qwen2-7B: use_sliding_window false (the window key is there but unused)', QWEN2_7B, null],
    ['Qwen2 with use_sliding_window and max_window_layers 0: every layer windowed', { ...QWEN2_7B, use_sliding_window: true, sliding_window: 4096, max_window_layers: 0 }, 4096],
    ['Qwen2 with use_sliding_window and max_window_layers = the layer count: no layer windowed', { ...QWEN2_7B, use_sliding_window: true, sliding_window: 4096 }, null],
    ['Qwen2 windowed from layer 21 of 28 only: refused by name', { ...QWEN2_7B, use_sliding_window: true, sliding_window: 4096, max_window_layers: 21 }, /max_window_layers 21 of 28 layers .* is not supported/],
    ['a layer_types list mixing sliding and full layers: refused by name', { ...MISTRAL_V01, layer_types: ['sliding_attention', 'full_attention'] }, /"layer_types" mixes sliding_attention and full_attention layers/],
    ['sliding_window 0: refused (a positive integer or null)', { ...MISTRAL_V01, sliding_window: 0 }, /"sliding_window" must be a positive integer or null, got 0/],
    ['Llama: transformers reads no window for it, neither do we', { ...MISTRAL_V01, model_type: 'llama' }, null],
  ];
  for (const [what, raw, want] of cases) {
    it(what, () => {
      if (want instanceof RegExp) expect(() => configFromHf(raw)).toThrow(want);
      else expect(configFromHf(raw).attentionWindow).toBe(want);
    });
  }

  it('GGUF: llama.attention.sliding_window (llama.cpp\'s key) is read; absent means none', () => {
    const meta = new Map<string, GgufValue>([
      ['general.architecture', 'llama'], ['llama.embedding_length', 64], ['llama.attention.head_count', 4], ['llama.block_count', 2],
      ['llama.feed_forward_length', 96], ['llama.context_length', 64], ['llama.attention.layer_norm_rms_epsilon', 1e-5], ['llama.vocab_size', 300],
    ]);
    expect(configFromGguf(meta, true, false).attentionWindow).toBeNull();
    expect(configFromGguf(new Map([...meta, ['llama.attention.sliding_window', 32]]), true, false).attentionWindow).toBe(32);
  });
});

const mistral: ModelConfig = { ...configFromHf(MISTRAL_V01, 'mistral-7b-v0.1') };

describe('the op list carries the window to the attention plans', () => {
  const step = { M: 1, phase: 'decode' as const, capacity: 16384, int8: false, topK: 1, temperature: 0, u: 0 };
  it('decode at position 10,000 reads the last 4096 keys per head; at position 1,000 all 1,001', () => {
    for (const [pos0, keys] of [[10_000, 4096], [1_000, 1_001]]) {
      const att = forwardOps(mistral, { ...step, pos0 }).find((o) => o.id === 'L0.attention')!;
      expect(att.plan.params).toMatchObject({ window: 4096, L: pos0 + 1 });
      expect(planTotals(att.plan).loadByTensor.k_cache).toBe(4 * mistral.nKvHeads * keys * mistral.headDim);
    }
  });
  it('a prefill chunk after a cached prefix passes the window too (flash prefill)', () => {
    const att = forwardOps(mistral, { ...step, phase: 'prefill', M: 64, pos0: 8192 }).find((o) => o.id === 'L0.attention')!;
    expect(att.plan.params).toMatchObject({ window: 4096, S: 64, L: 8256 });
  });
});

describe('chip model: KV bytes read per decode step = min(context, window)', () => {
  const chip = chipPreset('h100').config;
  const attentionHbm = (m: ModelConfig, context: number) => simulateModel(chip, m, { phase: 'decode', context, batch: 1 }).ops.find((o) => o.name === 'attention')!.bytes.hbm;
  it('Mistral-7B at 16,384 tokens of context reads what it reads at 4,096; without the window 4x the KV bytes', () => {
    const full: ModelConfig = { ...mistral, attentionWindow: null };
    const at4k = attentionHbm(mistral, 4096);
    expect(attentionHbm(mistral, 16384)).toBe(at4k);
    expect(attentionHbm(full, 4096)).toBe(at4k);
    const ratio = attentionHbm(full, 16384) / at4k;
    expect(ratio).toBeGreaterThan(3.9); // the q / o rows are the same at every context: just under 4
    expect(ratio).toBeLessThanOrEqual(4);
  });
  it('a preset without a window (Llama-3-8B) still grows with the context', () => {
    const m = modelPreset('llama3-8b');
    expect(attentionHbm(m, 8192)).toBeGreaterThan(1.9 * attentionHbm(m, 4096));
  });
});
