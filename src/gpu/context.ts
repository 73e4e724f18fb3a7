// A WebGPU device plus everything a result must carry about where it ran.
// Works with the browser's navigator.gpu and with Dawn's Node binding (the `webgpu` package).

export interface DeviceReport {
  /** "browser" or "node-dawn" */
  runtime: string;
  /** e.g. "Chrome/142" or "webgpu@0.6.2 (Dawn), Node v20" */
  runtimeVersion: string;
  adapter: { vendor: string; architecture: string; device: string; description: string };
  features: string[];
  wgslLanguageFeatures: string[];
  limits: Record<string, number>;
  /** Heuristic: SwiftShader / software adapter (timings are for ratios only). */
  software: boolean;
}

export interface GpuContext {
  device: GPUDevice;
  report: DeviceReport;
  /** Returns WGSL source for a shader name (file in shaders/ without extension), its includes resolved. */
  shaderSource: (name: string) => string;
  /** An edited shader's text with its includes resolved against the same include files (src/gpu/wgsl-include.ts). */
  resolveIncludes: (text: string, shader: string) => string;
  hasFeature(f: string): boolean;
  hasLanguageFeature(f: string): boolean;
  /** Pipelines keyed by shader + entry point + overrides, so re-runs skip compilation. */
  pipelineCache: Map<string, Promise<GPUComputePipeline>>;
  /**
   * Held so they are never garbage-collected while the device lives: Dawn's Node binding
   * frees native state the device still uses when these wrappers are finalized (random
   * SIGSEGV / futex aborts otherwise).
   */
  keepAlive: { gpu: GPU; adapter: GPUAdapter };
}

/** Where a context's WGSL comes from: src/gpu/browser.ts (bundled by Vite) or src/gpu/node.ts (read from disk). */
export interface ShaderFiles {
  /** shaders/NAME.wgsl, its includes resolved. */
  source(name: string): string;
  /** `text` (an edited copy of shader `shader`) with its includes resolved. */
  resolve(text: string, shader: string): string;
}

export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

const LIMIT_NAMES = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
] as const;

/** Features we use when present; none is required by every kernel. */
const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups'];

export async function createGpuContext(
  gpu: GPU,
  shaders: ShaderFiles,
  runtime: { runtime: string; runtimeVersion: string },
): Promise<GpuContext> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new GpuUnavailableError(
      'WebGPU is present but no adapter was found (blocked GPU, or no Vulkan/Metal/D3D12 driver).',
    );
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const limits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) limits[name] = (device.limits as unknown as Record<string, number>)[name];
  const wgslLanguageFeatures = [...((gpu as { wgslLanguageFeatures?: Iterable<string> }).wgslLanguageFeatures ?? [])];
  const adapterReport = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
  const text = `${adapterReport.vendor} ${adapterReport.architecture} ${adapterReport.description}`.toLowerCase();
  const report: DeviceReport = {
    ...runtime,
    adapter: adapterReport,
    features: [...device.features].sort(),
    wgslLanguageFeatures: wgslLanguageFeatures.sort(),
    limits,
    software: text.includes('swiftshader') || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
  };
  const features = new Set(report.features);
  const langFeatures = new Set(wgslLanguageFeatures);
  return {
    device,
    report,
    shaderSource: (name) => shaders.source(name),
    resolveIncludes: (text, shader) => shaders.resolve(text, shader),
    hasFeature: (f) => features.has(f),
    hasLanguageFeature: (f) => langFeatures.has(f),
    pipelineCache: new Map(),
    keepAlive: { gpu, adapter },
  };
}

/** One line naming the device, for tables and README figures. */
export function describeDevice(r: DeviceReport): string {
  const name = r.adapter.description || [r.adapter.vendor, r.adapter.architecture, r.adapter.device].filter(Boolean).join(' ') || 'unknown adapter';
  return `${name} (${r.runtime} ${r.runtimeVersion})`;
}
