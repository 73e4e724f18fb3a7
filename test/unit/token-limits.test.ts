// The Tokens tab's input ranges are what the chip model accepts: at each limit simulateModel runs,
// one past it the input check names the field (and simulateModel itself throws, so the limits are
// not a guess). Also the cross-field prefill rule (tokens × batch rows).
import { describe, expect, it } from 'vitest';
import { simulateModel, modelPreset } from '../../src/models/index.ts';
import { chipPreset } from '../../src/chip/presets.ts';
import { modelInputLimits } from '../../src/worker/model-limits.ts';
import { inflightThroughput } from '../../src/models/inflight.ts';
import { defaultState, validateState } from '../../src/share/state.ts';
import { checkModelInputs, chipChoices, chipSplit, maxFor, type ModelInputs } from '../../src/share/model-limits.ts';

const lim = modelInputLimits();
const chip = chipPreset('h100').config;
const model = modelPreset('gpt2-small');
/** A single step's inputs (what simulateModel takes); in-flight inputs are checked apart below. */
type StepInputs = ModelInputs & { phase: 'prefill' | 'decode' };
const base: StepInputs = { phase: 'decode', tokens: 1, context: 16, batch: 1, chips: 1 };

describe('model input limits', () => {
  // Each case: a configuration at a limit (must simulate) and the same one step past it (must be refused).
  const cases: Array<{ note: string; at: StepInputs; past: StepInputs; field: string; simulateAt?: false }> = [
    { note: 'decode batch: one row per sequence through every projection (the decode attention runs in groups of one dispatch)', at: { ...base, batch: lim.decode.batch }, past: { ...base, batch: lim.decode.batch + 1 }, field: 'batch' },
    { note: 'prefill rows: tokens × batch through the projections', at: { ...base, phase: 'prefill', tokens: 64, batch: lim.prefill.rows / 64 }, past: { ...base, phase: 'prefill', tokens: 64, batch: lim.prefill.rows / 64 + 1 }, field: 'batch' },
    { note: 'prefill tokens alone', at: { ...base, phase: 'prefill', tokens: lim.prefill.tokens }, past: { ...base, phase: 'prefill', tokens: lim.prefill.tokens + 1 }, field: 'tokens', simulateAt: false },
    // (simulating a 65,536-token prefill takes ~7 s here; the rows case above already runs at the row limit)
  ];
  for (const c of cases) {
    it(c.note, () => {
      expect(checkModelInputs(c.at, lim)).toEqual({});
      if (c.simulateAt !== false) expect(() => simulateModel(chip, model, c.at)).not.toThrow();
      const problems = checkModelInputs(c.past, lim);
      expect(Object.keys(problems)).toEqual([c.field]);
      expect(() => simulateModel(chip, model, c.past)).toThrow();
    });
  }

  it('the decode batch limit is the GEMMs\' rows, not the 1,024 sequences of one decode-attention dispatch, and the message says why', () => {
    // defect 4 was batch 4,096 past a limit the tab did not name; the limit is now the 65,536 rows a projection
    // takes (TensorRT-LLM runs 4,096 sequences: a deployment's batch is not our WGSL kernel's dispatch shape)
    expect(lim.decode.batch).toBe(65536);
    expect(checkModelInputs({ ...base, batch: 4096 }, lim)).toEqual({});
    expect(checkModelInputs({ ...base, batch: 65537 }, lim).batch).toMatch(/at most 65,536 sequences .*row of every projection.*got 65,537/);
  });

  it('every batch the limits admit makes a valid share link (the schema\'s batch range covers them)', () => {
    // the tab writes an accepted batch into the state; a link the schema then refused would not open
    const state = defaultState();
    for (const phase of ['decode', 'inflight'] as const) {
      const batch = maxFor('batch', { ...base, phase, tokens: phase === 'inflight' ? 128 : 1 }, lim);
      expect(validateState({ ...state, model: { ...state.model, phase, batch } }).ok, `${phase} batch ${batch}`).toBe(true);
      expect(validateState({ ...state, model: { ...state.model, phase, batch: batch + 1 } }).ok, `${phase} batch ${batch + 1}`).toBe(false);
    }
  });

  it('maxFor follows the other fields in prefill', () => {
    expect(maxFor('batch', { ...base, phase: 'prefill', tokens: 512 }, lim)).toBe(Math.floor(lim.prefill.rows / 512));
    expect(maxFor('tokens', { ...base, phase: 'prefill', batch: 4 }, lim)).toBe(Math.floor(lim.prefill.rows / 4));
  });

  it('in-flight batching: output tokens ≥ 2 and prompt + output within the model\'s positions, checked at the output field; the same refusal from the model', () => {
    // gpt2-small: 1,024 positions. 896 + 128 fits exactly; one more output token does not; one output token has no decode phase
    const at: ModelInputs = { ...base, phase: 'inflight', tokens: 896, osl: 128, batch: 64 };
    expect(checkModelInputs(at, lim, model)).toEqual({});
    expect(() => inflightThroughput(chip, model, { isl: 896, osl: 128, maxBatch: 64 })).not.toThrow();
    expect(checkModelInputs({ ...at, osl: 129 }, lim, model)).toEqual({ osl: expect.stringMatching(/at most 1,024 positions; 896 prompt \+ 129 output tokens = 1,025: output tokens ≤ 128/) as string });
    expect(checkModelInputs({ ...at, osl: 1 }, lim, model).osl).toMatch(/whole number ≥ 2/);
    expect(() => inflightThroughput(chip, model, { isl: 896, osl: 1 })).toThrow(/osl must be an integer in \[2/);
    // the batch is a cap the model lowers where the KV cache or the max tokens per step bind (it says which), so 4,096 is taken
    expect(checkModelInputs({ ...at, batch: 4096 }, lim, model)).toEqual({});
    expect(inflightThroughput(chip, model, { isl: 896, osl: 128, maxBatch: 4096 }).limitedBy).not.toBe('max-batch');
  });

  it('rejects non-integers and zero', () => {
    expect(checkModelInputs({ ...base, tokens: 0 }, lim).tokens).toMatch(/≥ 1/);
    expect(checkModelInputs({ ...base, context: 1.5 }, lim).context).toMatch(/whole number/);
  });
});

describe('chip counts and the model\'s positions (issue 25: no dead ends)', () => {
  const llama = modelPreset('llama3-8b');
  it('offers only counts the model accepts, and each simulates with the split it is given', () => {
    const choices = chipChoices(llama, 1024);
    expect(choices.slice(0, 8)).toEqual([1, 2, 4, 8, 16, 32, 64, 96]); // divisors of 32 heads, then 32 x stages
    const groq = chipPreset('groq-lpu').config;
    for (const c of [1, 8, 32, 64, 96]) {
      const sp = chipSplit(llama, c)!;
      expect(sp.tp * sp.stages).toBe(c);
      // the model takes every offered count (it may not fit, but it is not refused)
      expect(() => simulateModel(groq, llama, { phase: 'decode', context: 16, batch: 1, chips: c, stages: sp.stages })).not.toThrow();
    }
    // 96 = 32 x 3 stages is the fewest that hold Llama-3-8B on the SRAM-only LPU: offered and fitting
    expect(simulateModel(groq, llama, { phase: 'decode', context: 1024, batch: 1, chips: 96, stages: 3 }).placement.fits).toBe(true);
    expect(chipSplit(llama, 3)).toEqual({ tp: 1, stages: 3 });
    expect(chipSplit(llama, 48)).toEqual({ tp: 16, stages: 3 });
    expect(chipSplit(llama, 0)).toBeNull();
    expect(checkModelInputs({ ...base, chips: 33 * 64 }, lim, llama).chips).toMatch(/cannot split llama3-8b/);
    expect(checkModelInputs({ ...base, chips: 0 }, lim, llama)).toEqual({}); // 0 = fewest that hold the model
  });

  it('context + new tokens stay within the model\'s positions', () => {
    expect(maxFor('context', base, lim, llama)).toBe(8191);
    expect(checkModelInputs({ ...base, context: 8191 }, lim, llama)).toEqual({});
    expect(checkModelInputs({ ...base, context: 1 << 20 }, lim, llama).context).toMatch(/at most 8,192 positions/);
    expect(checkModelInputs({ ...base, phase: 'prefill', tokens: 512, context: 7700 }, lim, llama).context).toMatch(/≤ 7,680/);
  });
});
