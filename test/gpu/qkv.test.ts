// QKV projection on real WebGPU (Dawn in Node; SwiftShader on CI): fused, unfused and fused-w8
// against f64 CPU references, instrumented traffic against the plan, the plan's X traffic against a
// hand-written closed form, and the errors for bad problems.
import { describe, it, expect } from 'vitest';
import { qkv, type QkvVariant } from '../../src/kernels/qkv.ts';
import { packColumns } from '../../src/kernels/quant.ts';
import { kernelByName } from '../../src/kernels/registry.ts';
import { KernelInputError } from '../../src/kernels/kernel.ts';
import { planTotals } from '../../src/kernels/plan.ts';
import { compareArrays } from '../../src/kernels/compare.ts';
import { runPlanOnce } from '../../src/gpu/runner.ts';
import { expectMatchesReference, expectTrafficMatchesPlan, gpu } from './harness.ts';

// Small tiles keep SwiftShader fast and make the shapes below ragged in interesting ways:
// 8x8 = 64 invocations, each a 2x2 register tile.
const T = { BM: 16, BN: 16, BK: 8, TM: 2, TN: 2 };

const cases = [
  { M: 1, D: 64, Hq: 4, Hkv: 1, dh: 8, bias: true, note: 'one token (decode); GQA 4; a tile straddles k|v' },
  { M: 7, D: 17, Hq: 2, Hkv: 2, dh: 4, bias: false, note: 'odd M and D; MHA (ratio 1); a tile straddles q|k' },
  { M: 33, D: 100, Hq: 8, Hkv: 1, dh: 4, bias: true, note: 'GQA 8; M = 2 tiles + 1; D not a multiple of BK; ragged k|v tile' },
  { M: 16, D: 8, Hq: 2, Hkv: 1, dh: 4, bias: false, note: 'exactly one tile: M = BM, D = BK, N = BN' },
  { M: 17, D: 9, Hq: 3, Hkv: 1, dh: 4, bias: true, note: 'tile + 1 in M and D; N = BN + 4 (N is a multiple of dh, itself of 4)' },
  { M: 7, D: 17, Hq: 8, Hkv: 1, dh: 64, bias: true, note: 'dh = 64, GQA 8: several whole tiles per head' },
  { M: 33, D: 100, Hq: 4, Hkv: 4, dh: 32, bias: false, note: 'dh = 32, MHA, odd sizes, wider D' },
];

const variants = ['fused', 'unfused', 'fused-w8'] as const;

describe('qkv matches the CPU reference (f64 accumulation)', () => {
  for (const variant of variants) {
    for (const c of cases) {
      const { note, ...shape } = c;
      it(`${variant} ${JSON.stringify(shape)}: ${note}`, async () => {
        const plan = qkv.plan(qkv.validate({ ...shape, ...T }), variant);
        await expectMatchesReference(qkv, plan);
      });
    }
  }
  it('default tiles (64x64, BK 16, 8x8 register tile), dh = 128', async () => {
    for (const variant of variants) {
      const plan = qkv.plan(qkv.validate({ M: 33, D: 17, Hq: 4, Hkv: 1, dh: 128, bias: true }), variant);
      await expectMatchesReference(qkv, plan);
    }
  });
  // The fused kernels unroll the register tile by hand (named vec4 rows, up to 8x8): every
  // register-tile shape must match the reference and the plan's traffic, not just the defaults.
  const registerTiles = [
    { BM: 16, BN: 16, BK: 4, TM: 1, TN: 1, note: '1x1: scalar path, per-column epilogue' },
    { BM: 64, BN: 16, BK: 8, TM: 8, TN: 2, note: '8x2: TN < 4, per-column epilogue' },
    { BM: 16, BN: 64, BK: 8, TM: 2, TN: 8, note: '2x8: two vec4 column groups' },
    { BM: 32, BN: 32, BK: 4, TM: 4, TN: 4, note: '4x4 with BK 4' },
  ];
  for (const { note, ...tiles } of registerTiles) {
    it(`register tile ${note}`, async () => {
      for (const variant of ['fused', 'fused-w8'] as const) {
        const plan = qkv.plan(qkv.validate({ M: 37, D: 21, Hq: 4, Hkv: 2, dh: 12, bias: true, ...tiles }), variant);
        await expectMatchesReference(qkv, plan);
        await expectTrafficMatchesPlan(qkv, plan);
      }
    });
  }
});

// gemv (few tokens): 32 columns of [q | k | v] per workgroup, min(M, 8) tokens, D in chunks of 128.
const gemvCases = [
  { M: 1, D: 64, Hq: 4, Hkv: 1, dh: 8, bias: true, note: 'one token with bias; N = 48: a 32-column workgroup straddles q|k|v' },
  { M: 7, D: 17, Hq: 2, Hkv: 2, dh: 4, bias: false, note: 'no bias, odd D; N = 24 < one workgroup' },
  { M: 9, D: 130, Hq: 8, Hkv: 2, dh: 16, bias: true, note: 'M = 9: two workgroup rows (8 + 1); D = one chunk + 2' },
];

describe('qkv gemv (decode) matches the reference; traffic equals the plan; picked for M ≤ 8', () => {
  for (const { note, ...shape } of gemvCases) {
    it(`gemv ${JSON.stringify(shape)}: ${note}`, async () => {
      const plan = qkv.plan(qkv.validate(shape), 'gemv');
      await expectMatchesReference(qkv, plan);
      await expectTrafficMatchesPlan(qkv, plan);
    });
  }
  it('pickVariant: gemv for M ≤ 8, fused above', () => {
    const pick = (M: number) => qkv.pickVariant!(qkv.validate({ M, D: 64, Hq: 4, Hkv: 1, dh: 8 }));
    expect([pick(1), pick(8), pick(9), pick(512)]).toEqual(['gemv', 'gemv', 'fused', 'fused']);
  });
  it('gemv reads W once at M = 1 (Llama-3-8B shape, plan only)', () => {
    const t = planTotals(qkv.plan(qkv.validate({ M: 1, D: 4096, Hq: 32, Hkv: 8, dh: 128 }), 'gemv'));
    expect(t.loadByTensor.W).toBe(4 * 4096 * 6144);
  });
});

// gemv-w8 (few tokens, int8 weights): 16 columns of [q | k | v] per workgroup, 16 lanes per column reading 16 int8
// per load, X staged 256 values at a time.
const gemvW8Cases = [
  { M: 1, D: 64, Hq: 4, Hkv: 1, dh: 8, bias: true, note: 'one token with bias; N = 48 = 3 workgroups straddling q|k|v; 4 words: most lanes idle' },
  { M: 3, D: 272, Hq: 2, Hkv: 2, dh: 4, bias: false, note: 'no bias; D = 17 words: one full 16-word X step + 1; N = 24: a ragged workgroup' },
  { M: 9, D: 32, Hq: 8, Hkv: 2, dh: 16, bias: true, note: 'M = 9: two workgroup rows (8 + 1)' },
];

describe('qkv gemv-w8 (decode, int8 weights) matches the reference; traffic equals the plan; picked for M ≤ 8 with int8 weights', () => {
  for (const { note, ...shape } of gemvW8Cases) {
    it(`gemv-w8 ${JSON.stringify(shape)}: ${note}`, async () => {
      const plan = qkv.plan(qkv.validate(shape), 'gemv-w8');
      await expectMatchesReference(qkv, plan);
      await expectTrafficMatchesPlan(qkv, plan);
    });
  }
  it('gemv-w8 and fused-w8 agree on the same int8 weights (M = 2, Llama-like GQA)', async () => {
    const ctx = await gpu();
    const p = qkv.validate({ M: 2, D: 128, Hq: 4, Hkv: 2, dh: 16, bias: true });
    const g = qkv.plan(p, 'gemv-w8');
    const f = qkv.plan(p, 'fused-w8');
    const inputs = qkv.makeInputs(g, 21); // the same tensors for both: X, Wq, wScale, bias
    const a = await runPlanOnce(ctx, g, inputs);
    const b = await runPlanOnce(ctx, f, inputs);
    for (const name of ['Q', 'K', 'V']) {
      const cmp = compareArrays(name, a.outputs[name], b.outputs[name], qkv.tolerance(g, name), g.tensors.find((t) => t.name === name)!.shape);
      expect(cmp.ok, cmp.summary).toBe(true);
    }
  });
  it('pickVariant with the int8 family: gemv-w8 for M ≤ 8 and D % 16 == 0, else fused-w8; the f32 family unchanged', () => {
    const pick = (M: number, D: number, family?: QkvVariant) => qkv.pickVariant!(qkv.validate({ M, D, Hq: 4, Hkv: 1, dh: 8 }), family);
    expect([pick(1, 64, 'fused-w8'), pick(8, 64, 'gemv-w8'), pick(9, 64, 'fused-w8'), pick(1, 40, 'fused-w8'), pick(1, 64), pick(1, 64, 'fused')]).toEqual(['gemv-w8', 'gemv-w8', 'fused-w8', 'fused-w8', 'gemv', 'gemv']);
    expect(() => qkv.plan(qkv.validate({ M: 1, D: 40, Hq: 4, Hkv: 1, dh: 8 }), 'gemv-w8')).toThrow(/D must be a multiple of 16, got 40; use fused-w8/);
  });
  it('gemv-w8 reads Wq once at M = 1 (Llama-3-8B shape, plan only): a quarter of the f32 gemv\'s weight bytes', () => {
    const t = planTotals(qkv.plan(qkv.validate({ M: 1, D: 4096, Hq: 32, Hkv: 8, dh: 128 }), 'gemv-w8'));
    expect(t.loadByTensor.Wq).toBe(4096 * 6144);
    expect(t.loadByTensor.wScale).toBe(4 * 6144);
    expect(t.loadByTensor.X).toBe(4 * 4096 * (6144 / 16)); // X once per 16-column workgroup
  });
});

describe('fused and unfused give the same head-major Q, K, V from the same logical W', () => {
  it('GQA 4 with bias, ragged everywhere', async () => {
    const ctx = await gpu();
    const p = qkv.validate({ M: 33, D: 17, Hq: 4, Hkv: 1, dh: 8, bias: true, ...T });
    const fused = qkv.plan(p, 'fused');
    const unfused = qkv.plan(p, 'unfused');
    // Both variants' inputs come from the same user tensors (seeded), so the outputs must agree.
    const a = await runPlanOnce(ctx, fused, qkv.makeInputs(fused, 5));
    const b = await runPlanOnce(ctx, unfused, qkv.makeInputs(unfused, 5));
    for (const name of ['Q', 'K', 'V']) {
      const cmp = compareArrays(name, a.outputs[name], b.outputs[name], qkv.tolerance(fused, name), fused.tensors.find((t) => t.name === name)!.shape);
      expect(cmp.ok, cmp.summary).toBe(true);
    }
  });
});

describe('fused-w8 and gemv-w8: int8 extremes (fused-w8: D not a multiple of 4)', () => {
  for (const [variant, M, D, why] of [['fused-w8', 7, 17, 'D = 17 (zero-padded last word)'], ['gemv-w8', 3, 32, 'D = 32 (2 vec4 words)']] as const) {
    it(`${variant}: weights in {-128, 127, random}, ${why}, GQA 8`, async () => {
      const ctx = await gpu();
      const p = qkv.validate({ M, D, Hq: 8, Hkv: 1, dh: 4, bias: true, ...T });
      const plan = qkv.plan(p, variant);
      const N = (8 + 2) * 4;
      const Dw = Math.ceil(D / 4);
      // int8 weights chosen here, not by the quantizer under test: extremes in every column.
      const q: Int8Array[] = [];
      let s = 12345;
      const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16;
      for (let n = 0; n < N; n++) {
        const col = new Int8Array(D);
        for (let k = 0; k < D; k++) col[k] = (next() % 256) - 128;
        col[n % D] = -128;
        col[(n + 5) % D] = 127;
        q.push(col);
      }
      const wi8 = new Int8Array(D * N); // [D, N] row-major, as packColumns takes it
      q.forEach((col, n) => col.forEach((v, k) => (wi8[k * N + n] = v)));
      const Wq = packColumns(wi8, D, N);
      expect(Wq.length).toBe(N * Dw);
      const wScale = new Float32Array(N).map((_, n) => 0.001 * (1 + (n % 7)));
      const X = new Float32Array(M * D).map((_, i) => Math.sin(i * 0.37));
      const bias = new Float32Array(N).map((_, n) => 0.1 * Math.cos(n));
      const res = await runPlanOnce(ctx, plan, { X, Wq, wScale, bias });
      // Reference written out here: dequantize exactly, accumulate in f64, scatter head-major.
      const want: Record<string, Float32Array> = { Q: new Float32Array(8 * M * 4), K: new Float32Array(M * 4), V: new Float32Array(M * 4) };
      for (let m = 0; m < M; m++)
        for (let n = 0; n < N; n++) {
          let acc = bias[n];
          for (let k = 0; k < D; k++) acc += X[m * D + k] * q[n][k] * wScale[n];
          const [name, c] = n < 32 ? ['Q', n] : n < 36 ? ['K', n - 32] : ['V', n - 36];
          want[name][(Math.floor(c / 4) * M + m) * 4 + (c % 4)] = acc;
        }
      // |x·q·s| ≤ 127·0.007 < 1 per term, as with the generated inputs: the stated kernel tolerance applies.
      for (const name of ['Q', 'K', 'V']) {
        const cmp = compareArrays(name, res.outputs[name], want[name], qkv.tolerance(plan, name));
        expect(cmp.ok, cmp.summary).toBe(true);
      }
    });
  }
});

describe('qkv: instrumented traffic equals the plan, per workgroup', () => {
  const ragged = [
    { M: 33, D: 17, Hq: 4, Hkv: 1, dh: 8, bias: true },
    { M: 7, D: 100, Hq: 2, Hkv: 2, dh: 4, bias: false },
    { M: 17, D: 9, Hq: 8, Hkv: 1, dh: 4, bias: true },
  ];
  for (const variant of variants) {
    for (const shape of ragged) {
      it(`${variant} ${JSON.stringify(shape)}`, async () => {
        const plan = qkv.plan(qkv.validate({ ...shape, ...T }), variant);
        await expectTrafficMatchesPlan(qkv, plan);
      });
    }
  }
});

describe('qkv plan: X traffic in closed form (by hand, not from the plan code)', () => {
  const xBytes = (variant: QkvVariant, p: Record<string, number | boolean>) =>
    planTotals(qkv.plan(qkv.validate(p), variant)).loadByTensor.X;

  it('one BN-wide tile spans all of q|k|v: unfused reads X exactly 3x as much as fused', () => {
    // M = 33, D = 100, N = (4 + 2)·8 = 48 ≤ BN = 64. Fused: one column tile reads each X row once:
    // 4·33·100 = 13200 bytes. Unfused: the Q, K and V matmuls each read X once: 39600.
    const p = { M: 33, D: 100, Hq: 4, Hkv: 1, dh: 8, bias: false, BM: 16, BN: 64, BK: 8, TM: 2, TN: 4 };
    expect(xBytes('fused', p)).toBe(13200);
    expect(xBytes('fused-w8', p)).toBe(13200);
    expect(xBytes('unfused', p)).toBe(39600);
    expect(xBytes('unfused', p)).toBe(3 * xBytes('fused', p));
  });

  it('N many tiles wide: X is read once per column tile in both paths (ratio 12/10, not 3)', () => {
    // M = 7, D = 17, Hq = 8, Hkv = 2, dh = 16: Nq = 128, Nkv = 32, N = 192; BN = 16.
    // Fused: ceil(192/16) = 12 column tiles, each reads X once: 12·4·7·17 = 5712.
    // Unfused: ceil(128/16) + 2·ceil(32/16) = 12 tiles as well: 5712. With BN = 64:
    // fused ceil(192/64) = 3 tiles (1428 bytes), unfused 2 + 1 + 1 = 4 tiles (1904 bytes).
    const p = { M: 7, D: 17, Hq: 8, Hkv: 2, dh: 16, bias: true, ...T };
    expect(xBytes('fused', p)).toBe(5712);
    expect(xBytes('unfused', p)).toBe(5712);
    const wide = { ...p, BN: 64, TN: 4 };
    expect(xBytes('fused', wide)).toBe(1428);
    expect(xBytes('unfused', wide)).toBe(1904);
  });

  it('flops and ioBytes', () => {
    // gemv-w8: the same compulsory traffic as fused-w8 (X, Wq [192, 4 words], scales, Q, K, V)
    expect(qkv.plan(qkv.validate({ M: 1, D: 16, Hq: 8, Hkv: 2, dh: 16 }), 'gemv-w8').ioBytes).toBe(4 * (16 + 192 * 4 + 192 + 192));
    const plan = qkv.plan(qkv.validate({ M: 7, D: 17, Hq: 8, Hkv: 2, dh: 16, bias: true }), 'fused');
    expect(plan.flops).toBe(2 * 7 * 17 * 192);
    // X once + W + bias + Q, K, V
    expect(plan.ioBytes).toBe(4 * (7 * 17 + 17 * 192 + 192 + 7 * 192));
    const w8 = qkv.plan(qkv.validate({ M: 7, D: 17, Hq: 8, Hkv: 2, dh: 16, bias: true }), 'fused-w8');
    // Wq is [192, ceil(17/4) = 5] words, plus 192 scales
    expect(w8.ioBytes).toBe(4 * (7 * 17 + 192 * 5 + 192 + 192 + 7 * 192));
  });
});

describe('qkv: bad problems are refused with a reason', () => {
  const base = { M: 7, D: 17, Hq: 8, Hkv: 2, dh: 64 };
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['Hq not a multiple of Hkv', { ...base, Hq: 6, Hkv: 4 }, /Hq \(6\) must be a multiple of Hkv \(4\)/],
    ['dh not a multiple of 4', { ...base, dh: 30 }, /dh must be a multiple of 4 in \[4, 256\]/],
    ['dh too large', { ...base, dh: 512 }, /dh must be in \[4, 256\], got 512/],
    ['M = 0', { ...base, M: 0 }, /M must be in \[1, 65536\], got 0/],
    ['D = 0', { ...base, D: 0 }, /D must be in \[1, 65536\], got 0/],
    ['Hkv = 0', { ...base, Hkv: 0 }, /Hkv must be in \[1, 256\], got 0/],
    ['non-integer', { ...base, M: 2.5 }, /M must be an integer/],
    ['unknown parameter', { ...base, heads: 8 }, /unknown parameter "heads"/],
  ];
  for (const [what, raw, msg] of bad) {
    it(what, () => {
      expect(() => qkv.validate(raw)).toThrow(KernelInputError);
      expect(() => qkv.validate(raw)).toThrow(msg);
    });
  }
  it('bad tiles and an unknown variant', () => {
    expect(() => qkv.plan(qkv.validate({ ...base, BM: 24 }), 'fused')).toThrow(/BM must be a power of two/);
    expect(() => qkv.plan(qkv.validate({ ...base, BM: 128, BN: 128, TM: 1, TN: 1 }), 'fused')).toThrow(/at most 256/);
    const erased = kernelByName('qkv'); // as the CLI and the worker call it: any string
    expect(() => erased.plan(erased.validate(base), 'fused-int4')).toThrow(/unknown variant "fused-int4"; allowed: fused, unfused, fused-w8, gemv, gemv-w8/);
  });
});
