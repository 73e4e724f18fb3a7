#!/usr/bin/env node
// `npm test`: everything that must pass, in order, failing fast with a message that names the step.
//   1. environment: a Vulkan driver for WebGPU (installs Debian's chromium + libvulkan1 as root if absent)
//   2. types (tsc) and 3. lint (eslint), side by side, 4. unit + GPU kernel tests (vitest, Dawn in Node),
//   5. browser end-to-end tests (headless Chromium with WebGPU), when present.
// GPU tests are never skipped: with no adapter the run fails and says why.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { gpuEnv } from './gpu-env.mjs';

const t0 = Date.now();
function step(name, cmd, args, env = process.env) {
  const s = Date.now();
  console.log(`\n== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`\nnpm test: step "${name}" failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
  console.log(`== ${name}: ok in ${((Date.now() - s) / 1000).toFixed(1)} s`);
}

/** Runs a step with its output held, so two can run at once; `report` prints it as `step` would have. */
function captured(name, cmd, args) {
  const s = Date.now();
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => out.push(b));
    child.on('close', (status, signal) => done({ name, cmd, args, status, signal, output: Buffer.concat(out), ms: Date.now() - s }));
  });
}

function report({ name, cmd, args, status, signal, output, ms }) {
  console.log(`\n== ${name}: ${cmd} ${args.join(' ')}`);
  process.stdout.write(output);
  if (status !== 0) {
    console.error(`\nnpm test: step "${name}" failed (exit ${status ?? signal}).`);
    process.exit(status || 1);
  }
  console.log(`== ${name}: ok in ${(ms / 1000).toFixed(1)} s`);
}

function ensureSystemPackages() {
  const need = [];
  if (!existsSync('/usr/lib/chromium/vk_swiftshader_icd.json') || !existsSync('/usr/bin/chromium')) need.push('chromium');
  const hasLoader = spawnSync('sh', ['-c', 'ldconfig -p | grep -q libvulkan.so.1']).status === 0;
  if (!hasLoader) need.push('libvulkan1');
  if (need.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const isDebian = existsSync('/usr/bin/apt-get');
  if (isRoot && isDebian && process.env.JALAPENO_NO_INSTALL !== '1') {
    console.log(`npm test: installing ${need.join(', ')} with apt-get (WebGPU on SwiftShader and headless Chromium need them)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let ok = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' }).status === 0;
    // libvulkan1 without recommends: they pull Mesa's Vulkan drivers, which Dawn cannot use here.
    for (const pkg of need) {
      const extra = pkg === 'libvulkan1' ? ['--no-install-recommends'] : [];
      ok &&= spawnSync('apt-get', ['install', '-y', '-qq', ...extra, pkg], { stdio: 'inherit', env }).status === 0;
    }
    if (ok) return;
  }
  console.error(
    `npm test: missing ${need.join(', ')}. The GPU and browser tests need a Vulkan driver for WebGPU ` +
      `and headless Chromium. On Debian/Ubuntu: sudo apt-get install -y ${need.join(' ')}`,
  );
  process.exit(2);
}

ensureSystemPackages();
const g = gpuEnv();
if (g.error) {
  console.error(`npm test: ${g.error}`);
  process.exit(2);
}
console.log(`npm test: WebGPU driver for Node: ${g.driver}`);
// tsc and eslint each keep one core busy: they run side by side, their output printed whole, types first.
await Promise.all([['types', 'npx', ['tsc', '--noEmit', '-p', '.']], ['lint', 'npx', ['eslint', '.']]].map(([name, cmd, args]) => captured(name, cmd, args)))
  .then((done) => done.forEach(report));
step('unit + GPU kernels (vitest, Dawn in Node)', 'npx', ['vitest', 'run'], g.env);
if (existsSync('test/e2e/run.mjs')) step('browser end-to-end (headless Chromium)', 'node', ['test/e2e/run.mjs']);
console.log(`\nnpm test: all steps passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
