// Bench suites: which kernels run on which problem shapes, and which peer op mirrors each case.
//
// Suites are written over KernelDef generically: a case names a kernel and a dictionary of
// problem dims under every name a kernel may use for them (M, D, Hq, ...); the kernel's own
// ParamDoc list picks the ones it declares, the rest come from its defaults. A kernel that is
// not registered (yet) gives a failed row that says so, never a crash.

import type { KernelDef } from '../src/kernels/kernel.ts';
import type { TestModelSpec } from '../src/llm/testmodel.ts';

/** A library-neutral description of a case, for the peers (TensorFlow.js, ONNX Runtime Web). */
export type PeerOp =
  /** C[M, N] = A[M, K] · B[K, N], f32 */
  | { op: 'matmul'; M: number; N: number; K: number }
  /** C = A · dequant(Wq), W int8 symmetric per 32-block along K, activations quantized by the library */
  | { op: 'matmul-int8'; M: number; N: number; K: number }
  /** softmax(Q·Kᵀ/√dh [+ causal mask]) · V, GQA: Hq query heads share Hkv KV heads; S queries, L keys */
  | { op: 'attention'; S: number; L: number; Hq: number; Hkv: number; dh: number; causal: boolean };

export interface BenchCase {
  /** Unique within a suite, e.g. "matmul/ffn-up". */
  id: string;
  kernel: string;
  /** Problem dims, under every alias a kernel might declare; tile sizes are left to defaults. */
  dims: Record<string, number | boolean | string>;
  /** The problem in one line for rows that have no kernel to pick dims (e.g. "S=32 L=32 Hq=4 ..."). */
  shape: string;
  /** Variants to run; all of the kernel's variants when absent. */
  variants?: readonly string[];
  peer?: PeerOp;
}

export interface Suite {
  name: string;
  description: string;
  cases: BenchCase[];
  /** Timing defaults for the suite (flags override them). */
  samples: number;
  warmup: number;
  /** Cases whose plan exceeds this many flops are refused (keeps smoke within a CPU-emulated GPU). */
  maxFlops?: number;
  /** A whole-model suite (bench/model-bench.ts): generated models, each file format, ours beside llama.cpp. */
  models?: { sizes: readonly ModelSize[]; formats: readonly ModelFormat[] };
}

/** One generated model of the model suite (random weights, a real byte-level BPE vocabulary). */
export interface ModelSize {
  name: string;
  spec: TestModelSpec;
  /** Prompt tokens (one prefill chunk) and greedy tokens generated per run. */
  prompt: number;
  tokens: number;
  /** Run when --sizes is not given. */
  byDefault: boolean;
  description: string;
}

/** A file the model is written as: GGUF (llama.cpp runs it too) or safetensors (ours only). */
export interface ModelFormat {
  name: string;
  container: 'gguf' | 'safetensors';
  dtype: TestModelSpec['dtype'];
  /** llama.cpp's per-tensor type choice instead of one dtype (src/llm/testmodel.ts ggufMixDtype). */
  mix?: TestModelSpec['mix'];
  /** Ours runs the weights as int8 (GGUF Q8_0 blocks as they are), else f16 / Q8_0 in f32; 4- and 6-bit blocks always as stored (matmul-gguf). */
  int8: boolean;
}

/** The dims a kernel declares, taken from a case's alias dictionary (declared order). */
export function pickParams(def: Pick<KernelDef, 'params'>, dims: Record<string, number | boolean | string>): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const p of def.params) if (p.name in dims) out[p.name] = dims[p.name];
  return out;
}

// Aliases: one attention problem spelled the ways a kernel module may name its params.
function attentionDims(S: number, L: number, Hq: number, Hkv: number, dh: number, causal: boolean) {
  return {
    S, L, T: S, M: S, tokens: S, seqLen: S, context: L, kvLen: L,
    Hq, Hkv, H: Hq, heads: Hq, nHeads: Hq, kvHeads: Hkv, nKvHeads: Hkv,
    dh, headDim: dh, causal,
  };
}

function attShape(S: number, L: number, Hq: number, Hkv: number, dh: number, causal: boolean): string {
  return `S=${S} L=${L} Hq=${Hq} Hkv=${Hkv} dh=${dh}${causal ? ' causal' : ''}`;
}

function qkvDims(M: number, D: number, Hq: number, Hkv: number, dh: number) {
  return { M, T: M, tokens: M, D, dModel: D, Hq, Hkv, H: Hq, heads: Hq, nHeads: Hq, kvHeads: Hkv, nKvHeads: Hkv, dh, headDim: dh };
}

const mm = (id: string, kernel: string, M: number, N: number, K: number, op: 'matmul' | 'matmul-int8'): BenchCase => ({
  id: `${kernel}/${id}`,
  kernel,
  dims: { M, N, K },
  shape: `M=${M} N=${N} K=${K}`,
  peer: { op, M, N, K },
});

// ---- smoke: every kernel and variant on small shapes (SwiftShader runs it in ~2 minutes) --------

const SMOKE: Suite = {
  name: 'smoke',
  description: 'small shapes, every registered kernel and variant, both peers; fits SwiftShader in about two minutes',
  samples: 7,
  warmup: 1,
  maxFlops: 2e7,
  cases: [
    mm('64x64x64', 'matmul', 64, 64, 64, 'matmul'),
    // ragged: not a multiple of any tile, exercises the bounds checks
    // (gemv takes N a multiple of 4 only, so it sits this one out)
    { id: 'matmul/ragged', kernel: 'matmul', dims: { M: 33, N: 47, K: 61 }, shape: 'M=33 N=47 K=61', variants: ['naive', 'tiled', 'tiled-f16'] },
    mm('64x64x128', 'matmul-int8', 64, 64, 128, 'matmul-int8'),
    { id: 'qkv/small', kernel: 'qkv', dims: qkvDims(16, 64, 4, 2, 16), shape: 'M=16 D=64 Hq=4 Hkv=2 dh=16' },
    // one decode token through the int8 gemv forms beside the tiled kernels they replace: GGUF Q8_0 blocks
    // (group 32, the peers' MatMulNBits layout too) and the int8-weight QKV
    { ...mm('decode-q8-1024', 'matmul-int8', 1, 1024, 1024, 'matmul-int8'), dims: { M: 1, N: 1024, K: 1024, group: 32 }, shape: 'M=1 N=1024 K=1024 group=32', variants: ['dot4', 'gemv'] },
    { id: 'qkv/decode-w8', kernel: 'qkv', dims: qkvDims(1, 1024, 8, 2, 64), shape: 'M=1 D=1024 Hq=8 Hkv=2 dh=64', variants: ['fused-w8', 'gemv-w8'] },
    // GGUF 4- and 6-bit blocks read as stored (no peer runs ggml blocks): a decode token and a short prompt
    { id: 'matmul-gguf/decode-q4_k-1024', kernel: 'matmul-gguf', dims: { M: 1, N: 1024, K: 1024, format: 'q4_k' }, shape: 'M=1 N=1024 K=1024 Q4_K' },
    { id: 'matmul-gguf/prefill-q6_k', kernel: 'matmul-gguf', dims: { M: 64, N: 64, K: 512, format: 'q6_k' }, shape: 'M=64 N=64 K=512 Q6_K', variants: ['tiled'] },
    // 16-bit weights as stored (f16 / bf16 files, 2 bytes per weight, no shader-f16): a decode token beside the f32 gemv above
    { id: 'matmul-gguf/decode-bf16-1024', kernel: 'matmul-gguf', dims: { M: 1, N: 1024, K: 1024, format: 'bf16' }, shape: 'M=1 N=1024 K=1024 BF16' },
    {
      id: 'attention-prefill/small',
      kernel: 'attention-prefill',
      dims: attentionDims(32, 32, 4, 2, 16, true),
      shape: attShape(32, 32, 4, 2, 16, true),
      peer: { op: 'attention', S: 32, L: 32, Hq: 4, Hkv: 2, dh: 16, causal: true },
    },
    {
      id: 'attention-decode/small',
      kernel: 'attention-decode',
      dims: attentionDims(1, 128, 4, 2, 16, false),
      shape: attShape(1, 128, 4, 2, 16, false),
      peer: { op: 'attention', S: 1, L: 128, Hq: 4, Hkv: 2, dh: 16, causal: false },
    },
    // the element-wise kernels of a transformer block (src/llm's decode loop), GPT-2-small widths
    { id: 'embed/small', kernel: 'embed', dims: { M: 16, D: 768, V: 1000, positions: 1024 }, shape: 'M=16 D=768 V=1000 +positions' },
    { id: 'rmsnorm/small', kernel: 'rmsnorm', dims: { M: 16, D: 768 }, shape: 'M=16 D=768' },
    { id: 'layernorm/small', kernel: 'layernorm', dims: { M: 16, D: 768 }, shape: 'M=16 D=768' },
    { id: 'rope/small', kernel: 'rope', dims: { H: 12, M: 16, dh: 64 }, shape: 'H=12 M=16 dh=64' },
    { id: 'silu-mul/small', kernel: 'silu-mul', dims: { M: 16, F: 2048 }, shape: 'M=16 F=2048' },
    { id: 'gelu/small', kernel: 'gelu', dims: { M: 16, F: 3072 }, shape: 'M=16 F=3072' },
    { id: 'residual-add/small', kernel: 'residual-add', dims: { M: 16, D: 768, bias: true }, shape: 'M=16 D=768 +bias' },
    { id: 'sample/small', kernel: 'sample', dims: { V: 50257, k: 40 }, shape: 'V=50257 k=40' },
  ],
};

// ---- medium: shapes big enough for variants to separate on a CPU-emulated GPU (~3 minutes) -------

const MEDIUM: Suite = {
  name: 'medium',
  description: 'mid-size shapes where tiling, fusion and int8 separate from their baselines even on SwiftShader (a few minutes)',
  samples: 5,
  warmup: 1,
  cases: [
    mm('256x256x256', 'matmul', 256, 256, 256, 'matmul'),
    mm('256x256x256', 'matmul-int8', 256, 256, 256, 'matmul-int8'),
    { id: 'qkv/medium', kernel: 'qkv', dims: qkvDims(64, 512, 8, 2, 64), shape: 'M=64 D=512 Hq=8 Hkv=2 dh=64' },
    {
      id: 'attention-prefill/256',
      kernel: 'attention-prefill',
      dims: attentionDims(256, 256, 4, 1, 64, true),
      shape: attShape(256, 256, 4, 1, 64, true),
      peer: { op: 'attention', S: 256, L: 256, Hq: 4, Hkv: 1, dh: 64, causal: true },
    },
    {
      id: 'attention-decode/2048',
      kernel: 'attention-decode',
      dims: attentionDims(1, 2048, 8, 2, 64, false),
      shape: attShape(1, 2048, 8, 2, 64, false),
      peer: { op: 'attention', S: 1, L: 2048, Hq: 8, Hkv: 2, dh: 64, causal: false },
    },
  ],
};

// ---- Llama-3-8B layer shapes (config.json of meta-llama/Meta-Llama-3-8B) --------------------------
// hidden 4096, 32 query heads, 8 KV heads, head dim 128, FFN 14336. QKV projection output
// 4096 + 2·1024 = 6144 columns. For real GPUs: on SwiftShader these take minutes per case.

const D = 4096;
const HQ = 32;
const HKV = 8;
const DH = 128;
const FFN = 14336;
const QKV_N = (HQ + 2 * HKV) * DH;

function llamaMatmuls(M: number, tag: string): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const kernel of ['matmul', 'matmul-int8'] as const) {
    const op = kernel === 'matmul' ? 'matmul' : 'matmul-int8';
    cases.push(
      mm(`${tag}-qkv-proj`, kernel, M, QKV_N, D, op),
      mm(`${tag}-o-proj`, kernel, M, D, HQ * DH, op),
      mm(`${tag}-ffn-up`, kernel, M, FFN, D, op),
      mm(`${tag}-ffn-down`, kernel, M, D, FFN, op),
    );
  }
  return cases;
}

const DECODE_CONTEXT = 4096;
const PREFILL_TOKENS = 512;
/** Cached tokens before the prefill chunk in the chunked-prefill case. */
const PREFIX_TOKENS = 3584;

// Other real head dims beside Llama's 128 (config.json of each model): Phi-2 (microsoft/phi-2) 32 heads
// of 80, MHA; Gemma-2B (google/gemma-2b) 8 query heads of 256 sharing 1 KV head (the group does not fit
// 16 KiB of workgroup memory: split decode serves it in several workgroups).
function headDimCases(phase: 'decode' | 'prefill'): BenchCase[] {
  const models = [
    { tag: 'phi2-dh80', Hq: 32, Hkv: 32, dh: 80 },
    { tag: 'gemma2b-dh256', Hq: 8, Hkv: 1, dh: 256 },
  ];
  return models.map(({ tag, Hq, Hkv, dh }) => {
    const [S, L, causal] = phase === 'decode' ? [1, DECODE_CONTEXT, false] : [PREFILL_TOKENS, PREFILL_TOKENS, true];
    return {
      id: `attention-${phase}/${tag}`,
      kernel: `attention-${phase}`,
      dims: attentionDims(S, L, Hq, Hkv, dh, causal),
      shape: attShape(S, L, Hq, Hkv, dh, causal),
      peer: { op: 'attention', S, L, Hq, Hkv, dh, causal },
    };
  });
}

const LLAMA_DECODE: Suite = {
  name: 'llama3-8b-decode',
  description:
    `Llama-3-8B one decode step (M=1) at context ${DECODE_CONTEXT}: projections and FFN (gemv beside tiled; int8 per column and Q8_0 group 32), QKV (gemv beside fused, gemv-w8 beside fused-w8), ` +
    'decode attention with the split rule; Phi-2 (dh 80) and Gemma-2B (dh 256) decode attention',
  samples: 15,
  warmup: 2,
  cases: [
    ...llamaMatmuls(1, 'decode'),
    { id: 'qkv/decode', kernel: 'qkv', dims: qkvDims(1, D, HQ, HKV, DH), shape: `M=1 D=${D} Hq=${HQ} Hkv=${HKV} dh=${DH}` },
    {
      id: 'attention-decode/ctx4096',
      kernel: 'attention-decode',
      dims: attentionDims(1, DECODE_CONTEXT, HQ, HKV, DH, false),
      shape: attShape(1, DECODE_CONTEXT, HQ, HKV, DH, false),
      peer: { op: 'attention', S: 1, L: DECODE_CONTEXT, Hq: HQ, Hkv: HKV, dh: DH, causal: false },
    },
    // GGUF Q8_0 weights (group-32 scales, like the peers' MatMulNBits): the per-group int8 gemv beside dot4.
    ...(['o-proj', 'ffn-down'] as const).map((t) => {
      const [N, K] = t === 'o-proj' ? [D, HQ * DH] : [D, FFN];
      return { ...mm(`decode-q8-${t}`, 'matmul-int8', 1, N, K, 'matmul-int8'), dims: { M: 1, N, K, group: 32 }, shape: `M=1 N=${N} K=${K} group=32`, variants: ['dot4', 'gemv'] };
    }),
    // GGUF Q4_K_M weights as stored (Q4_K, and Q6_K for ffn_down / attn_v of some layers): 4.5 and 6.56 bits per weight.
    ...(
      [
        ['o-proj', 'q4_k', D, HQ * DH],
        ['ffn-down', 'q4_k', D, FFN],
        ['ffn-down', 'q6_k', D, FFN],
        // f16 / bf16 files' linears as stored (2 bytes per weight; half the f32 gemv's bytes)
        ['ffn-down', 'f16', D, FFN],
        ['ffn-down', 'bf16', D, FFN],
      ] as const
    ).map(([t, format, N, K]) => ({
      id: `matmul-gguf/decode-${format}-${t}`, kernel: 'matmul-gguf', dims: { M: 1, N, K, format }, shape: `M=1 N=${N} K=${K} ${format.toUpperCase()}`,
    })),
    // A batch of 4 sequences: gemv still streams each weight once (M = 4 rows per workgroup).
    ...['qkv-proj', 'ffn-up'].map((t) => mm(`decode-b4-${t}`, 'matmul', 4, t === 'qkv-proj' ? QKV_N : FFN, D, 'matmul')),
    ...headDimCases('decode'),
  ],
};

const LLAMA_PREFILL: Suite = {
  name: 'llama3-8b-prefill',
  description:
    `Llama-3-8B prefill of ${PREFILL_TOKENS} tokens: projections, FFN, fused QKV, causal attention; a ${PREFILL_TOKENS}-token chunk ` +
    `after a ${PREFIX_TOKENS}-token cached prefix (chunked prefill / a new chat turn); Phi-2 (dh 80) and Gemma-2B (dh 256) prefill`,
  samples: 10,
  warmup: 1,
  cases: [
    ...llamaMatmuls(PREFILL_TOKENS, 'prefill'),
    { id: 'qkv/prefill', kernel: 'qkv', dims: qkvDims(PREFILL_TOKENS, D, HQ, HKV, DH), shape: `M=${PREFILL_TOKENS} D=${D} Hq=${HQ} Hkv=${HKV} dh=${DH}` },
    // GGUF Q4_K_M weights as stored, the tiled form: the FFN up projection (Q4_K) and down (Q6_K in the more-bits layers)
    { id: 'matmul-gguf/prefill-q4_k-ffn-up', kernel: 'matmul-gguf', dims: { M: PREFILL_TOKENS, N: FFN, K: D, format: 'q4_k' }, shape: `M=${PREFILL_TOKENS} N=${FFN} K=${D} Q4_K`, variants: ['tiled'] },
    { id: 'matmul-gguf/prefill-q6_k-ffn-down', kernel: 'matmul-gguf', dims: { M: PREFILL_TOKENS, N: D, K: FFN, format: 'q6_k' }, shape: `M=${PREFILL_TOKENS} N=${D} K=${FFN} Q6_K`, variants: ['tiled'] },
    // a bf16 file's FFN up projection as stored (2 bytes per weight), the tiled form
    { id: 'matmul-gguf/prefill-bf16-ffn-up', kernel: 'matmul-gguf', dims: { M: PREFILL_TOKENS, N: FFN, K: D, format: 'bf16' }, shape: `M=${PREFILL_TOKENS} N=${FFN} K=${D} BF16`, variants: ['tiled'] },
    {
      id: 'attention-prefill/512',
      kernel: 'attention-prefill',
      dims: attentionDims(PREFILL_TOKENS, PREFILL_TOKENS, HQ, HKV, DH, true),
      shape: attShape(PREFILL_TOKENS, PREFILL_TOKENS, HQ, HKV, DH, true),
      peer: { op: 'attention', S: PREFILL_TOKENS, L: PREFILL_TOKENS, Hq: HQ, Hkv: HKV, dh: DH, causal: true },
    },
    {
      // No peer row: the peers' attention is timed for S = L only.
      id: `attention-prefill/512-after-${PREFIX_TOKENS}`,
      kernel: 'attention-prefill',
      dims: attentionDims(PREFILL_TOKENS, PREFIX_TOKENS + PREFILL_TOKENS, HQ, HKV, DH, true),
      shape: attShape(PREFILL_TOKENS, PREFIX_TOKENS + PREFILL_TOKENS, HQ, HKV, DH, true),
    },
    ...headDimCases('prefill'),
  ],
};

// ---- model: whole generated models, ours beside llama.cpp on the same file ---------------------

const MODEL: Suite = {
  name: 'model',
  description: 'whole generated Llama models (GGUF f16 / Q8_0, safetensors f16): prefill and decode of ours and of llama.cpp on the same file, greedy tokens compared',
  samples: 3,
  warmup: 1,
  cases: [],
  models: {
    sizes: [
      {
        name: 'tiny', byDefault: true, prompt: 16, tokens: 16,
        description: 'D 64, 2 layers, 4 query / 2 KV heads of 16, FFN 96, vocab 2048: CI speed on a CPU-emulated GPU',
        spec: { arch: 'llama', dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, headDim: 16, ffnDim: 96, maxPositions: 64, merges: 40, vocab: 2048, dtype: 'f32', seed: 21 },
      },
      {
        name: 'small', byDefault: true, prompt: 32, tokens: 8,
        description: 'D 1024, 2 layers, 8 query / 2 KV heads of 128, FFN 3584, vocab 8192 (a quarter of Llama-3-8B\'s widths, its head dim and 4:1 GQA): ~40 M parameters, minutes on SwiftShader',
        spec: { arch: 'llama', dim: 1024, nLayers: 2, nHeads: 8, nKvHeads: 2, headDim: 128, ffnDim: 3584, maxPositions: 256, merges: 40, vocab: 8192, dtype: 'f32', seed: 22 },
      },
      {
        name: 'llama3-8b-2l', byDefault: false, prompt: 128, tokens: 32,
        description: `Llama-3-8B's layer (D ${D}, ${HQ} query / ${HKV} KV heads of ${DH}, FFN ${FFN}, vocab 128256), 2 layers: for GPUs`,
        spec: { arch: 'llama', dim: D, nLayers: 2, nHeads: HQ, nKvHeads: HKV, headDim: DH, ffnDim: FFN, maxPositions: 1024, merges: 40, vocab: 128256, dtype: 'f32', seed: 23 },
      },
    ],
    formats: [
      { name: 'gguf f16', container: 'gguf', dtype: 'f16', int8: false },
      { name: 'gguf q8_0', container: 'gguf', dtype: 'q8_0', int8: true },
      { name: 'gguf q4_0', container: 'gguf', dtype: 'q4_0', int8: false },
      // K-quants: 256 values per super-block along K, so only sizes whose inner dims are multiples of 256
      { name: 'gguf q4_k_m', container: 'gguf', dtype: 'q4_k', mix: 'q4_k_m', int8: false },
      { name: 'safetensors f16', container: 'safetensors', dtype: 'f16', int8: false },
    ],
  },
};

export const SUITES: readonly Suite[] = [SMOKE, MEDIUM, LLAMA_DECODE, LLAMA_PREFILL, MODEL];

export class UnknownSuiteError extends Error {
  override name = 'UnknownSuiteError';
}

export function suiteByName(name: string): Suite {
  const s = SUITES.find((x) => x.name === name);
  if (!s) throw new UnknownSuiteError(`unknown suite "${name}"; available: ${SUITES.map((x) => x.name).join(', ')}`);
  return s;
}

/** Flops of a peer op (2 per MAC), for GFLOP/s of peer rows. */
export function peerFlops(p: PeerOp): number {
  if (p.op === 'attention') {
    // QKᵀ and P·V; the causal mask halves the useful work only in the limit, count it exactly
    const pairs = p.causal ? causalPairs(p.S, p.L) : p.S * p.L;
    return 2 * 2 * p.Hq * pairs * p.dh;
  }
  return 2 * p.M * p.N * p.K;
}

/** Compulsory bytes of a peer op (inputs once, output once), for GB/s. */
export function peerIoBytes(p: PeerOp): number {
  if (p.op === 'attention') return 4 * (p.Hq * p.S * p.dh * 2 + 2 * p.Hkv * p.L * p.dh);
  if (p.op === 'matmul-int8') return 4 * p.M * p.K + p.K * p.N + 4 * p.N * Math.ceil(p.K / 32) + 4 * p.M * p.N;
  return 4 * (p.M * p.K + p.K * p.N + p.M * p.N);
}

/** Query i (0-based, of S at the end of an L-long sequence) sees keys 0..L-S+i. */
export function causalPairs(S: number, L: number): number {
  let n = 0;
  for (let i = 0; i < S; i++) n += Math.min(L, L - S + i + 1);
  return n;
}

export function peerShape(p: PeerOp): string {
  if (p.op === 'attention') return `S=${p.S} L=${p.L} Hq=${p.Hq} Hkv=${p.Hkv} dh=${p.dh}${p.causal ? ' causal' : ''}`;
  return `M=${p.M} N=${p.N} K=${p.K}`;
}
