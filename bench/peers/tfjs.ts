// Peer: TensorFlow.js with its WebGPU backend, on OUR GPUDevice (same device, same queue).
// matmul = tf.matMul; attention = matMul·scale (+ causal mask) → softmax → matMul, with GQA done by
// folding the query heads of one KV head into rows (no K/V copies). No int8 matmul in TF.js.
// Inputs are uploaded once, outside the timed region; outputs are read back after timing.
// Timer: wall time around queue.onSubmittedWorkDone() (TF.js records its own passes; we cannot
// bracket them with timestamps), after backend.submitQueue() flushes TF.js's pending commands.

import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { BenchCase, PeerOp } from '../suites.ts';
import type { PeerRunner, RunOptions } from '../measure.ts';
import type { PeerRow } from '../report.ts';
import { failedRow } from '../report.ts';
import { peerShape } from '../suites.ts';
import { attentionInputs, attentionRef, matmulInputs, matmulReference, peerRow, wallTime } from './common.ts';

const BACKEND = 'webgpu';

/** Registers TF.js's WebGPU backend on `device` (replacing the one that would make its own device). */
export async function createTfjsPeer(device: GPUDevice, adapterInfo?: GPUAdapterInfo): Promise<PeerRunner> {
  tf.removeBackend(BACKEND);
  let backend: WebGPUBackend | null = null;
  tf.registerBackend(BACKEND, () => (backend = new WebGPUBackend(device, adapterInfo)), 10);
  if (!(await tf.setBackend(BACKEND))) throw new Error('TensorFlow.js could not initialise its WebGPU backend on our device');
  await tf.ready();
  const lib = { library: 'tfjs-webgpu', version: `@tensorflow/tfjs-core ${tf.version_core}` };
  // TF.js keeps one compute pass open across ops and submits every N dispatches; end that pass
  // and submit what is recorded, so onSubmittedWorkDone() covers this call's work.
  const flush = () => {
    const b = backend!;
    if ((b as unknown as { commandEncoder: GPUCommandEncoder | null }).commandEncoder === null) return;
    b.endComputePassEncoder();
    b.submitQueue();
  };

  return {
    ...lib,
    async run(op: PeerOp, c: BenchCase, opts: RunOptions): Promise<PeerRow> {
      if (op.op === 'matmul-int8') {
        return { ...failedRow({ kernel: c.kernel, variant: 'matMul-int8', shape: peerShape(op), dtype: 'i8', caseId: c.id, params: { ...op } }, 'skipped',
          'TensorFlow.js has no int8 matmul (its WebGPU kernels are f32)'), ...lib };
      }
      const keep: tf.Tensor[] = [];
      try {
        if (op.op === 'matmul') {
          const x = matmulInputs(op, opts.seed);
          const a = tf.tensor2d(x.A, [op.M, op.K]);
          const b = tf.tensor2d(x.B, [op.K, op.N]);
          keep.push(a, b);
          const step = () => {
            tf.matMul(a, b).dispose();
            flush();
          };
          const t = await wallTime(device, step, opts);
          const out = tf.matMul(a, b);
          keep.push(out);
          const got = (await out.data()) as Float32Array;
          return peerRow(lib, c, op, 'matMul', 'f32', t, got, matmulReference(op, x.A, x.B), 'tf.matMul, data resident on the GPU');
        }
        const { S, L, Hq, Hkv, dh, causal } = op;
        const g = Hq / Hkv;
        const x = attentionInputs(op, opts.seed);
        // Q [Hq, S, dh] viewed as [Hkv, g·S, dh]: head h = kv·g + j, so a KV head's queries are contiguous.
        const q = tf.tensor3d(x.Q, [Hkv, g * S, dh]);
        const k = tf.tensor3d(x.K, [Hkv, L, dh]);
        const v = tf.tensor3d(x.V, [Hkv, L, dh]);
        keep.push(q, k, v);
        let mask: tf.Tensor | null = null;
        if (causal) {
          const m = new Float32Array(g * S * L);
          for (let r = 0; r < g * S; r++) {
            const i = r % S;
            for (let j = 0; j < L; j++) if (j > L - S + i) m[r * L + j] = -1e30;
          }
          mask = tf.tensor2d(m, [g * S, L]);
          keep.push(mask);
        }
        const scale = tf.scalar(1 / Math.sqrt(dh));
        keep.push(scale);
        const attend = () =>
          tf.tidy(() => {
            let s = tf.mul(tf.matMul(q, k, false, true), scale);
            if (mask) s = tf.add(s, mask);
            return tf.matMul(tf.softmax(s), v);
          });
        const t = await wallTime(device, () => {
          attend().dispose();
          flush();
        }, opts);
        const out = attend();
        keep.push(out);
        const got = (await out.data()) as Float32Array; // [Hkv, g·S, dh] = [Hq, S, dh]
        return peerRow(lib, c, op, 'matMul+softmax+matMul', 'f32', t, got, attentionRef(op, x),
          `composed of tf ops (scores materialized: ${Hq}x${S}x${L} floats)`);
      } finally {
        for (const t of keep) t.dispose();
      }
    },
  };
}
