// The GPU decode loop's lookup of each op's bound plan (src/llm/gpu-model.ts compile): one BoundPlan
// (pipelines, bind group, uniform and stats buffers) per op id, bindings and pass pipelines, made on the
// op's first use and found again on every later step. Kept apart from GpuModel, with the bound value
// generic, so bench/host-step.ts can time the lookup without a GPU.
//
// Which objects never change is said explicitly, by the Immutables the constructor takes (GpuModel passes its
// DecodeOpsCache's `immutable`, src/models/forward.ts): an op listed there is found by the op itself, and a
// listed plan's, binding's or offsets' part of the key is computed once per object. Anything else (a prefill
// step's ops from forwardOps, the ops a decode step makes anew) is keyed by value, its parts looked up afresh;
// once every part is known the lookup builds no string.

import type { ForwardOp } from '../models/forward.ts';
import { tileCount, type Immutables, type Plan } from '../kernels/plan.ts';

/** A plan's pipelines: each pass's shader and override constants (instrumented: and its workgroup count, which sizes its stats buffer). */
function passesText(plan: Plan, instrument: boolean): string {
  return plan.passes.map((p) => `${p.shader}:${JSON.stringify(p.overrides)}:${instrument ? tileCount(p) : ''}`).join('|');
}

const json = (x: object) => JSON.stringify(x);

const NOTHING_IMMUTABLE: Immutables = { has: () => false };

/**
 * Bound plans by op: what a bound plan depends on is the op (its own uniform and stats buffers: two ops
 * never share one, even with equal plans), its passes' shaders and override constants (the pipelines;
 * instrumented, each pass's workgroup count sizes its stats buffer), the buffers bound to its tensors and
 * their offsets. A later step's plan with the same of these reuses it (its grid and uniforms are taken at
 * encode). Owns the bound plans (destroy).
 */
export class BoundOps<T extends { destroy(): void }> {
  /** By op id, then the numbers of the key's other parts: pipelines (× 2, + 1 instrumented), bindings, offsets (-1: none). */
  private byId = new Map<string, Map<number, Map<number, Map<number, T>>>>();
  private count = 0;
  private byOp = [new WeakMap<ForwardOp, T>(), new WeakMap<ForwardOp, T>()];
  /** Each distinct part of a key (a pipelines text, a binding's JSON) as a number. */
  private readonly parts = new Map<string, number>();
  private readonly partOf = [new WeakMap<object, number>(), new WeakMap<object, number>()];

  /** `immutable`: the objects (ops, plans, bindings, offsets) that never change, keyed by identity (default: none). */
  constructor(private readonly immutable: Immutables = NOTHING_IMMUTABLE) {}

  private part(text: string): number {
    let n = this.parts.get(text);
    if (n === undefined) this.parts.set(text, (n = this.parts.size));
    return n;
  }

  /** The part of an object: once per immutable object (memo per instrument flag where the text depends on it), else from its text. */
  private partFor<X extends object>(x: X, memo: WeakMap<object, number>, text: (x: X, instrument: boolean) => string, instrument: boolean): number {
    if (!this.immutable.has(x)) return this.part(text(x, instrument));
    let n = memo.get(x);
    if (n === undefined) memo.set(x, (n = this.part(text(x, instrument))));
    return n;
  }

  private pipelinesPart(op: ForwardOp, instrument: boolean): number {
    const i = instrument ? 1 : 0;
    return 2 * this.partFor(op.plan, this.partOf[i], passesText, instrument) + i;
  }

  // the bound buffers are part of the key: a later prefill chunk's attention reads the cache, the first its own K/V
  private bindPart(op: ForwardOp): number {
    return this.partFor(op.bind, this.partOf[0], json, false);
  }

  private offsetsPart(op: ForwardOp): number {
    return op.offsets ? this.partFor(op.offsets, this.partOf[0], json, false) : -1;
  }

  /** The op's key as text (for tests and messages): its id and the numbers of its pipelines, bindings and offsets (equal parts, equal numbers). */
  key(op: ForwardOp, instrument: boolean): string {
    return `${op.id}:${this.pipelinesPart(op, instrument)}:${this.bindPart(op)}:${this.offsetsPart(op)}`;
  }

  private find(op: ForwardOp, instrument: boolean): T | undefined {
    return this.byId.get(op.id)?.get(this.pipelinesPart(op, instrument))?.get(this.bindPart(op))?.get(this.offsetsPart(op));
  }

  get(op: ForwardOp, instrument: boolean): T | undefined {
    const kept = this.immutable.has(op), mine = this.byOp[instrument ? 1 : 0];
    const known = kept ? mine.get(op) : undefined;
    if (known) return known;
    const hit = this.find(op, instrument);
    if (hit && kept) mine.set(op, hit);
    return hit;
  }

  set(op: ForwardOp, instrument: boolean, bound: T): void {
    const at = <K, V>(m: Map<K, V>, k: K, make: () => V): V => {
      let v = m.get(k);
      if (v === undefined) m.set(k, (v = make()));
      return v;
    };
    const last = at(at(at(this.byId, op.id, () => new Map()), this.pipelinesPart(op, instrument), () => new Map()), this.bindPart(op), () => new Map<number, T>());
    const offsets = this.offsetsPart(op);
    if (!last.has(offsets)) this.count++;
    last.set(offsets, bound);
    if (this.immutable.has(op)) this.byOp[instrument ? 1 : 0].set(op, bound);
  }

  get size(): number {
    return this.count;
  }

  destroy(): void {
    for (const a of this.byId.values()) for (const b of a.values()) for (const c of b.values()) for (const bound of c.values()) bound.destroy();
    this.byId = new Map();
    this.count = 0;
    this.byOp = [new WeakMap(), new WeakMap()];
  }
}
