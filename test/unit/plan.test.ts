// Plans are the single source of truth for dispatch, instrumentation and the chip model:
// check their structure and their traffic against closed forms written out by hand here.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { matmul } from '../../src/kernels/matmul.ts';
import { kernelByName } from '../../src/kernels/registry.ts';
import { checkPartition, planTotals, passTotals, perTileBytes, kLoop, stepTotals, axisRanges } from '../../src/kernels/plan.ts';
import { KernelInputError } from '../../src/kernels/kernel.ts';

const ceil = (a: number, b: number) => Math.ceil(a / b);

describe('matmul plans', () => {
  const shapes = [
    { M: 1, N: 1, K: 1 },
    { M: 7, N: 33, K: 17 },
    { M: 64, N: 64, K: 16 },
    { M: 65, N: 129, K: 100 },
    { M: 4096, N: 4096, K: 4096 },
  ];
  for (const s of shapes) {
    it(`tiled ${s.M}x${s.N}x${s.K}: grid, partition and closed-form traffic`, () => {
      const plan = matmul.plan(matmul.validate(s), 'tiled');
      const pass = plan.passes[0];
      expect(pass.grid).toEqual([ceil(s.N, 64), ceil(s.M, 64), 1]);
      expect(pass.workgroupSize).toEqual([8, 8, 1]);   // default tiles: 64x64 blocks, 8x8 register tiles
      checkPartition(pass);
      const t = planTotals(plan);
      // Each row-block of A is read once per column-block of C, and vice versa.
      expect(t.loadByTensor.A).toBe(4 * s.M * s.K * ceil(s.N, 64));
      expect(t.loadByTensor.B).toBe(4 * s.K * s.N * ceil(s.M, 64));
      expect(t.storeByTensor.C).toBe(4 * s.M * s.N);
      expect(t.macs).toBe(s.M * s.N * s.K);
      expect(plan.flops).toBe(2 * s.M * s.N * s.K);
      // Compact: at most 4 tile classes (interior, right edge, bottom edge, corner).
      expect(pass.tiles.length).toBeLessThanOrEqual(4);
    });
    it(`naive ${s.M}x${s.N}x${s.K}: every output streams a row and a column`, () => {
      const plan = matmul.plan(matmul.validate(s), 'naive');
      checkPartition(plan.passes[0]);
      const t = planTotals(plan);
      expect(t.loadByTensor.A).toBe(4 * s.M * s.N * s.K);
      expect(t.loadByTensor.B).toBe(4 * s.M * s.N * s.K);
    });
  }
  it('a 4096^3 plan is cheap to build and total (arithmetic tile classes, not a tile list)', () => {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) passTotals(matmul.plan(matmul.validate({ M: 4096, N: 4096, K: 4096 }), 'tiled').passes[0]);
    expect((performance.now() - t0) / 100).toBeLessThan(5); // generous: a few microseconds expected
  });
  it('per-tile bytes sum to the pass totals', () => {
    const plan = matmul.plan(matmul.validate({ M: 70, N: 90, K: 33, BM: 32, BN: 32, BK: 8 }), 'tiled');
    const per = perTileBytes(plan.passes[0]);
    const t = passTotals(plan.passes[0]);
    expect(per.load.reduce((a, b) => a + b, 0)).toBe(t.loadBytes);
    expect(per.store.reduce((a, b) => a + b, 0)).toBe(t.storeBytes);
  });
  it('property: random shapes and tiles partition the grid and conserve MACs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom(16, 32, 64),
        fc.constantFrom(16, 32, 64),
        fc.constantFrom(4, 8, 16, 32),
        (M, N, K, BM, BN, BK) => {
          const plan = matmul.plan(matmul.validate({ M, N, K, BM, BN, BK }), 'tiled');
          checkPartition(plan.passes[0]);
          const t = planTotals(plan);
          return t.macs === M * N * K && t.storeBytes === 4 * M * N;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('int8 gemv plans: traffic in closed form (by hand)', () => {
  const int8 = kernelByName('matmul-int8');
  const shapes = [
    { M: 1, N: 4096, K: 4096, group: 32, note: 'Llama-3-8B o-proj, one decode token, GGUF Q8_0 blocks' },
    { M: 3, N: 33, K: 1056, group: 32, note: '33 groups: a full 64-word Xq chunk + one group; N ragged' },
    { M: 9, N: 8, K: 80, group: 48, BKW: 4, note: 'group 48 (3 words, chunks of 63): last group ragged; two row blocks' },
    { M: 1, N: 4096, K: 4096, group: 0, note: 'per-column scales (the other gemv shader)' },
  ];
  for (const { note, ...s } of shapes) {
    it(`${JSON.stringify(s)}: ${note}`, () => {
      const plan = int8.plan(int8.validate(s), 'gemv');
      const pass = plan.passes[1];
      checkPartition(pass);
      const KW = ceil(s.K, 4), NG = s.group === 0 ? 1 : ceil(s.K, s.group);
      const rowBlocks = ceil(s.M, 8), colBlocks = ceil(s.N, 8); // min(M, 8) rows x 8 columns per workgroup
      expect(pass.shader).toBe(s.group === 0 ? 'matmul_int8_gemv' : 'matmul_int8_gemv_group');
      expect(pass.grid).toEqual([colBlocks, rowBlocks, 1]);
      const t = passTotals(pass);
      // Wq once per row block (once at M <= 8), its scales likewise; Xq and xScale once per column block
      // (xScale by the one writing lane of each column, so once per output); Y written once.
      expect(t.loadByTensor).toEqual({ Wq: 4 * s.N * KW * rowBlocks, wScale: 4 * NG * s.N * rowBlocks, Xq: 4 * s.M * KW * colBlocks, xScale: 4 * s.M * s.N });
      expect(t.storeByTensor).toEqual({ Y: 4 * s.M * s.N });
      expect(t.macs).toBe(s.M * s.N * 4 * KW);
      // compulsory traffic: X (f32), Wq, the scales, Y
      expect(plan.ioBytes).toBe(4 * s.M * s.K + 4 * s.N * KW + 4 * NG * s.N + 4 * s.M * s.N);
    });
  }
});

describe('plan helpers', () => {
  it('axisRanges splits 70 by 32 into two full blocks and a ragged 6', () => {
    expect(axisRanges(70, 32)).toEqual([
      { range: [0, 2], size: 32 },
      { range: [2, 3], size: 6 },
    ]);
  });
  it('kLoop emits a loop of full steps and one tail step', () => {
    const steps = kLoop(37, 16, (kb) => [{ kind: 'mac', count: kb, dtype: 'f32' }]);
    expect(stepTotals(steps).macs).toBe(37);
    expect(steps[0]).toMatchObject({ kind: 'loop', count: 2 });
  });
});

describe('invalid problems get clear errors', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ M: 0 }, /M must be in \[1, 65536\], got 0/],
    [{ N: -3 }, /N must be in \[1, 65536\], got -3/],
    [{ K: 2.5 }, /K must be an integer/],
    [{ M: '8' }, /M must be an integer/],
    [{ Q: 1 }, /unknown parameter "Q"; allowed: M, N, K/],
  ];
  for (const [raw, re] of bad) {
    it(`${JSON.stringify(raw)} -> ${re}`, () => {
      expect(() => matmul.validate(raw)).toThrow(KernelInputError);
      expect(() => matmul.validate(raw)).toThrow(re);
    });
  }
  it('tile sizes that break the kernel are refused with the rule', () => {
    expect(() => matmul.plan(matmul.validate({ BM: 128, BN: 128, TM: 2, TN: 2 }), 'tiled')).toThrow(/at most 256 are allowed/);
    expect(() => matmul.plan(matmul.validate({ BM: 48 }), 'tiled')).toThrow(/BM must be a power of two/);
    const erased = kernelByName('matmul'); // as the CLI and the worker call it: any string
    expect(() => erased.plan(erased.validate({}), 'fast')).toThrow(/unknown variant "fast"; allowed: naive, tiled, tiled-f16/);
  });
});
