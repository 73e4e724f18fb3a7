// The timing helper and the .npy kernel CLI on the real (SwiftShader) device.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpu } from './harness.ts';
import { matmul, matmulRef } from '../../src/kernels/matmul.ts';
import { preparePlan } from '../../src/gpu/runner.ts';
import { timePlan } from '../../src/gpu/timing.ts';
import { encodeNpy, parseNpy } from '../../src/kernels/npy.ts';
import { randomF32 } from '../../src/kernels/kernel.ts';
import { main as kernelCli } from '../../src/cli/kernel.ts';

describe('timePlan', () => {
  it('times with GPU timestamps and with wall time; both positive, ordered quantiles', async () => {
    const ctx = await gpu();
    const plan = matmul.plan(matmul.validate({ M: 64, N: 64, K: 64 }), 'tiled');
    const prepared = await preparePlan(ctx, plan, matmul.makeInputs(plan, 3));
    try {
      const ts = await timePlan(ctx, prepared, { warmup: 1, samples: 5, reps: 2 });
      expect(ts.timer).toBe(ctx.hasFeature('timestamp-query') ? 'timestamp-query' : 'wall');
      const wall = await timePlan(ctx, prepared, { warmup: 0, samples: 5, reps: 2, forceWall: true });
      expect(wall.timer).toBe('wall');
      for (const t of [ts, wall]) {
        expect(t.samplesMs).toHaveLength(5);
        expect(t.medianMs).toBeGreaterThan(0);
        expect(t.p10Ms).toBeLessThanOrEqual(t.medianMs);
        expect(t.medianMs).toBeLessThanOrEqual(t.p90Ms);
      }
      // Wall time includes submission overhead, so it cannot be far below the GPU's own timing.
      expect(wall.medianMs).toBeGreaterThan(ts.medianMs * 0.3);
    } finally {
      prepared.destroy();
    }
  });
});

describe('npm run kernel (CLI on .npy files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kernel-cli-'));
  const M = 5, K = 19, N = 6;
  const A = randomF32(M * K, 11), B = randomF32(K * N, 12);
  writeFileSync(join(dir, 'A.npy'), encodeNpy({ dtype: 'float32', shape: [M, K], data: A }));
  writeFileSync(join(dir, 'B.npy'), encodeNpy({ dtype: 'float32', shape: [K, N], data: B }));

  it('infers M, N, K from the inputs, runs on the GPU and writes C as .npy', async () => {
    const code = await kernelCli(['matmul', '--in', `${join(dir, 'A.npy')},${join(dir, 'B.npy')}`, '--out', join(dir, 'C.npy')]);
    expect(code).toBe(0);
    const C = parseNpy(readFileSync(join(dir, 'C.npy')));
    expect(C.shape).toEqual([M, N]);
    const ref = matmulRef(A, B, M, N, K);
    for (let i = 0; i < ref.length; i++) expect(Math.abs(C.data[i] as number - ref[i])).toBeLessThan(1e-4);
  });
  it('names the tensor and the expected shape when shapes disagree', async () => {
    await expect(kernelCli(['matmul', '--in', `${join(dir, 'B.npy')},${join(dir, 'B.npy')}`, '--out', join(dir, 'C.npy')])).rejects.toThrow(/input B: shape \[19,6\], expected \[K, N\]/);
  });
  it('names the tensor and the expected dtype', async () => {
    writeFileSync(join(dir, 'Ai.npy'), encodeNpy({ dtype: 'int32', shape: [M, K], data: new Int32Array(M * K) }));
    await expect(kernelCli(['matmul', '--in', `${join(dir, 'Ai.npy')},${join(dir, 'B.npy')}`, '--out', join(dir, 'C.npy')])).rejects.toThrow(/input A .*dtype int32, expected float32/);
  });
  it('says which file it could not read', async () => {
    await expect(kernelCli(['matmul', '--in', `${join(dir, 'missing.npy')},${join(dir, 'B.npy')}`, '--out', 'x.npy'])).rejects.toThrow(/input A: cannot read .*missing\.npy/);
  });
  it('rejects a wrong number of inputs and unknown kernels with the allowed values', async () => {
    await expect(kernelCli(['matmul', '--in', join(dir, 'A.npy'), '--out', 'x.npy'])).rejects.toThrow(/missing B in --in/);
    await expect(kernelCli(['nope', '--in', 'a', '--out', 'b'])).rejects.toThrow(/unknown kernel "nope"; available: .*matmul/);
  });
  // qkv's W is [D, (Hq+2Hkv)·dh]: a derived dimension, and bias is optional (Llama-style, no bias).
  it('qkv without a bias: derived W shape checked, D and M inferred, Q/K/V written', async () => {
    const [Mq, D, Hq, Hkv, dh] = [3, 8, 2, 1, 4];
    const Ncol = (Hq + 2 * Hkv) * dh;
    writeFileSync(join(dir, 'X.npy'), encodeNpy({ dtype: 'float32', shape: [Mq, D], data: randomF32(Mq * D, 13) }));
    writeFileSync(join(dir, 'W.npy'), encodeNpy({ dtype: 'float32', shape: [D, Ncol], data: randomF32(D * Ncol, 14) }));
    const outs = ['Q', 'K', 'V'].map((t) => join(dir, `${t}.npy`));
    const args = ['qkv', '--in', `${join(dir, 'X.npy')},${join(dir, 'W.npy')}`, '--out', outs.join(','), '--params', JSON.stringify({ Hq, Hkv, dh })];
    expect(await kernelCli(args)).toBe(0);
    expect(parseNpy(readFileSync(outs[0])).shape).toEqual([Hq, Mq, dh]);
    expect(parseNpy(readFileSync(outs[2])).shape).toEqual([Hkv, Mq, dh]);
    const wrong = [...args.slice(0, -1), JSON.stringify({ Hq, Hkv: 2, dh })];
    await expect(kernelCli(wrong)).rejects.toThrow(/input W: shape \[8,16\], expected \[D, \(Hq\+2Hkv\)·dh\] = \[8,24\]/);
    await expect(kernelCli([...args.slice(0, -1), JSON.stringify({ Hq, Hkv, dh, bias: true })])).rejects.toThrow(/bias = true needs a bias tensor/);
  });
});
