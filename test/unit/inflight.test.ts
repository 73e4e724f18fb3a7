// In-flight batching (src/models/inflight.ts, DeployStep.carried in forward.ts): the mixed step's ops and
// bytes against figures worked out by hand from the model's shapes, and the steady-state throughput
// against a hand-worked small case. Expected values are derived here from the architecture (Llama-3-8B:
// D 4096, 32 query / 8 KV heads of 128, FFN 14336, 32 layers), not from the code under test.
import { describe, expect, it } from 'vitest';
import { chipPreset } from '../../src/chip/presets.ts';
import { forwardOps, modelPreset, ModelInputError, simulateModel, type ForwardOp } from '../../src/models/index.ts';
import { carriedTokens, inflightThroughput } from '../../src/models/inflight.ts';

const m = modelPreset('llama3-8b');
const D = 4096, F = 14336, Hq = 32, Hkv = 8, dh = 128, Nqkv = (Hq + 2 * Hkv) * dh, layers = 32;
const fp8 = { weights: 'fp8', mlpWeights: 'fp8', kv: 'fp8' } as const;
const deploy = { batch: 8, formats: fp8, tensorParallel: 1, fusedQkv: true, chipTiles: 132, firstLayerOnly: true };
const tensor = (op: ForwardOp, name: string) => op.plan.tensors.find((t) => t.name === name)!;
const byName = (ops: ForwardOp[], name: string) => ops.find((o) => o.name === name)!;

describe('in-flight batching: the mixed step', () => {
  // 8 sequences decoding at context 100, carrying 24 prefill tokens of 16-token prompts (1.5 prompts)
  const mixed = forwardOps(m, { phase: 'decode', M: 1, pos0: 100, deploy, carried: { tokens: 24, prompt: 16 } });
  const plain = forwardOps(m, { phase: 'decode', M: 1, pos0: 100, deploy });

  it('every GEMM, norm and element-wise op runs over batch + carried = 32 rows; the weights are the same bytes as the plain step', () => {
    const rows = 8 + 24;
    // qkv: X [32, 4096] bf16; W [4096, 6144] fp8 (1 byte); Q [32, 32, 128] bf16
    const qkv = byName(mixed, 'qkv');
    expect(qkv.plan.params.M).toBe(rows);
    expect(tensor(qkv, 'X').bytes).toBe(rows * D * 2); // 262,144
    expect(tensor(qkv, 'W').bytes).toBe(D * Nqkv); // 25,165,824
    expect(tensor(qkv, 'W').bytes).toBe(tensor(byName(plain, 'qkv'), 'W').bytes);
    expect(tensor(byName(plain, 'qkv'), 'X').bytes).toBe(8 * D * 2);
    // ffn-up [32, 4096] x [4096, 28672]: output 32 x 28672 x 2 bytes = 1,835,008
    const up = byName(mixed, 'ffn-up');
    expect(up.plan.params).toMatchObject({ M: rows, N: 2 * F, K: D });
    expect(tensor(up, 'C').bytes).toBe(1_835_008);
    expect(tensor(up, 'B').bytes).toBe(D * 2 * F);
    for (const n of ['o-proj', 'ffn-down']) expect(byName(mixed, n).plan.params.M, n).toBe(rows);
    // the norms and element-wise ops: 32 rows of their width
    expect(byName(mixed, 'attn-norm').plan.params).toEqual({ rows, cols: D });
    expect(byName(mixed, 'silu-mul').plan.params).toEqual({ rows, cols: F });
    expect(byName(mixed, 'rope').plan.params).toEqual({ rows, cols: (Hq + Hkv) * dh });
  });

  it('attention: the 8 decode sequences over their 100 cached keys, plus 1.5 prompts of causal prefill attention', () => {
    const dec = mixed.filter((o) => o.name === 'attention');
    expect(dec).toHaveLength(1);
    expect(dec[0].plan.params).toMatchObject({ B: 8, L: 100 });
    // K cache of 8 sequences x 8 KV heads x 100 keys x 128, fp8
    expect(tensor(dec[0], 'k_cache').bytes).toBe(8 * 8 * 100 * 128);
    const pre = byName(mixed, 'prefill-attention');
    expect(pre.plan.params).toMatchObject({ S: 16, causal: true });
    expect(pre.repeat).toBe(24 / 16);
    // live activations: the carried rows' Q, K, V (24 x 6144) in and their output (24 x 4096) out, bf16
    expect(pre.actBytes).toBe(24 * Nqkv * 2 + 24 * Hq * dh * 2); // 491,520
    expect(plain.some((o) => o.name === 'prefill-attention')).toBe(false);
  });

  it('the LM head runs for the 8 sequences and the round(24 / 16) = 2 prompts that finish in the step', () => {
    expect(byName(mixed, 'lm-head').plan.params.M).toBe(10);
    expect(byName(mixed, 'final-norm').plan.params).toEqual({ rows: 10, cols: D });
    expect(byName(plain, 'lm-head').plan.params.M).toBe(8);
  });

  it('simulateModel counts the GEMMs at 32 rows over all 32 layers (MACs = rows x K x N x layers) and outputs 8 + 1.5 tokens', () => {
    const chip = chipPreset('h100').config;
    const r = simulateModel(chip, m, { phase: 'decode', batch: 8, context: 100, chips: 1, precision: fp8, carried: { tokens: 24, prompt: 16 } });
    const macs = (n: string) => r.ops.find((o) => o.name === n)!.macs;
    expect(macs('ffn-up')).toBe(32 * D * 2 * F * layers); // 1.2025e11
    expect(macs('ffn-down')).toBe(32 * F * D * layers);
    expect(macs('o-proj')).toBe(32 * D * D * layers);
    expect(r.carried).toEqual({ tokens: 24, prompt: 16 });
    expect(r.tokensPerS).toBeCloseTo(9.5 / r.timeS, 6);
    // the per-user inter-token latency is the whole mixed step
    expect(r.perTokenMs).toBeCloseTo(r.timeS * 1e3, 9);
  });
});

describe('decode attention past one kernel dispatch (1,024 sequences): groups, as a deployment batches', () => {
  // the batch of a deployment is set by its KV cache and its stack, not by our WGSL kernel's dispatch shape:
  // B sequences run as ceil(B / 1024) groups of ceil(B / groups), the plan repeated B / group times
  const attn = (B: number) => byName(forwardOps(m, { phase: 'decode', M: 1, pos0: 100, deploy: { ...deploy, batch: B } }), 'attention');
  const cases: Array<{ B: number; group: number; why: string }> = [
    { B: 1024, group: 1024, why: 'the most one dispatch takes: one plan, no repeat' },
    { B: 1025, group: 513, why: 'one past it: two even groups, 1025 / 513 runs (no padding to 1,026 sequences)' },
    { B: 4096, group: 1024, why: 'TensorRT-LLM\'s max_batch_size: four full groups' },
  ];
  for (const c of cases) {
    it(`B ${c.B}: groups of ${c.group} (${c.why}); every sequence's K cache is read once`, () => {
      const op = attn(c.B);
      expect(op.plan.params.B).toBe(c.group);
      expect(op.repeat).toBe(c.B / c.group);
      // K cache of B sequences x 8 KV heads x 100 keys x 128, fp8, over all runs
      expect(tensor(op, 'k_cache').bytes * op.repeat).toBeCloseTo(c.B * Hkv * 100 * dh, 6);
    });
  }

  it('simulateModel: the attention of 2,048 sequences is two 1,024-sequence dispatches (twice the time, bytes and MACs)', () => {
    const chip = chipPreset('h100').config;
    const a = (B: number) => simulateModel(chip, m, { phase: 'decode', batch: B, context: 100, chips: 1, precision: fp8 }).ops.find((o) => o.name === 'attention')!;
    const one = a(1024), two = a(2048);
    expect(two.timeS / one.timeS).toBeCloseTo(2, 9);
    expect(two.bytes.hbm).toBe(2 * one.bytes.hbm);
    expect(two.macs).toBe(2 * one.macs);
  });
});

describe('in-flight batching: tensor parallel', () => {
  it('the all-reduces carry batch + carried rows: 8 decoding + 24 carried move what a plain 32-sequence decode step moves', () => {
    // two all-reduces per layer of [rows, 4096] bf16 activations; rows = 32 either way
    const chip = chipPreset('h100').config;
    const mixed = simulateModel(chip, m, { phase: 'decode', batch: 8, context: 100, chips: 2, precision: fp8, carried: { tokens: 24, prompt: 16 } });
    const plain = simulateModel(chip, m, { phase: 'decode', batch: 32, context: 100, chips: 2, precision: fp8 });
    const ar = (r: typeof mixed) => r.ops.find((o) => o.name === 'all-reduce')!;
    expect(mixed.bytes.scaleOut).toBe(plain.bytes.scaleOut);
    expect(ar(mixed).timeS).toBe(ar(plain).timeS);
    expect(mixed.bytes.scaleOut).toBeGreaterThan(0);
  });
});

describe('in-flight batching: steady-state throughput', () => {
  const chip = chipPreset('h100').config;

  it('a hand-worked case: isl 128, osl 33, 80 tokens per step -> 16 sequences + 64 prefill tokens, 16.5 output tokens per step', () => {
    // a request needs 128 prefill tokens and 32 decode steps (its first token comes from the prefill);
    // with B decoding, B / 32 requests finish and as many start per step: B + 4B tokens <= 80 -> B = 16,
    // C = 16 x 128 / 32 = 64; output per step = 16 decode tokens + 0.5 first tokens = 0.5 requests x 33
    const r = inflightThroughput(chip, m, { chips: 1, precision: fp8, isl: 128, osl: 33, maxTokens: 80 });
    expect(r.batch).toBe(16);
    expect(r.carried).toBe(64);
    expect(r.context).toBe(128 + 16);
    expect(r.limitedBy).toBe('max-tokens');
    const step = simulateModel(chip, m, { phase: 'decode', batch: 16, context: 144, chips: 1, precision: fp8, carried: { tokens: 64, prompt: 128 } });
    expect(r.step.timeS).toBe(step.timeS);
    expect(r.outputTokensPerS).toBeCloseTo(16.5 / step.timeS, 6);
    expect(r.text).toMatch(/^in-flight batching: 16 sequences decoding at mean context 144 \+ 64 prefill tokens of 128-token prompts per step \(batch set by the max tokens per step; 80 of 80 tokens per step\)/);
  });

  it('carried tokens are B x isl / (osl - 1), rounded', () => {
    // cases: the hand-worked one; TensorRT-LLM's 2048/128 row at B 523; a fraction that rounds down
    expect(carriedTokens(16, 128, 33)).toBe(64);
    expect(carriedTokens(523, 2048, 128)).toBe(8434); // 523 x 2048 / 127 = 8433.9
    expect(carriedTokens(3, 10, 8)).toBe(4); // 30 / 7 = 4.29
  });

  it('the batch is the largest the KV cache holds when it binds: B fits, B + 1 does not', () => {
    const n150 = chipPreset('wormhole-n150').config;
    const p = { weights: 'bfp8', mlpWeights: 'bfp4', kv: 'bfp8' } as const;
    const r = inflightThroughput(n150, m, { precision: p, isl: 128, osl: 128 });
    expect(r.limitedBy).toBe('kv-cache');
    const fits = (B: number) => simulateModel(n150, m, { phase: 'decode', batch: B, context: 192, chips: r.step.chips, precision: p, carried: { tokens: carriedTokens(B, 128, 128), prompt: 128 } }).placement.fits;
    expect(fits(r.batch)).toBe(true);
    expect(fits(r.batch + 1)).toBe(false);
  });

  it('with no kernel cap, the stack\'s max tokens per step sets the batch where the KV cache holds more: TensorRT-LLM 128/128 on H100', () => {
    // max_batch_size 4096, max_num_tokens 8192: the largest B with B + round(B x 128 / 127) <= 8192 is 4080
    // (4080 x 128 / 127 = 4112.1 -> 4080 + 4112 = 8192; 4081 + 4113 = 8194 does not fit), past the 1,024
    // sequences of one decode-attention dispatch; the KV cache (fp8, mean context 192) holds it in 80 GB
    const r = inflightThroughput(chip, m, { chips: 1, precision: fp8, isl: 128, osl: 128, maxTokens: 8192, maxBatch: 4096 });
    expect(r.batch).toBe(4080);
    expect(r.carried).toBe(4112);
    expect(r.limitedBy).toBe('max-tokens');
    expect(r.step.placement.fits).toBe(true);
  });

  it('a max batch (max_batch_size / max_num_seqs) caps the sequences, and a larger batch gives more output tokens/s here', () => {
    const small = inflightThroughput(chip, m, { chips: 1, precision: fp8, isl: 128, osl: 128, maxBatch: 64 });
    const large = inflightThroughput(chip, m, { chips: 1, precision: fp8, isl: 128, osl: 128, maxBatch: 256 });
    expect(small.batch).toBe(64);
    expect(small.limitedBy).toBe('max-batch');
    expect(large.outputTokensPerS).toBeGreaterThan(small.outputTokensPerS);
  });

  it('bad input gets one line saying what is allowed', () => {
    // why each: one output token has no decode phase; a step budget below 1 + isl / (osl - 1); a prefill step cannot carry
    expect(() => inflightThroughput(chip, m, { isl: 128, osl: 1 })).toThrow(/osl must be an integer in \[2, 65536\], got 1 .*prefill/);
    expect(() => inflightThroughput(chip, m, { isl: 4096, osl: 2, maxTokens: 100 })).toThrow(/cannot sustain one decoding sequence.*allowed: max tokens ≥ 4097/);
    expect(() => simulateModel(chip, m, { phase: 'prefill', tokens: 16, carried: { tokens: 8, prompt: 16 } })).toThrow(ModelInputError);
    expect(() => simulateModel(chip, m, { phase: 'decode', carried: { tokens: 1.5, prompt: 16 } })).toThrow(/carried prefill tokens must be an integer/);
  });
});
