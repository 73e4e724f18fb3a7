// `npm run kernel` on the real (SwiftShader) device: every kernel family runs on .npy files, the verdict
// sets the exit code (0 match, 3 outside tolerance, 2 a problem found before anything runs), and
// problems get one line that names what was wrong and what is allowed. Shapes are tiny on purpose.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, parseNpy, type NpyArray } from '../../src/kernels/npy.ts';
import { randomF32 } from '../../src/kernels/kernel.ts';
import { main as kernelCli, EXIT } from '../../src/cli/kernel.ts';
import { KERNELS } from '../../src/kernels/registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'kernel-cli-'));
const at = (name: string) => join(dir, name);
function save(name: string, arr: NpyArray): string {
  writeFileSync(at(name), encodeNpy(arr));
  return at(name);
}
const f32 = (name: string, shape: number[], data: Float32Array) => save(name, { dtype: 'float32', shape, data });
const load = (name: string) => parseNpy(readFileSync(at(name)));

/** Runs the CLI in this process; returns the exit code and what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await kernelCli(argv, { log: (s) => out.push(s), error: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** C = A·B in f64, written here from the definition (not the kernel's reference). */
function matmul64(A: Float32Array, B: Float32Array, M: number, K: number, N: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) C[i * N + j] += A[i * K + k] * B[k * N + j];
  return C;
}

const M = 5, K = 19, N = 6;
const A = randomF32(M * K, 11), B = randomF32(K * N, 12);
const aFile = f32('A.npy', [M, K], A), bFile = f32('B.npy', [K, N], B);
// An edited naive matmul that drops the last k step: the kind of bug the check exists for.
const naiveSrc = readFileSync('shaders/matmul_naive.wgsl', 'utf8');
const brokenShader = at('broken.wgsl');
writeFileSync(brokenShader, naiveSrc.replace('k < p.K; k++', 'k + 1u < p.K; k++'));

// qkv: X [M, D], W [D, (Hq+2Hkv)·dh], optional bias; Q [Hq, M, dh], K/V [Hkv, M, dh] head-major.
const qM = 3, D = 8, Hq = 4, Hkv = 2, dh = 4, Nq = Hq * dh, Nkv = Hkv * dh, Nw = Nq + 2 * Nkv;
const X = randomF32(qM * D, 31), W = randomF32(D * Nw, 32), bias = randomF32(Nw, 33);
const xFile = f32('X.npy', [qM, D], X), wFile = f32('W.npy', [D, Nw], W), biasFile = f32('bias.npy', [Nw], bias);
/** Q, K, V head-major from the definition: column c of [q | k | v] is head floor(c/dh), lane c % dh. */
function qkv64(withBias: boolean): Float64Array[] {
  const Y = matmul64(X, W, qM, D, Nw);
  if (withBias) for (let m = 0; m < qM; m++) for (let c = 0; c < Nw; c++) Y[m * Nw + c] += bias[c];
  return [[0, Hq], [Nq, Hkv], [Nq + Nkv, Hkv]].map(([off, H]) => {
    const out = new Float64Array(H * qM * dh);
    for (let h = 0; h < H; h++) for (let m = 0; m < qM; m++) for (let d = 0; d < dh; d++) out[(h * qM + m) * dh + d] = Y[m * Nw + off + h * dh + d];
    return out;
  });
}
describe('npm run kernel: runs and checks', () => {
  it('matmul: infers M, N, K from the inputs, writes C, exit 0', async () => {
    const r = await cli('matmul', '--in', `${aFile},${bFile}`, '--out', at('C.npy'));
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(r.out).toMatch(/C \[5, 6\] -> .*C\.npy; CPU reference: C: 30 values match/);
    const C = load('C.npy');
    expect(C.shape).toEqual([M, N]);
    const want = matmul64(A, B, M, K, N);
    for (let i = 0; i < want.length; i++) expect(Math.abs((C.data[i] as number) - want[i])).toBeLessThan(1e-5);
  });

  it('65x63x129 with inputs ~1e3 is f32 rounding, not a mismatch: exit 0 (issue 9 reported 39 mismatches)', async () => {
    const a = randomF32(65 * 63, 21, 1000), b = randomF32(63 * 129, 22, 1000);
    const r = await cli('matmul', '--in', `${f32('A1e3.npy', [65, 63], a)},${f32('B1e3.npy', [63, 129], b)}`, '--out', at('C1e3.npy'));
    expect(r.code, r.out + r.err).toBe(EXIT.ok);
    expect(r.out).toMatch(/8385 values match .*problem scale (9\.\d\de\+5|1\.00e\+6)/);
  });

  it('NaN in an input propagates to the output and counts as a match', async () => {
    const a = Float32Array.from(A);
    a[2 * K + 3] = NaN; // row 2 of C becomes NaN
    const r = await cli('matmul', '--in', `${f32('Anan.npy', [M, K], a)},${bFile}`, '--out', at('Cnan.npy'));
    expect(r.code, r.out + r.err).toBe(EXIT.ok);
    const C = load('Cnan.npy').data as Float32Array;
    expect([...C.subarray(2 * N, 3 * N)].every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(C[0])).toBe(false);
  });

  it('a wrong kernel exits 3 with the first mismatches, and still writes its output', async () => {
    expect(readFileSync(brokenShader, 'utf8')).not.toBe(naiveSrc);
    const r = await cli('matmul', '--variant', 'naive', '--in', `${aFile},${bFile}`, '--out', at('Cbad.npy'), '--wgsl', `matmul_naive=${brokenShader}`);
    expect(r.code).toBe(EXIT.mismatch);
    expect(r.out).toMatch(/C: \d+ of 30 values outside .*first: C\[0, 0\]: got/);
    expect(r.err).toMatch(/C outside tolerance \(exit 3\)/);
    expect(existsSync(at('Cbad.npy'))).toBe(true);
  });

  const qkvCases: Array<{ variant: string; withBias: boolean; tol: number; why: string }> = [
    { variant: 'fused', withBias: false, tol: 1e-5, why: 'Llama-style: no bias file, bias inferred false' },
    { variant: 'fused', withBias: true, tol: 1e-5, why: 'Qwen-style: the bias file switches bias on' },
    { variant: 'unfused', withBias: true, tol: 1e-5, why: 'the baseline path, three matmuls + scatter' },
    { variant: 'fused-w8', withBias: false, tol: 2e-2, why: 'int8 weights quantized on the host (~1/254 of max|w| per weight)' },
  ];
  for (const c of qkvCases) {
    it(`qkv ${c.variant} ${c.withBias ? 'with' : 'without'} bias, GQA Hq=4 Hkv=2 (${c.why})`, async () => {
      const ins = c.withBias ? `${xFile},${wFile},${biasFile}` : `${xFile},${wFile}`;
      const outs = ['Q', 'K', 'V'].map((n) => at(`${n}-${c.variant}-${c.withBias}.npy`));
      // Small tiles: SwiftShader compiles the 8x8 register tile of the default slowly (~20 s per variant),
      // and test/gpu/qkv.test.ts covers the default tiles.
      const r = await cli('qkv', '--variant', c.variant, '--params', JSON.stringify({ Hq, Hkv, dh, BM: 16, BN: 16, TM: 2, TN: 2 }), '--in', ins, '--out', outs.join(','));
      expect(r.code, r.out + r.err).toBe(EXIT.ok);
      expect(r.out).toContain(`"bias":${c.withBias}`);
      qkv64(c.withBias).forEach((want, i) => {
        const got = parseNpy(readFileSync(outs[i]));
        expect(got.shape).toEqual([i === 0 ? Hq : Hkv, qM, dh]);
        for (let j = 0; j < want.length; j++) expect(Math.abs((got.data[j] as number) - want[j]), `${'QKV'[i]}[${j}]`).toBeLessThan(c.tol);
      });
    });
  }

  // kernel-holdout: capacity > L was refused with "k_cache has 320 bytes, expected 640" whatever shape was given
  // (the CLI wants [.., L, dh], the plan a [.., capacity, dh] cache); the L keys now go into a cache of capacity rows.
  it('attention with a KV-cache capacity above L: the L keys given are placed in the cache (decode and prefill)', async () => {
    // one head, dh 4; q·k = 0 for every key, so the softmax is uniform: o = the mean of the used V rows
    const L = 3, dh4 = 4;
    const q = f32('qc.npy', [1, 1, dh4], Float32Array.of(0, 0, 0, 0));
    const k = f32('kc.npy', [1, 1, L, dh4], new Float32Array(L * dh4).fill(0.5));
    const v = f32('vc.npy', [1, 1, L, dh4], Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    const r = await cli('attention-decode', '--params', '{"capacity": 8, "split": 2, "Bc": 1}', '--in', `${q},${k},${v}`, '--out', at('oc.npy'));
    expect(r.code, r.out + r.err).toBe(EXIT.ok);
    expect([...(load('oc.npy').data as Float32Array)].map((x) => +x.toFixed(5))).toEqual([5, 6, 7, 8]);
    // window 2: the last two keys only
    const w = await cli('attention-decode', '--params', '{"capacity": 8, "window": 2}', '--in', `${q},${k},${v}`, '--out', at('ow.npy'));
    expect(w.code, w.out + w.err).toBe(EXIT.ok);
    expect([...(load('ow.npy').data as Float32Array)].map((x) => +x.toFixed(5))).toEqual([7, 8, 9, 10]);
    // prefill, S = 1 query after a 2-key prefix, causal: sees all 3 keys
    const qp = f32('qp.npy', [1, 1, dh4], Float32Array.of(0, 0, 0, 0));
    const kp = f32('kp.npy', [1, L, dh4], new Float32Array(L * dh4).fill(0.5));
    const vp = f32('vp.npy', [1, L, dh4], Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    const p = await cli('attention-prefill', '--params', '{"capacity": 5, "Br": 1, "Bc": 2}', '--in', `${qp},${kp},${vp}`, '--out', at('op.npy'));
    expect(p.code, p.out + p.err).toBe(EXIT.ok);
    expect([...(load('op.npy').data as Float32Array)].map((x) => +x.toFixed(5))).toEqual([5, 6, 7, 8]);
  });

  // kernel-holdout: --help listed the element-wise kernels, but none took --in ("missing input tensor X"), so none could run
  it('the element-wise kernels run on .npy inputs (hand-derived outputs)', async () => {
    const run = async (name: string, ins: string[], params: object, shape: number[]): Promise<number[]> => {
      const out = at(`${name}-out.npy`);
      const r = await cli(name, '--params', JSON.stringify(params), '--in', ins.join(','), '--out', out);
      expect(r.code, r.out + r.err).toBe(EXIT.ok);
      const got = parseNpy(readFileSync(out));
      expect(got.shape).toEqual(shape);
      return [...(got.data as Float32Array | Int32Array)].map((x) => +x.toFixed(6));
    };
    const arr = (name: string, shape: number[], v: number[]) => f32(`ew-${name}.npy`, shape, Float32Array.from(v));
    // RMSNorm, eps 0: [3, 4] / sqrt(12.5) · [1, 2]; M and D inferred from X
    expect(await run('rmsnorm', [arr('x', [1, 2], [3, 4]), arr('w', [2], [1, 2])], { eps: 0 }, [1, 2])).toEqual([0.848528, 2.262742]);
    // the same row times 1e30: its squares overflow f32 (the kernel summed them unscaled and wrote 0, 0)
    expect(await run('rmsnorm', [arr('xbig', [1, 2], [3e30, 4e30]), arr('w', [2], [1, 2])], { eps: 1e-5 }, [1, 2])).toEqual([0.848528, 2.262742]);
    // LayerNorm, eps 0: [1, 3] has mean 2 and variance 1
    expect(await run('layernorm', [arr('x', [1, 2], [1, 3]), arr('w1', [2], [1, 1]), arr('b0', [2], [0, 0])], { eps: 0 }, [1, 2])).toEqual([-1, 1]);
    // and at the f32 maximum, where even x − x0 overflows
    expect(await run('layernorm', [arr('xmax', [1, 2], [-3e38, 3e38]), arr('w1', [2], [1, 1]), arr('b0', [2], [0, 0])], {}, [1, 2])).toEqual([-1, 1]);
    // SwiGLU: silu(0)·5 = 0, silu(1)·2 = 2 / (1 + e^-1)
    expect(await run('silu-mul', [`gate=${arr('g', [1, 2], [0, 1])}`, `up=${arr('u', [1, 2], [5, 2])}`], {}, [1, 2])).toEqual([0, 1.462117]);
    // GELU(0 + 0) = 0, GELU(-1 + 1) = 0
    expect(await run('gelu', [arr('gu', [1, 2], [0, -1]), arr('gb', [2], [0, 1])], {}, [1, 2])).toEqual([0, 0]);
    // the bias file switches bias on, as qkv's does
    expect(await run('residual-add', [arr('rx', [1, 2], [1, 2]), arr('ry', [1, 2], [10, 20]), `bias=${arr('rb', [2], [100, 200])}`], {}, [1, 2])).toEqual([111, 222]);
    // embed: int32 ids pick rows of E
    const ids = save('ids.npy', { dtype: 'int32', shape: [2], data: Int32Array.of(2, 0) });
    expect(await run('embed', [ids, arr('E', [3, 2], [1, 2, 3, 4, 5, 6])], {}, [2, 2])).toEqual([5, 6, 1, 2]);
    // RoPE at cos 0, sin 1: (x1, x2) = (1, 0) turns to (0, 1)
    expect(await run('rope', [arr('rope-x', [1, 1, 2], [1, 0]), arr('rope-t', [1, 1, 2], [0, 1])], {}, [1, 1, 2])).toEqual([0, 1]);
    // top-64 of 3 logits (k above V), u = 0: token 1, candidates 1, 2, 0
    expect(await run('sample', [arr('logits', [3], [1, 3, 2])], { k: 64, temperature: 1, u: 0 }, [4])).toEqual([1, 1, 2, 0]);
  });

  it('matmul-int8 with already-quantized weights Wq + wScale by name', async () => {
    const Wq = new Int8Array(K * N).map((_, i) => ((i * 37) % 255) - 127);
    save('Wq.npy', { dtype: 'int8', shape: [K, N], data: Wq });
    f32('wScale.npy', [N], new Float32Array(N).fill(0.01));
    const r = await cli('matmul-int8', '--params', '{"BM": 16, "BN": 16, "TM": 2, "TN": 2}', '--in', `X=${aFile},Wq=${at('Wq.npy')},wScale=${at('wScale.npy')}`, '--out', at('Y8.npy'));
    expect(r.code, r.out + r.err).toBe(EXIT.ok);
    expect(load('Y8.npy').shape).toEqual([M, N]);
  });
});

const qLong = f32('qLong.npy', [1, 65_536, 4], new Float32Array(65_536 * 4));
const qMid = f32('qMid.npy', [1, 32_768, 4], new Float32Array(32_768 * 4));

describe('npm run kernel: every problem is found before the kernel runs (exit 2, one line)', () => {
  mkdirSync(at('outdir'), { recursive: true });
  // [argv, expected message, why the case is here]
  const bad: Array<[string[], RegExp, string]> = [
    [['matmul', '--in', `${aFile},${bFile}`, '--out', '/nonexistent/dir/C.npy'], /--out \/nonexistent\/dir\/C\.npy: directory \/nonexistent\/dir does not exist/, 'crashed after the run before'],
    [['matmul', '--in', `${aFile},${bFile}`, '--out', at('outdir')], /--out .*outdir is a directory; give a file name/, 'a directory is not a file'],
    [['matmul', '--in', `${aFile},${bFile}`, '--out', `${at('x.npy')},${at('y.npy')}`], /matmul\/tiled has 1 output \(C \[5, 6\]\); give one --out file; got 2/, 'found only after the run before'],
    [['qkv', '--params', JSON.stringify({ Hq, Hkv, dh }), '--in', `${xFile},${wFile}`, '--out', at('q.npy')], /qkv\/(fused|gemv) has 3 outputs \(Q \[\d+, 3, \d+\], K .*, V .*\); give 3 --out files, comma-separated, in that order; got 1/, 'names every output'],
    [['matmul', '--in', aFile, '--out', at('x.npy')], /missing B in --in; matmul takes A \[M, K\], B \[K, N\]/, 'a missing input'],
    [['matmul-int8', '--in', `X=${aFile},Wq=${at('Wq.npy')}`, '--out', at('x.npy')], /missing wScale: Wq needs its scales, float32 \[N\] = \[6\]/, 'a missing wScale is "missing", not "wrong shape"'],
    [['matmul', '--in', `${bFile},${bFile}`, '--out', at('x.npy')], /input B \(.*\): shape \[19, 6\], expected \[K, N\] = \[6, 6\] \(K=6 from input A, N=6 from input B\)/, 'the expected shape computed from the params (K came from A)'],
    [['qkv', '--params', JSON.stringify({ Hq, Hkv, dh }), '--in', `${xFile},${f32('W30.npy', [D, 30], new Float32Array(D * 30))}`, '--out', 'q,k,v'], /input W .*: shape \[8, 30\], expected \[D, \(Hq\+2Hkv\)·dh\] = \[8, 32\]/, 'a derived dimension, evaluated without new Function'],
    [['matmul-int8', '--in', `X=${aFile},Wq=${at('Wq.npy')},wScale=${f32('ws5.npy', [5], new Float32Array(5))}`, '--out', at('x.npy')], /input wScale .*: shape \[5\], expected \[N\] or .* = \[6\]/, 'no [Infinity, N] alternative for group 0'],
    [['matmul', '--in', `${save('Ai.npy', { dtype: 'int32', shape: [M, K], data: new Int32Array(M * K) })},${bFile}`, '--out', at('x.npy')], /input A .*: dtype int32, expected float32 \[M, K\]; convert with x\.astype\(np\.float32\)/, 'a wrong dtype'],
    [['matmul', '--in', `${at('missing.npy')},${bFile}`, '--out', at('x.npy')], /input A: cannot read .*missing\.npy/, 'an unreadable file'],
    [['matmul-int8', '--params', '{"group": 6}', '--in', `${aFile},${at('W.npy')}`, '--out', at('x.npy')], /^error: group must be 0 \(one scale per column\) or a multiple of 4 \(a whole number of packed words\), got 6$/, 'no "lower BKW to none"'],
    [['matmul', '--variant', 'fast', '--in', `${aFile},${bFile}`, '--out', at('x.npy')], /unknown variant "fast"; allowed: naive, tiled/, 'a bad variant'],
    [['matmul', '--params', '{K: 3}', '--in', `${aFile},${bFile}`, '--out', at('x.npy')], /--params is not valid JSON/, 'bad JSON'],
    [['matmul', '--frobnicate', '--in', aFile], /Unknown option '--frobnicate'/, 'an unknown flag'],
    [['nope', '--in', 'a', '--out', 'b'], /unknown kernel "nope"; available: .*matmul/, 'an unknown kernel'],
    [['embed', '--in', `${save('ids7.npy', { dtype: 'int32', shape: [1], data: Int32Array.of(7) })},${f32('E3.npy', [3, 2], new Float32Array(6))}`, '--out', at('x.npy')], /^error: embed: ids\[0\] = 7 is outside the vocabulary \[0, 3\)$/, 'an id past the table (the GPU would read past E)'],
    [['sample', '--in', f32('nanlogits.npy', [3], Float32Array.of(1, NaN, 2)), '--out', at('x.npy')], /^error: sample: logits\[1\] is NaN; logits must be finite numbers or -Infinity \(a masked token\)$/, 'NaN logits were sampled as token 0xffffffff'],
    [['matmul-int8', '--in', `X=${aFile},Wq=${at('Wq.npy')},wScale=${f32('wsSub.npy', [N], new Float32Array(N).fill(5e-39))}`, '--out', at('x.npy')], /^error: wScale\[0\] is [\d.e-]+, a subnormal number the GPU may read as 0; give 0 or a scale of at least 2\^-126/, 'a subnormal scale was read as 0: Y ~ 1e-35 came back 0, exit 3'],
    // S = 65,536: the naive plan's u32-indexed scores overflow (it hung building the plan before)
    [['attention-prefill', '--variant', 'naive', '--in', `${qLong},${qLong},${qLong}`, '--out', at('oL.npy')], /naive attention materializes the scores \[Hq, S, L\] = 4294967296 entries; its shaders index them with u32/, 'hung before'],
    // flash at S = 32,768: the f64 CPU reference would take minutes; refused before the run
    [['attention-prefill', '--variant', 'flash', '--in', `${qMid},${qMid},${qMid}`, '--out', at('oL.npy')], /the CPU reference of this problem needs 8\.6e\+9 flops, about \d+ s in JavaScript; the check runs at most 6e\+9/, 'a reference too large to run'],
  ];
  for (const [argv, re, why] of bad) {
    it(`${why}: ${argv.slice(0, 3).join(' ')}`, async () => {
      const r = await cli(...argv);
      expect(r.code, r.out).toBe(EXIT.usage);
      expect(r.err).toMatch(re);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.out).not.toMatch(/ms run/); // nothing ran
    });
  }

  it('a tile the device cannot hold (prefill dh=128, Bc=64) is refused before the run, with the limit that fits', async () => {
    const S = 4, dh128 = 128;
    const q = f32('q128.npy', [1, S, dh128], randomF32(S * dh128, 41));
    const r = await cli('attention-prefill', '--params', '{"Bc": 64}', '--in', `${q},${q},${q}`, '--out', at('o128.npy'));
    expect(r.code, r.out).toBe(EXIT.usage);
    expect(r.err).toMatch(/65536 bytes of workgroup memory.*32768.*this device accepts Bc ≤ 32/);
    expect(existsSync(at('o128.npy'))).toBe(false);
  });
});

describe('npm run kernel --help', () => {
  it('lists every kernel with the tile ranges this device accepts (workgroup memory from the adapter)', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/32768 bytes of workgroup memory/);
    for (const k of ['matmul', 'matmul-int8', 'qkv', 'attention-prefill', 'attention-decode']) expect(r.out).toMatch(new RegExp(`^${k}: `, 'm'));
    // prefill: 2·Bc·dh f32 of K/V blocks; at dh = 128 only Bc ≤ 32 fit in 32768 bytes.
    expect(r.out).toMatch(/Bc=0 +0 to 64 \(this device: .*≤ 32 at dh=128.*\): flash: keys/);
    // decode (defaults dh 64, 4 query heads per KV head; Bc = 0 picks the block from wgBytes): 4·(2·4·64 + 2·Bc·64 + 4·Bc + 12) ≤ 32768 gives Bc ≤ 58.
    expect(r.out).toMatch(/Bc=0 +0 to 64 \(this device: ≤ 58 here.*\): split: keys/);
    expect(r.out).toMatch(/Exit: 0 match, 3 outside tolerance/);
  });
  // --help printed the ParamDocs only: eps (rmsnorm, layernorm), temperature and u (sample) were validated on the side, so
  // the kernels took them but --help never named them (nor did an unknown parameter's "allowed:" list).
  it('names every parameter each kernel accepts: every key validate() fills in, checked to be accepted', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(EXIT.ok);
    const sections = new Map(r.out.split(/\n(?=[a-z0-9-]+: )/).map((s) => [s.slice(0, s.indexOf(':')), s] as const));
    for (const def of KERNELS) {
      const filled = def.validate({});
      const section = sections.get(def.name) ?? '';
      expect(section, `--help has a section for ${def.name}`).not.toBe('');
      for (const [name, value] of Object.entries(filled)) {
        expect(() => def.validate({ [name]: value }), `${def.name} accepts ${name}`).not.toThrow();
        expect(section, `${def.name}: --help lists ${name}`).toMatch(new RegExp(`^    ${name}=`, 'm'));
        expect(() => def.validate({ nope: 1 }), `${def.name}: the unknown-parameter line lists ${name}`).toThrow(new RegExp(`allowed: .*\\b${name}\\b`));
      }
    }
    expect(sections.get('rmsnorm')).toMatch(/^ {4}eps=0\.00001 +0 to 1 \(real\): /m);
    expect(sections.get('sample')).toMatch(/^ {4}temperature=0\.8 +0 to 100 \(real\): /m);
  });
  it('NAME --help --params shows that kernel\'s ranges for those params', async () => {
    const r = await cli('attention-prefill', '--help', '--params', '{"dh": 128}');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).not.toMatch(/^matmul: /m);
    expect(r.out).toMatch(/Bc=0 +0 to 64 \(this device: ≤ 32 here/);
  });
});

describe('the process (npm run kernel)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/kernel.ts', ...args], { encoding: 'utf8', env: process.env });
  it('exits 2 with one line and no stack trace for a bad --out', () => {
    const r = run('matmul', '--in', `${aFile},${bFile}`, '--out', '/nonexistent/dir/C.npy');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => !/XDG_RUNTIME_DIR|^\s*$/.test(l))).toEqual([expect.stringMatching(/^error: --out .*does not exist/)]);
  });
  it('exits 3 when the result is outside tolerance', () => {
    const r = run('matmul', '--variant', 'naive', '--in', `${aFile},${bFile}`, '--out', at('Cbad2.npy'), '--wgsl', `matmul_naive=${brokenShader}`);
    expect(r.status, r.stderr).toBe(3);
  });
});
