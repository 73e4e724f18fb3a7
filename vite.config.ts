import { defineConfig } from 'vite';

// The playground: one page (index.html), a module worker for WebGPU + the chip model, and the
// WGSL editor split into its own chunk (loaded on demand) to keep the initial JS small.
export default defineConfig({
  server: { host: '127.0.0.1', open: false },
  preview: { host: '127.0.0.1' },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
});
