// The forward step's op list picks each matmul / QKV variant by the kernels' shape rule
// (KernelDef.pickVariant): gemv for a decode token (int8 gemv where the device has the packed dot
// product, with per-column or Q8_0 group scales; the int8-weight QKV gemv), the tiled kernels for long prompts.
import { describe, it, expect } from 'vitest';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel } from '../../src/llm/weights.ts';
import { forwardOps, vocabSplit, type ForwardOp, type StepShape } from '../../src/models/forward.ts';
import { planTotals } from '../../src/kernels/plan.ts';
import { bytesPerElem } from '../../src/models/precision.ts';
import { embedRowBytes } from '../../src/kernels/elementwise.ts';
import { makeTokenizer } from '../../src/llm/tokenizer.ts';
import { testVocab, writeGgufModel, writeSafetensorsModel, TINY_LLAMA } from '../../src/llm/testmodel.ts';

const config = async () => (await openModel(Object.entries(writeSafetensorsModel(TINY_LLAMA)).map(([n, b]) => bytesSource(n, b)))).config;
const base: StepShape = { phase: 'decode', M: 1, pos0: 5, capacity: 64, int8: false, topK: 1, temperature: 0, u: 0 };

function variants(ops: ForwardOp[], layer = 0): Record<string, string> {
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
      const got = variants(forwardOps(cfg, { ...base, ...c.shape, q8Groups }));
      for (const [id, v] of Object.entries(c.want)) expect(got[id], id).toBe(v);
    });
  }
});

describe('vocabularies of any size: the embedding and the LM head split across bindings and dispatches', () => {
  const llama = async () => ({ ...(await config()), dim: 4096 });
  // Each case is one limit that forces (or does not force) a split.
  const cases: Array<{ why: string; V: number; binding: number; rowBytes?: number; colBytes?: number; align?: number; want: { embedRows: number; headCols: number } }> = [
    { why: 'GPT-2 (50,257) on a desktop limit: one part each', V: 50_257, binding: 2 ** 31, want: { embedRows: 50_257, headCols: 50_257 } },
    { why: "Llama-3 (128,256): the head exceeds the matmul's 65,536 columns; the embedding fits 2 GiB", V: 128_256, binding: 2 ** 31, want: { embedRows: 128_256, headCols: 65_536 } },
    { why: "Llama-3 on a phone's 128 MiB binding: 8,192 rows of 16 KiB per part", V: 128_256, binding: 2 ** 27, want: { embedRows: 8192, headCols: 8192 } },
    { why: 'int8 head (4 KiB a column, a quarter of f32): four times the columns per binding', V: 128_256, binding: 2 ** 27, colBytes: 4096, want: { embedRows: 8192, headCols: 32_768 } },
    { why: 'split head parts round down to the offset alignment (1,000 columns fit; 960 = 15 x 64)', V: 128_256, binding: 1000 * 16_384, want: { embedRows: 1000, headCols: 960 } },
    // 16-bit as stored (f16 / bf16: 2·D = 8 KiB a row or column): half the parts of f32's 8,192 per 128 MiB
    { why: 'f16 embedding and head on a phone\'s 128 MiB binding: 16,384 rows and columns per part', V: 128_256, binding: 2 ** 27, rowBytes: 8192, colBytes: 8192, want: { embedRows: 16_384, headCols: 16_384 } },
    { why: 'a 16-bit embedding of Llama-3 fits one 1 GiB binding that f32 (2 GiB) splits', V: 128_256, binding: 2 ** 30, rowBytes: 8192, want: { embedRows: 128_256, headCols: 65_536 } },
  ];
  for (const c of cases) {
    it(c.why, async () => {
      const cfg = { ...(await llama()), vocabSize: c.V };
      expect(vocabSplit(cfg, { bindingBytes: c.binding, embedRowBytes: c.rowBytes ?? 4 * cfg.dim, headColBytes: c.colBytes ?? 4 * cfg.dim, offsetAlign: c.align ?? 256 })).toEqual(c.want);
    });
  }
  // A tied head over a 16-bit embedding reads the embedding's buffers (shared): one rule cuts both, the head's parts as
  // before (a column = a row, 2·D bytes) and the embedding at whole head parts. Gemma-2B's table: 256,000 x 2048 bf16 (4 KiB a row).
  const shared: Array<{ why: string; V: number; D: number; binding: number; want: { embedRows: number; headCols: number } }> = [
    { why: 'Gemma-2B on a 2 GiB binding: one 1 GB embedding buffer, 4 head parts of 65,536 rows inside it', V: 256_000, D: 2048, binding: 2 ** 31, want: { embedRows: 256_000, headCols: 65_536 } },
    { why: "Gemma-2B on a phone's 128 MiB binding: 32,768 rows per part, each head part one embedding part", V: 256_000, D: 2048, binding: 2 ** 27, want: { embedRows: 32_768, headCols: 32_768 } },
    // unshared, 100,000 rows would fit one embedding part, which would cut head part 1 (rows 65,536 .. 131,071) in two
    { why: 'Llama-3 (bf16, 8 KiB a row) on a binding of 100,000 rows: the embedding cut at 65,536, a whole head part', V: 128_256, D: 4096, binding: 100_000 * 8192, want: { embedRows: 65_536, headCols: 65_536 } },
    { why: 'a vocabulary that fits one part: one buffer, one head part', V: 50_257, D: 768, binding: 2 ** 27, want: { embedRows: 50_257, headCols: 50_257 } },
  ];
  for (const c of shared) {
    it(`shared: ${c.why}`, async () => {
      const cfg = { ...(await llama()), vocabSize: c.V, dim: c.D };
      // headColBytes is the embedding's row when shared: a wrong value passed for it changes nothing
      expect(vocabSplit(cfg, { bindingBytes: c.binding, embedRowBytes: 2 * c.D, headColBytes: 1, offsetAlign: 256, shared: true })).toEqual(c.want);
    });
  }
  it('a binding smaller than one aligned head part is refused with the numbers', async () => {
    const cfg = { ...(await llama()), vocabSize: 128_256 };
    expect(() => vocabSplit(cfg, { bindingBytes: 40 * 16_384, embedRowBytes: 16_384, headColBytes: 16_384, offsetAlign: 256 })).toThrow(/an LM-head part of 64 columns takes 1048576 bytes; this device binds at most 655360 bytes per buffer/);
  });
  // Gemma's 256,000 in both formats: the files open, the tokenizer of that size loads (a spread of
  // 256k arguments overflowed the call stack), and the decode step has 4 head parts covering the vocabulary
  // with the logits offsets of their first columns, and one embed op.
  for (const fmt of ['st', 'gguf'] as const) {
    it(`Gemma-sized vocabulary (256,000) from ${fmt === 'st' ? 'safetensors + tokenizer.json' : 'GGUF'}: opens, tokenizes, 4 LM-head parts`, async () => {
      const spec = { ...TINY_LLAMA, dim: 16, nLayers: 1, nHeads: 1, nKvHeads: 1, headDim: 16, ffnDim: 16, vocab: 256_000, tied: true };
      const om = fmt === 'st'
        ? await openModel(Object.entries(writeSafetensorsModel(spec)).map(([n, b]) => bytesSource(n, b)))
        : await openModel([bytesSource('m.gguf', writeGgufModel(spec))]);
      expect(om.config.vocabSize).toBe(256_000);
      const tok = makeTokenizer(om.tokenizer, om.eos)!;
      expect(tok.decode(tok.encode('hello world'))).toBe('hello world');
      // the writer puts the end token before the reserved fillers (as Llama-3's 128,000 + 256 reserved do)
      expect(tok.eos).toContain(testVocab(spec).eos);
      const ops = forwardOps(om.config, { ...base, split: vocabSplit(om.config, { bindingBytes: 2 ** 27, embedRowBytes: 64, headColBytes: 64, offsetAlign: 256 }) });
      const heads = ops.filter((o) => o.family === 'lm-head');
      expect(heads.map((o) => `${o.id} N=${o.plan.params.N} @${o.offsets?.C ?? 0}`)).toEqual([
        'lm-head.p0 N=65536 @0', 'lm-head.p1 N=65536 @262144', 'lm-head.p2 N=65536 @524288', 'lm-head.p3 N=59392 @786432',
      ]);
      expect(ops.filter((o) => o.family === 'embed').map((o) => o.id)).toEqual(['embed']);
    });
  }

  // The tied head read from a bf16 embedding (StepShape.headFromEmbed): matmul-gguf bf16 parts bound to the embedding's
  // buffers, the part's first row at a byte offset into its embedding part, the logits at 4·v0. D = 32: 64 B a row.
  it('a tied bf16 head of 256,000 columns on an 8 MiB binding: 4 head parts over 2 embedding parts, at offsets; 2 bytes a weight charged', async () => {
    const cfg = { ...(await config()), vocabSize: 256_000, dim: 32, tiedEmbeddings: true };
    const split = vocabSplit(cfg, { bindingBytes: 2 ** 23, embedRowBytes: 64, headColBytes: 64, offsetAlign: 256, shared: true });
    expect(split).toEqual({ embedRows: 131_072, headCols: 65_536 });
    const ops = forwardOps(cfg, { ...base, split, embedFormat: 'bf16', headFromEmbed: true });
    expect(ops.filter((o) => o.family === 'embed').map((o) => `${o.id} ${o.plan.params.v0 ?? 0}+${o.plan.params.V}`)).toEqual(['embed.p0 0+131072', 'embed.p1 131072+124928']);
    const heads = ops.filter((o) => o.family === 'lm-head');
    expect(heads.map((o) => `${o.id} ${o.plan.kernel}/${o.plan.variant}:${o.plan.params.format} N=${o.plan.params.N} W=${o.bind.W}@${o.offsets?.W ?? 0} Y@${o.offsets?.Y ?? 0}`)).toEqual([
      'lm-head.p0 matmul-gguf/gemv:bf16 N=65536 W=tokEmb.p0@0 Y@0',
      'lm-head.p1 matmul-gguf/gemv:bf16 N=65536 W=tokEmb.p0@4194304 Y@262144',
      'lm-head.p2 matmul-gguf/gemv:bf16 N=65536 W=tokEmb.p1@0 Y@524288',
      'lm-head.p3 matmul-gguf/gemv:bf16 N=59392 W=tokEmb.p1@4194304 Y@786432',
    ]);
    // the plan charges the table as stored: 2 bytes a weight (the f32 head's plan: 4)
    for (const h of heads) {
      const N = h.plan.params.N as number;
      expect(h.plan.tensors.find((t) => t.name === 'W')!.bytes).toBe(2 * N * 32);
      expect(planTotals(h.plan).loadBytes).toBe(2 * N * 32 + 4 * 32 * Math.ceil(N / 8));
    }
    // the same vocabulary untied (or f32): the head's own buffers
    expect(forwardOps(cfg, { ...base, split }).filter((o) => o.family === 'lm-head').map((o) => o.bind.B)).toEqual(['lmHead.p0', 'lmHead.p1', 'lmHead.p2', 'lmHead.p3']);
  });

  // A tied head over a block-quantized embedding, Qwen2.5-0.5B's shape (151,936 x 896, tied; Q8_0, llama.cpp's stand-in for
  // Q6_K where D is not whole 256-value blocks): a row is 28 blocks of 34 B = 952 B (f32: 3,584). 128 MiB binding:
  // 140,984 rows fit; head parts of 65,536 (a multiple of 64 columns, and 65,536·952 B is a multiple of 256), the
  // embedding cut at 2 of them (131,072 rows).
  it("a tied Q8_0 head of Qwen2.5-0.5B's shape on a 128 MiB binding: 3 head parts over 2 embedding parts; the stored bytes charged", async () => {
    const cfg = { ...(await config()), vocabSize: 151_936, dim: 896, tiedEmbeddings: true };
    const split = vocabSplit(cfg, { bindingBytes: 2 ** 27, embedRowBytes: 952, headColBytes: 1, offsetAlign: 256, shared: true });
    expect(split).toEqual({ embedRows: 131_072, headCols: 65_536 });
    const ops = forwardOps(cfg, { ...base, split, embedFormat: 'q8_0', headFromEmbed: true });
    const embeds = ops.filter((o) => o.family === 'embed');
    expect(embeds.map((o) => `${o.id} ${o.plan.params.format} ${o.plan.params.v0 ?? 0}+${o.plan.params.V} E=${o.plan.tensors.find((t) => t.name === 'E')!.bytes}`)).toEqual([
      `embed.p0 q8_0 0+131072 E=${131_072 * 952}`, `embed.p1 q8_0 131072+20864 E=${20_864 * 952}`,
    ]);
    // a token's row: 28 blocks, each read as the 9 words (36 B) it spans
    for (const e of embeds) expect(planTotals(e.plan).loadBytes).toBe(e.plan.params.M as number * (4 + 28 * 36 + 4 * 896));
    const heads = ops.filter((o) => o.family === 'lm-head');
    expect(heads.map((o) => `${o.id} ${o.plan.kernel}/${o.plan.variant}:${o.plan.params.format} N=${o.plan.params.N} W=${o.bind.W}@${o.offsets?.W ?? 0} Y@${o.offsets?.Y ?? 0}`)).toEqual([
      'lm-head.p0 matmul-gguf/gemv:q8_0 N=65536 W=tokEmb.p0@0 Y@0',
      `lm-head.p1 matmul-gguf/gemv:q8_0 N=65536 W=tokEmb.p0@${65_536 * 952} Y@262144`,
      'lm-head.p2 matmul-gguf/gemv:q8_0 N=20864 W=tokEmb.p1@0 Y@524288',
    ]);
    for (const h of heads) {
      const N = h.plan.params.N as number;
      expect(h.plan.tensors.find((t) => t.name === 'W')!.bytes).toBe(952 * N);
      expect(planTotals(h.plan).loadBytes).toBe(28 * 36 * N + 4 * 896 * Math.ceil(N / 8));
    }
  });

  // The chip model charges a deployment's vocabulary table in the weights' format (modelBytes, bytesPerElem); with the
  // table kept as stored, the GPU's row is the same bytes (Llama-3-8B's D 4096, Qwen2.5-1.5B's 1536).
  it('a row of the table in a ggml deployment format is the bytes the GPU holds for a stored row', () => {
    for (const D of [4096, 1536]) for (const f of ['q4_0', 'q4_k', 'q5_k', 'q6_k'] as const) expect(bytesPerElem(f, D) * D, `${f} D ${D}`).toBe(embedRowBytes(f, D));
    expect(bytesPerElem('bf16', 4096) * 4096).toBe(embedRowBytes('bf16', 4096));
  });
});
