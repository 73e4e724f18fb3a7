// The worker's one needs-a-GPU guard (src/worker/gpu-session.ts withGpu): every facade call that needs the
// GPU device gives the same { status: 'no-gpu', message } outcome when there is none, and never runs the
// GPU work. Node's vitest has no navigator.gpu, which is the "browser without WebGPU" case; a navigator.gpu
// whose adapter request finds nothing is the "blocked GPU / no driver" case.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withGpu } from '../../src/worker/gpu-session.ts';
import { api } from '../../src/worker/api.ts';

const MISSING = /WebGPU.*navigator\.gpu is missing/;
const NO_ADAPTER = /WebGPU is present but no adapter was found/;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('withGpu: the needs-a-GPU guard', () => {
  it('without navigator.gpu gives the no-gpu outcome and never runs the GPU work', async () => {
    expect(globalThis.navigator?.gpu).toBeUndefined(); // the premise of this case
    let ran = false;
    const out = await withGpu(async () => {
      ran = true;
      return 'ran';
    });
    expect(ran).toBe(false);
    expect(out).toEqual({ status: 'no-gpu', message: expect.stringMatching(MISSING) });
  });

  it('with navigator.gpu but no adapter gives the no-gpu outcome with the adapter reason', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => null } });
    let ran = false;
    const out = await withGpu(async () => {
      ran = true;
      return 'ran';
    });
    expect(ran).toBe(false);
    expect(out).toEqual({ status: 'no-gpu', message: expect.stringMatching(NO_ADAPTER) });
  });
});

describe('every GPU call of the facade goes through the guard', () => {
  // One row per facade method that needs the device; each with inputs that are otherwise valid, so the
  // only thing wrong is the missing GPU.
  const calls: Array<[string, () => Promise<{ status: string; message?: string }>]> = [
    ['runBench', () => api.runBench({ kernel: 'matmul', variant: 'naive', params: { M: 8, N: 8, K: 8 } })],
    ['runInstrumented', () => api.runInstrumented('matmul', 'naive', { M: 8, N: 8, K: 8 })],
    ['loadLlm', () => api.loadLlm([], { int8: false, context: 64 })],
  ];
  for (const [name, call] of calls) {
    it(`${name} without a GPU gives the one no-gpu outcome`, async () => {
      const out = await call();
      expect(out).toEqual({ status: 'no-gpu', message: expect.stringMatching(MISSING) });
    });
  }

  it('runBench checks its parameters first: a bad shape is invalid even without a GPU', async () => {
    const out = await api.runBench({ kernel: 'matmul', variant: 'naive', params: { M: 0, N: 8, K: 8 } });
    expect(out.status).toBe('invalid');
  });

  it('gpuStatus says unavailable with the same reason', async () => {
    const s = await api.gpuStatus();
    expect(s.available).toBe(false);
    if (!s.available) expect(`${s.reason} ${s.howTo}`).toMatch(MISSING);
  });
});
