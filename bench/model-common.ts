// The model suite's parts both runtimes share (no Node module here: the bench page imports it too):
// the prompt, our GPU decode loop on an opened model file, the copy bandwidths the decode figures are
// held against, llama.cpp's bytes per decode token, the rows of one file (ours and the peer's), and the
// loop over the suite's files (runModelFiles; each runtime says how it reaches a file and runs its peer).
// Node runtime: bench/model-bench.ts (llama.cpp native through node-llama-cpp); browser runtime:
// bench/browser-runtime.ts + bench/browser/model.ts (llama.cpp's wasm build through @wllama/wllama).
//
// Per file and runtime: prefill (the prompt to the first token, warm: after `warmup` untimed runs)
// and decode (ms per token, median and p10/p90), both wall clock (JS overhead included, a real cost
// of each runtime); the greedy tokens of both; achieved bandwidth: bytes read per decode token / ms
// per token, against a copy measured in the same run on the device each runtime computes on.

import type { GpuContext } from '../src/gpu/context.ts';
import { summarize } from '../src/gpu/timing.ts';
import type { ByteSource } from '../src/llm/source.ts';
import { openModel } from '../src/llm/weights.ts';
import { readGguf } from '../src/llm/gguf.ts';
import { GpuModel } from '../src/llm/gpu-model.ts';
import { generateGpu } from '../src/llm/generate.ts';
import { makeTokenizer, type Tokenizer } from '../src/llm/tokenizer.ts';
import { failedRow, firstDifference, type BenchRow, type CopyBandwidth, type ModelMetrics, type PeerRow } from './report.ts';
import { isSkip, type Progress, type RunOptions } from './measure.ts';
import type { ModelFormat, ModelSize } from './suites.ts';

const GREEDY = { temperature: 0, topK: 1, seed: 0 };
const COPY_BYTES = 64 << 20;

/** What ours holds before a file is loaded (failed rows): int8 for --int8-style Q8_0, else as the loader keeps it. */
function expectedHolds(fmt: ModelFormat): string {
  return fmt.int8 ? 'int8' : `${fmt.mix ?? fmt.dtype} as stored`;
}

/** The row identity of one size × file × phase; `holds` is what our GPU loop really held (GpuModel.weightFormat). */
function caseBase(size: ModelSize, fmt: ModelFormat, phase: 'prefill' | 'decode', holds?: string) {
  return {
    kernel: `model ${size.name}`, shape: `${fmt.name} P=${size.prompt} T=${size.tokens}`, dtype: `${fmt.mix ?? fmt.dtype} (ours ${holds ?? expectedHolds(fmt)})`,
    caseId: `${size.name}/${fmt.name}/${phase}`, variant: phase,
  };
}

/** The two rows of a file that is not run (skipped: a format the size cannot have). */
export function skippedRows(size: ModelSize, fmt: ModelFormat, why: string): BenchRow[] {
  return (['prefill', 'decode'] as const).map((ph) => failedRow({ ...caseBase(size, fmt, ph), params: {} }, 'skipped', why));
}

/** Why a size cannot be written in a format (K-quants need 256-wide super-blocks), or null. */
export function skipReason(size: ModelSize, fmt: ModelFormat): string | null {
  const s = size.spec;
  if ((fmt.mix || fmt.dtype.endsWith('_k')) && [s.dim, s.nHeads * s.headDim, s.ffnDim].some((k) => k % 256 !== 0)) {
    return `${fmt.name} needs inner dims (D, heads·dh, FFN) that are multiples of 256 (K-quant super-blocks); ${size.name} has ${s.dim}, ${s.nHeads * s.headDim}, ${s.ffnDim}`;
  }
  return null;
}

// Plain English words, repeated as needed: any text would do; it only has to tokenize the same in
// our tokenizer and llama.cpp's (checked by each runtime: ids in Node, the count in wllama).
const PROMPT_WORDS = 'the quick brown fox jumps over the lazy dog while a small bird sings in the old green tree near the river'.split(' ');

/**
 * The prompt: a text and its token ids in our tokenizer, exactly `size.prompt` of them. Both runtimes
 * start from it: ours and node-llama-cpp take the ids; wllama (whose API takes text only, see
 * bench/peers/wllama.ts) the text. Built word by word, then letter by letter to land on the count.
 */
export function benchPrompt(size: ModelSize, tok: Tokenizer): { text: string; ids: number[] } {
  const n = size.prompt;
  let text = '';
  for (let w = 0; ; w++) {
    const word = (w === 0 ? '' : ' ') + PROMPT_WORDS[w % PROMPT_WORDS.length];
    const ids = tok.encode(text + word);
    if (ids.length > n) {
      for (const ch of word) {
        text += ch;
        const part = tok.encode(text);
        if (part.length === n) return { text, ids: part };
        if (part.length > n) break;
      }
      throw new Error(`no prompt of exactly ${n} tokens from the bench words in ${size.name}'s vocabulary`);
    }
    text += word;
    if (ids.length === n) return { text, ids };
  }
}

/** The model file's own tokenizer (the prompt is built with it). */
export async function benchTokenizer(sources: ByteSource[]): Promise<Tokenizer> {
  const om = await openModel(sources);
  const tok = makeTokenizer(om.tokenizer, om.eos);
  if (!tok) throw new Error(`${om.name}: no tokenizer in the file, so no bench prompt`);
  return tok;
}

/** A copy's median over max(3, samples) timed runs after one untimed: read + write bytes per second. */
async function copyBandwidth(device: CopyBandwidth['device'], method: string, bytes: number, samples: number, once: () => number | Promise<number>): Promise<CopyBandwidth> {
  await once();
  const ms: number[] = [];
  for (let i = 0; i < Math.max(3, samples); i++) ms.push(await once());
  const med = summarize(ms).medianMs;
  return { device, method, bytes, medianMs: med, gbps: (2 * bytes) / (med / 1e3) / 1e9 };
}

/** Our GPU's copy bandwidth: copyBufferToBuffer of 64 MiB, wall time around onSubmittedWorkDone. */
export async function gpuCopy(ctx: GpuContext, samples: number): Promise<CopyBandwidth> {
  const { device } = ctx;
  const bytes = Math.min(COPY_BYTES, ctx.report.limits.maxBufferSize);
  const a = device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.STORAGE });
  const b = device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.STORAGE });
  try {
    return await copyBandwidth('gpu', 'copyBufferToBuffer, wall', bytes, samples, async () => {
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(a, 0, b, 0, bytes);
      const t = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t;
    });
  } finally {
    a.destroy(); b.destroy();
  }
}

/** The host's copy bandwidth (a CPU build of llama.cpp reads weights from host memory): TypedArray.set, a memcpy. */
export function cpuCopy(samples: number, where: string): Promise<CopyBandwidth> {
  const a = new Uint8Array(COPY_BYTES).fill(1);
  const b = new Uint8Array(COPY_BYTES);
  return copyBandwidth('cpu', `memcpy (TypedArray.set, ${where})`, COPY_BYTES, samples, () => {
    const t = performance.now();
    b.set(a);
    return performance.now() - t;
  });
}

/** One runtime's timed runs of one file: prefill times, decode step times and the greedy tokens (of the last run). */
export interface Measured {
  prefillMs: number[];
  tokenMs: number[];
  tokens: number[];
}

/** A runtime's `warmup` untimed runs (2 tokens each) then `samples` timed runs of the size's tokens, gathered. */
export async function measureRuns(opts: RunOptions, size: ModelSize, run: (maxTokens: number) => Promise<Measured>): Promise<Measured> {
  const m: Measured = { prefillMs: [], tokenMs: [], tokens: [] };
  for (let i = 0; i < opts.warmup + opts.samples; i++) {
    const r = await run(i < opts.warmup ? 2 : size.tokens);
    if (i < opts.warmup) continue;
    m.prefillMs.push(...r.prefillMs);
    m.tokenMs.push(...r.tokenMs);
    m.tokens = r.tokens;
  }
  return m;
}

/** The decode step's bytes and the phases' flops, from the plans our loop ran. */
export interface OursWork {
  prefill: { flops: number };
  decode: { flops: number; bytesPerToken: number };
}

/** Ours: the GPU decode loop on the file's sources, weights as the loader keeps them (GpuModel.weightFormat), or int8. */
export async function runOurs(ctx: GpuContext, sources: ByteSource[], size: ModelSize, fmt: ModelFormat, prompt: readonly number[], opts: RunOptions): Promise<{ m: Measured; work: OursWork; holds: string }> {
  const om = await openModel(sources);
  const capacity = size.prompt + size.tokens;
  const model = await GpuModel.load(ctx, om, { int8: fmt.int8, capacity, chunk: size.prompt });
  try {
    const m = await measureRuns(opts, size, async (maxTokens) => {
      const r = await generateGpu(model, prompt, { maxTokens, sampling: GREEDY });
      return { prefillMs: [r.prefillMs], tokenMs: r.tokenMs, tokens: r.tokens };
    });
    // the work from the plans the loop ran: flops, and the bytes of a decode step at the middle position
    const sum = (ops: ReturnType<GpuModel['ops']>, k: 'flops' | 'ioBytes') => ops.reduce((a, o) => a + o.plan[k], 0);
    const prefillOps = model.ops('prefill', size.prompt, 0);
    const decodeOps = model.ops('decode', 1, size.prompt + Math.floor(size.tokens / 2));
    // "f16 -> f16 as stored (the rest f32)": the part after the arrow is what the loop holds
    const holds = (model.weightFormat.split(' -> ').pop() ?? model.weightFormat).replace(/ \(the rest (\w+)\)$/, ', the rest $1');
    return { m, work: { prefill: { flops: sum(prefillOps, 'flops') }, decode: { flops: sum(decodeOps, 'flops'), bytesPerToken: sum(decodeOps, 'ioBytes') } }, holds };
  } finally {
    model.destroy();
  }
}

/**
 * llama.cpp's bytes per decode token on a GGUF: every tensor as stored except the embedding table,
 * of which one row is read (all of it when it is also the LM head), plus its KV cache in f16
 * (llama.cpp's default cache type) over the positions attended at the middle step.
 */
export async function llamaCppBytesPerToken(src: ByteSource, size: ModelSize): Promise<number> {
  const g = await readGguf(src);
  const emb = g.tensors.find((t) => t.name === 'token_embd.weight');
  const tied = !g.tensors.some((t) => t.name === 'output.weight');
  let bytes = g.tensors.reduce((a, t) => a + t.bytes, 0);
  if (emb && !tied) bytes -= emb.bytes - emb.bytes / emb.shape[0];
  const s = size.spec;
  const ctx = size.prompt + Math.floor(size.tokens / 2) + 1;
  return bytes + 2 * s.nLayers * s.nKvHeads * s.headDim * ctx * 2;
}

function sameTokens(a: readonly number[], b: readonly number[]): string {
  const i = firstDifference(a, b);
  return i === null ? `greedy tokens equal llama.cpp's (${a.length})` : `greedy tokens differ from llama.cpp's from token ${i}`;
}

function row(base: ReturnType<typeof caseBase>, m: Measured, size: ModelSize,
  work: { flops: number | null; bytesPerToken: number | null; bytesNote: string }, copy: CopyBandwidth | undefined, note: string): BenchRow {
  const phase = base.variant;
  const ms = phase === 'prefill' ? m.prefillMs : m.tokenMs;
  const s = summarize(ms);
  const tokensPerS = phase === 'prefill' ? size.prompt / (s.medianMs / 1e3) : 1e3 / s.medianMs;
  const gbps = phase === 'decode' && work.bytesPerToken !== null ? work.bytesPerToken / (s.medianMs / 1e3) / 1e9 : null;
  const metrics: ModelMetrics = {
    tokensPerS, bytesPerToken: phase === 'decode' ? work.bytesPerToken : null, roofFraction: gbps !== null && copy ? gbps / copy.gbps : null,
    copyGbps: copy?.gbps ?? null, bytesNote: work.bytesNote, tokens: m.tokens,
  };
  return {
    ...base, medianMs: s.medianMs, p10Ms: s.p10Ms, p90Ms: s.p90Ms, gflops: work.flops === null ? null : work.flops / (s.medianMs / 1e3) / 1e9, gbps, maxAbsErr: null,
    ok: true, timer: 'wall', shareUrl: null, status: 'ok', note, params: { prompt: size.prompt, tokens: size.tokens }, reps: ms.length, quantized: false, model: metrics,
  };
}

/** The peer's side of one file: its runs (or why it failed), its bytes per token, the copy it is held against, and labels. */
export interface PeerSide {
  library: string;
  version: string;
  /** Its runs, or why it has none: failed, or skipped (a known limit of the peer on this file, said in the row). */
  result: { m: Measured; bytesPerToken: number } | { error: string; skipped?: boolean } | null;
  copy: CopyBandwidth;
  bytesNote: string;
  /** Said on both of its rows (its device and build). */
  note: string;
  /** Said on its decode row only (how its decode steps were timed), when it differs from ours. */
  decodeNote?: string;
}

/** A peer's error on one file as its result: skipped where isSkip says so (a known limit of the peer), else failed. */
export function peerFailure(e: unknown): { error: string; skipped: boolean } {
  return { error: (e as Error).message, skipped: isSkip(e) };
}

/** The rows of one file: ours (or why it failed) and the peer's, with the greedy tokens compared on both decode rows. */
export function fileRows(size: ModelSize, fmt: ModelFormat, ours: { m: Measured; work: OursWork; holds: string } | { error: string }, oursCopy: CopyBandwidth,
  peer: PeerSide | null, promptNote: string): { results: BenchRow[]; peers: PeerRow[] } {
  const results: BenchRow[] = [];
  const peers: PeerRow[] = [];
  const holds = 'holds' in ours ? ours.holds : undefined;
  const phases = ['prefill', 'decode'] as const;
  const theirs = peer?.result && 'm' in peer.result ? peer.result : null;
  const tokensNote = 'm' in ours && theirs ? sameTokens(ours.m.tokens, theirs.m.tokens) : '';
  const note = (...parts: string[]) => parts.filter(Boolean).join('; ');
  if ('error' in ours) {
    for (const ph of phases) results.push(failedRow({ ...caseBase(size, fmt, ph, holds), params: {} }, 'fail', ours.error));
  } else {
    const bytesNote = `plans' compulsory bytes of a decode step (weights ${ours.holds} on the GPU, f32 KV cache)`;
    results.push(row(caseBase(size, fmt, 'prefill', holds), ours.m, size, { ...ours.work.prefill, bytesPerToken: null, bytesNote }, undefined, 'wall clock, warm'));
    results.push(row(caseBase(size, fmt, 'decode', holds), ours.m, size, { ...ours.work.decode, bytesNote }, oursCopy, note('wall clock per step, token readback included', tokensNote)));
  }
  if (peer?.result && 'error' in peer.result) {
    const status = peer.result.skipped ? 'skipped' : 'fail';
    for (const ph of phases) peers.push({ ...failedRow({ ...caseBase(size, fmt, ph, holds), params: {} }, status, peer.result.error), library: peer.library, version: peer.version });
  } else if (peer && theirs) {
    // the flops are the model's, the same for both runtimes: taken from our plans (none when ours failed)
    const flops = (ph: 'prefill' | 'decode') => ('work' in ours ? ours.work[ph].flops : null);
    for (const ph of phases) {
      const r = row(caseBase(size, fmt, ph, holds), theirs.m, size, { flops: flops(ph), bytesPerToken: ph === 'decode' ? theirs.bytesPerToken : null, bytesNote: peer.bytesNote },
        peer.copy, ph === 'decode' ? note(peer.note, peer.decodeNote ?? '', tokensNote) : note(peer.note, promptNote));
      peers.push({ ...r, library: peer.library, version: peer.version });
    }
  }
  return { results, peers };
}

/** How one runtime reaches the suite's model files and runs the peer on them (Node: bench/model-bench.ts; the page: bench/browser/model.ts). */
export interface ModelFilesRuntime<C extends ModelFileCase, F extends { sources: ByteSource[] }> {
  /** What the progress line says while open() runs: "writing the file", "fetching the file". */
  getting: string;
  /** Writes or fetches one size × format's file and opens it. */
  open(c: C): Promise<F>;
  /** Releases what open() took, after ours and the peer ran (or failed). */
  close(file: F): Promise<void>;
  /** The peer's progress label. */
  peerLabel: string;
  /** The peer on a GGUF file: its side (failures as peerFailure results) and the note on the prompt both rows carry. */
  runPeer(c: C, file: F, prompt: { text: string; ids: number[] }): Promise<{ peer: PeerSide; promptNote: string }>;
}

/** One size × format of the model suite (a runtime may add what it needs to reach the file). */
export interface ModelFileCase {
  size: ModelSize;
  fmt: ModelFormat;
}

/**
 * The model suite's loop over its files, the same in both runtimes: a size × format the loop cannot run is
 * skipped rows; else the file is opened, the size's prompt made from its tokenizer (once per size), ours
 * run (a failure becomes its rows), the peer on GGUF files, and the file's rows (fileRows) added.
 */
export async function runModelFiles<C extends ModelFileCase, F extends { sources: ByteSource[] }>(ctx: GpuContext, cases: Iterable<C>, opts: RunOptions,
  oursCopy: CopyBandwidth, rt: ModelFilesRuntime<C, F>, progress: Progress): Promise<{ results: BenchRow[]; peers: PeerRow[] }> {
  const results: BenchRow[] = [];
  const peers: PeerRow[] = [];
  const prompts = new Map<string, { text: string; ids: number[] }>();
  for (const c of cases) {
    const { size, fmt } = c;
    const why = skipReason(size, fmt);
    if (why) {
      results.push(...skippedRows(size, fmt, why));
      continue;
    }
    const caseName = `${size.name}/${fmt.name}`;
    progress(`${caseName}: ${rt.getting}`);
    const file = await rt.open(c);
    let ours: Awaited<ReturnType<typeof runOurs>> | { error: string };
    let peer: PeerSide | null = null;
    let promptNote = '';
    try {
      let prompt = prompts.get(size.name);
      if (!prompt) prompts.set(size.name, (prompt = benchPrompt(size, await benchTokenizer(file.sources))));
      progress(`${caseName}: ours`);
      ours = await runOurs(ctx, file.sources, size, fmt, prompt.ids, opts).catch((e: Error) => ({ error: e.message }));
      if (fmt.container === 'gguf') {
        progress(`${caseName}: ${rt.peerLabel}`);
        ({ peer, promptNote } = await rt.runPeer(c, file, prompt));
      }
    } finally {
      await rt.close(file);
    }
    const rows = fileRows(size, fmt, ours, oursCopy, peer, promptNote);
    results.push(...rows.results);
    peers.push(...rows.peers);
  }
  return { results, peers };
}
