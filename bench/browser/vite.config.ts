// The bench page (headless Chromium runtime): built with Vite's API by bench/browser-runtime.ts into
// bench/browser/dist. ONNX Runtime Web is NOT bundled: the page imports it from /ort/ at run time
// and it loads its wasm from there too (served from node_modules/onnxruntime-web/dist).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: `${here}dist`,
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    chunkSizeWarningLimit: 4096,
  },
});
