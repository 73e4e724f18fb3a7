// Peer: ONNX Runtime Web with its WebGPU execution provider, on OUR GPUDevice (ort.env.webgpu.device).
// Each op is a one-node ONNX model (bench/peers/onnx.ts):
//   matmul      -> MatMul (A and B are graph inputs, both GPU buffers)
//   matmul-int8 -> com.microsoft MatMulNBits, bits=8, block_size=32, accuracy_level=4 (int8
//                  activations: the level that selects its DP4A kernel); weights are initializers
//   attention   -> com.microsoft GroupQueryAttention (causal; decode = 1 query against L-1 past keys
//                  plus the new one)
// Inputs are our GPUBuffers (Tensor.fromGpuBuffer), outputs stay on the GPU
// (preferredOutputLocation 'gpu-buffer') and are read back after timing.
// Timer: wall time around queue.onSubmittedWorkDone() over session.run() calls.

import type * as Ort from 'onnxruntime-web';
import type { BenchCase, PeerOp } from '../suites.ts';
import type { PeerRunner, RunOptions } from '../measure.ts';
import { failedRow, type PeerRow } from '../report.ts';
import { peerShape } from '../suites.ts';
import { buildOneNodeModel, DT, type OneNodeModel } from './onnx.ts';
import {
  attentionInputs, attentionRef, headMajorToTokenMajor, int8Inputs, INT8_BLOCK, matmulInputs, matmulReference,
  peerRow, tokenMajorToHeadMajor, wallTime,
} from './common.ts';

type OrtModule = typeof Ort;

export async function createOrtPeer(ort: OrtModule, device: GPUDevice): Promise<PeerRunner> {
  ort.env.webgpu.device = device;
  ort.env.wasm.numThreads = 1; // no cross-origin isolation on the bench page, so no SharedArrayBuffer
  const lib = { library: 'onnxruntime-web', version: `${ort.env.versions?.web ?? '?'} (webgpu EP)` };

  const gpuTensor = (owned: GPUBuffer[], data: Float32Array, dims: number[]) => {
    const buf = device.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buf, 0, data as Float32Array<ArrayBuffer>);
    owned.push(buf);
    return ort.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims });
  };

  async function timeModel(model: OneNodeModel, feeds: Record<string, Ort.Tensor>, opts: RunOptions, output: string) {
    const session = await ort.InferenceSession.create(buildOneNodeModel(model), {
      executionProviders: [{ name: 'webgpu', device } as Ort.InferenceSession.WebGpuExecutionProviderOption],
      preferredOutputLocation: 'gpu-buffer',
    });
    try {
      const step = async () => {
        const r = await session.run(feeds);
        for (const t of Object.values(r)) t.dispose();
      };
      const t = await wallTime(device, step, opts);
      const r = await session.run(feeds);
      const got = (await r[output].getData()) as Float32Array;
      for (const v of Object.values(r)) v.dispose();
      return { t, got: new Float32Array(got) };
    } finally {
      await session.release();
    }
  }

  return {
    ...lib,
    async run(op: PeerOp, c: BenchCase, opts: RunOptions): Promise<PeerRow> {
      const owned: GPUBuffer[] = [];
      try {
        if (op.op === 'matmul') {
          const { M, N, K } = op;
          const x = matmulInputs(op, opts.seed);
          const model: OneNodeModel = {
            opType: 'MatMul', domain: '', nodeInputs: ['A', 'B'], nodeOutputs: ['C'], attributes: {},
            inputs: [{ name: 'A', elemType: DT.FLOAT, dims: [M, K] }, { name: 'B', elemType: DT.FLOAT, dims: [K, N] }],
            outputs: [{ name: 'C', elemType: DT.FLOAT, dims: [M, N] }],
          };
          const { t, got } = await timeModel(model, { A: gpuTensor(owned, x.A, [M, K]), B: gpuTensor(owned, x.B, [K, N]) }, opts, 'C');
          return peerRow(lib, c, op, 'MatMul', 'f32', t, got, matmulReference(op, x.A, x.B), 'one-node MatMul, inputs are GPU buffers');
        }
        if (op.op === 'matmul-int8') {
          const { M, N, K } = op;
          const x = int8Inputs(op, opts.seed);
          const blocks = K / INT8_BLOCK;
          const model: OneNodeModel = {
            opType: 'MatMulNBits', domain: 'com.microsoft', nodeInputs: ['A', 'B', 'scales'], nodeOutputs: ['Y'],
            attributes: { K: { int: K }, N: { int: N }, bits: { int: 8 }, block_size: { int: INT8_BLOCK }, accuracy_level: { int: 4 } },
            inputs: [{ name: 'A', elemType: DT.FLOAT, dims: [M, K] }],
            outputs: [{ name: 'Y', elemType: DT.FLOAT, dims: [M, N] }],
            initializers: [
              { name: 'B', dataType: DT.UINT8, dims: [N, blocks, INT8_BLOCK], data: x.Wq },
              { name: 'scales', dataType: DT.FLOAT, dims: [N * blocks], data: new Uint8Array(x.wScale.buffer) },
            ],
          };
          const { t, got } = await timeModel(model, { A: gpuTensor(owned, x.A, [M, K]) }, opts, 'Y');
          return peerRow(lib, c, op, 'MatMulNBits-8bit-acc4', 'f32 x int8', t, got, matmulReference(op, x.A, x.Bdeq),
            'MatMulNBits bits=8 block 32 accuracy_level=4 (DP4A path), weights as initializers');
        }
        const { S, L, Hq, Hkv, dh, causal } = op;
        if (!causal && S > 1) {
          return { ...failedRow({ kernel: c.kernel, variant: 'GroupQueryAttention', shape: peerShape(op), dtype: 'f32', caseId: c.id, params: { ...op } }, 'skipped',
            'GroupQueryAttention is causal only; a non-causal multi-query case has no ORT peer here'), ...lib };
        }
        const x = attentionInputs(op, opts.seed);
        const q = headMajorToTokenMajor(x.Q, Hq, S, dh); // [S, Hq·dh]
        const past = L - S;
        // new keys/values = the last S positions; past = the first L-S, in [Hkv, past, dh] (BNSH)
        const newKV = (src: Float32Array) => {
          const part = new Float32Array(Hkv * S * dh);
          for (let h = 0; h < Hkv; h++) part.set(src.subarray((h * L + past) * dh, (h * L + L) * dh), h * S * dh);
          return headMajorToTokenMajor(part, Hkv, S, dh);
        };
        const pastKV = (src: Float32Array) => {
          const part = new Float32Array(Hkv * past * dh);
          for (let h = 0; h < Hkv; h++) part.set(src.subarray(h * L * dh, (h * L + past) * dh), h * past * dh);
          return part;
        };
        const feeds: Record<string, Ort.Tensor> = {
          query: gpuTensor(owned, q, [1, S, Hq * dh]),
          key: gpuTensor(owned, newKV(x.K), [1, S, Hkv * dh]),
          value: gpuTensor(owned, newKV(x.V), [1, S, Hkv * dh]),
          seqlens_k: new ort.Tensor('int32', Int32Array.from([L - 1]), [1]),
          total_sequence_length: new ort.Tensor('int32', Int32Array.from([L]), []),
        };
        if (past > 0) {
          feeds.past_key = gpuTensor(owned, pastKV(x.K), [1, Hkv, past, dh]);
          feeds.past_value = gpuTensor(owned, pastKV(x.V), [1, Hkv, past, dh]);
        }
        const model: OneNodeModel = {
          opType: 'GroupQueryAttention', domain: 'com.microsoft',
          nodeInputs: ['query', 'key', 'value', past > 0 ? 'past_key' : '', past > 0 ? 'past_value' : '', 'seqlens_k', 'total_sequence_length'],
          nodeOutputs: ['output', 'present_key', 'present_value'],
          attributes: { num_heads: { int: Hq }, kv_num_heads: { int: Hkv }, scale: { float: 1 / Math.sqrt(dh) } },
          inputs: [
            { name: 'query', elemType: DT.FLOAT, dims: [1, S, Hq * dh] },
            { name: 'key', elemType: DT.FLOAT, dims: [1, S, Hkv * dh] },
            { name: 'value', elemType: DT.FLOAT, dims: [1, S, Hkv * dh] },
            ...(past > 0 ? [
              { name: 'past_key', elemType: DT.FLOAT, dims: [1, Hkv, past, dh] },
              { name: 'past_value', elemType: DT.FLOAT, dims: [1, Hkv, past, dh] },
            ] : []),
            { name: 'seqlens_k', elemType: DT.INT32, dims: [1] },
            { name: 'total_sequence_length', elemType: DT.INT32, dims: [] },
          ],
          outputs: [
            { name: 'output', elemType: DT.FLOAT, dims: [1, S, Hq * dh] },
            // symbolic: ORT infers the present length from past_key alone (L-1), the run makes it L
            { name: 'present_key', elemType: DT.FLOAT, dims: [1, Hkv, 'present_len', dh] },
            { name: 'present_value', elemType: DT.FLOAT, dims: [1, Hkv, 'present_len', dh] },
          ],
        };
        const { t, got } = await timeModel(model, feeds, opts, 'output');
        return peerRow(lib, c, op, 'GroupQueryAttention', 'f32', t, tokenMajorToHeadMajor(got, Hq, S, dh), attentionRef(op, x),
          `GroupQueryAttention ${past > 0 ? `with ${past} past keys (also writes present K/V)` : 'prefill, no past'}`);
      } finally {
        for (const b of owned) b.destroy();
      }
    },
  };
}
