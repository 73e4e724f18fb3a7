// `npm run bench -- [--suite NAME] [--runtime node|browser] [--json FILE] [...]`
// Prints a table, writes the JSON report (contract: docs/ARCHITECTURE.md). Exit 0 when nothing failed,
// 1 when a row failed, 2 for a usage error.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KERNELS, shapeVariant } from '../src/kernels/registry.ts';
import type { RunOptions } from './measure.ts';
import { formatReport, reportJson, reportPassed, type BenchRow } from './report.ts';
import { SUITES, suiteByName, type ModelSize, type Suite } from './suites.ts';
import { UsageError } from '../src/cli/usage-error.ts';

// A closed pipe (`... | head`) ends the output, not the program with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else throw e; });

export const USAGE = `usage: npm run bench -- [options]
  --suite NAME        ${SUITES.map((s) => s.name).join(' | ')} (default smoke)
  --runtime R         node (Dawn) | browser (headless Chromium, with TensorFlow.js and ONNX Runtime Web peers) (default node)
  --json FILE         write the JSON report there (default bench/results/<suite>-<runtime>.tmp.json)
  --samples N         timed samples per run (default: the suite's)
  --warmup N          untimed runs first (default: the suite's)
  --reps N            dispatches per sample (default auto)
  --kernel A,B        only these kernels (${KERNELS.map((k) => k.name).join(', ')})
  --wall              time ours with wall clock even where GPU timestamps exist
  --seed N            input seed (default 1)
  --sizes A,B|all     model suite: which generated models (${SUITES.flatMap((s) => s.models?.sizes ?? []).map((z) => z.name).join(', ')}; default: ${SUITES.flatMap((s) => s.models?.sizes ?? []).filter((z) => z.byDefault).map((z) => z.name).join(', ')})
  --peer-device D     model suite, node runtime: llama.cpp's build, cpu | auto (its GPU build where one loads: Vulkan, CUDA, Metal) (default cpu);
                      the browser runtime's llama.cpp (@wllama/wllama) takes WebGPU where the adapter has shader-f16, else its CPU wasm
  --peer-threads N    model suite: llama.cpp's CPU threads (default: the machine's available parallelism; browser: >1 runs wllama's multi-threaded build)
  --help`;

export interface CliArgs {
  suite: Suite;
  runtime: 'node' | 'browser';
  json: string;
  opts: RunOptions;
  help: boolean;
  /** Model suite only: the generated models to run and llama.cpp's build. */
  model: { sizes: ModelSize[]; peerDevice: 'cpu' | 'auto'; peerThreads: number } | null;
}

function positiveInt(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer, got ${JSON.stringify(v ?? null)}`);
  return n;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const flags = new Map<string, string | true>();
  const valued = new Set(['--suite', '--runtime', '--json', '--samples', '--warmup', '--reps', '--kernel', '--seed', '--sizes', '--peer-device', '--peer-threads']);
  const bare = new Set(['--wall', '--help', '-h']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valued.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
      flags.set(name, v);
    } else if (bare.has(name)) {
      flags.set(name === '-h' ? '--help' : name, true);
    } else {
      throw new UsageError(`unknown argument "${a}"; allowed: ${[...valued, ...bare].join(', ')}`);
    }
  }
  const str = (f: string) => (flags.get(f) as string | undefined);
  let suite: Suite;
  try {
    suite = suiteByName(str('--suite') ?? 'smoke');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const runtime = str('--runtime') ?? 'node';
  if (runtime !== 'node' && runtime !== 'browser') throw new UsageError(`--runtime must be node or browser, got "${runtime}"`);
  const kernels = (str('--kernel') ?? '').split(',').filter(Boolean);
  const known = new Set(suite.cases.map((c) => c.kernel));
  for (const k of kernels) {
    if (!known.has(k)) throw new UsageError(`--kernel: suite ${suite.name} has no kernel "${k}"; it has ${[...known].join(', ')}`);
  }
  let model: CliArgs['model'] = null;
  if (suite.models) {
    const all = suite.models.sizes;
    const names = (str('--sizes') ?? '').split(',').filter(Boolean);
    const sizes = names.length === 0 ? all.filter((z) => z.byDefault) : names.includes('all') ? [...all] : names.map((n) => {
      const z = all.find((x) => x.name === n);
      if (!z) throw new UsageError(`--sizes: suite ${suite.name} has no model "${n}"; it has ${all.map((x) => x.name).join(', ')}, all`);
      return z;
    });
    const peerDevice = str('--peer-device') ?? 'cpu';
    if (peerDevice !== 'cpu' && peerDevice !== 'auto') throw new UsageError(`--peer-device must be cpu or auto, got "${peerDevice}"`);
    if (runtime === 'browser' && flags.has('--peer-device')) throw new UsageError('--peer-device is for the node runtime: in the browser, llama.cpp (@wllama/wllama) takes WebGPU where the adapter has shader-f16, else its CPU wasm');
    model = { sizes, peerDevice, peerThreads: str('--peer-threads') ? positiveInt('--peer-threads', str('--peer-threads')) : availableParallelism() };
  } else {
    for (const f of ['--sizes', '--peer-device', '--peer-threads']) if (flags.has(f)) throw new UsageError(`${f} is for the model suite only (--suite model)`);
  }
  return {
    suite,
    runtime,
    model,
    json: str('--json') ?? `bench/results/${suite.name}-${runtime}.tmp.json`,
    help: flags.has('--help'),
    opts: {
      samples: str('--samples') ? positiveInt('--samples', str('--samples')) : suite.samples,
      warmup: str('--warmup') !== undefined ? Number(str('--warmup')) : suite.warmup,
      reps: str('--reps') ? positiveInt('--reps', str('--reps')) : 'auto',
      forceWall: flags.has('--wall'),
      kernels,
      seed: str('--seed') ? positiveInt('--seed', str('--seed')) : 1,
    },
  };
}

/**
 * Our side of a peer comparison: the variant the kernel's shape rule runs for a row's params (gemv at
 * one token); a row that is not a kernel's (a whole model's prefill or decode) is its own side.
 */
export function oursVariantOf(r: BenchRow): string | undefined {
  return KERNELS.some((d) => d.name === r.kernel) ? shapeVariant(r.kernel, r.params) : r.variant;
}

async function main(): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const tty = process.stderr.isTTY;
  const progress = (line: string) => {
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    else process.stderr.write(`${line}\n`);
  };
  progress(`bench ${args.suite.name} (${args.runtime}): starting`);
  const report = args.model
    ? args.runtime === 'node'
      ? await (await import('./model-bench.ts')).runModelBench(args.suite, args.opts, args.model, progress)
      : await (await import('./browser-runtime.ts')).runBrowserModel(args.suite, args.opts, args.model, progress)
    : args.runtime === 'node'
    ? await (await import('./node-runtime.ts')).runNode(args.suite, args.opts, progress)
    : await (await import('./browser-runtime.ts')).runBrowser(args.suite, args.opts, progress);
  if (tty) process.stderr.write('\r\x1b[K');
  console.log(formatReport(report, oursVariantOf));
  const file = resolve(args.json);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, reportJson(report));
  console.log(`JSON: ${file}`);
  return reportPassed(report) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`error: ${(e as Error)?.stack ?? String(e)}`);
      process.exit(1);
    },
  );
}
