// `npm run generate -- --model DIR|FILE --prompt "..." [--chat] [--tokens N] [--int8 | --f32-weights] [--seed S] [--json]`
// Runs a real model (safetensors + config.json + tokenizer.json, or GGUF) through the project's
// WebGPU kernels on this machine's GPU: prints the generated text, then per-token times and a
// per-op profile of one decode step (measured ms, bytes and flops from the plans). --json prints
// one JSON report instead. `--write-test-model DIR` writes a small random model to try it on.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ModelFileError } from '../llm/source.ts';
import { archText } from '../llm/config.ts';
import { ModelTooLargeError } from '../llm/gpu-model.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_GPT2, TINY_LLAMA } from '../llm/testmodel.ts';
import { UsageError } from './usage-error.ts';

process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else throw e; });

export const USAGE = `usage: npm run generate -- --model DIR|FILE --prompt "..." [--chat] [--tokens N] [--int8 | --f32-weights] [--seed S]
                            [--temperature T] [--top-k K] [--context N] [--json]
       npm run generate -- --write-test-model DIR [--arch llama|gpt2] [--format safetensors|gguf]

Runs a model through our WebGPU kernels (Dawn in Node). --model is a directory with model.safetensors,
config.json and tokenizer.json (Hugging Face layout), a .gguf file, or a .safetensors file with its
config.json beside it. Llama-style (Llama, Mistral, Qwen2, Qwen3, Phi-3, SmolLM, Gemma 3 text) and GPT-2-style models; f32, f16,
bf16 weights (f16 / bf16 linears and embedding kept 16-bit on the GPU as stored), or GGUF Q8_0 (with --int8 used as is)
and Q4_0 .. Q6_K, Q3_K, Q2_K, IQ4_NL, IQ4_XS blocks (as stored); a GGUF's block-quantized token embedding is kept as stored too (a tied LM head reads it).
  --chat            put the prompt through the model's chat template (GGUF tokenizer.chat_template, or
                    tokenizer_config.json beside .safetensors) as one user message, with the assistant's turn opened;
                    refused when the model has none. Generation stops at any end-of-turn token (llama.cpp's list for a
                    GGUF; config.json's and generation_config.json's eos_token_id for .safetensors), with or without it
  --tokens N        tokens to generate (default 32)
  --int8            int8 weights (quantized on load; Q8_0 as is) through matmul-int8 and qkv fused-w8
  --f32-weights     widen f16 / bf16 and Q8_0 linears and a 16-bit or quantized embedding to f32 on load (to compare with the stored path)
  --seed S          seed of the sampling draws (default 0)
  --temperature T   0 = greedy (default 0); with T > 0, top-k sampling
  --top-k K         candidates kept when sampling, 1..64 (default 40)
  --context N       KV-cache positions (default: prompt + tokens, at most the model's maximum)
  --json            print one JSON report (text, tokens, per-token times, per-op profile, device)`;

function int(v: string | undefined, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

function num(v: string | undefined, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' }, prompt: { type: 'string' }, chat: { type: 'boolean' }, tokens: { type: 'string' }, int8: { type: 'boolean' }, 'f32-weights': { type: 'boolean' },
      seed: { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' }, context: { type: 'string' },
      json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      'write-test-model': { type: 'string' }, arch: { type: 'string' }, format: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values['write-test-model']) {
    const dir = values['write-test-model'];
    const arch = values.arch ?? 'llama';
    const format = values.format ?? 'safetensors';
    if (arch !== 'llama' && arch !== 'gpt2') throw new UsageError(`--arch must be llama or gpt2, got ${JSON.stringify(arch)}`);
    if (format !== 'safetensors' && format !== 'gguf') throw new UsageError(`--format must be safetensors or gguf, got ${JSON.stringify(format)}`);
    const spec = arch === 'llama' ? TINY_LLAMA : TINY_GPT2;
    mkdirSync(dir, { recursive: true });
    if (format === 'gguf') writeFileSync(join(dir, `test-${arch}.gguf`), writeGgufModel(spec));
    else for (const [n, b] of Object.entries(writeSafetensorsModel(spec))) writeFileSync(join(dir, n), b);
    console.log(`wrote a random ${arch} test model (${format}) to ${dir}`);
    return 0;
  }
  if (!values.model) throw new UsageError('--model DIR|FILE is required (see --help)');
  if (values.prompt === undefined) throw new UsageError('--prompt "..." is required (see --help)');
  const maxTokens = int(values.tokens, 'tokens', 32, 1, 1 << 16);
  const seed = int(values.seed, 'seed', 0, 0, 2 ** 32 - 1);
  const temperature = num(values.temperature, 'temperature', 0, 0, 100);
  const topK = int(values['top-k'], 'top-k', 40, 1, 64);

  const { openModelPath } = await import('../llm/node-files.ts');
  const { openModel, checkTokenIds } = await import('../llm/weights.ts');
  const { makeTokenizer } = await import('../llm/tokenizer.ts');
  const { encodePrompt, chatTemplateText } = await import('../llm/chat.ts');
  const files = await openModelPath(values.model);
  try {
    const om = await openModel(files.sources);
    const tok = makeTokenizer(om.tokenizer, om.eos);
    if (!tok) throw new ModelFileError(`${om.name}: no tokenizer (put tokenizer.json beside the model)`);
    const chat = values.chat === true;
    const prompt = encodePrompt(tok, om.chatTemplate, values.prompt, chat);
    if (prompt.length === 0) throw new UsageError('--prompt encodes to no tokens; give some text');
    checkTokenIds(prompt, om.config.vocabSize); // before the weights are uploaded
    const want = prompt.length + maxTokens;
    const capacity = int(values.context, 'context', Math.min(om.config.maxPositions, want), 1, om.config.maxPositions);
    if (prompt.length > capacity) throw new UsageError(`the prompt has ${prompt.length} tokens, more than the context of ${capacity}`);

    const { nodeGpuContext } = await import('../gpu/node.ts');
    const { describeDevice } = await import('../gpu/context.ts');
    const { GpuModel, PREFILL_CHUNK } = await import('../llm/gpu-model.ts');
    const { generateGpu } = await import('../llm/generate.ts');
    const { opRows, familyRows } = await import('../llm/report.ts');
    const ctx = await nodeGpuContext();
    const say = (s: string) => { if (!values.json) { process.stderr.write(s); progressMidLine = !s.endsWith('\n'); } };
    const tLoad = performance.now();
    const model = await GpuModel.load(ctx, om, {
      int8: values.int8 === true, f32Weights: values['f32-weights'] === true, capacity, chunk: Math.min(prompt.length, PREFILL_CHUNK),
      onProgress: (what, d, n) => say(`\r${what} ${d}/${n}`),
    });
    const loadMs = performance.now() - tLoad;
    say('\n');
    const dec = tok.streamDecoder();
    let text = '';
    const sampling = { temperature, topK, seed };
    const r = await generateGpu(model, prompt, {
      maxTokens, sampling, eos: tok.eos,
      onPrefill: (d, n) => say(`\rprompt: layer ${d}/${n}`),
      onToken: (t) => {
        if (t.index === 0) say('\n');
        if (tok.eos.includes(t.id)) return;
        const s = dec.push(t.id);
        text += s;
        if (!values.json) process.stdout.write(s);
      },
    });
    text += dec.flush();
    // one decode step, op by op (at the next position; the cache entry it writes is past the text)
    const pos = Math.min(model.pos, capacity - 1);
    const ops = model.ops('decode', 1, pos, { topK: sampling.temperature > 0 ? topK : 1, temperature, u: 0.5 });
    model.pos = pos;
    model.setTokens([r.tokens[r.tokens.length - 1] ?? prompt[prompt.length - 1]]);
    const timed = await model.timeOps(ops);
    const rows = opRows(ops, timed.ops);
    const report = {
      model: { name: om.name, format: om.format, arch: om.config.arch, params: om.params, weights: om.weightDtype, int8: values.int8 === true, weightFormat: model.weightFormat, weightBytes: model.weightBytes, config: om.config, gpuBytes: model.gpuBytes },
      device: ctx.report,
      tokenizer: tok.kind,
      prompt: { text: values.prompt, tokens: prompt.length, chatTemplate: chat && om.chatTemplate ? chatTemplateText(om.chatTemplate) : null },
      text,
      tokens: r.tokens,
      stop: r.stop,
      sampling,
      loadMs,
      // pipeline compilation before the first run; prefillMs and decode are on compiled pipelines
      compileMs: r.compileMs,
      prefillMs: r.prefillMs,
      prefillTokensPerS: (prompt.length / r.prefillMs) * 1000,
      decode: { ...r.stats, timer: 'wall (each step: submit, wait, read back the sampled token)' },
      decodeStep: { position: pos, timer: timed.timer, totalMs: rows.reduce((s, x) => s + x.ms, 0), ops: rows, families: familyRows(rows) },
    };
    model.destroy();
    if (values.json) {
      console.log(JSON.stringify(report, null, 1));
      return 0;
    }
    const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
    console.log(`\n\n${om.name}: ${archText(om.config)}, ${(om.params / 1e6).toFixed(1)} M parameters, ${model.weightFormat} (${(model.weightBytes / 2 ** 20).toFixed(1)} MiB of weights on the GPU), on ${describeDevice(ctx.report)}`);
    console.log(`tokenizer: ${tok.kind}; chat template: ${chat && om.chatTemplate ? chatTemplateText(om.chatTemplate) : om.chatTemplate ? `not applied (${chatTemplateText(om.chatTemplate)} in the file; --chat applies it)` : 'none in the file'}`);
    console.log(`compiled in ${f(r.compileMs, 0)} ms (pipelines, before the first run; not in the figures below)`);
    console.log(`prompt ${prompt.length} tokens in ${f(r.prefillMs, 1)} ms; ${r.tokens.length} tokens generated (${r.stop}); decode ${f(r.stats.medianMs)} ms/token median (p10 ${f(r.stats.p10Ms)}, p90 ${f(r.stats.p90Ms)}), ${f(r.stats.tokensPerS, 1)} tokens/s`);
    console.log(`one decode step at position ${pos}, op by op (${timed.timer}):`);
    for (const fam of report.decodeStep.families) console.log(`  ${fam.family.padEnd(11)} ${f(fam.ms, 3).padStart(9)} ms  ${(100 * fam.share).toFixed(1).padStart(5)}%  ${String(fam.count).padStart(3)} ops  ${(fam.bytes / 1e6).toFixed(2)} MB  ${fam.kernels.join(', ')}`);
    return 0;
  } finally {
    await files.close();
  }
}

/** A progress line (\r...) is open on stderr: an error printed now starts on its own line. */
let progressMidLine = false;

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((e: unknown) => {
      if (progressMidLine) process.stderr.write('\n');
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('ERR_PARSE_ARGS')) {
        console.error(`error: ${(e as Error).message}; see npm run generate -- --help`);
        process.exit(2);
      }
      if (e instanceof UsageError || e instanceof ModelFileError || e instanceof ModelTooLargeError || (e as Error).name === 'KernelInputError') {
        console.error(`error: ${(e as Error).message}`);
        process.exit(2);
      }
      console.error(e);
      process.exit(1);
    });
}
