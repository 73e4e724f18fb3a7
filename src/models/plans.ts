// Plans for the ops of a transformer layer, built with the kernels' own plan builders
// (matmul, qkv, attention-prefill, attention-decode from the registry). The GPU kernels are f32; the
// chip runs the same tiling with deployment storage, so `retypePlan` rescales every f32 tensor's
// bytes (activations bf16, weights / KV cache in their formats, block scales included) and runs the
// MACs on the bf16 or 8-bit path. Element-wise ops (norms, RoPE, activations, residuals) have kernels
// (rmsnorm, rope, silu-mul, residual-add...: the GPU decode loop runs them); a deployment fuses them
// (the residual add inside the next norm, RoPE of q and k with the cache write), which no single kernel
// of ours does, so the chip model gives each fused one a small analytic vector plan (vectorOp).

import type { KernelDef } from '../kernels/kernel.ts';
import { KERNELS } from '../kernels/registry.ts';
import { cdiv, planTotals, type Plan, type Step, type TensorSpec } from '../kernels/plan.ts';
import { mapPacked } from '../chip/arrays.ts';
import type { MacDType } from '../chip/types.ts';
import { bytesPerElem, FORMATS } from './precision.ts';
import { gemmTiles } from './tiling.ts';
import type { NumberFormat } from './types.ts';

export function findKernel(name: string): KernelDef | undefined {
  return KERNELS.find((k) => k.name === name);
}

/**
 * The chip runs the kernels' tiling with deployment storage: every float tensor's bytes are rescaled
 * to `elemBytes(tensor)` per element (activations bf16, weights and KV cache in their formats), and float (f32 / f16)
 * MACs run on the `mac` path (bf16, or the 8-bit path for W8A8 formats).
 */
export function retypePlan(plan: Plan, elemBytes: (t: TensorSpec) => number, mac: MacDType = 'fp16', tag = 'bf16'): Plan {
  const factor = new Map<string, number>();
  for (const t of plan.tensors) {
    const n = t.shape.reduce((x, y) => x * y, 1);
    // float tensors (f32 in the GPU kernels, f16 in the tiled-f16 GEMM) take the deployment's storage
    factor.set(t.name, (t.dtype === 'f32' || t.dtype === 'f16') && n > 0 ? elemBytes(t) / (t.bytes / n) : 1);
  }
  const macDtype = mac === 'int8' ? 'int8' : mac === 'fp32' ? 'f32' : 'f16';
  const map = (steps: readonly Step[]): Step[] =>
    mapPacked(steps, (s): Step => {
      switch (s.kind) {
        case 'load': return { ...s, bytes: s.bytes * (factor.get(s.tensor) ?? 1) };
        case 'store': return { ...s, bytes: s.bytes * (factor.get(s.tensor) ?? 1) };
        // float MACs (f32 in the GPU kernels, f16 in the tiled-f16 GEMM) run on the format's path: an
        // 8-bit weight format (fp8, int8, bfp8, bfp4) takes the 8-bit path whichever GEMM kernel it came from
        case 'mac': return s.dtype === 'f32' || s.dtype === 'f16' ? { ...s, dtype: macDtype } : s;
        case 'vector': return s;
        case 'loop': return { ...s, body: map(s.body) };
      }
    });
  return {
    ...plan,
    variant: `${plan.variant}@${tag}`,
    tensors: plan.tensors.map((t) => ({ ...t, bytes: t.bytes * (factor.get(t.name) ?? 1) })),
    passes: mapPacked(plan.passes, (p) => ({ ...p, workgroupBytes: p.workgroupBytes / 2, tiles: mapPacked(p.tiles, (c) => ({ ...c, steps: map(c.steps) })) })),
  };
}

/** Activations bf16, weights in `w`, KV cache in `kv` (K is the reduction length for per-channel scales). */
export function storageBytes(w: NumberFormat, kv: NumberFormat, K: number): (t: TensorSpec) => number {
  return (t) => (t.role === 'weight' ? bytesPerElem(w, K) : t.role === 'kv-cache' ? bytesPerElem(kv, t.shape[t.shape.length - 1] ?? 1) : 2);
}

/** A plan whose activations stay on chip (keepOnChip), with what it no longer stores. */
export interface KeptOnChip {
  plan: Plan;
  /** Activation inputs now resident in SRAM. */
  resident: string[];
  /** Bytes of the output stores dropped (over all plan tiles). */
  droppedStoreBytes: number;
}

/**
 * A plan without the stores of its output tensors and with its activation inputs resident: the op's
 * activations stay in tile SRAM (dataflow fusion). Returns the plan, the names of the resident
 * inputs and the store bytes dropped.
 */
export function keepOnChip(plan: Plan, inputs: boolean, outputs: boolean): KeptOnChip {
  const outs = new Set(plan.tensors.filter((t) => t.role === 'output').map((t) => t.name));
  const resident = inputs ? plan.tensors.filter((t) => t.role === 'input').map((t) => t.name) : [];
  if (!outputs) return { plan, resident, droppedStoreBytes: 0 };
  const drop = (steps: readonly Step[]): Step[] =>
    steps.flatMap((s): Step[] => (s.kind === 'store' && outs.has(s.tensor) ? [] : s.kind === 'loop' ? [{ ...s, body: drop(s.body) }] : [s]));
  const kept = { ...plan, passes: mapPacked(plan.passes, (p) => ({ ...p, tiles: mapPacked(p.tiles, (c) => ({ ...c, steps: drop(c.steps) })) })) };
  return { plan: kept, resident, droppedStoreBytes: planTotals(plan).storeBytes - planTotals(kept).storeBytes };
}

export interface OpPlan {
  name: string;
  /** "matmul/tiled-f16", "qkv/fused", "analytic:rmsnorm", ... */
  source: string;
  plan: Plan;
  /** How many times the plan runs per layer (e.g. attention per sequence, LM head chunks). */
  repeat: number;
}

/** GEMM [M, K] x [K, N] with weights in `w` (N may exceed the kernel's limit: split into column chunks). */
export function gemmOp(name: string, M: number, N: number, K: number, chipTiles: number, w: NumberFormat): OpPlan {
  const chunks = Math.ceil(N / 65536);
  const Nc = Math.ceil(N / chunks);
  const t = gemmTiles(M, Nc, chipTiles);
  const mm = findKernel('matmul')!;
  const params = mm.validate({ M, N: Nc, K, ...t });
  // the same tiling for every format, so a narrower format never moves more bytes
  return { name, source: 'matmul/tiled-f16', plan: retypePlan(mm.plan(params, 'tiled-f16'), storageBytes(w, 'bf16', K), FORMATS[w].mac, w), repeat: chunks };
}

/**
 * Fused (one GEMM, X read once) or unfused (three) QKV projection [M, D] -> Q, K, V, tiled for the chip, weights in
 * `w`, K/V stored in `kv`; the bias (a vector, as the other ops' gains and biases: vectorOp) at the activations' 2 bytes.
 */
export function qkvOp(M: number, D: number, Hq: number, Hkv: number, dh: number, bias: boolean, chipTiles: number, w: NumberFormat, kv: NumberFormat, fused: boolean): OpPlan {
  const k = findKernel('qkv')!;
  const t = gemmTiles(M, (Hq + 2 * Hkv) * dh, chipTiles);
  const variant = fused ? 'fused' : 'unfused';
  const params = k.validate({ M, D, Hq, Hkv, dh, bias, BM: t.BM, BN: t.BN, BK: 32, TM: t.TM, TN: t.TN });
  const store = storageBytes(w, kv, D);
  return { name: 'qkv', source: `qkv/${variant}`, plan: retypePlan(k.plan(params, variant), (x) => (x.name === 'bias' ? 2 : store(x)), FORMATS[w].mac, w), repeat: 1 };
}

/**
 * Flash attention over S new tokens (L keys with a cached prefix, the cache holding L; 0 = S), 64 x 64
 * blocks, once per sequence, K/V in `kv`; `window` > 0: a sliding window of that many keys per query.
 */
export function prefillAttentionOp(S: number, L: number, Hq: number, Hkv: number, dh: number, causal: boolean, batch: number, kv: NumberFormat, window = 0): OpPlan {
  const k = findKernel('attention-prefill')!;
  const params = k.validate({ S, ...(L > 0 ? { L, capacity: L } : {}), Hq, Hkv, dh, causal, Br: 64, Bc: 64, window });
  return { name: 'attention', source: 'attention-prefill/flash', plan: retypePlan(k.plan(params, 'flash'), storageBytes('bf16', kv, dh)), repeat: batch };
}

/**
 * Sequences one attention-decode dispatch takes: the top of the kernel's B range, a limit of our WGSL
 * kernel's dispatch shape (the GPU decode loop keeps it), not of a chip deployment.
 */
const DECODE_KERNEL_BATCH = (findKernel('attention-decode')!.params.find((p) => p.name === 'B')!.allowed as readonly [number, number])[1];

/**
 * Split-K decode attention: B sequences over L cached keys, the keys read split so the groups fill the
 * chip, K/V in `kv`; `window` > 0: only the last min(L, window) keys are read (KV bytes stop growing there).
 * A batch past one dispatch (B > DECODE_KERNEL_BATCH) runs as ceil(B / DECODE_KERNEL_BATCH) groups: the
 * plan of Bg = ceil(B / groups) sequences, repeated B / Bg times (each sequence's keys read once; a
 * deployment's batch is set by its KV cache and its stack's limits, as TensorRT-LLM's 4,096).
 */
export function decodeAttentionOp(B: number, L: number, Hq: number, Hkv: number, dh: number, chipTiles: number, kv: NumberFormat, window = 0): OpPlan {
  const k = findKernel('attention-decode')!;
  const Bg = Math.ceil(B / Math.ceil(B / DECODE_KERNEL_BATCH));
  const groups = Bg * Hkv;
  const read = window > 0 ? Math.min(L, window) : L;
  const split = Math.max(64, Math.ceil(read / Math.max(1, Math.floor(chipTiles / groups)) / 64) * 64);
  const params = k.validate({ B: Bg, L, Hq, Hkv, dh, split, Bc: 64, window });
  return { name: 'attention', source: 'attention-decode/split', plan: retypePlan(k.plan(params, 'split'), storageBytes('bf16', kv, dh)), repeat: B / Bg };
}

/**
 * An element-wise / row-wise vector op over rows x cols elements: each plan tile owns a chunk,
 * loads it (and its columns of each per-column parameter named in `params`, [cols] weights such as a
 * norm's gain and shift or a bias), does `opsPerElem` vector ops per element and stores the result.
 * Analytic: a deployment's fused element-wise kernel.
 */
export function vectorOp(name: string, rows: number, cols: number, opsPerElem: number, inputs: number, elemBytes: number, params: readonly string[], chipTiles: number): OpPlan {
  const total = rows * cols;
  // about one chunk per chip tile (at least 256 elements), so the op runs in one wave
  const chunk = Math.min(total, Math.max(256, Math.ceil(total / chipTiles)));
  const tiles = cdiv(total, chunk);
  const full = Math.floor(total / chunk), tail = total - full * chunk;
  const steps = (n: number): Step[] => [
    ...Array.from({ length: inputs }, (_, i): Step => ({ kind: 'load', tensor: `in${i}`, bytes: n * elemBytes })),
    ...params.map((p): Step => ({ kind: 'load', tensor: p, bytes: Math.min(n, cols) * elemBytes, shareAxes: ['x'] })),
    { kind: 'vector', count: n * opsPerElem, op: name },
    { kind: 'store', tensor: 'out', bytes: n * elemBytes },
  ];
  const classes = [];
  if (full > 0) classes.push({ x: [0, full] as [number, number], y: [0, 1] as [number, number], z: [0, 1] as [number, number], note: 'full chunk', steps: steps(chunk) });
  if (tail > 0) classes.push({ x: [full, full + 1] as [number, number], y: [0, 1] as [number, number], z: [0, 1] as [number, number], note: 'tail chunk', steps: steps(tail) });
  const t = (n: string, role: 'input' | 'weight' | 'output', el: number) => ({ name: n, dtype: 'f16' as const, shape: [el], bytes: el * elemBytes, role, layout: 'flat' });
  return {
    name,
    source: `analytic:${name}`,
    repeat: 1,
    plan: {
      kernel: `analytic-${name}`, variant: 'vector', params: { rows, cols },
      tensors: [
        ...Array.from({ length: inputs }, (_, i) => t(`in${i}`, 'input', total)),
        ...params.map((p) => t(p, 'weight', cols)),
        t('out', 'output', total),
      ],
      passes: [{
        shader: '', entryPoint: '', label: name, workgroupSize: [1, 1, 1], grid: [tiles, 1, 1], overrides: {}, uniforms: [], bindings: [],
        tiles: classes, workgroupBytes: 0,
      }],
      flops: total * opsPerElem, ioBytes: (inputs + 1) * total * elemBytes, requiredFeatures: [], requiredLanguageFeatures: [],
    },
  };
}
