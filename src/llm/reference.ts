// CPU reference forward pass (f64 accumulation, f32 storage), op for op what the GPU decode loop
// runs: it walks the same op list (forwardOps, src/models/forward.ts) in the same order: embed, norm,
// fused QKV, per-head q/k RMSNorm (Qwen3, Gemma 3), RoPE (each layer's base), KV-cache append, causal attention (each
// layer's window), output projection (+ Gemma 3's post-norm) + residual, norm, SwiGLU, GeGLU or GELU MLP (+ post-norm) +
// residual; final norm and LM head on the last token; with its own math.

import type { ModelConfig } from './config.ts';
import { ropeTable } from './config.ts';
import { layerWindow, localPositions, usesLocalRope } from '../models/config.ts';
import { layerNormRef, rmsNormRef } from '../kernels/norm.ts';
import { ropeRef } from '../kernels/rope.ts';
import { geluRef, siluRef } from '../kernels/elementwise.ts';
import { attentionRef } from '../kernels/attention.ts';
import { linearF32, type Linear, type ModelWeights } from './weights.ts';
import { forwardOps } from '../models/forward.ts';

/** y[m, n] = Σ_k x[m, k] · W[n, k] (+ b[n]); W [N, K] row-major. */
export function linearRef(x: Float32Array, M: number, W: Float32Array, N: number, K: number, b?: Float32Array): Float32Array {
  const y = new Float32Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      const xo = m * K, wo = n * K;
      for (let k = 0; k < K; k++) s += x[xo + k] * W[wo + k];
      y[m * N + n] = s + (b ? b[n] : 0);
    }
  return y;
}

export class CpuModel {
  readonly kCache: Float32Array[];
  readonly vCache: Float32Array[];
  private readonly rope: Float32Array | null;
  /** The windowed layers' own table where their RoPE base differs (Gemma 3's local layers), else null. */
  private readonly ropeLocal: Float32Array | null;
  private readonly dense: Map<Linear, Float32Array> = new Map();
  pos = 0;

  constructor(
    readonly config: ModelConfig,
    readonly weights: ModelWeights,
    readonly capacity: number,
  ) {
    const c = config;
    this.kCache = Array.from({ length: c.nLayers }, () => new Float32Array(c.nKvHeads * capacity * c.headDim));
    this.vCache = Array.from({ length: c.nLayers }, () => new Float32Array(c.nKvHeads * capacity * c.headDim));
    this.rope = c.positions.kind === 'rope' ? ropeTable(c, capacity) : null;
    const local = localPositions(c);
    this.ropeLocal = local ? ropeTable(c, capacity, local) : null;
  }

  private w(l: Linear): Float32Array {
    let d = this.dense.get(l);
    if (!d) this.dense.set(l, (d = linearF32(l)));
    return d;
  }

  private norm(x: Float32Array, M: number, w: Float32Array, b?: Float32Array): Float32Array {
    const c = this.config;
    return c.norm === 'rmsnorm' ? rmsNormRef(x, M, c.dim, w, c.normEps) : layerNormRef(x, M, c.dim, w, b!, c.normEps);
  }

  /**
   * Runs `tokens` at positions pos.., appends them to the cache; returns the last token's logits [V].
   * Walks the GPU loop's op list of the same step (forwardOps: a prompt as one prefill chunk, a single
   * token after it as a decode step), op by op in its order, each with this file's f64-accumulating math.
   */
  forward(tokens: readonly number[]): Float32Array {
    const c = this.config, W = this.weights;
    const M = tokens.length, D = c.dim, dh = c.headDim, Hq = c.nHeads, Hkv = c.nKvHeads, G = Hq / Hkv;
    const Nq = Hq * dh, Nkv = Hkv * dh, N = Nq + 2 * Nkv, F = c.ffnDim, cap = this.capacity;
    if (this.pos + M > cap) throw new Error(`context full: ${this.pos} + ${M} tokens > capacity ${cap}`);
    const phase = M === 1 && this.pos > 0 ? 'decode' : 'prefill';
    const ops = forwardOps(c, { phase, M, pos0: this.pos, capacity: cap, int8: false, topK: 1, temperature: 0, u: 0 });
    const scale = Math.fround(1 / Math.sqrt(dh));
    const embedScale = Math.fround(c.embedScale ?? 1);
    // the residual stream, and the activations between ops (the GPU loop's buffers)
    const x = new Float32Array(M * D);
    let xn: Float32Array = x, qkv: Float32Array = x, q = new Float32Array(M * Nq), o: Float32Array = q, proj: Float32Array = x, gu: Float32Array = x, h: Float32Array = x, xf: Float32Array = x, logits: Float32Array = new Float32Array(0);
    // K with RoPE applied, per token (prefill: rope-k; decode: the cache write rotates it)
    let kRot: Float32Array | null = null;
    // the cos/sin table of the op's layer (RoPE base per layer: Gemma 3)
    let rope = this.rope;
    const rotK = () => {
      if (kRot) return kRot;
      kRot = new Float32Array(M * Nkv);
      for (let m = 0; m < M; m++)
        for (let hh = 0; hh < Hkv; hh++) {
          const ko = m * N + Nq + hh * dh;
          if (rope) ropeRef(qkv, ko, dh, rope, this.pos + m, kRot, m * Nkv + hh * dh);
          else kRot.set(qkv.subarray(ko, ko + dh), m * Nkv + hh * dh);
        }
      return kRot;
    };
    for (const op of ops) {
      const L = op.layer >= 0 ? W.layers[op.layer] : undefined;
      if (L) rope = usesLocalRope(c, op.layer) ? this.ropeLocal : this.rope;
      switch (op.name) {
        case 'embed':
          // a split embedding's parts are rows of one table: the whole gather at the first part
          if (op.plan.params.v0) break;
          for (let m = 0; m < M; m++) {
            x.set(W.tokEmb.subarray(tokens[m] * D, (tokens[m] + 1) * D), m * D);
            if (embedScale !== 1) for (let d = 0; d < D; d++) x[m * D + d] = Math.fround(x[m * D + d] * embedScale);
            if (W.posEmb) for (let d = 0; d < D; d++) x[m * D + d] += W.posEmb[(this.pos + m) * D + d];
          }
          break;
        case 'attn-norm': xn = this.norm(x, M, L!.attnNorm, L!.attnNormB); break;
        case 'ffn-norm': xn = this.norm(x, M, L!.ffnNorm, L!.ffnNormB); break;
        case 'qkv': qkv = linearRef(xn, M, this.w(L!.wqkv), N, D, L!.bqkv); kRot = null; break;
        // RMSNorm of each q head (columns [0, Nq) of a token's row) or k head (columns [Nq, Nq + Nkv)), in place
        case 'q-norm': this.headNorm(qkv, M, N, 0, Hq, L!.qNorm!); break;
        case 'k-norm': this.headNorm(qkv, M, N, Nq, Hkv, L!.kNorm!); kRot = null; break;
        case 'rope-q':
          q = new Float32Array(M * Nq);
          for (let m = 0; m < M; m++)
            for (let hh = 0; hh < Hq; hh++) {
              if (rope) ropeRef(qkv, m * N + hh * dh, dh, rope, this.pos + m, q, m * Nq + hh * dh);
              else q.set(qkv.subarray(m * N + hh * dh, m * N + (hh + 1) * dh), m * Nq + hh * dh);
            }
          break;
        case 'rope-k': rotK(); break;
        case 'k-cache': {
          const kr = rotK(), kc = this.kCache[op.layer];
          for (let m = 0; m < M; m++) for (let hh = 0; hh < Hkv; hh++) kc.set(kr.subarray(m * Nkv + hh * dh, m * Nkv + (hh + 1) * dh), (hh * cap + this.pos + m) * dh);
          break;
        }
        case 'v-cache': {
          const vc = this.vCache[op.layer];
          for (let m = 0; m < M; m++)
            for (let hh = 0; hh < Hkv; hh++) {
              const vo = m * N + Nq + Nkv + hh * dh;
              vc.set(qkv.subarray(vo, vo + dh), (hh * cap + this.pos + m) * dh);
            }
          break;
        }
        case 'attention': {
          // without RoPE no rope-q op runs: the queries are the QKV's first Nq columns
          if (!this.rope) {
            q = new Float32Array(M * Nq);
            for (let m = 0; m < M; m++) q.set(qkv.subarray(m * N, m * N + Nq), m * Nq);
          }
          o = this.attention(q, op.layer, M, scale, G);
          break;
        }
        case 'o-proj': proj = linearRef(o, M, this.w(L!.wo), D, Nq, L!.bo); break;
        // Gemma 3: the block's output RMS-normed before its residual add
        case 'post-attn-norm': proj = this.norm(proj, M, L!.postAttnNorm!); break;
        case 'post-ffn-norm': proj = this.norm(proj, M, L!.postFfnNorm!); break;
        case 'attn-residual': case 'ffn-residual': for (let i = 0; i < M * D; i++) x[i] += proj[i]; break;
        case 'ffn-up': gu = c.mlp !== 'gelu' ? linearRef(xn, M, this.w(L!.wUp), 2 * F, D) : linearRef(xn, M, this.w(L!.wUp), F, D, L!.bUp); break;
        // a gated MLP: act(gate)·up over [gate | up] rows (SwiGLU: silu, GeGLU: GELU)
        case 'silu-mul': case 'gelu-mul': {
          const act = op.name === 'silu-mul' ? siluRef : geluRef;
          h = new Float32Array(M * F);
          for (let m = 0; m < M; m++) for (let f = 0; f < F; f++) h[m * F + f] = act(gu[m * 2 * F + f]) * gu[m * 2 * F + F + f];
          break;
        }
        case 'gelu': h = gu.map(geluRef); break;
        case 'ffn-down': proj = linearRef(h, M, this.w(L!.wDown), D, F, L!.bDown); break;
        case 'final-norm': xf = this.norm(x.subarray((M - 1) * D, M * D), 1, W.outNorm, W.outNormB); break;
        case 'lm-head':
          // a split head's parts are columns of one product: all of them at the first part (no offset)
          if (!op.offsets) logits = linearRef(xf, 1, this.w(W.lmHead), c.vocabSize, D);
          break;
        case 'sample': break; // the caller samples from the logits
        default: throw new Error(`CPU reference: no math for op ${op.id} (${op.family})`);
      }
    }
    this.pos += M;
    return logits;
  }

  /** RMSNorm (the config's eps) of H heads of dh per row of `qkv` [M, N] from column c0, gain w [dh], in place. */
  private headNorm(qkv: Float32Array, M: number, N: number, c0: number, H: number, w: Float32Array): void {
    const dh = this.config.headDim;
    for (let m = 0; m < M; m++) {
      const o = m * N + c0;
      qkv.set(rmsNormRef(qkv.subarray(o, o + H * dh), H, dh, w, this.config.normEps), o);
    }
  }

  /**
   * Causal attention of M queries at positions pos.. over the layer's cache (which holds them already): [M, Hq·dh].
   * The kernels' CPU reference (attentionRef) on the cached keys 0..pos+M−1; with a sliding window W
   * (Mistral, Qwen2; Gemma 3's windowed layers; read from the config, not from the op list) the query at position p
   * sees keys p − W + 1..p.
   */
  private attention(q: Float32Array, layer: number, M: number, scale: number, G: number): Float32Array {
    const c = this.config, dh = c.headDim, Hq = c.nHeads, Hkv = c.nKvHeads, cap = this.capacity;
    const Skv = this.pos + M;
    // the cache's first Skv rows of each KV head, [Hkv, Skv, dh] (the cache is [Hkv, capacity, dh])
    const cached = (cache: Float32Array) => {
      const out = new Float32Array(Hkv * Skv * dh);
      for (let kv = 0; kv < Hkv; kv++) out.set(cache.subarray(kv * cap * dh, (kv * cap + Skv) * dh), kv * Skv * dh);
      return out;
    };
    // the queries head-major, [Hq, M, dh]
    const Q = new Float32Array(M * Hq * dh);
    for (let m = 0; m < M; m++) for (let h = 0; h < Hq; h++) Q.set(q.subarray((m * Hq + h) * dh, (m * Hq + h + 1) * dh), (h * M + m) * dh);
    return attentionRef(Q, cached(this.kCache[layer]), cached(this.vCache[layer]), { Sq: M, Skv, H: Hq, G, dh, causal: true, scale, window: layerWindow(c, layer) });
  }
}
