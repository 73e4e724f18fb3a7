// The bench page: runs a suite on navigator.gpu with our kernels and both peers, for
// bench/browser-runtime.ts, which calls window.__bench(...) through playwright-core.

import { createGpuContext } from '../../src/gpu/context.ts';
import { BROWSER_SHADERS } from '../../src/gpu/browser.ts';
import { KERNELS } from '../../src/kernels/registry.ts';
import { runSuite, type PeerRunner, type RunOptions } from '../measure.ts';
import type { BenchReport } from '../report.ts';
import { suiteByName } from '../suites.ts';
import { createTfjsPeer } from '../peers/tfjs.ts';
import { createOrtPeer } from '../peers/ort.ts';
import type * as Ort from 'onnxruntime-web';
import type { ModelBenchRequest } from './model.ts';

/** A peer that could not start: every case it would have run becomes a failed row with the reason. */
function brokenPeer(library: string, err: unknown): PeerRunner {
  const msg = `${library} failed to initialise: ${(err as Error)?.message ?? String(err)}`;
  return { library, version: '?', run: () => Promise.reject(new Error(msg)) };
}

export interface BenchRequest {
  suite: string;
  opts: RunOptions;
  peers: boolean;
}

declare global {
  interface Window {
    __bench: (req: BenchRequest) => Promise<BenchReport>;
    __benchModel: (req: ModelBenchRequest) => Promise<BenchReport>;
    __benchProgress?: (line: string) => Promise<void>;
  }
}

/**
 * ONNX Runtime's WebGPU attention kernels use subgroup operations that assume a wider subgroup
 * than SwiftShader's 4 lanes: on such an adapter its prompt attention is wrong past the 4th query
 * row. ORT takes its portable path on a device without the 'subgroups' feature, so on a software
 * adapter it gets its own device (the same adapter asked for again, same limits) without it. Elsewhere it shares ours.
 */
async function ortDevice(adapter: GPUAdapter, ours: GPUDevice): Promise<GPUDevice> {
  const info = adapter.info;
  const software = /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
  if (!software || !ours.features.has('subgroups')) return ours;
  const requiredFeatures = [...ours.features].filter((f) => f !== 'subgroups') as GPUFeatureName[];
  const requiredLimits: Record<string, number> = {};
  for (const k of ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage']) {
    requiredLimits[k] = (ours.limits as unknown as Record<string, number>)[k];
  }
  // An adapter makes one device: ask for the same adapter again.
  const again = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!again) return ours;
  return again.requestDevice({ requiredFeatures, requiredLimits });
}

const progress = (line: string) => void window.__benchProgress?.(line);

async function pageGpuContext() {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: start Chromium with --enable-unsafe-webgpu and load the page from 127.0.0.1');
  const ua = navigator.userAgent.match(/(HeadlessChrome|Chrome|Chromium)\/[\d.]+/)?.[0] ?? navigator.userAgent;
  return createGpuContext(navigator.gpu, BROWSER_SHADERS, { runtime: 'browser', runtimeVersion: ua });
}

/** The model suite: our decode loop and llama.cpp's browser build (loaded only for this suite). */
window.__benchModel = async (req) => (await import('./model.ts')).runModelPage(await pageGpuContext(), req, progress);

window.__bench = async (req) => {
  const ctx = await pageGpuContext();
  const peers: PeerRunner[] = [];
  if (req.peers) {
    progress('starting peers: TensorFlow.js (webgpu), ONNX Runtime Web (webgpu EP)');
    try {
      peers.push(await createTfjsPeer(ctx.device, ctx.keepAlive.adapter.info));
    } catch (e) {
      peers.push(brokenPeer('tfjs-webgpu', e));
    }
    try {
      const ort = (await import(/* @vite-ignore */ `${location.origin}/ort/ort.webgpu.min.mjs`)) as typeof Ort;
      ort.env.wasm.wasmPaths = `${location.origin}/ort/`;
      peers.push(await createOrtPeer(ort, await ortDevice(ctx.keepAlive.adapter, ctx.device)));
    } catch (e) {
      peers.push(brokenPeer('onnxruntime-web', e));
    }
  }
  // Peers can only be timed by wall clock: time ours the same way so ours/peer compares like with like.
  const opts = { ...req.opts, forceWall: req.opts.forceWall || peers.length > 0 };
  return runSuite({ ctx, suite: suiteByName(req.suite), kernels: KERNELS, opts, peers, progress });
};
document.getElementById('status')!.textContent = 'ready';
