// The GPU decode loop's lookup of each op's bound plan (src/llm/gpu-model.ts compile): one BoundPlan
// (pipelines, bind group, uniform and stats buffers) per op id, bindings and pass pipelines, made on the
// op's first use and found again on every later step. Kept apart from GpuModel, with the bound value
// generic, so bench/host-step.ts can time the lookup without a GPU.

import type { ForwardOp } from '../models/forward.ts';
import { tileCount } from '../kernels/plan.ts';

/**
 * What a bound plan depends on: the op (its own uniform and stats buffers: two ops never share one,
 * even with equal plans), its passes' shaders and override constants (the pipelines; instrumented, each
 * pass's workgroup count sizes its stats buffer), the buffers bound to its tensors and their offsets.
 * A later step's plan of the same key reuses it (its grid and uniforms are taken at encode).
 */
export function boundKey(op: ForwardOp, instrument: boolean): string {
  // the bound buffers are part of the key: a later prefill chunk's attention reads the cache, the first its own K/V
  const passes = op.plan.passes.map((p) => `${p.shader}:${JSON.stringify(p.overrides)}:${instrument ? tileCount(p) : ''}`).join('|');
  return `${op.id}:${passes}:${JSON.stringify(op.bind)}:${JSON.stringify(op.offsets ?? {})}:${instrument}`;
}

/** Bound plans by boundKey; owns them (destroy). */
export class BoundOps<T extends { destroy(): void }> {
  private readonly byKey = new Map<string, T>();

  get(op: ForwardOp, instrument: boolean): T | undefined {
    return this.byKey.get(boundKey(op, instrument));
  }

  set(op: ForwardOp, instrument: boolean, bound: T): void {
    this.byKey.set(boundKey(op, instrument), bound);
  }

  get size(): number {
    return this.byKey.size;
  }

  destroy(): void {
    for (const b of this.byKey.values()) b.destroy();
    this.byKey.clear();
  }
}
