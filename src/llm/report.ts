// Per-op figures of one step: measured time beside the plan's bytes and flops (and from them the
// achieved GB/s and GFLOP/s), grouped by op family for shares. Used by the CLI, the worker and the bench.

import { planTotals } from '../kernels/plan.ts';
import type { ForwardOp } from '../models/forward.ts';
import type { OpTiming } from './gpu-model.ts';

export interface OpRow {
  id: string;
  family: string;
  kernel: string;
  variant: string;
  ms: number;
  bytes: number;
  flops: number;
  gbps: number;
  gflops: number;
}

export interface FamilyRow {
  family: string;
  ms: number;
  share: number;
  count: number;
  bytes: number;
  /** The kernel/variant names its ops ran (e.g. "matmul/gemv"), distinct, in op order. */
  kernels: string[];
}

export function opRows(ops: ForwardOp[], timing: OpTiming[]): OpRow[] {
  return ops.map((op, i) => {
    const t = planTotals(op.plan);
    const bytes = t.loadBytes + t.storeBytes;
    const ms = timing[i]?.ms ?? NaN;
    return {
      id: op.id, family: op.family, kernel: op.plan.kernel, variant: op.plan.variant, ms, bytes, flops: op.plan.flops,
      gbps: ms > 0 ? bytes / (ms * 1e6) : 0, gflops: ms > 0 ? op.plan.flops / (ms * 1e6) : 0,
    };
  });
}

export function familyRows(rows: OpRow[]): FamilyRow[] {
  const total = rows.reduce((s, r) => s + r.ms, 0);
  const by = new Map<string, FamilyRow>();
  for (const r of rows) {
    const f = by.get(r.family) ?? { family: r.family, ms: 0, share: 0, count: 0, bytes: 0, kernels: [] };
    f.ms += r.ms; f.count += 1; f.bytes += r.bytes;
    const k = `${r.kernel}/${r.variant}`;
    if (!f.kernels.includes(k)) f.kernels.push(k);
    by.set(r.family, f);
  }
  return [...by.values()].map((f) => ({ ...f, share: total > 0 ? f.ms / total : 0 })).sort((a, b) => b.ms - a.ms);
}
