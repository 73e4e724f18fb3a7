// What both peers share: seeded inputs for a PeerOp, the CPU reference they are checked against,
// wall timing around queue.onSubmittedWorkDone(), and turning a measurement into a PeerRow.
//
// matmul and int8 matmul are checked with our matmul kernel's CPU reference (src/kernels/matmul.ts,
// f64 accumulation); the int8 case against the dequantized weights, since the peer's weights are
// exactly those. Attention is checked with attentionRef below (f64, two-pass softmax).

import { compareArrays } from '../../src/kernels/compare.ts';
import { randomF32, type Tolerance } from '../../src/kernels/kernel.ts';
import { matmulRef } from '../../src/kernels/matmul.ts';
import { quantizeColumns } from '../../src/kernels/quant.ts';
import { summarize } from '../../src/gpu/timing.ts';
import type { BenchCase, PeerOp } from '../suites.ts';
import { peerFlops, peerIoBytes, peerShape } from '../suites.ts';
import type { PeerRow } from '../report.ts';
import type { RunOptions } from '../measure.ts';

export const INT8_BLOCK = 32;

export interface MatmulInputs {
  A: Float32Array; // [M, K]
  B: Float32Array; // [K, N]
}

export interface Int8Inputs {
  A: Float32Array; // [M, K]
  /** [N, K/32, 32] uint8 = q + 128 (ONNX MatMulNBits layout, default zero point 128) */
  Wq: Uint8Array;
  /** [N, K/32] scales of Wq (the project's one name for a quantized pair: Wq + wScale) */
  wScale: Float32Array;
  /** dequant(Wq) as [K, N] row-major, what the peer must multiply by */
  Bdeq: Float32Array;
}

export interface AttentionInputs {
  Q: Float32Array; // [Hq, S, dh]
  K: Float32Array; // [Hkv, L, dh]
  V: Float32Array; // [Hkv, L, dh]
}

export function matmulInputs(p: { M: number; N: number; K: number }, seed: number): MatmulInputs {
  return { A: randomF32(p.M * p.K, seed), B: randomF32(p.K * p.N, seed + 1) };
}

/**
 * Symmetric int8 per 32-block along K of each output column, with the kernels' own quantizer
 * (src/kernels/quant.ts, the recipe the GPU's quantize pass uses), laid out for ONNX MatMulNBits.
 */
export function int8Inputs(p: { M: number; N: number; K: number }, seed: number): Int8Inputs {
  const { M, N, K } = p;
  if (K % INT8_BLOCK !== 0) throw new Error(`int8 peer op needs K a multiple of ${INT8_BLOCK}, got ${K}`);
  const A = randomF32(M * K, seed);
  const W = randomF32(K * N, seed + 1); // [K, N]
  const blocks = K / INT8_BLOCK;
  const { q, scale } = quantizeColumns(W, K, N, INT8_BLOCK); // q [K, N], scale [blocks, N]
  const Wq = new Uint8Array(N * K);
  const wScale = new Float32Array(N * blocks);
  const Bdeq = new Float32Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) wScale[n * blocks + b] = scale[b * N + n];
    for (let k = 0; k < K; k++) {
      Wq[n * K + k] = q[k * N + n] + 128;
      Bdeq[k * N + n] = q[k * N + n] * scale[Math.floor(k / INT8_BLOCK) * N + n];
    }
  }
  return { A, Wq, wScale, Bdeq };
}

export function attentionInputs(p: Extract<PeerOp, { op: 'attention' }>, seed: number): AttentionInputs {
  return {
    Q: randomF32(p.Hq * p.S * p.dh, seed),
    K: randomF32(p.Hkv * p.L * p.dh, seed + 1),
    V: randomF32(p.Hkv * p.L * p.dh, seed + 2),
  };
}

/** O[Hq, S, dh] = softmax(Q·Kᵀ/√dh, causal: query i sees keys 0..L-S+i) · V, in f64. */
export function attentionRef(p: Extract<PeerOp, { op: 'attention' }>, x: AttentionInputs): Float32Array {
  const { S, L, Hq, Hkv, dh, causal } = p;
  const g = Hq / Hkv;
  const out = new Float32Array(Hq * S * dh);
  const scale = 1 / Math.sqrt(dh);
  const sc = new Float64Array(L);
  const acc = new Float64Array(dh);
  for (let h = 0; h < Hq; h++) {
    const kv = Math.floor(h / g);
    for (let i = 0; i < S; i++) {
      const last = causal ? Math.min(L - 1, L - S + i) : L - 1;
      let mx = -Infinity;
      for (let j = 0; j <= last; j++) {
        let s = 0;
        for (let d = 0; d < dh; d++) s += x.Q[(h * S + i) * dh + d] * x.K[(kv * L + j) * dh + d];
        sc[j] = s * scale;
        mx = Math.max(mx, sc[j]);
      }
      let sum = 0;
      acc.fill(0);
      for (let j = 0; j <= last; j++) {
        const e = Math.exp(sc[j] - mx);
        sum += e;
        for (let d = 0; d < dh; d++) acc[d] += e * x.V[(kv * L + j) * dh + d];
      }
      for (let d = 0; d < dh; d++) out[(h * S + i) * dh + d] = acc[d] / sum;
    }
  }
  return out;
}

export function matmulReference(p: { M: number; N: number; K: number }, A: Float32Array, B: Float32Array): Float32Array {
  return matmulRef(A, B, p.M, p.N, p.K);
}

/** Tolerances for peers' outputs: f32 like our matmul; int8 activations cost ~1% of the row scale. */
export function peerTolerance(op: PeerOp): Tolerance {
  if (op.op === 'matmul') return { atol: 1e-4 * Math.sqrt(op.K), rtol: 1e-4 };
  if (op.op === 'matmul-int8') return { atol: 2e-2 * Math.sqrt(op.K), rtol: 2e-2 };
  return { atol: 1e-4, rtol: 1e-3 };
}

/**
 * Wall time of `reps` calls of `step` followed by one queue.onSubmittedWorkDone(): the method we
 * can apply to a library whose dispatches we cannot bracket with timestamps. Warm-up first.
 */
export async function wallTime(device: GPUDevice, step: () => Promise<void> | void, opts: RunOptions): Promise<{ samplesMs: number[]; reps: number }> {
  for (let i = 0; i < Math.max(1, opts.warmup); i++) {
    await step();
    await device.queue.onSubmittedWorkDone();
  }
  let reps = typeof opts.reps === 'number' ? opts.reps : 1;
  if (opts.reps === 'auto') {
    const t0 = performance.now();
    await step();
    await device.queue.onSubmittedWorkDone();
    reps = Math.max(1, Math.min(64, Math.round(2 / Math.max(performance.now() - t0, 1e-3))));
  }
  const samplesMs: number[] = [];
  for (let s = 0; s < opts.samples; s++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) await step();
    await device.queue.onSubmittedWorkDone();
    samplesMs.push((performance.now() - t0) / reps);
  }
  return { samplesMs, reps };
}

export function peerRow(
  lib: { library: string; version: string },
  c: BenchCase,
  op: PeerOp,
  variant: string,
  dtype: string,
  t: { samplesMs: number[]; reps: number },
  got: Float32Array,
  ref: Float32Array,
  note: string,
): PeerRow {
  const cmp = compareArrays('out', got, ref, peerTolerance(op));
  const st = summarize(t.samplesMs);
  const s = st.medianMs / 1e3;
  return {
    library: lib.library,
    version: lib.version,
    kernel: c.kernel,
    variant,
    shape: peerShape(op),
    dtype,
    ...st,
    gflops: peerFlops(op) / s / 1e9,
    gbps: peerIoBytes(op) / s / 1e9,
    maxAbsErr: cmp.maxAbsErr,
    ok: cmp.ok,
    timer: 'wall',
    shareUrl: null,
    status: cmp.ok ? 'ok' : 'fail',
    note: cmp.ok ? `${note}; wall time around onSubmittedWorkDone(), ${t.reps} call(s) per sample` : `output differs from the CPU reference: ${cmp.summary}`,
    caseId: c.id,
    params: { ...op },
    reps: t.reps,
    quantized: false,
  };
}

/** [H, S, dh] head-major -> [S, H·dh] token-major (ONNX attention ops' layout), and back. */
export function headMajorToTokenMajor(x: Float32Array, H: number, S: number, dh: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let h = 0; h < H; h++) for (let s = 0; s < S; s++) for (let d = 0; d < dh; d++) out[(s * H + h) * dh + d] = x[(h * S + s) * dh + d];
  return out;
}

export function tokenMajorToHeadMajor(x: Float32Array, H: number, S: number, dh: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let h = 0; h < H; h++) for (let s = 0; s < S; s++) for (let d = 0; d < dh; d++) out[(h * S + s) * dh + d] = x[(s * H + h) * dh + d];
  return out;
}
