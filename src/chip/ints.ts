// Integer division on the simulator's hot paths. `Math.floor(a / b)` and `Math.ceil(a / b)` of a
// quotient V8 has only seen whole compile to an integer division that deoptimises at the first
// fraction (a new workload in the UI's worker); a truncating `| 0` compiles to one that never does.
// For non-negative a and positive b with a / b < 2^31.

/** floor(a / b). */
export function floorDiv(a: number, b: number): number {
  return (a / b) | 0;
}

/** ceil(a / b), also for a fractional a. Branch-free: an increment first taken late would deoptimise its caller. */
export function ceilDiv(a: number, b: number): number {
  const q = (a / b) | 0;
  return q + (q * b < a ? 1 : 0);
}
