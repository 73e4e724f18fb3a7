// Sampling settings of a generation; the rule itself lives with its kernel (src/kernels/sample.ts).
export { MAX_TOP_K, drawStream, effectiveTopK, sampleWith, topK } from '../kernels/sample.ts';

export interface SamplingSettings {
  /** 0 = greedy. */
  temperature: number;
  /** Candidates kept, 1..64 (1 = greedy). */
  topK: number;
  seed: number;
}
