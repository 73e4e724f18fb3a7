import { defineConfig } from 'vitest/config';
// @ts-expect-error plain .mjs helper without types
import { gpuEnv } from './tools/gpu-env.mjs';

// Dawn reads its Vulkan variables when a process starts: set them here, before workers fork.
const r = gpuEnv() as { env?: Record<string, string>; error?: string };
if (r.env) Object.assign(process.env, r.env);
else process.env.JALAPENO_GPU_ENV_ERROR = r.error;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 5_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
