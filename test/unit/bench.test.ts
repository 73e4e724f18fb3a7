// The bench's pure parts: suites, CLI arguments, the row schema, the table, ONNX model building,
// and the peers' input/reference helpers (GPU-free; the runtimes are exercised by `npm run bench`).
import { describe, expect, it } from 'vitest';
import { SUITES, suiteByName, pickParams, causalPairs, peerFlops } from '../../bench/suites.ts';
import { parseArgs } from '../../bench/run.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { oursVariantOf } from '../../bench/run.ts';
import { failedRow, formatReport, oursOverPeer, reportPassed, ROW_KEYS, type BenchReport, type BenchRow, type PeerRow } from '../../bench/report.ts';
import { buildOneNodeModel, decodeModel, DT } from '../../bench/peers/onnx.ts';
import { attentionRef, headMajorToTokenMajor, int8Inputs, tokenMajorToHeadMajor } from '../../bench/peers/common.ts';
import { KERNELS } from '../../src/kernels/registry.ts';
import { benchPrompt, benchTokenizer } from '../../bench/model-common.ts';
import { writeGgufModel } from '../../src/llm/testmodel.ts';
import { bytesSource } from '../../src/llm/source.ts';

const row = (over: Partial<BenchRow>): BenchRow => ({
  kernel: 'matmul', variant: 'tiled', shape: 'M=4 N=4 K=4', dtype: 'f32', medianMs: 2, p10Ms: 1.5, p90Ms: 3, gflops: 0.1, gbps: 0.01,
  maxAbsErr: 1e-6, ok: true, timer: 'wall', shareUrl: null, status: 'ok', note: '', caseId: 'matmul/x', params: {}, reps: 1, quantized: false, ...over,
});

describe('suites', () => {
  it('has the three contract suites with unique case ids', () => {
    expect(SUITES.map((s) => s.name)).toEqual(['smoke', 'medium', 'llama3-8b-decode', 'llama3-8b-prefill', 'model']);
    for (const s of SUITES) expect(new Set(s.cases.map((c) => c.id)).size, s.name).toBe(s.cases.length);
  });

  it('smoke covers every registered kernel, and each smoke plan fits the flop budget', () => {
    const smoke = suiteByName('smoke');
    for (const k of KERNELS) {
      const cases = smoke.cases.filter((c) => c.kernel === k.name);
      expect(cases.length, `kernel ${k.name} has no smoke case`).toBeGreaterThan(0);
      for (const c of cases) for (const v of c.variants ?? k.variants) {
        const plan = k.plan(k.validate(pickParams(k, c.dims)), v);
        expect(plan.flops, `${c.id} ${v}`).toBeLessThanOrEqual(smoke.maxFlops!);
      }
    }
  });

  it('llama suites use the Llama-3-8B layer dims', () => {
    const dec = suiteByName('llama3-8b-decode');
    const up = dec.cases.find((c) => c.id === 'matmul/decode-ffn-up')!;
    expect(up.dims).toMatchObject({ M: 1, N: 14336, K: 4096 });
    const qkv = dec.cases.find((c) => c.id === 'matmul/decode-qkv-proj')!;
    expect(qkv.dims.N).toBe((32 + 2 * 8) * 128);
    const att = dec.cases.find((c) => c.kernel === 'attention-decode')!;
    expect(att.peer).toEqual({ op: 'attention', S: 1, L: 4096, Hq: 32, Hkv: 8, dh: 128, causal: false });
    expect(suiteByName('llama3-8b-prefill').cases.find((c) => c.kernel === 'attention-prefill')!.peer).toMatchObject({ S: 512, L: 512, causal: true });
  });

  it('unknown suite names list the allowed ones', () => {
    expect(() => suiteByName('nope')).toThrow(/available: smoke, medium, llama3-8b-decode, llama3-8b-prefill/);
  });

  it('pickParams keeps only declared params, in declared order', () => {
    expect(pickParams({ params: [{ name: 'K', doc: '', default: 1 }, { name: 'M', doc: '', default: 1 }] }, { M: 2, N: 3, K: 4 })).toEqual({ K: 4, M: 2 });
  });

  it('causal pair count and attention flops by hand', () => {
    // S=L=3: rows see 1, 2, 3 keys; S=1 at the end of L=5 sees all 5
    expect(causalPairs(3, 3)).toBe(6);
    expect(causalPairs(1, 5)).toBe(5);
    expect(peerFlops({ op: 'attention', S: 3, L: 3, Hq: 2, Hkv: 1, dh: 4, causal: true })).toBe(2 * 2 * 2 * 6 * 4);
  });
});

describe('parseArgs', () => {
  it('defaults to smoke in node', () => {
    const a = parseArgs([]);
    expect(a.suite.name).toBe('smoke');
    expect(a.runtime).toBe('node');
    expect(a.json).toBe('bench/results/smoke-node.tmp.json');
    expect(a.opts.reps).toBe('auto');
  });
  it('reads every flag, both spellings', () => {
    const a = parseArgs(['--suite', 'llama3-8b-decode', '--runtime=browser', '--json', 'x.json', '--samples', '3', '--reps', '2', '--kernel', 'matmul', '--wall']);
    expect([a.suite.name, a.runtime, a.json, a.opts.samples, a.opts.reps, a.opts.kernels, a.opts.forceWall]).toEqual(['llama3-8b-decode', 'browser', 'x.json', 3, 2, ['matmul'], true]);
    expect(a.model).toBeNull();
  });
  it('model suite: the default sizes are the ones that fit a CPU-emulated GPU; --sizes picks, all takes every one', () => {
    expect(parseArgs(['--suite', 'model']).model).toMatchObject({ sizes: [{ name: 'tiny' }, { name: 'small' }], peerDevice: 'cpu' });
    expect(parseArgs(['--suite', 'model', '--sizes', 'llama3-8b-2l', '--peer-device', 'auto', '--peer-threads', '1']).model).toMatchObject({ sizes: [{ name: 'llama3-8b-2l' }], peerDevice: 'auto', peerThreads: 1 });
    expect(parseArgs(['--suite', 'model', '--sizes', 'all']).model!.sizes.map((z) => z.name)).toEqual(['tiny', 'small', 'llama3-8b-2l']);
  });
  it('model suite in the browser runtime (wllama): sizes and threads as in Node, its own JSON name', () => {
    const a = parseArgs(['--suite', 'model', '--runtime', 'browser', '--sizes', 'tiny', '--peer-threads', '2']);
    expect([a.runtime, a.json, a.model?.sizes.map((z) => z.name), a.model?.peerThreads]).toEqual(['browser', 'bench/results/model-browser.tmp.json', ['tiny'], 2]);
  });
  it.each([
    [['--runtime', 'deno'], /--runtime must be node or browser/],
    [['--suite', 'big'], /unknown suite "big"/],
    [['--samples', '0'], /--samples needs a positive integer/],
    [['--frobnicate'], /unknown argument "--frobnicate"/],
    [['--json'], /--json needs a value/],
    [['--kernel', 'fft'], /has no kernel "fft"/],
    // the model suite: its own flags; llama.cpp's build is a Node choice (the browser's wllama picks WebGPU or its CPU wasm itself)
    [['--suite', 'model', '--runtime', 'browser', '--peer-device', 'auto'], /--peer-device is for the node runtime/],
    [['--suite', 'model', '--sizes', 'huge'], /has no model "huge"; it has tiny, small, llama3-8b-2l, all/],
    [['--suite', 'model', '--peer-device', 'tpu'], /--peer-device must be cpu or auto/],
    [['--sizes', 'tiny'], /--sizes is for the model suite only/],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(msg);
  });
});

describe('report', () => {
  const report = (results: BenchRow[], peers: PeerRow[] = []): BenchReport => ({
    tool: 'jalapeno-bench', suite: 'smoke', startedAt: 'now',
    device: { runtime: 'node-dawn', runtimeVersion: 'v', adapter: { vendor: 'google', architecture: '', device: '', description: 'SwiftShader' }, features: [], wgslLanguageFeatures: [], limits: {}, software: true },
    results, peers,
  });

  it('every row carries every contract key', () => {
    const f = failedRow({ kernel: 'k', variant: 'v', shape: 's', dtype: 'f32', caseId: 'c', params: {} }, 'fail', 'boom');
    for (const r of [row({}), f]) for (const k of ROW_KEYS) expect(r, k).toHaveProperty(k);
    expect(f).toMatchObject({ ok: false, status: 'fail', note: 'boom', medianMs: null });
  });

  it('ours/peer divides our default variant by the peer, only with the same timer', () => {
    const ours = [row({ variant: 'naive', medianMs: 8 }), row({ variant: 'tiled', medianMs: 2 })];
    const peer: PeerRow = { ...row({ variant: 'MatMul', medianMs: 4 }), library: 'ort', version: '1' };
    expect(oursOverPeer(peer, ours, () => 'tiled')).toBe(0.5);
    expect(oursOverPeer({ ...peer, timer: 'timestamp-query' }, ours, () => 'tiled')).toBeNull();
    const text = formatReport(report(ours, [peer]), () => 'tiled');
    expect(text).toMatch(/ort MatMul .* 0\.50x/);
    expect(text).toContain('SwiftShader');
  });

  it('ours/peer takes our variant from the shape rule: gemv at one token, tiled at 256 rows', () => {
    const at = (M: number, variant: string, medianMs: number) =>
      row({ variant, medianMs, caseId: `matmul/M${M}`, shape: `M=${M} N=256 K=256`, params: { M, N: 256, K: 256 } });
    const ours = [at(1, 'tiled', 6), at(1, 'gemv', 3), at(256, 'tiled', 10), at(256, 'gemv', 40)];
    const peer = (M: number): PeerRow => ({ ...row({ variant: 'MatMul', medianMs: 5, caseId: `matmul/M${M}` }), library: 'ort', version: '1' });
    expect(oursOverPeer(peer(1), ours, oursVariantOf)).toBe(3 / 5);
    expect(oursOverPeer(peer(256), ours, oursVariantOf)).toBe(10 / 5);
  });

  it('model rows: ours/peer per phase, achieved bandwidth against the copy roof, greedy tokens compared', () => {
    const metrics = (tokensPerS: number, bytesPerToken: number | null, roofFraction: number | null, tokens: number[]) =>
      ({ tokensPerS, bytesPerToken, roofFraction, copyGbps: 2, bytesNote: 'n', tokens });
    const m = (variant: string, medianMs: number, model: ReturnType<typeof metrics>) =>
      row({ kernel: 'model tiny', variant, shape: 'gguf f16 P=16 T=4', caseId: `tiny/gguf f16/${variant}`, timer: 'wall', medianMs, model });
    const ours = [m('prefill', 100, metrics(160, null, null, [1, 2, 3, 4])), m('decode', 50, metrics(20, 1e6, 0.01, [1, 2, 3, 4]))];
    const peers: PeerRow[] = [
      { ...m('prefill', 25, metrics(640, null, null, [1, 2, 3, 4])), library: 'llama.cpp', version: 'v' },
      { ...m('decode', 100, metrics(10, 5e5, 0.002, [1, 2, 9, 4])), library: 'llama.cpp', version: 'v' },
    ];
    const text = formatReport({ ...report(ours, peers), bandwidth: [{ device: 'gpu', method: 'copy', bytes: 2 ** 26, medianMs: 1, gbps: 2 }] }, oursVariantOf);
    expect(text).toMatch(/model tiny +gguf f16 P=16 T=4 +prefill +160 +640 +4\.00x/); // ours 4x slower at prefill
    expect(text).toMatch(/decode +20\.0 +10\.0 +0\.50x +0\.0200 +1\.0% +5\.0e-3 +0\.2% +no: from token 2/); // 1e6 B / 50 ms = 0.02 GB/s
    expect(text).toContain('gpu 2.00 GB/s (copy, 64 MiB)');
  });

  it('a failure is listed with its reason and fails the run; a skip does not', () => {
    const skip = failedRow({ kernel: 'matmul', variant: 'tiled-f16', shape: 's', dtype: 'f16', caseId: 'c', params: {} }, 'skipped', 'needs shader-f16');
    expect(reportPassed(report([row({}), skip]))).toBe(true);
    const bad = row({ ok: false, status: 'fail', note: 'output differs: C[3]' });
    const r = report([row({}), bad, skip]);
    expect(reportPassed(r)).toBe(false);
    const text = formatReport(r);
    expect(text).toContain('FAIL matmul/tiled M=4 N=4 K=4: output differs: C[3]');
    expect(text).toContain('1 ok, 1 failed, 1 skipped');
  });
});

describe('model suite prompt', () => {
  // Both runtimes start from it: ours and node-llama-cpp take the ids, wllama the text (it takes no ids),
  // so the ids must be exactly the size's prompt length and be what our tokenizer makes of the text.
  it.each(['tiny', 'small'])('%s: exactly the prompt length, and the text encodes to those ids', async (name) => {
    const size = suiteByName('model').models!.sizes.find((z) => z.name === name)!;
    // only the vocabulary matters: a 1-layer, 64-wide model with the size's vocabulary
    const bytes = writeGgufModel({ ...size.spec, dim: 64, nLayers: 1, nHeads: 4, nKvHeads: 2, headDim: 16, ffnDim: 64, dtype: 'f32' });
    const tok = await benchTokenizer([bytesSource(`${name}.gguf`, bytes)]);
    const p = benchPrompt(size, tok);
    expect(p.ids).toHaveLength(size.prompt);
    expect(tok.encode(p.text)).toEqual(p.ids);
    expect(p.text).toMatch(/^the quick brown/);
  });
  it('says so when no text lands on the length', async () => {
    const size = suiteByName('model').models!.sizes[0];
    const tok = await benchTokenizer([bytesSource('tiny.gguf', writeGgufModel({ ...size.spec, dtype: 'f32' }))]);
    // a tokenizer whose every text is 2 tokens longer than ours: no prefix has exactly 1 token
    const shifted = { ...tok, encode: (t: string) => [0, 0, ...tok.encode(t)] };
    expect(() => benchPrompt({ ...size, prompt: 1 }, shifted)).toThrow(/no prompt of exactly 1 tokens/);
  });
});

describe('ONNX one-node models', () => {
  it('round-trips MatMulNBits with its attributes and initializers', () => {
    const bytes = buildOneNodeModel({
      opType: 'MatMulNBits', domain: 'com.microsoft', nodeInputs: ['A', 'B', 'scales'], nodeOutputs: ['Y'],
      attributes: { K: { int: 64 }, bits: { int: 8 }, accuracy_level: { int: 4 }, scale: { float: 0.5 } },
      inputs: [{ name: 'A', elemType: DT.FLOAT, dims: [2, 64] }],
      outputs: [{ name: 'Y', elemType: DT.FLOAT, dims: [2, 'n'] }],
      initializers: [{ name: 'B', dataType: DT.UINT8, dims: [1, 2, 32], data: new Uint8Array(64).fill(7) }],
    });
    const m = decodeModel(bytes) as {
      ir_version: number; opset_import: Array<{ domain?: string; version: number }>;
      graph: { node: Array<{ op_type: string; domain: string; input: string[]; attribute: Array<{ name: string; i?: number; f?: number; type: number }> }>; initializer: Array<{ dims: number[]; raw_data: number[] }>; output: Array<{ type: { tensor_type: { shape: { dim: Array<{ dim_value?: number; dim_param?: string }> } } } }> };
    };
    expect(m.ir_version).toBe(8);
    expect(m.opset_import).toContainEqual({ domain: 'com.microsoft', version: 1 });
    const node = m.graph.node[0];
    expect([node.op_type, node.domain, node.input]).toEqual(['MatMulNBits', 'com.microsoft', ['A', 'B', 'scales']]);
    expect(node.attribute).toContainEqual({ name: 'accuracy_level', i: 4, type: 2 });
    expect(node.attribute).toContainEqual({ name: 'scale', f: 0.5, type: 1 });
    expect(m.graph.initializer[0].dims).toEqual([1, 2, 32]);
    expect(m.graph.initializer[0].raw_data.length).toBe(64);
    expect(m.graph.output[0].type.tensor_type.shape.dim).toEqual([{ dim_value: 2 }, { dim_param: 'n' }]);
  });
});

describe('peer helpers', () => {
  it('int8 weights dequantize to within half a step of the scale, layout [N, K/32, 32] + 128', () => {
    const M = 2, N = 3, K = 64;
    const x = int8Inputs({ M, N, K }, 5);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) {
      const q = x.Wq[n * K + k] - 128;
      expect(Math.abs(q)).toBeLessThanOrEqual(127);
      expect(x.Bdeq[k * N + n]).toBeCloseTo(q * x.wScale[n * 2 + Math.floor(k / 32)], 6);
    }
  });

  it('attentionRef: one key gives V; causal first query sees only key 0', () => {
    const V = Float32Array.from([1, 2, 3, 4]);
    const o = attentionRef({ op: 'attention', S: 1, L: 1, Hq: 2, Hkv: 1, dh: 4, causal: false }, { Q: new Float32Array(8).fill(3), K: new Float32Array(4).fill(1), V });
    expect([...o]).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    // two equal-score keys average their values; causally the first query sees only key 0
    const x = { Q: new Float32Array(2), K: new Float32Array(2), V: Float32Array.from([2, 6]) };
    expect([...attentionRef({ op: 'attention', S: 2, L: 2, Hq: 1, Hkv: 1, dh: 1, causal: false }, x)]).toEqual([4, 4]);
    expect([...attentionRef({ op: 'attention', S: 2, L: 2, Hq: 1, Hkv: 1, dh: 1, causal: true }, x)]).toEqual([2, 4]);
  });

  it('head-major <-> token-major are inverse and place [h, s, d] at [s, h, d]', () => {
    const H = 2, S = 3, dh = 2;
    const x = Float32Array.from({ length: H * S * dh }, (_, i) => i);
    const t = headMajorToTokenMajor(x, H, S, dh);
    expect(t[(2 * H + 1) * dh + 1]).toBe(x[(1 * S + 2) * dh + 1]);
    expect([...tokenMajorToHeadMajor(t, H, S, dh)]).toEqual([...x]);
  });
});
