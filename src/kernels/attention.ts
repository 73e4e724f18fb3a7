// Attention: prefill (flash-style, causal or not, GQA) and decode (split-K "flash-decoding" plus a
// log-sum-exp reduction), each beside the naive three-pass baseline (scores, softmax, P·V).
// Plans, CPU references (f64) and validation; the WGSL is in shaders/attention_*.wgsl.
//
// Layouts (the fused QKV kernel writes Q/K/V head-major):
//   prefill: Q [Hq, S, dh], K/V [Hkv, L, dh], L ≥ S      -> O [S, Hq·dh] (token-major)
//   decode:  q [B, Hq, dh], K/V caches [B, Hkv, L, dh]   -> o [B, Hq, dh]
// Prefill over a KV-cache prefix (chunked prefill, a new turn of a chat): the S new queries are the
// last S of L positions, so with the causal mask query i sees keys 0..L-S+i (L = S: ordinary prefill).
// Query head h reads KV head h / G, G = Hq / Hkv. scale is fixed at fround(1 / sqrt(dh)) (an f32
// uniform, so kernel and reference use the same value). Head dims: any multiple of 4 in [4, 256]
// (16-128, Phi-2's 80, 96, Gemma's 256).
//
// Tiles that fit the device: Bc = 0 (the default) picks the K/V block from the workgroup-memory budget
// `wgBytes` (default 16384 bytes, the maxComputeWorkgroupStorageSize every WebGPU device has; a runtime
// may pass its device's limit). Explicit tiles beyond the device's limit are refused when the plan
// meets the device (UnsupportedOnDevice naming maxComputeWorkgroupStorageSize).
//
// Decode splits (split = 0, the default): pass 1 has one workgroup per (split, KV-head group, sequence).
// The rule: enough workgroups to fill the device, `fill` of them (default 256: two per SM on a 132-SM
// H100/H200, more than the CUs of consumer GPUs; WebGPU does not expose the core count), but at
// least MIN_SPLIT_KEYS = 64 keys per split (below that the per-split q load, partial write and the
// reduction cost more than the parallelism gains); so nSplit = clamp(ceil(fill / (B·Hkv·groups)), 1,
// floor(L / 64)), and split = ceil(L / nSplit) rounded up to a multiple of Bc.
//
// Sliding window (`window` = W > 0; Mistral's `sliding_window`, Qwen2's with `use_sliding_window`): the
// query at position t sees keys t − W + 1..t, W keys including its own (llama.cpp's is_masked_swa masks
// t − j ≥ W; Hugging Face's sliding_window_overlay keeps j > t − W). Causal only. Keys older than every
// query of a block are not read: flash prefill starts at the first K/V block a workgroup's first row
// sees; split decode splits only the last min(L, W) keys. The naive baseline has no window (refused).

import {
  type KernelDef,
  KernelInputError,
  checkVariant,
  f32Input,
  randomF32,
  validateByDocs,
  type ParamDoc,
  type Tensors,
  type Tolerance,
} from './kernel.ts';
import { axisRanges, cdiv, kLoop, type Pass, type Plan, type Step, type TileClass } from './plan.ts';
import { maxAbs } from './compare.ts';

/** Largest head dim (Gemma); the flash shader's register arrays (MAX_DH) and the reduce workgroup (dh invocations) hold it. */
const MAX_HEAD_DIM = 256;
/** WebGPU's guaranteed maxComputeWorkgroupStorageSize: tiles picked within it fit every device. */
const WG_BYTES_DEFAULT = 16384;
/** Split decode: pass-1 workgroups to aim for, and the fewest keys worth a split (see the header). */
const DECODE_FILL_WORKGROUPS = 256;
const MIN_SPLIT_KEYS = 64;
/** The largest K/V block the auto rule picks (more keys per block does not add reuse, only memory). */
const AUTO_BC_MAX = 16;
/** Split decode: fewer heads per workgroup rather than K/V blocks below this many keys (barriers per key). */
const AUTO_BC_MIN = 4;
export const PREFILL_VARIANTS = ['flash', 'naive'] as const;
export const DECODE_VARIANTS = ['split', 'naive'] as const;

/** Register arrays in the flash shader hold at most this many keys per block (MAX_BC). */
const MAX_BC = 64;
/** Invocations per workgroup of the split decode kernel; the group of G query heads must fit. */
const DECODE_WG = 64;
/** Naive passes: 16 × 16 workgroups for scores and P·V, 64 rows per softmax workgroup. */
const NAIVE_W = 16;
const NAIVE_SOFTMAX_WG = 64;

type PrefillParams = { S: number; L: number; Hq: number; Hkv: number; dh: number; causal: boolean; Br: number; Bc: number; wgBytes: number; capacity: number; window: number };
type DecodeParams = { B: number; L: number; Hq: number; Hkv: number; dh: number; split: number; Bc: number; fill: number; wgBytes: number; capacity: number; window: number };
export type PrefillVariant = (typeof PREFILL_VARIANTS)[number];
export type DecodeVariant = (typeof DECODE_VARIANTS)[number];

const PREFILL_PARAMS: readonly ParamDoc<keyof PrefillParams>[] = [
  { name: 'S', doc: 'new tokens (queries)', default: 256, allowed: [1, 1 << 16] },
  { name: 'L', doc: 'keys: the cached prefix plus the S new tokens (L ≥ S; 0 = S, no prefix)', default: 0, allowed: [0, 1 << 20] },
  { name: 'Hq', doc: 'query heads', default: 8, allowed: [1, 1024] },
  { name: 'Hkv', doc: 'KV heads (Hq must be a multiple of Hkv: GQA)', default: 2, allowed: [1, 1024] },
  { name: 'dh', doc: `head dimension: a multiple of 4 in [4, ${MAX_HEAD_DIM}] (e.g. 64, 80, 96, 128, 256)`, default: 64, allowed: [1, 1 << 16] },
  { name: 'causal', doc: 'causal mask (query i sees keys 0..L-S+i)', default: true },
  { name: 'Br', doc: 'flash: query rows per workgroup (= invocations), 1 to 256', default: 32, allowed: [1, 256] },
  { name: 'Bc', doc: `flash: keys per streamed K/V block, 1 to ${MAX_BC}; 0 = the largest power of two ≤ ${AUTO_BC_MAX} whose blocks (8·Bc·dh bytes) fit wgBytes`, default: 0, allowed: [0, MAX_BC] },
  { name: 'wgBytes', doc: `workgroup-memory budget for Bc = 0 (bytes; ${WG_BYTES_DEFAULT} fits every WebGPU device)`, default: WG_BYTES_DEFAULT, allowed: [1024, 1 << 20] },
  { name: 'capacity', doc: 'flash: keys per head the K/V buffers hold (≥ L: a KV cache allocated once, read in place by a chunked prefill); 0 = L', default: 0, allowed: [0, 1 << 20] },
  { name: 'window', doc: 'flash, causal: sliding window, the query at position t sees keys t−window+1..t (Mistral, Qwen2); 0 = all keys', default: 0, allowed: [0, 1 << 20] },
];

const DECODE_PARAMS: readonly ParamDoc<keyof DecodeParams>[] = [
  { name: 'B', doc: 'batch: sequences, each with its own cache of L keys', default: 1, allowed: [1, 1024] },
  { name: 'L', doc: 'context length (keys in the KV cache), ≥ 1', default: 1024, allowed: [1, 1 << 20] },
  { name: 'Hq', doc: 'query heads', default: 8, allowed: [1, 1024] },
  { name: 'Hkv', doc: 'KV heads (Hq must be a multiple of Hkv; Hq / Hkv ≤ 64)', default: 2, allowed: [1, 1024] },
  { name: 'dh', doc: `head dimension: a multiple of 4 in [4, ${MAX_HEAD_DIM}] (e.g. 64, 80, 96, 128, 256)`, default: 64, allowed: [1, 1 << 16] },
  { name: 'split', doc: `split: keys per workgroup in pass 1 (the last split may be shorter); 0 = from L and fill (≥ ${MIN_SPLIT_KEYS} keys per split)`, default: 0, allowed: [0, 1 << 20] },
  { name: 'Bc', doc: `split: keys staged in workgroup memory per step, 1 to ${MAX_BC}; 0 = the largest power of two ≤ ${AUTO_BC_MAX} that fits wgBytes`, default: 0, allowed: [0, MAX_BC] },
  { name: 'fill', doc: 'split = 0: pass-1 workgroups that fill the device (default: 2 per SM of a 132-SM GPU)', default: DECODE_FILL_WORKGROUPS, allowed: [1, 1 << 16] },
  { name: 'wgBytes', doc: `workgroup-memory budget for Bc = 0 and the heads per workgroup (bytes; ${WG_BYTES_DEFAULT} fits every WebGPU device)`, default: WG_BYTES_DEFAULT, allowed: [1024, 1 << 20] },
  { name: 'capacity', doc: 'split: keys per head the cache buffers hold (≥ L; a decode loop allocates its cache once); 0 = L', default: 0, allowed: [0, 1 << 20] },
  { name: 'window', doc: 'split: sliding window, the new token sees only the last `window` keys (Mistral, Qwen2); 0 = all L', default: 0, allowed: [0, 1 << 20] },
];

/**
 * The keys a decode step reads: [k0, L), the last min(L, window) of the L cached keys (all L without
 * a window).
 */
function decodeKeys(p: Pick<DecodeParams, 'L' | 'window'>): { k0: number; n: number } {
  const n = p.window > 0 ? Math.min(p.L, p.window) : p.L;
  return { k0: p.L - n, n };
}

/** Keys per head in the cache buffers: `capacity`, or L when 0. */
function decodeCapacity(p: Pick<DecodeParams, 'capacity' | 'L'>): number {
  return p.capacity || p.L;
}

function checkHeads(p: { Hq: number; Hkv: number; dh: number }): void {
  const { Hq, Hkv, dh } = p;
  if (dh % 4 !== 0 || dh > MAX_HEAD_DIM) {
    throw new KernelInputError(`dh must be a multiple of 4 in [4, ${MAX_HEAD_DIM}] (e.g. 64, 80, 96, 128, 256: the kernels read rows as vec4), got ${dh}`);
  }
  if (Hq % Hkv !== 0) {
    throw new KernelInputError(`Hq must be a multiple of Hkv (each KV head serves Hq / Hkv query heads), got Hq=${Hq}, Hkv=${Hkv}`);
  }
}

/** Largest power of two ≤ AUTO_BC_MAX with bytes(Bc) ≤ budget, or 0 if even Bc = 1 does not fit. */
function autoBc(bytes: (bc: number) => number, budget: number): number {
  for (let bc = AUTO_BC_MAX; bc >= 1; bc /= 2) if (bytes(bc) <= budget) return bc;
  return 0;
}

/** Workgroup memory of the flash prefill pass: the K and V blocks. */
const flashWorkgroupBytes = (Bc: number, dh: number): number => 4 * 2 * Bc * dh;

function validatePrefill(raw: Record<string, unknown>): PrefillParams {
  const p = validateByDocs<PrefillParams>(raw, PREFILL_PARAMS, 'attention-prefill');
  checkHeads(p);
  if (p.L === 0) p.L = p.S;
  if (p.L < p.S) {
    throw new KernelInputError(`L (keys: cached prefix + new tokens) must be ≥ S (new queries), got S=${p.S}, L=${p.L}`);
  }
  if (p.capacity !== 0 && p.capacity < p.L) throw new KernelInputError(`capacity (${p.capacity}) must be 0 or at least L (${p.L})`);
  if (p.window > 0 && !p.causal) throw new KernelInputError(`window (${p.window}) needs causal: true (a sliding window looks back from each query's position)`);
  if (p.Bc === 0) {
    p.Bc = autoBc((bc) => flashWorkgroupBytes(bc, p.dh), p.wgBytes);
    if (p.Bc === 0) throw new KernelInputError(`dh=${p.dh}: one K/V row pair needs ${flashWorkgroupBytes(1, p.dh)} bytes of workgroup memory, more than wgBytes=${p.wgBytes}`);
  }
  return p;
}

function checkDecode(p: DecodeParams): void {
  checkHeads(p);
  const G = p.Hq / p.Hkv;
  if (G > DECODE_WG) {
    throw new KernelInputError(`Hq / Hkv must be at most ${DECODE_WG} (one split workgroup serves a whole query-head group), got ${G}`);
  }
  if (p.split === 0 || p.Bc === 0) throw new KernelInputError('attention-decode: split and Bc must be resolved by validate (0 = auto)');
}

/** Workgroup memory of pass 1 for GW query heads per workgroup: q and o rows, K/V blocks, scores, (m, l, corr). */
const decodeWorkgroupBytes = (GW: number, Bc: number, dh: number): number => 4 * (2 * GW * dh + 2 * Bc * dh + GW * Bc + 3 * GW);

/**
 * Query heads per split workgroup: the whole group of G (K/V read once per group) when it fits
 * wgBytes, else the largest divisor of G that does (K/V read G/GW times). G when nothing fits: the
 * device check then names the limit.
 */
function decodeHeadsPerWorkgroup(p: Pick<DecodeParams, 'Hq' | 'Hkv' | 'dh' | 'Bc' | 'wgBytes'>): number {
  const G = p.Hq / p.Hkv;
  for (let gw = G; gw >= 1; gw--) if (G % gw === 0 && decodeWorkgroupBytes(gw, p.Bc, p.dh) <= p.wgBytes) return gw;
  return G;
}

/** Keys per split from the rule in the header: fill the device, at least MIN_SPLIT_KEYS keys per split. */
function autoSplit(p: Pick<DecodeParams, 'B' | 'L' | 'Hq' | 'Hkv' | 'Bc' | 'fill' | 'window'>, GW: number): number {
  const perSplit = p.B * p.Hkv * (p.Hq / p.Hkv / GW); // pass-1 workgroups per split index
  const { n } = decodeKeys(p); // the keys read: L, or the window's last keys
  const nSplit = Math.max(1, Math.min(Math.ceil(p.fill / perSplit), Math.floor(n / MIN_SPLIT_KEYS)));
  return cdiv(cdiv(n, nSplit), p.Bc) * p.Bc;
}

function validateDecode(raw: Record<string, unknown>): DecodeParams {
  const p = validateByDocs<DecodeParams>(raw, DECODE_PARAMS, 'attention-decode');
  checkHeads(p);
  const G = p.Hq / p.Hkv;
  if (p.Bc === 0) {
    // The most query heads per workgroup (K/V read fewest times) that still leaves a K/V block of at
    // least AUTO_BC_MIN keys; the largest such block. One head with the largest block that fits otherwise.
    p.Bc = autoBc((bc) => decodeWorkgroupBytes(1, bc, p.dh), p.wgBytes) || 1;
    for (let gw = G; gw >= 1; gw--) {
      const bc = G % gw === 0 ? autoBc((b) => decodeWorkgroupBytes(gw, b, p.dh), p.wgBytes) : 0;
      if (bc >= AUTO_BC_MIN) {
        p.Bc = bc;
        break;
      }
    }
  }
  if (p.split === 0) p.split = autoSplit(p, decodeHeadsPerWorkgroup(p));
  checkDecode(p);
  if (decodeCapacity(p) < p.L) throw new KernelInputError(`capacity (${p.capacity}) must be 0 or at least L (${p.L})`);
  return p;
}

export const attentionScale = (dh: number): number => Math.fround(1 / Math.sqrt(dh));

// ---- plan helpers -----------------------------------------------------------------------------

/** Runs of equal consecutive bodies become `loop` steps (a body seen once stays inline). */
function compressRuns(bodies: Step[][]): Step[] {
  const out: Step[] = [];
  let i = 0;
  while (i < bodies.length) {
    const key = JSON.stringify(bodies[i]);
    let j = i + 1;
    while (j < bodies.length && JSON.stringify(bodies[j]) === key) j++;
    if (j - i === 1) out.push(...bodies[i]);
    else out.push({ kind: 'loop', count: j - i, body: bodies[i] });
    i = j;
  }
  return out;
}

/**
 * Tile classes for a (gx, gy) grid with every z alike: `tile(x, y)` gives a cheap key and a way to
 * build the steps; equal neighbours along x merge into one class, then equal neighbouring rows of
 * classes along y merge.
 */
function gridClasses(
  gx: number,
  gy: number,
  gz: number,
  tile: (x: number, y: number) => { key: string; note: () => string; steps: () => Step[] },
): TileClass[] {
  const out: TileClass[] = [];
  let prevRow: { sig: string; classes: TileClass[] } | null = null;
  for (let y = 0; y < gy; y++) {
    const runs: Array<{ x0: number; x1: number; key: string; t: ReturnType<typeof tile> }> = [];
    for (let x = 0; x < gx; x++) {
      const t = tile(x, y);
      const last = runs[runs.length - 1];
      if (last && last.key === t.key) last.x1 = x + 1;
      else runs.push({ x0: x, x1: x + 1, key: t.key, t });
    }
    const sig = runs.map((r) => `${r.x0}-${r.x1}:${r.key}`).join('|');
    if (prevRow && prevRow.sig === sig) {
      for (const c of prevRow.classes) c.y[1] = y + 1;
      continue;
    }
    const classes = runs.map((r) => ({ x: [r.x0, r.x1] as [number, number], y: [y, y + 1] as [number, number], z: [0, gz] as [number, number], note: r.t.note(), steps: r.t.steps() }));
    out.push(...classes);
    prevRow = { sig, classes };
  }
  return out;
}

/**
 * Keys visible to query rows [r0, r1) among keys [k0, k1): all pairs, or causal pairs with
 * key ≤ row + off (off = L − S: the cached prefix every new query sees); with a sliding window
 * W > 0 also key > row + off − W. `rows`: the rows that see at least one of the keys.
 */
function visiblePairs(r0: number, r1: number, k0: number, k1: number, causal: boolean, off = 0, W = 0): { pairs: number; rows: number } {
  if (causal && W > 0) {
    let pairs = 0;
    let rows = 0;
    for (let i = r0; i < r1; i++) {
      const n = Math.min(k1, i + off + 1) - Math.max(k0, i + off + 1 - W);
      if (n > 0) { pairs += n; rows++; }
    }
    return { pairs, rows };
  }
  if (!causal || k1 - 1 <= r0 + off) return { pairs: (r1 - r0) * (k1 - k0), rows: r1 - r0 };
  let pairs = 0;
  let rows = 0;
  for (let i = Math.max(r0, k0 - off); i < r1; i++) {
    pairs += Math.min(k1, i + off + 1) - k0;
    rows++;
  }
  return { pairs, rows };
}

/**
 * (query, key) pairs of S queries at the end of L positions: S·L, or causal Σ_i (L − S + i + 1), or
 * with a sliding window W Σ_i min(L − S + i + 1, W).
 */
function attentionPairs(S: number, L: number, causal: boolean, W = 0): number {
  if (!causal) return S * L;
  const full = S * (L - S) + (S * (S + 1)) / 2;
  if (W <= 0) return full;
  // positions t = L − S + i + 1 (keys seen) above W see only W
  const t0 = L - S + 1;
  const over = Math.max(0, L - Math.max(t0, W + 1) + 1); // queries with t > W, i.e. t in [max(t0, W + 1), L]
  const tLo = L - over + 1;
  return full - (over > 0 ? ((tLo + L) * over) / 2 - W * over : 0);
}

/** Keys of [0, L) the S queries at the end of L positions see at all: L, or with a window from L − S + 1 − W. */
function attentionKeysRead(S: number, L: number, W = 0): number {
  return W > 0 ? L - Math.max(0, L - S + 1 - W) : L;
}

// ---- prefill: flash ---------------------------------------------------------------------------

function flashPrefillPass(p: PrefillParams): Pass {
  const { S, L, Hq, Hkv, dh, causal, Br, Bc, window: W } = p;
  const G = Hq / Hkv;
  const off = L - S;
  const nqb = cdiv(S, Br);
  const nkb = cdiv(L, Bc);
  const tile = (x: number) => {
    const r0 = x * Br;
    const r1 = Math.min(S, r0 + Br);
    const nb = causal ? Math.min(nkb, Math.floor((r1 - 1 + off) / Bc) + 1) : nkb;
    // sliding window: blocks before the one holding the first row's oldest visible key are skipped
    const j0 = causal && W > 0 ? Math.floor(Math.max(0, r0 + off + 1 - W) / Bc) : 0;
    const key = `${r1 - r0}:${causal ? x : 'all'}`;
    return {
      key,
      note: () => `query rows [${r0}, ${r1}) of one head: ${r1 - r0} rows, ${nb - j0} K/V block${nb - j0 === 1 ? '' : 's'}${causal ? ' (causal)' : ''}${j0 > 0 ? ` from block ${j0} (window ${W})` : ''}`,
      steps: (): Step[] => {
        const bodies: Step[][] = [];
        for (let j = j0; j < nb; j++) {
          const k0 = j * Bc;
          const c = Math.min(Bc, L - k0);
          const { pairs: n, rows: r } = visiblePairs(r0, r1, k0, k0 + c, causal, off, W);
          bodies.push([
            { kind: 'load', tensor: 'K', bytes: 4 * c * dh, shareAxes: ['x', 'y'] },
            { kind: 'load', tensor: 'V', bytes: 4 * c * dh, shareAxes: ['x', 'y'] },
            { kind: 'mac', count: n * dh, dtype: 'f32' },
            { kind: 'vector', count: n, op: 'scale' },
            { kind: 'vector', count: n, op: 'max' },
            { kind: 'vector', count: n + r, op: 'exp' },
            { kind: 'vector', count: r * (dh + 1), op: 'rescale' },
            { kind: 'mac', count: n * dh, dtype: 'f32' },
          ]);
        }
        return [
          { kind: 'load', tensor: 'Q', bytes: 4 * (r1 - r0) * dh },
          ...compressRuns(bodies),
          { kind: 'vector', count: (r1 - r0) * dh, op: 'normalize' },
          { kind: 'store', tensor: 'O', bytes: 4 * (r1 - r0) * dh },
        ];
      },
    };
  };
  return {
    shader: 'attention_prefill_flash',
    entryPoint: 'main',
    label: 'flash attention (prefill)',
    workgroupSize: [Br, 1, 1],
    grid: [nqb, G, Hkv],
    overrides: { BR: Br, BC: Bc, DH: dh, CAUSAL: causal },
    uniforms: [
      ['S', { type: 'u32', value: S }],
      ['L', { type: 'u32', value: L }],
      ['Hq', { type: 'u32', value: Hq }],
      ['Hkv', { type: 'u32', value: Hkv }],
      ['scale', { type: 'f32', value: attentionScale(dh) }],
      ['C', { type: 'u32', value: decodeCapacity(p) }],
      ['W', { type: 'u32', value: W }],
    ],
    bindings: [
      { binding: 0, tensor: 'Q', access: 'read' },
      { binding: 1, tensor: 'K', access: 'read' },
      { binding: 2, tensor: 'V', access: 'read' },
      { binding: 3, tensor: 'O', access: 'read_write' },
    ],
    tiles: gridClasses(nqb, G, Hkv, (x) => tile(x)),
    workgroupBytes: flashWorkgroupBytes(Bc, dh),
  };
}

// ---- naive three passes (prefill and decode) --------------------------------------------------

interface NaiveNames {
  Q: string;
  K: string;
  V: string;
  O: string;
  scores: string;
}

/**
 * The naive baseline: scores = scale·Q·Kᵀ materialized, row softmax in place, then P·V.
 * H query heads (batch folded in), Sq queries, Skv keys, G query heads per KV head.
 */
function naivePasses(Sq: number, Skv: number, H: number, G: number, dh: number, causal: boolean, n: NaiveNames): Pass[] {
  const W = NAIVE_W;
  const off = Skv - Sq; // causal: query i sees keys ≤ i + off
  const rowsOf = (y: number, block: number) => [y * block, Math.min(Sq, (y + 1) * block)] as const;
  const scores: Pass = {
    shader: 'attention_naive_scores',
    entryPoint: 'main',
    label: 'naive attention: scores = scale·Q·Kᵀ',
    workgroupSize: [W, W, 1],
    grid: [cdiv(Skv, W), cdiv(Sq, W), H],
    overrides: { WG_X: W, WG_Y: W },
    uniforms: [
      ['Sq', { type: 'u32', value: Sq }],
      ['Skv', { type: 'u32', value: Skv }],
      ['G', { type: 'u32', value: G }],
      ['DH', { type: 'u32', value: dh }],
      ['causal', { type: 'u32', value: causal ? 1 : 0 }],
      ['scale', { type: 'f32', value: attentionScale(dh) }],
    ],
    bindings: [
      { binding: 0, tensor: n.Q, access: 'read' },
      { binding: 1, tensor: n.K, access: 'read' },
      { binding: 2, tensor: n.scores, access: 'read_write' },
    ],
    tiles: gridClasses(cdiv(Skv, W), cdiv(Sq, W), H, (x, y) => {
      const [r0, r1] = rowsOf(y, W);
      const k0 = x * W;
      const k1 = Math.min(Skv, k0 + W);
      const { pairs } = visiblePairs(r0, r1, k0, k1, causal, off);
      return {
        key: `${pairs}`,
        note: () => (pairs === 0 ? 'fully masked: no work' : `${pairs} visible scores, each reading a Q row and a K row`),
        steps: () =>
          pairs === 0
            ? []
            : [
                { kind: 'load', tensor: n.Q, bytes: 4 * dh * pairs, shareAxes: ['x'] },
                { kind: 'load', tensor: n.K, bytes: 4 * dh * pairs, shareAxes: ['y'] },
                { kind: 'mac', count: pairs * dh, dtype: 'f32' },
                { kind: 'vector', count: pairs, op: 'scale' },
                { kind: 'store', tensor: n.scores, bytes: 4 * pairs },
              ],
      };
    }),
    workgroupBytes: 0,
  };
  const SW = NAIVE_SOFTMAX_WG;
  const softmax: Pass = {
    shader: 'attention_naive_softmax',
    entryPoint: 'main',
    label: 'naive attention: row softmax',
    workgroupSize: [SW, 1, 1],
    grid: [cdiv(Sq, SW), H, 1],
    overrides: { WG: SW },
    uniforms: [
      ['Sq', { type: 'u32', value: Sq }],
      ['Skv', { type: 'u32', value: Skv }],
      ['causal', { type: 'u32', value: causal ? 1 : 0 }],
    ],
    bindings: [{ binding: 0, tensor: n.scores, access: 'read_write' }],
    tiles: gridClasses(cdiv(Sq, SW), 1, 1, (x) => {
      const [r0, r1] = rowsOf(x, SW);
      const { pairs: N } = visiblePairs(r0, r1, 0, Skv, causal, off);
      return {
        key: `${N}`,
        note: () => `rows [${r0}, ${r1}): ${N} visible scores, three sweeps (max, sum, write)`,
        steps: () => [
          { kind: 'load', tensor: n.scores, bytes: 4 * N },
          { kind: 'vector', count: N, op: 'max' },
          { kind: 'load', tensor: n.scores, bytes: 4 * N },
          { kind: 'vector', count: N, op: 'exp' },
          { kind: 'load', tensor: n.scores, bytes: 4 * N },
          { kind: 'vector', count: N, op: 'exp' },
          { kind: 'vector', count: N, op: 'normalize' },
          { kind: 'store', tensor: n.scores, bytes: 4 * N },
        ],
      };
    }).map((c) => ({ ...c, y: [0, H] as [number, number] })),
    workgroupBytes: 0,
  };
  const pv: Pass = {
    shader: 'attention_naive_pv',
    entryPoint: 'main',
    label: 'naive attention: O = P·V',
    workgroupSize: [W, W, 1],
    grid: [cdiv(dh, W), cdiv(Sq, W), H],
    overrides: { WG_X: W, WG_Y: W },
    uniforms: [
      ['Sq', { type: 'u32', value: Sq }],
      ['Skv', { type: 'u32', value: Skv }],
      ['G', { type: 'u32', value: G }],
      ['DH', { type: 'u32', value: dh }],
      ['causal', { type: 'u32', value: causal ? 1 : 0 }],
    ],
    bindings: [
      { binding: 0, tensor: n.scores, access: 'read' },
      { binding: 1, tensor: n.V, access: 'read' },
      { binding: 2, tensor: n.O, access: 'read_write' },
    ],
    tiles: gridClasses(cdiv(dh, W), cdiv(Sq, W), H, (x, y) => {
      const [r0, r1] = rowsOf(y, W);
      const cols = Math.min(W, dh - x * W);
      const { pairs: N } = visiblePairs(r0, r1, 0, Skv, causal, off);
      return {
        key: `${N}:${cols}:${r1 - r0}`,
        note: () => `${r1 - r0} rows × ${cols} columns of ${n.O}, each reading its row of P and a column of V`,
        steps: () => [
          { kind: 'load', tensor: n.scores, bytes: 4 * N * cols, shareAxes: ['x'] },
          { kind: 'load', tensor: n.V, bytes: 4 * N * cols, shareAxes: ['y'] },
          { kind: 'mac', count: N * cols, dtype: 'f32' },
          { kind: 'store', tensor: n.O, bytes: 4 * (r1 - r0) * cols },
        ],
      };
    }),
    workgroupBytes: 0,
  };
  return [scores, softmax, pv];
}

// ---- prefill plan -----------------------------------------------------------------------------

function planPrefill(params: PrefillParams, variant: PrefillVariant): Plan<PrefillParams> {
  checkVariant(attentionPrefill, variant);
  checkHeads(params);
  const { S, L, Hq, Hkv, dh, causal, window: W } = params;
  if (L < S || params.Bc < 1) throw new KernelInputError('attention-prefill: L ≥ S and Bc ≥ 1 (resolved by validate)');
  if (W > 0 && variant !== 'flash') throw new KernelInputError(`attention-prefill: a sliding window (window = ${W}) needs the flash variant (the naive baseline has none)`);
  const G = Hq / Hkv;
  const pairs = attentionPairs(S, L, causal, W);
  // With a cached prefix (L > S) K/V are the KV cache; otherwise they are this pass's own projections.
  // A capacity above L: K/V are cache buffers of C keys per head, the first L used.
  const C = decodeCapacity(params);
  if (C !== L && variant !== 'flash') throw new KernelInputError('attention-prefill: a cache capacity above L needs the flash variant');
  const kvRole = L > S || C > L ? 'kv-cache' : 'input';
  const kvLayout = (L > S ? `[Hkv, ${C > L ? 'C' : 'L'}, dh] head-major: ${L - S} cached keys, then the ${S} new ones` : `[Hkv, ${C > L ? 'C' : 'S'}, dh] head-major`) +
    (C > L ? ` (C = ${C} = capacity, the first L = ${L} used)` : '');
  const tensors: Plan['tensors'] = [
    { name: 'Q', dtype: 'f32', shape: [Hq, S, dh], bytes: 4 * Hq * S * dh, role: 'input', layout: '[Hq, S, dh] head-major' },
    { name: 'K', dtype: 'f32', shape: [Hkv, C, dh], bytes: 4 * Hkv * C * dh, role: kvRole, layout: kvLayout },
    { name: 'V', dtype: 'f32', shape: [Hkv, C, dh], bytes: 4 * Hkv * C * dh, role: kvRole, layout: kvLayout },
  ];
  let passes: Pass[];
  if (variant === 'flash') {
    passes = [flashPrefillPass(params)];
  } else {
    // the naive shaders index the scores with u32 ((h·Sq + i)·Skv + j): past 2^32 entries it wraps
    if (Hq * S * L >= 2 ** 32) {
      throw new KernelInputError(`naive attention materializes the scores [Hq, S, L] = ${Hq * S * L} entries; its shaders index them with u32, so at most 2^32 - 1 (use the flash variant)`);
    }
    tensors.push({ name: 'scores', dtype: 'f32', shape: [Hq, S, L], bytes: 4 * Hq * S * L, role: 'scratch', layout: '[Hq, S, L] scores, then probabilities (masked entries unused)' });
    passes = naivePasses(S, L, Hq, G, dh, causal, { Q: 'Q', K: 'K', V: 'V', O: 'O', scores: 'scores' });
  }
  tensors.push({ name: 'O', dtype: 'f32', shape: [S, Hq * dh], bytes: 4 * S * Hq * dh, role: 'output', layout: '[S, Hq·dh] row-major (token-major)' });
  return {
    kernel: 'attention-prefill',
    variant,
    params: { ...params },
    tensors,
    passes,
    flops: 2 * 2 * Hq * pairs * dh,
    ioBytes: 4 * (2 * Hq * S * dh + 2 * Hkv * attentionKeysRead(S, L, W) * dh),
    requiredFeatures: [],
    requiredLanguageFeatures: [],
  };
}

// ---- decode plan ------------------------------------------------------------------------------

function splitDecodePasses(p: DecodeParams): Pass[] {
  const { B, L, Hq, Hkv, dh, split, Bc } = p;
  const G = Hq / Hkv;
  const GW = decodeHeadsPerWorkgroup(p);
  const chunks = G / GW; // workgroups per KV head and split (1 when the whole group fits)
  const C = decodeCapacity(p); // keys per head the cache buffers hold
  const { k0, n: nKeys } = decodeKeys(p); // the keys read: [k0, L)
  const nSplit = cdiv(nKeys, split);
  const pass1: Pass = {
    shader: 'attention_decode_split',
    entryPoint: 'main',
    label: 'split-K decode attention: partial softmax per split',
    workgroupSize: [DECODE_WG, 1, 1],
    grid: [nSplit, Hkv * chunks, B],
    overrides: { WG: DECODE_WG, BC: Bc, DH: dh, G: GW, GQ: G },
    uniforms: [
      ['L', { type: 'u32', value: L }],
      ['split', { type: 'u32', value: split }],
      ['nSplit', { type: 'u32', value: nSplit }],
      ['scale', { type: 'f32', value: attentionScale(dh) }],
      ['C', { type: 'u32', value: C }],
      ['k0', { type: 'u32', value: k0 }],
    ],
    bindings: [
      { binding: 0, tensor: 'q', access: 'read' },
      { binding: 1, tensor: 'k_cache', access: 'read' },
      { binding: 2, tensor: 'v_cache', access: 'read' },
      { binding: 3, tensor: 'partial', access: 'read_write' },
    ],
    tiles: axisRanges(nKeys, split).map(({ range, size }) => ({
      x: range,
      y: [0, Hkv * chunks],
      z: [0, B],
      note:
        `${size} keys of one KV head for ${chunks === 1 ? `its group of ${G}` : `${GW} of its ${G}`} query head${GW === 1 ? '' : 's'}` +
        `${size < split ? ' (ragged last split)' : ''}${k0 > 0 ? ` (window: keys from ${k0} of ${L})` : ''}`,
      steps: [
        { kind: 'load', tensor: 'q', bytes: 4 * GW * dh, shareAxes: ['x'] },
        ...kLoop(size, Bc, (c) => [
          // chunks > 1: each of the group's G/GW workgroups reads this K/V block itself
          { kind: 'load', tensor: 'k_cache', bytes: 4 * c * dh },
          { kind: 'load', tensor: 'v_cache', bytes: 4 * c * dh },
          { kind: 'mac', count: GW * c * dh, dtype: 'f32' },
          { kind: 'vector', count: GW * c, op: 'scale' },
          { kind: 'vector', count: GW * c, op: 'max' },
          { kind: 'vector', count: GW * c + GW, op: 'exp' },
          { kind: 'vector', count: GW * (dh + 1), op: 'rescale' },
          { kind: 'mac', count: GW * c * dh, dtype: 'f32' },
        ]),
        { kind: 'store', tensor: 'partial', bytes: 4 * GW * (dh + 2) },
      ],
    })),
    workgroupBytes: decodeWorkgroupBytes(GW, Bc, dh),
  };
  const pass2: Pass = {
    shader: 'attention_decode_reduce',
    entryPoint: 'main',
    label: 'split-K decode attention: log-sum-exp reduction',
    workgroupSize: [dh, 1, 1],
    grid: [Hq, B, 1],
    overrides: { DH: dh },
    uniforms: [['nSplit', { type: 'u32', value: nSplit }]],
    bindings: [
      { binding: 0, tensor: 'partial', access: 'read' },
      { binding: 1, tensor: 'o', access: 'read_write' },
    ],
    tiles: [
      {
        x: [0, Hq],
        y: [0, B],
        z: [0, 1],
        note: `one query head: combines ${nSplit} partial state${nSplit === 1 ? '' : 's'}`,
        steps: [
          ...kLoop(nSplit, dh, (s) => [
            { kind: 'load', tensor: 'partial', bytes: 8 * s },
            { kind: 'vector', count: s, op: 'max' },
            { kind: 'vector', count: s + 1, op: 'exp' },
            { kind: 'vector', count: dh + 1, op: 'rescale' },
            { kind: 'load', tensor: 'partial', bytes: 4 * s * dh },
            { kind: 'vector', count: s * (dh + 1), op: 'fma' },
          ]),
          { kind: 'vector', count: dh, op: 'normalize' },
          { kind: 'store', tensor: 'o', bytes: 4 * dh },
        ],
      },
    ],
    workgroupBytes: 4 * 2 * dh,
  };
  return [pass1, pass2];
}

function planDecode(params: DecodeParams, variant: DecodeVariant): Plan<DecodeParams> {
  checkVariant(attentionDecode, variant);
  checkDecode(params);
  const { B, L, Hq, Hkv, dh, split } = params;
  const G = Hq / Hkv;
  const { n: nKeys } = decodeKeys(params);
  const nSplit = cdiv(nKeys, split);
  const C = decodeCapacity(params);
  const tensors: Plan['tensors'] = [
    { name: 'q', dtype: 'f32', shape: [B, Hq, dh], bytes: 4 * B * Hq * dh, role: 'input', layout: '[B, Hq, dh] (one new token per sequence)' },
    { name: 'k_cache', dtype: 'f32', shape: [B, Hkv, C, dh], bytes: 4 * B * Hkv * C * dh, role: 'kv-cache', layout: '[B, Hkv, C, dh] head-major, C = capacity (the first L keys are used)' },
    { name: 'v_cache', dtype: 'f32', shape: [B, Hkv, C, dh], bytes: 4 * B * Hkv * C * dh, role: 'kv-cache', layout: '[B, Hkv, C, dh] head-major, C = capacity (the first L keys are used)' },
  ];
  let passes: Pass[];
  if (variant === 'split') {
    tensors.push({ name: 'partial', dtype: 'f32', shape: [B, Hq, nSplit, dh + 2], bytes: 4 * B * Hq * nSplit * (dh + 2), role: 'scratch', layout: '[B, Hq, nSplit, dh + 2]: (m, l, o[dh]) per split' });
    passes = splitDecodePasses(params);
  } else {
    if (C !== L) throw new KernelInputError('attention-decode: a cache capacity above L needs the split variant');
    if (params.window > 0) throw new KernelInputError(`attention-decode: a sliding window (window = ${params.window}) needs the split variant (the naive baseline has none)`);
    tensors.push({ name: 'scores', dtype: 'f32', shape: [B, Hq, L], bytes: 4 * B * Hq * L, role: 'scratch', layout: '[B, Hq, L] scores, then probabilities' });
    passes = naivePasses(1, L, B * Hq, G, dh, false, { Q: 'q', K: 'k_cache', V: 'v_cache', O: 'o', scores: 'scores' });
  }
  tensors.push({ name: 'o', dtype: 'f32', shape: [B, Hq, dh], bytes: 4 * B * Hq * dh, role: 'output', layout: '[B, Hq, dh]' });
  return {
    kernel: 'attention-decode',
    variant,
    params: { ...params },
    tensors,
    passes,
    flops: 2 * 2 * B * Hq * nKeys * dh,
    ioBytes: 4 * B * (2 * Hq * dh + 2 * Hkv * nKeys * dh),
    requiredFeatures: [],
    requiredLanguageFeatures: [],
  };
}

// ---- CPU reference ----------------------------------------------------------------------------

/** Keys [k0, k0 + n) of C per head are attended to: [heads, C, dh] -> [heads, n, dh]. */
function keyRange(heads: number, C: number, k0: number, n: number, dh: number): (c: Float32Array) => Float32Array {
  return (c) => {
    if (C === n) return c;
    const out = new Float32Array(heads * n * dh);
    for (let h = 0; h < heads; h++) out.set(c.subarray((h * C + k0) * dh, (h * C + k0 + n) * dh), h * n * dh);
    return out;
  };
}

/**
 * O[i, h·dh + d] = Σ_j softmax_j(scale·q_i·k_j)·v_j[d] over visible j, in f64 with the max subtracted.
 * Q: [H, Sq, dh]; K, V: [H / G, Skv, dh]; O: [Sq, H·dh]. Causal: key j visible to query i iff
 * j ≤ Skv − Sq + i (the Sq queries are the last Sq of Skv positions); with a sliding window W > 0
 * also j > Skv − Sq + i − W.
 */
export function attentionRef(
  Q: Float32Array,
  K: Float32Array,
  V: Float32Array,
  dims: { Sq: number; Skv: number; H: number; G: number; dh: number; causal: boolean; scale: number; window?: number },
): Float32Array {
  const { Sq, Skv, H, G, dh, causal, scale } = dims;
  const W = dims.window ?? 0;
  const O = new Float32Array(Sq * H * dh);
  const s = new Float64Array(Skv);
  const acc = new Float64Array(dh);
  for (let h = 0; h < H; h++) {
    const kv = Math.floor(h / G) * Skv * dh;
    for (let i = 0; i < Sq; i++) {
      const n = causal ? Math.min(Skv, Skv - Sq + i + 1) : Skv;
      const j0 = causal && W > 0 ? Math.max(0, n - W) : 0;
      const q = (h * Sq + i) * dh;
      let m = -Infinity;
      for (let j = j0; j < n; j++) {
        let dot = 0;
        for (let d = 0; d < dh; d++) dot += Q[q + d] * K[kv + j * dh + d];
        s[j] = dot * scale;
        if (s[j] > m) m = s[j];
      }
      acc.fill(0);
      let sum = 0;
      for (let j = j0; j < n; j++) {
        const w = Math.exp(s[j] - m);
        sum += w;
        for (let d = 0; d < dh; d++) acc[d] += w * V[kv + j * dh + d];
      }
      for (let d = 0; d < dh; d++) O[i * H * dh + h * dh + d] = acc[d] / sum;
    }
  }
  return O;
}

/**
 * Inputs in [-1, 1): scores are at most sqrt(dh)·scale·... ≈ O(1), outputs are convex combinations
 * of V rows. Error sources: f32 dot products (dh terms), f32 exp, f32 sums over ≤ S keys.
 */
const ATTENTION_TOLERANCE = { atol: 2e-5, rtol: 1e-4 } satisfies Tolerance;
// The output is a convex combination of value rows, so its error scales with max|V|
// (src/kernels/compare.ts). Logits far from unit scale are ill-conditioned in f32 whatever the
// kernel: each score's own rounding, about its magnitude x sqrt(dh) x u for a dot product of dh
// terms with rounding errors of random sign (dh x u at worst; u = 2^-24), shifts the softmax
// weights by that much relative, and the output by that times max|V|. The magnitude is bounded
// by Cauchy-Schwarz, scale·max‖q‖·max‖k‖ over rows of dh (O(size) to compute, exact for aligned
// q and k). So s = max|V| · max(1, κ / atol) with κ that rounding: for makeInputs' unit inputs
// κ < atol (s = max|V|, the tolerance keeps its teeth); for logits ~1e4 at dh 128 κ ≈ 7e-3, where
// a correct kernel's output is ~1e-3 from the f64 reference (issue 24) and a wrong one ~1.
// Only the keys the problem reads count (`used`: a cache's rows past L, or before a decode window, are
// never read and may hold anything).
function attentionErrorScale<P extends { dh: number }>(qName: string, kName: string, vName: string, used: (p: P) => (c: Float32Array) => Float32Array) {
  return (plan: { params: P }, inputs: Tensors): number => {
    const dh = plan.params.dh;
    const maxRowNorm = (a: Float32Array) => {
      let m = 0;
      for (let r = 0; r + dh <= a.length; r += dh) {
        let ss = 0;
        for (let d = 0; d < dh; d++) ss += a[r + d] * a[r + d];
        m = Math.max(m, ss);
      }
      return Math.sqrt(m);
    };
    const keys = used(plan.params);
    const magnitude = attentionScale(dh) * maxRowNorm(f32Input(inputs, qName)) * maxRowNorm(keys(f32Input(inputs, kName)));
    const kappa = magnitude * Math.sqrt(dh) * 2 ** -24;
    return maxAbs(keys(f32Input(inputs, vName))) * Math.max(1, kappa / ATTENTION_TOLERANCE.atol);
  };
}

/**
 * The CLI's K/V are the L keys used ([heads, L, dh], as userInputs declare). With a capacity C > L the
 * kernel reads a cache of C keys per head in place, so they are copied into the first L rows of each
 * head of a C-row buffer; the other C − L rows are filled with CACHE_FILL, a value no correct kernel
 * reads (one that did would turn its output far from the reference).
 */
const CACHE_FILL = 1e30;
function intoCache(name: string, a: Float32Array, heads: number, L: number, C: number, dh: number): Float32Array {
  if (a.length !== heads * L * dh) throw new KernelInputError(`${name} has ${a.length} values, expected ${heads * L * dh} ([${heads}, ${L}, ${dh}]: the L = ${L} keys used)`);
  if (C === L) return a;
  const out = new Float32Array(heads * C * dh).fill(CACHE_FILL);
  for (let h = 0; h < heads; h++) out.set(a.subarray(h * L * dh, (h + 1) * L * dh), h * C * dh);
  return out;
}

export const attentionPrefill: KernelDef<PrefillParams, PrefillVariant> = {
  name: 'attention-prefill',
  title: 'attention (prefill)',
  description:
    'O[S, Hq·dh] = softmax(Q·Kᵀ / sqrt(dh) [causal]) · V with Q [Hq, S, dh], K/V [Hkv, L, dh] (GQA: query head h ' +
    'reads KV head h / (Hq/Hkv)). L ≥ S: the S new queries follow a cached prefix of L − S keys (chunked prefill, ' +
    'multi-turn); causal query i sees keys 0..L−S+i. flash: a workgroup owns Br query rows of one head (one ' +
    'invocation per row), streams Bc-key K/V blocks through workgroup memory with an online softmax and skips fully ' +
    'masked blocks; the S×L scores never exist. naive: three passes (scores materialized, row softmax, P·V). dh: a ' +
    'multiple of 4 up to 256.',
  variants: PREFILL_VARIANTS,
  defaultVariant: 'flash',
  baselineVariant: 'naive',
  params: PREFILL_PARAMS,
  userInputs: [
    { name: 'Q', dtype: 'float32', shapes: [['Hq', 'S', 'dh']], doc: 'queries, head-major' },
    { name: 'K', dtype: 'float32', shapes: [['Hkv', 'L', 'dh']], doc: 'keys, head-major: the cached prefix, then the S new ones (with capacity > L, placed in a cache of capacity keys per head)' },
    { name: 'V', dtype: 'float32', shapes: [['Hkv', 'L', 'dh']], doc: 'values, head-major, as K' },
  ],
  validate: validatePrefill,
  plan: planPrefill,
  fromUser(plan, user) {
    const { L, Hkv, dh } = plan.params;
    const C = decodeCapacity(plan.params);
    return { Q: f32Input(user, 'Q'), K: intoCache('K', f32Input(user, 'K'), Hkv, L, C, dh), V: intoCache('V', f32Input(user, 'V'), Hkv, L, C, dh) };
  },
  makeInputs(plan, seed) {
    const { S, Hq, Hkv, dh } = plan.params;
    const C = decodeCapacity(plan.params);
    return { Q: randomF32(Hq * S * dh, seed), K: randomF32(Hkv * C * dh, seed + 1), V: randomF32(Hkv * C * dh, seed + 2) };
  },
  reference(plan, inputs) {
    const { S, L, Hq, Hkv, dh, causal, window } = plan.params;
    const firstL = keyRange(Hkv, decodeCapacity(plan.params), 0, L, dh);
    const dims = { Sq: S, Skv: L, H: Hq, G: Hq / Hkv, dh, causal, scale: attentionScale(dh), window };
    return { O: attentionRef(f32Input(inputs, 'Q'), firstL(f32Input(inputs, 'K')), firstL(f32Input(inputs, 'V')), dims) };
  },
  tolerance: () => ATTENTION_TOLERANCE,
  errorScale: attentionErrorScale('Q', 'K', 'V', (p: PrefillParams) => keyRange(p.Hkv, decodeCapacity(p), 0, p.L, p.dh)),
};

export const attentionDecode: KernelDef<DecodeParams, DecodeVariant> = {
  name: 'attention-decode',
  title: 'attention (decode)',
  description:
    'o[B, Hq, dh] = softmax(q·Kᵀ / sqrt(dh)) · V for one new token per sequence against K/V caches [B, Hkv, L, dh] ' +
    '(GQA as in prefill). split: pass 1 cuts the cache into splits of `split` keys, one workgroup per (split, KV head, ' +
    'sequence) serving the whole group of Hq/Hkv query heads (K/V read once per group; split into fewer heads per ' +
    'workgroup only when the group does not fit workgroup memory) and writing a partial (m, l, o); pass 2 combines ' +
    'the splits with log-sum-exp rescaling. split = 0 picks the splits from L and the device fill target (≥ 64 keys ' +
    'per split). naive: scores, softmax, P·V. dh: a multiple of 4 up to 256.',
  variants: DECODE_VARIANTS,
  defaultVariant: 'split',
  baselineVariant: 'naive',
  params: DECODE_PARAMS,
  userInputs: [
    { name: 'q', dtype: 'float32', shapes: [['B', 'Hq', 'dh']], doc: 'the new token\'s queries' },
    { name: 'k_cache', dtype: 'float32', shapes: [['B', 'Hkv', 'L', 'dh']], doc: 'key cache, head-major: the L keys used (with capacity > L, placed in a cache of capacity keys per head)' },
    { name: 'v_cache', dtype: 'float32', shapes: [['B', 'Hkv', 'L', 'dh']], doc: 'value cache, head-major' },
  ],
  validate: validateDecode,
  plan: planDecode,
  fromUser(plan, user) {
    const { B, L, Hkv, dh } = plan.params;
    const C = decodeCapacity(plan.params);
    return {
      q: f32Input(user, 'q'),
      k_cache: intoCache('k_cache', f32Input(user, 'k_cache'), B * Hkv, L, C, dh),
      v_cache: intoCache('v_cache', f32Input(user, 'v_cache'), B * Hkv, L, C, dh),
    };
  },
  makeInputs(plan, seed) {
    const { B, Hq, Hkv, dh } = plan.params;
    const C = decodeCapacity(plan.params);
    return {
      q: randomF32(B * Hq * dh, seed),
      k_cache: randomF32(B * Hkv * C * dh, seed + 1),
      v_cache: randomF32(B * Hkv * C * dh, seed + 2),
    };
  },
  reference(plan, inputs) {
    const { B, Hq, Hkv, dh } = plan.params;
    const { k0, n } = decodeKeys(plan.params);
    const keys = keyRange(B * Hkv, decodeCapacity(plan.params), k0, n, dh);
    // Batch folds into heads: q [B·Hq, 1, dh], caches [B·Hkv, n, dh] (the window's keys), o [1, B·Hq·dh].
    const dims = { Sq: 1, Skv: n, H: B * Hq, G: Hq / Hkv, dh, causal: false, scale: attentionScale(dh) };
    return { o: attentionRef(f32Input(inputs, 'q'), keys(f32Input(inputs, 'k_cache')), keys(f32Input(inputs, 'v_cache')), dims) };
  },
  tolerance: () => ATTENTION_TOLERANCE,
  errorScale: attentionErrorScale('q', 'k_cache', 'v_cache', (p: DecodeParams) => {
    const { k0, n } = decodeKeys(p);
    return keyRange(p.B * p.Hkv, decodeCapacity(p), k0, n, p.dh);
  }),
};
