// The simulate CLI contract (docs/ARCHITECTURE.md): JSON fields, readable output, exit 2 on bad input.
// The cases call the command line's function in this process (simulateCli: what it prints and its exit status);
// the first case runs the real program, so the process contract (stdout, stderr, exit code, no stack trace) is its own.
import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { format } from 'node:util';
import { simulateCli } from '../../src/cli/simulate.ts';

const program = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/simulate.ts', ...args], { encoding: 'utf8' });

/** simulateCli in-process, shaped as spawnSync's answer: console.log / info to stdout, console.error / warn to stderr. */
function run(...args: string[]): { status: number; stdout: string; stderr: string } {
  const out: string[] = [], err: string[] = [];
  const spies = [
    ...(['log', 'info'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void out.push(format(...a) + '\n'))),
    ...(['error', 'warn'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void err.push(format(...a) + '\n'))),
  ];
  try {
    return { status: simulateCli(args), stdout: out.join(''), stderr: err.join('') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

describe('npm run simulate', () => {
  it('the program itself: the JSON on stdout with exit 0; a bad flag and an input the model refuses: one line on stderr, exit 2, no stack trace; each as in-process', () => {
    const args = ['--chip', 'jalapeno', '--model', 'gpt2-small', '--phase', 'decode', '--context', '128', '--json'];
    const ok = program(...args);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toEqual(JSON.parse(run(...args).stdout));
    for (const bad of [['--chip', 'nope', '--model', 'llama3-8b'], ['--chip', 'h100', '--model', 'llama3-70b', '--phase', 'decode', '--chips', '3']]) {
      const r = program(...bad);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r).toMatchObject(run(...bad));
    }
  });

  it('model run --json has the contract fields', () => {
    const r = run('--chip', 'jalapeno', '--model', 'llama3-8b', '--phase', 'decode', '--context', '4096', '--batch', '1', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['timeS', 'cycles', 'utilization', 'energyJ', 'perTokenMs', 'tokensPerS', 'joulesPerToken']) expect(typeof j[k], k).toBe('number');
    for (const k of ['hbm', 'noc', 'sram']) expect(typeof j.bytes[k], k).toBe('number');
    expect(j.ops.length).toBeGreaterThan(5);
    for (const o of j.ops) {
      expect(typeof o.name).toBe('string');
      expect(typeof o.timeS).toBe('number');
      expect(['compute', 'memory', 'noc']).toContain(o.bound);
    }
  });

  it('--inflight ISL/OSL: the in-flight batching step, which batching applied, and the output tokens/s (issue 26 item 3)', () => {
    // 128/33 with 80 tokens per step: 16 sequences + 16 x 128 / 32 = 64 prefill tokens, 16.5 output tokens per step
    const r = run('--chip', 'h100', '--model', 'llama3-8b', '--weights', 'fp8', '--kv', 'fp8', '--chips', '1', '--inflight', '128/33', '--max-tokens', '80', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.inflight).toMatchObject({ batch: 16, carried: 64, context: 144, isl: 128, osl: 33, maxTokens: 80, limitedBy: 'max-tokens' });
    expect(j.inflight.outputTokensPerS).toBeCloseTo(16.5 / j.timeS, 6);
    expect(j.batching).toMatch(/^in-flight batching: 16 sequences/);
    const text = run('--chip', 'h100', '--model', 'llama3-8b', '--inflight', '128/128');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/batching: in-flight batching: \d+ sequences decoding/);
    // bf16 on one H100: the KV cache sets the batch, past the 1,024 sequences of one decode-attention dispatch
    // (the attention runs in groups), and the step carries round(B x 128 / 127) prefill tokens
    expect(text.stdout).toMatch(/batch set by the KV cache/);
    const [, B, C] = /output [\d,]+ tokens\/s \((\d+) \+ (\d+) \/ 128 output tokens per step\)/.exec(text.stdout)!.map(Number);
    expect(B).toBeGreaterThan(1024);
    expect(C).toBe(Math.round((B * 128) / 127));
    // a plain step says it is a static batch
    expect(run('--chip', 'h100', '--model', 'llama3-8b', '--batch', '4').stdout).toMatch(/batching: static batching: the 4 sequence\(s\) all in decode/);
    // bad input: one line, exit 2 (why each: not ISL/OSL; a flag the steady state sets; --max-tokens without --inflight)
    for (const [args, re] of [
      [['--inflight', '128'], /--inflight must be ISL\/OSL/],
      [['--inflight', '128/128', '--context', '5'], /--context does not go with --inflight/],
      [['--max-tokens', '100'], /--max-tokens goes with --inflight/],
    ] as const) {
      const bad = run('--chip', 'h100', '--model', 'llama3-8b', ...args);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(re);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('kernel run with --grid/--array overrides and --json', () => {
    const r = run('--chip', 'wormhole-n150', '--kernel', 'matmul', '--shape', 'M=64,N=96,K=40', '--grid', '2x3', '--array', '8x8', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.cycles).toBeGreaterThan(0);
    expect(j.bytes.hbm).toBeGreaterThan(0);
    expect(j.passes[0].planTiles).toBe(1 * 2); // 64x96 in 64x64 blocks: one row, two columns
  });

  it('kernel --as deployed --beside MODEL: the op as the model runs it, its split, and no difference (issue 23)', () => {
    const r = run('--chip', 'h100', '--kernel', 'qkv', '--shape', 'M=1,D=4096,Hq=32,Hkv=8,dh=128', '--as', 'deployed', '--beside', 'llama3-8b', '--context', '1024', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.variant).toBe('fused@bf16');
    expect(j.differences).toEqual([]);
    expect(Math.abs(j.timeS / j.modelOp.timeS - 1)).toBeLessThan(0.01);
    expect(j.breakdown.launch).toBe(2.5e-6); // h100 kernelLaunchS (presets.ts)
    expect(j.timeS).toBeCloseTo(j.breakdown.compute + j.breakdown.memory + j.breakdown.launch + j.breakdown.collective, 15);
    // the raw plan (the default) says why it differs, in the readable output
    const raw = run('--chip', 'h100', '--kernel', 'qkv', '--shape', 'M=1,D=4096,Hq=32,Hkv=8,dh=128', '--beside', 'llama3-8b');
    expect(raw.status, raw.stderr).toBe(0);
    expect(raw.stdout).toMatch(/raw plan: qkv\/fused exactly as asked/);
    expect(raw.stdout).toMatch(/op time [\d.]+ µs = compute [\d.]+ \+ memory [\d.]+ \+ launch gap 2\.500 \+ collective 0\.000 µs/);
    expect(raw.stdout).toMatch(/why they differ: The kernel .* slower than llama3-8b's qkv op/);
  }, 60_000);

  it('readable summary for a prefill', () => {
    const r = run('--chip', 'tpu-v5e', '--model', 'gpt2-small', '--phase', 'prefill', '--tokens', '128');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gpt2-small prefill on 1 x tpu-v5e/);
    expect(r.stdout).toMatch(/J\/token/);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--chip', 'nope', '--model', 'llama3-8b'], /allowed: jalapeno, tpu-v5e, wormhole-n150, groq-lpu, h100/],
    [['--chip', 'jalapeno', '--model', 'llama4'], /allowed: llama3-8b, llama3-70b, llama2-7b, llama2-70b, gpt2-small/],
    [['--chip', 'jalapeno', '--frobnicate', '1'], /unknown flag --frobnicate; allowed: --chip/],
    [['--chip', 'jalapeno', '--kernel', 'fft'], /allowed: matmul/],
    [['--chip', 'jalapeno', '--kernel', 'matmul', '--as', 'cooked'], /--as must be raw or deployed, got "cooked"/],
    [['--chip', 'jalapeno', '--kernel', 'matmul', '--beside', 'llama9'], /unknown model preset "llama9" for --beside; allowed: llama3-8b/],
    [['--chip', 'jalapeno', '--kernel', 'matmul', '--variant', 'fast'], /unknown variant "fast" of matmul; allowed: naive, tiled/],
    [['--chip', 'jalapeno', '--model', 'llama3-8b', '--dataflow', 'row-stationary'], /allowed: output-stationary, weight-stationary/],
    [['--chip', 'jalapeno', '--grid', '0x4', '--model', 'gpt2-small'], /config\.grid\.rows must be in \[1, 256\]/],
  ];
  for (const [args, re] of bad) {
    it(`exit 2 and the allowed values: ${args.join(' ')}`, () => {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(re);
    });
  }

  // the issue's crashes (uncaught stack traces, exit 1) and the new flags' bad values: one line, exit 2
  const crashes: Array<[string[], RegExp]> = [
    [['--chip', 'h100', '--model', 'llama3-70b', '--phase', 'decode', '--chips', '3'], /chips 3 must divide the 64 attention heads of llama3-70b .*allowed: 1, 2, 4, 8/],
    [['--chip', 'jalapeno', '--model', 'llama3-8b', '--phase', 'prefill', '--tokens', '65536', '--batch', '2'], /tokens x batch = 131072 rows exceeds the 65536 rows a GEMM takes/],
    [['--chip', 'h100', '--model', 'llama3-8b', '--weights', 'int3'], /--weights must be one of bf16, fp8, int8, int4, bfp8, bfp4, q4_0, q4_k, q5_k, q6_k, q4_1, q5_0, q5_1, q8_0, q3_k, q2_k, iq4_nl, iq4_xs, f16, f32, got "int3"/],
    [['--chip', 'h100', '--model', 'llama3-8b', '--kv', 'int4'], /--kv must be one of bf16, fp8, int8, bfp8, got "int4"/],
    [['--chip', 'h100', '--model', 'llama3-8b', '--precision', 'int8', '--weights', 'fp8'], /--precision int8 and --weights fp8 disagree/],
    [['--chip', 'h100', '--model', 'llama3-8b', '--fusion', 'magic'], /--fusion must be one of none, elementwise, activations, pipeline/],
  ];
  for (const [args, re] of crashes) {
    it(`one-line usage error, exit 2: ${args.join(' ')}`, () => {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('the issue\'s wormhole-n150 llama3-70b prefill 2048 x 4 int8 runs and picks a chip count dividing the heads', () => {
    const r = run('--chip', 'wormhole-n150', '--model', 'llama3-70b', '--phase', 'prefill', '--tokens', '2048', '--batch', '4', '--precision', 'int8', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(64 % j.parallel.tensor).toBe(0);
  });

  it('--weights / --kv set the formats; --precision F is --weights F with a bf16 KV cache; ops carry breakdowns summing to their time', () => {
    const a = JSON.parse(run('--chip', 'h100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '64', '--weights', 'int8', '--kv', 'bf16', '--json').stdout);
    const b = JSON.parse(run('--chip', 'h100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '64', '--precision', 'int8', '--json').stdout);
    expect(a.formats).toEqual({ weights: 'int8', mlpWeights: 'int8', kv: 'bf16' });
    expect(b.timeS).toBe(a.timeS);
    for (const o of a.ops) {
      const s = o.breakdown.compute + o.breakdown.memory + o.breakdown.launch + o.breakdown.collective;
      expect(s).toBeCloseTo(o.timeS, 12);
      expect(typeof o.savedBytes.hbm).toBe('number');
    }
  });

  it('int8 moves no more bytes than bf16 on the issue\'s jalapeno gpt2-small decode at context 0', () => {
    const bytes = (p: string) => JSON.parse(run('--chip', 'jalapeno', '--model', 'gpt2-small', '--phase', 'decode', '--context', '0', '--precision', p, '--json').stdout).bytes;
    const bf = bytes('bf16'), q = bytes('int8');
    expect(q.hbm).toBeLessThanOrEqual(bf.hbm);
    expect(q.hbm + q.noc + q.sram).toBeLessThanOrEqual(bf.hbm + bf.noc + bf.sram);
  });

  it('--claims on jalapeno: the check against the h100 reference, in the JSON and in words', () => {
    const r = run('--chip', 'jalapeno', '--model', 'llama3-8b', '--phase', 'decode', '--context', '1024', '--claims', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.claims.reference).toBe('h100');
    expect(j.claims.checks).toHaveLength(3);
    expect(j.fusion.applied).toBe('pipeline');
    const t = run('--chip', 'jalapeno', '--model', 'llama3-8b', '--phase', 'decode', '--context', '1024', '--claims');
    expect(t.stdout).toMatch(/claims \(h100 reference/);
    expect(t.stdout).toMatch(/carried by: no launch gaps/);
  });
});
