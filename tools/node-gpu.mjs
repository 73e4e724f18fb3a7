#!/usr/bin/env node
// Runs a TypeScript entry point under Node with WebGPU (Dawn) set up: `node tools/node-gpu.mjs FILE.ts [args]`.
import { spawnSync } from 'node:child_process';
import { gpuEnv } from './gpu-env.mjs';

const [script, ...args] = process.argv.slice(2);
const r = gpuEnv();
if (r.error) {
  console.error(`error: ${r.error}`);
  process.exit(2);
}
const child = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit', env: r.env });
if (child.signal) console.error(`error: ${script} was killed by ${child.signal}`);
process.exit(child.status ?? 1);
