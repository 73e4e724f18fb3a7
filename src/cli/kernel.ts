// `npm run kernel -- NAME --in a.npy[,b.npy...] --out out.npy[,...] [--variant V] [--params '{json}']`
// Runs one kernel on the user's tensors (NumPy .npy) on this machine's GPU, writes the outputs as .npy
// and checks them against the CPU reference with the one check pipeline (src/gpu/check.ts), so an
// engineer can hold a kernel against their own framework. Shape parameters are inferred from the
// input shapes where a dimension is a single name (A is [M, K]); --params sets the rest.
//
// Contract (docs/ARCHITECTURE.md): every problem with the command line is found before the kernel
// runs and gets one line naming what was wrong and what is allowed. Exit codes:
//   0  the outputs were written and match the reference;
//   3  the outputs were written but are outside tolerance (the first mismatches are printed);
//   2  a problem with the command line, the inputs or the device's limits (nothing was run);
//   1  an unexpected failure (GPU, driver).

import { accessSync, constants, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KERNELS, kernelByName } from '../kernels/registry.ts';
import {
  KernelInputError,
  autoVariant,
  checkVariant,
  shapeOf,
  shapesLabel,
  type HostArray,
  type KernelDef,
  type Params,
  type Shape,
  type Tensors,
} from '../kernels/kernel.ts';
import { parseNpy, encodeNpy, NpyError, type NpyArray } from '../kernels/npy.ts';
import { decodeValues } from '../kernels/compare.ts';
import type { DType, Plan, TensorSpec } from '../kernels/plan.ts';
import type { GpuContext } from '../gpu/context.ts';
import { ShaderCompileError } from '../gpu/runner.ts';
import { UsageError } from './usage-error.ts';
import { formatRoughDuration } from '../chip/format.ts';

export const EXIT = { ok: 0, failure: 1, usage: 2, mismatch: 3 } as const;

/** Where the CLI prints; tests pass their own to capture it. */
interface CliIo {
  log(line: string): void;
  error(line: string): void;
}

/**
 * The CPU reference's speed (f64 loops in Node): measured 0.10 GFLOP/s (attention-prefill S=1024
 * dh=64) and 0.14 GFLOP/s (matmul 256x256x512) on this project's 2-core shared machine, 2026-12-07;
 * a desktop core is a few times faster. The check refuses problems whose reference would take more
 * than ~1 minute at that speed (S = 65,536 attention: hours, and it hung).
 */
const REFERENCE_FLOPS_PER_S = 1e8;
const REFERENCE_MAX_FLOPS = 6e9;

const DTYPE_OF_USER = { float32: 'float32', int8: 'int8', int32: 'int32' } as const;
/** What an output of each storage dtype is written as (f16 is widened; i8x4 is unpacked by toUser). */
const NPY_OF: Record<DType, string> = { f32: 'float32', f16: 'float32', i32: 'int32', u32: 'uint32', i8: 'int8', i8x4: 'int8' };

// ---- what this device accepts --------------------------------------------------------------------

type DeviceCheck = (plan: Plan) => void;

/** Whether (def, raw) validates and plans, and whether the device takes the plan. */
function tryPlan(def: KernelDef, raw: Record<string, unknown>, variant: string | undefined, device: DeviceCheck): 'invalid' | 'refused' | 'ok' {
  let plan: Plan;
  try {
    const p = def.validate(raw);
    plan = def.plan(p, variant ?? autoVariant(def, p));
  } catch {
    return 'invalid';
  }
  try {
    device(plan);
    return 'ok';
  } catch {
    return 'refused';
  }
}

/** Integer parameters with a small documented range: the tile sizes whose limits depend on the device. */
function tileParams(def: KernelDef): Array<{ name: string; min: number; max: number }> {
  return def.params.flatMap((d) => {
    const [min, max] = d.allowed ?? [];
    if (typeof d.default !== 'number' || d.float || typeof min !== 'number' || typeof max !== 'number') return [];
    return max - min <= 256 ? [{ name: d.name, min, max }] : [];
  });
}

/** The largest value of `name` that validates, and the largest the device takes, with the other params in `raw`. */
function deviceMax(def: KernelDef, raw: Record<string, unknown>, name: string, variant: string | undefined, device: DeviceCheck): { valid: number | null; device: number | null } {
  const t = tileParams(def).find((p) => p.name === name);
  if (!t) return { valid: null, device: null };
  let valid: number | null = null;
  for (let v = t.max; v >= t.min; v--) {
    const r = tryPlan(def, { ...raw, [name]: v }, variant, device);
    if (r === 'invalid') continue;
    valid ??= v;
    if (r === 'ok') return { valid, device: v };
  }
  return { valid, device: null };
}

/**
 * Per tile parameter, where this device refuses values the kernel allows: at the given params and
 * at a few neighbouring shapes (each other numeric parameter halved, doubled, quadrupled), e.g.
 * "≤ 32 at dh=128". Workgroup memory is what usually binds (maxComputeWorkgroupStorageSize).
 */
function deviceNotes(def: KernelDef, raw: Record<string, unknown>, variant: string | undefined, device: DeviceCheck): Map<string, string> {
  const notes = new Map<string, string>();
  let base: Params;
  try {
    base = def.validate(raw);
  } catch {
    return notes;
  }
  const tiles = tileParams(def);
  for (const t of tiles) {
    const parts: string[] = [];
    const here = deviceMax(def, raw, t.name, variant, device);
    if (here.device !== null && here.valid !== null && here.device < here.valid) parts.push(`≤ ${here.device} here`);
    if (here.device === null && here.valid !== null) parts.push('no value fits here');
    for (const d of def.params) {
      const v = base[d.name];
      if (d.name === t.name || typeof v !== 'number' || d.float || v <= 0 || tiles.some((x) => x.name === d.name)) continue;
      for (const probe of [v / 2, v * 2, v * 4]) {
        if (!Number.isInteger(probe)) continue;
        const at = { ...raw, [d.name]: probe };
        if (tryPlan(def, at, variant, () => {}) === 'invalid') continue;
        const m = deviceMax(def, at, t.name, variant, device);
        if (m.device !== null && m.valid !== null && m.device < m.valid && m.device !== here.device) parts.push(`≤ ${m.device} at ${d.name}=${probe}`);
      }
    }
    if (parts.length > 0) notes.set(t.name, `this device: ${[...new Set(parts)].join(', ')}`);
  }
  return notes;
}

// ---- help ------------------------------------------------------------------------------------------

function defaultPlan(k: KernelDef): Plan | null {
  try {
    const p = k.validate({});
    return k.plan(p, autoVariant(k, p));
  } catch {
    return null;
  }
}

function limitsLine(ctx: GpuContext | null): string {
  if (!ctx) return 'Ranges are the kernels\' own; no GPU was found, so this device\'s limits could not be applied.';
  const L = ctx.report.limits;
  return `Ranges are the ones this device accepts (${ctx.report.adapter.description || ctx.report.adapter.vendor || 'adapter'}: ` +
    `${L.maxComputeWorkgroupStorageSize} bytes of workgroup memory, ${L.maxComputeInvocationsPerWorkgroup} invocations per workgroup).`;
}

function kernelHelp(k: KernelDef, raw: Record<string, unknown>, device: DeviceCheck | null): string[] {
  const lines = [`${k.name}: ${k.title}. Variants: ${k.variants.join(', ')} (default ${k.defaultVariant}).`];
  for (const u of k.userInputs ?? []) lines.push(`  --in  ${u.name.padEnd(8)} ${u.dtype.padEnd(8)} ${shapesLabel(u).padEnd(24)} ${u.optional ? '(optional) ' : ''}${u.doc}`);
  const plan = defaultPlan(k);
  if (plan) for (const t of outputs(plan)) lines.push(`  --out ${t.name.padEnd(8)} ${NPY_OF[t.dtype].padEnd(8)} ${t.layout}`);
  const notes = device ? deviceNotes(k, raw, undefined, device) : new Map<string, string>();
  lines.push('  params (default, allowed):');
  const width = Math.max(14, ...k.params.map((p) => `${p.name}=${p.default}`.length));
  for (const p of k.params) {
    const allowed = Array.isArray(p.allowed)
      ? typeof p.default === 'number' ? `${p.allowed[0]} to ${p.allowed[1]}${p.float ? ' (real)' : ''}` : (p.allowed as readonly string[]).join(' | ')
      : typeof p.default === 'boolean' ? 'true | false' : '';
    const note = notes.get(p.name);
    lines.push(`    ${`${p.name}=${p.default}`.padEnd(width)} ${allowed}${note ? ` (${note})` : ''}: ${p.doc}`);
  }
  return lines;
}

function usage(device: DeviceCheck | null = null, ctx: GpuContext | null = null, only?: KernelDef, raw: Record<string, unknown> = {}): string {
  const lines = [
    'usage: npm run kernel -- NAME --in a.npy[,b.npy...] --out out.npy[,...] [--variant V] [--params \'{"K": 64}\'] [--wgsl SHADER=file.wgsl]',
    '       npm run kernel -- NAME --help [--params \'{...}\']    (that kernel, with the ranges for those params)',
    '',
    'Runs one kernel on your tensors with WebGPU (Dawn in Node), writes its outputs as .npy and checks them',
    'against the CPU reference. Inputs go in the order listed below, or by name (--in X=x.npy,W=w.npy);',
    'dimensions named by a single parameter are inferred from the input shapes. --wgsl runs your edited',
    'copy of a shader (shaders/SHADER.wgsl) in its place, checked against the same reference.',
    'Exit: 0 match, 3 outside tolerance (outputs still written), 2 a problem with the command line or inputs',
    '(found before anything runs), 1 an unexpected failure.',
    limitsLine(ctx),
    '',
  ];
  for (const k of only ? [only] : KERNELS) lines.push(...kernelHelp(k, only ? raw : {}, device), '');
  return lines.join('\n');
}

// ---- inputs and outputs ------------------------------------------------------------------------------

function outputs(plan: Plan): TensorSpec[] {
  return plan.tensors.filter((t) => t.role === 'output');
}

/**
 * Maps --in items ("file" in the kernel's input order, or "NAME=file") to input names.
 * Every input not marked optional must be given; the kernel's fromUser checks combinations.
 */
function assignInputs(def: KernelDef, items: string[]): Map<string, string> {
  const docs = def.userInputs ?? [];
  const names = docs.map((d) => d.name);
  const out = new Map<string, string>();
  let next = 0;
  for (const item of items) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(item);
    if (m) {
      if (!names.includes(m[1])) throw new UsageError(`${def.name} has no input "${m[1]}"; inputs: ${names.join(', ')}`);
      if (out.has(m[1])) throw new UsageError(`input ${m[1]} is given twice in --in`);
      out.set(m[1], m[2]);
    } else {
      while (next < docs.length && out.has(docs[next].name)) next++;
      if (next >= docs.length) throw new UsageError(`${def.name} takes at most ${docs.length} inputs (${names.join(', ')}); got ${items.length} in --in`);
      out.set(docs[next++].name, item);
    }
  }
  const missing = docs.filter((d) => !d.optional && !out.has(d.name));
  if (missing.length > 0) {
    throw new UsageError(
      `missing ${missing.map((d) => d.name).join(', ')} in --in; ${def.name} takes ${docs.map((d) => `${d.name} ${shapesLabel(d)}${d.optional ? ' (optional)' : ''}`).join(', ')}`,
    );
  }
  return out;
}

/** Dimensions that are a parameter's name, e.g. [M, K] -> ["M", "K"]; derived sizes -> null. */
function dimNames(shape: Shape): Array<string | null> {
  return shape.map((d) => (typeof d === 'string' ? d : null));
}

/**
 * Each --out path must be writable before anything runs: its directory exists and is writable,
 * it is not a directory, and no two outputs share a path.
 */
function checkOutPaths(files: string[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    const abs = resolve(f);
    if (seen.has(abs)) throw new UsageError(`--out ${f} is given twice; each output needs its own file`);
    seen.add(abs);
    const dir = dirname(abs);
    let st;
    try {
      st = statSync(dir);
    } catch {
      throw new UsageError(`--out ${f}: directory ${dir} does not exist; create it or choose another path`);
    }
    if (!st.isDirectory()) throw new UsageError(`--out ${f}: ${dir} is not a directory`);
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new UsageError(`--out ${f}: directory ${dir} is not writable; choose another path`);
    }
    try {
      if (statSync(abs).isDirectory()) throw new UsageError(`--out ${f} is a directory; give a file name such as ${f.replace(/\/?$/, '/out.npy')}`);
      accessSync(abs, constants.W_OK);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`--out ${f} exists and is not writable`);
    }
  }
}

/** Packed int8 tensors unpack to more elements than their packed shape: keep the leading dims. */
function userShape(packed: number[], n: number): number[] {
  const lead = packed.slice(0, -1).reduce((a, b) => a * b, 1);
  return [...packed.slice(0, -1), n / lead];
}

function toHost(name: string, arr: NpyArray): HostArray {
  if (arr.data instanceof Float32Array || arr.data instanceof Int8Array || arr.data instanceof Int32Array) return arr.data;
  throw new UsageError(`input ${name}: dtype ${arr.dtype} is not supported; use float32, int8 or int32`);
}

function outputNpy(t: TensorSpec, data: HostArray): NpyArray {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (data instanceof Uint16Array) return { dtype: 'float32', shape: t.shape, data: Float32Array.from(decodeValues(data, count)) };
  if (data instanceof Int32Array) return { dtype: 'int32', shape: t.shape, data };
  if (data instanceof Int8Array) return { dtype: 'int8', shape: userShape(t.shape, data.length), data };
  if (data instanceof Uint32Array) return { dtype: 'int32', shape: t.shape, data: new Int32Array(data.buffer, data.byteOffset, data.length) };
  return { dtype: 'float32', shape: t.shape, data };
}

function parseParams(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--params is not valid JSON (${(e as Error).message}); give an object, e.g. '{"K": 64}'`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError('--params must be a JSON object, e.g. \'{"K": 64}\'');
  return raw as Record<string, unknown>;
}

/** --wgsl SHADER=file.wgsl[,...]: run an edited shader in place of the bundled one (as the playground's editor does). */
function readShaderOverrides(plan: Plan, text: string | undefined): Record<string, string> {
  const used = [...new Set(plan.passes.map((p) => p.shader))];
  const out: Record<string, string> = {};
  for (const item of (text ?? '').split(',').filter(Boolean)) {
    const m = /^([a-z0-9_]+)=(.+)$/.exec(item);
    if (!m) throw new UsageError(`--wgsl takes SHADER=file.wgsl, got "${item}"; this plan's shaders: ${used.join(', ')}`);
    if (!used.includes(m[1])) throw new UsageError(`--wgsl ${m[1]}: ${plan.kernel}/${plan.variant} does not use that shader; it uses ${used.join(', ')}`);
    try {
      out[m[1]] = readFileSync(m[2], 'utf8');
    } catch (e) {
      throw new UsageError(`--wgsl ${m[1]}: cannot read ${m[2]}: ${(e as Error).message}`);
    }
  }
  return out;
}

async function gpuContext(): Promise<GpuContext> {
  const { nodeGpuContext } = await import('../gpu/node.ts');
  return nodeGpuContext();
}

async function deviceCheck(ctx: GpuContext): Promise<DeviceCheck> {
  const { checkLimits } = await import('../gpu/runner.ts');
  return (plan) => checkLimits(ctx, plan);
}

// ---- the command -----------------------------------------------------------------------------------

/** Runs the CLI; never throws: problems become one line on io.error and an exit code (EXIT). */
export async function main(argv: string[], io: CliIo = { log: (s) => console.log(s), error: (s) => console.error(s) }): Promise<number> {
  try {
    return await runOrThrow(argv, io);
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS')) {
      io.error(`error: ${(e as Error).message}; see npm run kernel -- --help`);
      return EXIT.usage;
    }
    if (e instanceof UsageError || e instanceof KernelInputError || e instanceof NpyError) {
      io.error(`error: ${e.message}`);
      return EXIT.usage;
    }
    io.error(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.failure;
  }
}

async function runOrThrow(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      variant: { type: 'string' },
      params: { type: 'string' },
      wgsl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 1) throw new UsageError(`one kernel at a time; got ${positionals.join(', ')}`);
  const def = positionals.length > 0 ? kernelByName(positionals[0]) : undefined;
  let raw = parseParams(values.params);
  if (values.help || !def) {
    const ctx = await gpuContext().catch(() => null);
    const device = ctx ? await deviceCheck(ctx) : null;
    io.log(usage(device, ctx, def, raw));
    return values.help ? EXIT.ok : EXIT.usage;
  }
  if (values.variant !== undefined) checkVariant(def, values.variant);
  const docs = def.userInputs ?? [];
  const files = assignInputs(def, (values.in ?? '').split(',').filter(Boolean));
  const outFiles = (values.out ?? '').split(',').filter(Boolean);

  // Read and check every input, inferring the shape parameters they name.
  const user: Record<string, NpyArray> = {};
  const inferred: Record<string, unknown> = {};
  const source = new Map<string, string>(Object.keys(raw).map((k) => [k, 'from --params']));
  for (const d of docs) {
    const file = files.get(d.name);
    if (file === undefined) continue;
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new UsageError(`input ${d.name}: cannot read ${file}: ${(e as Error).message}`);
    }
    const arr = parseNpy(bytes, `input ${d.name} (${file})`);
    if (arr.dtype !== DTYPE_OF_USER[d.dtype]) {
      throw new UsageError(`input ${d.name} (${file}): dtype ${arr.dtype}, expected ${d.dtype} ${shapesLabel(d)}; convert with x.astype(np.${d.dtype})`);
    }
    if (d.shapes.length === 1 && d.shapes[0].length !== arr.shape.length) {
      throw new UsageError(`input ${d.name} (${file}): a ${arr.shape.length}-d array of shape [${arr.shape.join(', ')}], expected ${d.shapes[0].length}-d ${shapesLabel(d)}`);
    }
    // Several allowed shapes (rmsnorm's X is [M, D] or [rows, D]): the first of the array's rank names the dims
    // (the shape check below still accepts any alternative).
    const alt = d.shapes.find((s) => s.length === arr.shape.length);
    if (alt) {
      const names = dimNames(alt);
      names.forEach((n, j) => {
        if (n && raw[n] === undefined && inferred[n] === undefined) {
          inferred[n] = arr.shape[j];
          source.set(n, `from input ${d.name}`);
        }
      });
    }
    user[d.name] = arr;
  }
  // An optional input named like a boolean parameter (qkv's bias) switches it: given = true, absent = false.
  for (const d of docs) {
    const p = def.params.find((x) => x.name === d.name && typeof x.default === 'boolean');
    if (p && d.optional && raw[p.name] === undefined) inferred[p.name] = user[d.name] !== undefined;
  }
  raw = { ...inferred, ...raw };
  const params = def.validate(raw);
  for (const d of docs) {
    const arr = user[d.name];
    if (!arr) continue;
    const wants = d.shapes.map((alt) => shapeOf(alt, params)).filter((w) => w.every((x) => Number.isInteger(x) && x >= 0));
    if (!wants.some((want) => want.length === arr.shape.length && want.every((w, i) => w === arr.shape[i]))) {
      const named = new Set(d.shapes.flatMap((s) => s.filter((dim): dim is string => typeof dim === 'string')));
      const given = [...named].map((k) => `${k}=${params[k]}${source.has(k) ? ` ${source.get(k)}` : ' (default)'}`);
      throw new UsageError(
        `input ${d.name} (${files.get(d.name)}): shape [${arr.shape.join(', ')}], expected ${shapesLabel(d)} = ${wants.map((w) => `[${w.join(', ')}]`).join(' or ')}` +
          (given.length > 0 ? ` (${given.join(', ')})` : ''),
      );
    }
  }
  const variant = values.variant ?? autoVariant(def, params); // e.g. gemv for one token
  const plan = def.plan(params, variant);
  const outSpecs = outputs(plan);
  if (outFiles.length !== outSpecs.length) {
    throw new UsageError(
      `${def.name}/${variant} has ${outSpecs.length} output${outSpecs.length === 1 ? '' : 's'} (${outSpecs.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ')}); ` +
        `give ${outSpecs.length === 1 ? 'one --out file' : `${outSpecs.length} --out files, comma-separated, in that order`}; got ${outFiles.length}`,
    );
  }
  checkOutPaths(outFiles);
  const shaderOverrides = readShaderOverrides(plan, values.wgsl);
  const userTensors: Tensors = Object.fromEntries(Object.entries(user).map(([k, a]) => [k, toHost(k, a)]));
  const inputs = def.fromUser ? def.fromUser(plan, userTensors) : userTensors;

  const ctx = await gpuContext();
  const device = await deviceCheck(ctx);
  try {
    device(plan);
  } catch (e) {
    if (!(e instanceof KernelInputError)) throw e;
    const hints = tileParams(def).flatMap((t) => {
      const m = deviceMax(def, params, t.name, variant, device);
      return m.device !== null && m.device < (params[t.name] as number) ? [`${t.name} ≤ ${m.device}`] : [];
    });
    throw new UsageError(`${def.name}/${variant}: ${e.message}${hints.length > 0 ? `; with these params this device accepts ${hints.join(', ')}` : ''}`);
  }

  // the CPU reference does the plan's work in f64 on one core: refuse one that would not finish
  if (plan.flops > REFERENCE_MAX_FLOPS) {
    throw new UsageError(
      `${def.name}/${variant}: the CPU reference of this problem needs ${plan.flops.toExponential(1)} flops, about ${formatRoughDuration(plan.flops / REFERENCE_FLOPS_PER_S)} in JavaScript; ` +
        `the check runs at most ${REFERENCE_MAX_FLOPS.toExponential(0)} (a smaller shape: fewer tokens, heads or keys)`,
    );
  }

  const { checkPlan } = await import('../gpu/check.ts');
  const { describeDevice } = await import('../gpu/context.ts');
  let report;
  try {
    report = await checkPlan(ctx, def, plan, { inputs, shaderOverrides });
  } catch (e) {
    if (e instanceof ShaderCompileError) throw new UsageError(e.message);
    throw e;
  }
  io.log(`${def.name}/${variant} ${JSON.stringify(params)} on ${describeDevice(ctx.report)}: ` +
    `${report.runMs.toFixed(1)} ms run, ${report.prepareMs.toFixed(1)} ms pipeline creation and upload (one run, not a benchmark: npm run bench)`);
  const userOut = def.toUser ? def.toUser(plan, report.outputs) : report.outputs;
  outSpecs.forEach((t, i) => {
    writeFileSync(outFiles[i], encodeNpy(outputNpy(t, userOut[t.name])));
    const cmp = report.comparisons.find((c) => c.name === t.name);
    io.log(`  ${t.name} [${t.shape.join(', ')}] -> ${outFiles[i]}; ${cmp ? `CPU reference: ${cmp.summary}` : 'no CPU reference for this output'}`);
  });
  if (!report.ok) {
    io.error(`error: ${report.comparisons.filter((c) => !c.ok).map((c) => c.name).join(', ')} outside tolerance (exit ${EXIT.mismatch})`);
    return EXIT.mismatch;
  }
  return EXIT.ok;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  // A closed pipe (`... | head`) ends the output, not the program with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else throw e; });
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
