// One cost model (issue 23): simulateOp is the only per-op costing; simulateModel's op times are the
// kernel-level runs of the ops' plans with the same options, and the kernel views (simulateKernel,
// as deployed) reproduce the model's op; one preset + overrides chip resolution for the CLI and the worker.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { CHIP_PRESETS, chipPreset, resolveChip, validateChipConfig } from '../../src/chip/index.ts';
import { MODEL_PRESETS, modelPreset, simulateModelRuns, simulateOp } from '../../src/models/index.ts';
import { deployedOp, simulateKernel } from '../../src/models/kernel-cost.ts';
import { opBound } from '../../src/models/cost.ts';
import { api } from '../../src/worker/api.ts';

const within = (a: number, b: number, tol = 0.01) => Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-15);

describe('the op time inside simulateModel = the kernel-level run of its plan with the same options', () => {
  // every chip preset x model preset x phase: decode at context 1024, prefill of 512 tokens (the Tokens tab's defaults)
  for (const c of CHIP_PRESETS) {
    for (const phase of ['decode', 'prefill'] as const) {
      it(`${c.id} ${phase}: every op of every model preset`, () => {
        let checked = 0;
        for (const m of MODEL_PRESETS) {
          const { result, runs } = simulateModelRuns(c.config, m, { phase, context: phase === 'decode' ? 1024 : 0, tokens: 512, batch: 1 });
          const byName = new Map<string, number>();
          for (const r of runs) {
            // the kernel-level run (what --kernel, the Bench and Compare call), on the op's own plan and options
            const k = simulateOp(c.config, r.plan, r.options);
            expect(within(k.timeS, r.cost.timeS), `${m.id} ${r.name}: kernel ${k.timeS} vs in-model ${r.cost.timeS}`).toBe(true);
            // the split sums to the time
            const b = k.breakdown;
            expect(within(b.compute + b.memory + b.launch + b.collective, k.timeS)).toBe(true);
            byName.set(r.name, (byName.get(r.name) ?? 0) + k.timeS * r.times);
            checked++;
          }
          // and the model's op rows are those runs x their counts (collectives are step-level)
          for (const op of result.ops) if (op.mode !== 'collective') expect(within(byName.get(op.name)!, op.timeS), `${m.id} ${op.name}`).toBe(true);
        }
        expect(checked).toBeGreaterThan(MODEL_PRESETS.length * 8);
      }, 120_000);
    }
  }
});

describe('kernel views as deployed reproduce the model op', () => {
  // the GEMM and attention kernels the model runs: rebuilt from the kernel name and the shape only (as a kernel view does)
  const cases: Array<[string, 'decode' | 'prefill', string]> = [
    ['h100', 'decode', 'why: the issue\'s H100 row (a GPU runs the decode projection as a bf16 GEMV)'],
    ['jalapeno', 'decode', 'why: pipelined ops (steady state) must keep the model\'s mode'],
    ['wormhole-n150', 'prefill', 'why: tiled GEMMs and flash attention, activations on chip'],
    ['groq-lpu', 'decode', 'why: weights resident in SRAM on an SRAM-only chip, tensor parallel over many chips'],
  ];
  for (const [chipId, phase, why] of cases) {
    it(`${chipId} ${phase} llama3-8b: qkv, attention, o-proj, MLP (${why})`, () => {
      const chip = chipPreset(chipId).config, model = modelPreset('llama3-8b');
      const opts = { phase, context: 1024, tokens: 256, batch: 1 };
      const { runs } = simulateModelRuns(chip, model, opts);
      const gemmLike = runs.filter((r) => ['qkv', 'matmul', 'attention-decode', 'attention-prefill'].includes(r.plan.kernel));
      expect(gemmLike.length).toBeGreaterThanOrEqual(5);
      for (const r of gemmLike) {
        const shape = { ...r.plan.params };
        for (const k of ['BM', 'BN', 'BK', 'TM', 'TN', 'split', 'Bc', 'Br']) delete shape[k];
        const variant = r.source.split('/')[1];
        const d = deployedOp(chip, r.plan.kernel, variant, shape);
        expect(d.op.plan.params, r.name).toEqual(r.plan.params);
        const k = simulateKernel(chip, r.plan.kernel, variant, shape, { as: 'deployed', beside: { model, opts } });
        expect(k.modelOp, r.name).toBeDefined();
        if (r.plan.kernel !== 'matmul' || JSON.stringify(r.plan.params) === JSON.stringify(k.plan.params)) {
          const same = runs.find((x) => x.plan.kernel === k.plan.kernel && JSON.stringify(x.plan.params) === JSON.stringify(k.plan.params))!;
          expect(within(k.cost.timeS, same.cost.timeS), `${r.name}: ${k.cost.timeS} vs ${same.cost.timeS}`).toBe(true);
        }
      }
    }, 60_000);
  }

  it('Compare\'s "Jalapeño-class vs H100" kernel row, as deployed, agrees in direction with the whole-model rows (issue 23: it said H100 1.93x faster)', () => {
    const shape = { M: 1, D: 4096, Hq: 32, Hkv: 8, dh: 128 };
    const beside = { model: modelPreset('llama3-8b'), opts: { phase: 'decode' as const, context: 1024, batch: 1, chips: 1 } };
    const h = simulateKernel(chipPreset('h100').config, 'qkv', 'fused', shape, { as: 'deployed', beside });
    const j = simulateKernel(chipPreset('jalapeno').config, 'qkv', 'fused', shape, { as: 'deployed', beside });
    expect(h.differences).toEqual([]);
    expect(j.differences).toEqual([]);
    const mh = simulateModelRuns(chipPreset('h100').config, beside.model, beside.opts).result;
    const mj = simulateModelRuns(chipPreset('jalapeno').config, beside.model, beside.opts).result;
    // the whole-model rows come with the kernel row (one simulation): the same step a separate simulateModel gives
    expect(h.besideModel).toEqual(mh);
    expect(j.besideModel).toEqual(mj);
    expect(mj.tokensPerS).toBeGreaterThan(mh.tokensPerS);
    expect(j.cost.timeS).toBeLessThan(h.cost.timeS);
    // the H100 op pays its 2.5 us launch gap and 6.8 us latency: never below them (the 1.35 us row)
    expect(h.cost.timeS).toBeGreaterThan(2.5e-6 + 6.8e-6);
    expect(h.cost.breakdown.launch).toBe(2.5e-6);
    expect(h.cost.mechanisms.map((m) => m.id)).toEqual(['hbm-efficiency', 'memory-latency', 'launch-gap']);
    expect(h.cost.bound).toBe('memory');
  });

  it('the raw plan beside the model: a computed sentence says why they differ (f32, 64-row blocks, bytes)', () => {
    const beside = { model: modelPreset('llama3-8b'), opts: { phase: 'decode' as const, context: 1024, batch: 1, chips: 1 } };
    const k = simulateKernel(chipPreset('h100').config, 'qkv', 'fused', { M: 1, D: 4096, Hq: 32, Hkv: 8, dh: 128 }, { as: 'raw', beside });
    expect(k.differences).toHaveLength(1);
    expect(k.differences[0]).toMatch(/slower than llama3-8b's qkv op/);
    expect(k.differences[0]).toMatch(/BM = 64 vs 16/);
    expect(k.differences[0]).toMatch(/MB of HBM traffic/);
    expect(k.besideModel).toEqual(simulateModelRuns(chipPreset('h100').config, beside.model, beside.opts).result);
    // no model beside: no model step
    expect(simulateKernel(chipPreset('h100').config, 'qkv', 'fused', { M: 1, D: 4096, Hq: 32, Hkv: 8, dh: 128 }, { as: 'raw' }).besideModel).toBeUndefined();
    // a decode-shaped raw plan on the H100 is limited by its array schedule, not "compute" at 2% of peak
    expect(k.cost.bound).toBe('array-schedule');
    // a prefill-shaped kernel beside a decode step: the shape is named
    const p = simulateKernel(chipPreset('h100').config, 'qkv', 'fused', { M: 256, D: 4096, Hq: 32, Hkv: 8, dh: 128 }, { as: 'deployed', beside });
    expect(p.differences[0]).toMatch(/its shape differs \(M = 256 vs 1\)/);
  });
});

describe('one bound definition: the largest part of the op\'s split (issue 23: Tokens showed the waves\' bound, kernel views launch / array-schedule)', () => {
  const sim = (bound: 'compute' | 'memory' | 'noc', macs = 1) => ({ bound, counts: { macs: { int8: 0, fp16: macs, fp32: 0 } } }) as never;
  const split = (compute: number, memory: number, launch: number, collective = 0) => ({ compute, memory, launch, collective });
  it('picks the largest part, naming the memory part by what limited the waves', () => {
    const cases: Array<[ReturnType<typeof split>, ReturnType<typeof sim> | undefined, string, string]> = [
      [split(5, 1, 1), sim('compute'), 'compute', 'compute largest'],
      [split(1, 5, 1), sim('memory'), 'memory', 'memory part largest, HBM-bound waves'],
      [split(1, 5, 1), sim('noc'), 'noc', 'memory part largest, NoC-bound waves'],
      [split(1, 5, 1), sim('compute'), 'array-schedule', 'memory part largest while the waves were paced by MAC arrays: far below peak'],
      [split(1, 5, 1), sim('compute', 0), 'compute', 'vector-only work (no MACs) on the tiles in use'],
      [split(0.1, 1, 2.5), sim('memory'), 'launch', 'a tiny GPU op: the 2.5 µs launch gap is its largest part'],
      [split(0, 0, 0, 4), undefined, 'collective', 'an all-reduce'],
      [split(1, 1, 0), sim('memory'), 'memory', 'a tie between compute and memory reads memory'],
    ];
    for (const [b, s, want, why] of cases) expect(opBound(b, s), why).toBe(want);
  });
  it('every view gets the same bound for the same op: the model\'s op, the deployed kernel beside it, and the Tokens op list', () => {
    const chip = chipPreset('h100').config;
    const m = modelPreset('llama3-8b');
    const opts = { phase: 'decode' as const, context: 1024 };
    const runs = simulateModelRuns(chip, m, opts);
    const oproj = runs.result.ops.find((o) => o.name === 'o-proj')!;
    const k = simulateKernel(chip, 'matmul', 'tiled-f16', runs.runs.find((r) => r.name === 'o-proj')!.plan.params, { as: 'deployed', beside: { model: m, opts } });
    expect(k.cost.bound).toBe(oproj.bound);
    expect(oproj.bound).toBe(opBound(oproj.breakdown, runs.runs.find((r) => r.name === 'o-proj')!.cost.sim));
  });
});

describe('one preset + overrides chip resolution (CLI and worker)', () => {
  it('--array 16x16 on jalapeno: the CLI and the worker give the same chip, MAC rate scaled by the PE count (1/4)', async () => {
    const base = chipPreset('jalapeno').config;
    const o = { grid: { rows: 8, cols: 8 }, array: { rows: 16, cols: 16 } };
    const r = resolveChip(base, o);
    expect(r.tile.macsPerCycle.int8).toBe(base.tile.macsPerCycle.int8 / 4);
    expect(r.tile.macsPerCycle.fp16).toBe(base.tile.macsPerCycle.fp16 / 4);
    expect(r.grid).toEqual({ rows: 8, cols: 8 });
    // the worker's chip choice
    const w = await api.simulateModel({ preset: 'jalapeno', ...o }, 'gpt2-small', { phase: 'decode', context: 128 });
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/simulate.ts', '--chip', 'jalapeno', '--grid', '8x8', '--array', '16x16', '--model', 'gpt2-small', '--phase', 'decode', '--context', '128', '--json'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(w.status).toBe('ok');
    if (w.status === 'ok') expect(JSON.parse(cli.stdout).timeS).toBe(w.result.timeS);
    // and a preset without overrides is the preset itself
    expect(resolveChip(base, {})).toBe(base);
    expect(() => resolveChip(base, { grid: { rows: 0, cols: 4 } })).toThrow(/config\.grid\.rows must be in \[1, 256\]/);
    expect(validateChipConfig(r)).toEqual(r);
  }, 60_000);
});
