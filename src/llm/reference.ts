// CPU reference forward pass (f64 accumulation, f32 storage), op for op what the GPU decode loop
// runs: embed, norm, fused QKV, RoPE, KV-cache append, causal attention, output projection +
// residual, norm, SwiGLU or GELU MLP + residual; final norm and LM head on the last token.

import type { ModelConfig } from './config.ts';
import { ropeTable } from './config.ts';
import { layerNormRef, rmsNormRef } from '../kernels/norm.ts';
import { ropeRef } from '../kernels/rope.ts';
import { geluRef, siluRef } from '../kernels/elementwise.ts';
import { linearF32, type Linear, type ModelWeights } from './weights.ts';

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

  /** Runs `tokens` at positions pos.., appends them to the cache; returns the last token's logits [V]. */
  forward(tokens: readonly number[]): Float32Array {
    const c = this.config, W = this.weights;
    const M = tokens.length, D = c.dim, dh = c.headDim, Hq = c.nHeads, Hkv = c.nKvHeads, G = Hq / Hkv;
    const Nq = Hq * dh, Nkv = Hkv * dh, N = Nq + 2 * Nkv, F = c.ffnDim, cap = this.capacity;
    if (this.pos + M > cap) throw new Error(`context full: ${this.pos} + ${M} tokens > capacity ${cap}`);
    const x = new Float32Array(M * D);
    for (let m = 0; m < M; m++) {
      x.set(W.tokEmb.subarray(tokens[m] * D, (tokens[m] + 1) * D), m * D);
      if (W.posEmb) for (let d = 0; d < D; d++) x[m * D + d] += W.posEmb[(this.pos + m) * D + d];
    }
    const scale = Math.fround(1 / Math.sqrt(dh));
    for (let l = 0; l < c.nLayers; l++) {
      const L = W.layers[l];
      const xn = this.norm(x, M, L.attnNorm, L.attnNormB);
      const qkv = linearRef(xn, M, this.w(L.wqkv), N, D, L.bqkv);
      const q = new Float32Array(M * Nq);
      const kc = this.kCache[l], vc = this.vCache[l];
      for (let m = 0; m < M; m++) {
        const p = this.pos + m;
        for (let h = 0; h < Hq; h++) {
          if (this.rope) ropeRef(qkv, m * N + h * dh, dh, this.rope, p, q, m * Nq + h * dh);
          else q.set(qkv.subarray(m * N + h * dh, m * N + (h + 1) * dh), m * Nq + h * dh);
        }
        for (let h = 0; h < Hkv; h++) {
          const ko = m * N + Nq + h * dh, vo = m * N + Nq + Nkv + h * dh, co = (h * cap + p) * dh;
          if (this.rope) ropeRef(qkv, ko, dh, this.rope, p, kc, co);
          else kc.set(qkv.subarray(ko, ko + dh), co);
          vc.set(qkv.subarray(vo, vo + dh), co);
        }
      }
      const o = new Float32Array(M * Nq);
      const s = new Float64Array(cap);
      // sliding window (Mistral, Qwen2): the query at position p sees keys p − win + 1..p
      const win = c.attentionWindow ?? 0;
      for (let m = 0; m < M; m++) {
        const n = this.pos + m + 1;
        const j0 = win > 0 ? Math.max(0, n - win) : 0;
        for (let h = 0; h < Hq; h++) {
          const kv = Math.floor(h / G);
          let mx = -Infinity;
          for (let j = j0; j < n; j++) {
            let dot = 0;
            for (let d = 0; d < dh; d++) dot += q[m * Nq + h * dh + d] * kc[(kv * cap + j) * dh + d];
            s[j] = dot * scale;
            if (s[j] > mx) mx = s[j];
          }
          let sum = 0;
          for (let j = j0; j < n; j++) sum += (s[j] = Math.exp(s[j] - mx));
          for (let d = 0; d < dh; d++) {
            let acc = 0;
            for (let j = j0; j < n; j++) acc += s[j] * vc[(kv * cap + j) * dh + d];
            o[m * Nq + h * dh + d] = acc / sum;
          }
        }
      }
      const attn = linearRef(o, M, this.w(L.wo), D, Nq, L.bo);
      for (let i = 0; i < M * D; i++) x[i] += attn[i];
      const xn2 = this.norm(x, M, L.ffnNorm, L.ffnNormB);
      let h: Float32Array;
      if (c.mlp === 'swiglu') {
        const gu = linearRef(xn2, M, this.w(L.wUp), 2 * F, D);
        h = new Float32Array(M * F);
        for (let m = 0; m < M; m++) for (let f = 0; f < F; f++) h[m * F + f] = siluRef(gu[m * 2 * F + f]) * gu[m * 2 * F + F + f];
      } else {
        h = linearRef(xn2, M, this.w(L.wUp), F, D, L.bUp);
        for (let i = 0; i < h.length; i++) h[i] = geluRef(h[i]);
      }
      const down = linearRef(h, M, this.w(L.wDown), D, F, L.bDown);
      for (let i = 0; i < M * D; i++) x[i] += down[i];
    }
    this.pos += M;
    const last = x.subarray((M - 1) * D, M * D);
    const xf = this.norm(last, 1, W.outNorm, W.outNormB);
    return linearRef(xf, 1, this.w(W.lmHead), c.vocabSize, D);
  }
}
