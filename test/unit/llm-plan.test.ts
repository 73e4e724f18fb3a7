// The forward step's op list picks each matmul / QKV variant by the kernels' shape rule
// (KernelDef.pickVariant): gemv for a decode token (int8 gemv where the device has the packed dot
// product, with per-column or Q8_0 group scales; the int8-weight QKV gemv), the tiled kernels for long prompts.
import { describe, it, expect } from 'vitest';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel } from '../../src/llm/weights.ts';
import { buildForwardOps, type StepShape } from '../../src/models/forward.ts';
import { writeSafetensorsModel, TINY_LLAMA } from '../../src/llm/testmodel.ts';

const config = async () => (await openModel(Object.entries(writeSafetensorsModel(TINY_LLAMA)).map(([n, b]) => bytesSource(n, b)))).config;
const base: StepShape = { phase: 'decode', M: 1, pos0: 5, capacity: 64, int8: false, topK: 1, temperature: 0, u: 0 };

function variants(ops: ReturnType<typeof buildForwardOps>, layer = 0): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of ops) if (o.layer === layer || o.id === 'lm-head') out[o.id.replace(/^L\d+\./, '')] = `${o.plan.kernel}/${o.plan.variant}`;
  return out;
}

describe('forward plan: matmul and QKV variants follow the shape rule', () => {
  // Each case is one branch of the rule; `want` lists the ops whose variant the case is about.
  const cases: Array<{ why: string; shape: Partial<StepShape>; q8?: boolean; want: Record<string, string> }> = [
    { why: 'f32 decode (one token): every weight streamed once by gemv', shape: {},
      want: { qkv: 'qkv/gemv', 'o-proj': 'matmul/gemv', 'ffn-up': 'matmul/gemv', 'ffn-down': 'matmul/gemv' } },
    { why: 'int8 decode, per-column scales, dot4 device: int8 gemv, and the int8-weight QKV gemv', shape: { int8: true, int8Variant: 'dot4' },
      want: { qkv: 'qkv/gemv-w8', 'o-proj': 'matmul-int8/gemv', 'ffn-up': 'matmul-int8/gemv', 'ffn-down': 'matmul-int8/gemv' } },
    { why: 'int8 decode without the packed dot product: the tiled unpacked kernel', shape: { int8: true, int8Variant: 'unpacked' },
      want: { 'o-proj': 'matmul-int8/unpacked', 'ffn-down': 'matmul-int8/unpacked' } },
    { why: 'GGUF Q8_0 blocks (group 32 scales): the int8 gemv with per-group scales', shape: { int8: true, int8Variant: 'dot4' }, q8: true,
      want: { 'o-proj': 'matmul-int8/gemv', 'ffn-up': 'matmul-int8/gemv', 'ffn-down': 'matmul-int8/gemv', 'lm-head': 'matmul-int8/gemv' } },
    { why: 'int8 prefill chunk of 32 tokens: tiled dot4 and fused-w8', shape: { int8: true, int8Variant: 'dot4', phase: 'prefill', M: 32, pos0: 0 }, q8: true,
      want: { qkv: 'qkv/fused-w8', 'o-proj': 'matmul-int8/dot4', 'ffn-down': 'matmul-int8/dot4' } },
    { why: 'a 32-token prefill chunk: past 8 rows the tiled kernels', shape: { phase: 'prefill', M: 32, pos0: 0 },
      want: { qkv: 'qkv/fused', 'o-proj': 'matmul/tiled', 'ffn-down': 'matmul/tiled' } },
  ];
  for (const c of cases) {
    it(c.why, async () => {
      const cfg = await config();
      const q8Groups = c.q8 ? { 'L0.wo': 32, 'L0.wUp': 32, 'L0.wDown': 32, lmHead: 32 } : undefined;
      const got = variants(buildForwardOps(cfg, { ...base, ...c.shape, q8Groups }));
      for (const [id, v] of Object.entries(c.want)) expect(got[id], id).toBe(v);
    });
  }
});
