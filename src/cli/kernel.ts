// `npm run kernel -- NAME --in a.npy[,b.npy...] --out out.npy[,...] [--variant V] [--params '{json}']`
// Runs one kernel on the user's tensors (NumPy .npy) on this machine's GPU and writes the outputs as .npy,
// so an engineer can check a kernel against their own framework. Shape parameters are inferred from the
// input shapes where a dimension is a single name (e.g. A is [M, K]); --params sets the rest.

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KERNELS, kernelByName } from '../kernels/registry.ts';
import { KernelInputError, autoVariant, shapeOf, shapesLabel, type KernelDef, type Tensors, type HostArray, type Shape } from '../kernels/kernel.ts';
import { parseNpy, encodeNpy, NpyError, type NpyArray } from '../kernels/npy.ts';
import { compareArrays } from '../kernels/compare.ts';
import { fromF16 } from '../kernels/matmul.ts';
import type { Plan } from '../kernels/plan.ts';

// A closed pipe (`... | head`) ends the output, not the program with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else throw e; });

const DTYPE_OF_USER = { float32: 'float32', int8: 'int8', int32: 'int32' } as const;

export function usage(): string {
  const lines = [
    'usage: npm run kernel -- NAME --in a.npy[,b.npy...] --out out.npy[,...] [--variant V] [--params \'{"K": 64}\']',
    '',
    'Runs one kernel on your tensors with WebGPU (Dawn in Node) and writes its outputs as .npy.',
    'Inputs are matched to the kernel\'s inputs in the order listed below; dimensions named by a single',
    'parameter are inferred from the input shapes. The CPU reference is run too and its max error printed.',
    '',
  ];
  for (const k of KERNELS) {
    lines.push(`${k.name}: ${k.title}. Variants: ${k.variants.join(', ')} (default ${k.defaultVariant}).`);
    for (const u of k.userInputs ?? []) lines.push(`  --in  ${u.name.padEnd(8)} ${u.dtype.padEnd(8)} ${shapesLabel(u).padEnd(22)} ${u.doc}`);
    const plan = safePlan(k);
    if (plan) for (const t of plan.tensors.filter((t) => t.role === 'output')) lines.push(`  --out ${t.name.padEnd(8)} ${'float32'.padEnd(8)} ${t.layout}`);
    lines.push(`  params: ${k.params.map((p) => `${p.name}=${p.default}`).join(' ')}`);
    for (const p of k.params) lines.push(`    ${p.name.padEnd(10)} ${p.doc}`);
    lines.push('');
  }
  return lines.join('\n');
}

function safePlan(k: KernelDef): Plan | null {
  try {
    return k.plan(k.validate({}), k.defaultVariant);
  } catch {
    return null;
  }
}

/**
 * Maps --in items ("file" in the kernel's input order, or "NAME=file") to input names.
 * Every input not marked optional must be given.
 */
export function assignInputs(def: KernelDef, items: string[]): Map<string, string> {
  const docs = def.userInputs ?? [];
  const names = docs.map((d) => d.name);
  const out = new Map<string, string>();
  let next = 0;
  for (const item of items) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(item);
    if (m) {
      if (!names.includes(m[1])) throw new KernelInputError(`${def.name} has no input "${m[1]}"; inputs: ${names.join(', ')}`);
      out.set(m[1], m[2]);
    } else {
      while (next < docs.length && out.has(docs[next].name)) next++;
      if (next >= docs.length) throw new KernelInputError(`${def.name} takes at most ${docs.length} inputs (${names.join(', ')}); got ${items.length} in --in`);
      out.set(docs[next++].name, item);
    }
  }
  const missing = docs.filter((d) => !d.optional && !out.has(d.name));
  if (missing.length > 0) {
    throw new KernelInputError(
      `${def.name} takes inputs ${docs.map((d) => `${d.name} ${shapesLabel(d)}${d.optional ? ' (optional)' : ''}`).join(', ')}; missing ${missing.map((d) => d.name).join(', ')} in --in`,
    );
  }
  return out;
}

/** Dimensions that are a parameter's name, e.g. [M, K] -> ["M", "K"]; derived sizes -> null. */
function dimNames(shape: Shape): Array<string | null> {
  return shape.map((d) => (typeof d === 'string' ? d : null));
}

/** Packed int8 tensors unpack to more elements than their packed shape: keep the leading dims. */
function userShape(packed: number[], n: number): number[] {
  const lead = packed.slice(0, -1).reduce((a, b) => a * b, 1);
  return [...packed.slice(0, -1), n / lead];
}

function toHost(arr: NpyArray): HostArray {
  if (arr.data instanceof Float32Array || arr.data instanceof Int8Array || arr.data instanceof Int32Array) return arr.data;
  throw new KernelInputError(`unsupported dtype ${arr.dtype}`);
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      variant: { type: 'string' },
      params: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(usage());
    return values.help ? 0 : 2;
  }
  const def = kernelByName(positionals[0]);
  const docs = def.userInputs ?? [];
  const files = assignInputs(def, (values.in ?? '').split(',').filter(Boolean));
  let raw: Record<string, unknown> = {};
  if (values.params) {
    try {
      raw = JSON.parse(values.params) as Record<string, unknown>;
    } catch (e) {
      throw new KernelInputError(`--params is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new KernelInputError('--params must be a JSON object, e.g. \'{"K": 64}\'');
  }
  const user: Record<string, NpyArray> = {};
  for (const d of docs) {
    const file = files.get(d.name);
    if (file === undefined) continue;
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new KernelInputError(`input ${d.name}: cannot read ${file}: ${(e as Error).message}`);
    }
    const arr = parseNpy(bytes, `input ${d.name} (${file})`);
    if (arr.dtype !== DTYPE_OF_USER[d.dtype]) {
      throw new KernelInputError(`input ${d.name} (${file}): dtype ${arr.dtype}, expected ${d.dtype} (${shapesLabel(d)}); convert with x.astype(np.${d.dtype})`);
    }
    if (d.shapes.length === 1) {
      const names = dimNames(d.shapes[0]);
      if (names.length !== arr.shape.length) {
        throw new KernelInputError(`input ${d.name} (${file}): ${arr.shape.length}-d array of shape [${arr.shape}], expected ${names.length}-d ${shapesLabel(d)}`);
      }
      names.forEach((n, j) => {
        if (n && raw[n] === undefined) raw[n] = arr.shape[j];
      });
    }
    user[d.name] = arr;
  }
  const params = def.validate(raw);
  for (const d of docs) {
    if (!user[d.name]) continue;
    const got = user[d.name].shape;
    const wants = d.shapes.map((alt) => shapeOf(alt, params));
    if (!wants.some((want) => want.length === got.length && want.every((w, i) => w === got[i]))) {
      throw new KernelInputError(`input ${d.name}: shape [${got}], expected ${shapesLabel(d)} = ${wants.map((w) => `[${w}]`).join(' or ')} for ${JSON.stringify(params)}`);
    }
  }
  const variant = values.variant ?? autoVariant(def, params); // e.g. gemv for one token
  const plan = def.plan(params, variant);
  const userTensors: Tensors = Object.fromEntries(Object.entries(user).map(([k, a]) => [k, toHost(a)]));
  const inputs = def.fromUser ? def.fromUser(plan, userTensors) : userTensors;

  const { nodeGpuContext } = await import('../gpu/node.ts');
  const { runPlanOnce } = await import('../gpu/runner.ts');
  const { describeDevice } = await import('../gpu/context.ts');
  const ctx = await nodeGpuContext();
  const t0 = performance.now();
  const { outputs } = await runPlanOnce(ctx, plan, inputs);
  const ms = performance.now() - t0;
  const ref = def.reference(plan, inputs);
  const outSpecs = plan.tensors.filter((t) => t.role === 'output');
  const outFiles = (values.out ?? '').split(',').filter(Boolean);
  if (outFiles.length !== outSpecs.length) {
    throw new KernelInputError(`${def.name}/${variant} has ${outSpecs.length} outputs (${outSpecs.map((t) => `${t.name} ${t.layout}`).join(', ')}); give one --out file each, comma-separated`);
  }
  console.log(`${def.name}/${variant} ${JSON.stringify(params)} on ${describeDevice(ctx.report)}: ${ms.toFixed(1)} ms (one run, including pipeline creation and upload)`);
  const userOut = def.toUser ? def.toUser(plan, outputs) : outputs;
  outSpecs.forEach((t, i) => {
    let data = userOut[t.name];
    if (t.dtype === 'f16') data = fromF16(data as Uint16Array, t.shape.reduce((a, b) => a * b, 1));
    const npy: NpyArray =
      data instanceof Int32Array
        ? { dtype: 'int32', shape: t.shape, data }
        : data instanceof Int8Array
          ? { dtype: 'int8', shape: userShape(t.shape, data.length), data }
          : { dtype: 'float32', shape: t.shape, data: data as Float32Array };
    writeFileSync(outFiles[i], encodeNpy(npy));
    if (ref[t.name]) {
      const cmp = compareArrays(t.name, outputs[t.name], ref[t.name], def.tolerance(plan, t.name), t.shape);
      console.log(`  ${t.name} [${t.shape}] -> ${outFiles[i]}; CPU reference: ${cmp.summary}`);
    } else {
      console.log(`  ${t.name} [${t.shape}] -> ${outFiles[i]}`);
    }
  });
  return 0;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((e: unknown) => {
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('ERR_PARSE_ARGS')) {
        console.error(`error: ${(e as Error).message}; see npm run kernel -- --help`);
        process.exit(2);
      }
      if (e instanceof KernelInputError || e instanceof NpyError) {
        console.error(`error: ${e.message}`);
        process.exit(2);
      }
      console.error(e);
      process.exit(1);
    });
}
