// Growable typed arrays: the trace and the wave's multicast-group table keep parallel typed
// arrays and grow them together.

type Typed = Uint8Array | Uint16Array | Int32Array | Float64Array;

/** A copy of `a` with room for `n` elements (n >= a.length), same element type. */
export function grownCopy<T extends Typed>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
