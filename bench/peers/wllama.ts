// llama.cpp's browser build through @wllama/wllama (pinned 3.13.0): the browser runtime's whole-model
// peer of `npm run bench -- --suite model --runtime browser`. Runs in the bench page; its wasm is served
// from node_modules/@wllama/wllama/esm/wasm (bench/browser-runtime.ts), never from a CDN.
//
// What wllama 3.x allows, found on 2026-12-07 (Chromium 156, SwiftShader):
// - Its WebGPU backend (llama.cpp's ggml-webgpu) asks for the 'shader-f16' feature; an adapter without
//   it (SwiftShader's) gets no WebGPU device ("Unsupported feature: shader-f16") and llama.cpp runs on
//   its CPU wasm path. We ask for that path explicitly then (n_gpu_layers 0) and label it.
// - Its completion API takes text only (a token-id array is refused: "type must be string, but is
//   array"; v3 removed tokenize): the prompt is the text whose ids in our tokenizer are the ids ours
//   runs; wllama's prompt token count is checked against them.
// - A response whose text is not valid UTF-8 fails ("[json.exception.type_error.316] invalid UTF-8
//   byte": wllama's glue dumps JSON without an error handler); random weights emit such lone byte
//   tokens, so some files cannot be run (said in the row). Streaming meets it at the first such
//   token, so there are no per-step times either: each run
//   is one request of 1 token (its wall time is the prefill) and one of T tokens; decode is their
//   difference / (T − 1), one figure per run. The greedy token ids come from its logprobs (n_probs 1).

import { Wllama, type LoggerWithoutDebug, type RawCompletionResponse } from '@wllama/wllama';
import wllamaPackage from '@wllama/wllama/package.json';
import type { LlamaCppGeneration } from './llamacpp.ts';
import { PeerLimit } from '../measure.ts';

export const WLLAMA_LIBRARY = 'llama.cpp (wllama)';

/** wllama cannot return a generation whose text is not valid UTF-8 (see the header): a limit of the peer, not a failure of the run. */
export class WllamaTextError extends PeerLimit {
  override name = 'WllamaTextError';
}

/** How a loaded wllama computes: on WebGPU, or its CPU wasm path (with why), and its threads. */
export interface WllamaRuntime {
  version: string;
  onGpu: boolean;
  threads: number;
  /** Why the WebGPU path is not used, when it is not. */
  noGpuReason: string | null;
}

/** The adapter feature llama.cpp's WebGPU backend requires (ggml-webgpu requests it for its f16 shaders). */
const NEEDS = 'shader-f16';

type Logger = typeof LoggerWithoutDebug;

export class WllamaModel {
  private constructor(
    private readonly w: Wllama,
    readonly runtime: WllamaRuntime,
    /** llama.cpp's and wllama's log lines (its errors say more than the exception that reaches us). */
    private readonly lines: string[],
  ) {}

  /**
   * Loads a GGUF blob. `wasmUrl`: the served wllama.wasm. `threads` > 1 needs a cross-origin isolated
   * page (SharedArrayBuffer); otherwise it runs single-threaded, said in the version.
   */
  static async open(blob: Blob, o: { wasmUrl: string; contextSize: number; threads: number; adapter: GPUAdapter | null }): Promise<WllamaModel> {
    const lines: string[] = [];
    const keep = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
    const logger = { ...console, debug: keep, log: keep, warn: keep, error: keep } as Logger;
    const w = new Wllama({ default: o.wasmUrl }, { logger });
    const gpuOk = o.adapter?.features.has(NEEDS) ?? false;
    const noGpuReason = gpuOk ? null
      : o.adapter ? `its WebGPU backend needs the '${NEEDS}' feature, which this adapter (${o.adapter.info.vendor} ${o.adapter.info.architecture}) lacks`
      : 'the page has no WebGPU adapter';
    try {
      await w.loadModel([blob], {
        n_ctx: o.contextSize, n_batch: o.contextSize, n_ubatch: o.contextSize, n_threads: o.threads, n_parallel: 1,
        n_gpu_layers: gpuOk ? 999 : 0, log_level: 2,
      });
    } catch (e) {
      throw new Error(`wllama could not load the model: ${(e as Error).message}${lines.length ? ` (last log: ${lines.slice(-2).join(' | ')})` : ''}`);
    }
    // llama.cpp says where the layers went: "offloaded N/M layers to GPU"
    const off = lines.join('\n').match(/offloaded (\d+)\/(\d+) layers to GPU/);
    const onGpu = gpuOk && off !== null && off[1] === off[2];
    const threads = w.getNumThreads();
    const where = onGpu ? 'WebGPU' : `CPU wasm${gpuOk ? ' (WebGPU asked for, layers not offloaded)' : ''}`;
    const build = w.isMultithread() ? `multi-threaded build, ${threads} threads` : 'single-thread build';
    const version = `@wllama/wllama ${wllamaPackage.version}, llama.cpp ${Wllama.getLibllamaVersion()}, ${where}, ${build}`;
    return new WllamaModel(w, { version, onGpu, threads, noGpuReason }, lines);
  }

  private async request(prompt: string, maxTokens: number): Promise<{ ms: number; tokens: number[]; promptTokens: number }> {
    const t = performance.now();
    const logged = this.lines.length;
    let r: RawCompletionResponse;
    try {
      r = await this.w.createCompletion({
        prompt, max_tokens: maxTokens, temperature: 0, top_k: 1, n_probs: 1, ignore_eos: true, cache_prompt: false,
      } as Parameters<Wllama['createCompletion']>[0] & { stream?: false });
    } catch (e) {
      const json = this.lines.slice(logged).find((l) => l.includes('json.exception'));
      if (json && /invalid UTF-8/.test(json)) {
        throw new WllamaTextError(`wllama cannot return this generation: its response JSON refuses the generated text, which is not valid UTF-8 (random weights emit lone byte tokens): ${json.trim()}`);
      }
      throw new Error(`wllama's completion failed: ${(e as Error).message}${json ? ` (${json.trim()})` : ''}`);
    }
    const ms = performance.now() - t;
    // the OAI-style completion's logprobs carry each sampled token's id
    const content = (r.choices[0]?.logprobs as unknown as { content?: Array<{ id: number }> } | null)?.content ?? [];
    return { ms, tokens: content.map((c) => c.id), promptTokens: r.usage.prompt_tokens };
  }

  /**
   * Greedy generation of `maxTokens` from the prompt text (see the header: text only), which must be
   * `promptIds.length` tokens in llama.cpp's tokenizer. Prefill: the 1-token request; decode: the
   * difference to the `maxTokens` request, per step.
   */
  async generate(prompt: string, promptIds: readonly number[], maxTokens: number): Promise<LlamaCppGeneration> {
    const one = await this.request(prompt, 1);
    const all = await this.request(prompt, maxTokens);
    if (one.promptTokens !== promptIds.length || all.promptTokens !== promptIds.length) {
      throw new Error(`wllama tokenized the prompt text to ${all.promptTokens} tokens, ours to ${promptIds.length}: not the same prompt`);
    }
    if (all.tokens.length !== maxTokens) throw new Error(`wllama returned ${all.tokens.length} token ids for ${maxTokens} tokens (no logprobs?)`);
    const perStep = maxTokens > 1 ? (all.ms - one.ms) / (maxTokens - 1) : 0;
    return { tokens: all.tokens, probs: [], prefillMs: one.ms, tokenMs: maxTokens > 1 ? [perStep] : [] };
  }

  async dispose(): Promise<void> {
    await this.w.exit();
  }
}
