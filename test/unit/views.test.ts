// Pure helpers behind the tokens, roofline and compare views: roofs, ridge, point placement,
// op-share rows and the B/A verdict. Expected numbers are worked out by hand in the comments;
// two cases run the real chip model and check physical properties (no point above its roof,
// bar shares equal to the model's own op shares).

import { describe, expect, it } from 'vitest';
import {
  attainable, axisRange, distinctRoofs, dominantDtype, fmtFlops, intensityGrid, measuredPoint, peakFlops, predictedPoint, ridgeIntensity, roofOf,
} from '../../src/ui/roofline-math.ts';
import { batchingText, bestRow, compareMetric, opOrder, opSegments, segmentText, timeShares, tokenRows, type ModelOutcome } from '../../src/ui/token-table.ts';
import { stepBound } from '../../src/models/bound.ts';
import type { ChipConfig, ChipPreset } from '../../src/chip/types.ts';
import type { ModelSimResult, OpSimResult } from '../../src/models/types.ts';
import { CHIP_PRESETS, simulatePlan } from '../../src/chip/index.ts';
import { modelPreset, simulateModel } from '../../src/models/index.ts';
import { kernelByName } from '../../src/kernels/registry.ts';

/** 2x2 tiles, int8 8 MAC/cycle, fp16 = fp32 = 4 MAC/cycle, 1 GHz, 1 GB/s. */
function tinyChip(bandwidthBytesPerS = 1e9): ChipConfig {
  const base = CHIP_PRESETS[0].config;
  return {
    ...base,
    clockHz: 1e9,
    grid: { rows: 2, cols: 2 },
    tile: { ...base.tile, macsPerCycle: { int8: 8, fp16: 4, fp32: 4 } },
    hbm: { ...base.hbm, bandwidthBytesPerS },
  };
}

describe('roofline math', () => {
  it('peaks, distinct roofs, ridge and attainable FLOP/s by hand', () => {
    const chip = tinyChip();
    // 4 tiles x 8 MAC x 1e9 x 2 FLOP = 64e9; fp16 and fp32: 4 x 4 x 1e9 x 2 = 32e9
    expect(peakFlops(chip, 'int8')).toBe(64e9);
    expect(peakFlops(chip, 'fp32')).toBe(32e9);
    const roofs = distinctRoofs(chip);
    expect(roofs.map((r) => [r.dtype, r.peakFlops])).toEqual([['int8', 64e9], ['fp16', 32e9]]); // fp32 == fp16: one roof
    const int8 = roofOf(chip, 'int8');
    expect(ridgeIntensity(int8)).toBe(64); // 64e9 FLOP/s / 1e9 B/s
    expect(attainable(int8, 16)).toBe(16e9); // under the slant: 1e9 x 16
    expect(attainable(int8, 100)).toBe(64e9); // past the ridge: flat
    // SRAM-only chip: no slanted roof, no ridge
    const sram = roofOf(tinyChip(0), 'int8');
    expect(ridgeIntensity(sram)).toBe(0);
    expect(attainable(sram, 0.01)).toBe(64e9);
  });

  it('the real presets: Jalapeño-class int8 peak is 786 TOPS as its comment says', () => {
    const j = CHIP_PRESETS.find((p) => p.id === 'jalapeno')!;
    // 256 tiles x 1024 MAC x 1.5e9 x 2
    expect(peakFlops(j.config, 'int8')).toBe(786_432e9);
    expect(fmtFlops(peakFlops(j.config, 'fp16'))).toBe('393 TFLOP/s');
  });

  it('intensity grid: log-spaced, extras merged, duplicates and out-of-range extras dropped', () => {
    expect(intensityGrid(1, 100, 3, [10, 50, 1000])).toEqual([1, 10, 50, 100]);
    expect(() => intensityGrid(0, 10, 5)).toThrow(/0 < lo < hi/);
    expect(() => intensityGrid(1, 10, 1)).toThrow(/n >= 2/);
  });

  it('point placement: predicted from HBM bytes (or I/O bytes on an SRAM-only chip), measured from GFLOP/s over GB/s', () => {
    const p = predictedPoint('x', { timeS: 2e-6, bytes: { hbm: 1000, hbmRead: 0, hbmWrite: 0, noc: 0, sram: 0 } }, 4000, 500);
    expect(p).toMatchObject({ intensity: 4, flops: 2e9, kind: 'predicted', note: undefined });
    const s = predictedPoint('x', { timeS: 2e-6, bytes: { hbm: 0, hbmRead: 0, hbmWrite: 0, noc: 0, sram: 0 } }, 4000, 500);
    expect(s?.intensity).toBe(8);
    expect(s?.note).toMatch(/I\/O bytes/);
    expect(predictedPoint('x', { timeS: 0, bytes: { hbm: 1, hbmRead: 0, hbmWrite: 0, noc: 0, sram: 0 } }, 4000, 500)).toBeNull();
    expect(measuredPoint('m', { gflops: 10, gbps: 5 })).toMatchObject({ intensity: 2, flops: 1e10, kind: 'measured' });
    expect(measuredPoint('m', { gflops: 10, gbps: 0 })).toBeNull();
  });

  it('axis range holds ridges and points, in whole decades', () => {
    const r = axisRange([roofOf(tinyChip(), 'int8')], [{ label: 'p', intensity: 4, flops: 2e9, kind: 'predicted' }]);
    // x: min(0.1, 100, ridge 64, 4) = 0.1; max(100, 64, 4) x 1.5 = 150 -> 1000
    // y: 64e9 x 1.5 = 9.6e10 -> 1e11; low = min(1e9, 1e11 / 1e4) = 1e7
    expect(r).toEqual({ x: [0.1, 1000], y: [1e7, 1e11] });
  });

  it('dominant datatype from MAC counts', () => {
    expect(dominantDtype({ counts: { macs: { int8: 10, fp16: 0, fp32: 3 } } as never })).toBe('int8');
    expect(dominantDtype({ counts: { macs: { int8: 0, fp16: 0, fp32: 0 } } as never })).toBe('fp32');
  });

  it('chip model: no preset predicts a point above its own roof (matmul tiled and int8 dot4)', () => {
    for (const [kernel, variant] of [['matmul', 'tiled'], ['matmul-int8', 'dot4']] as const) {
      const def = kernelByName(kernel);
      const plan = def.plan(def.validate({ M: 64, N: 128, K: 128 }), variant);
      for (const preset of CHIP_PRESETS) {
        const sim = simulatePlan(preset.config, plan, { maxTraceEvents: 64 });
        const p = predictedPoint(preset.id, sim, plan.flops, plan.ioBytes)!;
        const roof = roofOf(preset.config, dominantDtype(sim));
        const limit = attainable(roof, p.intensity);
        expect(p.flops, `${kernel}/${variant} on ${preset.id}: ${p.flops} FLOP/s at I=${p.intensity} vs roof ${limit}`).toBeLessThanOrEqual(limit * (1 + 1e-9));
      }
    }
  });
});

function op(name: string, timeS: number, bound: OpSimResult['bound'], breakdown: OpSimResult['breakdown'] = { compute: 0, memory: timeS, launch: 0, collective: 0 }): OpSimResult {
  return { name, source: 'test', timeS, share: 0, bound, energyJ: 0, bytes: { hbm: 0, noc: 0, sram: 0 }, macs: 0, breakdown, savedBytes: { hbm: 0 }, mode: 'kernel' };
}
function fakeResult(ops: OpSimResult[], extra: Partial<ModelSimResult> = {}): ModelSimResult {
  return { ops, tokensPerS: 1, perTokenMs: 1, joulesPerToken: 1, tokensPerSPerW: 1, placement: { fits: true, messages: [] }, ...extra } as unknown as ModelSimResult;
}
const presets = (ids: string[]): ChipPreset[] => ids.map((id) => ({ id, label: id.toUpperCase(), description: '', hypothetical: id === 'j', config: tinyChip(), sources: [] }));

describe('token table', () => {
  it('says which batching its figures assume: static for decode and prefill (and where in-flight batching is), in-flight with its request shape', () => {
    // decode at batch 1 (singular) and 64; prefill names the prompts and their length
    expect(batchingText({ phase: 'decode', batch: 1, tokens: 512 })).toMatch(/^Batching: static \(one sequence decodes and no prefill shares the step\)\. .*--inflight ISL\/OSL/);
    expect(batchingText({ phase: 'decode', batch: 64, tokens: 512 })).toContain('all 64 sequences decode together');
    expect(batchingText({ phase: 'prefill', batch: 2, tokens: 2048 })).toContain('static (2 prompts of 2,048 tokens prefilled together)');
    expect(batchingText({ phase: 'decode', batch: 1, tokens: 1 })).toContain('choose in-flight for that throughput');
    // in-flight: the request shape and the most sequences (the default 128 output tokens when the state has none)
    expect(batchingText({ phase: 'inflight', batch: 64, tokens: 2048, osl: 256 })).toMatch(/^Batching: in-flight, as TensorRT-LLM and vLLM serve requests of 2,048 prompt and 256 output tokens: each step decodes up to 64 sequences/);
    expect(batchingText({ phase: 'inflight', batch: 1, tokens: 128 })).toContain('128 prompt and 128 output tokens: each step decodes up to 1 sequence and');
  });

  it('segments: shares by time, colours stable across presets, bound shares', () => {
    const a = fakeResult([op('qkv', 1, 'memory'), op('mlp', 3, 'compute')]);
    const b = fakeResult([op('mlp', 2, 'noc'), op('head', 2, 'memory')]);
    const order = opOrder([a, null, b]);
    expect(order).toEqual(['qkv', 'mlp', 'head']);
    const sa = opSegments(a, order);
    expect(sa.map((s) => [s.name, s.share, s.color])).toEqual([['qkv', 0.25, 0], ['mlp', 0.75, 1]]);
    expect(opSegments(b, order).map((s) => s.color)).toEqual([1, 2]); // mlp keeps colour 1
    expect(stepBound(sa)).toEqual({ share: { compute: 0.75, memory: 0.25, noc: 0, 'array-schedule': 0, launch: 0, collective: 0 }, bound: 'compute' });
    // launch- and collective-bound ops (the one OpBound definition) count in their own share
    const c = opSegments(fakeResult([op('norm', 1, 'launch'), op('all-reduce', 3, 'collective')]), order);
    expect(stepBound(c)).toMatchObject({ share: { launch: 0.25, collective: 0.75 }, bound: 'collective' });
    // the one rule (largestPart, as opBound's): a tie goes to the first bound in legend order; a step with no time has none
    expect(stepBound([{ bound: 'noc', share: 0.5 }, { bound: 'memory', share: 0.5 }]).bound).toBe('memory');
    expect(stepBound([{ bound: 'launch', share: 0.5 }, { bound: 'compute', share: 0.5 }]).bound).toBe('compute');
    expect(stepBound([]).bound).toBeNull();
  });

  it('op segments split into compute / memory / launch / collective fractions of the op; the row\'s time shares sum to 1', () => {
    const a = fakeResult([op('qkv', 4, 'memory', { compute: 1, memory: 2, launch: 1, collective: 0 }), op('all-reduce', 4, 'noc', { compute: 0, memory: 0, launch: 0, collective: 4 })]);
    const segs = opSegments(a, opOrder([a]));
    expect(segs[0].parts).toEqual([{ kind: 'compute', frac: 0.25 }, { kind: 'memory', frac: 0.5 }, { kind: 'launch', frac: 0.25 }]);
    expect(segs[1].parts).toEqual([{ kind: 'collective', frac: 1 }]);
    expect(timeShares(a)).toEqual({ compute: 0.125, memory: 0.25, launch: 0.125, collective: 0.5 });
  });

  it('a bar segment\'s accessible name carries its share, time, bound and time split (keyboard users get the bar\'s numbers)', () => {
    // qkv: 1.5 ms of a 6 ms step = 25.0%; its 1.5 ms = 0.3 compute + 0.9 memory + 0.3 launch = 20% / 60% / 20%
    const a = fakeResult([op('qkv', 1.5e-3, 'memory', { compute: 0.3e-3, memory: 0.9e-3, launch: 0.3e-3, collective: 0 }), op('mlp', 4.5e-3, 'compute', { compute: 4.5e-3, memory: 0, launch: 0, collective: 0 })]);
    const [qkv, mlp] = opSegments(a, opOrder([a]));
    expect(segmentText('H100 SXM', qkv)).toBe('H100 SXM, qkv: 25% of the step (1.50 ms), memory-bound; compute 20%, memory 60%, launch gap 20%');
    expect(segmentText('TPU v5e', mlp)).toBe('TPU v5e, mlp: 75% of the step (4.50 ms), compute-bound; compute 100%');
    // an op without a breakdown still names its share, time and bound
    expect(segmentText('X', { ...qkv, parts: [] })).toBe('X, qkv: 25% of the step (1.50 ms), memory-bound');
  });

  it('rows: one per preset, failures keep their message, best ignores configurations that do not fit', () => {
    const outs: ModelOutcome[] = [
      { status: 'ok', result: fakeResult([op('x', 1, 'memory')], { tokensPerS: 100 }) },
      { status: 'invalid', message: 'bad chips' },
      { status: 'ok', result: fakeResult([op('x', 1, 'noc')], { tokensPerS: 500, placement: { fits: false, messages: ['too big'] } as never }) },
      { status: 'ok', result: fakeResult([op('x', 1, 'compute')], { tokensPerS: 200 }) },
    ];
    const rows = tokenRows(presets(['j', 'b', 'c', 'd']), outs);
    expect(rows.map((r) => [r.id, r.hypothetical, r.bound, r.error])).toEqual([
      ['j', true, 'memory', undefined], ['b', false, null, 'bad chips'], ['c', false, 'noc', undefined], ['d', false, 'compute', undefined],
    ]);
    expect(bestRow(rows, (r) => r.tokensPerS, 'higher')).toBe(3); // 500 does not fit
    expect(bestRow(rows, (r) => r.tokensPerS, 'lower')).toBe(0);
  });

  it('chip model: bar shares equal the model\'s own op shares on every preset (Llama-3-8B decode)', () => {
    const outs: ModelOutcome[] = CHIP_PRESETS.map((p) => ({ status: 'ok', result: simulateModel(p.config, modelPreset('llama3-8b'), { phase: 'decode', tokens: 1, context: 256, batch: 1, chips: 1 }) }));
    const rows = tokenRows(CHIP_PRESETS, outs);
    expect(rows).toHaveLength(CHIP_PRESETS.length);
    for (const row of rows) {
      row.result!.ops.forEach((o, k) => expect(row.segments[k].share, `${row.id} ${o.name}`).toBeCloseTo(o.share, 6));
      expect(row.result!.tokensPerS).toBeGreaterThan(0);
    }
  });

  it('compare verdict: B/A with the winner by direction, ties within 0.5%, nothing for non-positive values', () => {
    expect(compareMetric(2, 1, 'lower')).toEqual({ ratio: 0.5, winner: 'B' });
    expect(compareMetric(2, 1, 'higher')).toEqual({ ratio: 0.5, winner: 'A' });
    expect(compareMetric(1, 1.004, 'higher').winner).toBe('tie');
    expect(compareMetric(0, 1, 'lower')).toEqual({ ratio: null, winner: null });
    expect(compareMetric(1, Infinity, 'lower')).toEqual({ ratio: null, winner: null });
  });
});
