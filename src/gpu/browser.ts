// WebGPU in the browser (main thread or, as the playground does, a dedicated worker).
// Shaders are bundled by Vite from shaders/*.wgsl and shaders/include/*.wgsl, the same files Node reads
// from disk, and their includes resolved by the one resolver (src/gpu/wgsl-include.ts).

import { createGpuContext, GpuUnavailableError, type GpuContext, type ShaderFiles } from './context.ts';
import { byFileName, resolveIncludes } from './wgsl-include.ts';

const files = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const includes = byFileName(import.meta.glob('../../shaders/include/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>);

/** Shader sources by name (file in shaders/ without extension), includes resolved: what runs and what the editor shows. */
export const SHADERS: Record<string, string> = Object.fromEntries(
  Object.entries(files).map(([path, src]) => {
    const name = path.slice(path.lastIndexOf('/') + 1, -'.wgsl'.length);
    return [name, resolveIncludes(src, includes, name)];
  }),
);

export function browserShaderSource(name: string): string {
  const src = SHADERS[name];
  if (src === undefined) throw new Error(`no shader named ${JSON.stringify(name)}; bundled: ${Object.keys(SHADERS).join(', ')}`);
  return src;
}

/** The bundled shaders, for createGpuContext (the playground's worker and the bench page). */
export const BROWSER_SHADERS: ShaderFiles = {
  source: browserShaderSource,
  resolve: (text, shader) => resolveIncludes(text, includes, shader),
};

/** "Chrome/142" style name of the browser, from the user agent. */
export function browserVersion(ua: string = globalThis.navigator?.userAgent ?? ''): string {
  const m = /(Edg|OPR|Firefox|Chrome|Chromium|Version)\/(\d+)/.exec(ua);
  if (!m) return ua.slice(0, 64) || 'unknown browser';
  const name = m[1] === 'Version' ? 'Safari' : m[1] === 'Edg' ? 'Edge' : m[1] === 'OPR' ? 'Opera' : m[1];
  return `${name}/${m[2]}`;
}

/** Why WebGPU is missing here and how to get it; null when navigator.gpu exists. */
export function webgpuMissingReason(): { reason: string; howTo: string } | null {
  if (globalThis.navigator?.gpu) return null;
  const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
  if (secure === false) {
    return {
      reason: 'WebGPU is only available on secure pages (https:// or http://localhost), and this page is not one.',
      howTo: 'Open the playground from https:// or from http://localhost / http://127.0.0.1.',
    };
  }
  return {
    reason: 'This browser does not expose WebGPU (navigator.gpu is missing).',
    howTo:
      'Use Chrome or Edge 113+ (Windows, macOS, ChromeOS, Android) or Safari 26+. On Linux Chrome, enable chrome://flags/#enable-unsafe-webgpu ' +
      '(and #enable-vulkan); in Firefox Nightly set dom.webgpu.enabled. The chip model, animation and walkthrough work without it.',
  };
}

export async function browserGpuContext(): Promise<GpuContext> {
  const missing = webgpuMissingReason();
  if (missing) throw new GpuUnavailableError(`${missing.reason} ${missing.howTo}`);
  return createGpuContext(navigator.gpu, BROWSER_SHADERS, { runtime: 'browser', runtimeVersion: browserVersion() });
}
