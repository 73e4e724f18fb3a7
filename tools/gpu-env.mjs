// Where Dawn (the `webgpu` npm package) finds a Vulkan driver on this machine.
// Dawn reads these variables when the process starts, so launchers set them on a child process.
//   1. JALAPENO_VK_ICD=/path/to/icd.json (or VK_ICD_FILENAMES / VK_DRIVER_FILES) is used as given.
//   2. Otherwise the system's Vulkan drivers are probed in a child process: if Dawn finds a real
//      (hardware) adapter there, it is used as is.
//   3. Otherwise Chromium's SwiftShader (Debian package `chromium`), a CPU Vulkan driver.
// Installed ICD files prove nothing (Mesa ships intel/radeon manifests on machines without those
// GPUs, and lavapipe is refused by Dawn), hence the probe.
import { existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHROMIUM_LIB = '/usr/lib/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function systemHasLibvulkan() {
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

const PROBE = `
import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const i = a ? a.info : null;
console.log(JSON.stringify(i ? { vendor: i.vendor, architecture: i.architecture, description: i.description } : null));
process.exit(0);`;

/** The adapter Dawn finds with `env`, or null (runs in a child so a crash cannot take us down). */
export function probeAdapter(env) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  const line = (r.stdout ?? '').trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

const isSoftware = (a) => /swiftshader|llvmpipe|lavapipe|software/i.test(`${a.vendor} ${a.architecture} ${a.description}`);

/** Returns { env, driver } to launch a Node process that uses WebGPU, or { error } saying what is missing. */
export function gpuEnv(base = process.env) {
  const env = { ...base };
  if (!systemHasLibvulkan()) {
    if (existsSync(`${CHROMIUM_LIB}/libvulkan.so.1`)) {
      env.LD_LIBRARY_PATH = [CHROMIUM_LIB, base.LD_LIBRARY_PATH].filter(Boolean).join(':');
    } else {
      return { error: 'No Vulkan loader (libvulkan.so.1): install it with `sudo apt-get install -y libvulkan1` (or chromium, which ships one)' };
    }
  }
  if (base.JALAPENO_VK_ICD) {
    env.VK_ICD_FILENAMES = base.JALAPENO_VK_ICD;
    return { env, driver: base.JALAPENO_VK_ICD };
  }
  if (base.VK_ICD_FILENAMES || base.VK_DRIVER_FILES) return { env, driver: base.VK_ICD_FILENAMES || base.VK_DRIVER_FILES };
  if (base.JALAPENO_GPU_ENV_PROBED) return { env, driver: base.JALAPENO_GPU_ENV_PROBED };
  const system = probeAdapter(env);
  if (system && !isSoftware(system)) {
    env.JALAPENO_GPU_ENV_PROBED = `system Vulkan: ${system.description || system.vendor}`;
    return { env, driver: env.JALAPENO_GPU_ENV_PROBED };
  }
  if (existsSync(SWIFTSHADER_ICD)) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    return { env, driver: 'SwiftShader (Chromium)' };
  }
  return {
    error:
      'No Vulkan driver for WebGPU: install Chromium (its SwiftShader CPU driver) with ' +
      '`sudo apt-get install -y chromium`, or a GPU vendor Vulkan driver; or set JALAPENO_VK_ICD=/path/to/icd.json',
  };
}
