// The MAC array's schedule against SCALE-Sim v2 (scalesim/compute/systolic_compute_{os,ws,is}.py):
// closed forms derived from its source (src/chip/systolic.ts), numbers worked out by hand below, and
// the whole simulator on a single array (1x1 grid, effectively unlimited bandwidth).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chipPreset, simulatePlan, validateChipConfig, type ChipConfig, type Dataflow } from '../../src/chip/index.ts';
import { scaleSimTotalCycles, systolicRun } from '../../src/chip/systolic.ts';
import { matmul } from '../../src/kernels/matmul.ts';

const OS: Dataflow = 'output-stationary', WS: Dataflow = 'weight-stationary', IS: Dataflow = 'input-stationary';

// SCALE-Sim maps os: rows M, cols N, time K; ws: rows K, cols N, time M; is: rows K, cols M, time N.
// folds = ceil(rows / R) x ceil(cols / C); per fold os: T + R + C - 2, ws / is: 2R + C + T - 2;
// Total Cycles = folds x per fold - 1 (the index of the last demand row, no stalls).
const CASES: Array<{ why: string; R: number; C: number; M: number; N: number; K: number; os: number; ws: number; is: number }> = [
  {
    why: "SCALE-Sim's own golden report (test/golden_trace, ws 32x32, AlexNet conv1 as a GEMM)",
    R: 32, C: 32, M: 3025, N: 96, K: 363,
    os: 95 * 3 * (363 + 62) - 1, // ceil(3025/32)=95 x ceil(96/32)=3 = 285 folds x 425 = 121125 - 1
    ws: 112283, // ceil(363/32)=12 x 3 = 36 folds x (64 + 32 + 3025 - 2 = 3119) = 112284 - 1: the golden Total Cycles
    is: 12 * 95 * (64 + 32 + 96 - 2) - 1, // rows K: 12, cols M: 95 -> 1140 folds x 190 = 216600 - 1
  },
  {
    why: 'odd sizes, partial folds on every axis',
    R: 32, C: 32, M: 100, N: 37, K: 51,
    os: 903, // ceil(100/32)=4 x ceil(37/32)=2 = 8 folds x (51 + 62 = 113) = 904 - 1
    ws: 775, // ceil(51/32)=2 x 2 = 4 folds x (64 + 32 + 100 - 2 = 194) = 776 - 1
    is: 1047, // 2 x ceil(100/32)=4 = 8 folds x (64 + 32 + 37 - 2 = 131) = 1048 - 1
  },
  {
    why: 'exactly one fold',
    R: 32, C: 32, M: 32, N: 32, K: 32,
    os: 93, // 1 fold x (32 + 62 = 94) - 1
    ws: 125, // 1 fold x (64 + 32 + 32 - 2 = 126) - 1
    is: 125, // 1 fold x 126 - 1
  },
  {
    why: 'one fold + 1 row: the partial fold costs a full one',
    R: 32, C: 32, M: 33, N: 32, K: 32,
    os: 187, // ceil(33/32)=2 folds x 94 = 188 - 1
    ws: 126, // rows K 1 x cols N 1 = 1 fold x (64 + 32 + 33 - 2 = 127) - 1
    is: 251, // rows K 1 x cols M 2 = 2 folds x 126 = 252 - 1
  },
  {
    why: 'K = 1',
    R: 16, C: 16, M: 64, N: 64, K: 1,
    os: 495, // 4 x 4 = 16 folds x (1 + 30 = 31) = 496 - 1
    ws: 439, // 1 x 4 = 4 folds x (32 + 16 + 64 - 2 = 110) = 440 - 1
    is: 439, // 1 x 4 = 4 folds x (32 + 16 + 64 - 2 = 110) = 440 - 1
  },
  {
    why: 'tall and skinny GEMM on a non-square 8x16 array',
    R: 8, C: 16, M: 4096, N: 7, K: 33,
    os: 28159, // 512 x 1 = 512 folds x (33 + 8 + 16 - 2 = 55) = 28160 - 1
    ws: 20629, // ceil(33/8)=5 x 1 = 5 folds x (16 + 16 + 4096 - 2 = 4126) = 20630 - 1
    is: 47359, // 5 x 4096/16=256 = 1280 folds x (16 + 16 + 7 - 2 = 37) = 47360 - 1
  },
  {
    why: 'GEMV (decode at batch 1) on a 128x128 array',
    R: 128, C: 128, M: 1, N: 4096, K: 1024,
    os: 40895, // 1 x 32 = 32 folds x (1024 + 254 = 1278) = 40896 - 1
    ws: 98047, // 8 x 32 = 256 folds x (256 + 128 + 1 - 2 = 383) = 98048 - 1
    is: 35823, // 8 x 1 = 8 folds x (256 + 128 + 4096 - 2 = 4478) = 35824 - 1
  },
];

/** One R x C array that does one MAC per PE per cycle, links and HBM far faster than the array (SCALE-Sim's unlimited bandwidth). */
function singleArray(R: number, C: number, over: (c: ChipConfig) => void = () => {}): ChipConfig {
  const c = structuredClone(chipPreset('jalapeno').config);
  c.grid = { rows: 1, cols: 1 };
  c.tile.macArray = { rows: R, cols: C };
  c.tile.macsPerCycle = { int8: 2 * R * C, fp16: R * C, fp32: R * C };
  c.tile.sramBytes = 2 ** 30;
  c.clockHz = 1e9;
  c.noc.linkBytesPerCycle = 65536;
  c.noc.hopLatencyCycles = 0;
  c.hbm = { ...c.hbm, stacks: 1, bandwidthBytesPerS: 1e15, edges: ['west'] };
  over(c);
  return validateChipConfig(c);
}

const gemm = (M: number, N: number, K: number, tiles: Record<string, number> = {}) =>
  matmul.plan(matmul.validate({ M, N, K, ...tiles }), 'tiled-f16');

describe('SCALE-Sim v2 closed forms', () => {
  for (const c of CASES) {
    it(`${c.why}: ${c.M}x${c.N}x${c.K} on ${c.R}x${c.C}`, () => {
      expect(scaleSimTotalCycles(OS, c.R, c.C, c.M, c.N, c.K)).toBe(c.os);
      expect(scaleSimTotalCycles(WS, c.R, c.C, c.M, c.N, c.K)).toBe(c.ws);
      expect(scaleSimTotalCycles(IS, c.R, c.C, c.M, c.N, c.K)).toBe(c.is);
    });
  }

  it('the stream factor scales only the T steps: int8 at 2 MACs per PE per cycle halves K, not the fill/drain', () => {
    // os, 32x32, M = N = 32, K = 64: one fold of 62 fill/drain + 64 x 0.5 streaming steps
    expect(systolicRun(OS, 32, 32, 32, 32, 64, 0.5)).toEqual({ folds: 1, foldCycles: 94, cycles: 94 });
  });
});

describe('simulatePlan on one systolic array (1x1 grid) vs SCALE-Sim Total Cycles', () => {
  // The simulator's cycles are SCALE-Sim's demand rows (Total Cycles + 1) plus, per plan tile, the
  // first block's and the output block's transfer at 65536 B/cycle (under a cycle each): never below
  // SCALE-Sim, at most one cycle per plan tile above, and within 5% (the bound).
  for (const c of CASES) {
    for (const [df, expected] of [[OS, c.os], [WS, c.ws], [IS, c.is]] as const) {
      it(`${c.M}x${c.N}x${c.K} on ${c.R}x${c.C}, ${df}: ${expected} cycles (${c.why})`, () => {
        const chip = singleArray(c.R, c.C);
        for (const timing of ['analytic', 'event'] as const) {
          const r = simulatePlan(chip, gemm(c.M, c.N, c.K), { dataflow: df, timing, maxTraceEvents: 0 });
          const what = `${timing}: ${r.cycles} vs ${expected}`;
          expect(r.cycles, what).toBeGreaterThanOrEqual(expected + 1);
          expect(r.cycles - (expected + 1), what).toBeLessThanOrEqual(r.passes[0].planTiles);
          expect(r.cycles / expected, what).toBeLessThanOrEqual(1.05);
          expect(r.bound, timing).toBe('compute');
        }
      });
    }
  }

  it('folds come from the array and the GEMM, not the plan tile: 16x16 and 128x128 blocks give the same cycles on a 128x128 array', () => {
    const chip = singleArray(128, 128);
    const expected = scaleSimTotalCycles(OS, 128, 128, 512, 512, 512); // 4 x 4 = 16 folds x (512 + 254) - 1 = 12255
    expect(expected).toBe(12255);
    const small = simulatePlan(chip, gemm(512, 512, 512, { BM: 16, BN: 16, TM: 1, TN: 1 }), { timing: 'analytic', maxTraceEvents: 0 });
    const big = simulatePlan(chip, gemm(512, 512, 512, { BM: 128, BN: 128 }), { timing: 'analytic', maxTraceEvents: 0 });
    // 1024 plan tiles of 16x16 pay 1024 first/output block transfers (0.0625 + 0.0078 cycles each) on top
    expect(small.cycles / expected).toBeLessThanOrEqual(1.01);
    expect(big.cycles / expected).toBeLessThanOrEqual(1.005);
  });

  it('the chip config picks the dataflow (tile.dataflow) when the run does not; a bad value is rejected', () => {
    const chip = singleArray(32, 32, (c) => { c.tile.dataflow = WS; });
    const r = simulatePlan(chip, gemm(100, 37, 51), { timing: 'analytic', maxTraceEvents: 0 });
    expect(r.dataflow).toBe(WS);
    expect(r.cycles / 775).toBeLessThanOrEqual(1.005); // the ws case above
    expect(simulatePlan(chip, gemm(100, 37, 51), { dataflow: OS, timing: 'analytic', maxTraceEvents: 0 }).dataflow).toBe(OS);
    const bad = structuredClone(chip) as unknown as { tile: Record<string, unknown> };
    bad.tile.dataflow = 'row-stationary';
    expect(() => validateChipConfig(bad)).toThrow(/config\.tile\.dataflow must be one of output-stationary, weight-stationary, input-stationary, got "row-stationary"/);
  });

  it('weight-stationary changes the compute schedule, not only where weights live', () => {
    // M = 4096, N = 7, K = 33 on 8x16: os 28159, ws 20629 (table above); with weights already resident
    // in SRAM for both runs, only the schedule differs
    const chip = singleArray(8, 16);
    const plan = gemm(4096, 7, 33);
    const os = simulatePlan(chip, plan, { dataflow: OS, resident: ['B'], timing: 'analytic', maxTraceEvents: 0 });
    const ws = simulatePlan(chip, plan, { dataflow: WS, resident: ['B'], timing: 'analytic', maxTraceEvents: 0 });
    expect(os.bytes).toEqual(ws.bytes);
    expect(os.cycles / 28159).toBeLessThanOrEqual(1.005);
    expect(ws.cycles / 20629).toBeLessThanOrEqual(1.005);
  });
});

describe('CLI: --grid 1x1 --array RxC with --chip-config', () => {
  it('--array sets the MAC rate: a 64x64 array runs a 1024^3 GEMM ~4x faster than 32x32 (SCALE-Sim folds)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chip-systolic-'));
    const file = join(dir, 'array.json');
    writeFileSync(file, JSON.stringify(singleArray(32, 32)));
    const run = (array: string) => JSON.parse(execFileSync(process.execPath, [
      '--import', 'tsx', 'src/cli/simulate.ts', '--chip-config', file, '--grid', '1x1', '--array', array,
      '--kernel', 'matmul', '--shape', 'M=1024,N=1024,K=1024', '--variant', 'tiled-f16', '--json',
    ], { encoding: 'utf8' })) as { cycles: number };
    const a32 = run('32x32').cycles, a64 = run('64x64').cycles;
    // 32 x 32 folds x (1024 + 62) = 1112064 rows; 16 x 16 folds x (1024 + 126) = 294400 rows
    expect(a32 / 1112064).toBeGreaterThanOrEqual(1);
    expect(a32 / 1112064).toBeLessThanOrEqual(1.005);
    expect(a64 / 294400).toBeGreaterThanOrEqual(1);
    expect(a64 / 294400).toBeLessThanOrEqual(1.005);
  }, 60_000);
});
