// Every kernel the playground, the CLIs, the bench and the chip model know, by name.
// Kernel modules add themselves here (one import, one entry).

import type { KernelDef } from './kernel.ts';
import { KernelInputError, autoVariant } from './kernel.ts';
import { matmul } from './matmul.ts';
import { attentionDecode, attentionPrefill } from './attention.ts';
import { matmulInt8 } from './matmul-int8.ts';
import { matmulGguf } from './matmul-gguf.ts';
import { qkv } from './qkv.ts';
import { embed, gelu, residualAdd, siluMul } from './elementwise.ts';
import { layernorm, rmsnorm } from './norm.ts';
import { rope } from './rope.ts';
import { sampleTopK } from './sample.ts';

export const KERNELS: readonly KernelDef[] = [
  matmul,
  attentionPrefill,
  attentionDecode,
  matmulInt8,
  matmulGguf,
  qkv,
  // element-wise kernels of a transformer block (the Model tab's decode loop)
  embed,
  rmsnorm,
  layernorm,
  rope,
  siluMul,
  gelu,
  residualAdd,
  sampleTopK,
];

export function kernelByName(name: string): KernelDef {
  const k = KERNELS.find((d) => d.name === name);
  if (!k) throw new KernelInputError(`unknown kernel "${name}"; available: ${KERNELS.map((d) => d.name).join(', ')}`);
  return k;
}

/** The variant kernel `name` runs for raw params when none is named (validated, defaults filled; autoVariant). Throws KernelInputError. */
export function shapeVariant(name: string, raw: Record<string, unknown>): string {
  const def = kernelByName(name);
  return autoVariant(def, def.validate(raw));
}
