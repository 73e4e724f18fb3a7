// Array helpers of the simulator's hot paths: growable typed arrays (the trace and the wave's
// multicast-group table keep parallel typed arrays and grow them together) and a packed map.

type Typed = Uint8Array | Uint16Array | Int32Array | Float64Array;

/** A copy of `a` with room for `n` elements (n >= a.length), same element type. */
export function grownCopy<T extends Typed>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/**
 * `xs.map(f)`, always as a packed array. V8's optimised Array.prototype.map returns holey arrays
 * where the unoptimised builtin returns packed ones, so an array built by `map` changes its map when
 * the function building it is optimised, and every optimised reader of such arrays (the tile
 * classes, the plan's tiles and steps) deoptimises and comes back slower, polymorphic. Built by
 * push, the array is packed whoever builds it.
 */
export function mapPacked<T, U>(xs: readonly T[], f: (x: T, i: number) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < xs.length; i++) out.push(f(xs[i], i));
  return out;
}
