// Attention (prefill flash / naive, decode split / naive) on real WebGPU (Dawn in Node; SwiftShader on
// CI) against the f64 CPU reference, the instrumented traffic against the plans, and input validation.
//
// Tolerances: ordinary inputs (uniform in [-1, 1)) use the kernels' own |got − ref| ≤ 2e-5 + 1e-4·|ref|
// (outputs are convex combinations of V rows; errors come from f32 dots over dh, f32 exp and f32 sums
// over ≤ S keys; measured max |err| ≈ 1e-7 on SwiftShader). Large-logit inputs (scores ≈ ±1e4) use
// atol 5e-3: an f32 score near 1e4 carries ~1e-3 of rounding per operation (ulp(1e4) ≈ 1e-3), i.e.
// ~1e-3 of relative error in each softmax weight, and the output moves by about that times
// max|v| ≤ 1 (measured max |err| 4.3e-4 on SwiftShader, flash and naive alike).
import { describe, it, expect } from 'vitest';
import { DECODE_VARIANTS, PREFILL_VARIANTS, attentionDecode, attentionPrefill, attentionRef, attentionScale, type DecodeVariant, type PrefillVariant } from '../../src/kernels/attention.ts';
import { kernelByName } from '../../src/kernels/registry.ts';
import { checkPartition, planTotals, type Plan } from '../../src/kernels/plan.ts';
import { compareArrays } from '../../src/kernels/compare.ts';
import { KernelInputError, randomF32, type KernelDef, type Tensors } from '../../src/kernels/kernel.ts';
import { runPlanOnce } from '../../src/gpu/runner.ts';
import { expectMatchesReference, expectTrafficMatchesPlan, gpu } from './harness.ts';

interface Row {
  p: Record<string, number>;
  note: string;
  /** Run causal only: the shape's point (a prefix offset, a head dim's tiling) is covered by the causal path, and each extra pipeline costs seconds on SwiftShader. */
  causalOnly?: boolean;
}

// Prefill shapes: Br = 16, Bc = 8 unless given, so S = 33 spans 3 query blocks and 5 K/V blocks.
const prefillCases: Row[] = [
  { p: { S: 1, Hq: 2, Hkv: 2, dh: 16 }, note: 'a single token: one row, one key' },
  { p: { S: 7, Hq: 4, Hkv: 1, dh: 16 }, note: 'GQA 4; S below one block in both directions' },
  { p: { S: 33, Hq: 8, Hkv: 1, dh: 16 }, note: 'GQA 8; ragged: Br·2 + 1 rows, Bc·4 + 1 keys' },
  { p: { S: 32, Hq: 2, Hkv: 2, dh: 16 }, note: 'S a multiple of Br and Bc (no ragged block)' },
  { p: { S: 17, Hq: 4, Hkv: 2, dh: 16 }, note: 'S = Br + 1; GQA 2' },
  { p: { S: 20, Hq: 2, Hkv: 1, dh: 32, Br: 8, Bc: 16 }, note: 'Bc > Br: causal blocks masked for some rows of a block, not others' },
  { p: { S: 24, Hq: 2, Hkv: 2, dh: 64, Br: 16, Bc: 16 }, note: 'dh = 64' },
  { p: { S: 12, Hq: 2, Hkv: 1, dh: 128, Br: 8, Bc: 4 }, note: 'dh = 128' },
  { p: { S: 9, Hq: 2, Hkv: 1, dh: 80 }, note: 'dh = 80 (Phi-2): DH/4 = 20 vec4 per row' },
  { p: { S: 9, L: 12, Hq: 2, Hkv: 2, dh: 96 }, note: 'dh = 96 with a 3-key cached prefix', causalOnly: true },
  { p: { S: 6, Hq: 2, Hkv: 1, dh: 256, Bc: 0 }, note: 'dh = 256 (Gemma); Bc = 0 picks 8 so K+V blocks fit 16 KiB', causalOnly: true },
  { p: { S: 5, L: 21, Hq: 2, Hkv: 1, dh: 16 }, note: 'prefix of 16 cached keys: causal query i sees keys 0..16+i', causalOnly: true },
  { p: { S: 17, L: 40, Hq: 4, Hkv: 2, dh: 16 }, note: 'chunked prefill: ragged chunk, prefix (23) not a multiple of Bc', causalOnly: true },
];
const prefillDefaults = { Br: 16, Bc: 8 };

const decodeCases: Row[] = [
  { p: { L: 1, Hq: 2, Hkv: 2, dh: 16, split: 8, Bc: 4 }, note: 'L = 1: one split holding one key' },
  { p: { L: 37, Hq: 4, Hkv: 1, dh: 16, split: 16, Bc: 4 }, note: 'L not a multiple of split (16 + 16 + 5); GQA 4' },
  { p: { L: 300, Hq: 8, Hkv: 1, dh: 32, split: 64, Bc: 16 }, note: 'long-ish L: 4 full splits + 44 keys; GQA 8' },
  { p: { B: 2, L: 50, Hq: 4, Hkv: 2, dh: 64, split: 16, Bc: 16 }, note: 'batch of 2 sequences; dh = 64' },
  { p: { L: 9, Hq: 2, Hkv: 1, dh: 128, split: 4, Bc: 3 }, note: 'dh = 128; Bc does not divide split' },
  { p: { L: 70, Hq: 1, Hkv: 1, dh: 16, split: 2, Bc: 2 }, note: '35 splits > dh: the reduction takes splits in 3 chunks' },
  { p: { L: 40, Hq: 2, Hkv: 1, dh: 80, split: 16, Bc: 8 }, note: 'dh = 80 (Phi-2): 80 reduce invocations' },
  { p: { L: 33, Hq: 4, Hkv: 2, dh: 96 }, note: 'dh = 96, split and Bc from the rule (one split: L < 2·64)' },
  { p: { L: 20, Hq: 8, Hkv: 1, dh: 256 }, note: 'dh = 256, GQA 8: the group does not fit 16 KiB -> 4 workgroups of 2 heads, Bc 4' },
  { p: { L: 300, Hq: 4, Hkv: 1, dh: 16 }, note: 'split from the rule: floor(300/64) = 4 splits of 80 keys' },
];

/** (query, key) pairs by brute force: query i of S at the end of L positions sees keys j ≤ L − S + i. */
function countPairs(S: number, L: number, causal: boolean): number {
  let n = 0;
  for (let i = 0; i < S; i++) for (let j = 0; j < L; j++) if (!causal || j <= L - S + i) n++;
  return n;
}

function prefillPlan(p: Record<string, number>, causal: boolean, variant: PrefillVariant): Plan {
  return attentionPrefill.plan(attentionPrefill.validate({ ...prefillDefaults, ...p, causal }), variant);
}
function decodePlan(p: Record<string, number>, variant: DecodeVariant): Plan {
  return attentionDecode.plan(attentionDecode.validate(p), variant);
}
const show = (p: Record<string, number>) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');

describe('attention-prefill matches the f64 reference', () => {
  for (const variant of PREFILL_VARIANTS) {
    for (const causal of [false, true]) {
      for (const c of prefillCases.filter((r) => causal || !r.causalOnly)) {
        it(`${variant} ${causal ? 'causal' : 'full'} ${show(c.p)}: ${c.note}`, async () => {
          await expectMatchesReference(attentionPrefill, prefillPlan(c.p, causal, variant));
        });
      }
    }
  }
  // A decode loop's chunked prefill reads the KV cache in place: heads C = capacity keys apart, the first L used.
  it('flash causal over a prefix read in place from a 48-key cache (head stride 48, L = 40), GQA 2', async () => {
    await expectMatchesReference(attentionPrefill, prefillPlan({ S: 17, L: 40, Hq: 4, Hkv: 2, dh: 16, capacity: 48 }, true, 'flash'));
  });
  it('a capacity below L, or above L on the naive variant, is refused', () => {
    expect(() => prefillPlan({ S: 4, L: 8, capacity: 6, Hq: 2, Hkv: 1, dh: 16 }, true, 'flash')).toThrow(/capacity \(6\) must be 0 or at least L \(8\)/);
    expect(() => prefillPlan({ S: 4, L: 8, capacity: 16, Hq: 2, Hkv: 1, dh: 16 }, true, 'naive')).toThrow(/capacity above L needs the flash variant/);
  });
});

describe('attention-decode matches the f64 reference', () => {
  for (const variant of DECODE_VARIANTS) {
    for (const c of decodeCases) {
      it(`${variant} ${show(c.p)}: ${c.note}`, async () => {
        await expectMatchesReference(attentionDecode, decodePlan(c.p, variant));
      });
    }
  }
});

// ---- sliding window (Mistral, Qwen2) -------------------------------------------------------------

/** Pairs by brute force with a window W: query at position t = L − S + i sees keys t − W < j ≤ t. */
function countWindowPairs(S: number, L: number, W: number): number {
  let n = 0;
  for (let i = 0; i < S; i++) for (let j = 0; j < L; j++) if (j <= L - S + i && j > L - S + i - W) n++;
  return n;
}

// Prefill flash (causal), Br = 16, Bc = 8 unless given: contexts longer than the window, chunks across its edge.
const windowPrefillCases: Row[] = [
  { p: { S: 33, Hq: 4, Hkv: 2, dh: 16, window: 11 }, note: 'window 11 < Br, not a multiple of Bc: later query blocks skip 1-2 K/V blocks' },
  { p: { S: 17, L: 40, Hq: 4, Hkv: 2, dh: 16, window: 13 }, note: 'chunked prefill over a 23-key prefix: the chunk starts past the window edge' },
  { p: { S: 9, L: 20, Hq: 2, Hkv: 1, dh: 16, window: 12 }, note: 'window edge inside the chunk: the first query sees 12 keys, prefix keys 0..10 only partly' },
  { p: { S: 20, Hq: 2, Hkv: 1, dh: 32, Br: 8, Bc: 16, window: 5 }, note: 'Bc > window: one block holds keys inside and outside a row\'s window' },
  { p: { S: 12, Hq: 2, Hkv: 2, dh: 16, window: 1 }, note: 'window 1: each query sees only itself (output = its own V row)' },
  { p: { S: 10, L: 24, Hq: 2, Hkv: 1, dh: 16, window: 64 }, note: 'window larger than the context: same as no window' },
];
const windowDecodeCases: Row[] = [
  { p: { L: 37, Hq: 4, Hkv: 1, dh: 16, split: 8, Bc: 4, window: 20 }, note: 'the last 20 of 37 keys: 3 splits, window edge (key 17) not on a split' },
  { p: { L: 300, Hq: 4, Hkv: 1, dh: 16, window: 100 }, note: 'splits from the rule over the 100 window keys, not 300' },
  { p: { B: 2, L: 50, Hq: 4, Hkv: 2, dh: 16, split: 16, Bc: 8, capacity: 64, window: 21 }, note: 'batch 2 in a 64-key cache: heads 64 keys apart, keys 29..49 read' },
  { p: { L: 10, Hq: 2, Hkv: 1, dh: 16, split: 8, Bc: 4, window: 64 }, note: 'window larger than the context: all 10 keys' },
];

describe('sliding-window attention matches the f64 reference past the window', () => {
  for (const c of windowPrefillCases) {
    it(`prefill flash causal ${show(c.p)}: ${c.note}`, async () => {
      await expectMatchesReference(attentionPrefill, prefillPlan(c.p, true, 'flash'));
    });
  }
  for (const c of windowDecodeCases) {
    it(`decode split ${show(c.p)}: ${c.note}`, async () => {
      await expectMatchesReference(attentionDecode, decodePlan(c.p, 'split'));
    });
  }
  // The reference itself: with W = 1 every query's output is its own V row (independent of attentionRef's loop).
  it('reference: window 1 returns each query\'s own value row; a window ≥ L equals no window', () => {
    const [S, H, dh] = [6, 2, 4];
    const Q = randomF32(H * S * dh, 1), K = randomF32(H * S * dh, 2), V = randomF32(H * S * dh, 3);
    const dims = { Sq: S, Skv: S, H, G: 1, dh, causal: true, scale: attentionScale(dh) };
    const o = attentionRef(Q, K, V, { ...dims, window: 1 });
    for (let h = 0; h < H; h++) for (let i = 0; i < S; i++) for (let d = 0; d < dh; d++) expect(o[i * H * dh + h * dh + d]).toBeCloseTo(V[(h * S + i) * dh + d], 6);
    expect(attentionRef(Q, K, V, { ...dims, window: S })).toEqual(attentionRef(Q, K, V, dims));
  });
  it('instrumented traffic equals the windowed plans (skipped blocks and keys are not read)', async () => {
    await expectTrafficMatchesPlan(attentionPrefill, prefillPlan(windowPrefillCases[0].p, true, 'flash'));
    await expectTrafficMatchesPlan(attentionPrefill, prefillPlan({ ...windowPrefillCases[1].p, capacity: 48 }, true, 'flash'));
    await expectTrafficMatchesPlan(attentionDecode, decodePlan(windowDecodeCases[0].p, 'split'));
    await expectTrafficMatchesPlan(attentionDecode, decodePlan(windowDecodeCases[2].p, 'split'));
  });
  it('plans: flops from the window\'s pairs (brute force), K/V bytes read shrink to the window', () => {
    for (const c of windowPrefillCases) {
      const plan = prefillPlan(c.p, true, 'flash');
      for (const pass of plan.passes) checkPartition(pass);
      const { S, Hq, dh, window } = c.p;
      expect(plan.flops, show(c.p)).toBe(4 * Hq * countWindowPairs(S, c.p.L ?? S, window) * dh);
      expect(planTotals(plan).macs * 2).toBe(plan.flops);
    }
    for (const c of windowDecodeCases) {
      const plan = decodePlan(c.p, 'split');
      for (const pass of plan.passes) checkPartition(pass);
      const n = Math.min(c.p.L, c.p.window);
      expect(planTotals(plan).macs * 2).toBe(4 * (c.p.B ?? 1) * c.p.Hq * n * c.p.dh);
      // K read once per KV head and sequence: exactly the window's keys
      expect(planTotals(plan).loadByTensor.k_cache, show(c.p)).toBe(4 * (c.p.B ?? 1) * c.p.Hkv * n * c.p.dh);
    }
    // Prefill, S = 64, Br = Bc = 16, window 16: query block x reads blocks x − 1 (x ≥ 1) and x -> 7 of 16, not 10 (causal).
    const p = { S: 64, Hq: 4, Hkv: 2, dh: 16, Br: 16, Bc: 16, causal: true };
    const blockBytes = 4 * 16 * 16;
    expect(planTotals(attentionPrefill.plan(attentionPrefill.validate({ ...p, window: 16 }), 'flash')).loadByTensor.K).toBe(4 * 7 * blockBytes);
    // Decode at L = 4096 with Mistral's window 4096 vs a 1024 window: a quarter of the K/V bytes.
    const full = decodePlan({ L: 4096, Hq: 32, Hkv: 8, dh: 128, window: 4096 }, 'split');
    const quarter = decodePlan({ L: 4096, Hq: 32, Hkv: 8, dh: 128, window: 1024 }, 'split');
    expect(planTotals(quarter).loadByTensor.v_cache * 4).toBe(planTotals(full).loadByTensor.v_cache);
  });
  it('a window is refused by name where it is not implemented: naive variants, non-causal prefill', () => {
    expect(() => prefillPlan({ S: 8, Hq: 2, Hkv: 1, dh: 16, window: 4 }, true, 'naive')).toThrow(/sliding window \(window = 4\) needs the flash variant/);
    expect(() => prefillPlan({ S: 8, Hq: 2, Hkv: 1, dh: 16, window: 4 }, false, 'flash')).toThrow(/window \(4\) needs causal: true/);
    expect(() => decodePlan({ L: 8, Hq: 2, Hkv: 1, dh: 16, window: 4 }, 'naive')).toThrow(/sliding window \(window = 4\) needs the split variant/);
  });
});

// ---- large logits -------------------------------------------------------------------------------

const LARGE_TOL = { atol: 5e-3, rtol: 0 };

/**
 * Queries and keys whose scores sit near ±1e4. 'offset': every score ≈ sign·1e4 + O(10) (q and k
 * both close to the all-ones direction), so exp without the max subtracted overflows (or underflows
 * to 0/0) while the softmax itself is not one-hot. 'spread': uniform q scaled up, scores spread over
 * ±1e4, so the running max jumps between blocks and earlier blocks must be rescaled to ~0.
 */
function largeLogitQK(nQ: number, nK: number, dh: number, kind: 'offset' | 'spread', sign: number, seed: number): { q: Float32Array; k: Float32Array } {
  const scale = attentionScale(dh);
  const q = randomF32(nQ, seed);
  const k = randomF32(nK, seed + 1);
  if (kind === 'offset') {
    const A = (sign * 1e4) / (scale * dh); // q ≈ A·(1 + 0.01·u), k ≈ 1 + 0.01·u: score ≈ sign·1e4
    for (let i = 0; i < nQ; i++) q[i] = A * (1 + 0.01 * q[i]);
    for (let i = 0; i < nK; i++) k[i] = 1 + 0.01 * k[i];
  } else {
    const A = 1e4 / (scale * Math.sqrt(dh / 9)); // q·k of uniform vectors has std ≈ sqrt(dh)/3
    for (let i = 0; i < nQ; i++) q[i] *= A;
  }
  return { q, k };
}

async function expectLargeLogits(def: KernelDef, plan: Plan, inputs: Tensors, out: string, dims: Parameters<typeof attentionRef>[3], names: [string, string, string]) {
  const ctx = await gpu();
  const ref = attentionRef(inputs[names[0]] as Float32Array, inputs[names[1]] as Float32Array, inputs[names[2]] as Float32Array, dims);
  // The inputs really produce scores of magnitude ~1e4 (guards the construction above): the
  // largest |score| of query 0 of head 0 over all keys.
  const qs = inputs[names[0]] as Float32Array;
  const ks = inputs[names[1]] as Float32Array;
  let maxAbs = 0;
  for (let j = 0; j < dims.Skv; j++) {
    let dot = 0;
    for (let d = 0; d < dims.dh; d++) dot += qs[d] * ks[j * dims.dh + d];
    maxAbs = Math.max(maxAbs, Math.abs(dot * dims.scale));
  }
  expect(maxAbs).toBeGreaterThan(5e3);
  const res = await runPlanOnce(ctx, plan, inputs);
  const got = res.outputs[out] as Float32Array;
  const bad = got.findIndex((v) => !Number.isFinite(v));
  expect(bad, `${def.name}/${plan.variant}: non-finite output at ${bad}: ${got[bad]}`).toBe(-1);
  const cmp = compareArrays(out, got, ref, LARGE_TOL, plan.tensors.find((t) => t.name === out)!.shape);
  expect(cmp.ok, `${def.name}/${plan.variant} ${JSON.stringify(plan.params)}: ${cmp.summary}`).toBe(true);
}

describe('attention is stable for scores around ±1e4', () => {
  const S = 40;
  const [Hq, Hkv, dh] = [2, 1, 16];
  for (const variant of PREFILL_VARIANTS) {
    for (const causal of [false, true]) {
      for (const [kind, sign] of [['offset', 1], ['offset', -1], ['spread', 1]] as const) {
        it(`prefill ${variant} ${causal ? 'causal' : 'full'} S=${S}: ${kind} ${sign > 0 ? '+' : '-'}1e4`, async () => {
          const plan = prefillPlan({ S, Hq, Hkv, dh }, causal, variant);
          const { q, k } = largeLogitQK(Hq * S * dh, Hkv * S * dh, dh, kind, sign, 11);
          const inputs = { Q: q, K: k, V: randomF32(Hkv * S * dh, 13) };
          await expectLargeLogits(attentionPrefill, plan, inputs, 'O', { Sq: S, Skv: S, H: Hq, G: Hq / Hkv, dh, causal, scale: attentionScale(dh) }, ['Q', 'K', 'V']);
        });
      }
    }
  }
  const L = 100;
  for (const variant of DECODE_VARIANTS) {
    for (const [kind, sign] of [['offset', 1], ['offset', -1], ['spread', 1]] as const) {
      it(`decode ${variant} L=${L}: ${kind} ${sign > 0 ? '+' : '-'}1e4`, async () => {
        const plan = decodePlan({ L, Hq: 4, Hkv: 2, dh, split: 16, Bc: 8 }, variant);
        const { q, k } = largeLogitQK(4 * dh, 2 * L * dh, dh, kind, sign, 21);
        const inputs = { q, k_cache: k, v_cache: randomF32(2 * L * dh, 23) };
        await expectLargeLogits(attentionDecode, plan, inputs, 'o', { Sq: 1, Skv: L, H: 4, G: 2, dh, causal: false, scale: attentionScale(dh) }, ['q', 'k_cache', 'v_cache']);
      });
    }
  }
});

// ---- traffic == plan ----------------------------------------------------------------------------

describe('attention: instrumented traffic equals the plan, per workgroup, every pass', () => {
  const prefill: Array<[PrefillVariant, boolean, Record<string, number>]> = [
    ['flash', false, { S: 33, Hq: 4, Hkv: 2, dh: 16 }],
    ['flash', true, { S: 33, Hq: 4, Hkv: 2, dh: 16 }],
    ['flash', true, { S: 20, Hq: 2, Hkv: 1, dh: 32, Br: 8, Bc: 16 }],
    ['naive', false, { S: 33, Hq: 4, Hkv: 2, dh: 16 }],
    ['flash', true, { S: 17, L: 40, Hq: 4, Hkv: 2, dh: 16 }],
    ['naive', true, { S: 17, L: 40, Hq: 4, Hkv: 2, dh: 16 }],
    ['flash', true, { S: 6, Hq: 2, Hkv: 1, dh: 256, Bc: 0 }],
    ['naive', true, { S: 33, Hq: 4, Hkv: 2, dh: 16 }],
  ];
  for (const [variant, causal, p] of prefill) {
    it(`prefill ${variant} ${causal ? 'causal' : 'full'} ${show(p)}`, async () => {
      await expectTrafficMatchesPlan(attentionPrefill, prefillPlan(p, causal, variant));
    });
  }
  const decode: Array<[DecodeVariant, Record<string, number>]> = [
    ['split', decodeCases[1].p],
    ['split', { B: 2, L: 300, Hq: 8, Hkv: 2, dh: 32, split: 64, Bc: 16 }],
    ['split', decodeCases[5].p],
    ['naive', { B: 2, L: 37, Hq: 4, Hkv: 1, dh: 16, split: 16, Bc: 4 }],
    ['split', { L: 20, Hq: 8, Hkv: 1, dh: 256 }],
    ['split', { B: 2, L: 40, Hq: 2, Hkv: 1, dh: 80, split: 16, Bc: 8 }],
  ];
  for (const [variant, p] of decode) {
    it(`decode ${variant} ${show(p)}`, async () => {
      await expectTrafficMatchesPlan(attentionDecode, decodePlan(p, variant));
    });
  }
});

// ---- plans without a GPU ------------------------------------------------------------------------

describe('attention plans', () => {
  it('tile classes partition every grid; MACs = flops / 2 = QKᵀ + PV of the visible pairs', () => {
    for (const c of prefillCases)
      for (const causal of [false, true])
        for (const v of PREFILL_VARIANTS) {
          const plan = prefillPlan(c.p, causal, v);
          for (const pass of plan.passes) checkPartition(pass);
          const { S, Hq, dh } = c.p;
          const pairs = countPairs(S, c.p.L ?? S, causal); // counted independently of the plan code
          expect(plan.flops).toBe(4 * Hq * pairs * dh);
          expect(planTotals(plan).macs * 2, `${v} ${show(c.p)} causal=${causal}`).toBe(plan.flops);
        }
    for (const c of decodeCases)
      for (const v of DECODE_VARIANTS) {
        const plan = decodePlan(c.p, v);
        for (const pass of plan.passes) checkPartition(pass);
        expect(planTotals(plan).macs * 2).toBe(4 * (c.p.B ?? 1) * c.p.Hq * c.p.L * c.p.dh);
      }
  });

  it('causal flash skips fully masked K/V blocks; GQA split decode reads K/V once per group', () => {
    // S = 64, Br = Bc = 16: query block x visits x + 1 of the 4 K/V blocks -> 10 instead of 16.
    const p = { S: 64, Hq: 4, Hkv: 2, dh: 16, Br: 16, Bc: 16 };
    const blockBytes = 4 * 16 * 16;
    const full = planTotals(attentionPrefill.plan(attentionPrefill.validate({ ...p, causal: false }), 'flash'));
    const causal = planTotals(attentionPrefill.plan(attentionPrefill.validate({ ...p, causal: true }), 'flash'));
    expect(full.loadByTensor.K).toBe(4 * 16 * blockBytes);
    expect(causal.loadByTensor.K).toBe(4 * 10 * blockBytes);
    const d = planTotals(decodePlan({ L: 100, Hq: 8, Hkv: 1, dh: 16, split: 32, Bc: 8 }, 'split'));
    expect(d.loadByTensor.k_cache).toBe(4 * 100 * 16); // once, not 8 times
  });

  it('auto tiles: Bc from the workgroup-memory budget, heads per workgroup, splits from L and the fill target', () => {
    const v = (raw: Record<string, unknown>) => attentionDecode.validate(raw);
    // Hand-computed with decode bytes = 4·(2·GW·dh + 2·Bc·dh + GW·Bc + 3·GW) ≤ 16384 and
    // nSplit = clamp(ceil(256 / (B·Hkv·G/GW)), 1, floor(L / 64)), split = ceil(L/nSplit) to a multiple of Bc.
    expect(v({ L: 2048, Hq: 8, Hkv: 2, dh: 64 })).toMatchObject({ Bc: 16, split: 64 }); // 2 groups -> 128 wanted, 32 allowed
    expect(v({ L: 4096, Hq: 32, Hkv: 8, dh: 128 })).toMatchObject({ Bc: 8, split: 128 }); // Llama-3-8B: 8 groups x 32 splits = 256 workgroups
    expect(v({ L: 100, Hq: 8, Hkv: 2, dh: 64 })).toMatchObject({ split: 112 }); // one split (100 < 2·64), rounded up to Bc
    expect(v({ L: 20, Hq: 8, Hkv: 1, dh: 256 })).toMatchObject({ Bc: 4 });
    expect(v({ L: 4096, Hq: 8, Hkv: 2, dh: 64, fill: 8 })).toMatchObject({ split: 1024 }); // a small device: 4 splits x 2 groups
    expect(v({ L: 4096, Hq: 8, Hkv: 2, dh: 64, split: 100, Bc: 3 })).toMatchObject({ split: 100, Bc: 3 }); // explicit values stay
    const gemma = attentionDecode.plan(v({ L: 20, Hq: 8, Hkv: 1, dh: 256 }), 'split').passes[0];
    expect(gemma.grid).toEqual([1, 4, 1]); // 8 heads in workgroups of 2
    expect(gemma.overrides).toMatchObject({ G: 2, GQ: 8, BC: 4 });
    expect(gemma.workgroupBytes).toBe(4 * (2 * 2 * 256 + 2 * 4 * 256 + 2 * 4 + 3 * 2));
    expect(v({ L: 20, Hq: 8, Hkv: 1, dh: 256, wgBytes: 32768 })).toMatchObject({ Bc: 4 }); // 32 KiB: the whole group, Bc 4
    expect(attentionDecode.plan(v({ L: 20, Hq: 8, Hkv: 1, dh: 256, wgBytes: 32768 }), 'split').passes[0].overrides.G).toBe(8);
    const p = (raw: Record<string, unknown>) => attentionPrefill.validate(raw).Bc;
    expect([p({ dh: 64 }), p({ dh: 128 }), p({ dh: 256 }), p({ dh: 256, wgBytes: 32768 })]).toEqual([16, 16, 8, 16]);
  });

  it('prefill over a prefix: K/V are the cache, flops count L − S + i + 1 keys per query', () => {
    const plan = attentionPrefill.plan(attentionPrefill.validate({ S: 4, L: 10, Hq: 1, Hkv: 1, dh: 16, Br: 4, Bc: 4 }), 'flash');
    expect(plan.tensors.find((t) => t.name === 'K')).toMatchObject({ shape: [1, 10, 16], role: 'kv-cache' });
    expect(plan.flops).toBe(4 * 16 * (7 + 8 + 9 + 10));
    // one query block of rows 0..3 sees keys up to 9: all 3 blocks of 4 (the last ragged, 2 keys)
    expect(planTotals(plan).loadByTensor.K).toBe(4 * 10 * 16);
  });

  it('a 4096-token causal plan is cheap to build', () => {
    const t0 = performance.now();
    const plan = attentionPrefill.plan(attentionPrefill.validate({ S: 4096, Hq: 32, Hkv: 8, dh: 128, causal: true }), 'flash');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(plan.passes[0].tiles.length).toBe(4096 / 32);
  });

  const bad: Array<[KernelDef, Record<string, unknown>, RegExp]> = [
    [attentionPrefill, { dh: 50 }, /dh must be a multiple of 4 in \[4, 256\]/],
    [attentionPrefill, { dh: 260 }, /dh must be a multiple of 4 in \[4, 256\]/],
    [attentionPrefill, { S: 8, L: 4 }, /L \(keys: cached prefix \+ new tokens\) must be ≥ S \(new queries\), got S=8, L=4/],
    [attentionPrefill, { Hq: 6, Hkv: 4 }, /Hq must be a multiple of Hkv.*Hq=6, Hkv=4/],
    [attentionPrefill, { S: 0 }, /S must be in \[1, 65536\], got 0/],
    [attentionPrefill, { S: 2.5 }, /S must be an integer/],
    [attentionPrefill, { Bc: 65 }, /Bc must be in \[0, 64\]/],
    [attentionPrefill, { causal: 'yes' }, /causal must be true or false/],
    [attentionPrefill, { scale: 2 }, /unknown parameter "scale"/],
    [attentionDecode, { L: 0 }, /L must be in \[1, 1048576\], got 0/],
    [attentionDecode, { Hq: 8, Hkv: 3 }, /Hq must be a multiple of Hkv/],
    [attentionDecode, { dh: 18 }, /dh must be a multiple of 4/],
    [attentionDecode, { Hq: 128, Hkv: 1 }, /Hq \/ Hkv must be at most 64/],
    [attentionDecode, { split: -1 }, /split must be in \[0, 1048576\]/],
  ];
  for (const [def, raw, re] of bad) {
    it(`${def.name} rejects ${JSON.stringify(raw)}`, () => {
      expect(() => def.validate(raw)).toThrow(KernelInputError);
      expect(() => def.validate(raw)).toThrow(re);
    });
  }
  it('unknown variants are refused with the allowed list', () => {
    // Through the registry, as the CLI and the worker call it: the variant is any string there.
    const [pre, dec] = [kernelByName('attention-prefill'), kernelByName('attention-decode')];
    expect(() => pre.plan(pre.validate({}), 'tiled')).toThrow(/allowed: flash, naive/);
    expect(() => dec.plan(dec.validate({}), 'flash')).toThrow(/allowed: split, naive/);
  });
});
