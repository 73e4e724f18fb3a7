// The model suite (`npm run bench -- --suite model`), Node runtime: whole generated models, written
// once per size and format to real files (GGUF f16, Q8_0, Q4_0, Q4_K_M, safetensors f16; random
// weights, a real byte-level BPE vocabulary), run through our GPU decode loop (Dawn) and, for GGUF,
// through llama.cpp itself (node-llama-cpp's prebuilt build) on the same file from the same prompt
// token ids, greedy. What the two runtimes share (prompt, our loop, copies, rows): bench/model-common.ts.
// The browser runtime (bench/browser-runtime.ts) writes the same files with writeModelFile.

import { tmpdir } from 'node:os';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeGpuContext } from '../src/gpu/node.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import { openModelPath } from '../src/llm/node-files.ts';
import { writeGgufModel, writeSafetensorsModel } from '../src/llm/testmodel.ts';
import { LLAMA_CPP_LIBRARY, LlamaCppModel, llamaCpp, llamaCppInfo, type LlamaCppDevice } from './peers/llamacpp.ts';
import { cpuCopy, gpuCopy, llamaCppBytesPerToken, measureRuns, peerFailure, runModelFiles, type Measured, type PeerSide } from './model-common.ts';
import type { BenchReport } from './report.ts';
import type { Progress, RunOptions } from './measure.ts';
import type { ModelFormat, ModelSize, Suite } from './suites.ts';

/** Writes one size in one format under `dir`: a .gguf file, or a folder with model.safetensors, config.json, tokenizer.json. */
export function writeModelFile(dir: string, size: ModelSize, fmt: ModelFormat): { path: string; files: string[] } {
  const spec = { ...size.spec, dtype: fmt.dtype, mix: fmt.mix };
  if (fmt.container === 'gguf') {
    const name = `${size.name}-${fmt.mix ?? fmt.dtype}.gguf`;
    writeFileSync(join(dir, name), writeGgufModel(spec));
    return { path: join(dir, name), files: [name] };
  }
  const folder = `${size.name}-${fmt.dtype}-safetensors`;
  mkdirSync(join(dir, folder), { recursive: true });
  const files = Object.entries(writeSafetensorsModel(spec)).map(([n, b]) => {
    writeFileSync(join(dir, folder, n), b);
    return `${folder}/${n}`;
  });
  return { path: join(dir, folder), files };
}

async function runLlamaCpp(path: string, size: ModelSize, prompt: { text: string; ids: number[] }, opts: RunOptions, device: LlamaCppDevice, threads: number): Promise<{ m: Measured; tokenizes: boolean }> {
  const lc = await LlamaCppModel.open(path, { contextSize: size.prompt + size.tokens, threads, device });
  try {
    const m = await measureRuns(opts, size, async (maxTokens) => {
      const r = await lc.generate(prompt.ids, maxTokens);
      return { prefillMs: [r.prefillMs], tokenMs: r.tokenMs, tokens: r.tokens };
    });
    // llama.cpp's own tokenizer on the prompt text: what a runtime fed text (wllama) starts from
    const theirIds = lc.tokenize(prompt.text);
    return { m, tokenizes: theirIds.length === prompt.ids.length && theirIds.every((t, i) => t === prompt.ids[i]) };
  } finally {
    await lc.dispose();
  }
}

export interface ModelBenchOptions {
  sizes: readonly ModelSize[];
  /** Which llama.cpp build: the CPU one, or the GPU build node-llama-cpp finds. */
  peerDevice: LlamaCppDevice;
  /** llama.cpp's CPU threads. */
  peerThreads: number;
  /** Where the model files are written (a temporary folder, removed after, when absent). */
  dir?: string;
}

export async function runModelBench(suite: Suite, opts: RunOptions, mo: ModelBenchOptions, progress: Progress): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  let ctx: GpuContext;
  try {
    ctx = await nodeGpuContext();
  } catch (e) {
    return { tool: 'jalapeno-bench', suite: suite.name, startedAt, device: null, deviceError: (e as Error).message, results: [], peers: [] };
  }
  const formats = suite.models?.formats ?? [];
  progress('copy bandwidth (GPU buffer copy, host memcpy)');
  const gpuBw = await gpuCopy(ctx, opts.samples);
  const cpuBw = await cpuCopy(opts.samples, 'Node');
  let version = 'node-llama-cpp (not loaded)';
  let peerError: string | null = null;
  let peerOnGpu = false;
  try {
    ({ version, onGpu: peerOnGpu } = await llamaCppInfo(await llamaCpp(mo.peerDevice)));
    version += `, ${mo.peerThreads} thread${mo.peerThreads === 1 ? '' : 's'}`;
  } catch (e) {
    peerError = (e as Error).message;
  }
  const dir = mo.dir ?? mkdtempSync(join(tmpdir(), 'jalapeno-model-bench-'));
  mkdirSync(dir, { recursive: true });
  try {
    const cases = mo.sizes.flatMap((size) => formats.map((fmt) => ({ size, fmt })));
    const { results, peers } = await runModelFiles(ctx, cases, opts, gpuBw, {
      getting: 'writing the file',
      // one opening of the file for the prompt (every format of a size has the same vocabulary), ours and llama.cpp's bytes
      open: async ({ size, fmt }) => {
        const { path } = writeModelFile(dir, size, fmt);
        const files = await openModelPath(path);
        return { path, sources: files.sources, close: () => files.close() };
      },
      close: (file) => file.close(),
      peerLabel: 'llama.cpp',
      runPeer: async ({ size }, file, prompt) => {
        let result: PeerSide['result'];
        let promptNote = '';
        try {
          if (peerError) throw new Error(peerError);
          const r = await runLlamaCpp(file.path, size, prompt, opts, mo.peerDevice, mo.peerThreads);
          result = { m: r.m, bytesPerToken: await llamaCppBytesPerToken(file.sources[0], size) };
          promptNote = r.tokenizes ? 'llama.cpp tokenizes the prompt text to the same ids' : 'llama.cpp tokenizes the prompt text to other ids (both were fed the ids)';
        } catch (e) {
          result = peerFailure(e);
        }
        const peer: PeerSide = {
          library: LLAMA_CPP_LIBRARY, version, result, copy: peerOnGpu ? gpuBw : cpuBw, bytesNote: 'GGUF tensors as stored (one embedding row), f16 KV cache',
          note: peerOnGpu ? 'GPU build' : 'CPU build: a native CPU run beside our kernels on this machine\'s GPU adapter',
        };
        return { peer, promptNote };
      },
    }, progress);
    return { tool: 'jalapeno-bench', suite: suite.name, startedAt, device: ctx.report, results, peers, bandwidth: peerOnGpu ? [gpuBw] : [gpuBw, cpuBw] };
  } finally {
    if (!mo.dir) rmSync(dir, { recursive: true, force: true });
  }
}
