// The simulate CLI contract (docs/ARCHITECTURE.md): JSON fields, readable output, exit 2 on bad input.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/simulate.ts', ...args], { encoding: 'utf8' });

describe('npm run simulate', () => {
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

  it('kernel run with --grid/--array overrides and --json', () => {
    const r = run('--chip', 'wormhole-n150', '--kernel', 'matmul', '--shape', 'M=64,N=96,K=40', '--grid', '2x3', '--array', '8x8', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.cycles).toBeGreaterThan(0);
    expect(j.bytes.hbm).toBeGreaterThan(0);
    expect(j.passes[0].planTiles).toBe(1 * 2); // 64x96 in 64x64 blocks: one row, two columns
  });

  it('readable summary for a prefill', () => {
    const r = run('--chip', 'tpu-v5e', '--model', 'gpt2-small', '--phase', 'prefill', '--tokens', '128');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gpt2-small prefill on 1 x tpu-v5e/);
    expect(r.stdout).toMatch(/J\/token/);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--chip', 'nope', '--model', 'llama3-8b'], /allowed: jalapeno, tpu-v5e, wormhole-n150, groq-lpu, h100/],
    [['--chip', 'jalapeno', '--model', 'llama4'], /allowed: llama3-8b, llama3-70b, gpt2-small/],
    [['--chip', 'jalapeno', '--frobnicate', '1'], /unknown flag --frobnicate; allowed: --chip/],
    [['--chip', 'jalapeno', '--kernel', 'fft'], /allowed: matmul/],
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
});
