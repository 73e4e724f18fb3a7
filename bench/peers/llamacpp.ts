// llama.cpp itself, through node-llama-cpp (pinned 3.21.1): the oracle of the GGUF tests and the
// whole-model peer of `npm run bench -- --suite model`. Only its prebuilt builds, which npm installs
// as packages (@node-llama-cpp/linux-x64, -vulkan, -cuda): `build: 'never'` and `skipDownload`, so a
// machine without a working prebuilt gets an error naming the cause, never a download or a compile.
//
// Generation feeds token ids, not text (no tokenizer between the two runtimes), and is greedy
// (temperature 0: llama.cpp's argmax). Times are wall clock around the calls, JS overhead included,
// like ours in the bench: prefill = the prompt to the first sampled token; decode = one step each.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';

export const LLAMA_CPP_LIBRARY = 'llama.cpp';

/** 'cpu': the CPU build; 'auto': the GPU build node-llama-cpp finds (Vulkan, CUDA, Metal), else CPU. */
export type LlamaCppDevice = 'cpu' | 'auto';

const instances = new Map<LlamaCppDevice, Promise<Llama>>();

/** One llama.cpp instance per device kind per process (its native library loads once). */
export function llamaCpp(device: LlamaCppDevice = 'cpu'): Promise<Llama> {
  let p = instances.get(device);
  if (!p) {
    p = (async () => {
      const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
      try {
        return await getLlama({
          gpu: device === 'cpu' ? false : 'auto', build: 'never', usePrebuiltBinaries: true, skipDownload: true,
          logLevel: LlamaLogLevel.error, progressLogs: false,
        });
      } catch (e) {
        throw new Error(`llama.cpp (node-llama-cpp) has no working prebuilt build here for ${device}: ${(e as Error).message.split('\n')[0]}`);
      }
    })();
    instances.set(device, p);
  }
  return p;
}

/**
 * What runs: "node-llama-cpp 3.21.1, llama.cpp v0.4.0, CPU build" (or "vulkan build on DEVICE"), and
 * whether it computes on a GPU. A GPU build that finds no usable device runs on the CPU: said so.
 * (llama.cpp's Vulkan backend skips CPU devices such as SwiftShader; made to take it with
 * GGML_VK_VISIBLE_DEVICES=0 it refuses it: "does not support 16-bit storage", tried 2026-12-07.)
 */
export async function llamaCppInfo(llama: Llama): Promise<{ version: string; onGpu: boolean }> {
  // its package.json is not in its exports: read it beside the entry point (dist/index.js)
  const entry = createRequire(import.meta.url).resolve('node-llama-cpp');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  const devices = llama.gpu === false ? [] : await llama.getGpuDeviceNames();
  const where = llama.gpu === false ? 'CPU build'
    : devices.length > 0 ? `${llama.gpu} build on ${devices.join(', ')}` : `${llama.gpu} build with no ${llama.gpu} device, so on the CPU`;
  return { version: `node-llama-cpp ${pkg.version}, llama.cpp ${llama.llamaCppRelease.release}, ${where}`, onGpu: devices.length > 0 };
}

export interface LlamaCppGeneration {
  tokens: number[];
  /** Per generated token: llama.cpp's probabilities of the next token (softmax of its logits), when asked for. */
  probs: Array<Map<number, number>>;
  /** The prompt through to the first sampled token. */
  prefillMs: number;
  /** Each decode step after the first token. */
  tokenMs: number[];
}

/** A GGUF file loaded in llama.cpp with one context of `contextSize` positions. */
export class LlamaCppModel {
  private constructor(
    readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly seq: LlamaContextSequence,
  ) {}

  static async open(path: string, o: { contextSize: number; threads: number; device?: LlamaCppDevice }): Promise<LlamaCppModel> {
    const llama = await llamaCpp(o.device ?? 'cpu');
    const model = await llama.loadModel({ modelPath: path });
    try {
      // the whole prompt in one batch, like our prefill chunk
      const context = await model.createContext({ contextSize: o.contextSize, batchSize: o.contextSize, threads: o.threads, sequences: 1 });
      return new LlamaCppModel(llama, model, context, context.getSequence());
    } catch (e) {
      await model.dispose();
      throw e;
    }
  }

  /** llama.cpp's own tokenizer (no BOS, no special-token parsing). */
  tokenize(text: string): number[] {
    return this.model.tokenize(text, false).map(Number);
  }

  /** llama.cpp's tokenizer with special tokens parsed (control tokens in the text become their ids), no BOS. */
  tokenizeSpecial(text: string): number[] {
    return this.model.tokenize(text, true).map(Number);
  }

  /**
   * The ids among the first `n` that llama.cpp ends generation on: llama_vocab_is_eog (its special_eog_ids), through
   * node-llama-cpp's native binding. Not LlamaModel.isEogToken: that adds llama.cpp's EOT id even where llama.cpp
   * took it off the list (gpt-oss's <|end|>).
   */
  eogIds(n: number): number[] {
    const addon = (this.model as unknown as { _model: { isEogToken(t: number): boolean } })._model;
    return Array.from({ length: n }, (_, i) => i).filter((i) => addon.isEogToken(i));
  }

  /** Greedy generation of `maxTokens` from the prompt's token ids, on a cleared sequence. */
  async generate(prompt: readonly number[], maxTokens: number, withProbs = false): Promise<LlamaCppGeneration> {
    await this.seq.clearHistory();
    const out: LlamaCppGeneration = { tokens: [], probs: [], prefillMs: 0, tokenMs: [] };
    let t = performance.now();
    const gen = this.seq.evaluateWithMetadata(prompt.map((x) => x as never), { probabilities: withProbs }, { temperature: 0 });
    for await (const r of gen) {
      const now = performance.now();
      if (out.tokens.length === 0) out.prefillMs = now - t;
      else out.tokenMs.push(now - t);
      out.tokens.push(Number(r.token));
      if (withProbs && 'probabilities' in r && r.probabilities instanceof Map) out.probs.push(r.probabilities as Map<number, number>);
      if (out.tokens.length >= maxTokens) break;
      t = performance.now();
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
