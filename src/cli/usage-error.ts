// The one error class for a problem with a command line or its inputs, shared by every command line
// (src/cli/kernel.ts, simulate.ts, generate.ts; bench/run.ts, generate-bench.ts): its message is one line
// saying what was wrong and what is allowed, and the command exits 2 with nothing run.

/** A problem with the command line or its inputs: one line, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
