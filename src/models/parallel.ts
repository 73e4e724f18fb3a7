// The one tensor-parallel rule: a model's heads (and with them its FFN columns and vocabulary) split
// evenly over the chips, so a tensor-parallel degree divides the attention heads. simulateModel's placement
// and input checks (index.ts) and the Tokens tab's chip choices (src/share/model-limits.ts) use it. Its own
// module, with no imports, so the UI's checks do not load the chip model.

/** Tensor-parallel degrees the model allows, up to `maxChips`: divisors of the attention heads, ascending. */
export function tensorParallelDegrees(m: { nHeads: number }, maxChips: number): number[] {
  const out: number[] = [];
  for (let p = 1; p <= Math.min(m.nHeads, maxChips); p++) if (m.nHeads % p === 0) out.push(p);
  return out;
}
