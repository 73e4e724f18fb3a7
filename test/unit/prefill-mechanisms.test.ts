// Issue 26 (prefill grounded): the compute mechanisms of runtime.compute (GEMM efficiency by rows, GEMM
// passes by weight format = Tensix math fidelity, prefill attention efficiency by S), the large-message
// all-reduce switch and the retyped GEMM MAC path. Expected values are computed by hand from the cited
// preset numbers (src/chip/presets.ts), not by the code under test.
import { describe, expect, it } from 'vitest';
import { chipPreset } from '../../src/chip/index.ts';
import { validateChipConfig } from '../../src/chip/config.ts';
import { allReduceTime, computeDerate, curveAt, gemmEfficiencyAt, simulateOp } from '../../src/models/index.ts';
import { gemmOp, prefillAttentionOp } from '../../src/models/plans.ts';

const n150 = chipPreset('wormhole-n150').config;
const h100 = chipPreset('h100').config;

describe('prefill mechanisms: reading a measured curve', () => {
  // the n150's first two GEMM_FLOPS points (bfp8 LoFi, traced, host-based): 512 rows 9.47%, 1,024 rows 36.47%
  const curve = [[512, 0.0947], [1024, 0.3647]] as const;
  const cases: Array<[string, number, number]> = [
    // log-linear in log2(rows): 724.08 = 512 x 2^0.5 is half-way, so the mean of the two fractions
    ['half-way in log2 between two points', 512 * Math.SQRT2, (0.0947 + 0.3647) / 2],
    ['below the first point: clamped to it', 128, 0.0947],
    ['above the last point: clamped to it', 65536, 0.3647],
    ['on a point: its value', 1024, 0.3647],
  ];
  for (const [why, x, want] of cases) it(why, () => expect(curveAt(curve, x)).toBeCloseTo(want, 12));
  it('an empty curve is the peak', () => expect(curveAt([], 4096)).toBe(1));
  it('a GEMM is never slower with fewer rows: padding 512 rows to the measured 1,024 gives 0.3647 x 512 / 1024', () => {
    expect(gemmEfficiencyAt(curve, 512)).toBeCloseTo(0.3647 / 2, 12); // above the measured 9.47%
    expect(gemmEfficiencyAt(curve, 128)).toBeCloseTo(0.0947, 12); // padding to 1,024 would give 4.6%: the clamp wins
  });
});

describe('prefill mechanisms: the compute derating of an op', () => {
  it('n150 bfp8 GEMM of 2,048 rows: HiFi2 (2 passes) at 49.63% (GEMM_FLOPS 2048x3072x3072) -> compute x 2 / 0.4963', () => {
    const op = gemmOp('o-proj', 2048, 4096, 4096, 72, 'bfp8');
    expect(computeDerate(n150, op.plan, 'tiled').factor).toBeCloseTo(2 / 0.4963, 10);
  });
  it('n150 bfp4 GEMM (LoFi, 1 pass) of 4,096 rows: the last measured point, 56.54%', () => {
    const op = gemmOp('gate+up', 4096, 4096, 4096, 72, 'bfp4');
    expect(computeDerate(n150, op.plan, 'tiled').factor).toBeCloseTo(1 / 0.5654, 10);
  });
  it('a decode GEMV (streaming) keeps the passes but not the tiled-GEMM efficiency', () => {
    const op = gemmOp('o-proj', 1, 4096, 4096, 72, 'bfp8');
    expect(computeDerate(n150, op.plan, 'streaming').factor).toBe(2);
  });
  it('h100 prefill attention over 2,048 tokens: FlashAttention-3 at 625 of 989 TFLOPS', () => {
    const op = prefillAttentionOp(2048, 0, 32, 8, 128, true, 1, 'fp8');
    expect(computeDerate(h100, op.plan, 'tiled').factor).toBeCloseTo(989 / 625, 10);
  });
  it('h100 fp8 GEMM of 2,048 rows: half-way in log2 between DeepGEMM\'s 1,024 (1233 TFLOPS) and 4,096 rows (1410)', () => {
    const want = (1233 + 1410) / 2 / 1979;
    expect(computeDerate(h100, gemmOp('down', 2048, 4096, 14336, 132, 'fp8').plan, 'tiled').factor).toBeCloseTo(1 / want, 10);
  });
  it('the op costs at least its derated compute: n150 2048 x 4096 x 4096 bfp8 = MACs / (72 x 1820 per cycle at 1 GHz) x 2 / 0.4963', () => {
    const op = gemmOp('o-proj', 2048, 4096, 4096, 72, 'bfp8');
    const c = simulateOp(n150, op.plan, { pattern: 'tiled' });
    const atPeak = (2048 * 4096 * 4096) / (72 * 1820 * 1e9); // 262 µs on the 8-bit (LoFi) path
    expect(c.breakdown.compute).toBeGreaterThanOrEqual(atPeak * (2 / 0.4963) * 0.999);
    expect(c.breakdown.compute).toBeLessThan(atPeak * (2 / 0.4963) * 1.15); // plan waves may leave a few tiles idle
    expect(c.mechanisms.map((m) => m.id)).toEqual(expect.arrayContaining(['gemm-passes', 'gemm-efficiency']));
    expect(c.sim.counts.macs.int8).toBe(2048 * 4096 * 4096); // block-fp GEMM MACs on the 8-bit path (retypePlan)
    expect(c.sim.counts.macs.fp16).toBe(0);
  });
  it('a mechanism that does not set the time is not listed: an n150 bfp8 decode GEMV (0.26 µs of HiFi2 compute against ~77 µs to read 17.8 MB of weights at 230 GB/s)', () => {
    const c = simulateOp(n150, gemmOp('o-proj', 1, 4096, 4096, 72, 'bfp8').plan, { pattern: 'streaming' });
    expect(c.derate.factor).toBe(2);
    expect(c.mechanisms.map((m) => m.id)).not.toContain('gemm-passes');
    expect(c.breakdown.memory).toBeGreaterThan(50e-6);
  });
  it('a bf16 GEMM stays on the bf16 path; an fp8 one takes the 8-bit path (retypePlan retypes the tiled-f16 GEMM)', () => {
    const bf = simulateOp(h100, gemmOp('x', 256, 1024, 1024, 132, 'bf16').plan);
    const f8 = simulateOp(h100, gemmOp('x', 256, 1024, 1024, 132, 'fp8').plan);
    expect(bf.sim.counts.macs.fp16).toBe(256 * 1024 * 1024);
    expect(f8.sim.counts.macs.int8).toBe(256 * 1024 * 1024);
    expect(f8.sim.counts.macs.fp16).toBe(0);
  });
});

describe('prefill mechanisms: the all-reduce of a prefill', () => {
  // h100: one-shot, 2.5 µs launch, steps of 2 µs link + 1 µs sync, 450 GB/s; above 8 MB: NCCL ring
  it('2,048 tokens x 8,192 x 2 B = 33.5 MB over 4 GPUs: above the 8 MB workspace, a ring: 2.5 + 6 x 3 µs + 1.5 x 33.5 MB / 450 GB/s', () => {
    const n = 2048 * 8192 * 2;
    const r = allReduceTime(h100.scaleOut, 4, n);
    expect(r.algorithm).toBe('ring');
    expect(r.timeS).toBeCloseTo(2.5e-6 + 6 * 3e-6 + (1.5 * n) / 450e9, 12);
  });
  it('128 tokens (2.1 MB): one-shot: 2.5 + 2 x 3 µs + 3 x 2.1 MB / 450 GB/s', () => {
    const n = 128 * 8192 * 2;
    const r = allReduceTime(h100.scaleOut, 4, n);
    expect(r.algorithm).toBe('one-shot');
    expect(r.timeS).toBeCloseTo(2.5e-6 + 2 * 3e-6 + (3 * n) / 450e9, 12);
  });
});

describe('prefill mechanisms: the custom all-reduce workspace by tensor-parallel degree (16 MB at TP <= 2, 8 MB above)', () => {
  // 768 tokens x 8,192 x 2 B = 12.6 MB: between the two workspaces
  const n = 768 * 8192 * 2;
  it('TP 2: fits the 16 MB workspace, one-shot: 2.5 + 2 x 3 µs + 1 x 12.6 MB / 450 GB/s', () => {
    const r = allReduceTime(h100.scaleOut, 2, n);
    expect(r.algorithm).toBe('one-shot');
    expect(r.timeS).toBeCloseTo(2.5e-6 + 2 * 3e-6 + n / 450e9, 12);
  });
  it('TP 4 and TP 8: above the 8 MB workspace, NCCL ring', () => {
    expect(allReduceTime(h100.scaleOut, 4, n).algorithm).toBe('ring');
    expect(allReduceTime(h100.scaleOut, 8, n).algorithm).toBe('ring');
  });
  it('TP 2 above 16 MB: ring', () => {
    expect(allReduceTime(h100.scaleOut, 2, 17e6).algorithm).toBe('ring');
  });
});

describe('prefill mechanisms: config validation (one line naming the field and what is allowed)', () => {
  const raw = () => structuredClone(h100) as unknown as { runtime: { compute: Record<string, unknown> }; scaleOut: { collective: Record<string, unknown> } };
  const cases: Array<[string, (c: ReturnType<typeof raw>) => void, RegExp]> = [
    ['an efficiency above 1', (c) => { c.runtime.compute.gemmEfficiency = [[512, 1.5]]; }, /config\.runtime\.compute\.gemmEfficiency\[0\] must be \[x, fraction\] with x > 0 ascending and fraction in \(0, 1\]/],
    ['points out of order', (c) => { c.runtime.compute.attentionEfficiency = [[2048, 0.5], [1024, 0.4]]; }, /attentionEfficiency\[1\] must be/],
    ['three passes is allowed, five is not', (c) => { c.runtime.compute.gemmPasses = { bfp8: 5 }; }, /config\.runtime\.compute\.gemmPasses\.bfp8 must be in \[1, 4\], got 5/],
    ['an unknown compute field', (c) => { c.runtime.compute.turbo = 1; }, /config\.runtime\.compute: unknown field "turbo"/],
    ['a large-message switch to one-shot', (c) => { c.scaleOut.collective.large = { aboveBytes: 1e6, algorithm: 'one-shot' }; }, /config\.scaleOut\.collective\.large\.algorithm must be one of ring, tree/],
    ['a workspace for one chip', (c) => { c.scaleOut.collective.large = { aboveBytes: 8e6, algorithm: 'ring', fewChips: { upTo: 1, aboveBytes: 16e6 } }; }, /config\.scaleOut\.collective\.large\.fewChips\.upTo must be/],
    ['an unknown fewChips field', (c) => { c.scaleOut.collective.large = { aboveBytes: 8e6, algorithm: 'ring', fewChips: { upTo: 2, bytes: 16e6 } }; }, /config\.scaleOut\.collective\.large\.fewChips: unknown field "bytes"/],
  ];
  for (const [why, edit, re] of cases) {
    it(why, () => {
      const c = raw();
      edit(c);
      expect(() => validateChipConfig(c)).toThrow(re);
    });
  }
});

// [DEEPGEMM] deepseek-ai/DeepGEMM README.md at commit 327ec92f (2025-04-09), "Performance" (H800 SXM5, NVCC 12.8,
// FP8 with fine-grained scaling), hand-copied: the rows with N = 4096, K = 7168 ("Normal GEMMs for dense models"; the
// masked grouped table's 1 group x 1,024 rows, every row valid). The H800 is the H100 SXM's GH100 die with its NVLink
// cut for export; its FP8 peak is taken as the H100's 1,979 TFLOP/s (the table's own 1,520 at 4096 x 7168 x 16384 rules
// out a halved tensor rate; [DEEPGEMM] in src/chip/presets.ts).
const DEEPGEMM_N4096_K7168: Array<[rows: number, tflops: number, gbPerS: number, why: string]> = [
  [64, 287, 2320, 'decode-sized: HBM-bound, the clamp below the curve'],
  [128, 533, 2221, 'a short prompt: still HBM-bound (2.2 TB/s)'],
  [1024, 1233, 924, 'the middle of the curve (masked layout, 1 group)'],
  [4096, 1410, 541, 'a long prompt: compute-bound, 71% of the FP8 peak'],
];
const H100_FP8_PEAK_TFLOPS = 1979; // NVIDIA H100 SXM datasheet: 3,958 TFLOPS FP8 with sparsity, half dense

describe('prefill mechanisms: the H100 GEMM efficiency is DeepGEMM\'s measured FP8 rate by rows', () => {
  it('the preset\'s 8-bit MAC peak is the datasheet\'s 1,979 TFLOP/s (132 SMs x 4096 MAC/cycle x 2 x 1.83 GHz)', () => {
    const peak = 2 * h100.tile.macsPerCycle.int8 * h100.grid.rows * h100.grid.cols * h100.clockHz / 1e12;
    expect(Math.abs(peak / H100_FP8_PEAK_TFLOPS - 1)).toBeLessThan(0.001);
  });
  it('the curve is the copied table\'s TFLOPS / 1,979 at each measured row count, and nothing else', () => {
    expect(h100.runtime.compute.gemmEfficiency.map(([m]) => m)).toEqual(DEEPGEMM_N4096_K7168.map(([m]) => m));
    for (const [m, tflops] of DEEPGEMM_N4096_K7168) expect(curveAt(h100.runtime.compute.gemmEfficiency, m)).toBeCloseTo(tflops / H100_FP8_PEAK_TFLOPS, 12);
  });
  it('the copied bandwidth column agrees with the shapes: (M K + K N + 2 M N bytes) / (2 M N K / TFLOPS), within 2%', () => {
    // FP8 A and B, BF16 C: if a figure were mis-copied, its two columns would disagree
    for (const [m, tflops, gbPerS] of DEEPGEMM_N4096_K7168) {
      const t = (2 * m * 4096 * 7168) / (tflops * 1e12);
      const bytes = m * 7168 + 7168 * 4096 + 2 * m * 4096;
      expect(Math.abs(bytes / t / 1e9 / gbPerS - 1)).toBeLessThan(0.02);
    }
  });
  for (const [m, tflops, , why] of DEEPGEMM_N4096_K7168.filter(([m]) => m > 64)) {
    it(`an fp8 ${m} x 4096 x 7168 GEMM takes at least DeepGEMM's measured time (${tflops} TFLOPS; ${why})`, () => {
      const op = gemmOp('x', m, 4096, 7168, 132, 'fp8'); // M rows, N = 4096, K = 7168
      const c = simulateOp(h100, op.plan, { pattern: 'tiled' });
      const measured = (2 * m * 4096 * 7168) / (tflops * 1e12);
      const kernel = c.breakdown.compute + c.breakdown.memory - c.latencyS;
      expect(kernel).toBeGreaterThanOrEqual(measured * 0.999);
      expect(kernel).toBeLessThan(measured * 1.5); // the simulated schedule may be slower than DeepGEMM's, not 1.5x
    });
  }
  it('an outside bf16 measurement lands near the FP8 curve the bf16 GEMMs take: XLA\'s sm_90 table, within 20% at each M', () => {
    // tensorflow/tensorflow third_party/xla/xla/service/gpu/model/matmul_interpolator_data.h (commit 372d578b),
    // sm_90, b = 1, "bf16xbf16->bf16" FLOP/s, hand-copied; of the 989 TFLOP/s bf16 peak. The shapes are XLA's grid,
    // not DeepGEMM's (N, K of 2,048-4,096), which is why this is a bound and not an equality.
    const xla: Array<[m: number, n: number, k: number, flops: number]> = [
      [256, 4096, 2048, 324589426844014],
      [1024, 2048, 2048, 524288000000000],
      [2048, 2048, 2048, 631984593290170],
      [4096, 4096, 4096, 783328793548203],
    ];
    for (const [m, , , flops] of xla) {
      const measured = flops / 989e12;
      expect(Math.abs(gemmEfficiencyAt(h100.runtime.compute.gemmEfficiency, m) / measured - 1), `M = ${m}`).toBeLessThan(0.2);
    }
  });
  it('a decode GEMV of 64 rows or fewer (streaming) is not derated', () => {
    expect(computeDerate(h100, gemmOp('x', 64, 4096, 4096, 132, 'fp8').plan, 'streaming').factor).toBe(1);
  });
});
