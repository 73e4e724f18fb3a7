// Runs a Plan's passes on a GPU: allocates and uploads tensors, builds pipelines with the
// plan's `override` constants, dispatches, reads outputs and (instrumented) per-workgroup stats.
//
// Instrumentation contract, shared by every shader in shaders/:
//   override INSTRUMENT: bool = false;
//   @group(0) @binding(15) var<storage, read_write> stats: array<atomic<u32>>;
//   stats[0] = start counter, stats[1] = finish counter, stats[2..3] unused; then per workgroup
//   wg = wid.x + wid.y*nwg.x + wid.z*nwg.x*nwg.y a record of 8 u32 at 4 + 8*wg:
//   [bytes loaded from global memory, bytes stored, start order, finish order,
//    invocations arrived, invocations departed, -, -].
// The first invocation to arrive takes the start order; the last to depart takes the finish
// order. No barrier is needed (SwiftShader aborts on a workgroupBarrier under an override
// branch), so every invocation must reach the end of the kernel: no early return.
// The stats buffer is always bound (it is statically used); it is 16 bytes when not instrumented.

import type { GpuContext } from './context.ts';
import { WgslIncludeError } from './wgsl-include.ts';
import type { Immutables, Pass, Plan, TensorSpec } from '../kernels/plan.ts';
import { tileCount } from '../kernels/plan.ts';
import type { HostArray, Tensors } from '../kernels/kernel.ts';
import { KernelInputError, UnsupportedOnDevice } from '../kernels/kernel.ts';

const STATS_BINDING = 15;
const UNIFORM_BINDING = 14;

export interface PassStats {
  label: string;
  /** Per workgroup, flat-indexed. */
  loadBytes: Uint32Array;
  storeBytes: Uint32Array;
  startOrder: Uint32Array;
  finishOrder: Uint32Array;
}

export interface PreparedPlan {
  plan: Plan;
  instrumented: boolean;
  /** Records all passes' dispatches into an open compute pass. */
  encodeDispatches(pass: GPUComputePassEncoder): void;
  /** Submits one run of all passes (own compute pass) and waits for it. */
  run(): Promise<void>;
  readOutputs(): Promise<Tensors>;
  readStats(): Promise<PassStats[]>;
  /** Re-uploads inputs (e.g. after editing) without rebuilding pipelines. */
  writeInputs(inputs: Tensors): void;
  destroy(): void;
}

/** Checks a plan against the device's limits before anything is allocated. */
export function checkLimits(ctx: GpuContext, plan: Plan): void {
  const L = ctx.report.limits;
  for (const t of plan.tensors) {
    if (t.bytes > L.maxStorageBufferBindingSize || t.bytes > L.maxBufferSize) {
      throw new UnsupportedOnDevice(
        `tensor ${t.name} needs ${t.bytes} bytes; this device allows at most ` +
          `${Math.min(L.maxStorageBufferBindingSize, L.maxBufferSize)} bytes per storage buffer (maxStorageBufferBindingSize)`,
        'maxStorageBufferBindingSize',
      );
    }
  }
  for (const p of plan.passes) {
    const [x, y, z] = p.workgroupSize;
    if (x * y * z > L.maxComputeInvocationsPerWorkgroup) {
      throw new UnsupportedOnDevice(
        `${p.label}: workgroup of ${x * y * z} invocations exceeds this device's maxComputeInvocationsPerWorkgroup = ${L.maxComputeInvocationsPerWorkgroup}; choose smaller tiles`,
        'maxComputeInvocationsPerWorkgroup',
      );
    }
    if (x > L.maxComputeWorkgroupSizeX || y > L.maxComputeWorkgroupSizeY || z > L.maxComputeWorkgroupSizeZ) {
      throw new UnsupportedOnDevice(
        `${p.label}: workgroup size ${x}x${y}x${z} exceeds this device's per-axis limits (maxComputeWorkgroupSizeX/Y/Z = ${L.maxComputeWorkgroupSizeX}/${L.maxComputeWorkgroupSizeY}/${L.maxComputeWorkgroupSizeZ})`,
        'maxComputeWorkgroupSize',
      );
    }
    if (p.workgroupBytes > L.maxComputeWorkgroupStorageSize) {
      throw new UnsupportedOnDevice(
        `${p.label}: tiles need ${p.workgroupBytes} bytes of workgroup memory; this device's maxComputeWorkgroupStorageSize is ${L.maxComputeWorkgroupStorageSize}; choose smaller tiles`,
        'maxComputeWorkgroupStorageSize',
      );
    }
    for (const g of p.grid) {
      if (g > L.maxComputeWorkgroupsPerDimension) {
        throw new UnsupportedOnDevice(
          `${p.label}: ${g} workgroups along one axis exceeds this device's maxComputeWorkgroupsPerDimension = ${L.maxComputeWorkgroupsPerDimension}; the problem is too large`,
          'maxComputeWorkgroupsPerDimension',
        );
      }
    }
  }
  for (const f of plan.requiredFeatures) {
    if (!ctx.hasFeature(f)) throw new UnsupportedOnDevice(`variant ${plan.variant} needs the adapter feature "${f}", which this device lacks`, f);
  }
  for (const f of plan.requiredLanguageFeatures) {
    if (!ctx.hasLanguageFeature(f)) {
      throw new UnsupportedOnDevice(`variant ${plan.variant} needs the WGSL language feature "${f}", which this browser lacks`, f);
    }
  }
}

function pipelineKey(p: Pass, instrument: boolean): string {
  return `${p.shader}:${p.entryPoint}:${JSON.stringify(p.overrides)}:${instrument}`;
}

/** Compiles (or reuses) the pipeline for a pass; compilation errors carry line numbers. */
async function getPipeline(ctx: GpuContext, p: Pass, instrument: boolean, codeOverride?: string): Promise<GPUComputePipeline> {
  const key = codeOverride === undefined ? pipelineKey(p, instrument) : null;
  if (key) {
    const hit = ctx.pipelineCache.get(key);
    if (hit) return hit;
  }
  const make = (async () => {
    const code = codeOverride === undefined ? ctx.shaderSource(p.shader) : editedSource(ctx, p.shader, codeOverride);
    const constants: Record<string, number> = {};
    for (const [k, v] of Object.entries(p.overrides)) constants[k] = typeof v === 'boolean' ? Number(v) : v;
    constants.INSTRUMENT = instrument ? 1 : 0;
    const module = ctx.device.createShaderModule({ code, label: p.shader });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) throw new ShaderCompileError(p.shader, errors.map((m) => ({ line: m.lineNum, column: m.linePos, message: m.message })));
    ctx.device.pushErrorScope('validation');
    const pipeline = await ctx.device
      .createComputePipelineAsync({ layout: 'auto', label: p.label, compute: { module, entryPoint: p.entryPoint, constants } })
      .catch((e: unknown) => {
        throw new ShaderCompileError(p.shader, [{ line: 0, column: 0, message: `pipeline creation failed: ${(e as Error).message}` }]);
      });
    const err = await ctx.device.popErrorScope();
    if (err) throw new ShaderCompileError(p.shader, [{ line: 0, column: 0, message: err.message }]);
    return pipeline;
  })();
  if (key) {
    ctx.pipelineCache.set(key, make);
    make.catch(() => ctx.pipelineCache.delete(key));
  }
  return make;
}

/** An edited shader's text with its includes resolved; a bad include is reported as a compile error on its line. */
function editedSource(ctx: GpuContext, shader: string, text: string): string {
  try {
    return ctx.resolveIncludes(text, shader);
  } catch (e) {
    if (e instanceof WgslIncludeError) throw new ShaderCompileError(shader, [{ line: e.line, column: 1, message: e.message }]);
    throw e;
  }
}

export interface CompileMessage {
  line: number;
  column: number;
  message: string;
}

export class ShaderCompileError extends Error {
  override name = 'ShaderCompileError';
  constructor(
    readonly shader: string,
    readonly messages: CompileMessage[],
  ) {
    super(`${shader}.wgsl failed to compile:\n` + messages.map((m) => `  line ${m.line}:${m.column}: ${m.message}`).join('\n'));
  }
}

/** The pass's uniform struct as bytes (one 4-byte scalar per field, padded to 16). */
export function uniformBytes(p: Pass): ArrayBuffer {
  const buf = new ArrayBuffer(uniformLength(p));
  writeUniforms(p, new DataView(buf));
  return buf;
}

/** Bytes of the pass's uniform struct (uniformBytes' length). */
const uniformLength = (p: Pass): number => 4 * Math.max(4, Math.ceil(p.uniforms.length / 4) * 4);

/** Writes the pass's uniforms at the start of `dv` (uniformBytes' layout; the padding is left as it is). */
function writeUniforms(p: Pass, dv: DataView): void {
  for (let i = 0; i < p.uniforms.length; i++) {
    const u = p.uniforms[i][1];
    if (u.type === 'f32') dv.setFloat32(i * 4, u.value, true);
    else if (u.type === 'i32') dv.setInt32(i * 4, u.value, true);
    else dv.setUint32(i * 4, u.value, true);
  }
}

/** encodePass's scratch for a pass's uniform bytes, compared with the bytes last written (grown as needed; zero padding). */
let scratch = new Uint8Array(256);
let scratchView = new DataView(scratch.buffer);

function asBytes(a: HostArray): Uint8Array<ArrayBuffer> {
  return new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);
}

function hostArrayFor(spec: TensorSpec, bytes: ArrayBuffer): HostArray {
  switch (spec.dtype) {
    case 'f32':
      return new Float32Array(bytes);
    case 'i32':
      return new Int32Array(bytes);
    case 'u32':
    case 'i8x4':
      return new Uint32Array(bytes);
    case 'f16':
      return new Uint16Array(bytes);
    case 'i8':
      return new Int8Array(bytes);
  }
}

export interface PrepareOptions {
  instrument?: boolean;
  /** Replaces a shader's source (the playground's WGSL editor), keyed by shader name. */
  shaderOverrides?: Record<string, string>;
}

/**
 * One pass bound to buffers: its pipeline (with the plan's override constants), bind group, uniform
 * buffer (when the pass has uniforms) and stats buffer. The one dispatch path for a single plan
 * (preparePlan) and for an op list over persistent buffers (bindPlan, used by src/llm/gpu-model.ts).
 */
export interface BoundPass {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  uniform: GPUBuffer | null;
  /** The bytes last written to `uniform` (encodePass rewrites it only when a later step's differ). */
  uniformBytes: Uint8Array<ArrayBuffer> | null;
  /**
   * The pass those bytes are of, when the Immutables the pass was bound or encoded with hold it (it never
   * changes: a decode loop's pass, src/models/forward.ts DecodeOpsCache.immutable): encoding the same pass
   * object again skips re-serializing them.
   */
  uniformPass: Pass | null;
  /** Sized for the pass's workgroups when instrumented; else a 16-byte buffer (possibly shared). */
  stats: GPUBuffer;
  /** The buffers this pass created (uniform; stats unless shared). */
  owned: GPUBuffer[];
}

/** Where a plan tensor lives: a buffer, and for a slice of a caller-owned buffer its byte offset. */
interface TensorBinding {
  buffer: GPUBuffer;
  /** Byte offset into `buffer`; the binding then covers `bytes` (the tensor's, padded to 4). */
  offset?: number;
  bytes?: number;
}

function statsBytes(p: Pass, instrument: boolean): number {
  return instrument ? 16 + 32 * tileCount(p) : 16;
}

/** Builds a pass's pipeline, uniforms, stats buffer and bind group over the given tensor buffers. */
async function bindPass(
  ctx: GpuContext,
  p: Pass,
  tensors: (name: string) => TensorBinding,
  opts: { instrument: boolean; label?: string; codeOverride?: string; sharedStats?: GPUBuffer; immutable?: Immutables },
): Promise<BoundPass> {
  const { device } = ctx;
  const label = opts.label ?? p.label;
  const pipeline = await getPipeline(ctx, p, opts.instrument, opts.codeOverride);
  const owned: GPUBuffer[] = [];
  let uniform: GPUBuffer | null = null;
  let ubytes: Uint8Array<ArrayBuffer> | null = null;
  if (p.uniforms.length > 0) {
    ubytes = new Uint8Array(uniformBytes(p));
    uniform = device.createBuffer({ label: `${label} uniforms`, size: ubytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uniform, 0, ubytes);
    owned.push(uniform);
  }
  let stats = opts.instrument ? undefined : opts.sharedStats;
  if (!stats) {
    stats = device.createBuffer({ label: `${label} stats`, size: statsBytes(p, opts.instrument), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    owned.push(stats);
  }
  const entries: GPUBindGroupEntry[] = p.bindings.map((b) => {
    const t = tensors(b.tensor);
    if (t.offset === undefined) return { binding: b.binding, resource: { buffer: t.buffer } };
    return { binding: b.binding, resource: { buffer: t.buffer, offset: t.offset, size: Math.ceil((t.bytes ?? 0) / 4) * 4 } };
  });
  entries.push({ binding: STATS_BINDING, resource: { buffer: stats } });
  if (uniform) entries.push({ binding: UNIFORM_BINDING, resource: { buffer: uniform } });
  device.pushErrorScope('validation');
  const bindGroup = device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
  const err = await device.popErrorScope();
  if (err) {
    for (const b of owned) b.destroy();
    throw new Error(`${p.shader}: bind group does not match the shader: ${err.message}`);
  }
  return { pipeline, bindGroup, uniform, uniformBytes: ubytes, uniformPass: opts.immutable?.has(p) ? p : null, stats, owned };
}

/**
 * Records one pass's dispatch. With `refresh`, first rewrites its uniforms from `p` where they differ
 * from the bytes last written (a decode step's positions; most ops' uniforms stay the same from token to
 * token) and zeroes its stats when instrumented: a bound pass reused for a later step of the same shape.
 * `refresh.immutable`: passes that never change (Immutables): the one whose bytes were last written is not
 * serialized again. The comparison serializes into a scratch and writes in place: nothing is allocated.
 */
export function encodePass(ctx: GpuContext, cp: GPUComputePassEncoder, p: Pass, b: BoundPass, refresh: { uniforms: boolean; stats: boolean; immutable?: Immutables }): void {
  if (refresh.uniforms && b.uniform && p !== b.uniformPass) {
    const n = uniformLength(p);
    if (scratch.length < n) {
      scratch = new Uint8Array(n);
      scratchView = new DataView(scratch.buffer);
    }
    scratch.fill(0, 0, n);
    writeUniforms(p, scratchView);
    if (!sameBytes(scratch, n, b.uniformBytes)) {
      // the bytes last written, updated in place (writeBuffer copies them when called)
      if (b.uniformBytes?.length !== n) b.uniformBytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) b.uniformBytes[i] = scratch[i];
      ctx.device.queue.writeBuffer(b.uniform, 0, b.uniformBytes);
    }
    b.uniformPass = refresh.immutable?.has(p) ? p : null;
  }
  if (refresh.stats) ctx.device.queue.writeBuffer(b.stats, 0, new Uint8Array(b.stats.size));
  cp.setPipeline(b.pipeline);
  cp.setBindGroup(0, b.bindGroup);
  cp.dispatchWorkgroups(p.grid[0], p.grid[1], p.grid[2]);
}

/** The first n bytes of a equal b (of length n). */
function sameBytes(a: Uint8Array, n: number, b: Uint8Array | null): boolean {
  if (!b || b.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copies `bytes` of a buffer to the host (one staging buffer, mapped once). */
export async function readBuffer(ctx: GpuContext, src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const { device } = ctx;
  const size = Math.ceil(bytes / 4) * 4;
  const staging = device.createBuffer({ size: Math.max(16, size), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return copy;
}

/** Reads and decodes an instrumented pass's stats buffer (the contract at the top of this file). */
async function readPassStats(ctx: GpuContext, p: Pass, b: BoundPass): Promise<PassStats> {
  const n = tileCount(p);
  const raw = new Uint32Array(await readBuffer(ctx, b.stats, 16 + 32 * n));
  const s: PassStats = { label: p.label, loadBytes: new Uint32Array(n), storeBytes: new Uint32Array(n), startOrder: new Uint32Array(n), finishOrder: new Uint32Array(n) };
  for (let w = 0; w < n; w++) {
    s.loadBytes[w] = raw[4 + 8 * w];
    s.storeBytes[w] = raw[5 + 8 * w];
    s.startOrder[w] = raw[6 + 8 * w];
    s.finishOrder[w] = raw[7 + 8 * w];
  }
  return s;
}

/**
 * A plan bound to caller-owned, persistent buffers (an op of a model's op list: weights, KV cache and
 * activations live across steps). Allocates only its passes' uniforms and stats; the caller checks the
 * plan's limits (checkLimits) before allocating the buffers it binds.
 */
export interface BoundPlan {
  passes: BoundPass[];
  /**
   * Records the dispatches of `plan` (this plan or a later step's of the same shape and bindings: its grid
   * and uniforms are used, the latter rewritten), zeroing stats when instrumented.
   */
  encode(cp: GPUComputePassEncoder, plan: Plan): void;
  /** Decoded per-workgroup stats of the last instrumented run. */
  readStats(plan: Plan): Promise<PassStats[]>;
  destroy(): void;
}

export async function bindPlan(
  ctx: GpuContext,
  plan: Plan,
  tensors: (name: string) => TensorBinding,
  opts: { instrument: boolean; label: string; sharedStats?: GPUBuffer; /** Passes that never change (a decode loop's): see encodePass. */ immutable?: Immutables },
): Promise<BoundPlan> {
  const passes: BoundPass[] = [];
  const refresh = { uniforms: true, stats: opts.instrument, immutable: opts.immutable };
  try {
    for (const p of plan.passes) passes.push(await bindPass(ctx, p, tensors, { instrument: opts.instrument, label: opts.label, sharedStats: opts.sharedStats, immutable: opts.immutable }));
  } catch (e) {
    for (const b of passes) for (const o of b.owned) o.destroy();
    throw e;
  }
  return {
    passes,
    encode(cp, pl) {
      for (let i = 0; i < pl.passes.length; i++) encodePass(ctx, cp, pl.passes[i], passes[i], refresh);
    },
    async readStats(pl) {
      if (!opts.instrument) throw new Error(`${opts.label}: readStats() needs a plan bound with { instrument: true }`);
      const out: PassStats[] = [];
      for (let i = 0; i < pl.passes.length; i++) out.push(await readPassStats(ctx, pl.passes[i], passes[i]));
      return out;
    },
    destroy() {
      for (const b of passes) for (const o of b.owned) o.destroy();
    },
  };
}

export async function preparePlan(ctx: GpuContext, plan: Plan, inputs: Tensors, opts: PrepareOptions = {}): Promise<PreparedPlan> {
  checkLimits(ctx, plan);
  const instrument = opts.instrument ?? false;
  const { device } = ctx;
  const buffers = new Map<string, GPUBuffer>();
  const owned: GPUBuffer[] = [];
  for (const t of plan.tensors) {
    const size = Math.max(16, Math.ceil(t.bytes / 16) * 16);
    const b = device.createBuffer({ label: t.name, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    buffers.set(t.name, b);
    owned.push(b);
  }
  const writeInputs = (ins: Tensors) => {
    for (const t of plan.tensors) {
      if (t.role === 'output' || t.role === 'scratch') continue;
      const a = ins[t.name];
      if (!a) throw new KernelInputError(`missing input tensor ${t.name} (${t.layout})`);
      if (a.byteLength !== t.bytes) {
        throw new KernelInputError(`input tensor ${t.name} has ${a.byteLength} bytes, expected ${t.bytes} (${t.layout}, ${t.dtype})`);
      }
      // writeBuffer needs a multiple of 4 bytes; every tensor is padded to 4 by its plan.
      // Pass the typed array itself: Dawn's Node binding mishandles (ArrayBuffer, offset, size).
      device.queue.writeBuffer(buffers.get(t.name)!, 0, asBytes(a));
    }
  };
  writeInputs(inputs);

  const stages: BoundPass[] = [];
  try {
    for (const p of plan.passes) {
      const s = await bindPass(ctx, p, (name) => ({ buffer: buffers.get(name)! }), { instrument, codeOverride: opts.shaderOverrides?.[p.shader] });
      stages.push(s);
      owned.push(...s.owned);
    }
  } catch (e) {
    for (const b of owned) b.destroy();
    throw e;
  }

  const encodeDispatches = (cp: GPUComputePassEncoder) => {
    plan.passes.forEach((p, i) => encodePass(ctx, cp, p, stages[i], { uniforms: false, stats: false }));
  };

  return {
    plan,
    instrumented: instrument,
    encodeDispatches,
    writeInputs,
    async run() {
      if (instrument) for (const s of stages) device.queue.writeBuffer(s.stats, 0, new Uint8Array(s.stats.size));
      device.pushErrorScope('validation');
      const enc = device.createCommandEncoder();
      const cp = enc.beginComputePass();
      encodeDispatches(cp);
      cp.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const err = await device.popErrorScope();
      if (err) throw new Error(`${plan.kernel}/${plan.variant}: ${err.message}`);
    },
    async readOutputs() {
      const out: Tensors = {};
      for (const t of plan.tensors) {
        if (t.role !== 'output') continue;
        out[t.name] = hostArrayFor(t, await readBuffer(ctx, buffers.get(t.name)!, t.bytes));
      }
      return out;
    },
    async readStats() {
      if (!instrument) throw new Error('readStats() needs a plan prepared with { instrument: true }');
      const result: PassStats[] = [];
      for (let i = 0; i < plan.passes.length; i++) result.push(await readPassStats(ctx, plan.passes[i], stages[i]));
      return result;
    },
    destroy() {
      for (const b of owned) b.destroy();
    },
  };
}

/** Convenience: prepare, run once, read outputs (and stats when instrumented), destroy. */
export async function runPlanOnce(ctx: GpuContext, plan: Plan, inputs: Tensors, opts: PrepareOptions = {}): Promise<{ outputs: Tensors; stats?: PassStats[] }> {
  const prepared = await preparePlan(ctx, plan, inputs, opts);
  try {
    await prepared.run();
    const outputs = await prepared.readOutputs();
    const stats = opts.instrument ? await prepared.readStats() : undefined;
    return { outputs, stats };
  } finally {
    prepared.destroy();
  }
}
