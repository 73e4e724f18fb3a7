// The GPU decode loop's lookup of each op's bound plan (src/llm/gpu-model.ts compile): one BoundPlan
// (pipelines, bind group, uniform and stats buffers) per op id, bindings and pass pipelines, made on the
// op's first use and found again on every later step. Kept apart from GpuModel, with the bound value
// generic, so bench/host-step.ts can time the lookup without a GPU.
//
// A frozen op is taken as immutable (DecodeOpsCache in src/models/forward.ts freezes the ops it returns,
// deeply, because it reuses them across steps): its bound plan is found by the op itself, and the parts of
// its key (its plan's pipelines, its bindings) are computed once per object. Other ops are keyed afresh.

import type { ForwardOp } from '../models/forward.ts';
import { tileCount, type Plan } from '../kernels/plan.ts';

const jsonOf = new WeakMap<object, string>();
/** JSON of an object, computed once for a frozen one. */
function json(x: object): string {
  if (!Object.isFrozen(x)) return JSON.stringify(x);
  let s = jsonOf.get(x);
  if (s === undefined) jsonOf.set(x, (s = JSON.stringify(x)));
  return s;
}

const passesOf = [new WeakMap<Plan, string>(), new WeakMap<Plan, string>()];
/** A plan's pipelines: each pass's shader and override constants (instrumented: and its workgroup count, which sizes its stats buffer). */
function passesKey(plan: Plan, instrument: boolean): string {
  const memo = passesOf[instrument ? 1 : 0];
  let s = memo.get(plan);
  if (s === undefined) {
    s = plan.passes.map((p) => `${p.shader}:${JSON.stringify(p.overrides)}:${instrument ? tileCount(p) : ''}`).join('|');
    if (Object.isFrozen(plan)) memo.set(plan, s);
  }
  return s;
}

/**
 * What a bound plan depends on: the op (its own uniform and stats buffers: two ops never share one,
 * even with equal plans), its passes' shaders and override constants (the pipelines; instrumented, each
 * pass's workgroup count sizes its stats buffer), the buffers bound to its tensors and their offsets.
 * A later step's plan of the same key reuses it (its grid and uniforms are taken at encode).
 */
export function boundKey(op: ForwardOp, instrument: boolean): string {
  // the bound buffers are part of the key: a later prefill chunk's attention reads the cache, the first its own K/V
  return `${op.id}:${passesKey(op.plan, instrument)}:${json(op.bind)}:${op.offsets ? json(op.offsets) : '{}'}:${instrument}`;
}

/** Bound plans by boundKey (and by the op itself when it is frozen); owns them (destroy). */
export class BoundOps<T extends { destroy(): void }> {
  private readonly byKey = new Map<string, T>();
  private byOp = [new WeakMap<ForwardOp, T>(), new WeakMap<ForwardOp, T>()];

  get(op: ForwardOp, instrument: boolean): T | undefined {
    const frozen = Object.isFrozen(op), mine = this.byOp[instrument ? 1 : 0];
    const known = frozen ? mine.get(op) : undefined;
    if (known) return known;
    const hit = this.byKey.get(boundKey(op, instrument));
    if (hit && frozen) mine.set(op, hit);
    return hit;
  }

  set(op: ForwardOp, instrument: boolean, bound: T): void {
    this.byKey.set(boundKey(op, instrument), bound);
    if (Object.isFrozen(op)) this.byOp[instrument ? 1 : 0].set(op, bound);
  }

  get size(): number {
    return this.byKey.size;
  }

  destroy(): void {
    for (const b of this.byKey.values()) b.destroy();
    this.byKey.clear();
    this.byOp = [new WeakMap(), new WeakMap()];
  }
}
