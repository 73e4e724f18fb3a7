// A model resident on the GPU: weights uploaded once (one layer at a time from the file), a KV
// cache of `capacity` positions, activation buffers, and a runner for the op lists of
// src/models/forward.ts. Every dispatch is a registered kernel's pass with the Plan's grid, overrides
// and uniforms, bound and dispatched by the one GPU runner (src/gpu/runner.ts: bindPlan over these
// persistent buffers, checkLimits for every plan before anything is allocated) and timed by its timer
// (src/gpu/timing.ts: timeEach); nothing here computes on the host but the sampling draw.

import type { GpuContext } from '../gpu/context.ts';
import { bindPlan, checkLimits, readBuffer, type BoundPlan, type PassStats } from '../gpu/runner.ts';
import { timeEach } from '../gpu/timing.ts';
import { BoundOps } from './bound-ops.ts';
import { UnsupportedOnDevice } from '../kernels/kernel.ts';
import { packRows, quantizeRows } from '../kernels/quant.ts';
import { DecodeOpsCache, deepFreeze, forwardOps, embedBuf, ggufBuf, headBuf, layerBuf, vocabRanges, vocabSplit, type ForwardOp, type GgmlPart, type StepShape, type VocabSplit } from '../models/forward.ts';
import { ggufFormat, ggufWeightBytes, ggufWords, isHalfFormat } from '../kernels/matmul-gguf.ts';
import { embedRowBytes, type EmbedFormat } from '../kernels/elementwise.ts';
import { ropeTable, type ModelConfig } from './config.ts';
import { gatedMlp, localPositions } from '../models/config.ts';
import type { Linear, OpenedModel } from './weights.ts';
import { ggmlRows, gpuFormatsNote, linearF32, linearRows, q8Linear, weightsLabel } from './weights.ts';
import { bytesPerElem } from '../models/precision.ts';
import type { NumberFormat } from '../models/types.ts';

/** Prefill chunk the Model tab and the CLI load with: activations for 512 tokens, longer prompts in chunks. */
export const PREFILL_CHUNK = 512;

export class ModelTooLargeError extends Error {
  override name = 'ModelTooLargeError';
}

export interface GpuModelOptions {
  /** int8 weights (quantized on load; GGUF Q8_0 used as is, its blocks' scales as group-32 scales) through matmul-int8 and qkv fused-w8 | gemv-w8. */
  int8: boolean;
  /**
   * Widen f16 / bf16 and Q8_0 linears and the token embedding (16-bit or ggml blocks) to f32 on load (the path before
   * weights were kept as stored; for comparison), a tied LM head included (its own f32 buffers again). int8 quantizes the
   * linears as it does f32 weights, a tied head too (a stored embedding stays as stored).
   * Linears of ggml's 2- to 6-bit blocks stay as stored either way.
   */
  f32Weights?: boolean;
  /** KV cache positions (prompt + generated tokens). */
  capacity: number;
  /**
   * Tokens per prefill chunk (the activation buffers are sized for it). A longer prompt runs as
   * several chunks, each attending to the KV cache written so far, so a prompt may fill `capacity`.
   */
  chunk: number;
  onProgress?: (what: string, done: number, total: number) => void;
  /**
   * Bytes one binding may hold, below the device's own maxStorageBufferBindingSize (tests use it to
   * split a small model's vocabulary as a phone's 128 MiB limit splits a real one's).
   */
  maxBindingBytes?: number;
}

export interface OpTiming {
  id: string;
  family: string;
  ms: number;
}

/** The parts of a StepShape a model fixes when it loads (all but the phase, tokens, position and sampling). */
type LoadShape = Omit<StepShape, 'phase' | 'M' | 'pos0' | 'topK' | 'temperature' | 'u'>;

const GiB = 1 << 30;
const fmtBytes = (b: number) => (b >= GiB ? `${(b / GiB).toFixed(2)} GiB` : `${(b / (1 << 20)).toFixed(1)} MiB`);

/**
 * Whether int8 runs a matmul's weight (wo, wUp, wDown, the LM head; never the fused QKV, whose kernel takes per-column
 * scales) on the file's Q8_0 blocks as they are, their scales as group-32 scales (q8Linear), rather than quantizing it
 * per column (quantizeRows): the file stores that linear as Q8_0 in one part (OpenedModel.ggml by buffer name; every
 * part of a split head by 'lmHead'). Each linear by its own format, as the file's may mix (Q4_K with Q8_0 linears,
 * Q8_0 with f16 ones): sizing and upload both ask this.
 */
function q8Grouped(m: Pick<OpenedModel, 'ggml'>, name: string): boolean {
  const parts = m.ggml?.[name];
  return parts?.length === 1 && parts[0].format === 'q8_0';
}

/** Transposes a [N, K] row-major matrix to [K, N]. */
function transpose(w: Float32Array, N: number, K: number): Float32Array {
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) out[k * N + n] = w[n * K + k];
  return out;
}

export class GpuModel {
  private readonly buffers = new Map<string, GPUBuffer>();
  /** The decode steps' op lists, lowered once (forward.ts DecodeOpsCache). */
  private readonly decodeOps = new DecodeOpsCache();
  /**
   * Each op's plan bound to the buffers (runner.ts bindPlan), by op, shape and bindings (bound-ops.ts); the
   * decode lists' objects that never change (DecodeOpsCache.immutable) are found by identity.
   */
  private readonly compiled = new BoundOps<BoundPlan>(this.decodeOps.immutable);
  /** Allocated once the limits are checked (load), so a refused model allocates nothing. */
  private sharedStats: GPUBuffer | null = null;
  private readback: GPUBuffer | null = null;
  /** Weights quantized per group of 32 (Q8_0), by buffer name, as the upload writes them (then the shape's q8Groups). */
  private readonly q8Written: Record<string, number> = {};
  /** Bytes held on the GPU (weights + cache + activations). */
  gpuBytes = 0;
  /** Bytes of the weight buffers alone (embedding, norms, linears as they run), from the buffers' sizes. */
  weightBytes = 0;
  /** The buffers holding weights (all but the KV cache, the RoPE table, a dummy and activations). */
  private weightNames: string[] = [];
  /** What the weights run as, in one phrase (weightsLabel). */
  weightFormat = '';
  /** What the GPU keeps in other formats than the file's, the linears and the KV cache, in one clause (gpuFormatsNote). */
  formatsNote = '';
  /** Storage of the KV cache: f32 (kv-write and attention read and write f32 values; bufferSizes sizes kcache / vcache by it). */
  readonly kvFormat: NumberFormat = 'f32';
  /** Next position to fill in the KV cache. */
  pos = 0;

  private constructor(
    readonly ctx: GpuContext,
    readonly config: ModelConfig,
    readonly opts: GpuModelOptions,
    /**
     * What every step's shape holds besides its phase, tokens, position and sampling: set once by load (its
     * choices: weight formats, vocabulary split) and once more when the upload has recorded Q8_0 groups
     * (upload; only where there are any), each time a new object, deep-frozen, never changed in place. The decode
     * loop's DecodeOpsCache keys its lists on these objects' identity (a new object: the list is lowered again).
     */
    private loaded: LoadShape,
  ) {}

  /** The vocabulary's parts: embedding rows and LM-head columns per buffer. */
  get split(): VocabSplit {
    return this.loaded.split!;
  }
  /** Storage of the token embedding on the GPU: the file's f16 / bf16 or ggml blocks as stored (OpenedModel.embedFormat) unless widened. */
  get embedFormat(): EmbedFormat {
    return this.loaded.embedFormat!;
  }
  /** A tied LM head reads the stored embedding's buffers (StepShape.headFromEmbed): no head buffers. */
  get headFromEmbed(): boolean {
    return this.loaded.headFromEmbed!;
  }
  /** Weights kept as GGUF ggml blocks (OpenedModel.ggml), by buffer name. */
  private get ggml(): Readonly<Record<string, GgmlPart[]>> {
    return this.loaded.ggml!;
  }
  /** Weights quantized per group of 32 (Q8_0) by buffer name: empty until the upload has written them. */
  get q8Groups(): Readonly<Record<string, number>> {
    return this.loaded.q8Groups!;
  }

  /** Step shape for a phase (the settings of sampling included). */
  shape(phase: 'prefill' | 'decode', M: number, pos0: number, sampling = { topK: 1, temperature: 0, u: 0 }): StepShape {
    return { ...this.loaded, phase, M, pos0, topK: sampling.topK, temperature: sampling.temperature, u: sampling.u };
  }

  /**
   * The ops of a step: forwardOps' list. Decode steps come from the model's DecodeOpsCache (the same
   * plans; only the ops that read the position or sampling are lowered again at each step, the others are
   * the same frozen objects every step, so their bound plans are found by identity).
   */
  ops(phase: 'prefill' | 'decode', M: number, pos0: number, sampling?: { topK: number; temperature: number; u: number }): ForwardOp[] {
    const s = this.shape(phase, M, pos0, sampling);
    return phase === 'decode' ? this.decodeOps.ops(this.config, s) : forwardOps(this.config, s);
  }

  /**
   * Checks the device's limits for every buffer, then uploads the model. The check comes first:
   * nothing is allocated for a model that cannot fit.
   */
  static async load(ctx: GpuContext, m: OpenedModel, opts: GpuModelOptions): Promise<GpuModel> {
    const c = m.config;
    if (opts.capacity > c.maxPositions) throw new ModelTooLargeError(`context ${opts.capacity} exceeds the model's ${c.maxPositions} positions`);
    if (!Number.isInteger(opts.chunk) || opts.chunk < 1 || opts.chunk > opts.capacity) throw new ModelTooLargeError(`a prefill chunk of ${opts.chunk} tokens must be a whole number in [1, ${opts.capacity}] (the context)`);
    // f16 / bf16 and Q8_0 linears run as stored unless f32 (or int8) weights were asked for (int8 takes Q8_0's blocks
    // as they are, as group-32 scales: q8Grouped); a linear with such a part widens whole (q | k | v: one QKV op)
    const widen = opts.f32Weights === true || opts.int8;
    const ggml = Object.fromEntries(Object.entries(m.ggml ?? {}).filter(([, parts]) => !(widen && parts.some((p) => isHalfFormat(p.format) || p.format === 'q8_0'))));
    // so does a stored embedding, 16-bit or ggml blocks (int8 does not quantize the embedding: with it, the embedding
    // stays as stored)
    const embedFormat = m.embedFormat && opts.f32Weights !== true ? m.embedFormat : 'f32';
    // a head tied to it reads it as stored too (matmul-gguf in its format, which takes K = D in whole blocks: 16-bit
    // 32-value pieces, ggml's blocks as the embedding's rows already are), as an untied head of that format would
    // run; int8 quantizes a tied head as it does the linears
    const headFromEmbed = c.tiedEmbeddings && embedFormat !== 'f32' && !opts.int8 && c.dim % ggufFormat(embedFormat).blockElems === 0;
    const weightFormat = weightsLabel(m, opts.int8, ggml, embedFormat, headFromEmbed, opts.f32Weights === true ? undefined : m.embedWidened);
    const L = ctx.report.limits;
    const limit = Math.min(L.maxStorageBufferBindingSize, L.maxBufferSize, opts.maxBindingBytes ?? Infinity);
    // the embedding and the LM head are split into parts that fit a binding (and the matmul's N limit)
    const q8Head = opts.int8 && q8Grouped(m, 'lmHead');
    // a head kept as stored (one format): a column is its row's blocks (f16 / bf16: 2·D)
    const storedHead = ggml.lmHead?.length === 1 ? ggml.lmHead[0].format : undefined;
    const headColBytes = storedHead ? ggufWeightBytes(storedHead, 1, c.dim).bytes : opts.int8 ? Math.max(4 * Math.ceil(c.dim / 4), q8Head ? c.dim / 8 : 4) : 4 * c.dim;
    let split: VocabSplit;
    try {
      split = vocabSplit(c, { bindingBytes: limit, embedRowBytes: embedRowBytes(embedFormat, c.dim), headColBytes, offsetAlign: L.minStorageBufferOffsetAlignment ?? 256, shared: headFromEmbed });
    } catch (e) {
      throw new ModelTooLargeError(`${m.name}: ${(e as Error).message}`);
    }
    // a head kept as ggml blocks (one format) splits like the others: each part its rows' blocks
    const gHead = ggml.lmHead;
    const headParts = vocabRanges(c.vocabSize, split.headCols);
    if (gHead && headParts.length > 1) {
      if (gHead.length !== 1) throw new ModelTooLargeError(`${m.name}: an LM head of ${gHead.length} ggml parts cannot be split across bindings`);
      delete ggml.lmHead;
      headParts.forEach(({ n }, i) => (ggml[headBuf(i, headParts.length)] = [{ format: gHead[0].format, N: n }]));
    }
    const int8Variant = ctx.hasLanguageFeature('packed_4x8_integer_dot_product') ? 'dot4' : 'unpacked';
    // the Q8_0 groups are known once the upload has written them (upload builds the shape again)
    const model = new GpuModel(ctx, c, opts, deepFreeze({ capacity: opts.capacity, int8: opts.int8, int8Variant, q8Groups: {}, ggml, split, embedFormat, headFromEmbed }));
    model.weightFormat = weightFormat;
    model.formatsNote = gpuFormatsNote(c, opts.int8, ggml, headFromEmbed, model.kvFormat);
    const sizes = model.bufferSizes(m);
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    for (const [name, bytes] of sizes) {
      if (bytes > limit) {
        // int8 shrinks the linear weights only; the cache shrinks with the context
        const linear = /\.(wqkv|wo|wUp|wDown)$/.test(name);
        const hint = name.endsWith('cache') ? '; try a shorter context' : linear && !opts.int8 ? '; try int8 weights' : '';
        throw new ModelTooLargeError(
          `${m.name} (${(m.params / 1e6).toFixed(0)} M parameters, ${fmtBytes(total)} on the GPU, weights ${model.weightFormat}) needs a ${fmtBytes(bytes)} buffer for ${name}; ` +
            `this device allows ${fmtBytes(limit)} per storage buffer (maxStorageBufferBindingSize ${fmtBytes(L.maxStorageBufferBindingSize)}, maxBufferSize ${fmtBytes(L.maxBufferSize)})${hint}`,
        );
      }
    }
    // every plan of the op lists (a full prefill chunk, a decode step at the end of the cache) fits the device
    for (const op of model.sizingOps().flat()) {
      try {
        checkLimits(ctx, op.plan);
      } catch (e) {
        if (e instanceof UnsupportedOnDevice) throw new UnsupportedOnDevice(`${m.name}: op ${op.id} (${op.source}): ${e.message}`, e.limit);
        throw e;
      }
    }
    for (const [name, bytes] of sizes) model.alloc(name, bytes);
    model.sharedStats = ctx.device.createBuffer({ label: 'stats (unused)', size: 16, usage: GPUBufferUsage.STORAGE });
    model.readback = ctx.device.createBuffer({ label: 'sampled token readback', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    model.gpuBytes = total;
    model.weightBytes = model.weightNames.reduce((s, n) => s + model.buffers.get(n)!.size, 0);
    await model.upload(m);
    return model;
  }

  /** The op lists buffers are sized and limits checked for: a full prefill chunk, and a decode step at the end of the cache. */
  private sizingOps(): ForwardOp[][] {
    const s = { topK: 64, temperature: 1, u: 0 };
    return [this.ops('prefill', this.opts.chunk, 0, s), this.ops('decode', 1, this.opts.capacity - 1, s)];
  }

  /** Every buffer's size in bytes, from the config and the op lists (no allocation). */
  private bufferSizes(m: OpenedModel): Map<string, number> {
    const c = this.config, D = c.dim, F = c.ffnDim, dh = c.headDim, N = (c.nHeads + 2 * c.nKvHeads) * dh, Nq = c.nHeads * dh, C = this.opts.capacity;
    const sizes = new Map<string, number>();
    const set = (name: string, bytes: number) => sizes.set(name, Math.max(sizes.get(name) ?? 0, Math.ceil(bytes / 4) * 4));
    const gg = (name: string, K: number) => this.ggml[name]?.forEach((p, i) => set(ggufBuf(name, i), ggufWeightBytes(p.format, p.N, K).bufferBytes));
    // `stored`: the name OpenedModel.ggml gives the linear (a split head's parts: 'lmHead'); Q8_0 weights keep their
    // blocks' scales (q8Grouped): room for one per 32 along K (more than one per column)
    const lin = (name: string, Nout: number, K: number, stored = name) => {
      if (this.ggml[name]) gg(name, K);
      else if (!this.opts.int8) set(name, 4 * Nout * K);
      else {
        set(`${name}.q`, 4 * Nout * Math.ceil(K / 4));
        set(`${name}.scale`, 4 * Nout * (q8Grouped(m, stored) ? K / 32 : 1));
      }
    };
    const embedParts = vocabRanges(c.vocabSize, this.split.embedRows);
    embedParts.forEach(({ n }, i) => set(embedBuf(i, embedParts.length), n * embedRowBytes(this.embedFormat, D)));
    if (c.positions.kind === 'learned') set('posEmb', 4 * c.maxPositions * D);
    set('outNorm', 4 * D);
    if (c.norm === 'layernorm') set('outNormB', 4 * D);
    // a head read from the embedding (headFromEmbed) has no buffers of its own
    const headParts = this.headFromEmbed ? [] : vocabRanges(c.vocabSize, this.split.headCols);
    headParts.forEach(({ n }, i) => lin(headBuf(i, headParts.length), n, D, 'lmHead'));
    set('ropeTable', 4 * C * dh);
    if (localPositions(c)) set('ropeTableLocal', 4 * C * dh);
    set('dummy', 16);
    for (let l = 0; l < c.nLayers; l++) {
      const L = (w: string) => layerBuf(l, w);
      set(L('attnNorm'), 4 * D);
      set(L('ffnNorm'), 4 * D);
      if (c.norm === 'layernorm') { set(L('attnNormB'), 4 * D); set(L('ffnNormB'), 4 * D); }
      if (c.projBias) { set(L('bo'), 4 * D); set(L('bUp'), 4 * F); set(L('bDown'), 4 * D); }
      if (c.qkvBias) set(L('bqkv'), 4 * N);
      if (c.qkNorm) { set(L('qNorm'), 4 * dh); set(L('kNorm'), 4 * dh); }
      if (c.postNorms) { set(L('postAttnNorm'), 4 * D); set(L('postFfnNorm'), 4 * D); }
      if (this.ggml[L('wqkv')]) gg(L('wqkv'), D);
      else if (this.opts.int8) { set(L('wqkv.q'), 4 * N * Math.ceil(D / 4)); set(L('wqkv.scale'), 4 * N); } else set(L('wqkv'), 4 * D * N);
      lin(L('wo'), D, Nq);
      lin(L('wUp'), gatedMlp(c) ? 2 * F : F, D);
      lin(L('wDown'), D, F);
      set(L('kcache'), bytesPerElem(this.kvFormat, dh) * c.nKvHeads * C * dh);
      set(L('vcache'), bytesPerElem(this.kvFormat, dh) * c.nKvHeads * C * dh);
    }
    // activations and scratch: the largest use over a full prefill and a decode step at the end of the cache
    const weights = new Set(sizes.keys());
    this.weightNames = [...weights].filter((n) => !/cache$/.test(n) && n !== 'ropeTable' && n !== 'ropeTableLocal' && n !== 'dummy');
    for (const ops of this.sizingOps()) {
      for (const op of ops) for (const t of op.plan.tensors) {
        const b = op.bind[t.name];
        if (b && !weights.has(b)) set(b, (op.offsets?.[t.name] ?? 0) + t.bytes);
      }
    }
    return sizes;
  }

  /** Bytes of the GPU buffers whose names match (the allocation's own size), e.g. /^tokEmb/ for the embedding's parts. */
  bufferBytes(name: RegExp): number {
    return [...this.buffers].filter(([n]) => name.test(n)).reduce((s, [, b]) => s + b.size, 0);
  }

  private alloc(name: string, bytes: number): void {
    const b = this.ctx.device.createBuffer({ label: name, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    this.buffers.set(name, b);
  }

  private write(name: string, a: Float32Array | Uint32Array | Uint8Array): void {
    const b = this.buffers.get(name);
    if (!b) throw new Error(`no GPU buffer ${name}`);
    this.ctx.device.queue.writeBuffer(b, 0, new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength));
  }

  /** Writes a linear [N, K] in the layout its kernel reads (`q8`: int8 takes its Q8_0 blocks as they are, q8Grouped). */
  private writeLinear(name: string, l: Linear, grouped = false): void {
    const parts = this.ggml[name];
    if (parts) {
      // ggml blocks as the file stores them, one buffer per part (q, k, v | gate·up | the whole linear)
      let n0 = 0;
      parts.forEach((p, i) => {
        const r = ggmlRows(l, n0, p.N);
        if (r.format !== p.format) throw new Error(`${name} part ${i}: ${r.format} blocks where the file's tensor info said ${p.format}`);
        this.write(ggufBuf(name, i), ggufWords(r.data));
        n0 += p.N;
      });
      return;
    }
    if (!this.opts.int8) {
      this.write(name, transpose(linearF32(l), l.N, l.K)); // matmul B / qkv W: [K, N] row-major
      return;
    }
    if (grouped) {
      // GGUF Q8_0 as is: rows of int8 along K, one scale per 32 (the matmul-int8 group layout)
      if (l.kind !== 'ggml') throw new Error(`${name}: the file's Q8_0 blocks were read as a ${l.kind} linear`);
      const q8 = q8Linear(l);
      this.write(`${name}.q`, packRows(q8.q, q8.N, q8.K));
      this.write(`${name}.scale`, q8.scale);
      this.q8Written[name] = q8.group;
      return;
    }
    // our recipe (src/kernels/quant.ts): one scale per output column, i.e. per row of [N, K]
    const { q, scale } = quantizeRows(linearF32(l), l.N, l.K);
    this.write(`${name}.q`, packRows(q, l.N, l.K));
    this.write(`${name}.scale`, scale);
  }

  private async upload(m: OpenedModel): Promise<void> {
    const c = this.config;
    const total = c.nLayers + 1;
    this.opts.onProgress?.('uploading weights', 0, total);
    const g = await m.loadGlobals();
    const D = c.dim;
    const embedParts = vocabRanges(c.vocabSize, this.split.embedRows);
    if (this.embedFormat !== 'f32' && !g.tokEmbStored) throw new Error(`${m.name}: the embedding's ${this.embedFormat} bytes were not read`);
    const rowBytes = embedRowBytes(this.embedFormat, D);
    // a stored part's rows as the file has them (rows of 2 mod 4 bytes: copied, the part's last word zero-padded)
    const stored = (b: Uint8Array) => (b.byteLength % 4 === 0 ? b : ggufWords(b));
    embedParts.forEach(({ v0, n }, i) => this.write(embedBuf(i, embedParts.length), this.embedFormat === 'f32' ? g.tokEmb.subarray(v0 * D, (v0 + n) * D) : stored(g.tokEmbStored!.subarray(v0 * rowBytes, (v0 + n) * rowBytes))));
    if (g.posEmb) this.write('posEmb', g.posEmb);
    this.write('outNorm', g.outNorm);
    if (g.outNormB) this.write('outNormB', g.outNormB);
    // (a head read from the embedding has nothing to write, and never widens g.lmHead)
    const headParts = this.headFromEmbed ? [] : vocabRanges(c.vocabSize, this.split.headCols);
    headParts.forEach(({ v0, n }, i) => this.writeLinear(headBuf(i, headParts.length), headParts.length === 1 ? g.lmHead : linearRows(g.lmHead, v0, n), q8Grouped(m, 'lmHead')));
    if (c.positions.kind === 'rope') this.write('ropeTable', ropeTable(c, this.opts.capacity));
    const local = localPositions(c);
    if (local) this.write('ropeTableLocal', ropeTable(c, this.opts.capacity, local));
    this.opts.onProgress?.('uploading weights', 1, total);
    for (let l = 0; l < c.nLayers; l++) {
      const w = await m.loadLayer(l);
      const L = (x: string) => layerBuf(l, x);
      this.write(L('attnNorm'), w.attnNorm);
      this.write(L('ffnNorm'), w.ffnNorm);
      if (w.attnNormB) this.write(L('attnNormB'), w.attnNormB);
      if (w.ffnNormB) this.write(L('ffnNormB'), w.ffnNormB);
      if (w.bqkv) this.write(L('bqkv'), w.bqkv);
      if (c.qkNorm) {
        if (!w.qNorm || !w.kNorm) throw new Error(`${m.name}: layer ${l} has no q/k norm gains (the config has per-head q/k norms)`);
        this.write(L('qNorm'), w.qNorm);
        this.write(L('kNorm'), w.kNorm);
      }
      if (c.postNorms) {
        if (!w.postAttnNorm || !w.postFfnNorm) throw new Error(`${m.name}: layer ${l} has no post-attention / post-MLP norm gains (the config has sandwich norms)`);
        this.write(L('postAttnNorm'), w.postAttnNorm);
        this.write(L('postFfnNorm'), w.postFfnNorm);
      }
      if (w.bo) this.write(L('bo'), w.bo);
      if (w.bUp) this.write(L('bUp'), w.bUp);
      if (w.bDown) this.write(L('bDown'), w.bDown);
      this.writeLinear(L('wqkv'), w.wqkv);
      for (const x of ['wo', 'wUp', 'wDown'] as const) this.writeLinear(L(x), w[x], q8Grouped(m, L(x)));
      // let the queue drain so host copies of this layer can be collected before the next
      await this.ctx.device.queue.onSubmittedWorkDone();
      this.opts.onProgress?.('uploading weights', l + 2, total);
    }
    // the shape's last change, only where the upload recorded Q8_0 groups: a new object (the decode lists are lowered
    // again, with the groups); without any, the shape (its empty q8Groups) and the lists lowered at load stay
    if (Object.keys(this.q8Written).length > 0) this.loaded = deepFreeze({ ...this.loaded, q8Groups: { ...this.q8Written } });
  }

  /** The op's plan bound to the model's buffers (first use of a shape binds it; later steps reuse it). */
  private async compile(op: ForwardOp, instrument: boolean): Promise<BoundPlan> {
    const hit = this.compiled.get(op, instrument);
    if (hit) return hit;
    const bound = await bindPlan(
      this.ctx,
      op.plan,
      (tensor) => {
        const name = op.bind[tensor];
        const buffer = name === undefined ? undefined : this.buffers.get(name);
        if (!buffer) throw new Error(`${op.id}: tensor ${tensor} is bound to ${name ?? 'nothing'}, which has no GPU buffer`);
        const offset = op.offsets?.[tensor];
        return offset === undefined ? { buffer } : { buffer, offset, bytes: op.plan.tensors.find((x) => x.name === tensor)!.bytes };
      },
      { instrument, label: op.id, sharedStats: this.sharedStats ?? undefined, immutable: this.decodeOps.immutable },
    );
    this.compiled.set(op, instrument, bound);
    return bound;
  }

  /** Compiles every pipeline an op list needs (first use of a shape), so timed runs compile nothing. */
  async prepare(ops: ForwardOp[], instrument = false): Promise<void> {
    for (const op of ops) await this.compile(op, instrument);
  }

  /** Each op's bound plan (bound first where new; a bound one without awaiting: a decode step finds all of them). */
  private async boundPlans(ops: ForwardOp[], instrument: boolean): Promise<BoundPlan[]> {
    const out = new Array<BoundPlan>(ops.length);
    for (let i = 0; i < ops.length; i++) out[i] = this.compiled.get(ops[i], instrument) ?? (await this.compile(ops[i], instrument));
    return out;
  }

  /** Each op's dispatches as a recorder into an open compute pass (bound first where new). */
  private async recorders(ops: ForwardOp[], instrument: boolean): Promise<Array<(cp: GPUComputePassEncoder) => void>> {
    const bound = await this.boundPlans(ops, instrument);
    return ops.map((op, i) => (cp) => bound[i].encode(cp, op.plan));
  }

  /** Runs ops (one compute pass, one submission) and returns the sampled token. A validation error names the decode loop. */
  async run(ops: ForwardOp[], opts: { instrument?: boolean; readToken?: boolean } = {}): Promise<number> {
    const { device } = this.ctx;
    const bound = await this.boundPlans(ops, opts.instrument ?? false);
    device.pushErrorScope('validation');
    const enc = device.createCommandEncoder();
    const cp = enc.beginComputePass();
    for (let i = 0; i < ops.length; i++) bound[i].encode(cp, ops[i].plan);
    cp.end();
    const readToken = opts.readToken ?? ops.some((o) => o.family === 'sample');
    if (readToken) enc.copyBufferToBuffer(this.buffers.get('sampled')!, 0, this.readback!, 0, 4);
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    if (err) throw new Error(`decode loop: ${err.message}`);
    if (!readToken) {
      await device.queue.onSubmittedWorkDone();
      return -1;
    }
    await this.readback!.mapAsync(GPUMapMode.READ);
    const tok = new Uint32Array(this.readback!.getMappedRange(0, 4))[0];
    this.readback!.unmap();
    return tok;
  }

  /** Writes the token ids of a step. */
  setTokens(ids: readonly number[]): void {
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) throw new Error(`token id ${id} is outside the vocabulary [0, ${this.config.vocabSize})`);
    this.write('ids', Uint32Array.from(ids));
  }

  /**
   * Times each op of a list on the GPU, after a warm-up run, with the runner's timer (timing.ts timeEach):
   * timestamp queries around each op's compute pass where the adapter has them, else wall time around
   * each op's own submission (labelled).
   */
  async timeOps(ops: ForwardOp[]): Promise<{ timer: 'timestamp-query' | 'wall'; ops: OpTiming[] }> {
    await this.prepare(ops);
    // one untimed run first: the profile is of warm pipelines and buffers, not of their first use
    await this.run(ops, { readToken: false });
    const { timer, ms } = await timeEach(this.ctx, await this.recorders(ops, false));
    return { timer, ops: ops.map((op, i) => ({ id: op.id, family: op.family, ms: ms[i] })) };
  }

  /** Instrumented run: per-op, per-pass workgroup byte counts (tests hold them to the plans). */
  async runInstrumented(ops: ForwardOp[]): Promise<PassStats[][]> {
    await this.run(ops, { instrument: true, readToken: false });
    const result: PassStats[][] = [];
    for (const op of ops) result.push(await (await this.compile(op, true)).readStats(op.plan));
    return result;
  }

  async readBuffer(src: GPUBuffer | string, bytes: number): Promise<ArrayBuffer> {
    return readBuffer(this.ctx, typeof src === 'string' ? this.buffers.get(src)! : src, bytes);
  }

  /** The last step's logits [V]. */
  async logits(): Promise<Float32Array> {
    return new Float32Array(await this.readBuffer('logits', 4 * this.config.vocabSize));
  }

  destroy(): void {
    for (const b of this.buffers.values()) b.destroy();
    this.compiled.destroy();
    this.sharedStats?.destroy();
    this.readback?.destroy();
    this.buffers.clear();
  }
}
