// Pure rules behind the bench, share and editor views (issue #10): which configuration a link
// means, which parameters a variant uses, what a device lacks, one byte formatter, share wording,
// and received WGSL edits that never become the receiver's own unasked.
import { beforeEach, describe, expect, it } from 'vitest';
import { KERNELS } from '../../src/kernels/registry.ts';
import { api } from '../../src/worker/api.ts';
import { followShapeVariant, missingCapability, paramUsedBy, PickerParamQueue, resolveBench, resolveDataflow, type PickerChange, type PickerShown } from '../../src/ui/bench-logic.ts';
import { fmtNum, formatBandwidth, formatBytes, formatDuration, formatEnergy, formatPercent, formatPower, linkValue, LINK_RANGES, plural, speedRatioText, timeRatioWords } from '../../src/ui/format.ts';
import { fmtFixed, formatRoughDuration } from '../../src/chip/format.ts';
import { addSplits, opParts, splitText } from '../../src/ui/op-split.ts';
import { GLOSSARY } from '../../src/ui/glossary.ts';

const kernels = api.listKernels();

describe('resolveBench', () => {
  it('keeps a known kernel and variant, with no notice', () => {
    const r = resolveBench(kernels, 'matmul', 'naive')!;
    expect([r.kernel.name, r.variant, r.notices]).toEqual(['matmul', 'naive', []]);
  });
  it('an unknown variant becomes the default and says so (defect 2: the dropdown once showed naive)', () => {
    const r = resolveBench(kernels, 'matmul', 'bogus')!;
    expect(r.variant).toBe('tiled');
    expect(r.notices[0]).toMatch(/no variant "bogus".*showing tiled/);
  });
  it('an unknown kernel becomes the first one and says so (defect 13: it once became matmul silently)', () => {
    const r = resolveBench(kernels, 'conv9d', 'x')!;
    expect(r.kernel.name).toBe(kernels[0].name);
    expect(r.notices).toHaveLength(1);
    expect(r.notices[0]).toMatch(/kernel "conv9d"/);
  });
  it('a variant of another kernel (left over from a switch) is replaced', () => {
    expect(resolveBench(kernels, 'attention-prefill', 'tiled')!.variant).toBe('flash');
  });
});

describe('the Bench variant follows the shape rule unless chosen (issue 9: at M=1 the Bench ran tiled)', () => {
  // The panel's steps, from the worker's own pick (KernelDef.pickVariant through autoVariant).
  const pick = (kernel: string, params: Record<string, unknown>) => api.pickVariant(kernel, params)!;
  it("the worker's pick is the kernel's shape rule: gemv for one token, int8 gemv for Q8_0 groups, the tiled kernels otherwise", () => {
    expect([pick('matmul', {}), pick('matmul', { M: 1 }), pick('matmul-int8', { M: 1, K: 1024, group: 32 }), pick('qkv', { M: 1 }), pick('qkv', {})]).toEqual(['tiled', 'gemv', 'gemv', 'gemv', 'fused']);
    expect(api.pickVariant('matmul', { M: 0 })).toBeNull();
    expect(api.pickVariant('conv9d', {})).toBeNull();
  });
  it('default state (matmul tiled at M=256), the user sets M=1: the Bench runs gemv; back to M=64: tiled', () => {
    const before = pick('matmul', {});
    const v1 = followShapeVariant({ current: 'tiled', pickedBefore: before, pickedNow: pick('matmul', { M: 1 }), userChose: false });
    expect(v1).toBe('gemv');
    expect(followShapeVariant({ current: v1, pickedBefore: 'gemv', pickedNow: pick('matmul', { M: 64 }), userChose: false })).toBe('tiled');
  });
  it("a variant the user picked stays, whatever the shape", () => {
    expect(followShapeVariant({ current: 'tiled', pickedBefore: 'tiled', pickedNow: pick('matmul', { M: 1 }), userChose: true })).toBe('tiled');
    expect(followShapeVariant({ current: 'naive', pickedBefore: 'tiled', pickedNow: 'gemv', userChose: false })).toBe('naive');
  });
  it("a link's variant wins: on opening (no pick before) and after edits when it differs from its shape's pick", () => {
    // A link with M=1 and tiled: the first pick (gemv) is only recorded; a later edit keeps tiled.
    expect(followShapeVariant({ current: 'tiled', pickedBefore: undefined, pickedNow: 'gemv', userChose: false })).toBe('tiled');
    expect(followShapeVariant({ current: 'tiled', pickedBefore: 'gemv', pickedNow: 'gemv', userChose: false })).toBe('tiled');
  });
  it('a new kernel starts from its default and takes its shape pick', () => {
    const k = kernels.find((x) => x.name === 'qkv')!;
    expect(followShapeVariant({ current: k.defaultVariant, pickedBefore: k.defaultVariant, pickedNow: pick('qkv', { M: 1 }), userChose: false })).toBe('gemv');
  });
});

describe("the kernel picker's param changes queue: typing through the fields faster than the worker answers loses no value", () => {
  // A host as the app is: it applies an emitted change a few microtasks later (Lit's updates), and the
  // shape rule is the worker's own pick, answered after `ms` (a loaded machine took 400 ms).
  function setup(ms: number, start: Partial<PickerShown> = {}) {
    const shown: PickerShown = { kernel: 'matmul', variant: 'tiled', params: {}, userChose: false, ...start };
    const emitted: PickerChange[] = [];
    let inFlight = 0, overlapped = false;
    const q = new PickerParamQueue(
      () => shown,
      async (kernel, params) => {
        overlapped ||= inFlight > 0;
        inFlight++;
        await new Promise((r) => setTimeout(r, ms));
        inFlight--;
        return api.pickVariant(kernel, params);
      },
      (c) => {
        emitted.push(c);
        void Promise.resolve().then(() => Promise.resolve()).then(() => Object.assign(shown, c));
      },
    );
    const merge = (name: string, value: number) => q.set({ ...q.latest(), [name]: value });
    return { q, shown, emitted, merge, overlapped: () => overlapped };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('M, N, K typed before the first answer: all three land, in one emitted change; the shape rule runs one change at a time', async () => {
    const { shown, emitted, merge, overlapped } = setup(30);
    const done = [merge('M', 48), merge('N', 40), merge('K', 24)];
    await Promise.all(done);
    await settle();
    expect(shown.params).toEqual({ M: 48, N: 40, K: 24 });
    // the first change was asked before N arrived; its answer and N's queued change were superseded
    expect(emitted).toEqual([{ kernel: 'matmul', variant: 'tiled', params: { M: 48, N: 40, K: 24 } }]);
    expect(overlapped()).toBe(false);
  });

  it('a change typed after the previous one landed builds on it, and the variant follows the shape (M = 1: gemv, M = 64: tiled)', async () => {
    const { shown, emitted, merge } = setup(1);
    await merge('M', 1);
    await settle();
    expect(shown).toMatchObject({ variant: 'gemv', params: { M: 1 } });
    await merge('N', 40);
    await settle();
    expect(shown).toMatchObject({ variant: 'gemv', params: { M: 1, N: 40 } });
    await merge('M', 64);
    await settle();
    expect(shown).toMatchObject({ variant: 'tiled', params: { M: 64, N: 40 } });
    expect(emitted).toHaveLength(3);
  });

  it('a variant the user chose stays through queued changes', async () => {
    const { shown, merge } = setup(5, { variant: 'naive', userChose: true });
    await Promise.all([merge('M', 1), merge('N', 8)]);
    await settle();
    expect(shown).toMatchObject({ variant: 'naive', params: { M: 1, N: 8 } });
  });

  it('a kernel choice drops the pending param changes; only the newest kernel choice is current', async () => {
    const { q, emitted, merge } = setup(5);
    const pending = merge('M', 1);
    const first = q.chooseKernel();
    expect(q.latest()).toEqual({});
    const second = q.chooseKernel();
    await pending;
    expect(emitted).toEqual([]);
    expect([first(), second()]).toEqual([false, true]);
  });
});

describe('paramUsedBy', () => {
  // Which inputs each variant shows and hides, by hand from the kernels' docs (kernels may add more).
  const cases: Array<{ kernel: string; variant: string; shown: string[]; hidden: string[] }> = [
    { kernel: 'matmul', variant: 'naive', shown: ['M', 'N', 'K'], hidden: ['BM', 'BN', 'BK', 'TM', 'TN'] },
    { kernel: 'matmul', variant: 'tiled', shown: ['M', 'N', 'K', 'BM', 'BN', 'BK', 'TM', 'TN'], hidden: [] },
    { kernel: 'matmul', variant: 'tiled-f16', shown: ['M', 'N', 'K', 'BM', 'BN', 'BK', 'TM', 'TN'], hidden: [] },
    { kernel: 'attention-decode', variant: 'naive', shown: ['B', 'L', 'Hq', 'Hkv', 'dh'], hidden: ['split', 'Bc'] },
    { kernel: 'attention-decode', variant: 'split', shown: ['B', 'L', 'Hq', 'Hkv', 'dh', 'split', 'Bc'], hidden: [] },
    { kernel: 'attention-prefill', variant: 'naive', shown: ['S', 'Hq', 'Hkv', 'dh', 'causal'], hidden: ['Br'] },
  ];
  for (const c of cases) {
    it(`${c.kernel}/${c.variant}`, () => {
      const k = KERNELS.find((x) => x.name === c.kernel)!;
      const shown = k.params.filter((p) => paramUsedBy(p, c.variant, k.variants)).map((p) => p.name);
      for (const n of c.shown) expect(shown).toContain(n);
      for (const n of c.hidden) expect(shown).not.toContain(n);
    });
  }
  it('a doc prefix that names no variant is prose ("batch: ...")', () => {
    expect(paramUsedBy({ name: 'B', doc: 'batch: sequences', default: 1 }, 'naive', ['naive', 'split'])).toBe(true);
  });
});

describe('missingCapability', () => {
  it('names the missing feature (tiled-f16 without shader-f16)', () => {
    const c = api.checkParams('matmul', 'tiled-f16', {});
    if (c.status !== 'ok') throw new Error(c.message);
    expect(missingCapability(c, { features: ['timestamp-query'], wgslLanguageFeatures: [] })).toBe('this GPU lacks the "shader-f16" feature');
    expect(missingCapability(c, { features: ['shader-f16'], wgslLanguageFeatures: [] })).toBeNull();
  });
  it('names a missing WGSL language feature', () => {
    expect(missingCapability({ requiredFeatures: [], requiredLanguageFeatures: ['packed_4x8_integer_dot_product'] }, { features: [], wgslLanguageFeatures: [] })).toMatch(/WGSL language feature packed_4x8_integer_dot_product/);
  });
});

describe('format', () => {
  // fmtNum: the one compact number of the Tokens table, Compare and the Walkthrough's prose (its copies went).
  it.each([
    [1234.6, 3, '1,235'], // from 10^digits up: whole, thousands separated
    [999.4, 3, '999'], // just below: 3 significant digits
    [2.5, 3, '2.5'], // no trailing zeros
    [0.12345, 2, '0.12'], // digits honoured
    [0.0004, 3, '4.00e-4'], // below 0.001: an exponent, never a run of zeros
    [0, 3, '0'],
    [Number.POSITIVE_INFINITY, 3, '–'], // not finite: a dash, never "Infinity"
  ])('fmtNum(%s, %s) = %s', (x, d, want) => {
    expect(fmtNum(x, d)).toBe(want);
  });

  it('one SI byte formatter (defect 13: 768 KiB in Bench vs 786 KB in the chip view for 786,432 bytes)', () => {
    expect(formatBytes(786_432)).toBe('786 KB');
    expect(formatBytes(7_077_888)).toBe('7.1 MB');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(Number.NaN)).toBe('–');
  });
  it('plural: "1 wave", "2 waves"', () => {
    expect([plural(1, 'wave'), plural(2, 'wave'), plural(0, 'wave'), plural(1, 'dispatch', 'dispatches')]).toEqual(['1 wave', '2 waves', '0 waves', '1 dispatch']);
  });
  it('share wording says faster or slower (defect 11: "2.77 ms (1.43x theirs)" read as slower)', () => {
    expect(speedRatioText(2.77, 3.96)).toBe('1.43× faster than theirs');
    expect(speedRatioText(3.96, 2.77)).toBe('1.43× slower than theirs');
    expect(speedRatioText(1, 1.001)).toBe('the same as theirs');
  });
  it('one ratio wording (timeRatioWords): the multiplier is always >= 1 and the word says which way', () => {
    const cases: Array<[number, number, number, string]> = [
      [2, 1, 0.03, '2× slower'],
      // the Bench suite table used to print a baseline twice as fast as "0.50× slower"
      [1, 2, 0, '2× faster'],
      [3.96, 2.77, 0, '1.43× slower'],
      // three digits near 1: never "1× slower" (H100 vs chip prefill, 18.0 / 18.8 ms)
      [18.8, 18.0, 0.03, '1.04× slower'],
      [1.01, 1, 0.03, 'about the same time'],
      [1, 0, 0.03, 'not comparable'],
      [12.345, 1, 0, '12.3× slower'],
    ];
    for (const [a, b, same, want] of cases) expect(timeRatioWords(a, b, same), `${a} vs ${b}`).toBe(want);
  });
});

describe('received WGSL edits (defect 6)', () => {
  const store = new Map<string, string>();
  beforeEach(async () => {
    store.clear();
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
    (await import('../../src/ui/wgsl-store.ts')).receiveEdits({});
  });

  it("the sharer's edit is applied but never stored; the receiver's own stored edit survives", async () => {
    const s = await import('../../src/ui/wgsl-store.ts');
    s.saveStoredEdits({ qkv_fused: 'mine' });
    s.receiveEdits({ matmul_tiled: 'theirs' });
    s.saveStoredEdits({ matmul_tiled: 'theirs' }); // the shell saves after every state change
    expect(s.loadStoredEdits()).toEqual({ qkv_fused: 'mine' });
    expect(s.isReceived('matmul_tiled', 'theirs')).toBe(true);
  });

  it('editing it makes it the receiver\'s own', async () => {
    const s = await import('../../src/ui/wgsl-store.ts');
    s.receiveEdits({ matmul_tiled: 'theirs' });
    s.saveStoredEdits({ matmul_tiled: 'theirs, changed' });
    expect(s.loadStoredEdits()).toEqual({ matmul_tiled: 'theirs, changed' });
    expect(s.isReceived('matmul_tiled', 'theirs, changed')).toBe(false);
  });

  it('"keep it as mine" stores it', async () => {
    const s = await import('../../src/ui/wgsl-store.ts');
    s.receiveEdits({ matmul_tiled: 'theirs' });
    s.keepReceivedEdits();
    expect(s.loadStoredEdits()).toEqual({ matmul_tiled: 'theirs' });
    expect(s.receivedEdits()).toEqual({});
  });
});

// Issue 25: one number format across views, values from links bounded, unknown dataflows named.
describe('one number format (issue 25)', () => {
  it('energies, times and powers: 3 significant digits, one unit for a column or an A/B pair', () => {
    // the defects: "724.992 mJ" beside "1.244 J", "2,564,428 uJ"
    expect(formatEnergy(0.724992)).toBe('725 mJ');
    expect(formatEnergy(1.244)).toBe('1.24 J');
    expect(formatEnergy(0.724992, 1.244)).toBe('0.725 J'); // beside 1.244 J: the same unit
    expect(formatEnergy(2.564428)).toBe('2.56 J');
    expect(formatEnergy(3.98e-4)).toBe('398 µJ');
    expect(formatDuration(14.6e-6)).toBe('14.6 µs');
    expect(formatDuration(7.17e-3, 1)).toBe('0.00717 s');
    expect(formatPower(174.2)).toBe('174 W');
    expect(formatEnergy(Number.NaN)).toBe('–');
  });

  it('percentages (issue 23: views wrote toFixed(1), toFixed(2) or Math.round by hand): the decimals the size needs', () => {
    const cases: Array<[number, string, string]> = [
      [0.0037, '0.37%', 'below 1%: two decimals, so a 0.2% MAC utilization is not "0%"'],
      [0.042, '4.2%', 'below 10%: one decimal'],
      [0.25, '25%', 'from 10% up: whole percent'],
      [0.0999, '10%', '9.99% rounds to 10%: the decimals of the size it reads as'],
      [0.00999, '1.0%', '0.999% rounds to 1.0%'],
      [1, '100%', 'all of it'],
      [0, '0%', 'nothing: no decimals'],
      [-0.05, '-5.0%', 'a fall keeps its sign and the size rule'],
      [Number.NaN, '–', 'not a number: a dash, never "NaN%"'],
    ];
    for (const [f, want, why] of cases) expect(formatPercent(f), why).toBe(want);
  });

  it('the command lines\' formatters (once local to simulate, kernel and the bench): table decimals, rough durations, a percent column', () => {
    expect(fmtFixed(5.4971)).toBe('5.497');
    expect(fmtFixed(1455.26, 1)).toBe('1455.3');
    expect(fmtFixed(1.611e10)).toBe('1.611e+10'); // from 10^4 up: an exponent
    expect(fmtFixed(1.707e-4)).toBe('1.707e-4'); // below 0.001: an exponent
    expect(fmtFixed(0)).toBe('0.000');
    expect(fmtFixed(123456.7, 0)).toBe('123,457'); // 0 decimals: fmtInt
    expect(fmtFixed(Number.NaN)).toBe('–');
    expect(formatRoughDuration(59.6)).toBe('60 s');
    expect(formatRoughDuration(160)).toBe('3 minutes');
    expect(formatRoughDuration(7200)).toBe('2 hours');
    expect(formatRoughDuration(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatPercent(0.0037, 1)).toBe('0.4%'); // at most one decimal
    expect(formatPercent(0.042, 1)).toBe('4.2%');
    expect(formatPercent(0.25, 1)).toBe('25%');
  });

  it('durations in a forced unit, bandwidths (the walkthrough\'s own helpers, moved to the formatter module)', () => {
    expect(formatDuration(0.55e-3, 1e-3)).toBe('0.550 ms'); // a launch total stated in ms beside ms figures
    expect(formatDuration(2.5e-6, 1e-6)).toBe('2.50 µs');
    expect(formatBandwidth(3.35e12)).toBe('3.35 TB/s');
    expect(formatBandwidth(4e11)).toBe('400 GB/s');
  });

  it('an op\'s split in words and fractions, and a step\'s split from its ops\' (the one list of parts every view shows)', () => {
    const b = { compute: 1e-6, memory: 2e-6, launch: 1e-6, collective: 0 };
    expect(splitText(b)).toBe('compute 1.00 µs + memory 2.00 µs + launch gap 1.00 µs + collective 0');
    expect(opParts(b)).toEqual([{ kind: 'compute', frac: 0.25 }, { kind: 'memory', frac: 0.5 }, { kind: 'launch', frac: 0.25 }]);
    expect(opParts({ compute: 0, memory: 0, launch: 0, collective: 0 })).toEqual([]); // a zero-time op draws nothing
    expect(addSplits([b, null, { compute: 0, memory: 0, launch: 0, collective: 3e-6 }])).toEqual({ compute: 1e-6, memory: 2e-6, launch: 1e-6, collective: 3e-6 });
  });

  it('numbers from a link outside their plausible range read "invalid in link"', () => {
    // each case: a crafted value the issue reports, or the edge of the range
    const cases: Array<[number, readonly [number, number], boolean, string]> = [
      [-1, LINK_RANGES.ms, true, 'invalid in link'], // "ms/token median -1.00"
      [1e300, LINK_RANGES.tokensPerS, true, 'invalid in link'], // 1e300 tokens/s
      [Number.POSITIVE_INFINITY, LINK_RANGES.ms, true, 'invalid in link'],
      [0, LINK_RANGES.ms, true, 'invalid in link'], // a median of 0 ms cannot be measured
      [0, LINK_RANGES.gflops, false, '0.00'], // 0 GFLOP/s can (a copy kernel)
      [12.5, LINK_RANGES.ms, true, '12.5'],
    ];
    for (const [v, r, strict, want] of cases) expect(linkValue(v, r, undefined, strict)).toBe(want);
  });

  it('an unknown dataflow from a link is replaced with a notice', () => {
    expect(resolveDataflow(['output-stationary', 'weight-stationary'], 'weight-stationary')).toEqual({ dataflow: 'weight-stationary' });
    const r = resolveDataflow(['output-stationary', 'weight-stationary'], 'row-stationary');
    expect(r.dataflow).toBe('output-stationary');
    expect(r.notice).toMatch(/"row-stationary" that the chip model does not have.*showing output-stationary/);
  });

  it('the glossary explains each term a student meets on Tokens, Compare and the walkthrough', () => {
    for (const t of ['bound', 'ramp', 'launch gap', 'pipeline', 'multicast', 'roofline', 'mostly']) expect(Object.keys(GLOSSARY)).toContain(t);
  });
});
