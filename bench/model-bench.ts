// The model suite (`npm run bench -- --suite model`, Node runtime): whole generated models, written
// once per size and format to real files (GGUF f16 and Q8_0, safetensors f16; random weights, a real
// byte-level BPE vocabulary), run through our GPU decode loop and, for GGUF, through llama.cpp itself
// (node-llama-cpp's prebuilt build) on the same file from the same prompt token ids, greedy.
//
// Per file and runtime: prefill (the prompt to the first token, warm: after `warmup` untimed runs)
// and decode (ms per token, median and p10/p90 over every step of the timed runs), both wall clock
// (JS overhead included, a real cost of each runtime); the greedy tokens of both; achieved bandwidth:
// bytes read per decode token / ms per token, against a copy measured in the same run on the device
// each runtime computes on (ours: a GPU buffer copy; llama.cpp's CPU build: a host memcpy).

import { tmpdir } from 'node:os';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeGpuContext } from '../src/gpu/node.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import { summarize } from '../src/gpu/timing.ts';
import { openModelPath } from '../src/llm/node-files.ts';
import { openModel } from '../src/llm/weights.ts';
import { readGguf } from '../src/llm/gguf.ts';
import { GpuModel } from '../src/llm/gpu-model.ts';
import { generateGpu } from '../src/llm/generate.ts';
import { writeGgufModel, writeSafetensorsModel } from '../src/llm/testmodel.ts';
import { LLAMA_CPP_LIBRARY, LlamaCppModel, llamaCpp, llamaCppInfo, type LlamaCppDevice } from './peers/llamacpp.ts';
import { failedRow, type BenchReport, type BenchRow, type CopyBandwidth, type ModelMetrics, type PeerRow } from './report.ts';
import type { Progress, RunOptions } from './measure.ts';
import type { ModelFormat, ModelSize, Suite } from './suites.ts';

const GREEDY = { temperature: 0, topK: 1, seed: 0 };
const COPY_BYTES = 64 << 20;

/** How our GPU holds a format's weights: int8 + scales (Q8_0 as is), ggml blocks as stored (matmul-gguf), or f32. */
function oursHolds(fmt: ModelFormat): string {
  if (fmt.int8) return 'int8';
  return fmt.mix || /^q[4-6]/.test(fmt.dtype) ? 'ggml blocks' : 'f32';
}

/** Prompt ids: spread over the learned tokens (bytes and merges), never the reserved padding. */
export function benchPrompt(size: ModelSize): number[] {
  const learned = 256 + size.spec.merges;
  return Array.from({ length: size.prompt }, (_, i) => (i * 7919 + 13) % learned);
}

/** Our GPU's copy bandwidth: copyBufferToBuffer of 64 MiB, wall time around onSubmittedWorkDone. */
async function gpuCopy(ctx: GpuContext, samples: number): Promise<CopyBandwidth> {
  const { device } = ctx;
  const bytes = Math.min(COPY_BYTES, ctx.report.limits.maxBufferSize);
  const a = device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.STORAGE });
  const b = device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.STORAGE });
  const once = async () => {
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(a, 0, b, 0, bytes);
    const t = performance.now();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t;
  };
  await once();
  const ms: number[] = [];
  for (let i = 0; i < Math.max(3, samples); i++) ms.push(await once());
  a.destroy(); b.destroy();
  const med = summarize(ms).medianMs;
  return { device: 'gpu', method: 'copyBufferToBuffer, wall', bytes, medianMs: med, gbps: (2 * bytes) / (med / 1e3) / 1e9 };
}

/** The host's copy bandwidth (llama.cpp's CPU build reads weights from host memory): TypedArray.set, a memcpy. */
function cpuCopy(samples: number): CopyBandwidth {
  const a = new Uint8Array(COPY_BYTES).fill(1);
  const b = new Uint8Array(COPY_BYTES);
  b.set(a);
  const ms: number[] = [];
  for (let i = 0; i < Math.max(3, samples); i++) {
    const t = performance.now();
    b.set(a);
    ms.push(performance.now() - t);
  }
  const med = summarize(ms).medianMs;
  return { device: 'cpu', method: 'memcpy (TypedArray.set)', bytes: COPY_BYTES, medianMs: med, gbps: (2 * COPY_BYTES) / (med / 1e3) / 1e9 };
}

interface Measured {
  prefillMs: number[];
  tokenMs: number[];
  tokens: number[];
}

function row(base: { kernel: string; shape: string; dtype: string; caseId: string }, phase: 'prefill' | 'decode', m: Measured, size: ModelSize,
  work: { flops: number | null; bytesPerToken: number | null; bytesNote: string }, copy: CopyBandwidth | undefined, note: string): BenchRow {
  const ms = phase === 'prefill' ? m.prefillMs : m.tokenMs;
  const s = summarize(ms);
  const tokensPerS = phase === 'prefill' ? size.prompt / (s.medianMs / 1e3) : 1e3 / s.medianMs;
  const gbps = phase === 'decode' && work.bytesPerToken !== null ? work.bytesPerToken / (s.medianMs / 1e3) / 1e9 : null;
  const metrics: ModelMetrics = {
    tokensPerS, bytesPerToken: phase === 'decode' ? work.bytesPerToken : null, roofFraction: gbps !== null && copy ? gbps / copy.gbps : null,
    copyGbps: copy?.gbps ?? null, bytesNote: work.bytesNote, tokens: m.tokens,
  };
  return {
    ...base, variant: phase, medianMs: s.medianMs, p10Ms: s.p10Ms, p90Ms: s.p90Ms, gflops: work.flops === null ? null : work.flops / (s.medianMs / 1e3) / 1e9, gbps, maxAbsErr: null,
    ok: true, timer: 'wall', shareUrl: null, status: 'ok', note, params: { prompt: size.prompt, tokens: size.tokens }, reps: ms.length, quantized: false, model: metrics,
  };
}

/** Ours: the GPU decode loop, the weights as this runtime holds them (f32, or int8 with --int8-style Q8_0 blocks). */
async function runOurs(ctx: GpuContext, path: string, size: ModelSize, fmt: ModelFormat, opts: RunOptions): Promise<{ m: Measured; prefill: { flops: number }; decode: { flops: number; bytesPerToken: number } }> {
  const files = await openModelPath(path);
  try {
    const om = await openModel(files.sources);
    const prompt = benchPrompt(size);
    const capacity = size.prompt + size.tokens;
    const model = await GpuModel.load(ctx, om, { int8: fmt.int8, capacity, chunk: size.prompt });
    try {
      const m: Measured = { prefillMs: [], tokenMs: [], tokens: [] };
      for (let i = 0; i < opts.warmup + opts.samples; i++) {
        const r = await generateGpu(model, prompt, { maxTokens: i < opts.warmup ? 2 : size.tokens, sampling: GREEDY });
        if (i < opts.warmup) continue;
        m.prefillMs.push(r.prefillMs);
        m.tokenMs.push(...r.tokenMs);
        m.tokens = r.tokens;
      }
      // the work from the plans the loop ran: flops, and the bytes of a decode step at the middle position
      const sum = (ops: ReturnType<GpuModel['ops']>, k: 'flops' | 'ioBytes') => ops.reduce((a, o) => a + o.plan[k], 0);
      const prefillOps = model.ops('prefill', size.prompt, 0);
      const decodeOps = model.ops('decode', 1, size.prompt + Math.floor(size.tokens / 2));
      return { m, prefill: { flops: sum(prefillOps, 'flops') }, decode: { flops: sum(decodeOps, 'flops'), bytesPerToken: sum(decodeOps, 'ioBytes') } };
    } finally {
      model.destroy();
    }
  } finally {
    await files.close();
  }
}

/**
 * llama.cpp's bytes per decode token on a GGUF: every tensor as stored except the embedding table,
 * of which one row is read (all of it when it is also the LM head), plus its KV cache in f16
 * (llama.cpp's default cache type) over the positions attended at the middle step.
 */
async function llamaCppBytesPerToken(path: string, size: ModelSize): Promise<number> {
  const files = await openModelPath(path);
  try {
    const g = await readGguf(files.sources[0]);
    const emb = g.tensors.find((t) => t.name === 'token_embd.weight');
    const tied = !g.tensors.some((t) => t.name === 'output.weight');
    let bytes = g.tensors.reduce((a, t) => a + t.bytes, 0);
    if (emb && !tied) bytes -= emb.bytes - emb.bytes / emb.shape[0];
    const s = size.spec;
    const ctx = size.prompt + Math.floor(size.tokens / 2) + 1;
    return bytes + 2 * s.nLayers * s.nKvHeads * s.headDim * ctx * 2;
  } finally {
    await files.close();
  }
}

async function runLlamaCpp(path: string, size: ModelSize, opts: RunOptions, device: LlamaCppDevice, threads: number): Promise<Measured> {
  const lc = await LlamaCppModel.open(path, { contextSize: size.prompt + size.tokens, threads, device });
  try {
    const prompt = benchPrompt(size);
    const m: Measured = { prefillMs: [], tokenMs: [], tokens: [] };
    for (let i = 0; i < opts.warmup + opts.samples; i++) {
      const r = await lc.generate(prompt, i < opts.warmup ? 2 : size.tokens);
      if (i < opts.warmup) continue;
      m.prefillMs.push(r.prefillMs);
      m.tokenMs.push(...r.tokenMs);
      m.tokens = r.tokens;
    }
    return m;
  } finally {
    await lc.dispose();
  }
}

function sameTokens(a: readonly number[], b: readonly number[]): string {
  const i = a.findIndex((t, k) => t !== b[k]);
  return i < 0 && a.length === b.length ? `greedy tokens equal llama.cpp's (${a.length})` : `greedy tokens differ from llama.cpp's from token ${i < 0 ? Math.min(a.length, b.length) : i}`;
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
  const results: BenchRow[] = [];
  const peers: PeerRow[] = [];
  progress('copy bandwidth (GPU buffer copy, host memcpy)');
  const gpuBw = await gpuCopy(ctx, opts.samples);
  const cpuBw = cpuCopy(opts.samples);
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
    for (const size of mo.sizes) {
      for (const fmt of formats) {
        const caseBase = `${size.name}/${fmt.name}`;
        const shape = `${fmt.name} P=${size.prompt} T=${size.tokens}`;
        const base = (phase: string) => ({ kernel: `model ${size.name}`, shape, dtype: `${fmt.mix ?? fmt.dtype} (ours ${oursHolds(fmt)})`, caseId: `${caseBase}/${phase}` });
        progress(`${caseBase}: writing the file`);
        const spec = { ...size.spec, dtype: fmt.dtype, mix: fmt.mix };
        const s = size.spec;
        if ((fmt.mix || fmt.dtype.endsWith('_k')) && [s.dim, s.nHeads * s.headDim, s.ffnDim].some((k) => k % 256 !== 0)) {
          const why = `${fmt.name} needs inner dims (D, heads·dh, FFN) that are multiples of 256 (K-quant super-blocks); ${size.name} has ${s.dim}, ${s.nHeads * s.headDim}, ${s.ffnDim}`;
          for (const ph of ['prefill', 'decode'] as const) results.push(failedRow({ ...base(ph), variant: ph, params: {} }, 'skipped', why));
          continue;
        }
        let path: string;
        if (fmt.container === 'gguf') {
          path = join(dir, `${size.name}-${fmt.mix ?? fmt.dtype}.gguf`);
          writeFileSync(path, writeGgufModel(spec));
        } else {
          path = join(dir, `${size.name}-${fmt.dtype}-safetensors`);
          mkdirSync(path, { recursive: true });
          for (const [n, b] of Object.entries(writeSafetensorsModel(spec))) writeFileSync(join(path, n), b);
        }
        progress(`${caseBase}: ours`);
        let ours: Awaited<ReturnType<typeof runOurs>> | null = null;
        try {
          ours = await runOurs(ctx, path, size, fmt, opts);
        } catch (e) {
          for (const ph of ['prefill', 'decode'] as const) results.push(failedRow({ ...base(ph), variant: ph, params: {} }, 'fail', (e as Error).message));
        }
        let theirs: Measured | null = null;
        let theirBytes: number | null = null;
        if (fmt.container === 'gguf') {
          progress(`${caseBase}: llama.cpp`);
          try {
            if (peerError) throw new Error(peerError);
            theirs = await runLlamaCpp(path, size, opts, mo.peerDevice, mo.peerThreads);
            theirBytes = await llamaCppBytesPerToken(path, size);
          } catch (e) {
            for (const ph of ['prefill', 'decode'] as const) peers.push({ ...failedRow({ ...base(ph), variant: ph, params: {} }, 'fail', (e as Error).message), library: LLAMA_CPP_LIBRARY, version });
          }
        }
        const tokensNote = ours && theirs ? sameTokens(ours.m.tokens, theirs.tokens) : '';
        if (ours) {
          const bytesNote = `plans' compulsory bytes of a decode step (weights ${oursHolds(fmt)} on the GPU, f32 KV cache)`;
          results.push(row(base('prefill'), 'prefill', ours.m, size, { ...ours.prefill, bytesPerToken: null, bytesNote }, undefined, 'wall clock, warm'));
          results.push(row(base('decode'), 'decode', ours.m, size, { ...ours.decode, bytesNote }, gpuBw, ['wall clock per step, token readback included', tokensNote].filter(Boolean).join('; ')));
        }
        if (theirs) {
          const bytesNote = 'GGUF tensors as stored (one embedding row), f16 KV cache';
          const peerNote = peerOnGpu ? 'GPU build' : 'CPU build: a native CPU run beside our kernels on this machine\'s GPU adapter';
          // the flops are the model's, the same for both runtimes: taken from our plans (none when ours failed)
          const mk = (ph: 'prefill' | 'decode', flops: number | null, bytes: number | null): PeerRow => ({
            ...row(base(ph), ph, theirs!, size, { flops, bytesPerToken: bytes, bytesNote }, peerOnGpu ? gpuBw : cpuBw, [peerNote, ph === 'decode' ? tokensNote : ''].filter(Boolean).join('; ')),
            library: LLAMA_CPP_LIBRARY, version,
          });
          peers.push(mk('prefill', ours?.prefill.flops ?? null, null), mk('decode', ours?.decode.flops ?? null, theirBytes));
        }
      }
    }
  } finally {
    if (!mo.dir) rmSync(dir, { recursive: true, force: true });
  }
  return { tool: 'jalapeno-bench', suite: suite.name, startedAt, device: ctx.report, results, peers, bandwidth: peerOnGpu ? [gpuBw] : [gpuBw, cpuBw] };
}
