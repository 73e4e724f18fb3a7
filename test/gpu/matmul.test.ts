// f32 matmul on real WebGPU (Dawn in Node; SwiftShader on CI) against the CPU reference,
// and the instrumented kernels' traffic against the plan.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { GEMV, matmul } from '../../src/kernels/matmul.ts';
import { planTotals } from '../../src/kernels/plan.ts';
import { expectMatchesReference, expectTrafficMatchesPlan, gpu } from './harness.ts';

const cases = [
  { M: 1, N: 64, K: 64, note: 'a single row (decode-like GEMV)' },
  { M: 7, N: 33, K: 17, note: 'odd sizes everywhere: ragged in every dimension' },
  { M: 33, N: 7, K: 100, note: 'tall-skinny, K not a multiple of BK' },
  { M: 64, N: 64, K: 16, note: 'exactly one default tile and one K step' },
  { M: 65, N: 65, K: 17, note: 'tile + 1 in M, N and K' },
  { M: 128, N: 96, K: 48, note: 'several full tiles' },
];

describe('matmul (f32) matches the CPU reference', () => {
  for (const variant of ['naive', 'tiled'] as const) {
    for (const c of cases) {
      it(`${variant} M=${c.M} N=${c.N} K=${c.K}: ${c.note}`, async () => {
        const plan = matmul.plan(matmul.validate({ M: c.M, N: c.N, K: c.K }), variant);
        await expectMatchesReference(matmul, plan);
      });
    }
  }
  it('tiled with non-default tiles (BM=32, BN=16, BK=8, TM=2, TN=1)', async () => {
    const plan = matmul.plan(matmul.validate({ M: 45, N: 37, K: 29, BM: 32, BN: 16, BK: 8, TM: 2, TN: 1 }), 'tiled');
    await expectMatchesReference(matmul, plan);
  });
  it('tiled-f16 where the adapter has shader-f16, else is refused with a reason', async () => {
    const ctx = await gpu();
    const plan = matmul.plan(matmul.validate({ M: 33, N: 17, K: 40 }), 'tiled-f16');
    if (ctx.hasFeature('shader-f16')) {
      await expectMatchesReference(matmul, plan);
    } else {
      await expect(expectMatchesReference(matmul, plan)).rejects.toThrow(/needs the adapter feature "shader-f16"/);
    }
  });
});

describe('matmul: instrumented traffic equals the plan, per workgroup', () => {
  for (const variant of ['naive', 'tiled'] as const) {
    for (const c of [cases[1], cases[4], { M: 40, N: 70, K: 33, note: 'ragged' }]) {
      it(`${variant} M=${c.M} N=${c.N} K=${c.K}`, async () => {
        const plan = matmul.plan(matmul.validate({ M: c.M, N: c.N, K: c.K, BM: 32, BN: 32, BK: 8 }), variant);
        await expectTrafficMatchesPlan(matmul, plan);
      });
    }
  }
});

// gemv: MR = min(M, 8) rows per workgroup, 32 columns (8 vec4 lanes) per workgroup, K in chunks of 128.
const gemvCases = [
  { M: 1, N: 64, K: 64, note: 'one token: the decode shape' },
  { M: 1, N: 36, K: 300, note: 'N = 36: a ragged last workgroup (one vec4 lane); K = 2 chunks + 44' },
  { M: 3, N: 8, K: 5, note: 'a small batch; K smaller than the 32 K slices (most lanes idle)' },
  { M: 8, N: 100, K: 129, note: 'the largest M gemv takes in one workgroup row' },
  { M: 11, N: 12, K: 40, note: 'M > 8: two workgroup rows (8 + 3)' },
];

describe('matmul gemv (small M) matches the CPU reference; its traffic equals the plan', () => {
  for (const c of gemvCases) {
    it(`gemv M=${c.M} N=${c.N} K=${c.K}: ${c.note}`, async () => {
      const plan = matmul.plan(matmul.validate({ M: c.M, N: c.N, K: c.K }), 'gemv');
      await expectMatchesReference(matmul, plan);
    });
  }
  for (const c of [gemvCases[1], gemvCases[4]]) {
    it(`gemv traffic M=${c.M} N=${c.N} K=${c.K}`, async () => {
      await expectTrafficMatchesPlan(matmul, matmul.plan(matmul.validate({ M: c.M, N: c.N, K: c.K }), 'gemv'));
    });
  }
  it('the default variant is gemv for M ≤ 8 with N a multiple of 4, tiled otherwise', () => {
    const pick = (M: number, N: number) => matmul.pickVariant!(matmul.validate({ M, N, K: 64 }));
    expect([pick(1, 4096), pick(8, 4096), pick(9, 4096), pick(1, 4094), pick(512, 4096)]).toEqual(['gemv', 'gemv', 'tiled', 'tiled', 'tiled']);
  });
  it('gemv reads every weight once at M = 1 (tiled reads it once too, but computes a 64-row tile)', () => {
    const [M, N, K] = [1, 4096, 512];
    const g = planTotals(matmul.plan(matmul.validate({ M, N, K }), 'gemv'));
    expect(g.loadByTensor.B).toBe(4 * K * N);
    expect(g.loadByTensor.A).toBe(4 * M * K * (N / (4 * GEMV.TX))); // A once per 32-column workgroup
    expect(() => matmul.plan(matmul.validate({ M: 1, N: 30, K: 8 }), 'gemv')).toThrow(/N must be a multiple of 4, got 30; use the tiled variant/);
  });
});

describe('matmul: property test over random shapes and tiles', () => {
  it('tiled matches the reference for random (M, N, K, BM, BN, BK, TM, TN)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.constantFrom(16, 32),
        fc.constantFrom(16, 32),
        fc.constantFrom(4, 8, 16),
        fc.constantFrom(1, 2, 4),
        fc.constantFrom(1, 2, 4),
        async (M, N, K, BM, BN, BK, TM, TN) => {
          fc.pre((BM / TM) * (BN / TN) <= 256); // the workgroup-size rule the plan enforces
          const plan = matmul.plan(matmul.validate({ M, N, K, BM, BN, BK, TM, TN }), 'tiled');
          await expectMatchesReference(matmul, plan, M * 7 + N);
        },
      ),
      { numRuns: 12, seed: 20261122 },
    );
  });
});
