// A model resident on the GPU: weights uploaded once (one layer at a time from the file), a KV
// cache of `capacity` positions, activation buffers, and a runner for the op lists of
// src/models/forward.ts. Every dispatch is a registered kernel's pass with the Plan's grid, overrides
// and uniforms; nothing here computes on the host but the sampling draw.

import type { GpuContext } from '../gpu/context.ts';
import { getPipeline, uniformBytes, STATS_BINDING, UNIFORM_BINDING, type PassStats } from '../gpu/runner.ts';
import { tileCount, type Pass } from '../kernels/plan.ts';
import { packRows, quantizeRows } from '../kernels/quant.ts';
import { buildForwardOps, embedBuf, ggufBuf, headBuf, layerBuf, vocabRanges, vocabSplit, type ForwardOp, type GgmlPart, type StepShape, type VocabSplit } from '../models/forward.ts';
import { ggufWeightBytes, ggufWords, isHalfFormat } from '../kernels/matmul-gguf.ts';
import { ropeTable, type ModelConfig } from './config.ts';
import type { Linear, OpenedModel } from './weights.ts';
import { ggmlRows, linearF32, linearRows, weightsLabel } from './weights.ts';

/** Prefill chunk the Model tab and the CLI load with: activations for 512 tokens, longer prompts in chunks. */
export const PREFILL_CHUNK = 512;

export class ModelTooLargeError extends Error {
  override name = 'ModelTooLargeError';
}

export interface GpuModelOptions {
  /** int8 weights (quantized on load; GGUF Q8_0 used as is) through matmul-int8 and qkv fused-w8 | gemv-w8. */
  int8: boolean;
  /**
   * Widen f16 / bf16 linears to f32 on load (the path before 16-bit weights were kept as stored; for comparison).
   * int8 quantizes them as it does f32 weights. ggml's 4- to 6-bit blocks stay as stored either way.
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

interface Compiled {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  uniform: GPUBuffer | null;
  stats: GPUBuffer | null;
}

const GiB = 1 << 30;
const fmtBytes = (b: number) => (b >= GiB ? `${(b / GiB).toFixed(2)} GiB` : `${(b / (1 << 20)).toFixed(1)} MiB`);

/** Transposes a [N, K] row-major matrix to [K, N]. */
function transpose(w: Float32Array, N: number, K: number): Float32Array {
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) out[k * N + n] = w[n * K + k];
  return out;
}

export class GpuModel {
  private readonly buffers = new Map<string, GPUBuffer>();
  private readonly compiled = new Map<string, Compiled>();
  private readonly sharedStats: GPUBuffer;
  private readonly readback: GPUBuffer;
  /** Weights quantized per group of 32 (Q8_0) by buffer name. */
  readonly q8Groups: Record<string, number> = {};
  /** Weights kept as GGUF ggml blocks (OpenedModel.ggml), by buffer name. */
  private ggml: Record<string, GgmlPart[]> = {};
  /** Bytes held on the GPU (weights + cache + activations). */
  gpuBytes = 0;
  /** Bytes of the weight buffers alone (embedding, norms, linears as they run), from the buffers' sizes. */
  weightBytes = 0;
  /** The buffers holding weights (all but the KV cache, the RoPE table, a dummy and activations). */
  private weightNames: string[] = [];
  /** What the weights run as, in one phrase (weightsLabel). */
  weightFormat = '';
  /** Next position to fill in the KV cache. */
  pos = 0;
  /** The vocabulary's parts: embedding rows and LM-head columns per buffer. */
  split: VocabSplit = { embedRows: 1, headCols: 1 };

  private constructor(
    readonly ctx: GpuContext,
    readonly config: ModelConfig,
    readonly opts: GpuModelOptions,
  ) {
    this.sharedStats = ctx.device.createBuffer({ label: 'stats (unused)', size: 16, usage: GPUBufferUsage.STORAGE });
    this.readback = ctx.device.createBuffer({ label: 'sampled token readback', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** Step shape for a phase (the settings of sampling included). */
  shape(phase: 'prefill' | 'decode', M: number, pos0: number, sampling = { topK: 1, temperature: 0, u: 0 }): StepShape {
    const int8Variant = this.ctx.hasLanguageFeature('packed_4x8_integer_dot_product') ? 'dot4' : 'unpacked';
    return { phase, M, pos0, capacity: this.opts.capacity, int8: this.opts.int8, int8Variant, q8Groups: this.q8Groups, ggml: this.ggml, split: this.split, ...sampling };
  }

  ops(phase: 'prefill' | 'decode', M: number, pos0: number, sampling?: { topK: number; temperature: number; u: number }): ForwardOp[] {
    return buildForwardOps(this.config, this.shape(phase, M, pos0, sampling));
  }

  /**
   * Checks the device's limits for every buffer, then uploads the model. The check comes first:
   * nothing is allocated for a model that cannot fit.
   */
  static async load(ctx: GpuContext, m: OpenedModel, opts: GpuModelOptions): Promise<GpuModel> {
    const c = m.config;
    if (opts.capacity > c.maxPositions) throw new ModelTooLargeError(`context ${opts.capacity} exceeds the model's ${c.maxPositions} positions`);
    if (!Number.isInteger(opts.chunk) || opts.chunk < 1 || opts.chunk > opts.capacity) throw new ModelTooLargeError(`a prefill chunk of ${opts.chunk} tokens must be a whole number in [1, ${opts.capacity}] (the context)`);
    const model = new GpuModel(ctx, c, opts);
    // f16 / bf16 linears run as stored unless f32 (or int8) weights were asked for
    const widen = opts.f32Weights === true || opts.int8;
    model.ggml = Object.fromEntries(Object.entries(m.ggml ?? {}).filter(([, parts]) => !(widen && parts.some((p) => isHalfFormat(p.format)))));
    model.weightFormat = weightsLabel(m, opts.int8, model.ggml);
    const L = ctx.report.limits;
    const limit = Math.min(L.maxStorageBufferBindingSize, L.maxBufferSize, opts.maxBindingBytes ?? Infinity);
    // the embedding and the LM head are split into parts that fit a binding (and the matmul's N limit)
    const q8Head = m.weightDtype === 'q8_0' && opts.int8 && !c.tiedEmbeddings;
    const headColBytes = opts.int8 ? Math.max(4 * Math.ceil(c.dim / 4), q8Head ? c.dim / 8 : 4) : 4 * c.dim;
    try {
      model.split = vocabSplit(c, { bindingBytes: limit, headColBytes, offsetAlign: L.minStorageBufferOffsetAlignment ?? 256 });
    } catch (e) {
      throw new ModelTooLargeError(`${m.name}: ${(e as Error).message}`);
    }
    // a head kept as ggml blocks (one format) splits like the others: each part its rows' blocks
    const gHead = model.ggml.lmHead;
    const headParts = vocabRanges(c.vocabSize, model.split.headCols);
    if (gHead && headParts.length > 1) {
      if (gHead.length !== 1) throw new ModelTooLargeError(`${m.name}: an LM head of ${gHead.length} ggml parts cannot be split across bindings`);
      delete model.ggml.lmHead;
      headParts.forEach(({ n }, i) => (model.ggml[headBuf(i, headParts.length)] = [{ format: gHead[0].format, N: n }]));
    }
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
    for (const [name, bytes] of sizes) model.alloc(name, bytes);
    model.gpuBytes = total;
    model.weightBytes = model.weightNames.reduce((s, n) => s + model.buffers.get(n)!.size, 0);
    await model.upload(m);
    return model;
  }

  /** Every buffer's size in bytes, from the config and the op lists (no allocation). */
  private bufferSizes(m: OpenedModel): Map<string, number> {
    const c = this.config, D = c.dim, F = c.ffnDim, dh = c.headDim, N = (c.nHeads + 2 * c.nKvHeads) * dh, Nq = c.nHeads * dh, C = this.opts.capacity;
    const sizes = new Map<string, number>();
    const set = (name: string, bytes: number) => sizes.set(name, Math.max(sizes.get(name) ?? 0, Math.ceil(bytes / 4) * 4));
    const gg = (name: string, K: number) => this.ggml[name]?.forEach((p, i) => set(ggufBuf(name, i), ggufWeightBytes(p.format, p.N, K).bufferBytes));
    const lin = (name: string, Nout: number, K: number, q8: boolean) => {
      if (this.ggml[name]) gg(name, K);
      else if (!this.opts.int8) set(name, 4 * Nout * K);
      else {
        set(`${name}.q`, 4 * Nout * Math.ceil(K / 4));
        set(`${name}.scale`, 4 * Nout * (q8 ? K / 32 : 1));
      }
    };
    // Q8_0 weights keep their blocks' scales: room for one per 32 along K (more than one per column)
    const q8 = m.weightDtype === 'q8_0' && this.opts.int8;
    const embedParts = vocabRanges(c.vocabSize, this.split.embedRows);
    embedParts.forEach(({ n }, i) => set(embedBuf(i, embedParts.length), 4 * n * D));
    if (c.positions.kind === 'learned') set('posEmb', 4 * c.maxPositions * D);
    set('outNorm', 4 * D);
    if (c.norm === 'layernorm') set('outNormB', 4 * D);
    const headParts = vocabRanges(c.vocabSize, this.split.headCols);
    headParts.forEach(({ n }, i) => lin(headBuf(i, headParts.length), n, D, q8 && !c.tiedEmbeddings));
    set('ropeTable', 4 * C * dh);
    set('dummy', 16);
    for (let l = 0; l < c.nLayers; l++) {
      const L = (w: string) => layerBuf(l, w);
      set(L('attnNorm'), 4 * D);
      set(L('ffnNorm'), 4 * D);
      if (c.norm === 'layernorm') { set(L('attnNormB'), 4 * D); set(L('ffnNormB'), 4 * D); }
      if (c.projBias) { set(L('bo'), 4 * D); set(L('bUp'), 4 * F); set(L('bDown'), 4 * D); }
      if (c.qkvBias) set(L('bqkv'), 4 * N);
      if (this.ggml[L('wqkv')]) gg(L('wqkv'), D);
      else if (this.opts.int8) { set(L('wqkv.q'), 4 * N * Math.ceil(D / 4)); set(L('wqkv.scale'), 4 * N); } else set(L('wqkv'), 4 * D * N);
      lin(L('wo'), D, Nq, q8);
      lin(L('wUp'), c.mlp === 'swiglu' ? 2 * F : F, D, q8);
      lin(L('wDown'), D, F, q8);
      set(L('kcache'), 4 * c.nKvHeads * C * dh);
      set(L('vcache'), 4 * c.nKvHeads * C * dh);
    }
    // activations and scratch: the largest use over a full prefill and a decode step at the end of the cache
    const weights = new Set(sizes.keys());
    this.weightNames = [...weights].filter((n) => !/cache$/.test(n) && n !== 'ropeTable' && n !== 'dummy');
    for (const ops of [this.ops('prefill', this.opts.chunk, 0, { topK: 64, temperature: 1, u: 0 }), this.ops('decode', 1, C - 1, { topK: 64, temperature: 1, u: 0 })]) {
      for (const op of ops) for (const t of op.plan.tensors) {
        const b = op.bind[t.name];
        if (b && !weights.has(b)) set(b, (op.offsets?.[t.name] ?? 0) + t.bytes);
      }
    }
    return sizes;
  }

  private alloc(name: string, bytes: number): void {
    const b = this.ctx.device.createBuffer({ label: name, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    this.buffers.set(name, b);
  }

  private write(name: string, a: Float32Array | Uint32Array): void {
    const b = this.buffers.get(name);
    if (!b) throw new Error(`no GPU buffer ${name}`);
    this.ctx.device.queue.writeBuffer(b, 0, new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength));
  }

  /** Writes a linear [N, K] in the layout its kernel reads. */
  private writeLinear(name: string, l: Linear, forQkv = false): void {
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
    if (l.kind === 'q8' && !forQkv) {
      // GGUF Q8_0 as is: rows of int8 along K, one scale per 32 (the matmul-int8 group layout)
      this.write(`${name}.q`, packRows(l.q, l.N, l.K));
      this.write(`${name}.scale`, l.scale);
      this.q8Groups[name] = l.group;
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
    embedParts.forEach(({ v0, n }, i) => this.write(embedBuf(i, embedParts.length), g.tokEmb.subarray(v0 * D, (v0 + n) * D)));
    if (g.posEmb) this.write('posEmb', g.posEmb);
    this.write('outNorm', g.outNorm);
    if (g.outNormB) this.write('outNormB', g.outNormB);
    const headParts = vocabRanges(c.vocabSize, this.split.headCols);
    headParts.forEach(({ v0, n }, i) => this.writeLinear(headBuf(i, headParts.length), headParts.length === 1 ? g.lmHead : linearRows(g.lmHead, v0, n)));
    if (c.positions.kind === 'rope') this.write('ropeTable', ropeTable(c, this.opts.capacity));
    this.opts.onProgress?.('uploading weights', 1, total);
    for (let l = 0; l < c.nLayers; l++) {
      const w = await m.loadLayer(l);
      const L = (x: string) => layerBuf(l, x);
      this.write(L('attnNorm'), w.attnNorm);
      this.write(L('ffnNorm'), w.ffnNorm);
      if (w.attnNormB) this.write(L('attnNormB'), w.attnNormB);
      if (w.ffnNormB) this.write(L('ffnNormB'), w.ffnNormB);
      if (w.bqkv) this.write(L('bqkv'), w.bqkv);
      if (w.bo) this.write(L('bo'), w.bo);
      if (w.bUp) this.write(L('bUp'), w.bUp);
      if (w.bDown) this.write(L('bDown'), w.bDown);
      this.writeLinear(L('wqkv'), w.wqkv, true);
      this.writeLinear(L('wo'), w.wo);
      this.writeLinear(L('wUp'), w.wUp);
      this.writeLinear(L('wDown'), w.wDown);
      // let the queue drain so host copies of this layer can be collected before the next
      await this.ctx.device.queue.onSubmittedWorkDone();
      this.opts.onProgress?.('uploading weights', l + 2, total);
    }
  }

  private async compile(op: ForwardOp, p: Pass, i: number, instrument: boolean): Promise<Compiled> {
    // the bound buffers are part of the key: a later prefill chunk's attention reads the cache, the first its own K/V
    const key = `${op.id}#${i}:${p.shader}:${JSON.stringify(p.overrides)}:${JSON.stringify(op.bind)}:${instrument ? tileCount(p) : ''}`;
    const hit = this.compiled.get(key);
    if (hit) return hit;
    const { device } = this.ctx;
    const pipeline = await getPipeline(this.ctx, p, instrument);
    const uniform = p.uniforms.length ? device.createBuffer({ label: `${op.id} uniforms`, size: uniformBytes(p).byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }) : null;
    const stats = instrument ? device.createBuffer({ label: `${op.id} stats`, size: 16 + 32 * tileCount(p), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }) : null;
    const entries: GPUBindGroupEntry[] = p.bindings.map((b) => {
      const name = op.bind[b.tensor];
      const buf = name === undefined ? undefined : this.buffers.get(name);
      if (!buf) throw new Error(`${op.id}: tensor ${b.tensor} is bound to ${name ?? 'nothing'}, which has no GPU buffer`);
      const offset = op.offsets?.[b.tensor];
      if (offset === undefined) return { binding: b.binding, resource: { buffer: buf } };
      const t = op.plan.tensors.find((x) => x.name === b.tensor)!;
      return { binding: b.binding, resource: { buffer: buf, offset, size: Math.ceil(t.bytes / 4) * 4 } };
    });
    entries.push({ binding: STATS_BINDING, resource: { buffer: stats ?? this.sharedStats } });
    if (uniform) entries.push({ binding: UNIFORM_BINDING, resource: { buffer: uniform } });
    const bindGroup = device.createBindGroup({ label: op.id, layout: pipeline.getBindGroupLayout(0), entries });
    const c: Compiled = { pipeline, bindGroup, uniform, stats };
    this.compiled.set(key, c);
    return c;
  }

  /** Compiles every pipeline an op list needs (first use of a shape), so timed runs compile nothing. */
  async prepare(ops: ForwardOp[], instrument = false): Promise<void> {
    for (const op of ops) for (let i = 0; i < op.plan.passes.length; i++) await this.compile(op, op.plan.passes[i], i, instrument);
  }

  private async encode(ops: ForwardOp[], enc: GPUCommandEncoder, opts: { instrument?: boolean; query?: GPUQuerySet; queryBase?: number } = {}): Promise<void> {
    const { device } = this.ctx;
    let cp: GPUComputePassEncoder | null = null;
    for (let o = 0; o < ops.length; o++) {
      const op = ops[o];
      if (opts.query) {
        cp = enc.beginComputePass({ timestampWrites: { querySet: opts.query, beginningOfPassWriteIndex: 2 * ((opts.queryBase ?? 0) + o), endOfPassWriteIndex: 2 * ((opts.queryBase ?? 0) + o) + 1 } });
      } else cp ??= enc.beginComputePass();
      for (let i = 0; i < op.plan.passes.length; i++) {
        const p = op.plan.passes[i];
        const c = await this.compile(op, p, i, opts.instrument ?? false);
        if (c.uniform) device.queue.writeBuffer(c.uniform, 0, new Uint8Array(uniformBytes(p)));
        if (c.stats) device.queue.writeBuffer(c.stats, 0, new Uint8Array(16 + 32 * tileCount(p)));
        cp.setPipeline(c.pipeline);
        cp.setBindGroup(0, c.bindGroup);
        cp.dispatchWorkgroups(p.grid[0], p.grid[1], p.grid[2]);
      }
      if (opts.query) { cp.end(); cp = null; }
    }
    cp?.end();
  }

  /**
   * Runs ops (one submission) and returns the sampled token. With `query`, each op is its own
   * timed compute pass. A validation error names the op list's phase.
   */
  async run(ops: ForwardOp[], opts: { instrument?: boolean; readToken?: boolean } = {}): Promise<number> {
    const { device } = this.ctx;
    device.pushErrorScope('validation');
    const enc = device.createCommandEncoder();
    await this.encode(ops, enc, opts);
    const readToken = opts.readToken ?? ops.some((o) => o.family === 'sample');
    if (readToken) enc.copyBufferToBuffer(this.buffers.get('sampled')!, 0, this.readback, 0, 4);
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    if (err) throw new Error(`decode loop: ${err.message}`);
    if (!readToken) {
      await device.queue.onSubmittedWorkDone();
      return -1;
    }
    await this.readback.mapAsync(GPUMapMode.READ);
    const tok = new Uint32Array(this.readback.getMappedRange(0, 4))[0];
    this.readback.unmap();
    return tok;
  }

  /** Writes the token ids of a step. */
  setTokens(ids: readonly number[]): void {
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) throw new Error(`token id ${id} is outside the vocabulary [0, ${this.config.vocabSize})`);
    this.write('ids', Uint32Array.from(ids));
  }

  /**
   * Times each op of a list on the GPU, after a warm-up run: timestamp queries around each op's compute pass where the
   * adapter has them, else wall time around each op's own submission (labelled).
   */
  async timeOps(ops: ForwardOp[]): Promise<{ timer: 'timestamp-query' | 'wall'; ops: OpTiming[] }> {
    const { device } = this.ctx;
    await this.prepare(ops);
    // one untimed run first: the profile is of warm pipelines and buffers, not of their first use
    await this.run(ops, { readToken: false });
    if (this.ctx.hasFeature('timestamp-query')) {
      const query = device.createQuerySet({ type: 'timestamp', count: 2 * ops.length });
      const resolve = device.createBuffer({ size: 16 * ops.length, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      const read = device.createBuffer({ size: 16 * ops.length, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const enc = device.createCommandEncoder();
      await this.encode(ops, enc, { query });
      enc.resolveQuerySet(query, 0, 2 * ops.length, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, read, 0, 16 * ops.length);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const t = new BigInt64Array(read.getMappedRange().slice(0));
      read.unmap();
      query.destroy(); resolve.destroy(); read.destroy();
      return { timer: 'timestamp-query', ops: ops.map((op, i) => ({ id: op.id, family: op.family, ms: Math.max(0, Number(t[2 * i + 1] - t[2 * i])) / 1e6 })) };
    }
    const out: OpTiming[] = [];
    for (const op of ops) {
      const t0 = performance.now();
      await this.run([op], { readToken: false });
      out.push({ id: op.id, family: op.family, ms: performance.now() - t0 });
    }
    return { timer: 'wall', ops: out };
  }

  /** Instrumented run: per-op, per-pass workgroup byte counts (tests hold them to the plans). */
  async runInstrumented(ops: ForwardOp[]): Promise<PassStats[][]> {
    await this.run(ops, { instrument: true, readToken: false });
    const result: PassStats[][] = [];
    for (const op of ops) {
      const perPass: PassStats[] = [];
      for (let i = 0; i < op.plan.passes.length; i++) {
        const p = op.plan.passes[i];
        const c = await this.compile(op, p, i, true);
        const n = tileCount(p);
        const raw = new Uint32Array(await this.readBuffer(c.stats!, 16 + 32 * n));
        const s: PassStats = { label: p.label, loadBytes: new Uint32Array(n), storeBytes: new Uint32Array(n), startOrder: new Uint32Array(n), finishOrder: new Uint32Array(n) };
        for (let w = 0; w < n; w++) { s.loadBytes[w] = raw[4 + 8 * w]; s.storeBytes[w] = raw[5 + 8 * w]; s.startOrder[w] = raw[6 + 8 * w]; s.finishOrder[w] = raw[7 + 8 * w]; }
        perPass.push(s);
      }
      result.push(perPass);
    }
    return result;
  }

  async readBuffer(src: GPUBuffer | string, bytes: number): Promise<ArrayBuffer> {
    const { device } = this.ctx;
    const b = typeof src === 'string' ? this.buffers.get(src)! : src;
    const staging = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(b, 0, staging, 0, Math.ceil(bytes / 4) * 4);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    return out;
  }

  /** The last step's logits [V]. */
  async logits(): Promise<Float32Array> {
    return new Float32Array(await this.readBuffer('logits', 4 * this.config.vocabSize));
  }

  destroy(): void {
    for (const b of this.buffers.values()) b.destroy();
    for (const c of this.compiled.values()) { c.uniform?.destroy(); c.stats?.destroy(); }
    this.sharedStats.destroy();
    this.readback.destroy();
    this.buffers.clear();
    this.compiled.clear();
  }
}
