// The bench page's model suite (window.__benchModel, driven by bench/browser-runtime.ts): the model
// files Node wrote, fetched from /models/, run through our GPU decode loop on navigator.gpu and, for
// GGUF, through llama.cpp's browser build (@wllama/wllama, bench/peers/wllama.ts) in the same page.

import type { GpuContext } from '../../src/gpu/context.ts';
import { blobSource } from '../../src/llm/source.ts';
import { cpuCopy, gpuCopy, llamaCppBytesPerToken, measureRuns, peerFailure, runModelFiles, type PeerSide } from '../model-common.ts';
import type { RunOptions } from '../measure.ts';
import type { BenchReport } from '../report.ts';
import { suiteByName } from '../suites.ts';
import { WLLAMA_LIBRARY, WllamaModel } from '../peers/wllama.ts';

export interface ModelBenchRequest {
  suite: string;
  opts: RunOptions;
  /** Per size and file format (by name): the served file URLs (one .gguf, or a safetensors folder's files). */
  files: Array<{ size: string; format: string; urls: string[] }>;
  /** Where the page fetches wllama's wasm. */
  wasmUrl: string;
  /** wllama's CPU threads (more than 1 needs the page cross-origin isolated). */
  peerThreads: number;
}

async function fetchBlob(url: string): Promise<Blob> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.blob();
}

export async function runModelPage(ctx: GpuContext, req: ModelBenchRequest, progress: (line: string) => void): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const suite = suiteByName(req.suite);
  const models = suite.models;
  if (!models) throw new Error(`suite ${suite.name} has no models`);
  const { opts } = req;
  progress('copy bandwidth (GPU buffer copy, page memcpy)');
  const gpuBw = await gpuCopy(ctx, opts.samples);
  const cpuBw = await cpuCopy(opts.samples, 'the page');
  let peerOnGpu = false;
  let version = 'wllama (not loaded)';
  // the requested files in order, each with its size and format (an unknown one ends the run when reached)
  const { sizes, formats } = models;
  function* cases() {
    for (const f of req.files) {
      const size = sizes.find((z) => z.name === f.size);
      const fmt = formats.find((x) => x.name === f.format);
      if (!size || !fmt) throw new Error(`suite ${suite.name} has no size "${f.size}" or format "${f.format}"`);
      yield { size, fmt, urls: f.urls };
    }
  }
  const { results, peers } = await runModelFiles(ctx, cases(), opts, gpuBw, {
    getting: 'fetching the file',
    open: async ({ urls }) => {
      const blobs = await Promise.all(urls.map(fetchBlob));
      return { blobs, sources: blobs.map((b, i) => blobSource(urls[i].split('/').pop()!, b)) };
    },
    close: async () => undefined,
    peerLabel: 'llama.cpp (wllama)',
    runPeer: async ({ size }, file, prompt) => {
      let result: PeerSide['result'];
      let note = '';
      let wl: WllamaModel | null = null;
      try {
        wl = await WllamaModel.open(file.blobs[0], { wasmUrl: req.wasmUrl, contextSize: size.prompt + size.tokens, threads: req.peerThreads, adapter: ctx.keepAlive.adapter });
        ({ version } = wl.runtime);
        peerOnGpu = wl.runtime.onGpu;
        note = wl.runtime.onGpu ? 'WebGPU, the same adapter as ours' : `CPU wasm path (${wl.runtime.noGpuReason ?? 'layers not offloaded'}) beside our kernels on the page's WebGPU adapter`;
        const model = wl;
        const m = await measureRuns(opts, size, async (maxTokens) => {
          const r = await model.generate(prompt.text, prompt.ids, maxTokens);
          return { prefillMs: [r.prefillMs], tokenMs: r.tokenMs, tokens: r.tokens };
        });
        result = { m, bytesPerToken: await llamaCppBytesPerToken(file.sources[0], size) };
      } catch (e) {
        result = peerFailure(e);
      } finally {
        await wl?.dispose().catch(() => undefined);
      }
      const peer: PeerSide = {
        library: WLLAMA_LIBRARY, version, result, copy: peerOnGpu ? gpuBw : cpuBw, bytesNote: 'GGUF tensors as stored (one embedding row), f16 KV cache', note,
        decodeNote: 'per run: (wall of a T-token request − wall of a 1-token request) / (T − 1), as wllama streams no per-token times here; p10/p90 over runs',
      };
      return { peer, promptNote: 'fed the prompt text (wllama takes no token ids); its prompt token count equals ours' };
    },
  }, progress);
  return { tool: 'jalapeno-bench', suite: suite.name, startedAt, device: ctx.report, results, peers, bandwidth: peerOnGpu ? [gpuBw] : [gpuBw, cpuBw] };
}
