// Model files, tokenizers, the CPU reference forward pass and sampling (pure TS, no GPU).
import { describe, it, expect } from 'vitest';
import { bytesSource, ModelFileError } from '../../src/llm/source.ts';
import { openModel, loadAllWeights, checkTokenIds, weightsLabel } from '../../src/llm/weights.ts';
import { makeTokenizer, tokenizerFromGguf } from '../../src/llm/tokenizer.ts';
import { CpuModel } from '../../src/llm/reference.ts';
import { GEMMA3_TEST_ROPE, ggufMixDtype, hfConfig, llama3RopeFreqs, writeGgufModel, writeSafetensorsModel, TINY_GEMMA3, TINY_GPT2, TINY_LLAMA, TINY_LLAMA31_SCALING, TINY_PHI3, TINY_QWEN3, type TestModelSpec } from '../../src/llm/testmodel.ts';
import { localPositions } from '../../src/models/config.ts';
import { readSafetensorsHeader } from '../../src/llm/safetensors.ts';
import { archText, configFromGguf, configFromHf, ropeInvFreq, ropeTable } from '../../src/llm/config.ts';
import { readGguf, writeGguf, type GgufMeta } from '../../src/llm/gguf.ts';
import { sampleWith, topK } from '../../src/llm/sample.ts';
import { compareArrays } from '../../src/kernels/compare.ts';

function stFiles(spec: TestModelSpec, edit?: (f: Record<string, Uint8Array>) => void) {
  const f = writeSafetensorsModel(spec);
  edit?.(f);
  return Object.entries(f).map(([n, b]) => bytesSource(n, b));
}
const ggufFile = (spec: TestModelSpec) => [bytesSource('model.gguf', writeGgufModel(spec))];

/** A GGUF with its architecture renamed (`from` and `to` of one length: every occurrence of the name's bytes, keys and value). */
function relabelGguf(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const f = new TextEncoder().encode(from), t = new TextEncoder().encode(to);
  if (f.length !== t.length) throw new Error('relabelGguf: names of one length only');
  const out = bytes.slice();
  let n = 0;
  for (let i = 0; i + f.length <= out.length; i++) {
    if (f.every((b, j) => out[i + j] === b)) { out.set(t, i); n++; }
  }
  if (n === 0) throw new Error(`relabelGguf: "${from}" not found`);
  return out;
}

async function logitsOf(files: ReturnType<typeof stFiles>, tokens: number[]) {
  const m = await openModel(files);
  const cpu = new CpuModel(m.config, await loadAllWeights(m), 32);
  return cpu.forward(tokens);
}

const PROMPT = [5, 77, 200, 31, 9, 150];

describe('model files: the same weights read from every format give the same logits', () => {
  // The GGUF path goes through other names, transposed GPT-2 weights and llama.cpp's q/k row
  // permutation, so agreeing with safetensors checks those layouts independently.
  for (const base of [TINY_LLAMA, TINY_GPT2]) {
    it(`${base.arch}: GGUF f32 equals safetensors f32 (atol 1e-5)`, async () => {
      const a = await logitsOf(stFiles(base), PROMPT);
      const b = await logitsOf(ggufFile(base), PROMPT);
      const cmp = compareArrays('logits', b, a, { atol: 1e-5, rtol: 1e-5 }, [a.length]);
      expect(cmp.ok, cmp.summary).toBe(true);
    });
    const cases: Array<{ fmt: 'st' | 'gguf'; dtype: TestModelSpec['dtype']; atol: number; note: string }> = [
      { fmt: 'st', dtype: 'f16', atol: 0.02, note: 'f16 rounding (11-bit mantissa)' },
      { fmt: 'st', dtype: 'bf16', atol: 0.15, note: 'bf16 rounding (8-bit mantissa)' },
      { fmt: 'gguf', dtype: 'q8_0', atol: 0.1, note: 'Q8_0 blocks of 32 with f16 scales' },
    ];
    for (const c of cases) {
      it(`${base.arch}: ${c.fmt} ${c.dtype} is close to f32 (atol ${c.atol}: ${c.note})`, async () => {
        const ref = await logitsOf(stFiles(base), PROMPT);
        const spec = { ...base, dtype: c.dtype };
        const got = await logitsOf(c.fmt === 'st' ? stFiles(spec) : ggufFile(spec), PROMPT);
        const cmp = compareArrays('logits', got, ref, { atol: c.atol, rtol: 0 }, [ref.length]);
        expect(cmp.ok, cmp.summary).toBe(true);
        // and it is not trivially identical: the dtype really changed the values
        expect(got.some((v, i) => v !== ref[i])).toBe(true);
      });
    }
  }
  // Qwen2 GGUFs (general.architecture "qwen2": Qwen2.5, DeepSeek-R1-Distill-Qwen) keep the q/k rows in Hugging Face's order;
  // llama.cpp's Llama converter permutes rows and biases. Either way the logits must be the safetensors model's.
  for (const ggufArch of ['qwen2', 'llama'] as const) {
    it(`Llama with q/k/v biases, GGUF "${ggufArch}": equals safetensors (model_type qwen2) f32 (atol 1e-5)`, async () => {
      const spec = { ...TINY_LLAMA, qkvBias: true, ggufArch };
      const om = await openModel(ggufFile(spec));
      expect(om.config.arch).toBe('llama');
      expect(om.config.family).toBe(ggufArch === 'qwen2' ? 'qwen2' : undefined);
      // the Loaded line's and npm run generate's name for it
      expect(archText(om.config)).toBe(ggufArch === 'qwen2' ? 'qwen2 (run as llama)' : 'llama');
      expect(om.config.qkvBias).toBe(true);
      const a = await logitsOf(stFiles(spec), PROMPT);
      const b = await logitsOf(ggufFile(spec), PROMPT);
      const cmp = compareArrays('logits', b, a, { atol: 1e-5, rtol: 1e-5 }, [a.length]);
      expect(cmp.ok, cmp.summary).toBe(true);
    });
  }
  it('a qwen2 GGUF read with the other layout gives other logits (the layout matters: the test can fail)', async () => {
    const spec = { ...TINY_LLAMA, qkvBias: true };
    const bytes = writeGgufModel({ ...spec, ggufArch: 'qwen2' });
    const meta = (await readGguf(bytesSource('m.gguf', bytes))).metadata;
    expect(meta.get('general.architecture')).toBe('qwen2');
    expect(meta.has('qwen2.rope.dimension_count')).toBe(false);
    // the same tensors relabelled "llama" (unpermuted on read as if llama.cpp had permuted them)
    const a = await logitsOf(stFiles(spec), PROMPT);
    const wrong = await logitsOf([bytesSource('m.gguf', relabelGguf(bytes, 'qwen2', 'llama'))], PROMPT);
    expect(compareArrays('logits', wrong, a, { atol: 1e-3, rtol: 0 }, [a.length]).ok).toBe(false);
  });
  it('a qwen2 GGUF without q/k/v biases is refused in one line', async () => {
    const bytes = relabelGguf(writeGgufModel(TINY_LLAMA), 'llama', 'qwen2');
    await expect(openModel([bytesSource('m.gguf', bytes)])).rejects.toThrow(/^GGUF qwen2: blk\.0\.attn_q\.bias is missing/);
  });
  it('tied-embedding Llama (no lm_head tensor) loads from both formats', async () => {
    const spec = { ...TINY_LLAMA, tied: true };
    const a = await logitsOf(stFiles(spec), PROMPT);
    const b = await logitsOf(ggufFile(spec), PROMPT);
    expect(compareArrays('logits', b, a, { atol: 1e-5, rtol: 1e-5 }, [a.length]).ok).toBe(true);
  });
});

describe("Llama-3.1 RoPE scaling in a GGUF: the rope_freqs tensor and rope.scaling.* read as llama.cpp reads them", () => {
  const spec: TestModelSpec = { ...TINY_LLAMA, llama31Rope: TINY_LLAMA31_SCALING };
  // 20 positions: the scaled frequencies turn ≥ 1 rad apart from the unscaled ones
  const LONG = [5, 77, 200, 31, 9, 150, 44, 3, 120, 250, 17, 4, 99, 280, 60, 61, 62, 7, 8, 90];
  const meta = async (s: TestModelSpec) => (await readGguf(bytesSource('m.gguf', writeGgufModel(s)))).metadata;
  it('GGUF (rope_freqs, f32 [dh / 2]) equals safetensors (config.json rope_scaling llama3) f32 (atol 1e-5); the same GGUF without rope_freqs does not', async () => {
    const g = await readGguf(bytesSource('m.gguf', writeGgufModel(spec)));
    expect(g.tensors.find((t) => t.name === 'rope_freqs.weight')).toMatchObject({ dtype: 'f32', shape: [8] });
    const om = await openModel(ggufFile(spec)), hf = await openModel(stFiles(spec));
    // the same inverse frequencies from the divisors as from the parameters (f32 divisors: 1e-6 relative)
    const a = ropeInvFreq(hf.config), b = ropeInvFreq(om.config);
    for (let i = 0; i < a.length; i++) expect(Math.abs(b[i] / a[i] - 1)).toBeLessThan(1e-6);
    const st = await logitsOf(stFiles(spec), LONG);
    const gguf = await logitsOf(ggufFile(spec), LONG);
    const cmp = compareArrays('logits', gguf, st, { atol: 1e-5, rtol: 1e-5 }, [st.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
    // the same file with rope_freqs left out (what a reader that ignored it ran): other logits
    const dropped = await logitsOf(ggufFile({ ...spec, llama31Rope: undefined }), LONG);
    expect(compareArrays('logits', dropped, st, { atol: 1e-2, rtol: 0 }, [st.length]).ok).toBe(false);
  });
  it("llama3RopeFreqs is the converter's: 1 below the high-frequency wavelength, the factor above the low one, smoothed between", () => {
    const f = llama3RopeFreqs(TINY_LLAMA31_SCALING, 16);
    expect([f[0], ...f.slice(2)]).toEqual([1, 8, 8, 8, 8, 8, 8]);
    // wavelength 2π·10^(1/2) = 19.87: smooth = (32 / 19.87 − 1) / 3
    const smooth = (32 / (2 * Math.PI * Math.sqrt(10)) - 1) / 3;
    expect(f[1]).toBeCloseTo(1 / ((1 - smooth) / 8 + smooth), 5);
  });
  it('rope.scaling.factor divides every frequency (type absent or "linear", the older key rope.scale_linear too), times rope_freqs; type "none" does not; attn_factor scales cos / sin', async () => {
    const m = await meta(spec), plain = await meta(TINY_LLAMA);
    const freqs = llama3RopeFreqs(TINY_LLAMA31_SCALING, 16);
    const base = ropeInvFreq(configFromGguf(plain, true, false));
    const inv = (mm: Map<string, unknown>, f?: Float32Array) => ropeInvFreq(configFromGguf(mm as typeof plain, true, false, 'm.gguf', f ? { freqs: f } : undefined));
    const expectInv = (got: Float64Array, div: (i: number) => number) => { for (let i = 0; i < 8; i++) expect(got[i]).toBeCloseTo(base[i] / div(i), 12); };
    expectInv(inv(new Map([...plain, ['llama.rope.scaling.factor', 4]])), () => 4);
    expectInv(inv(new Map([...plain, ['llama.rope.scaling.type', 'linear'], ['llama.rope.scaling.factor', 4]])), () => 4);
    expectInv(inv(new Map([...plain, ['llama.rope.scale_linear', 2]])), () => 2);
    expectInv(inv(new Map([...m, ['llama.rope.scaling.factor', 2]]), freqs), (i) => 2 * freqs[i]);
    expectInv(inv(new Map([...plain, ['llama.rope.scaling.type', 'none'], ['llama.rope.scaling.factor', 4]])), () => 1);
    const c = configFromGguf(new Map([...plain, ['llama.rope.scaling.attn_factor', 1.5]]), true, false);
    expect(c.positions.kind === 'rope' && c.positions.freqFactors?.attentionFactor).toBe(1.5);
    // a file without any of it: plain RoPE, no factors (as before)
    expect(configFromGguf(plain, true, false).positions).toEqual({ kind: 'rope', theta: 10000, scaling: null });
  });
  it('what cannot be honoured is refused in one line: rope_freqs of the wrong length, non-positive or not f32, in an architecture llama.cpp does not read it for; YaRN / LongRoPE types', async () => {
    const m = await meta(spec);
    expect(() => configFromGguf(m, true, false, 'm.gguf', { freqs: new Float32Array(5).fill(1) })).toThrow(/^GGUF llama: rope_freqs\.weight has 5 values, expected 8 \(one per RoPE frequency of a head of 16\)$/);
    expect(() => configFromGguf(m, true, false, 'm.gguf', { freqs: new Float32Array(8) })).toThrow(/^GGUF llama: rope_freqs\.weight\[0\] is 0; frequency factors must be positive$/);
    await expect(openModel([bytesSource('m.gguf', writeGgufModel({ ...spec, dtypes: { 'rope_freqs.weight': 'f16' } }))])).rejects.toThrow(/^m\.gguf: rope_freqs\.weight is f16; RoPE frequency factors must be f32 \(as llama\.cpp's rope requires\)$/);
    for (const [s, arch] of [[TINY_QWEN3, 'qwen3'], [TINY_PHI3, 'phi3']] as const) {
      const ms = await meta(s);
      expect(() => configFromGguf(ms, true, false, 'm.gguf', { freqs: new Float32Array(8).fill(1) })).toThrow(new RegExp(`^GGUF ${arch}: rope_freqs\\.weight \\(per-dimension RoPE frequency factors\\) is not read by llama\\.cpp's ${arch} architecture, only by llama; not supported$`));
    }
    for (const type of ['yarn', 'longrope']) {
      expect(() => configFromGguf(new Map([...m, ['llama.rope.scaling.type', type]]), true, false)).toThrow(new RegExp(`^GGUF llama: rope\\.scaling\\.type "${type}" is not supported \\(linear, none\\)$`));
    }
  });
});

describe('linear RoPE scaling: config.json rope_scaling "linear" (transformers) as a GGUF rope.scaling.factor (llama.cpp); Gemma 3 rope.scaling.attn_factor', () => {
  // 20 positions (as above): divided by 4, the frequencies turn far from the unscaled ones
  const LONG = [5, 77, 200, 31, 9, 150, 44, 3, 120, 250, 17, 4, 99, 280, 60, 61, 62, 7, 8, 90];
  for (const base of [TINY_LLAMA, TINY_QWEN3]) {
    it(`${base.qkNorm ? 'qwen3' : 'llama'}: safetensors with rope_scaling linear 4 gives the GGUF's (rope.scaling.factor 4) logits (atol 1e-5), not the unscaled model's`, async () => {
      const spec: TestModelSpec = { ...base, ropeScaling: 4 };
      const hf = await openModel(stFiles(spec));
      expect(hf.config.positions).toEqual({ kind: 'rope', theta: 10000, scaling: { linear: true, factor: 4 } });
      const st = await logitsOf(stFiles(spec), LONG);
      const gguf = await logitsOf(ggufFile(spec), LONG);
      const cmp = compareArrays('logits', gguf, st, { atol: 1e-5, rtol: 1e-5 }, [st.length]);
      expect(cmp.ok, cmp.summary).toBe(true);
      const plain = await logitsOf(stFiles(base), LONG);
      expect(compareArrays('logits', plain, st, { atol: 1e-2, rtol: 0 }, [st.length]).ok).toBe(false);
    });
  }
  it('every Llama-family model_type reads "linear" (rope_type or the older type) as inv_freq / factor; dynamic, yarn and others are refused in one line', () => {
    const cfg = hfConfig(TINY_LLAMA, 300);
    const unscaled = ropeInvFreq(configFromHf(cfg));
    for (const model_type of ['llama', 'mistral', 'qwen2', 'qwen3', 'phi3']) {
      for (const rs of [{ rope_type: 'linear', factor: 2.5 }, { type: 'linear', factor: 2.5 }]) {
        const c = configFromHf({ ...cfg, model_type, rope_scaling: rs });
        expect(c.positions).toMatchObject({ kind: 'rope', scaling: { linear: true, factor: 2.5 } });
        const inv = ropeInvFreq(c);
        for (let i = 0; i < inv.length; i++) expect(inv[i]).toBeCloseTo(unscaled[i] / 2.5, 14);
      }
    }
    for (const t of ['dynamic', 'yarn', 'ntk']) {
      expect(() => configFromHf({ ...cfg, rope_scaling: { rope_type: t, factor: 2 } })).toThrow(new RegExp(`^config\\.json: rope_scaling type "${t}" is not supported \\(linear, llama3, longrope, default\\)$`));
    }
    expect(() => configFromHf({ ...cfg, rope_scaling: { rope_type: 'linear', factor: 0 } })).toThrow(/^config\.json: rope_scaling\.factor 0 must be positive$/);
    expect(() => configFromHf({ ...cfg, rope_scaling: { rope_type: 'linear' } })).toThrow(/factor/);
  });
  it('gemma3 GGUF: rope.scaling.attn_factor multiplies cos / sin on the windowed and the full layers (as llama.cpp ropes both), which equals q and k norm gains times it', async () => {
    const a = 1.25;
    const spec: TestModelSpec = { ...TINY_GEMMA3, ropeAttnFactor: a };
    const om = await openModel(ggufFile(spec));
    const c = om.config, local = localPositions(c);
    expect(local).toBeDefined();
    // hand-computed: a·cos / a·sin of p·base^(-2i/dh), the full layers' base 1000 divided by the linear factor 4, the windowed layers' 10000 not
    const P = 40, half = c.headDim / 2;
    const tables = [[ropeTable(c, P), GEMMA3_TEST_ROPE.global, TINY_GEMMA3.ropeScaling!], [ropeTable(c, P, local), GEMMA3_TEST_ROPE.local, 1]] as const;
    for (const [t, theta, factor] of tables) {
      for (let p = 0; p < P; p++) {
        for (let i = 0; i < half; i++) {
          const ang = (p * Math.pow(theta, (-2 * i) / c.headDim)) / factor;
          expect(t[(p * half + i) * 2]).toBeCloseTo(a * Math.cos(ang), 6);
          expect(t[(p * half + i) * 2 + 1]).toBeCloseTo(a * Math.sin(ang), 6);
        }
      }
    }
    const withFactor = await logitsOf(ggufFile(spec), LONG);
    const without = await logitsOf(ggufFile(TINY_GEMMA3), LONG);
    expect(compareArrays('logits', withFactor, without, { atol: 1e-3, rtol: 0 }, [without.length]).ok).toBe(false);
    // q and k are RMS-normed just before RoPE: gains times a scale them as cos / sin times a do, on every layer
    const plain = await openModel(ggufFile(TINY_GEMMA3));
    const w = await loadAllWeights(plain);
    for (const l of w.layers) for (const g of [l.qNorm!, l.kNorm!]) for (let i = 0; i < g.length; i++) g[i] *= a;
    const byGains = new CpuModel(plain.config, w, 32).forward(LONG);
    const cmp = compareArrays('logits', withFactor, byGains, { atol: 1e-5, rtol: 1e-5 }, [byGains.length]);
    expect(cmp.ok, cmp.summary).toBe(true);
  });
});

describe('GGUF ggml blocks: which linears stay packed for the GPU', () => {
  // Rules in weights.ts ggmlLayouts; why each case: Q5_0 is what llama.cpp writes for Q4_K in rows that are not a
  // multiple of 256 (TINY_LLAMA's 64 and 96, like SmolLM2's 576); Q4_K_M mixes formats within q|k|v.
  it('Q5_0 Llama: q, k, v as three parts, gate|up as one, o and down; decoded to f32 exactly as the blocks say', async () => {
    const om = await openModel([bytesSource('m.gguf', writeGgufModel({ ...TINY_LLAMA, dtype: 'q5_0' }))]);
    expect(om.weightDtype).toBe('q5_0');
    expect(om.ggml?.['L1.wqkv']).toEqual([{ format: 'q5_0', N: 64 }, { format: 'q5_0', N: 32 }, { format: 'q5_0', N: 32 }]);
    expect(om.ggml?.['L1.wUp']).toEqual([{ format: 'q5_0', N: 192 }]);
    expect(Object.keys(om.ggml ?? {}).sort()).toEqual(['L0.wDown', 'L0.wUp', 'L0.wo', 'L0.wqkv', 'L1.wDown', 'L1.wUp', 'L1.wo', 'L1.wqkv', 'lmHead']);
    const l = await om.loadLayer(0);
    expect(l.wo.kind).toBe('ggml');
    expect(l.wqkv.kind).toBe('ggml'); // one format: q|k|v rows concatenated as stored
  });
  it('Q4_K_M: a layer whose V is Q6_K stacks q|k (Q4_K) and v (Q6_K) without decoding them', async () => {
    const om = await openModel([bytesSource('m.gguf', writeGgufModel({ ...TINY_LLAMA, dim: 256, ffnDim: 256, headDim: 64, mix: 'q4_k_m' }))]);
    expect(om.ggml?.['L1.wqkv']?.map((p) => p.format)).toEqual(['q4_k', 'q4_k', 'q6_k']);
    const l = await om.loadLayer(1);
    expect(l.wqkv.kind).toBe('stack');
    expect(l.wDown.kind === 'ggml' && l.wDown.format).toBe('q6_k');
  });
});

// weightDtype names every ggml block format the linears are stored in, Q8_0 included: a Q4_0 file with some Q8_0 linears
// (kept as stored Q8_0 blocks on the GPU) was labelled "q4_0", and its weights label "q4_0 -> q4_0 as stored (the rest
// int8)" never named them. One-format files and the K-quant mixes keep their labels; f16 / f32 linears beside block
// formats are not named (a Q8_0 file with some f16: "q8_0", as before). The label's right side (what runs as stored) is
// GpuModel's choice, here without int8: every linear OpenedModel.ggml lists.
describe("the file's linear formats: weightDtype and the weights label", () => {
  const K256 = { ...TINY_LLAMA, dim: 256, ffnDim: 256, headDim: 64 };
  const cases: Array<{ note: string; spec: TestModelSpec; dtype: string; label: string }> = [
    {
      note: 'Q4_0 with Q8_0 o-proj, gate|up, down, V and head',
      spec: { ...TINY_LLAMA, dtype: 'q4_0', dtypes: { 'blk.0.attn_output.weight': 'q8_0', 'blk.0.ffn_gate.weight': 'q8_0', 'blk.0.ffn_up.weight': 'q8_0', 'blk.1.ffn_down.weight': 'q8_0', 'blk.1.attn_v.weight': 'q8_0', 'output.weight': 'q8_0' } },
      dtype: 'q4_0+q8_0',
      label: 'q4_0+q8_0 -> q4_0+q8_0 as stored (the rest f32)',
    },
    { note: 'Q4_0', spec: { ...TINY_LLAMA, dtype: 'q4_0' }, dtype: 'q4_0', label: 'q4_0 -> q4_0 as stored (the rest f32)' },
    { note: 'Q8_0', spec: { ...TINY_LLAMA, dtype: 'q8_0' }, dtype: 'q8_0', label: 'q8_0 -> q8_0 as stored (the rest f32)' },
    {
      note: 'Q8_0 with an f16 o-proj and an f32 down',
      spec: { ...TINY_LLAMA, dtype: 'q8_0', dtypes: { 'blk.0.attn_output.weight': 'f16', 'blk.1.ffn_down.weight': 'f32' } },
      dtype: 'q8_0',
      label: 'q8_0 -> f16+q8_0 as stored (the rest f32)',
    },
    { note: 'f16', spec: { ...TINY_LLAMA, dtype: 'f16' }, dtype: 'f16', label: 'f16 -> f16 as stored, the embedding f16 too (the rest f32)' },
    { note: 'f32', spec: TINY_LLAMA, dtype: 'f32', label: 'f32 -> f32' },
    { note: 'the Q4_K_M mix', spec: { ...K256, mix: 'q4_k_m' }, dtype: 'q4_k+q6_k', label: 'q4_k+q6_k -> q4_k+q6_k as stored, the embedding q4_k too (the rest f32)' },
    { note: 'the Q3_K_M mix', spec: { ...K256, mix: 'q3_k_m' }, dtype: 'q3_k+q4_k+q5_k+q6_k', label: 'q3_k+q4_k+q5_k+q6_k -> q3_k+q4_k+q5_k+q6_k as stored, the embedding q3_k too (the rest f32)' },
  ];
  for (const c of cases) {
    it(`${c.note}: "${c.dtype}"`, async () => {
      const om = await openModel(ggufFile(c.spec));
      expect(om.weightDtype).toBe(c.dtype);
      expect(weightsLabel(om, false, om.ggml ?? {}, om.embedFormat)).toBe(c.label);
    });
  }
});

describe("ggufMixDtype: llama.cpp's per-tensor types of a Q3_K_M file (and a tied file's token_embd)", () => {
  it('2 layers (the test models): Q5_K V in both, Q4_K o-proj and down, Q3_K q / k / gate / up and embedding, Q6_K output', () => {
    const names = ['blk.0.attn_q.weight', 'blk.0.attn_k.weight', 'blk.0.attn_v.weight', 'blk.1.attn_v.weight', 'blk.0.attn_output.weight', 'blk.0.ffn_gate.weight', 'blk.0.ffn_up.weight', 'blk.0.ffn_down.weight', 'blk.1.ffn_down.weight', 'token_embd.weight', 'output.weight'];
    expect(names.map((n) => ggufMixDtype(n, 2, 'q3_k_m'))).toEqual(['q3_k', 'q3_k', 'q5_k', 'q5_k', 'q4_k', 'q3_k', 'q3_k', 'q4_k', 'q4_k', 'q3_k', 'q6_k']);
  });
  it('32 layers (a 7B / 8B Llama): Q5_K V in layers 0-1 and down in layers 0-1 (i < n/16), Q4_K after; GPT-2\'s attn_qkv counts as a V', () => {
    const v = Array.from({ length: 32 }, (_, i) => ggufMixDtype(`blk.${i}.attn_v.weight`, 32, 'q3_k_m'));
    const down = Array.from({ length: 32 }, (_, i) => ggufMixDtype(`blk.${i}.ffn_down.weight`, 32, 'q3_k_m'));
    expect(v).toEqual(['q5_k', 'q5_k', ...Array(30).fill('q4_k')]);
    expect(down).toEqual(['q5_k', 'q5_k', ...Array(30).fill('q4_k')]);
    expect(['blk.1.attn_qkv.weight', 'blk.2.attn_qkv.weight'].map((n) => ggufMixDtype(n, 32, 'q3_k_m'))).toEqual(['q5_k', 'q4_k']);
  });
  it('tied (no output.weight): token_embd takes the output\'s type, Q6_K, in both mixes (llama.cpp\'s has_tied_embeddings rule)', async () => {
    for (const mix of ['q4_k_m', 'q3_k_m'] as const) {
      expect([false, true].map((tied) => ggufMixDtype('token_embd.weight', 2, mix, tied))).toEqual([mix === 'q4_k_m' ? 'q4_k' : 'q3_k', 'q6_k']);
      expect(ggufMixDtype('blk.0.attn_q.weight', 2, mix, true)).toBe(mix === 'q4_k_m' ? 'q4_k' : 'q3_k');
    }
    const om = await openModel([bytesSource('t.gguf', writeGgufModel({ ...TINY_LLAMA, dim: 256, ffnDim: 256, headDim: 64, mix: 'q4_k_m', tied: true }))]);
    expect([om.config.tiedEmbeddings, om.embedFormat]).toEqual([true, 'q6_k']);
  });
});

describe('CPU reference: the KV cache gives the same logits as recomputing the whole sequence', () => {
  for (const spec of [TINY_LLAMA, TINY_GPT2, { ...TINY_LLAMA, qkvBias: true }]) {
    it(`${spec.arch}${spec.qkvBias ? ' + qkv bias' : ''}: prefill 4 then 2 single steps == forward of 6`, async () => {
      const m = await openModel(stFiles(spec));
      const w = await loadAllWeights(m);
      const inc = new CpuModel(m.config, w, 16);
      inc.forward(PROMPT.slice(0, 4));
      inc.forward([PROMPT[4]]);
      const a = inc.forward([PROMPT[5]]);
      const b = new CpuModel(m.config, w, 16).forward(PROMPT);
      expect(compareArrays('logits', a, b, { atol: 1e-5, rtol: 1e-5 }, [a.length]).ok).toBe(true);
    });
  }
});

describe('bad files get a message that names what is wrong', () => {
  const cases: Array<{ note: string; files: () => ReturnType<typeof stFiles>; msg: RegExp }> = [
    {
      note: 'a truncated safetensors file names the tensor that runs past the end',
      files: () => stFiles(TINY_LLAMA, (f) => (f['model.safetensors'] = f['model.safetensors'].slice(0, f['model.safetensors'].length - 100))),
      msg: /tensor (model\.)?\S+ ends at byte \d+ but the file has \d+ bytes/,
    },
    {
      note: 'a config that disagrees with the tensor shapes names the tensor',
      files: () => stFiles(TINY_LLAMA, (f) => {
        const c = JSON.parse(new TextDecoder().decode(f['config.json']));
        c.intermediate_size = 100;
        f['config.json'] = new TextEncoder().encode(JSON.stringify(c));
      }),
      msg: /tensor model\.layers\.0\.mlp\.gate_proj\.weight has shape \[96, 64\], the config says \[100, 64\]/,
    },
    {
      note: 'a missing tensor is named',
      files: () => stFiles(TINY_GPT2, (f) => {
        const c = JSON.parse(new TextDecoder().decode(f['config.json']));
        c.n_layer = 3;
        f['config.json'] = new TextEncoder().encode(JSON.stringify(c));
      }),
      msg: /missing tensor h\.2\.ln_1\.weight/,
    },
    {
      note: 'safetensors without config.json says what to add',
      files: () => stFiles(TINY_LLAMA, (f) => delete f['config.json']),
      msg: /needs its config\.json/,
    },
    {
      note: 'a truncated GGUF names the tensor',
      files: () => [bytesSource('m.gguf', writeGgufModel(TINY_GPT2).slice(0, 60_000))],
      msg: /tensor \S+ ends at byte \d+ but the file has 60000 bytes|truncated/,
    },
  ];
  for (const c of cases) {
    it(c.note, async () => {
      const m = openModel(c.files()).then((om) => loadAllWeights(om));
      await expect(m).rejects.toThrow(ModelFileError);
      await expect(m).rejects.toThrow(c.msg);
    });
  }
  it('an unknown safetensors dtype names the tensor and the supported ones', async () => {
    const json = JSON.stringify({ w: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } });
    const hdr = new TextEncoder().encode(json);
    const b = new Uint8Array(8 + hdr.length + 16);
    new DataView(b.buffer).setBigUint64(0, BigInt(hdr.length), true);
    b.set(hdr, 8);
    await expect(readSafetensorsHeader(bytesSource('x.safetensors', b))).rejects.toThrow(/tensor w has dtype "I64"; supported: F32, F16, BF16/);
  });
  it('a ggml block tensor whose rows are not whole blocks is refused, naming the tensor', async () => {
    // 32 values (one Q4_0 block in all) but rows of 16: ggml never writes this; a row must be whole blocks
    const g = writeGguf({ 'general.architecture': { type: 'string', value: 'llama' } }, [{ name: 'blk.0.attn_q.weight', dtype: 'q4_0', shape: [2, 16], data: new Uint8Array(18) }]);
    await expect(openModel([bytesSource('q.gguf', g)])).rejects.toThrow('q.gguf: tensor blk.0.attn_q.weight has rows of 16 values; Q4_0 rows are whole blocks of 32');
  });
  it('an unsupported GGUF tensor type (IQ2_XXS) is named', async () => {
    const g = writeGguf({ 'general.architecture': { type: 'string', value: 'llama' } }, [{ name: 'blk.0.attn_q.weight', dtype: 'f32', shape: [1, 8], data: new Uint8Array(32) }]);
    // patch the tensor's ggml type from F32 (0) to IQ2_XXS (16, ggml.h): it follows the name, n_dims (u32) and two dims (u64)
    const name = new TextEncoder().encode('blk.0.attn_q.weight');
    let at = -1;
    for (let i = 0; i < g.length && at < 0; i++) if (name.every((c, j) => g[i + j] === c)) at = i + name.length + 4 + 16;
    const patched = at > 0 && new DataView(g.buffer).getUint32(at, true) === 0;
    if (patched) new DataView(g.buffer).setUint32(at, 16, true);
    expect(patched).toBe(true);
    await expect(openModel([bytesSource('q.gguf', g)])).rejects.toThrow(/tensor blk\.0\.attn_q\.weight has ggml type IQ2_XXS; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q3_K, Q2_K, IQ4_NL, IQ4_XS /);
  });
});

/** Offset of the first byte of `needle` in `hay`, or -1. */
function find(hay: Uint8Array, needle: string): number {
  const n = new TextEncoder().encode(needle);
  for (let i = 0; i + n.length <= hay.length; i++) if (n.every((c, j) => hay[i + j] === c)) return i;
  return -1;
}

/** A safetensors model with one f32 element of `tensor` set to `v` (element `at`, flat). */
async function stWithValue(tensor: string, at: number, v: number) {
  return stFiles(TINY_LLAMA, (f) => {
    const st = f['model.safetensors'];
    const n = Number(new DataView(st.buffer, st.byteOffset).getBigUint64(0, true));
    const hdr = JSON.parse(new TextDecoder().decode(st.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    new DataView(st.buffer, st.byteOffset).setFloat32(8 + n + hdr[tensor].data_offsets[0] + 4 * at, v, true);
  });
}

/** A GGUF model with `bytes` written at byte `at` of tensor `tensor`'s data. */
async function ggufWithBytes(spec: TestModelSpec, tensor: string, at: number, write: (dv: DataView, o: number) => void) {
  const g = writeGgufModel(spec);
  const { readGguf } = await import('../../src/llm/gguf.ts');
  const t = (await readGguf(bytesSource('m.gguf', g))).tensors.find((x) => x.name === tensor)!;
  write(new DataView(g.buffer, g.byteOffset), t.offset + at);
  return [bytesSource('m.gguf', g)];
}

/** A one-tensor GGUF with `meta` (for header-level faults). */
const tinyGguf = (meta: Record<string, GgufMeta>) =>
  writeGguf({ 'general.architecture': { type: 'string', value: 'llama' }, ...meta }, [{ name: 'w', dtype: 'f32', shape: [1, 8], data: new Uint8Array(32) }]);

describe('broken inputs are refused with one line naming the tensor or key', () => {
  // Each case is a fault that ran silently to garbage, or crashed with a stack trace, before.
  const cases: Array<{ note: string; files: () => Promise<ReturnType<typeof stFiles>>; msg: RegExp }> = [
    { note: 'NaN in q_proj (generated token 0 forever)', files: () => stWithValue('model.layers.0.self_attn.q_proj.weight', 64 * 2 + 5, NaN),
      msg: /^tensor model\.layers\.0\.self_attn\.q_proj\.weight has NaN at \[2, 5\]; weights must be finite numbers/ },
    { note: '-Infinity in the final norm (ran to completion)', files: () => stWithValue('model.norm.weight', 7, -Infinity),
      msg: /^tensor model\.norm\.weight has -Infinity at \[7\]/ },
    { note: 'Infinity in a GGUF f32 norm weight', files: () => ggufWithBytes(TINY_LLAMA, 'blk.1.ffn_norm.weight', 12, (dv, o) => dv.setFloat32(o, Infinity, true)),
      msg: /^tensor blk\.1\.ffn_norm\.weight has Infinity at \[3\]/ },
    { note: 'a NaN f16 scale in a GGUF Q8_0 block', files: () => ggufWithBytes({ ...TINY_LLAMA, dtype: 'q8_0' }, 'blk.0.ffn_down.weight', 34, (dv, o) => dv.setUint16(o, 0x7e00, true)),
      msg: /^tensor blk\.0\.ffn_down\.weight has NaN at \[0, 1\]; Q8_0 block scales must be finite/ },
    { note: 'NaN in an f16 GGUF linear kept 16-bit on the GPU (checked on the 16-bit values, not widened)', files: () => ggufWithBytes({ ...TINY_LLAMA, dtype: 'f16' }, 'blk.0.attn_output.weight', 2 * (64 * 3 + 5), (dv, o) => dv.setUint16(o, 0x7e00, true)),
      msg: /^tensor blk\.0\.attn_output\.weight has NaN at \[3, 5\]; weights must be finite numbers/ },
    { note: '+Inf in a bf16 GGUF linear kept 16-bit (exponent all ones, mantissa 0)', files: () => ggufWithBytes({ ...TINY_LLAMA, dtype: 'bf16' }, 'blk.1.ffn_down.weight', 2 * 100, (dv, o) => dv.setUint16(o, 0x7f80, true)),
      msg: /^tensor blk\.1\.ffn_down\.weight has Infinity at \[1, 4\]; weights must be finite numbers/ },
    { note: 'NaN in a bf16 token_embd kept 16-bit on the GPU (checked on the 16-bit values, not widened)', files: () => ggufWithBytes({ ...TINY_LLAMA, dtype: 'bf16' }, 'token_embd.weight', 2 * (64 * 10 + 3), (dv, o) => dv.setUint16(o, 0x7fc0, true)),
      msg: /^tensor token_embd\.weight has NaN at \[10, 3\]; weights must be finite numbers/ },
    { note: 'NaN d in a Q4_K token_embd kept as stored (checked on the block scales, not decoded; row 3, its one block)', files: () => ggufWithBytes({ ...TINY_LLAMA, dim: 256, ffnDim: 256, headDim: 64, mix: 'q4_k_m' }, 'token_embd.weight', 144 * 3, (dv, o) => dv.setUint16(o, 0x7e00, true)),
      msg: /^tensor token_embd\.weight has NaN at \[3, 0\]; Q4_K block scales must be finite numbers/ },
    { note: '+Inf dmin in a Q4_K linear kept as stored (was not checked)', files: () => ggufWithBytes({ ...TINY_LLAMA, dim: 256, ffnDim: 256, headDim: 64, mix: 'q4_k_m' }, 'blk.0.attn_output.weight', 144 * 2 + 2, (dv, o) => dv.setUint16(o, 0x7c00, true)),
      msg: /^tensor blk\.0\.attn_output\.weight has Infinity at \[2, 0\]; Q4_K block scales must be finite numbers/ },
    { note: 'NaN d in a Q6_K block (the f16 d at byte 208) of a tied Q6_K token_embd', files: () => ggufWithBytes({ ...TINY_LLAMA, dim: 256, ffnDim: 256, headDim: 64, tied: true, embedDtype: 'q6_k' }, 'token_embd.weight', 210 * 7 + 208, (dv, o) => dv.setUint16(o, 0xfe00, true)),
      msg: /^tensor token_embd\.weight has NaN at \[7, 0\]; Q6_K block scales must be finite numbers/ },
    { note: 'GGUF general.alignment 0 (ran silently)', files: async () => [bytesSource('a.gguf', tinyGguf({ 'general.alignment': { type: 'u32', value: 0 } }))],
      msg: /a\.gguf: GGUF metadata general\.alignment is 0; it must be a power of two/ },
    { note: 'GGUF general.alignment 7, not a power of two', files: async () => [bytesSource('a.gguf', tinyGguf({ 'general.alignment': { type: 'u32', value: 7 } }))],
      msg: /GGUF metadata general\.alignment is 7; it must be a power of two/ },
    { note: 'a safetensors header that is JSON null (stack trace before)', files: async () => {
      const hdr = new TextEncoder().encode('null    ');
      const b = new Uint8Array(8 + hdr.length);
      new DataView(b.buffer).setBigUint64(0, BigInt(hdr.length), true);
      b.set(hdr, 8);
      return [bytesSource('model.safetensors', b), bytesSource('config.json', new TextEncoder().encode(JSON.stringify(hfConfig(TINY_LLAMA, 297))))];
    }, msg: /model\.safetensors: the safetensors header is JSON null; it must be an object/ },
    { note: 'a GGUF metadata array count of 2^40 (stack trace before)', files: async () => {
      const g = tinyGguf({ 'x.list': { type: 'i32[]', value: [1, 2] } });
      // after the key: value type (u32) and item type (u32), then the count (u64)
      new DataView(g.buffer).setBigUint64(find(g, 'x.list') + 6 + 8, 2n ** 40n, true);
      return [bytesSource('a.gguf', g)];
    }, msg: /GGUF metadata x\.list: an array of 1099511627776 items of type 5 cannot fit in the file's \d+ bytes/ },
    { note: 'num_attention_heads 0 says so (was: "head_dim" must be a number)', files: async () => stFiles(TINY_LLAMA, (f) => {
      const c = JSON.parse(new TextDecoder().decode(f['config.json']));
      c.num_attention_heads = 0;
      f['config.json'] = new TextEncoder().encode(JSON.stringify(c));
    }), msg: /config\.json: "num_attention_heads" must be a positive integer, got 0/ },
  ];
  for (const c of cases) {
    it(c.note, async () => {
      const m = c.files().then((f) => openModel(f)).then((om) => loadAllWeights(om));
      await expect(m).rejects.toThrow(ModelFileError);
      await expect(m).rejects.toThrow(c.msg);
    });
  }
  it('prompt token ids outside the vocabulary are refused before anything runs, naming the first', () => {
    expect(() => checkTokenIds([5, 296, 297, 3], 297)).toThrow(/prompt token 2 has id 297, outside the model's vocabulary \[0, 297\)/);
    expect(() => checkTokenIds([0, 296], 297)).not.toThrow();
  });
});

describe('tokenizers', () => {
  const texts = ['the quick brown fox', 'hello world! 0123', 'naïve café — ünïcode ✓', '  spaces   and\nnewlines\n'];
  it('tokenizer.json byte-level BPE round-trips text and uses its merges', async () => {
    const m = await openModel(stFiles(TINY_LLAMA));
    const tok = makeTokenizer(m.tokenizer, m.eos)!;
    for (const t of texts) expect(tok.decode(tok.encode(t))).toBe(t);
    const ids = tok.encode('the quick brown fox');
    expect(ids.length).toBeLessThan('the quick brown fox'.length); // merges applied
    expect(tok.eos).toEqual([tok.vocabSize - 1]);
    expect(tok.encode('a<|endoftext|>b')).toContain(tok.vocabSize - 1); // special token matched verbatim
  });
  it('the GGUF vocabulary of the same model tokenizes identically', async () => {
    const a = makeTokenizer((await openModel(stFiles(TINY_GPT2))).tokenizer, [])!;
    const b = makeTokenizer((await openModel(ggufFile(TINY_GPT2))).tokenizer, [])!;
    for (const t of texts) expect(b.encode(t)).toEqual(a.encode(t));
  });
  it('streaming decode holds a split UTF-8 character until it is complete', async () => {
    const tok = makeTokenizer((await openModel(stFiles(TINY_GPT2))).tokenizer, [])!;
    const ids = tok.encode('✓'); // three bytes, no merge: three tokens
    expect(ids.length).toBe(3);
    const d = tok.streamDecoder();
    expect([d.push(ids[0]), d.push(ids[1]), d.push(ids[2])]).toEqual(['', '', '✓']);
  });
  it('GGUF SentencePiece (llama) merges by score and falls back to bytes', () => {
    const bytes = Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`);
    const pieces = ['▁', 'h', 'e', 'l', 'o', 'w', 'r', 'd', 'he', 'll', '▁he', '▁hell', '▁hello', '▁w', 'or', '▁wor', 'ld'];
    const tokens = ['<unk>', '<s>', '</s>', ...bytes, ...pieces];
    const scores = tokens.map((t, i) => (i < 259 ? 0 : -i));
    const meta = new Map<string, never>(Object.entries({
      'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': tokens, 'tokenizer.ggml.scores': scores,
      'tokenizer.ggml.token_type': tokens.map((_, i) => (i < 3 ? 3 : i < 259 ? 6 : 1)),
      'tokenizer.ggml.bos_token_id': 1, 'tokenizer.ggml.eos_token_id': 2,
    }) as never);
    const tok = tokenizerFromGguf(meta);
    const ids = tok.encode('hello world');
    expect(ids.map((i) => tokens[i])).toEqual(['<s>', '▁hello', '▁wor', 'ld']);
    expect(tok.decode(ids)).toBe('hello world');
    const z = tok.encode('hz');
    expect(z.map((i) => tokens[i])).toEqual(['<s>', '▁', 'h', '<0x7A>']); // 'z' is not a piece: its byte
    expect(tok.decode(z)).toBe('hz');
    // llama.cpp's SPM tokenizer: a space before every text fragment that follows a special token
    // (llama_tokenize_impl, is_prev_special), as Hugging Face's Prepend normalizer does per segment
    expect(tok.encode('hello</s>world').map((i) => tokens[i])).toEqual(['<s>', '▁hello', '</s>', '▁wor', 'ld']);
    const noPrefix = tokenizerFromGguf(new Map([...meta, ['tokenizer.ggml.add_space_prefix', false]]) as never);
    expect(noPrefix.encode('hello</s>world').map((i) => tokens[i])).toEqual(['<s>', 'he', 'll', 'o', '</s>', 'w', 'or', 'ld']);
  });
});

// llama.cpp (src/llama-vocab.cpp, llama_vocab::impl::load) refuses a BPE vocabulary whose tokenizer.ggml.pre it does not
// know ("unknown pre-tokenizer type") and uses its "default" split when the key is missing (with a warning that
// generation quality will be degraded). Ours read any unknown or missing value as GPT-2's split, silently.
describe('GGUF pre-tokenizer (tokenizer.ggml.pre), read as llama.cpp reads it', () => {
  it('an unknown value is refused with one line naming it and the supported ones', async () => {
    const om = await openModel(ggufFile({ ...TINY_GPT2, pre: 'nonsense-bpe' }));
    const make = () => makeTokenizer(om.tokenizer, om.eos);
    expect(make).toThrow(ModelFileError);
    expect(make).toThrow(/^GGUF tokenizer\.ggml\.pre "nonsense-bpe" is not a pre-tokenizer this loader knows; supported: default, gpt-2, gpt2, phi-2, .*, llama-bpe, .*, qwen2, deepseek-r1-qwen, .*, smollm, .*, falcon$/);
  });
  // llama.cpp's names for the splits it shares (src/llama-vocab.cpp): Qwen2.5's and DeepSeek-R1-Distill-Qwen's GGUFs say
  // "qwen2" (Llama-3's regex, one digit at a time); Llama-3's say "llama-bpe"; Phi-2's "phi-2" is GPT-2's split.
  it('the names of llama.cpp\'s other pre-tokenizers run their splits (worked by hand)', () => {
    // A vocabulary whose merges join digits and "'S", so each split shows in the ids: "2 0", "20 2", "202 4" and
    // "Ġ 2024" make " 2024" one token when a split keeps it whole, "' S" makes "'S" one when a split keeps it.
    const tokens = ['a', 'b', 'Ġ', '0', '2', '4', ',', 'I', 'T', "'", 'S', '20', '202', '2024', 'Ġ2024', "'S"];
    const id = (t: string) => tokens.indexOf(t);
    const meta = (pre: string | null) => new Map<string, unknown>([
      ['tokenizer.ggml.model', 'gpt2'], ['tokenizer.ggml.tokens', tokens],
      ['tokenizer.ggml.merges', ['2 0', '20 2', '202 4', 'Ġ 2024', "' S"]], ...(pre === null ? [] : [['tokenizer.ggml.pre', pre] as [string, unknown]]),
    ]);
    const ids = (pre: string | null) => tokenizerFromGguf(meta(pre) as never).encode("ab 2024, IT'S");
    const expectSplit = (pre: string | null, pieces: string[]) => expect(ids(pre), String(pre)).toEqual(pieces.map(id));
    // GPT-2 (phi-2, olmo, ...): " 2024" one piece; its contractions are lower-case only, so "'" and "S" apart
    for (const pre of ['gpt-2', 'phi-2', 'olmo']) expectSplit(pre, ['a', 'b', 'Ġ2024', ',', 'Ġ', 'I', 'T', "'", 'S']);
    // Llama-3 (llama-bpe, falcon3, ...): digits in threes, "'S" case-insensitively
    for (const pre of ['llama-bpe', 'llama3', 'falcon3', 'dbrx']) expectSplit(pre, ['a', 'b', 'Ġ', '202', '4', ',', 'Ġ', 'I', 'T', "'S"]);
    // Qwen2 (qwen2, deepseek-r1-qwen, stablelm2): Llama-3's regex with single digits
    for (const pre of ['qwen2', 'deepseek-r1-qwen', 'stablelm2']) expectSplit(pre, ['a', 'b', 'Ġ', '2', '0', '2', '4', ',', 'Ġ', 'I', 'T', "'S"]);
    // StarCoder's kin (smollm, command-r, ...): single digits, then GPT-2's regex
    for (const pre of ['starcoder', 'smollm', 'command-r']) expectSplit(pre, ['a', 'b', 'Ġ', '2', '0', '2', '4', ',', 'Ġ', 'I', 'T', "'", 'S']);
    // default (no key) and falcon: punctuation runs first, then GPT-2's regex, then digits in threes
    for (const pre of [null, 'falcon']) expectSplit(pre, ['a', 'b', 'Ġ', '202', '4', ',', 'Ġ', 'I', 'T', "'", 'S']);
  });
  it('llama-bpe without tokenizer.ggml.add_bos_token adds BOS, as llama.cpp defaults it for Llama-3\'s split', async () => {
    const bytes = writeGgufModel({ ...TINY_GPT2, pre: 'llama-bpe' });
    const om = await openModel([bytesSource('m.gguf', bytes)]);
    const meta = (om.tokenizer as { metadata: Map<string, unknown> }).metadata;
    const bos = 1;
    const off = tokenizerFromGguf(new Map([...meta, ['tokenizer.ggml.bos_token_id', bos], ['tokenizer.ggml.add_bos_token', false]]) as never);
    const plain = off.encode('ab');
    const withBos = tokenizerFromGguf(new Map([...meta, ['tokenizer.ggml.bos_token_id', bos]]) as never);
    expect(withBos.encode('ab')).toEqual([bos, ...plain]);
    const gpt2 = tokenizerFromGguf(new Map([...meta, ['tokenizer.ggml.pre', 'gpt-2'], ['tokenizer.ggml.bos_token_id', bos]]) as never);
    expect(gpt2.encode('ab')).toEqual(plain);
  });
  it('a missing key takes llama.cpp\'s default split, and the tokenizer\'s description says so', async () => {
    const om = await openModel(ggufFile({ ...TINY_GPT2, pre: null }));
    const tok = makeTokenizer(om.tokenizer, om.eos)!;
    expect(tok.kind).toMatch(/^GGUF byte-level BPE \(pre: default: the file has no tokenizer\.ggml\.pre.*degraded\)$/);
    // llama.cpp's default split, by hand: punctuation runs first, then GPT-2's regex (no trailing \s+), digit runs,
    // then groups of three digits. "x ,y 1234567" -> x | ␠ | , | y | ␠ | 123 | 456 | 7 (GPT-2: x | ␠, | y | ␠1234567).
    const pieces = ['x', ' ', ',', 'y', ' ', '123', '456', '7'];
    expect(tok.encode('x ,y 1234567')).toEqual(pieces.flatMap((p) => tok.encode(p)));
    const named = makeTokenizer((await openModel(ggufFile({ ...TINY_GPT2, pre: 'default' }))).tokenizer, [])!;
    expect(named.kind).toBe('GGUF byte-level BPE (pre: default)');
    expect(named.encode('x ,y 1234567')).toEqual(tok.encode('x ,y 1234567'));
  });
  it('the writer\'s own files name "gpt-2" (llama.cpp\'s spelling)', async () => {
    expect(makeTokenizer((await openModel(ggufFile(TINY_GPT2))).tokenizer, [])!.kind).toBe('GGUF byte-level BPE (pre: gpt-2)');
  });
});

describe('sampling', () => {
  const logits = Float32Array.from([0.5, 2, -1, 2, 1.5, 0]);
  it('top-k orders by value, then lower index on ties', () => {
    expect(topK(logits, 4)).toEqual([1, 3, 4, 0]);
  });
  it('temperature 0 is greedy (first of the tied maxima)', () => {
    expect(sampleWith(logits, 0, 40, 0.99)).toBe(1);
  });
  it('the draw u walks the cumulative distribution of the top-k', () => {
    // top-3 at T=1: weights e^0, e^0, e^-0.5 -> cumulative 1, 2, 2.6065 (of 2.6065)
    expect(sampleWith(logits, 1, 3, 0.1)).toBe(1);
    expect(sampleWith(logits, 1, 3, 0.5)).toBe(3);
    expect(sampleWith(logits, 1, 3, 0.9)).toBe(4);
  });
});
