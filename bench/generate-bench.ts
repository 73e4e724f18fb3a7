// `npm run bench:generate -- [--scale small|full] [--layers N] [--int8] [--prompt 128] [--json FILE]`
// A model decode step and a 128-token prefill through our kernels, on a generated model with
// Llama-3-8B-like layer shapes (random weights, a few layers): per-token time and each op's share.
//   full:  D 4096, 32 query heads, 8 KV heads, head dim 128, FFN 14336, vocab 128256 (Llama-3-8B's layer)
//   small: D 1024, 8 query heads, 2 KV heads, head dim 128, FFN 3584, vocab 8192 (a quarter of the widths,
//          the same head dim and 4:1 GQA) for CPU-emulated adapters such as SwiftShader.
// A benchmark, not a test: it prints what it measured and the device; it asserts nothing.

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nodeGpuContext } from '../src/gpu/node.ts';
import { describeDevice } from '../src/gpu/context.ts';
import { GpuModel } from '../src/llm/gpu-model.ts';
import { prefillGpu, decodeStepGpu, tokenStats } from '../src/llm/generate.ts';
import { familyRows, opRows } from '../src/llm/report.ts';
import { syntheticModel } from '../src/llm/testmodel.ts';
import { modelPreset, type ModelConfig } from '../src/models/config.ts';
import { UsageError } from '../src/cli/usage-error.ts';

// Llama-3-8B's shapes (the preset) with fewer layers; 'small' a quarter of its width and an 8k vocabulary
const L8 = modelPreset('llama3-8b');
const SHAPES: Record<string, ModelConfig> = {
  full: L8,
  small: { ...L8, id: 'llama3-8b-small', label: 'Llama-3-8B shapes / 4', vocabSize: 8192, dim: 1024, nHeads: 8, nKvHeads: 2, ffnDim: 3584 },
};

const USAGE = `usage: npm run bench:generate -- [--scale small|full] [--layers N] [--int8] [--prompt N] [--steps N] [--json FILE]
A decode step and an N-token prefill through our kernels on a generated model with Llama-3-8B-like layers.
  --scale small|full  small (default): a quarter of the widths, vocab 8192, for CPU-emulated adapters;
                      full: Llama-3-8B's layer shapes and its 128,256 vocabulary (a real GPU)
  --layers N          layers (default 2)
  --int8              int8 weights (matmul-int8, qkv fused-w8)
  --prompt N          prompt tokens (default 128)
  --steps N           decode steps timed (default 8)
  --json FILE         also write the report as JSON
Exit 0 after printing; 2 for a bad option.`;

function intOpt(v: string | undefined, name: string, def: number, min: number, max: number): number {
  const n = v === undefined ? def : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' }, scale: { type: 'string' }, layers: { type: 'string' }, int8: { type: 'boolean' }, prompt: { type: 'string' }, steps: { type: 'string' }, json: { type: 'string' } } }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; see npm run bench:generate -- --help`);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const scale = values.scale ?? 'small';
  if (!SHAPES[scale]) throw new UsageError(`--scale must be small or full, got ${scale}`);
  const layers = intOpt(values.layers, 'layers', 2, 1, 1024), S = intOpt(values.prompt, 'prompt', 128, 1, 1 << 16), steps = intOpt(values.steps, 'steps', 8, 1, 1 << 16);
  const config: ModelConfig = { ...SHAPES[scale], nLayers: layers };
  const ctx = await nodeGpuContext();
  const int8 = values.int8 === true;
  const model = await GpuModel.load(ctx, syntheticModel(config, 1, `llama3-8b-shapes-${scale}`), { int8, capacity: S + steps + 1, chunk: S });
  const prompt = Array.from({ length: S }, (_, i) => (i * 7919) % config.vocabSize);
  const greedy = { temperature: 0, topK: 1, seed: 0 };
  // warm-up: compiles every pipeline of both phases (reported apart: compilation, not the model's speed)
  const tc = performance.now();
  let tok = await prefillGpu(model, prompt, greedy, 0);
  await decodeStepGpu(model, tok, greedy, 0);
  const firstRunMs = performance.now() - tc;
  // prefill: wall time of the whole prompt (one submission per layer), then op by op
  const t0 = performance.now();
  tok = await prefillGpu(model, prompt, greedy, 0);
  const prefillMs = performance.now() - t0;
  const prefillOps = model.ops('prefill', S, 0);
  model.setTokens(prompt);
  const prefillRows = opRows(prefillOps, (await model.timeOps(prefillOps)).ops);
  // decode: wall time per token over `steps` tokens, then one step op by op
  model.pos = S;
  const ms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    tok = await decodeStepGpu(model, tok, greedy, 0);
    ms.push(performance.now() - t);
  }
  const decodeOps = model.ops('decode', 1, model.pos - 1);
  model.setTokens([tok]);
  const timed = await model.timeOps(decodeOps);
  const decodeRows = opRows(decodeOps, timed.ops);
  model.destroy();
  const shape = `D=${config.dim} Hq=${config.nHeads} Hkv=${config.nKvHeads} dh=${config.headDim} F=${config.ffnDim} V=${config.vocabSize}, ${layers} layers, ${int8 ? 'int8' : 'f32'} weights`;
  const report = {
    device: ctx.report, shape, scale, layers, int8, prompt: S, firstRunMs,
    prefill: { wallMs: prefillMs, tokensPerS: (S / prefillMs) * 1000, opsMs: prefillRows.reduce((s, r) => s + r.ms, 0), families: familyRows(prefillRows) },
    decode: { ...tokenStats(ms), opsMs: decodeRows.reduce((s, r) => s + r.ms, 0), timer: timed.timer, families: familyRows(decodeRows) },
  };
  console.log(`generated model with Llama-3-8B-like layers (${scale}): ${shape}, on ${describeDevice(ctx.report)}`);
  console.log(`first run (compiles every pipeline; not in the figures below): ${firstRunMs.toFixed(0)} ms`);
  console.log(`prefill of ${S} tokens: ${prefillMs.toFixed(0)} ms wall (${report.prefill.tokensPerS.toFixed(1)} tokens/s); op sum ${report.prefill.opsMs.toFixed(0)} ms (${timed.timer})`);
  console.log(`decode: ${report.decode.medianMs.toFixed(1)} ms/token median (p10 ${report.decode.p10Ms.toFixed(1)}, p90 ${report.decode.p90Ms.toFixed(1)}) over ${steps} tokens; one step's op sum ${report.decode.opsMs.toFixed(1)} ms`);
  console.log('share of time per op family     decode   prefill');
  const fams = [...new Set([...report.decode.families.map((f) => f.family), ...report.prefill.families.map((f) => f.family)])];
  for (const f of fams) {
    const d = report.decode.families.find((x) => x.family === f), p = report.prefill.families.find((x) => x.family === f);
    console.log(`  ${f.padEnd(28)} ${((d?.share ?? 0) * 100).toFixed(1).padStart(6)}%  ${((p?.share ?? 0) * 100).toFixed(1).padStart(6)}%`);
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 1));
}

main().then(() => process.exit(0), (e: unknown) => { console.error(`error: ${(e as Error).message}`); process.exit(e instanceof UsageError ? 2 : 1); });
