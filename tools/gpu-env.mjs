// Where Dawn (the `webgpu` npm package) finds a Vulkan driver on this machine.
// Dawn reads these variables when the process starts, so launchers set them on a child process.
//   - A vendor Vulkan driver (NVIDIA, AMD, Intel) is used as is when one is installed.
//   - Otherwise Chromium's SwiftShader (Debian package `chromium`) is used: a CPU Vulkan driver.
// Override with JALAPENO_VK_ICD=/path/to/icd.json.
import { existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHROMIUM_LIB = '/usr/lib/chromium';
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

function vendorIcds() {
  const found = [];
  for (const d of ICD_DIRS) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) {
      // lavapipe is refused by Dawn (missing features); see shared/WEBGPU-HERE.md
      if (f.endsWith('.json') && !/lvp|lavapipe/i.test(f)) found.push(`${d}/${f}`);
    }
  }
  return found;
}

function systemHasLibvulkan() {
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

/** Returns { env, driver } to launch a Node process that uses WebGPU, or { error } saying what is missing. */
export function gpuEnv(base = process.env) {
  const env = { ...base };
  let driver;
  if (base.JALAPENO_VK_ICD) {
    env.VK_ICD_FILENAMES = base.JALAPENO_VK_ICD;
    driver = base.JALAPENO_VK_ICD;
  } else if (base.VK_ICD_FILENAMES || base.VK_DRIVER_FILES) {
    driver = base.VK_ICD_FILENAMES || base.VK_DRIVER_FILES;
  } else if (vendorIcds().length > 0) {
    driver = vendorIcds().join(',');
  } else if (existsSync(SWIFTSHADER_ICD)) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    driver = 'SwiftShader (Chromium)';
  } else {
    return {
      error:
        'No Vulkan driver for WebGPU: install Chromium (its SwiftShader CPU driver) with ' +
        '`sudo apt-get install -y chromium`, or a GPU vendor Vulkan driver; or set JALAPENO_VK_ICD=/path/to/icd.json',
    };
  }
  if (!systemHasLibvulkan()) {
    if (existsSync(`${CHROMIUM_LIB}/libvulkan.so.1`)) {
      env.LD_LIBRARY_PATH = [CHROMIUM_LIB, base.LD_LIBRARY_PATH].filter(Boolean).join(':');
    } else {
      return { error: 'No Vulkan loader (libvulkan.so.1): install it with `sudo apt-get install -y libvulkan1` (or chromium, which ships one)' };
    }
  }
  return { env, driver };
}
