// The Model tab's work in the worker: open the files the user picked (read locally with
// Blob.slice, never fetched), upload the model to this worker's GPU device, generate with
// streaming events, profile one decode step op by op, and the op list for the chip model's
// predictions. One model at a time.

import type { GpuContext } from '../gpu/context.ts';
import { describeDevice } from '../gpu/context.ts';
import { blobSource, ModelFileError } from '../llm/source.ts';
import { checkTokenIds, openModel, type OpenedModel } from '../llm/weights.ts';
import { archText } from '../llm/config.ts';
import { makeTokenizer, type Tokenizer } from '../llm/tokenizer.ts';
import { chatTemplateText, encodePrompt } from '../llm/chat.ts';
import { GpuModel, ModelTooLargeError, PREFILL_CHUNK } from '../llm/gpu-model.ts';
import { generateGpu, type GenerateResult } from '../llm/generate.ts';
import { fingerprint } from '../llm/fingerprint.ts';
import { familyRows, opRows, type FamilyRow, type OpRow } from '../llm/report.ts';
import type { ForwardOp } from '../models/forward.ts';
import type { ModelConfig } from '../models/config.ts';
import type { ModelOpPrediction, ModelSimOptions } from '../models/index.ts';
import type { NumberFormat, PrecisionSpec } from '../models/types.ts';
import { deployPrecision } from '../llm/deploy-precision.ts';
import { deviceLostText, withGpu } from './gpu-session.ts';
import { withChip, type SimOutcome } from './chip-service.ts';

export interface LlmInfo {
  name: string;
  hash: string;
  format: string;
  arch: string;
  params: number;
  weights: string;
  int8: boolean;
  /** What the weights run as on the GPU (GpuModel.weightFormat: e.g. "bf16 -> bf16 as stored, the embedding bf16 too (the rest f32)"). */
  weightFormat: string;
  /** What the GPU keeps in other formats than the file's, the linears and the KV cache (GpuModel.formatsNote: e.g. "the GPU here keeps every linear as stored and its KV cache in f32"). */
  formatsNote: string;
  /** Bytes of the weight buffers on the GPU (GpuModel.weightBytes). */
  weightBytes: number;
  config: ModelConfig;
  tokenizer: string;
  /** The model's chat template, named (chatTemplateText); null: the file has none. */
  chatTemplate: string | null;
  gpuBytes: number;
  context: number;
  device: string;
}

export interface LlmGenerateRequest {
  prompt: string;
  tokens: number;
  seed: number;
  temperature: number;
  topK: number;
  /** Through the model's chat template (refused when it has none). */
  chat: boolean;
}

export type LlmEvent = { kind: 'load'; what: string; done: number; total: number } | { kind: 'prefill'; done: number; total: number } | { kind: 'token'; text: string; index: number; ms: number };

export interface LlmRun {
  text: string;
  promptTokens: number;
  tokens: number;
  stop: GenerateResult['stop'];
  /** Pipeline compilation before the first run (0 when an earlier run compiled them), not in prefillMs / tokenMs. */
  compileMs: number;
  prefillMs: number;
  tokenMs: number[];
  stats: GenerateResult['stats'];
}

export interface LlmProfile {
  timer: string;
  position: number;
  ops: OpRow[];
  families: FamilyRow[];
  /** Each op's kernel, variant and validated params (to open it in the chip view / editor). */
  kernels: Array<{ kernel: string; variant: string; params: Record<string, number | boolean | string> }>;
}

interface Session {
  model: GpuModel;
  opened: OpenedModel;
  tok: Tokenizer;
  info: LlmInfo;
  lastToken: number;
}

let session: Session | null = null;
let abort: AbortController | null = null;

function llmErrorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const isUserError = (e: unknown) => e instanceof ModelFileError || e instanceof ModelTooLargeError || (e as Error)?.name === 'KernelInputError';

async function loadLlm(ctx: GpuContext, files: File[], opts: { int8: boolean; context: number }, onEvent?: (e: LlmEvent) => void): Promise<LlmInfo> {
  unloadLlm();
  const sources = files.map((f) => blobSource((f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, f));
  const opened = await openModel(sources);
  const tok = makeTokenizer(opened.tokenizer, opened.eos);
  if (!tok) throw new ModelFileError(`${opened.name}: no tokenizer; pick tokenizer.json too (or a .gguf, which carries its vocabulary)`);
  const weightsFile = sources.find((s) => s.name.endsWith('.gguf') || s.name.endsWith('.safetensors'))!;
  const hash = await fingerprint(weightsFile);
  const context = Math.max(16, Math.min(opts.context, opened.config.maxPositions));
  const model = await GpuModel.load(ctx, opened, {
    int8: opts.int8, capacity: context, chunk: Math.min(context, PREFILL_CHUNK),
    onProgress: (what, done, total) => onEvent?.({ kind: 'load', what, done, total }),
  });
  const info: LlmInfo = {
    name: opened.name, hash, format: opened.format, arch: archText(opened.config), params: opened.params, weights: opened.weightDtype,
    int8: opts.int8, weightFormat: model.weightFormat, formatsNote: model.formatsNote, weightBytes: model.weightBytes, config: opened.config, tokenizer: tok.kind, chatTemplate: opened.chatTemplate ? chatTemplateText(opened.chatTemplate) : null, gpuBytes: model.gpuBytes, context, device: describeDevice(ctx.report),
  };
  session = { model, opened, tok, info, lastToken: 0 };
  return info;
}

export function unloadLlm(): void {
  session?.model.destroy();
  session = null;
}

export function cancelLlm(): void {
  abort?.abort();
}

export async function generateLlm(req: LlmGenerateRequest, onEvent?: (e: LlmEvent) => void): Promise<LlmRun> {
  if (!session) throw new ModelFileError('no model is loaded: pick a model file first');
  const { model, tok } = session;
  const prompt = encodePrompt(tok, session.opened.chatTemplate, req.prompt, req.chat);
  if (prompt.length === 0) throw new ModelFileError('the prompt is empty');
  checkTokenIds(prompt, model.config.vocabSize);
  if (prompt.length > model.opts.capacity) throw new ModelFileError(`the prompt has ${prompt.length} tokens; the context holds ${model.opts.capacity} (load the model with a longer context)`);
  abort = new AbortController();
  const dec = tok.streamDecoder();
  let text = '';
  const r = await generateGpu(model, prompt, {
    maxTokens: req.tokens, sampling: { temperature: req.temperature, topK: req.topK, seed: req.seed }, eos: tok.eos, signal: abort.signal,
    onPrefill: (done, total) => onEvent?.({ kind: 'prefill', done, total }),
    onToken: (t) => {
      if (tok.eos.includes(t.id)) return;
      const s = dec.push(t.id);
      text += s;
      onEvent?.({ kind: 'token', text: s, index: t.index, ms: t.ms });
    },
  });
  text += dec.flush();
  session.lastToken = r.tokens[r.tokens.length - 1] ?? prompt[prompt.length - 1];
  abort = null;
  return { text, promptTokens: prompt.length, tokens: r.tokens.length, stop: r.stop, compileMs: r.compileMs, prefillMs: r.prefillMs, tokenMs: r.tokenMs, stats: r.stats };
}

/** The decode step's ops at the cache's current position (for the chip model too). */
function llmDecodeOps(): { ops: ForwardOp[]; position: number } {
  if (!session) throw new ModelFileError('no model is loaded');
  const m = session.model;
  const position = Math.max(0, Math.min(m.pos, m.opts.capacity - 1));
  return { ops: m.ops('decode', 1, position, { topK: 1, temperature: 0, u: 0.5 }), position };
}

/**
 * The chip model's options for the decode step the Model tab profiles at `position` (its attention reads
 * position + 1 keys, as the GPU step does): one sequence, the weights in `precision` (for a loaded file, the
 * formats a deployment of that file runs: deployPrecision), the chip's own runtime and placement, as the
 * Tokens tab runs a preset model.
 */
export function modelTabSimOptions(position: number, precision: NumberFormat | PrecisionSpec): ModelSimOptions {
  return { phase: 'decode', context: position + 1, batch: 1, precision };
}

/** What the chip model needs to predict the loaded model's profiled decode step: its config, options, the step's op ids and what formats it simulates. */
function llmPredictionInput(): { config: ModelConfig; opts: ModelSimOptions; ids: string[]; precisionNote: string } {
  const { ops, position } = llmDecodeOps();
  const s = session!;
  const p = deployPrecision(s.opened, s.info.int8);
  return { config: s.opened.config, opts: modelTabSimOptions(position, p.spec), ids: ops.map((o) => o.id), precisionNote: p.note };
}

/** Times one decode step op by op (timestamp queries where the adapter has them). */
export async function profileLlm(): Promise<LlmProfile> {
  if (!session) throw new ModelFileError('no model is loaded');
  const { ops, position } = llmDecodeOps();
  const m = session.model;
  const saved = m.pos;
  m.pos = position;
  m.setTokens([session.lastToken]);
  const t = await m.timeOps(ops);
  m.pos = saved;
  const rows = opRows(ops, t.ops);
  return {
    timer: t.timer, position, ops: rows, families: familyRows(rows),
    kernels: ops.map((o) => ({ kernel: o.plan.kernel, variant: o.plan.variant, params: o.plan.params })),
  };
}

export type LlmOutcome<T> = { status: 'ok'; result: T } | { status: 'invalid' | 'no-gpu' | 'error'; message: string };

/** Runs a Model-tab call: the user's mistakes (a bad file, no model loaded) are 'invalid', the rest 'error'. */
export async function llmOutcome<T>(run: () => Promise<T>): Promise<LlmOutcome<T>> {
  try {
    return { status: 'ok', result: await run() };
  } catch (e) {
    if (isUserError(e)) return { status: 'invalid', message: llmErrorText(e) };
    return { status: 'error', message: deviceLostText() ?? llmErrorText(e) };
  }
}

/** Opens the picked files and uploads the model to the worker's GPU (behind the needs-a-GPU guard). */
export async function loadLlmOnGpu(files: File[], opts: { int8: boolean; context: number }, onEvent?: (e: LlmEvent) => void): Promise<LlmOutcome<LlmInfo>> {
  return withGpu((ctx) => llmOutcome(() => loadLlm(ctx, files, opts, onEvent)));
}

/**
 * The chip model's prediction for the loaded model's decode step on each preset: simulateModel of the
 * file's own config at the profiled position (the ops and mechanisms of the Tokens tab), joined to the
 * profiled ops by op id.
 */
export async function predictLlm(presets: string[]): Promise<SimOutcome<Array<{ preset: string; precisionNote: string } & ModelOpPrediction>>> {
  let q: ReturnType<typeof llmPredictionInput>;
  try {
    q = llmPredictionInput();
  } catch (e) {
    return { status: 'invalid', message: llmErrorText(e) };
  }
  const out: Array<{ preset: string; precisionNote: string } & ModelOpPrediction> = [];
  for (const preset of presets) {
    const r = await withChip(preset, (m, cfg) => m.predictOps(m.simulateModel(cfg, q.config, q.opts), q.config.nLayers, q.ids));
    if (r.status !== 'ok') return r;
    out.push({ preset, precisionNote: q.precisionNote, ...r.result });
  }
  return { status: 'ok', result: out };
}
