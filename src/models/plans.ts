// Plans for the ops of a transformer layer, built with the kernels' own plan builders
// (matmul, matmul-int8, qkv, attention-prefill, attention-decode from the registry). The GPU kernels
// are f32; the chip runs the same tiling with bf16 storage, so `retypePlan` rescales every f32
// tensor's bytes to 2 per element and runs f32 MACs at the fp16/bf16 rate. Element-wise ops
// (norms, RoPE, activations, residuals) have no kernel yet: they get a small analytic vector plan.

import type { KernelDef } from '../kernels/kernel.ts';
import { KERNELS } from '../kernels/registry.ts';
import { cdiv, type Plan, type Step } from '../kernels/plan.ts';

export function findKernel(name: string): KernelDef | undefined {
  return KERNELS.find((k) => k.name === name);
}

/** f32 tensors stored as 2-byte bf16 on the chip; f32 MACs run at the bf16 rate. */
export function retypePlan(plan: Plan, actBytes: 2 | 4): Plan {
  if (actBytes === 4) return plan;
  const factor = new Map<string, number>();
  for (const t of plan.tensors) factor.set(t.name, t.dtype === 'f32' ? actBytes / 4 : 1);
  const map = (steps: readonly Step[]): Step[] =>
    steps.map((s): Step => {
      switch (s.kind) {
        case 'load': return { ...s, bytes: s.bytes * (factor.get(s.tensor) ?? 1) };
        case 'store': return { ...s, bytes: s.bytes * (factor.get(s.tensor) ?? 1) };
        case 'mac': return s.dtype === 'f32' ? { ...s, dtype: 'f16' } : s;
        case 'vector': return s;
        case 'loop': return { ...s, body: map(s.body) };
      }
    });
  return {
    ...plan,
    variant: `${plan.variant}@bf16`,
    tensors: plan.tensors.map((t) => ({ ...t, bytes: t.bytes * (factor.get(t.name) ?? 1) })),
    passes: plan.passes.map((p) => ({ ...p, workgroupBytes: p.workgroupBytes / 2, tiles: p.tiles.map((c) => ({ ...c, steps: map(c.steps) })) })),
  };
}

const pow2floor = (v: number) => 2 ** Math.floor(Math.log2(Math.max(1, v)));

/** Block sizes for a GEMM so the plan has about as many tiles as the chip (at least), within the kernels' limits. */
export function gemmTiles(M: number, N: number, chipTiles: number): { BM: number; BN: number; BK: number; TM: number; TN: number } {
  const BM = Math.min(128, Math.max(16, pow2floor(M) < M ? pow2floor(M) * 2 : pow2floor(M)));
  let BN = 128;
  while (BN > 16 && cdiv(M, BM) * cdiv(N, BN) < chipTiles) BN /= 2;
  const TM = Math.max(1, Math.min(8, BM / 16));
  const TN = Math.max(1, Math.min(8, BN / 16));
  return { BM, BN, BK: 32, TM, TN };
}

export interface OpPlan {
  name: string;
  /** "matmul/tiled-f16", "qkv/fused", "analytic:rmsnorm", ... */
  source: string;
  plan: Plan;
  /** How many times the plan runs per layer (e.g. attention per sequence, LM head chunks). */
  repeat: number;
}

/** GEMM [M, K] x [K, N] (N may exceed a kernel's limit: split into column chunks). */
export function gemmOp(name: string, M: number, N: number, K: number, chipTiles: number, precision: 'bf16' | 'int8'): OpPlan {
  const chunks = Math.ceil(N / 65536);
  const Nc = Math.ceil(N / chunks);
  const t = gemmTiles(M, Nc, chipTiles);
  const int8 = precision === 'int8' ? findKernel('matmul-int8') : undefined;
  if (int8) {
    const params = int8.validate({ M, N: Nc, K, BM: t.BM, BN: t.BN, BKW: 8, TM: t.TM, TN: t.TN });
    return { name, source: 'matmul-int8/dot4', plan: retypePlan(int8.plan(params, 'dot4'), 2), repeat: chunks };
  }
  const mm = findKernel('matmul')!;
  const params = mm.validate({ M, N: Nc, K, ...t });
  return { name, source: 'matmul/tiled-f16', plan: mm.plan(params, 'tiled-f16'), repeat: chunks };
}

/**
 * An element-wise / row-wise vector op over rows x cols elements: each plan tile owns a chunk,
 * loads it (and a per-column parameter such as a norm gain when `weightCols`), does `opsPerElem`
 * vector ops per element and stores the result. Analytic: no kernel exists for it yet.
 */
export function vectorOp(name: string, rows: number, cols: number, opsPerElem: number, inputs: number, elemBytes: number, withWeight: boolean, chipTiles: number): OpPlan {
  const total = rows * cols;
  // about one chunk per chip tile (at least 256 elements), so the op runs in one wave
  const chunk = Math.min(total, Math.max(256, Math.ceil(total / chipTiles)));
  const tiles = cdiv(total, chunk);
  const full = Math.floor(total / chunk), tail = total - full * chunk;
  const steps = (n: number): Step[] => [
    ...Array.from({ length: inputs }, (_, i): Step => ({ kind: 'load', tensor: `in${i}`, bytes: n * elemBytes })),
    ...(withWeight ? [{ kind: 'load', tensor: 'gain', bytes: Math.min(n, cols) * elemBytes, shareAxes: ['x'] } as Step] : []),
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
        ...(withWeight ? [t('gain', 'weight', cols)] : []),
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
