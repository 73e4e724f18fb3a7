// WebGPU in Node through Dawn (the `webgpu` npm package), for tests, the CLIs and the bench.
// Launch through tools/node-gpu.mjs (or vitest's config), which points Dawn at a Vulkan driver.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createGpuContext, GpuUnavailableError, type GpuContext, type ShaderFiles } from './context.ts';
import { INCLUDE_DIR, resolveIncludes } from './wgsl-include.ts';

const SHADER_DIR = fileURLToPath(new URL('../../shaders/', import.meta.url));
const INCLUDE_PATH = fileURLToPath(new URL(`../../${INCLUDE_DIR}`, import.meta.url));

/** shaders/include/*.wgsl by file name, read afresh (as the shaders are) so an edit shows at the next load. */
function nodeIncludes(): Record<string, string> {
  return Object.fromEntries(readdirSync(INCLUDE_PATH).filter((f) => f.endsWith('.wgsl')).map((f) => [f, readFileSync(INCLUDE_PATH + f, 'utf8')]));
}

/** Reads shaders/NAME.wgsl and resolves its includes (the browser build imports the same files with Vite's ?raw). */
export function nodeShaderSource(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid shader name ${JSON.stringify(name)}`);
  return resolveIncludes(readFileSync(`${SHADER_DIR}${name}.wgsl`, 'utf8'), nodeIncludes(), name);
}

/** The shaders on disk, for createGpuContext. */
export const NODE_SHADERS: ShaderFiles = {
  source: nodeShaderSource,
  resolve: (text, shader) => resolveIncludes(text, nodeIncludes(), shader),
};

let shared: Promise<GpuContext> | null = null;

/** One device per process; fails with a message that names what is missing. */
export function nodeGpuContext(): Promise<GpuContext> {
  shared ??= (async () => {
    const require = createRequire(import.meta.url);
    const webgpu = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: object };
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    const version = (require('webgpu/package.json') as { version: string }).version;
    try {
      return await createGpuContext(gpu, NODE_SHADERS, { runtime: 'node-dawn', runtimeVersion: `webgpu@${version} (Dawn), Node ${process.version}` });
    } catch (e) {
      if (e instanceof GpuUnavailableError) {
        const icd = process.env.VK_ICD_FILENAMES ?? '(unset)';
        throw new GpuUnavailableError(
          `No WebGPU adapter in Node (VK_ICD_FILENAMES=${icd}). Run through \`npm test\` / tools/node-gpu.mjs, ` +
            'which point Dawn at a Vulkan driver; on Debian install one with `sudo apt-get install -y chromium libvulkan1`.',
        );
      }
      throw e;
    }
  })();
  return shared;
}
