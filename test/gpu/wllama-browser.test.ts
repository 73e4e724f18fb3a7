// The browser model suite end to end (issue 27): `npm run bench -- --suite model --runtime browser`'s
// path (bench/browser-runtime.ts runBrowserModel) on one tiny GGUF f16 file in headless Chromium:
// our decode loop on the page's WebGPU and llama.cpp's browser build (@wllama/wllama) in the same page.
// The oracle is llama.cpp native (node-llama-cpp) on the same file from the same prompt ids: the
// browser build must give its greedy tokens, and so must ours. One file, one run, no warm-up (~10 s
// here: building the page, compiling our pipelines on SwiftShader, loading wllama).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBrowserModel } from '../../bench/browser-runtime.ts';
import { benchPrompt, benchTokenizer } from '../../bench/model-common.ts';
import { LlamaCppModel } from '../../bench/peers/llamacpp.ts';
import { suiteByName, type Suite } from '../../bench/suites.ts';
import { bytesSource } from '../../src/llm/source.ts';

const MODEL = suiteByName('model');
const TINY = MODEL.models!.sizes.find((z) => z.name === 'tiny')!;
const F16 = MODEL.models!.formats.find((f) => f.name === 'gguf f16')!;
// the suite cut to the one file (the page looks sizes and formats up by name in the real suite)
const ONE: Suite = { ...MODEL, models: { sizes: [TINY], formats: [F16] } };

describe('browser model suite: wllama beside ours on a tiny GGUF, llama.cpp native as the oracle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jalapeno-wllama-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('wllama and ours give node-llama-cpp\'s greedy tokens on the same file and prompt', async () => {
    const report = await runBrowserModel(ONE, { samples: 1, warmup: 0, reps: 'auto', forceWall: false, kernels: [], seed: 1 },
      { sizes: [TINY], peerDevice: 'cpu', peerThreads: 1, dir }, () => undefined);
    expect(report.deviceError ?? null).toBeNull();
    const peer = report.peers.find((p) => p.caseId === 'tiny/gguf f16/decode');
    const ours = report.results.find((r) => r.caseId === 'tiny/gguf f16/decode');
    expect(peer?.status, peer?.note).toBe('ok');
    expect(ours?.status, ours?.note).toBe('ok');
    // the page says which path wllama took: here its CPU wasm, as SwiftShader has no shader-f16
    expect(peer!.version).toMatch(/@wllama\/wllama \d+\.\d+\.\d+, llama\.cpp \S+, (WebGPU|CPU wasm)/);

    const file = join(dir, 'tiny-f16.gguf');
    const prompt = benchPrompt(TINY, await benchTokenizer([bytesSource('tiny-f16.gguf', readFileSync(file))]));
    const lc = await LlamaCppModel.open(file, { contextSize: TINY.prompt + TINY.tokens, threads: 1 });
    const native = await lc.generate(prompt.ids, TINY.tokens).finally(() => lc.dispose());
    expect(native.tokens).toHaveLength(TINY.tokens);
    expect(peer!.model!.tokens, 'wllama vs llama.cpp native').toEqual(native.tokens);
    expect(ours!.model!.tokens, 'ours (browser) vs llama.cpp native').toEqual(native.tokens);
  });
});
