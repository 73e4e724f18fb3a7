// `npm run generate` end to end on generated model files: text and the JSON report, and one-line
// errors with exit 2 for bad input.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource } from '../../src/llm/source.ts';
import { openModel } from '../../src/llm/weights.ts';
import { makeTokenizer } from '../../src/llm/tokenizer.ts';
import { writeGgufModel, writeSafetensorsModel, TINY_GPT2, TINY_LLAMA } from '../../src/llm/testmodel.ts';

const CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const run = (args: string[]) => spawnSync(process.execPath, ['tools/node-gpu.mjs', 'src/cli/generate.ts', ...args], { encoding: 'utf8', timeout: 300_000 });

describe('npm run generate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gen-cli-'));
    for (const [n, b] of Object.entries(writeSafetensorsModel(TINY_LLAMA))) writeFileSync(join(dir, n), b);
    writeFileSync(join(dir, '..', 'gen-cli-gpt2.gguf'), writeGgufModel(TINY_GPT2));
    writeFileSync(join(dir, '..', 'gen-cli-badpre.gguf'), writeGgufModel({ ...TINY_GPT2, nLayers: 1, pre: 'nonsense-bpe' }));
    writeFileSync(join(dir, '..', 'gen-cli-llama-bf16.gguf'), writeGgufModel({ ...TINY_LLAMA, dtype: 'bf16' }));
    writeFileSync(join(dir, '..', 'gen-cli-llama-bf16-tied.gguf'), writeGgufModel({ ...TINY_LLAMA, dtype: 'bf16', tied: true }));
    // ChatML's turn tokens and template; and a template that refuses to render
    const chat = { ...TINY_LLAMA, nLayers: 1, vocab: 320, specials: ['<|im_start|>', '<|im_end|>'] };
    writeFileSync(join(dir, '..', 'gen-cli-chat.gguf'), writeGgufModel({ ...chat, chatTemplate: CHATML }));
    writeFileSync(join(dir, '..', 'gen-cli-badchat.gguf'), writeGgufModel({ ...chat, chatTemplate: "{{ raise_exception('System role not supported') }}" }));
  });

  it('--chat: the prompt through the file\'s ChatML template, which the report names', async () => {
    const file = join(dir, '..', 'gen-cli-chat.gguf');
    const chat = run(['--model', file, '--prompt', 'hello', '--tokens', '1', '--json', '--chat']);
    expect(chat.status, chat.stderr).toBe(0);
    const c = JSON.parse(chat.stdout).prompt;
    expect(c.chatTemplate).toBe('ChatML (GGUF tokenizer.chat_template)');
    // <|im_start|> "user\nhello" <|im_end|> "\n" <|im_start|> "assistant\n": the turn tokens (3) and the role text around "hello"
    const tok = makeTokenizer((await openModel([bytesSource('m.gguf', readFileSync(file))])).tokenizer, [])!;
    const [s, e] = [297, 298];
    expect(c.tokens).toBe([s, ...tok.encode('user\nhello'), e, ...tok.encode('\n'), s, ...tok.encode('assistant\n')].length);
  });

  /** The same two-token generation of a file beside `dir`, as stored and with --f32-weights; both must succeed. */
  function packedAndWide(name: string) {
    const file = join(dir, '..', name);
    const packed = run(['--model', file, '--prompt', 'the quick', '--tokens', '2', '--json']);
    const wide = run(['--model', file, '--prompt', 'the quick', '--tokens', '2', '--json', '--f32-weights']);
    expect(packed.status, packed.stderr).toBe(0);
    expect(wide.status, wide.stderr).toBe(0);
    return { packed, wide };
  }

  it('a bf16 model runs its linears and embedding 16-bit as stored; --f32-weights widens them; the report says which and the bytes', () => {
    const { packed, wide } = packedAndWide('gen-cli-llama-bf16.gguf');
    const p = JSON.parse(packed.stdout).model, w = JSON.parse(wide.stdout).model;
    expect(p.weightFormat).toBe('bf16 -> bf16 as stored, the embedding bf16 too (the rest f32)');
    expect(w.weightFormat).toBe('bf16 -> f32');
    // TINY_LLAMA's linears: 2 layers of q|k|v (128x64), o (64x64), gate|up (192x64), down (64x96), the 297x64 head,
    // and the 297x64 embedding: 2 bytes each fewer
    expect(w.weightBytes - p.weightBytes).toBe(2 * (2 * (128 * 64 + 64 * 64 + 192 * 64 + 64 * 96) + 297 * 64 + 297 * 64));
    expect(JSON.parse(packed.stdout).tokens).toEqual(JSON.parse(wide.stdout).tokens);
  });

  it('a tied bf16 model: the report says the head reads the embedding, its weight bytes lose the f32 head, the head op moves 2 bytes a weight', () => {
    const { packed, wide } = packedAndWide('gen-cli-llama-bf16-tied.gguf');
    const P = JSON.parse(packed.stdout), W = JSON.parse(wide.stdout);
    expect(P.model.weightFormat).toBe('bf16 -> bf16 as stored, the embedding bf16 too, read by the tied LM head (the rest f32)');
    expect(W.model.weightFormat).toBe('bf16 -> f32');
    // the linears and the embedding as in the untied case above (2 bytes each fewer); the f32 head's buffer (4 bytes a weight) is gone
    const VD = 297 * 64;
    expect(W.model.weightBytes - P.model.weightBytes).toBe(2 * (2 * (128 * 64 + 64 * 64 + 192 * 64 + 64 * 96) + VD) + 4 * VD);
    // the head op's bytes (its plan's): the table at 2 bytes a weight plus the activations, f32's at 4
    const head = (r: { decodeStep: { ops: Array<{ id: string; kernel: string; bytes: number }> } }) => r.decodeStep.ops.find((o) => o.id === 'lm-head')!;
    expect(head(P).kernel).toBe('matmul-gguf');
    expect(head(P).bytes).toBeGreaterThanOrEqual(2 * VD);
    expect(head(P).bytes).toBeLessThan(3 * VD);
    expect(head(W).bytes).toBeGreaterThanOrEqual(4 * VD);
    expect(P.tokens).toEqual(W.tokens);
  });

  it('--json: the text, tokens, per-token times and a per-op profile whose bytes come from the plans', () => {
    const r = run(['--model', dir, '--prompt', 'the quick brown fox', '--tokens', '5', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.model).toMatchObject({ arch: 'llama', format: 'safetensors', int8: false });
    expect(rep.tokens).toHaveLength(5);
    expect(typeof rep.text).toBe('string');
    expect(rep.decode.tokens).toBe(4); // the first token comes from the prefill
    expect(rep.decode.medianMs).toBeGreaterThan(0);
    // compilation is measured apart and kept out of the prompt's time: in a fresh process it
    // compiles every pipeline (seconds on SwiftShader), the 4-token prompt on them takes far less
    expect(rep.compileMs).toBeGreaterThan(rep.prefillMs);
    expect(rep.prefillMs).toBeGreaterThan(0);
    expect(rep.device.runtime).toBe('node-dawn');
    const ops = rep.decodeStep.ops as Array<{ id: string; ms: number; bytes: number }>;
    expect(ops.map((o) => o.id)).toContain('L1.attention');
    expect(ops.every((o) => o.bytes > 0 && o.ms >= 0)).toBe(true);
    const shares = (rep.decodeStep.families as Array<{ share: number }>).reduce((s, f) => s + f.share, 0);
    expect(shares).toBeCloseTo(1, 6);
  });

  it('a GGUF file with --int8 prints text and the per-op table', () => {
    const r = run(['--model', join(dir, '..', 'gen-cli-gpt2.gguf'), '--prompt', 'hello world', '--tokens', '3', '--int8']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gpt2, [\d.]+ M parameters, f32 -> int8 \([\d.]+ MiB of weights on the GPU\), on .*node-dawn/);
    expect(r.stdout).toMatch(/^compiled in \d+ ms \(pipelines, before the first run; not in the figures below\)$/m);
    expect(r.stdout).toMatch(/^tokenizer: GGUF byte-level BPE \(pre: gpt-2\); chat template: none in the file$/m); // which split the text went through
    expect(r.stdout).toMatch(/one decode step at position \d+, op by op \((timestamp-query|wall)\)/);
    expect(r.stdout).toMatch(/ffn-up\s+[\d.]+ ms/);
  });

  const bad: Array<{ args: string[]; msg: RegExp; note: string }> = [
    { args: ['--prompt', 'x'], msg: /^error: --model DIR\|FILE is required/, note: 'no model' },
    { args: ['--model', '/nonexistent/m.gguf', '--prompt', 'x'], msg: /^error: --model \/nonexistent\/m\.gguf: no such file/, note: 'missing file' },
    { args: ['--model', '.', '--prompt', 'x', '--tokens', '0'], msg: /^error: --tokens must be an integer in \[1, 65536\], got "0"/, note: 'bad --tokens' },
    { args: ['--model', 'package.json', '--prompt', 'x'], msg: /^error: --model package\.json: give a model directory, a \.gguf file/, note: 'not a model file' },
    { args: ['--bogus'], msg: /^error: Unknown option '--bogus'/, note: 'unknown flag' },
    { args: ['--model', join(tmpdir(), 'gen-cli-gpt2.gguf'), '--prompt', 'x', '--chat'], msg: /^error: the chat option is on but the model has no chat template .*turn the option off$/, note: '--chat on a model without a template' },
    { args: ['--model', join(tmpdir(), 'gen-cli-badchat.gguf'), '--prompt', 'x', '--chat'], msg: /^error: the model's chat template \(custom, GGUF tokenizer\.chat_template\) did not render: .*System role not supported.*Turn the chat option off/, note: 'a template that does not render' },
    // read as GPT-2's split before, silently (llama.cpp refuses such a file)
    { args: ['--model', join(tmpdir(), 'gen-cli-badpre.gguf'), '--prompt', 'x'], msg: /^error: GGUF tokenizer\.ggml\.pre "nonsense-bpe" is not a pre-tokenizer this loader knows; supported: default, gpt-2, gpt2, phi-2, .*, qwen2, .*, falcon$/, note: 'an unknown pre-tokenizer' },
  ];
  for (const b of bad) {
    it(`bad input -> one line, exit 2: ${b.note}`, () => {
      const r = run(b.args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n').filter((l) => !l.includes('XDG_RUNTIME_DIR'))).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(b.msg);
    });
  }
});
