// The GPU decode loop's lookup of each op's bound plan (src/llm/gpu-model.ts compile): one BoundPlan
// (pipelines, bind group, uniform and stats buffers) per op id, bindings and pass pipelines, made on the
// op's first use and found again on every later step. Kept apart from GpuModel, with the bound value
// generic, so bench/host-step.ts can time the lookup without a GPU.
//
// A frozen op is taken as immutable (DecodeOpsCache in src/models/forward.ts freezes, deeply, what it
// reuses across steps): a frozen op's bound plan is found by the op itself, and a frozen plan's or binding's
// part of the key is computed once per object. Other ops and parts are keyed afresh.

import type { ForwardOp } from '../models/forward.ts';
import { tileCount, type Plan } from '../kernels/plan.ts';

/** A plan's pipelines: each pass's shader and override constants (instrumented: and its workgroup count, which sizes its stats buffer). */
function passesText(plan: Plan, instrument: boolean): string {
  return plan.passes.map((p) => `${p.shader}:${JSON.stringify(p.overrides)}:${instrument ? tileCount(p) : ''}`).join('|');
}

/**
 * Bound plans by op: what a bound plan depends on is the op (its own uniform and stats buffers: two ops
 * never share one, even with equal plans), its passes' shaders and override constants (the pipelines;
 * instrumented, each pass's workgroup count sizes its stats buffer), the buffers bound to its tensors and
 * their offsets. A later step's plan with the same of these reuses it (its grid and uniforms are taken at
 * encode). Owns the bound plans (destroy).
 */
export class BoundOps<T extends { destroy(): void }> {
  private readonly byKey = new Map<string, T>();
  private byOp = [new WeakMap<ForwardOp, T>(), new WeakMap<ForwardOp, T>()];
  /** Each distinct part of a key (a pipelines text, a binding's JSON) as a number, so keys stay short. */
  private readonly parts = new Map<string, number>();
  private readonly partOf = [new WeakMap<object, number>(), new WeakMap<object, number>()];

  private part(text: string): number {
    let n = this.parts.get(text);
    if (n === undefined) this.parts.set(text, (n = this.parts.size));
    return n;
  }

  /** The part of a frozen object once (memo per instrument flag where the text depends on it). */
  private partFor(x: object, memo: WeakMap<object, number>, text: () => string): number {
    if (!Object.isFrozen(x)) return this.part(text());
    let n = memo.get(x);
    if (n === undefined) memo.set(x, (n = this.part(text())));
    return n;
  }

  /** The op's key: its id and the numbers of its pipelines, bindings and offsets (equal parts, equal numbers). */
  key(op: ForwardOp, instrument: boolean): string {
    const i = instrument ? 1 : 0;
    const passes = this.partFor(op.plan, this.partOf[i], () => passesText(op.plan, instrument));
    // the bound buffers are part of the key: a later prefill chunk's attention reads the cache, the first its own K/V
    const bind = this.partFor(op.bind, this.partOf[0], () => JSON.stringify(op.bind));
    const offsets = op.offsets ? this.partFor(op.offsets, this.partOf[0], () => JSON.stringify(op.offsets)) : -1;
    return `${op.id}:${passes}:${bind}:${offsets}:${i}`;
  }

  get(op: ForwardOp, instrument: boolean): T | undefined {
    const frozen = Object.isFrozen(op), mine = this.byOp[instrument ? 1 : 0];
    const known = frozen ? mine.get(op) : undefined;
    if (known) return known;
    const hit = this.byKey.get(this.key(op, instrument));
    if (hit && frozen) mine.set(op, hit);
    return hit;
  }

  set(op: ForwardOp, instrument: boolean, bound: T): void {
    this.byKey.set(this.key(op, instrument), bound);
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
