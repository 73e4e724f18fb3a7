// The Node runtime: our kernels through Dawn (the `webgpu` package). Peers need a browser WebGPU
// (TensorFlow.js and ONNX Runtime Web), so they run only in the browser runtime.

import { nodeGpuContext } from '../src/gpu/node.ts';
import { KERNELS } from '../src/kernels/registry.ts';
import { runSuite, type Progress, type RunOptions } from './measure.ts';
import type { BenchReport } from './report.ts';
import type { Suite } from './suites.ts';

export async function runNode(suite: Suite, opts: RunOptions, progress: Progress): Promise<BenchReport> {
  let ctx;
  try {
    ctx = await nodeGpuContext();
  } catch (e) {
    return { tool: 'jalapeno-bench', suite: suite.name, startedAt: new Date().toISOString(), device: null, deviceError: (e as Error).message, results: [], peers: [] };
  }
  return runSuite({ ctx, suite, kernels: KERNELS, opts, progress });
}
