// int8 matmul (quantize pass + dot4 / unpacked matmul) on real WebGPU (Dawn in Node; SwiftShader
// on CI) against the CPU reference: the int32 accumulators and the quantized activations exactly,
// the dequantized f32 output within the epilogue's rounding bound; instrumented traffic against
// the plan for both passes; plan arithmetic and input validation without a GPU.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { int8MatmulRef, int8Rtol, matmulInt8, type Int8Params, type MatmulInt8Variant } from '../../src/kernels/matmul-int8.ts';
import { quantizeWeights } from '../../src/kernels/quant.ts';
import { kernelByName } from '../../src/kernels/registry.ts';
import { groupCount, packColumns, packWord, quantizeRows } from '../../src/kernels/quant.ts';
import { KernelInputError, randomF32, type Tensors } from '../../src/kernels/kernel.ts';
import { compareArrays } from '../../src/kernels/compare.ts';
import { checkPartition, passTotals, type Plan } from '../../src/kernels/plan.ts';
import { runPlanOnce } from '../../src/gpu/runner.ts';
import { expectMatchesReference, expectTrafficMatchesPlan, gpu } from './harness.ts';

const VARIANTS = ['dot4', 'unpacked'] as const;

function planOf(params: Record<string, unknown>, variant: MatmulInt8Variant): Plan<Int8Params> {
  return matmulInt8.plan(matmulInt8.validate(params), variant);
}

/**
 * Runs the plan on `inputs` and checks every output against int8MatmulRef: ACC, Xq, xScale
 * exactly ('acc' mode); Y per element within int8Rtol(plan)·Σ_g|acc_g·wScale|·|xScale|
 * (+1e-30 for rows that are all zero), a bound that holds for any input magnitude.
 */
async function expectInt8Matches(plan: Plan<Int8Params>, inputs: Tensors): Promise<Tensors> {
  const { M, N, K, group, output } = plan.params;
  const ctx = await gpu();
  const { outputs } = await runPlanOnce(ctx, plan, inputs);
  const ref = int8MatmulRef(inputs.X as Float32Array, inputs.Wq as Uint32Array, inputs.wScale as Float32Array, M, N, K, group);
  const label = `${plan.variant} ${JSON.stringify(plan.params)}`;
  if (output === 'acc') {
    for (const [name, want, shape] of [
      ['Xq', ref.Xq, [M, Math.ceil(K / 4)]],
      ['xScale', ref.xScale, [M]],
      ['ACC', ref.acc, [M, N]],
    ] as const) {
      const cmp = compareArrays(name, outputs[name], want, 'exact', [...shape]);
      expect(cmp.ok, `${label}: ${cmp.summary}`).toBe(true);
    }
  } else {
    const rtol = int8Rtol(plan);
    const got = outputs.Y as Float32Array;
    const bad: string[] = [];
    let count = 0;
    for (let i = 0; i < M * N; i++) {
      const bound = rtol * ref.Yabs[i] + 1e-30;
      if (!(Math.abs(got[i] - ref.Y[i]) <= bound)) {
        count++;
        if (bad.length < 5) bad.push(`Y[${i}] [${Math.floor(i / N)}, ${i % N}]: got ${got[i]}, want ${ref.Y[i]} (bound ${bound.toExponential(2)})`);
      }
    }
    expect(count, `${label}: ${count} of ${M * N} outside the epilogue bound; first: ${bad.join('; ')}`).toBe(0);
  }
  return outputs;
}

// Why each shape is here; the default tile is 64x64 with BKW = 8 words (32 int8 values of K).
const cases = [
  { M: 1, N: 64, K: 64, note: 'a single row (decode-like GEMV)' },
  { M: 7, N: 33, K: 17, note: 'odd sizes everywhere; K not a multiple of 4 (padded word)' },
  { M: 33, N: 7, K: 100, note: 'tall-skinny; K = 100 is 25 words: 3 K steps + a ragged one' },
  { M: 64, N: 64, K: 32, note: 'exactly one default tile and one K step' },
  { M: 65, N: 65, K: 33, note: 'tile + 1 in M and N; 9 words = one K step + 1' },
];

describe('matmul-int8: int32 accumulators and quantized X equal the CPU reference exactly', () => {
  for (const variant of VARIANTS)
    for (const c of cases) {
      it(`${variant} M=${c.M} N=${c.N} K=${c.K}: ${c.note}`, async () => {
        const plan = planOf({ M: c.M, N: c.N, K: c.K, output: 'acc' }, variant);
        await expectInt8Matches(plan, matmulInt8.makeInputs(plan, 3));
      });
    }
});

describe('matmul-int8: dequantized Y matches the reference', () => {
  for (const variant of VARIANTS) {
    for (const c of cases) {
      it(`${variant} per column M=${c.M} N=${c.N} K=${c.K}: ${c.note}`, async () => {
        const plan = planOf({ M: c.M, N: c.N, K: c.K }, variant);
        await expectInt8Matches(plan, matmulInt8.makeInputs(plan, 5));
        await expectMatchesReference(matmulInt8, plan, 5); // the KernelDef's own tolerance too
      });
    }
    for (const g of [
      { M: 33, N: 7, K: 100, group: 32, BKW: 8, note: '4 groups, the last one ragged (4 values)' },
      { M: 7, N: 33, K: 17, group: 32, BKW: 8, note: 'one group larger than K' },
      { M: 65, N: 65, K: 64, group: 32, BKW: 8, note: 'two whole groups, tile + 1' },
      { M: 9, N: 20, K: 100, group: 8, BKW: 2, note: '13 groups of 2 K steps each, ragged last' },
      { M: 5, N: 18, K: 30, group: 4, BKW: 1, note: 'group of 4: one word per group' },
    ]) {
      it(`${variant} per group G=${g.group} M=${g.M} N=${g.N} K=${g.K}: ${g.note}`, async () => {
        const plan = planOf({ M: g.M, N: g.N, K: g.K, group: g.group, BKW: g.BKW }, variant);
        await expectInt8Matches(plan, matmulInt8.makeInputs(plan, 7));
        await expectMatchesReference(matmulInt8, plan, 7);
      });
    }
  }
  it('non-default tiles (BM=16, BN=32, BKW=2, TM=1, TN=4)', async () => {
    const plan = planOf({ M: 45, N: 37, K: 29, BM: 16, BN: 32, BKW: 2, TM: 1, TN: 4 }, 'dot4');
    await expectInt8Matches(plan, matmulInt8.makeInputs(plan, 9));
  });
  it('dot4 runs where the adapter has packed_4x8_integer_dot_product, else is refused with a reason', async () => {
    const ctx = await gpu();
    const plan = planOf({ M: 3, N: 5, K: 9 }, 'dot4');
    expect(plan.requiredLanguageFeatures).toEqual(['packed_4x8_integer_dot_product']);
    expect(planOf({ M: 3, N: 5, K: 9 }, 'unpacked').requiredLanguageFeatures).toEqual([]);
    if (ctx.hasLanguageFeature('packed_4x8_integer_dot_product')) {
      await expectMatchesReference(matmulInt8, plan);
    } else {
      await expect(expectMatchesReference(matmulInt8, plan)).rejects.toThrow(/packed_4x8_integer_dot_product/);
    }
  });
});

describe('matmul-int8: int8 extremes', () => {
  const K = 37;
  // Rows chosen to stress the quantizer: huge next to tiny, zero, below-threshold, one spike,
  // all at ±amax, exact ties (amax 127 makes inv = 1, so x.5 is a real tie), subnormals.
  const rows: number[][] = [
    Array.from({ length: K }, (_, k) => (k % 3 === 0 ? 1e30 * (k % 2 ? -1 : 1) : k % 3 === 1 ? 1e-30 : -3.7e-20 * k)),
    Array.from({ length: K }, () => 0),
    Array.from({ length: K }, (_, k) => (k % 2 ? 1e-37 : -2e-37)),
    Array.from({ length: K }, (_, k) => (k === 11 ? -1e20 : 1)),
    Array.from({ length: K }, (_, k) => (k % 2 ? 0.75 : -0.75)),
    // ties both ways: +even.5 (to even: down, half-up: up) and -odd.5 (to even: away, half-up: toward 0)
    Array.from({ length: K }, (_, k) => (k === 0 ? 127 : k % 2 ? k - 1 + 0.5 : -(k + 1 + 0.5))),
    Array.from({ length: K }, (_, k) => (k === 5 ? 1 : k % 2 ? 1e-45 : -5e-39)),
  ];
  const M = rows.length;
  const X = Float32Array.from(rows.flat());
  const N = 6;
  // Weights at the int8 edges, given directly as int8 (the Wq + wScale user path): columns of
  // +127, -127, -128, alternating ±127/-128, a ramp through every value, and zeros.
  const wi8 = new Int8Array(K * N);
  for (let k = 0; k < K; k++) {
    wi8[k * N + 0] = 127;
    wi8[k * N + 1] = -127;
    wi8[k * N + 2] = -128;
    wi8[k * N + 3] = k % 2 ? 127 : -128;
    wi8[k * N + 4] = ((k * 7) % 256) - 128;
    wi8[k * N + 5] = 0;
  }
  const wScale = Float32Array.from([1 / 127, 0.5, 2e-3, 1, 3e-5, 1]);

  for (const variant of VARIANTS)
    for (const output of ['acc', 'f32'] as const) {
      it(`${variant} ${output}: huge/tiny/zero/tie rows against ±127 and -128 weights`, async () => {
        const plan = planOf({ M, N, K, output }, variant);
        const inputs = matmulInt8.fromUser!(plan, { X, Wq: wi8, wScale });
        const out = await expectInt8Matches(plan, inputs);
        if (output === 'acc') {
          // Independent spot checks of the extremes (not from the reference): the spike row
          // quantizes to one -127, every other element to 0; the ±0.75 row to ±127.
          const acc = out.ACC as Int32Array;
          expect(acc[3 * N + 2]).toBe(-127 * -128);
          expect(acc[1 * N + 0]).toBe(0);
          expect(acc[2 * N + 0]).toBe(0); // below 2^-119: the row quantizes to zero
          let alt = 0;
          for (let k = 0; k < K; k++) alt += (k % 2 ? 127 : -127) * (k % 2 ? 127 : -128);
          expect(acc[4 * N + 3]).toBe(alt);
          expect(acc[6 * N + 0]).toBe(127 * 127); // subnormals are 0, the 1 is the row max
        }
      });
    }

  for (const variant of VARIANTS) {
    it(`${variant}: packed words 0x80808080 (-128 in every lane) through the ${variant === 'unpacked' ? 'shift/sign-extension' : 'dot4'} path`, async () => {
      const K2 = 40, N2 = 3, M2 = 2;
      const plan = planOf({ M: M2, N: N2, K: K2, output: 'acc' }, variant);
      const X2 = new Float32Array(M2 * K2);
      for (let k = 0; k < K2; k++) {
        X2[k] = -1; // row 0 quantizes to all -127
        X2[K2 + k] = k % 4 === 3 ? 2 : 1; // row 1: 127 in lane 3, 64 elsewhere (inv = 63.5 exactly, a tie, to even)
      }
      const KW = K2 / 4;
      const Wq = new Uint32Array(N2 * KW);
      for (let w = 0; w < KW; w++) {
        Wq[0 * KW + w] = 0x80808080; // all -128
        Wq[1 * KW + w] = packWord(-128, 127, -128, 127);
        Wq[2 * KW + w] = packWord(0, 0, 0, -128);
      }
      const inputs = { X: X2, Wq, wScale: new Float32Array(N2).fill(1) };
      const out = await expectInt8Matches(plan, inputs);
      expect([...(out.ACC as Int32Array)]).toEqual([
        -127 * -128 * K2, KW * (-127 * -128 * 2 + -127 * 127 * 2), KW * (-127 * -128),
        KW * (64 * -128 * 3 + 127 * -128), KW * (64 * -128 + 64 * 127 + 64 * -128 + 127 * 127), KW * (127 * -128),
      ]);
    });
  }
});

describe('matmul-int8: instrumented traffic equals the plan, per workgroup, both passes', () => {
  const shapes = [
    { M: 7, N: 33, K: 17, note: 'ragged everywhere, default tiles' },
    { M: 40, N: 70, K: 33, BM: 32, BN: 32, BKW: 4, note: 'ragged, 3x2 tiles, ragged K step' },
    { M: 40, N: 70, K: 100, BM: 32, BN: 32, BKW: 4, group: 16, note: 'per group: 7 groups, the last ragged' },
    { M: 40, N: 70, K: 33, BM: 32, BN: 32, BKW: 4, output: 'acc', note: 'int32 output: no scale loads' },
  ];
  for (const variant of VARIANTS)
    for (const s of shapes) {
      const { note, ...params } = s;
      it(`${variant} ${JSON.stringify(params)}: ${note}`, async () => {
        const plan = planOf(params, variant);
        const stats = await expectTrafficMatchesPlan(matmulInt8, plan);
        expect(stats.length).toBe(2);
      });
    }
});

// gemv (few rows): 8 columns x min(M, 8) rows per workgroup, 32 lanes per column reading 16 int8 per load,
// Xq staged 64 vec4 words (1024 values) at a time.
const gemvCases = [
  { M: 1, N: 33, K: 64, note: 'one token; N = 4 column groups + 1 (ragged workgroup); 4 vec4 words: most lanes idle' },
  { M: 3, N: 16, K: 1040, note: 'KW/4 = 65: one full Xq chunk + 1 word' },
  { M: 2, N: 9, K: 2048, note: 'KW/4 = 512: every lane takes 16 words over 8 chunks' },
  { M: 9, N: 8, K: 32, note: 'M = 9: two workgroup rows (8 + 1)' },
];

describe('matmul-int8 gemv (small M): exact accumulators, Y within the bound, traffic == plan', () => {
  for (const { note, ...c } of gemvCases) {
    it(`gemv ${JSON.stringify(c)}: ${note}`, async () => {
      const acc = planOf({ ...c, output: 'acc' }, 'gemv');
      await expectInt8Matches(acc, matmulInt8.makeInputs(acc, 3));
      const y = planOf(c, 'gemv');
      await expectInt8Matches(y, matmulInt8.makeInputs(y, 4));
    });
  }
  for (const { note, ...c } of [gemvCases[0], gemvCases[2]]) {
    it(`gemv traffic ${JSON.stringify(c)}: ${note}`, async () => {
      expect(await expectTrafficMatchesPlan(matmulInt8, planOf(c, 'gemv'))).toHaveLength(2);
    });
  }
  it('pickVariant: gemv for M ≤ 8 with K a multiple of 16 and per-column scales or groups of 16·j ≤ 1024, dot4 otherwise', () => {
    const pick = (raw: Record<string, unknown>) => matmulInt8.pickVariant!(matmulInt8.validate(raw));
    expect([pick({ M: 1, K: 4096 }), pick({ M: 8, K: 64 }), pick({ M: 8, K: 64, group: 32 }), pick({ M: 1, K: 4096, group: 1024 }), pick({ M: 1, K: 4096, group: 2048 }), pick({ M: 1, K: 64, group: 8, BKW: 2 }), pick({ M: 9, K: 64 }), pick({ M: 9, K: 64, group: 32 }), pick({ M: 1, K: 100 })])
      .toEqual(['gemv', 'gemv', 'gemv', 'gemv', 'dot4', 'dot4', 'dot4', 'dot4', 'dot4']);
    expect(() => planOf({ M: 1, K: 100 }, 'gemv')).toThrow(/K must be a multiple of 16 and group 0 \(per column\) or a multiple of 16 up to 1024, got K=100, group=0; use dot4/);
    expect(() => planOf({ M: 1, K: 64, group: 8, BKW: 2 }, 'gemv')).toThrow(/got K=64, group=8; use dot4/);
    expect(() => planOf({ M: 1, K: 4096, group: 2048 }, 'gemv')).toThrow(/up to 1024, got K=4096, group=2048/);
    // every weight word is read once at M = 1
    expect(passTotals(planOf({ M: 1, N: 4096, K: 4096 }, 'gemv').passes[1]).loadByTensor.Wq).toBe(4096 * 4096);
  });
});

// gemv with per-group scales (GGUF Q8_0: group 32): a lane owns whole groups (group/16 vec4 words), adds each
// group's dot4s exactly in i32 and scales once; Xq staged in chunks of whole groups (64 words, 63 for group 48).
const gemvGroupCases = [
  { M: 1, N: 33, K: 64, group: 32, note: 'one token, Q8_0 groups: 2 groups of 2 words, N ragged (4 column groups + 1)' },
  { M: 3, N: 16, K: 1056, group: 32, note: '33 groups = 66 words: one full 64-word chunk + one group; lanes 1-31 idle in the second' },
  { M: 2, N: 9, K: 80, group: 48, BKW: 4, note: 'group 48 = 3 words, chunks of 63: the last group ragged (2 words, 32 values)' },
  { M: 9, N: 8, K: 64, group: 16, BKW: 4, note: 'group 16 = 1 word (lane l takes words l, l + 32 as per column); M = 9: two workgroup rows' },
  { M: 2, N: 9, K: 2048, group: 32, note: '64 groups over 2 chunks: every lane two groups' },
];

describe('matmul-int8 gemv with per-group scales (Q8_0): Y within the per-group bound, traffic == plan', () => {
  for (const { note, ...c } of gemvGroupCases) {
    it(`gemv ${JSON.stringify(c)}: ${note}`, async () => {
      const plan = planOf(c, 'gemv');
      expect(plan.passes[1].shader).toBe('matmul_int8_gemv_group');
      await expectInt8Matches(plan, matmulInt8.makeInputs(plan, 11));
    });
  }
  for (const { note, ...c } of [gemvGroupCases[0], gemvGroupCases[2]]) {
    it(`gemv traffic ${JSON.stringify(c)}: ${note}`, async () => {
      expect(await expectTrafficMatchesPlan(matmulInt8, planOf(c, 'gemv'))).toHaveLength(2);
    });
  }
  it('gemv and dot4 meet the same bound through the check pipeline (KernelDef tolerance)', async () => {
    const c = { M: 1, N: 24, K: 96, group: 32 };
    await expectMatchesReference(matmulInt8, planOf(c, 'gemv'), 13);
    await expectMatchesReference(matmulInt8, planOf(c, 'dot4'), 13);
  });
  it('a group whose halves cancel: scaled once as a whole (scaling each 16-value half would round far outside the bound)', async () => {
    // X = 1 everywhere quantizes to 127 (amax 1: inv = 127 exactly). Group 0 of column n: 16 weights +127, 15 of
    // -127 and one -126: acc_0 = 127·(16·127 − 15·127 − 126) = 127, from halves of +258064 and -257937; group 1
    // is zeros. Scales with many significant bits, so half·scale is not exact in f32: a kernel rounding each half
    // would be off by up to 2^-24·258064·s, ~60x the bound 4·(NG + 2)·2^-24·Σ_g|acc_g·s_g|·xScale = 16·2^-24·127·s·xScale.
    const M = 1, N = 8, K = 64, group = 32;
    const plan = planOf({ M, N, K, group }, 'gemv');
    const X = new Float32Array(M * K).fill(1);
    const wi8 = new Int8Array(K * N);
    for (let n = 0; n < N; n++)
      for (let k = 0; k < K; k++) wi8[k * N + n] = k < 16 ? 127 : k < 31 ? -127 : k === 31 ? -126 : 0;
    const wScale = Float32Array.from({ length: 2 * N }, (_, i) => Math.fround(0.1234567 + i * 0.0111113));
    const inputs = matmulInt8.fromUser!(plan, { X, Wq: wi8, wScale });
    await expectInt8Matches(plan, inputs);
    // By hand: xScale = f32(1/127); Y = 127·s_0·xScale.
    const out = (await runPlanOnce(await gpu(), plan, inputs)).outputs.Y as Float32Array;
    const xs = Math.fround(Math.fround(1 / 127));
    for (let n = 0; n < N; n++) {
      const want = 127 * wScale[n] * xs;
      expect(Math.abs(out[n] - want)).toBeLessThanOrEqual(4 * 4 * 2 ** -24 * Math.abs(want));
    }
  });
});

describe('matmul-int8: property test over random small shapes', () => {
  it('acc exact / Y within bound for random M, N, K, group, tiles, variant', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          M: fc.integer({ min: 1, max: 20 }),
          N: fc.integer({ min: 1, max: 40 }),
          K: fc.integer({ min: 1, max: 90 }),
          BKW: fc.constantFrom(1, 2, 4),
          groupSteps: fc.integer({ min: 0, max: 3 }),
          output: fc.constantFrom('f32', 'acc'),
          variant: fc.constantFrom(...VARIANTS),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
        }),
        async (r) => {
          const group = r.output === 'acc' ? 0 : r.groupSteps * 4 * r.BKW;
          const plan = planOf({ M: r.M, N: r.N, K: r.K, BKW: r.BKW, group, output: r.output, BM: 16, BN: 16, TM: 2, TN: 2 }, r.variant);
          await expectInt8Matches(plan, matmulInt8.makeInputs(plan, r.seed));
        },
      ),
      { numRuns: 16, seed: 20261122 },
    );
  });
});

describe('matmul-int8: plan and inputs (no GPU)', () => {
  it('tiles partition both grids and the totals match closed forms', () => {
    for (const p of [
      { M: 7, N: 33, K: 17, group: 0 },
      { M: 65, N: 130, K: 100, group: 32 },
      { M: 1, N: 64, K: 4, group: 0 },
    ]) {
      const plan = planOf({ ...p, BM: 32, BN: 64 }, 'dot4');
      for (const pass of plan.passes) checkPartition(pass);
      const KW = Math.ceil(p.K / 4);
      const NG = groupCount(p.K, p.group);
      const [gx, gy] = plan.passes[1].grid;
      const q = passTotals(plan.passes[0]);
      expect(q.loadByTensor).toEqual({ X: 8 * p.M * p.K });
      expect(q.storeByTensor).toEqual({ Xq: 4 * p.M * KW, xScale: 4 * p.M });
      const t = passTotals(plan.passes[1]);
      expect(t.loadByTensor).toEqual({ Xq: 4 * p.M * KW * gx, Wq: 4 * p.N * KW * gy, xScale: 4 * p.M * gx, wScale: 4 * p.N * NG * gy });
      expect(t.storeByTensor).toEqual({ Y: 4 * p.M * p.N });
      expect(t.macs).toBe(p.M * p.N * 4 * KW);
    }
  });

  // kernel-holdout: group 48 with M ≤ 8 was refused for BKW (default 8: "a multiple of 32"), which gemv does not use
  it('gemv takes a group of 48 with the default BKW, and matches the reference', async () => {
    const p = matmulInt8.validate({ M: 2, N: 5, K: 96, group: 48 });
    expect(matmulInt8.pickVariant!(p)).toBe('gemv');
    await expectMatchesReference(matmulInt8, planOf({ M: 2, N: 5, K: 96, group: 48 }, 'gemv'));
  });

  it('rejects bad problems with what is allowed', () => {
    const bad = (raw: Record<string, unknown>, re: RegExp) => expect(() => matmulInt8.validate(raw)).toThrow(re);
    // the tiled kernels need whole K steps per group; validate leaves that to their plan (gemv takes 16·j)
    expect(() => planOf({ group: 20 }, 'dot4')).toThrow(/group must be 0 \(per column\) or a multiple of 4·BKW = 32 .*lower BKW to 1/);
    bad({ group: 32, output: 'acc' }, /needs group = 0/);
    bad({ BKW: 3 }, /BKW must be a power of two/);
    bad({ M: 0 }, /M must be in \[1, 65535\]/);
    bad({ K: 2.5 }, /K must be an integer/);
    bad({ output: 'i8' }, /output must be one of f32, acc/);
    bad({ BM: 128, BN: 128, TM: 2, TN: 2 }, /at most 256/);
    const erased = kernelByName('matmul-int8'); // as the CLI and the worker call it: any string
    expect(() => erased.plan(erased.validate({}), 'fast')).toThrow(/allowed: dot4, unpacked/);
  });

  it('fromUser: W is quantized on the host like makeInputs; Wq + wScale are packed; bad tensors are named', () => {
    const plan = planOf({ M: 3, N: 5, K: 10, group: 4, BKW: 1 }, 'unpacked');
    const X = randomF32(30, 1);
    const W = randomF32(50, 2);
    const a = matmulInt8.fromUser!(plan, { X, W });
    const b = quantizeWeights(W, 10, 5, 4);
    expect(a.Wq).toEqual(b.Wq);
    expect(a.wScale).toEqual(b.wScale);
    expect(a.wScale.length).toBe(3 * 5);
    const wi8 = new Int8Array(50).fill(-128);
    expect(matmulInt8.fromUser!(plan, { X, Wq: wi8, wScale: new Float32Array(15) }).Wq).toEqual(packColumns(wi8, 10, 5));
    const err = (user: Tensors, re: RegExp) => {
      expect(() => matmulInt8.fromUser!(plan, user)).toThrow(KernelInputError);
      expect(() => matmulInt8.fromUser!(plan, user)).toThrow(re);
    };
    err({ X: new Float32Array(29), W }, /X has 29 elements, expected 30/);
    err({ X: Float32Array.from(X, (v, i) => (i === 4 ? NaN : v)), W }, /X\[4\] is NaN/);
    err({ X }, /missing weights/);
    err({ X, Wq: wi8, wScale: new Float32Array(5) }, /wScale has 5 elements, expected 15/);
    err({ X, Wq: new Uint32Array(50), wScale: new Float32Array(15) }, /Wq must be int8/);
    err({ X, W, Wq: wi8 }, /either W/);
  });

  it('the reference quantizes X per row exactly like quantizeRows', () => {
    const X = randomF32(21, 4, 3);
    const r = int8MatmulRef(X, new Uint32Array(2 * 2), new Float32Array(2), 3, 2, 7, 0);
    expect(r.xScale).toEqual(quantizeRows(X, 3, 7).scale);
  });
});
