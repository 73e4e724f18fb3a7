// The walkthrough's text is computed from the simulations beside it (issue 10: step 6 said
// "bound = memory" while the run was NoC-bound; step 2 said orange HBM packets dominate while
// blue NoC ones did; step 7 said int8 "halves" bytes that dropped to a quarter). Each case runs
// a step's setups through the chip model as the worker does, renders its text, and checks the
// sentence against the numbers; then changes a preset and checks the sentence follows.

import { describe, expect, it } from 'vitest';
import { chipPreset, simulatePlan, type ChipConfig } from '../../src/chip/index.ts';
import { simulateModel, modelPreset } from '../../src/models/index.ts';
import { kernelByName } from '../../src/kernels/registry.ts';
import { simulateKernel } from '../../src/models/kernel-cost.ts';
import { STORY_PRESET_TILES, WALKTHROUGH, stepRuns, fractionWords, timeRatio, type PlanSetup, type StepNumbers, type WalkthroughStep } from '../../src/ui/walkthrough-steps.ts';

type Configs = (id: string) => ChipConfig;
const presets: Configs = (id) => chipPreset(id).config;

function runPlan(s: PlanSetup, cfg: Configs) {
  const k = kernelByName(s.kernel);
  return simulatePlan(cfg(s.preset), k.plan(k.validate(s.params), s.variant), { dataflow: s.dataflow, maxTraceEvents: 2000 });
}

/** What <jp-learn-tab> gathers through the worker, done directly on the chip model. */
function numbers(step: WalkthroughStep, cfg: Configs = presets, withMain = true): StepNumbers {
  const runs = stepRuns(step);
  return {
    sim: withMain ? runPlan(step.setup, cfg) : (undefined as never),
    plans: Object.fromEntries(runs.plans.map(([k, s]) => [k, runPlan(s, cfg)])),
    models: Object.fromEntries(runs.models.map(([k, m]) => [k, simulateModel(cfg(m.preset), modelPreset(m.model), m.opts)])),
    chips: Object.fromEntries(runs.presets.map((id) => [id, cfg(id)])),
  };
}

const step = (prefix: string) => WALKTHROUGH.find((s) => s.title.startsWith(prefix))!;
const all = (n: StepNumbers, s: WalkthroughStep) => [...s.text(n), s.look(n)].join(' ');

describe('word helpers', () => {
  it('fractions in words only where they hold, ratios with their direction', () => {
    expect(fractionWords(1790976 / 7090176)).toBe('a quarter');
    expect(fractionWords(0.5)).toBe('half');
    expect(fractionWords(0.37)).toBe('0.37×');
    expect(timeRatio(2, 1)).toBe('2× slower');
    expect(timeRatio(1, 4)).toBe('4× faster');
    expect(timeRatio(1.01, 1)).toBe('about the same time');
  });
});

describe('kernel chapter: sentences follow the simulation', () => {
  it('step 6 states the bound the run reports, and follows when the preset changes it', () => {
    const s = step('6.');
    const n = numbers(s);
    expect(n.sim.bound).toBe('noc'); // the Jalapeño-class preset at this shape
    expect(s.text(n).join(' ')).toContain('bound = noc');
    expect(s.text(n).join(' ')).not.toContain('bound = memory');
    // the same chip with 16x wider NoC links: the mesh stops being the bottleneck
    const wide: Configs = (id) => {
      const c = presets(id);
      return id === 'jalapeno' ? { ...c, noc: { ...c.noc, linkBytesPerCycle: c.noc.linkBytesPerCycle * 16 } } : c;
    };
    const n2 = numbers(s, wide);
    expect(n2.sim.bound).not.toBe('noc');
    expect(s.text(n2).join(' ')).toContain(`bound = ${n2.sim.bound}`);
  });

  it('step 2 names the packets that really dominate (NoC here), and HBM when the NoC carries less', () => {
    const s = step('2.');
    const n = numbers(s);
    expect(n.sim.bytes.noc).toBeGreaterThan(n.sim.bytes.hbm);
    expect(s.look(n)).toMatch(/blue NoC squares outnumber/);
    // an HBM-only reading of the same run: swap the byte counts and the sentence turns around
    const swapped = { ...n, sim: { ...n.sim, bytes: { ...n.sim.bytes, noc: n.sim.bytes.hbm / 2 } } };
    expect(s.look(swapped)).toMatch(/orange HBM squares dominate/);
  });

  it('step 4 compares exact HBM bytes with step 3 and gives the time ratio', () => {
    const s = step('4.');
    const n = numbers(s);
    const text = s.text(n).join(' ');
    const unf = n.sim.bytes.hbm, fused = n.plans.fused.bytes.hbm;
    expect(unf).toBeGreaterThan(fused); // x is read three times
    expect(text).toContain(unf.toLocaleString('en-US'));
    expect(text).toContain(fused.toLocaleString('en-US'));
    expect(text).toContain(`+${(unf - fused).toLocaleString('en-US')} bytes`);
    expect(text).toContain(timeRatio(n.sim.timeS, n.plans.fused.timeS));
  });

  it('step 7: int8 against the f32 baseline is "a quarter" of the bytes, not "half"', () => {
    const s = step('7.');
    const n = numbers(s);
    const r = n.sim.bytes.hbm / n.plans.f32.bytes.hbm;
    expect(r).toBeGreaterThan(0.23);
    expect(r).toBeLessThan(0.27);
    expect(s.text(n).join(' ')).toContain('a quarter of the bytes');
    expect(s.title).not.toMatch(/halve/);
  });

  it('step 8: the bound change it states is the simulated one', () => {
    const s = step('8.');
    const n = numbers(s);
    expect(s.text(n).join(' ')).toContain(`the bound from ${n.plans.one.bound} to ${n.sim.bound}`);
  });

  it('step 1 counts the tiles and HBM stacks of the preset it runs on', () => {
    const s = step('1.');
    const n = numbers(s);
    expect(all(n, s)).toContain('16 × 16 = 256 tiles');
    expect(all(n, s)).toContain('4 HBM stacks');
    const small: Configs = (id) => (id === 'jalapeno' ? { ...presets(id), grid: { rows: 8, cols: 8 } } : presets(id));
    expect(all(numbers(s, small), s)).toContain('8 × 8 = 64 tiles');
  });
});

describe('story chapter: model numbers in the text', () => {
  it('step 9 (GPU decode below its roofline): per-token time, utilization and ridge from the H100 run', () => {
    const s = step('9.');
    const n = numbers(s, presets, false);
    const g = n.models.gpu;
    const text = s.text(n).join(' ');
    expect(g.utilization).toBeLessThan(0.05); // batch 1 decode: the tensor cores mostly idle
    expect(text).toContain(`${+g.perTokenMs.toPrecision(3)} ms per token`);
    expect(text).toMatch(/needs \d[\d,]* FLOP per byte/);
  });

  it('the story steps animate the op the model times: the H100 o-proj of step 9 is memory-bound with the model\'s bytes', () => {
    for (const [id, tiles] of Object.entries(STORY_PRESET_TILES)) {
      const g = presets(id).grid;
      expect(g.rows * g.cols).toBe(tiles);
    }
    const s = step('9.');
    const n = numbers(s);
    expect(s.setup.variant).toBe('tiled-f16');
    expect(n.sim.bound).toBe('memory'); // a batch-1 GEMV, as the text says (the padded f32 tiled kernel came out compute-bound)
    expect(s.look(n)).toContain('bound = memory');
    const g = n.models.gpu;
    const oProj = g.ops.find((o) => o.name === 'o-proj')!;
    expect(oProj.mode).toBe('kernel'); // on the GPU the op goes through HBM like the animated kernel
    const perLayer = oProj.bytes.hbm / modelPreset('llama3-8b').nLayers;
    expect(Math.abs(n.sim.bytes.hbm - perLayer) / perLayer).toBeLessThan(0.01);
  });

  it('step 10 says which chip is faster per token, as the simulation finds it, and follows a faster memory system', () => {
    const s = step('10.');
    const n = numbers(s, presets, false);
    const text = s.text(n).join(' ');
    expect(text).toContain(timeRatio(n.models.chip.timeS, n.models.gpu.timeS));
    const fast: Configs = (id) => {
      const c = presets(id);
      return id === 'jalapeno' ? { ...c, hbm: { ...c.hbm, bandwidthBytesPerS: c.hbm.bandwidthBytesPerS * 4 }, noc: { ...c.noc, linkBytesPerCycle: c.noc.linkBytesPerCycle * 4 } } : c;
    };
    const n2 = numbers(s, fast, false);
    expect(n2.models.chip.timeS).toBeLessThan(n2.models.gpu.timeS);
    expect(s.text(n2).join(' ')).toMatch(/\(\d[\d.]*× faster\)/);
  });

  it('step 14 (tensor parallelism) reports the chip count and the all-reduce share of the 70B step', () => {
    const s = step('14.');
    const n = numbers(s, presets, false);
    const m = n.models.big;
    expect(m.chips).toBeGreaterThan(1);
    expect(s.text(n).join(' ')).toContain(`${m.chips} Jalapeño-class chips`);
  });
});

describe('the animated op of the story steps is costed as deployed beside the step\'s model (issue 23: step 9 -> 10 contradicted the text)', () => {
  /** What <jp-learn-tab> asks the worker for: the animated op as deployed inside the step's model. */
  function opOf(s: WalkthroughStep) {
    const m = s.models![s.opBeside!];
    return simulateKernel(presets(s.setup.preset), s.setup.kernel, s.setup.variant, s.setup.params, { as: 'deployed', beside: { model: modelPreset(m.model), opts: m.opts }, maxTraceEvents: 2000 });
  }
  it('steps 9 and 10: the o-proj on each chip is the model\'s o-proj (no difference), and the faster chip per token is the faster op', () => {
    const gpu = opOf(step('9.')), chip = opOf(step('10.'));
    for (const k of [gpu, chip]) {
      expect(k.modelOp?.name).toBe('o-proj');
      expect(k.differences).toEqual([]);
    }
    const n9 = numbers(step('9.'), presets, false), n10 = numbers(step('10.'), presets, false);
    expect(n10.models.chip.timeS).toBeLessThan(n10.models.gpu.timeS);
    expect(chip.cost.timeS).toBeLessThan(gpu.cost.timeS);
    // the H100's op carries its launch gap (2.5 us, presets.ts) in the split the view shows
    expect(gpu.cost.breakdown.launch).toBeCloseTo(presets('h100').runtime.kernelLaunchS, 12);
    expect(n9.models.gpu.ops.find((o) => o.name === 'o-proj')!.timeS / modelPreset('llama3-8b').nLayers).toBeCloseTo(gpu.cost.timeS, 9);
    // and the look sentence states the op's bound, the one the metrics show
    expect(step('9.').look({ ...n9, sim: gpu.cost.sim, op: gpu })).toContain(`bound = ${gpu.cost.bound}`);
  });
  it('step 11: a prefill-shaped o-proj beside the prefill model agrees; step 14: a 70B slice that is not the model\'s op says why', () => {
    expect(opOf(step('11.')).differences).toEqual([]);
    const k = opOf(step('14.'));
    expect(k.modelOp).toBeDefined();
    if (k.differences.length) expect(k.differences[0]).toMatch(/than llama3-70b's .* op .*: its shape differs/);
  });
});
