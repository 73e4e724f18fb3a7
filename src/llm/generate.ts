// Text generation on the GPU model (and the same loop on the CPU reference): prefill the prompt,
// then one decode step per token, sampling with a seeded draw per token. Streaming, progress,
// cancellation at any point (between layers of the prefill and between tokens), and per-token
// times from which the report takes median and p10/p90.

import { quantile } from '../gpu/timing.ts';
import type { GpuModel } from './gpu-model.ts';
import type { CpuModel } from './reference.ts';
import { checkTokenIds } from './weights.ts';
import { drawStream, effectiveTopK, sampleWith, type SamplingSettings } from './sample.ts';

export interface GenerateOptions {
  maxTokens: number;
  sampling: SamplingSettings;
  /** Stop at the model's end-of-sequence tokens (default true). */
  eos?: readonly number[];
  signal?: AbortSignal;
  onPrefill?: (layersDone: number, layers: number) => void;
  onToken?: (t: { id: number; index: number; ms: number }) => void;
}

export interface TokenStats {
  tokens: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  tokensPerS: number;
}

export interface GenerateResult {
  prompt: number[];
  tokens: number[];
  /**
   * Pipeline compilation before the first run (every prefill chunk's and the decode step's
   * pipelines; 0 when all were compiled by an earlier run): kept out of prefillMs and tokenMs.
   */
  compileMs: number;
  /** The prompt on compiled pipelines. */
  prefillMs: number;
  /** Wall time of each decode step, token readback included. */
  tokenMs: number[];
  stats: TokenStats;
  stop: 'eos' | 'length' | 'cancelled';
}

export class Cancelled extends Error {
  override name = 'Cancelled';
}

export function tokenStats(ms: readonly number[]): TokenStats {
  const s = [...ms].sort((a, b) => a - b);
  const med = quantile(s, 0.5);
  return { tokens: ms.length, medianMs: med, p10Ms: quantile(s, 0.1), p90Ms: quantile(s, 0.9), tokensPerS: ms.length ? 1000 / med : 0 };
}

function sampling(s: SamplingSettings, u: number) {
  return { topK: effectiveTopK(s.temperature, s.topK), temperature: s.temperature, u };
}

/**
 * Runs the prompt and returns the first sampled token. A prompt longer than the model's prefill
 * chunk runs as several chunks, in order, each attending to the KV cache the chunks before it wrote
 * (attention-prefill over a prefix); only the last chunk computes logits. Progress is per layer of
 * each chunk (done and total count layer passes over all chunks).
 */
export async function prefillGpu(model: GpuModel, prompt: readonly number[], s: SamplingSettings, u: number, opts: Pick<GenerateOptions, 'signal' | 'onPrefill'> = {}): Promise<number> {
  if (prompt.length === 0) throw new Error('the prompt is empty: give at least one token');
  if (prompt.length > model.opts.capacity) throw new Error(`the prompt has ${prompt.length} tokens; the context holds ${model.opts.capacity} positions`);
  checkTokenIds(prompt, model.config.vocabSize); // all of them before the first chunk runs
  model.pos = 0;
  const nL = model.config.nLayers;
  const chunk = model.opts.chunk;
  const nChunks = Math.ceil(prompt.length / chunk);
  let tok = -1;
  for (let c = 0; c < nChunks; c++) {
    const pos0 = c * chunk;
    const ids = prompt.slice(pos0, pos0 + chunk);
    const last = c === nChunks - 1;
    const ops = model.ops('prefill', ids.length, pos0, sampling(s, u));
    await model.prepare(ops);
    model.setTokens(ids);
    // one submission per layer, so progress shows and a cancel lands between layers
    for (let l = -1; l <= nL; l++) {
      if (opts.signal?.aborted) throw new Cancelled('cancelled during the prompt');
      if (l === nL && !last) break; // the logits of an earlier chunk are not needed
      const part = ops.filter((o) => (l === -1 ? o.family === 'embed' : l === nL ? o.layer === -1 && o.family !== 'embed' : o.layer === l));
      tok = await model.run(part);
      if (l >= 0 && l < nL) opts.onPrefill?.(c * nL + l + 1, nChunks * nL);
    }
    model.pos = pos0 + ids.length;
  }
  return tok;
}

/**
 * Compiles every pipeline a generation needs (each prefill chunk's ops and a decode step's), so the
 * timed prompt and decode steps compile nothing. Returns the milliseconds it took.
 */
export async function compileGeneration(model: GpuModel, promptLength: number, s: SamplingSettings): Promise<number> {
  const t0 = performance.now();
  const chunk = model.opts.chunk;
  for (let pos0 = 0; pos0 < promptLength; pos0 += chunk) await model.prepare(model.ops('prefill', Math.min(chunk, promptLength - pos0), pos0, sampling(s, 0)));
  await model.prepare(model.ops('decode', 1, Math.min(promptLength, model.opts.capacity - 1), sampling(s, 0)));
  return performance.now() - t0;
}

/** One decode step for `token` at model.pos; returns the next sampled token. */
export async function decodeStepGpu(model: GpuModel, token: number, s: SamplingSettings, u: number): Promise<number> {
  if (model.pos >= model.opts.capacity) throw new Error(`the context is full (${model.opts.capacity} positions)`);
  const ops = model.ops('decode', 1, model.pos, sampling(s, u));
  model.setTokens([token]);
  const next = await model.run(ops);
  model.pos += 1;
  return next;
}

export async function generateGpu(model: GpuModel, prompt: readonly number[], o: GenerateOptions): Promise<GenerateResult> {
  const compileMs = prompt.length > 0 && prompt.length <= model.opts.capacity ? await compileGeneration(model, prompt.length, o.sampling) : 0;
  return generateLoop(prompt, o, model.opts.capacity, compileMs, {
    prefill: (u) => prefillGpu(model, prompt, o.sampling, u, o),
    step: (t, u) => decodeStepGpu(model, t, o.sampling, u),
  });
}

/** The same loop on the CPU reference (greedy tokens must equal the GPU's). */
export async function generateCpu(cpu: CpuModel, prompt: readonly number[], o: GenerateOptions): Promise<GenerateResult> {
  const pick = (logits: Float32Array, u: number) => sampleWith(logits, o.sampling.temperature, o.sampling.topK, u);
  return generateLoop(prompt, o, cpu.capacity, 0, {
    prefill: async (u) => { cpu.pos = 0; return pick(cpu.forward(prompt), u); },
    step: async (t, u) => pick(cpu.forward([t]), u),
  });
}

async function generateLoop(prompt: readonly number[], o: GenerateOptions, capacity: number, compileMs: number, m: { prefill(u: number): Promise<number>; step(t: number, u: number): Promise<number> }): Promise<GenerateResult> {
  const draw = drawStream(o.sampling.seed);
  const eos = new Set(o.eos ?? []);
  const tokens: number[] = [];
  const tokenMs: number[] = [];
  const result = (stop: GenerateResult['stop']): GenerateResult => ({ prompt: [...prompt], tokens, compileMs, prefillMs, tokenMs, stats: tokenStats(tokenMs), stop });
  let prefillMs = 0;
  const t0 = performance.now();
  let next: number;
  try {
    next = await m.prefill(draw());
  } catch (e) {
    if (e instanceof Cancelled) return result('cancelled');
    throw e;
  }
  prefillMs = performance.now() - t0;
  const budget = Math.min(o.maxTokens, capacity - prompt.length + 1);
  for (let i = 0; i < budget; i++) {
    tokens.push(next);
    o.onToken?.({ id: next, index: i, ms: i === 0 ? prefillMs : tokenMs[tokenMs.length - 1] });
    if (eos.has(next)) return result('eos');
    if (i === budget - 1) break;
    if (o.signal?.aborted) return result('cancelled');
    const t = performance.now();
    next = await m.step(next, draw());
    tokenMs.push(performance.now() - t);
  }
  return result('length');
}
