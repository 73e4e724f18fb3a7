// f32 matmul on real WebGPU (Dawn in Node; SwiftShader on CI) against the CPU reference,
// and the instrumented kernels' traffic against the plan.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { matmul } from '../../src/kernels/matmul.ts';
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
