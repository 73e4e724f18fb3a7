// The kernel sequence of one forward step of a model, as plain data: each op is a registered
// kernel's Plan plus the names of the GPU buffers bound to its tensors. The GPU decode loop runs
// exactly this list; the Model tab and the bench give the same Plans to the chip model, so the
// measured per-op times and the chip's predictions are for the same work.
//
// Per layer (Llama | GPT-2):
//   norm (RMSNorm | LayerNorm) -> qkv (fused | gemv, or fused-w8 | gemv-w8 with --int8) -> RoPE of Q and K (Llama)
//   -> K, V into the KV cache -> attention (prefill: flash over the chunk, a later chunk of a long
//   prompt over the cache written so far; decode: split-K over the cache) -> output projection (matmul | matmul-int8) -> residual add (+ bias)
//   -> norm -> up projection ([gate | up] | fc) -> silu·mul | GELU(+bias) -> down projection
//   -> residual add (+ bias).
// Then the final norm of the last token, the LM head, and sampling.

import { autoVariant } from '../kernels/kernel.ts';
import type { Plan } from '../kernels/plan.ts';
import { kernelByName } from '../kernels/registry.ts';
import type { ModelConfig } from './config.ts';
import type { GgmlPart } from './weights.ts';

export type OpFamily = 'embed' | 'norm' | 'qkv' | 'rope' | 'kv-write' | 'attention' | 'o-proj' | 'residual' | 'ffn-up' | 'activation' | 'ffn-down' | 'lm-head' | 'sample';

export interface ForwardOp {
  /** Unique within a step, e.g. "L3.qkv". */
  id: string;
  family: OpFamily;
  /** -1 for ops outside the layers. */
  layer: number;
  plan: Plan;
  /** Plan tensor name -> GPU buffer name. */
  bind: Record<string, string>;
}

export interface StepShape {
  /** Tokens processed by this step (a prompt chunk for prefill, 1 for decode). */
  M: number;
  /** Position of the first token (a prefill chunk after the first: the tokens already in the cache). */
  pos0: number;
  phase: 'prefill' | 'decode';
  /** KV cache positions per head (the context the loop allocated). */
  capacity: number;
  int8: boolean;
  /** Sampling: candidates kept (1 = greedy), temperature and the draw. */
  topK: number;
  temperature: number;
  u: number;
  /** matmul-int8 variant: 'dot4' where the WGSL packed dot product exists, else 'unpacked'. */
  int8Variant?: 'dot4' | 'unpacked';
  /** int8 weights quantized per group of 32 along K (GGUF Q8_0 kept as is), by weight buffer name; others per column. */
  q8Groups?: Record<string, number>;
  /** Weights kept as GGUF ggml blocks (matmul-gguf), by weight buffer name: their parts (OpenedModel.ggml). */
  ggml?: Record<string, GgmlPart[]>;
}

/** Names of the weight buffers a layer's ops read; the uploader fills them. */
export const layerBuf = (l: number, what: string) => `L${l}.${what}`;
/** The buffer of part `i` of a weight kept as ggml blocks. */
export const ggufBuf = (w: string, i: number) => `${w}.gguf${i}`;

/**
 * Matmul tiles for short prompts the gemv rule does not take (more than 8 tokens up to 16, or N not a
 * multiple of 4): the smallest row block (16), 64 columns per workgroup.
 */
const SMALL_TILES = { BM: 16, BN: 64, BK: 16, TM: 2, TN: 8 };
/** Keys per split of the decode attention. */
export const DECODE_SPLIT = 64;

/**
 * The Plan of a registered kernel. `variant`: a name, or 'auto' for the kernel's shape rule
 * (KernelDef.pickVariant: gemv for a few tokens, the tiled kernels otherwise), keeping the kind of
 * `family` when given (int8 weights: qkv fused-w8 | gemv-w8; the int8 matmul's unpacked on a device
 * without the packed dot product).
 */
function plan(kernel: string, params: Record<string, unknown>, variant?: string, family?: string): Plan {
  const def = kernelByName(kernel);
  const p = def.validate(params);
  return def.plan(p, variant === 'auto' ? autoVariant(def, p, family) : variant ?? def.defaultVariant);
}

export function buildForwardOps(c: ModelConfig, s: StepShape): ForwardOp[] {
  const { M, pos0, capacity: C, int8 } = s;
  const D = c.dim, F = c.ffnDim, dh = c.headDim, Hq = c.nHeads, Hkv = c.nKvHeads, Nq = Hq * dh;
  const llama = c.arch === 'llama';
  const ops: ForwardOp[] = [];
  const push = (id: string, family: OpFamily, layer: number, p: Plan, bind: Record<string, string>) => ops.push({ id, family, layer, plan: p, bind });
  const int8Variant = s.int8Variant ?? 'dot4';

  // Matmuls and QKV take the kernels' shape rule (matmul.ts): gemv for M <= 8 tokens when N % 4 == 0
  // (each weight streamed once for every token; a decode step is M = 1), the tiled kernels otherwise.
  // int8: the int8 gemv needs K % 16 == 0 and the packed dot product, and takes per-column scales (our
  // recipe) and GGUF Q8_0 blocks (group 32) alike; devices without dot4 keep the tiled unpacked kernel.
  // The QKV with int8 weights: gemv-w8 for a decode token (D % 16 == 0), fused-w8 otherwise.
  // GGUF Q4_0 / Q4_K / Q5_K / Q6_K weights (s.ggml) run as stored through matmul-gguf (gemv for M ≤ 8), whatever int8 says.
  const linearOp = (M: number, w: string, K: number, N: number): Plan => {
    const g = s.ggml?.[w];
    if (g) return plan('matmul-gguf', { M, N, K, format: g[0].format }, 'auto');
    const small = M <= 16;
    if (!int8) return plan('matmul', { M, N, K, ...(small ? SMALL_TILES : {}) }, 'auto');
    const tiles = small ? { BM: SMALL_TILES.BM, BN: SMALL_TILES.BN, TM: SMALL_TILES.TM, TN: SMALL_TILES.TN } : {};
    return plan('matmul-int8', { M, N, K, ...tiles, group: s.q8Groups?.[w] ?? 0 }, 'auto', int8Variant);
  };
  const linearBind = (w: string, x: string, y: string): Record<string, string> =>
    s.ggml?.[w] ? { X: x, W: ggufBuf(w, 0), Y: y } : int8 ? { X: x, Wq: `${w}.q`, wScale: `${w}.scale`, Xq: 'xq', xScale: 'xscale', Y: y } : { A: x, B: w, C: y };
  const linear = (id: string, family: OpFamily, layer: number, w: string, K: number, N: number, x: string, y: string) =>
    push(id, family, layer, linearOp(M, w, K, N), linearBind(w, x, y));

  push('embed', 'embed', -1, plan('embed', { M, D, V: c.vocabSize, positions: llama ? 0 : c.maxPositions, pos0 }), {
    ids: 'ids', E: 'tokEmb', P: llama ? 'dummy' : 'posEmb', X: 'xa',
  });
  const norm = (id: string, layer: number, w: string, x: string, y: string, rows = M, r0 = 0, Mo = M) => {
    if (llama) push(id, 'norm', layer, plan('rmsnorm', { M: Mo, D, rows, r0, eps: c.normEps }), { X: x, w, Y: y });
    else push(id, 'norm', layer, plan('layernorm', { M: Mo, D, rows, r0, eps: c.normEps }), { X: x, w, b: `${w}B`, Y: y });
  };
  for (let l = 0; l < c.nLayers; l++) {
    const L = (w: string) => layerBuf(l, w);
    norm(`L${l}.attn-norm`, l, L('attnNorm'), 'xa', 'xn');
    const bias = c.qkvBias;
    const qkvBind: Record<string, string> = { X: 'xn', Q: 'q', K: 'k', V: 'v', [bias ? 'bias' : 'biasUnused']: bias ? L('bqkv') : 'dummy' };
    if (int8) Object.assign(qkvBind, { Wq: L('wqkv.q'), wScale: L('wqkv.scale') });
    else qkvBind.W = L('wqkv');
    const gq = s.ggml?.[L('wqkv')];
    if (gq) {
      // ggml blocks: q, k and v (each its own GGUF tensor and format) by three matmuls into the head-major Q, K, V
      gq.forEach((part, i) => {
        push(`L${l}.qkv${['', '-k', '-v'][i]}`, 'qkv', l, plan('matmul-gguf', { M, N: part.N, K: D, format: part.format, dh }, 'auto'), { X: 'xn', W: ggufBuf(L('wqkv'), i), Y: ['q', 'k', 'v'][i] });
      });
    } else push(`L${l}.qkv`, 'qkv', l, plan('qkv', { M, D, Hq, Hkv, dh, bias, ...(M <= 16 ? SMALL_TILES : {}) }, 'auto', int8 ? 'fused-w8' : undefined), qkvBind);
    const ropeOp = (id: string, family: OpFamily, H: number, x: string, y: string, Cy: number, out0: number, rotate: boolean) =>
      push(id, family, l, plan('rope', { H, M, dh, C: Cy, pos0, out0, positions: C, rotate }), { X: x, T: rotate ? 'ropeTable' : 'dummy', Y: y });
    const qName = llama ? 'qr' : 'q';
    if (llama) ropeOp(`L${l}.rope-q`, 'rope', Hq, 'q', 'qr', M, 0, true);
    if (s.phase === 'prefill') {
      // prefill attends over this step's K/V; they go into the cache for the decode steps after it
      const kName = llama ? 'kr' : 'k';
      if (llama) ropeOp(`L${l}.rope-k`, 'rope', Hkv, 'k', 'kr', M, 0, true);
      ropeOp(`L${l}.k-cache`, 'kv-write', Hkv, kName, L('kcache'), C, pos0, false);
      ropeOp(`L${l}.v-cache`, 'kv-write', Hkv, 'v', L('vcache'), C, pos0, false);
      if (pos0 === 0) {
        push(`L${l}.attention`, 'attention', l, plan('attention-prefill', { S: M, Hq, Hkv, dh, causal: true }, 'flash'), { Q: qName, K: kName, V: 'v', O: 'attn' });
      } else {
        // a later chunk of a long prompt: its M queries attend to the pos0 cached keys and its own,
        // read in place from the cache (L = pos0 + M of C keys per head), written just above
        push(`L${l}.attention`, 'attention', l, plan('attention-prefill', { S: M, L: pos0 + M, capacity: C, Hq, Hkv, dh, causal: true }, 'flash'), {
          Q: qName, K: L('kcache'), V: L('vcache'), O: 'attn',
        });
      }
    } else {
      ropeOp(`L${l}.k-cache`, 'kv-write', Hkv, 'k', L('kcache'), C, pos0, llama);
      ropeOp(`L${l}.v-cache`, 'kv-write', Hkv, 'v', L('vcache'), C, pos0, false);
      push(`L${l}.attention`, 'attention', l, plan('attention-decode', { B: 1, L: pos0 + 1, Hq, Hkv, dh, split: DECODE_SPLIT, capacity: C }, 'split'), {
        q: qName, k_cache: L('kcache'), v_cache: L('vcache'), partial: 'partial', o: 'attn',
      });
    }
    linear(`L${l}.o-proj`, 'o-proj', l, L('wo'), Nq, D, 'attn', 'proj');
    push(`L${l}.attn-residual`, 'residual', l, plan('residual-add', { M, D, bias: !llama }), { X: 'xa', Y: 'proj', b: llama ? 'dummy' : L('bo'), Z: 'xb' });
    norm(`L${l}.ffn-norm`, l, L('ffnNorm'), 'xb', 'xn');
    if (llama) {
      linear(`L${l}.ffn-up`, 'ffn-up', l, L('wUp'), D, 2 * F, 'xn', 'gu');
      push(`L${l}.silu-mul`, 'activation', l, plan('silu-mul', { M, F }), { GU: 'gu', H: 'h' });
    } else {
      linear(`L${l}.ffn-up`, 'ffn-up', l, L('wUp'), D, F, 'xn', 'gu');
      push(`L${l}.gelu`, 'activation', l, plan('gelu', { M, F }), { U: 'gu', b: L('bUp'), H: 'h' });
    }
    linear(`L${l}.ffn-down`, 'ffn-down', l, L('wDown'), F, D, 'h', 'proj');
    push(`L${l}.ffn-residual`, 'residual', l, plan('residual-add', { M, D, bias: !llama }), { X: 'xb', Y: 'proj', b: llama ? 'dummy' : L('bDown'), Z: 'xa' });
  }
  norm('final-norm', -1, 'outNorm', 'xa', 'xf', M, M - 1, 1);
  // the LM head runs for the last token only (M = 1)
  push('lm-head', 'lm-head', -1, linearOp(1, 'lmHead', D, c.vocabSize), linearBind('lmHead', 'xf', 'logits'));
  push('sample', 'sample', -1, plan('sample', { V: c.vocabSize, k: s.topK, temperature: s.temperature, u: s.u }), { logits: 'logits', out: 'sampled' });
  return ops;
}
