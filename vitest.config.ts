import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
// @ts-expect-error plain .mjs helper without types
import { gpuEnv } from './tools/gpu-env.mjs';

// Dawn reads its Vulkan variables when a process starts: set them here, before workers fork.
const r = gpuEnv() as { env?: Record<string, string>; error?: string };
if (r.env) Object.assign(process.env, r.env);
else process.env.JALAPENO_GPU_ENV_ERROR = r.error;

// Files that mock a module (vi.mock) need a module registry of their own: they run isolated, as the unit tests do.
const MOCKING_GPU_FILES = ['test/gpu/llm-half-weights.test.ts'];

export default defineConfig({
  test: {
    exclude: ['test/e2e/**'],
    pool: 'forks',
    // at least 2 workers: vitest's default (cores - 1) runs the files one at a time on a 2-core machine, where 2
    // workers took the whole run from 381 s to 321 s (measured here 2026-12-07, SwiftShader GPU tests included)
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 5_000,
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      { extends: true, test: { name: 'isolated', include: ['test/unit/**/*.test.ts', ...MOCKING_GPU_FILES] } },
      // The GPU files share their worker's process (isolate: false): one Dawn device per worker (src/gpu/node.ts) and
      // its pipeline cache, so a pipeline compiled on SwiftShader for one file (seconds each) serves the later files
      // that run the same kernel at the same overrides (the tiny test models' layers, llama.cpp's loaded library).
      { extends: true, test: { name: 'gpu-shared', include: ['test/gpu/**/*.test.ts'], exclude: ['test/e2e/**', ...MOCKING_GPU_FILES], isolate: false } },
    ],
  },
});
