// The GPU decode loop's op lists (DecodeOpsCache, used by GpuModel.ops) against forwardOps built from
// nothing: at every one of many consecutive positions, with a new sampling draw each step, the lists are
// deep-equal (every plan: params, passes, grids, uniforms, flops, bytes; every binding), for Llama-3-8B,
// GPT-2 small, a GQA model with a sliding window, int8 weights (per-column and Q8_0 group scales, both
// int8 variants), GGUF ggml blocks and 16-bit weights kept as stored, a vocabulary split across
// bindings, and a tied 16-bit head read from the embedding's parts. The positions cross the decode attention's split boundaries (DECODE_SPLIT = 64 keys) and the
// sliding window's edge. And the lookup of bound plans (BoundOps) finds what GpuModel bound before.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/context.ts';
import { encodePass, uniformBytes, type BoundPass } from '../../src/gpu/runner.ts';
import { BoundOps } from '../../src/llm/bound-ops.ts';
import { modelPreset, type ModelConfig } from '../../src/models/config.ts';
import { DecodeOpsCache, forwardOps, vocabSplit, type ForwardOp, type GgmlPart, type StepShape } from '../../src/models/forward.ts';

const llama3 = modelPreset('llama3-8b');
const gpt2 = modelPreset('gpt2-small');
/** Small GQA model (8 query heads over 2 KV heads) with a 96-key sliding window: dims multiples of 256 for the K-quants. */
const swa: ModelConfig = { ...llama3, id: 'swa-test', label: 'GQA + sliding window (test)', vocabSize: 1000, dim: 512, nLayers: 3, nHeads: 8, nKvHeads: 2, headDim: 64, ffnDim: 768, maxPositions: 4096, attentionWindow: 96 };

const decode = (capacity: number, extra: Partial<StepShape> = {}) => (pos0: number, u: number): StepShape =>
  ({ phase: 'decode', M: 1, pos0, capacity, int8: false, topK: 1, temperature: 0, u, ...extra });

/** GGUF blocks as a file keeps them: q, k, v in their own formats, the MLP in K-quants and 16-bit floats, the head in Q6_K. */
function ggmlOf(c: ModelConfig): Record<string, GgmlPart[]> {
  const g: Record<string, GgmlPart[]> = { lmHead: [{ format: 'q6_k', N: c.vocabSize }] };
  for (let l = 0; l < c.nLayers; l++) {
    g[`L${l}.wqkv`] = [{ format: 'q4_k', N: c.nHeads * c.headDim }, { format: 'q4_k', N: c.nKvHeads * c.headDim }, { format: 'q6_k', N: c.nKvHeads * c.headDim }];
    g[`L${l}.wo`] = [{ format: 'q4_0', N: c.dim }];
    g[`L${l}.wUp`] = [{ format: l % 2 ? 'f16' : 'q5_k', N: 2 * c.ffnDim }];
    g[`L${l}.wDown`] = [{ format: l % 2 ? 'bf16' : 'q6_k', N: c.dim }];
  }
  return g;
}

const q8Of = (c: ModelConfig) => Object.fromEntries([...Array(c.nLayers).keys()].flatMap((l) => [`L${l}.wo`, `L${l}.wUp`, `L${l}.wDown`].map((w) => [w, 32])).concat([['lmHead', 32]]));

/** A seeded draw per step (as generateGpu's drawStream), so the sampling op's plan changes every step. */
function draws(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31));
}

const cases: Array<{ name: string; c: ModelConfig; shape: (pos0: number, u: number) => StepShape; positions: number[] }> = [
  // Llama-3-8B: 421 ops; positions across the first split boundaries (64, 128) and near the end of a 4096 context
  { name: 'llama3-8b f32', c: llama3, shape: decode(4096), positions: [...range(0, 140), ...range(4060, 4096)] },
  { name: 'gpt2-small (learned positions, biases, LayerNorm, GELU)', c: gpt2, shape: decode(1024), positions: [...range(0, 200), ...range(1000, 1024)] },
  { name: 'GQA + sliding window 96, top-k sampling', c: swa, shape: decode(512, { topK: 40, temperature: 0.8 }), positions: range(0, 300) },
  { name: 'int8 per-column scales, dot4', c: swa, shape: decode(256, { int8: true, int8Variant: 'dot4' }), positions: range(50, 200) },
  { name: 'int8 Q8_0 group scales, unpacked (no packed dot product)', c: swa, shape: decode(256, { int8: true, int8Variant: 'unpacked', q8Groups: q8Of(swa) }), positions: range(50, 200) },
  { name: 'GGUF ggml blocks and 16-bit weights as stored, f16 embedding', c: swa, shape: decode(512, { ggml: ggmlOf(swa), embedFormat: 'f16' }), positions: range(0, 200) },
  {
    name: 'vocabulary split across bindings (4 embedding parts, 2 LM-head parts)', c: swa,
    shape: decode(512, { split: vocabSplit(swa, { bindingBytes: 512 * 1024, embedRowBytes: 4 * swa.dim, headColBytes: 4 * swa.dim, offsetAlign: 256 }) }), positions: range(0, 140),
  },
  {
    name: 'tied bf16 head read from the embedding parts (logits at offsets)', c: { ...swa, tiedEmbeddings: true },
    shape: decode(512, { embedFormat: 'bf16', headFromEmbed: true, split: vocabSplit(swa, { bindingBytes: 300 * 1024, embedRowBytes: 2 * swa.dim, headColBytes: 2 * swa.dim, offsetAlign: 256, shared: true }) }), positions: range(60, 140),
  },
];

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

describe('DecodeOpsCache: the decode loop runs exactly the plans forwardOps gives', () => {
  for (const k of cases) {
    it(`${k.name}: deep-equal to fresh forwardOps at ${k.positions.length} consecutive positions`, () => {
      const cache = new DecodeOpsCache();
      const u = draws(k.positions.length, 7);
      let lowered = 0;
      k.positions.forEach((pos, i) => {
        const s = k.shape(pos, u[i]);
        const got = cache.ops(k.c, s);
        const want = forwardOps(k.c, s);
        // strict deep equality (prototypes, every own field); on a difference, op by op so the failure names the op and the position
        if (!isDeepStrictEqual(got, want)) {
          expect(got.map((op) => op.id)).toEqual(want.map((op) => op.id));
          got.forEach((op, j) => expect(op, `${op.id} at position ${pos}`).toStrictEqual(want[j]));
        }
        lowered = got.length;
      });
      expect(lowered).toBeGreaterThan(0);
    });
  }

  it('Llama-3-8B: the ops that do not read the position or the draw are the same objects every step; 130 of 421 are new', () => {
    const cache = new DecodeOpsCache(), s = decode(4096);
    const a = cache.ops(llama3, s(100, 0.25)), b = cache.ops(llama3, s(101, 0.5));
    expect(a.length).toBe(421);
    const fresh = b.filter((op, i) => op !== a[i]).map((op) => op.id.replace(/^L\d+\./, 'L*.'));
    expect(fresh.length).toBe(1 + 4 * 32 + 1); // embed, 4 per layer, sample
    expect(new Set(fresh)).toEqual(new Set(['embed', 'L*.rope-q', 'L*.k-cache', 'L*.v-cache', 'L*.attention', 'sample']));
    // what is reused is frozen and said so (cache.immutable): a consumer cannot change a later step's plan or bindings
    const kept = b.find((op) => op.id === 'L3.qkv')!, made = b.find((op) => op.id === 'L3.attention')!;
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.plan.passes[0].overrides) && Object.isFrozen(made.plan) && Object.isFrozen(made.bind)).toBe(true);
    expect(() => { (kept.bind as Record<string, string>).W = 'other'; }).toThrow(TypeError);
    const held = (x: object) => cache.immutable.has(x);
    expect([kept, kept.plan, kept.plan.passes[0], kept.bind, made.plan, made.plan.passes[0], made.bind].every(held)).toBe(true);
    // the ops made at each step are new objects, neither frozen nor held
    expect(held(made) || Object.isFrozen(made)).toBe(false);
    expect(b.every((op) => held(op) === (op === a[b.indexOf(op)]))).toBe(true);
  });

  it('the config and the shape\'s tables cannot change in place once lowered for: each change throws where it is tried', () => {
    const c: ModelConfig = { ...swa, positions: { kind: 'rope', theta: 10000, scaling: null } };
    const q8Groups: Record<string, number> = { 'L1.wo': 32 }, ggml = ggmlOf(swa), split = { embedRows: 500, headCols: 1000 };
    const cache = new DecodeOpsCache();
    cache.ops(c, decode(256, { int8: true, q8Groups, ggml, split })(10, 0.5));
    // as GpuModel.writeLinear did while the weights uploaded, after load had built its first lists
    expect(() => { q8Groups['L0.wo'] = 32; }).toThrow(TypeError);
    expect(() => { ggml['L0.wo'][0].format = 'q5_0'; }).toThrow(TypeError);
    expect(() => { split.headCols = 500; }).toThrow(TypeError);
    expect(() => { c.attentionWindow = 32; }).toThrow(TypeError);
    expect(() => { (c.positions as { theta: number }).theta = 500000; }).toThrow(TypeError);
  });

  // each change of the config or of a ListShape field, as new values (a new object for a table, the same one at
  // every later step, as GpuModel gives them): the list is lowered again
  const base = decode(256, { int8: true, int8Variant: 'dot4', q8Groups: {}, split: { embedRows: 1000, headCols: 1000 } });
  const [q8, ggml, split] = [q8Of(swa), ggmlOf(swa), { embedRows: 256, headCols: 512 }];
  const changes: Array<[string, ModelConfig, (pos0: number, u: number) => StepShape]> = [
    // GpuModel's shape once the upload has recorded the Q8_0 groups (a new q8Groups object)
    ['Q8_0 groups recorded (a new q8Groups)', swa, (p, u) => ({ ...base(p, u), q8Groups: q8 })],
    ['another capacity', swa, (p, u) => ({ ...base(p, u), capacity: 512 })],
    ['f32 weights', swa, (p, u) => ({ ...base(p, u), int8: false })],
    ['the unpacked int8 variant', swa, (p, u) => ({ ...base(p, u), int8Variant: 'unpacked' })],
    ['ggml weights (a new ggml)', swa, (p, u) => ({ ...base(p, u), int8: false, ggml })],
    ['a vocabulary split (a new split)', swa, (p, u) => ({ ...base(p, u), split })],
    ['an f16 embedding', swa, (p, u) => ({ ...base(p, u), embedFormat: 'f16' })],
    ['another config (a window of 32)', { ...swa, attentionWindow: 32 }, base],
  ];
  for (const [name, c, shape] of changes) {
    it(`${name}: lowered again, deep-equal to fresh forwardOps; the same values again keep the list`, () => {
      const cache = new DecodeOpsCache(), oProj = (ops: ForwardOp[]) => ops.find((op) => op.id === 'L0.o-proj');
      const first = cache.ops(swa, base(100, 0.5));
      expect(oProj(cache.ops(swa, base(101, 0.25)))).toBe(oProj(first)); // kept: the same object
      const changed = cache.ops(c, shape(102, 0.75));
      expect(changed).toStrictEqual(forwardOps(c, shape(102, 0.75)));
      expect(isDeepStrictEqual(changed, forwardOps(swa, base(102, 0.75)))).toBe(false);
      expect(oProj(changed)).not.toBe(oProj(first));
      expect(oProj(cache.ops(c, shape(103, 0.1)))).toBe(oProj(changed));
    });
  }

  it('a caller that writes new values into its own StepShape object between steps is seen (the cache keeps a copy of the fields)', () => {
    const cache = new DecodeOpsCache(), s = decode(256)(100, 0.5);
    cache.ops(swa, s);
    s.pos0 = 101;
    s.capacity = 512;
    expect(cache.ops(swa, s)).toStrictEqual(forwardOps(swa, s));
  });

  it('a prefill step is refused with what to use instead', () => {
    expect(() => new DecodeOpsCache().ops(swa, { ...decode(256)(0, 0), phase: 'prefill', M: 8 })).toThrow(/DecodeOpsCache lowers decode steps; a prefill step goes through forwardOps/);
  });
});

describe('BoundOps: the bound plan of each op, found again at every step', () => {
  const stub = (tag: string) => ({ tag, destroy() {} });

  it('a decode loop binds each op once: later positions find the bound plans (by the op itself or by its key)', () => {
    const cache = new DecodeOpsCache(), bound = new BoundOps<ReturnType<typeof stub>>(), s = decode(512);
    const first = cache.ops(swa, s(70, 0.1));
    for (const op of first) bound.set(op, false, stub(op.id));
    for (let pos = 71; pos < 200; pos++) {
      for (const op of cache.ops(swa, s(pos, pos / 1000))) expect(bound.get(op, false)?.tag).toBe(op.id);
    }
    expect(bound.size).toBe(first.length);
    // instrumented runs bind their own (stats buffers sized per workgroup)
    expect(bound.get(first[1], true)).toBeUndefined();
  });

  it('keys equal those of fresh forwardOps ops, and two ops with equal plans but different ids never share one', () => {
    const cache = new DecodeOpsCache(), s = decode(512)(130, 0.3);
    const cached = cache.ops(swa, s), fresh = forwardOps(swa, s);
    const bound = new BoundOps<ReturnType<typeof stub>>();
    cached.forEach((op, i) => {
      expect(bound.key(op, false)).toBe(bound.key(fresh[i], false));
      expect(bound.key(op, true)).toBe(bound.key(fresh[i], true));
    });
    // every op its own key; instrumented keys apart from plain ones
    const keys = cached.flatMap((op) => [bound.key(op, false), bound.key(op, true)]);
    expect(new Set(keys).size).toBe(2 * cached.length);
    const a = cached.find((op) => op.id === 'L0.attention')!, b = cached.find((op) => op.id === 'L1.attention')!;
    expect(a.plan).toBe(b.plan); // one plan object for every layer at a position
    bound.set(a, false, stub('L0'));
    expect(bound.get(b, false)).toBeUndefined();
    // the same op id bound to other buffers (a later prefill chunk's attention reads the cache) is another key
    const prefill = (pos0: number) => forwardOps(swa, { ...decode(512)(pos0, 0), phase: 'prefill', M: 8 }).find((op) => op.id === 'L0.attention')!;
    expect(prefill(0).bind).not.toEqual(prefill(8).bind);
    expect(bound.key(prefill(0), false)).not.toBe(bound.key(prefill(8), false));
    expect(bound.key(prefill(8), false)).toBe(bound.key(prefill(16), false));
  });

  it('identity is trusted for what the Immutables given hold, and only that: frozenness alone is not', () => {
    const op = forwardOps(swa, decode(512)(5, 0))[3] as ForwardOp;
    const held = structuredClone(op), frozen = Object.freeze(structuredClone(op));
    const bound = new BoundOps<ReturnType<typeof stub>>(new WeakSet<object>([held]));
    bound.set(op, false, stub('x'));
    // both found by their key (equal values), the held one then by identity
    expect(bound.get(held, false)?.tag).toBe('x');
    expect(bound.get(frozen, false)?.tag).toBe('x');
    // a held object is promised never to change: its bound plan is found by the object itself (this breaks the
    // promise to show it); one not held is keyed by value at every lookup, so its new bindings find nothing
    held.bind = { ...held.bind, X: 'other' };
    expect(bound.get(held, false)?.tag).toBe('x');
    const unheld = structuredClone(op);
    expect(bound.get(unheld, false)?.tag).toBe('x');
    unheld.bind = { ...unheld.bind, X: 'other' };
    expect(bound.get(unheld, false)).toBeUndefined();
    // and without Immutables nothing is keyed by identity
    const plain = new BoundOps<ReturnType<typeof stub>>();
    plain.set(op, false, stub('y'));
    const twin = structuredClone(op);
    expect(plain.get(twin, false)?.tag).toBe('y');
    twin.bind = { ...twin.bind, X: 'other' };
    expect(plain.get(twin, false)).toBeUndefined();
  });
});

describe('encodePass with the passes the Immutables hold (skipping re-serialization of the pass last written)', () => {
  it('the uniform buffer always ends up with the bytes of the pass encoded: a new position writes, a return to an earlier pass writes again', () => {
    const writes: number[][] = [];
    const ctx = { device: { queue: { writeBuffer: (_b: unknown, _o: number, u: Uint8Array) => writes.push([...new Uint32Array(u.buffer, u.byteOffset, 4)]) } } } as unknown as GpuContext;
    const cp = { setPipeline() {}, setBindGroup() {}, dispatchWorkgroups() {} } as unknown as GPUComputePassEncoder;
    // the attention of L0 at two positions (two frozen plans of one op), as DecodeOpsCache gives them
    const cache = new DecodeOpsCache(), s = decode(512);
    const at = (pos: number) => cache.ops(swa, s(pos, 0)).find((op) => op.id === 'L0.attention')!.plan.passes[0];
    const p70 = at(70), p71 = at(71);
    expect(cache.immutable.has(p70)).toBe(true);
    const u = (p: typeof p70) => [...new Uint32Array(uniformBytes(p), 0, 4)];
    expect(u(p70)).not.toEqual(u(p71));
    // with the cache's Immutables (the same pass object again is not serialized) and without (serialized and compared): the same writes
    for (const immutable of [cache.immutable, undefined]) {
      writes.length = 0;
      const b = { uniform: {} as GPUBuffer, uniformBytes: new Uint8Array(uniformBytes(p70)), uniformPass: immutable ? p70 : null } as unknown as BoundPass;
      const refresh = { uniforms: true, stats: false, immutable };
      encodePass(ctx, cp, p70, b, refresh); // the bytes bound with it: nothing to write
      encodePass(ctx, cp, p71, b, refresh); // the next position: its own L
      encodePass(ctx, cp, p71, b, refresh); // the same pass again: nothing to write
      encodePass(ctx, cp, p70, b, refresh); // back to the first: written again
      expect(writes).toEqual([u(p71), u(p70)]);
    }
  });
});
