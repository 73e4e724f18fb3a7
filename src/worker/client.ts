// Main-thread handle on the worker facade. The UI imports only this (and types).
import { proxy, wrap, type Remote } from 'comlink';
import type { Api } from './api.ts';

export type { Api };
export type ApiRemote = Remote<Api>;

/** Every method of the facade (the compiler checks that none is missing). */
const METHODS = {
  listKernels: 1,
  checkParams: 1,
  pickVariant: 1,
  shaderSource: 1,
  shaderNames: 1,
  gpuStatus: 1,
  onDeviceLost: 1,
  resetGpu: 1,
  loseDeviceForTesting: 1,
  cancel: 1,
  runBench: 1,
  runInstrumented: 1,
  listChips: 1,
  listModels: 1,
  simulateChipView: 1,
  simulateModel: 1,
  simulateInflight: 1,
  simulateKernel: 1,
  modelLimits: 1,
  loadLlm: 1,
  generateLlm: 1,
  cancelLlm: 1,
  unloadLlm: 1,
  profileLlm: 1,
  predictLlm: 1,
} satisfies Record<keyof Api, 1>;

let remote: ApiRemote | null = null;

/**
 * One worker per page, started on first use. Returned as a plain object of forwarding methods,
 * not the Comlink proxy itself: a Comlink proxy answers every property lookup (Lit probes
 * `_$litDirective$`, `then`...), so it cannot travel through template bindings.
 */
export function workerApi(): ApiRemote {
  if (!remote) {
    const r = wrap<Api>(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'jalapeno-worker' }));
    const facade: Record<string, unknown> = {};
    for (const name of Object.keys(METHODS) as Array<keyof Api>) {
      facade[name] = (...args: unknown[]) => (r[name] as unknown as (...a: unknown[]) => unknown)(...args);
    }
    remote = Object.freeze(facade) as unknown as ApiRemote;
  }
  return remote;
}

/** Wraps a callback so the worker can call it (progress, device loss). */
export const callback = proxy;
