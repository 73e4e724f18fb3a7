// The walkthrough's text is computed from the simulations beside it (issue 10: step 6 said
// "bound = memory" while the run was NoC-bound; step 2 said orange HBM packets dominate while
// blue NoC ones did; step 7 said int8 "halves" bytes that dropped to a quarter). Each case runs
// a step's setups through the chip model as the worker does, renders its text, and checks the
// sentence against the numbers; then changes a preset and checks the sentence follows.

import { describe, expect, it } from 'vitest';
import { chipPreset, type ChipConfig } from '../../src/chip/index.ts';
import { simulateModel, modelPreset } from '../../src/models/index.ts';
import { simulateKernel } from '../../src/models/kernel-cost.ts';
// timeRatio: the one time-ratio wording the steps use (src/chip/format.ts timeRatioWords)
import { formatDuration, formatPercent as pct, timeRatioWords as timeRatio } from '../../src/ui/format.ts';
import type { KernelViewRequest } from '../../src/worker/chip-service.ts';
import { STORY_PRESET_TILES, STORY_START, WALKTHROUGH, opRequest, planRequest, stepRuns, fractionWords, changeWords, lowComputeNote, STORY_RUNS, storySentences, type PlanSetup, type StepNumbers, type WalkthroughStep } from '../../src/ui/walkthrough-steps.ts';

type Configs = (id: string) => ChipConfig;
const presets: Configs = (id) => chipPreset(id).config;

/** A plan costed as the worker's simulateKernel / simulateChipView costs it for <jp-learn-tab>. */
function costPlan(s: PlanSetup, req: KernelViewRequest, cfg: Configs) {
  return simulateKernel(cfg(s.preset), s.kernel, s.variant, s.params, {
    ...req, dataflow: s.dataflow, maxTraceEvents: req.maxTraceEvents ?? 2000, timing: s.timing ?? req.timing,
    beside: req.beside && { model: modelPreset(req.beside.model), opts: req.beside.opts },
  });
}

/** What <jp-learn-tab> gathers through the worker, done directly on the chip model. */
function numbers(step: WalkthroughStep, cfg: Configs = presets, withMain = true): StepNumbers {
  const runs = stepRuns(step);
  const op = withMain ? costPlan(step.setup, opRequest(step), cfg) : (undefined as never);
  return {
    sim: withMain ? op.cost.sim : (undefined as never),
    op,
    plans: Object.fromEntries(runs.plans.map(([k, s]) => [k, costPlan(s, planRequest(s), cfg)])),
    // the opBeside model from the op's own simulation of it, as <jp-learn-tab> takes it (a test below holds it to simulateModel)
    models: Object.fromEntries(runs.models.map(([k, m]) => [k, withMain && k === step.opBeside && m.preset === step.setup.preset ? op.besideModel! : simulateModel(cfg(m.preset), modelPreset(m.model), m.opts)])),
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
    // just outside "about the same": three digits, not a "1× slower" that contradicts itself (H100 vs chip prefill, 18.0 / 18.8 ms)
    expect(timeRatio(1.046, 1)).toBe('1.05× slower');
    expect(timeRatio(1, 1.046)).toBe('1.05× faster');
    expect(timeRatio(1.2, 1)).toBe('1.2× slower');
  });
});

describe('kernel chapter: sentences follow the simulation', () => {
  it('step 6 states the bound the run reports, and follows when the preset changes it', () => {
    const s = step('6.');
    const n = numbers(s);
    expect(n.op.cost.bound).toBe('noc'); // the Jalapeño-class preset at this shape: the op's largest part is the waves' NoC-bound memory time
    expect(s.text(n).join(' ')).toContain('bound = noc');
    expect(s.text(n).join(' ')).not.toContain('bound = memory');
    // the same chip with 16x wider NoC links: the mesh stops being the bottleneck
    const wide: Configs = (id) => {
      const c = presets(id);
      return id === 'jalapeno' ? { ...c, noc: { ...c.noc, linkBytesPerCycle: c.noc.linkBytesPerCycle * 16 } } : c;
    };
    const n2 = numbers(s, wide);
    expect(n2.op.cost.bound).not.toBe('noc');
    expect(s.text(n2).join(' ')).toContain(`bound = ${n2.op.cost.bound}`);
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
    const unf = n.sim.bytes.hbm, fused = n.plans.fused.cost.sim.bytes.hbm;
    expect(unf).toBeGreaterThan(fused); // x is read three times
    expect(text).toContain(unf.toLocaleString('en-US'));
    expect(text).toContain(fused.toLocaleString('en-US'));
    expect(text).toContain(`+${(unf - fused).toLocaleString('en-US')} bytes`);
    expect(text).toContain(timeRatio(n.op.cost.timeS, n.plans.fused.cost.timeS));
  });

  it('step 7: int8 against the f32 baseline is "a quarter" of the bytes, not "half"', () => {
    const s = step('7.');
    const n = numbers(s);
    const r = n.sim.bytes.hbm / n.plans.f32.cost.sim.bytes.hbm;
    expect(r).toBeGreaterThan(0.23);
    expect(r).toBeLessThan(0.27);
    expect(s.text(n).join(' ')).toContain('a quarter of the bytes');
    expect(s.title).not.toMatch(/halve/);
  });

  it('step 8: the bound change it states is the simulated one', () => {
    const s = step('8.');
    const n = numbers(s);
    expect(s.text(n).join(' ')).toContain(`the bound from ${n.plans.one.cost.bound} to ${n.op.cost.bound}`);
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

// Issue 25 ("no prose that can disagree with its numbers"): every step, every sentence that states a
// bound, a time ratio or a per-token time is checked against the runs the step was computed from.
describe('every step: stated bounds, ratios and per-token times are the runs\' own', () => {
  const sig3 = (v: number) => String(+v.toPrecision(3));
  for (const s of WALKTHROUGH) {
    it(s.title, () => {
      const n = numbers(s);
      const text = all(n, s);
      const costs = [n.op.cost, ...Object.values(n.plans).map((p) => p.cost)];
      const models = Object.values(n.models);
      const bounds = new Set<string>([...costs.map((r) => r.bound), ...models.flatMap((m) => m.ops.map((o) => o.bound))]);
      for (const m of text.matchAll(/bound = ([\w-]+)/g)) expect(bounds, `"${m[0]}" in ${s.title}`).toContain(m[1]);
      // every "N× faster/slower" is the ratio of two of the step's runs (the words of timeRatio)
      const times = [...costs.map((r) => r.timeS), ...models.map((m) => m.timeS)];
      const phrases = new Set(times.flatMap((a) => times.map((b) => timeRatio(a, b))).flatMap((p) => [p, p.replace('slower', 'longer').replace('faster', 'shorter')]));
      for (const m of text.matchAll(/(\d[\d.,]*× (?:faster|slower|longer|shorter))/g)) expect(phrases, `"${m[0]}" in ${s.title}`).toContain(m[1]);
      // every "X ms per token" is a model run's per-token time
      const perToken = new Set(models.map((m) => sig3(m.perTokenMs)));
      for (const m of text.matchAll(/([\d.]+) ms per token/g)) expect(perToken, `"${m[0]}" in ${s.title}`).toContain(m[1]);
      // no fixed direction words left over from the old text
      expect(text).not.toMatch(/almost proportionally/);
    });
  }
});

describe('issue 25 sentences', () => {
  it('step 7 names a bound change instead of "still", and gives the three ratios it judges', () => {
    const s = step('7.');
    const n = numbers(s);
    const text = s.text(n).join(' ');
    expect(n.op.cost.bound).not.toBe(n.plans.f32.cost.bound); // int8 op paced by the MAC arrays' schedule, f32 by the NoC on the preset
    expect(text).toContain(`bound = ${n.op.cost.bound} where step 3 was bound = ${n.plans.f32.cost.bound}`);
    expect(text).not.toContain('still bound');
    const b = n.sim.bytes.hbm / n.plans.f32.cost.sim.bytes.hbm, t = n.op.cost.timeS / n.plans.f32.cost.timeS;
    expect(text).toContain(`the time to ×${+t.toPrecision(2)}`);
    expect(text).toContain(`The bytes fall to ×${+b.toPrecision(2)}`);
    expect(t).toBeGreaterThan(b * 1.15); // time falls less than the bytes: the sentence must say so
    expect(text).toContain('Time falls less than the bytes');
  });

  it('a compute bound far below the peak is explained with the tiles that have work', () => {
    const s = step('7.');
    const n = numbers(s);
    expect(n.sim.utilization).toBeLessThan(0.1);
    const tiles = Math.max(...n.sim.passes.map((p) => p.planTiles));
    expect(lowComputeNote(n.sim, n.op.cost.bound)).toContain(`${tiles} tiles of the 256 that have work`);
    expect(lowComputeNote(n.sim, 'noc')).toBe('');
    expect(lowComputeNote({ ...n.sim, utilization: 0.5 }, n.op.cost.bound)).toBe('');
  });

  it('step 10 sets int8 against int8 (the H100 with int8 weights too) and bf16 against bf16', () => {
    const s = step('10.');
    const n = numbers(s, presets, false);
    const text = s.text(n).join(' ');
    expect(n.models.gpuInt8.precision).toBe('int8');
    expect(text).toContain(`int8 against int8, the chip is ${timeRatio(n.models.chipInt8.timeS, n.models.gpuInt8.timeS)}`);
    expect(text).toContain(`bf16 against bf16, ${timeRatio(n.models.chip.timeS, n.models.gpu.timeS)}`);
  });

  it('step 11 says plainly when the H100 wins prefill, and turns around when it does not', () => {
    const s = step('11.');
    const n = numbers(s, presets, false);
    expect(n.models.gpuPrefill.timeS).toBeLessThan(n.models.prefill.timeS); // the H100 model wins 512-token prefill
    expect(s.text(n).join(' ')).toContain(`here the GPU wins, the chip is ${timeRatio(n.models.prefill.timeS, n.models.gpuPrefill.timeS)}`);
    // the H100's peak is 2.5x the chip's but its prefill GEMMs run at the measured rate by rows (DeepGEMM): the text
    // gives both sides' achieved utilization, so a 1.05x win does not read as the peaks' 2.5x
    expect(n.models.gpuPrefill.utilization).toBeLessThan(n.models.prefill.utilization);
    expect(s.text(n).join(' ')).toContain(`by less than the peaks' ratio: the H100's arrays are busy ${pct(n.models.gpuPrefill.utilization)} of their peak`);
    const slowGpu = { ...n, models: { ...n.models, gpuPrefill: { ...n.models.gpuPrefill, timeS: n.models.prefill.timeS * 2 } } };
    expect(s.text(slowGpu).join(' ')).not.toContain('GPU wins');
  });

  it('changeWords gives the direction', () => {
    expect(changeWords(2, 1)).toBe('grows to ×2');
    expect(changeWords(0.57, 1)).toBe('falls to ×0.57');
    expect(changeWords(1.01, 1)).toBe('stays about the same');
  });
});

describe('story card (above Compare)', () => {
  const runs = () => Object.fromEntries(Object.entries(STORY_RUNS).map(([k, m]) => [k, simulateModel(presets(m.preset), modelPreset(m.model), m.opts)])) as Parameters<typeof storySentences>[0];
  it('compares int8 with int8, bf16 with bf16, and says where the H100 wins prefill', () => {
    const r = runs();
    const text = storySentences(r).join(' ');
    expect(text).toContain(`the chip is ${timeRatio(r.chipInt8.timeS, r.gpuInt8.timeS)} int8 against int8`);
    expect(text).toContain(`(${timeRatio(r.chip.timeS, r.gpu.timeS)} bf16 against bf16)`);
    expect(r.gpuPrefill.timeS).toBeLessThan(r.chipPrefill.timeS);
    expect(text).toContain(`the H100 wins, the chip is ${timeRatio(r.chipPrefill.timeS, r.gpuPrefill.timeS)}`);
    expect(text).toContain(`${+r.gpu.perTokenMs.toPrecision(3)} ms per token`);
    // the prefill verdict turns around with the numbers
    const flipped = { ...r, gpuPrefill: { ...r.gpuPrefill, timeS: r.chipPrefill.timeS * 3 } };
    expect(storySentences(flipped).join(' ')).not.toContain('the H100 wins');
  });
});

describe('the animated op of the story steps is costed as deployed beside the step\'s model (issue 23: step 9 -> 10 contradicted the text)', () => {
  /** What <jp-learn-tab> asks the worker for: the animated op as deployed inside the step's model. */
  function opOf(s: WalkthroughStep) {
    expect(opRequest(s).as).toBe('deployed');
    return costPlan(s.setup, opRequest(s), presets);
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

describe('the model beside the animated op is simulated once, with the op (<jp-learn-tab> takes it from simulateKernel)', () => {
  it('every step\'s opBeside model runs on the animated op\'s chip, and the op\'s besideModel is the step simulateModel gives', () => {
    for (const s of WALKTHROUGH) {
      const m = s.models?.[s.opBeside];
      expect(m, s.title).toBeDefined();
      expect(m!.preset, s.title).toBe(s.setup.preset);
      const k = costPlan(s.setup, opRequest(s), presets);
      expect(k.besideModel, s.title).toEqual(simulateModel(presets(m!.preset), modelPreset(m!.model), m!.opts));
    }
  }, 60_000);
});

describe('the kernel chapter (steps 1-8) runs the raw plan through the same per-op cost model, labelled raw (issue 23: steps 1-8 used the plan at peak bandwidth)', () => {
  const kernelSteps = WALKTHROUGH.slice(0, STORY_START);
  it('every kernel step is costed raw beside GPT-2 small on the same chip, with the same shape as deployed', () => {
    expect(STORY_START).toBe(8); // steps 1-8, the layer chapter
    for (const s of kernelSteps) {
      const req = opRequest(s);
      expect(req).toMatchObject({ as: 'raw', withDeployed: true, beside: { model: 'gpt2-small' } });
    }
  });
  it('step 3 quotes the op time the split shows (launch gap and memory ramp included), not the kernel at peak', () => {
    const s = step('3.');
    const n = numbers(s);
    expect(n.op.as).toBe('raw');
    expect(n.op.cost.timeS).toBeGreaterThan(n.op.cost.breakdown.compute);
    expect(s.text(n).join(' ')).toContain(`time ${formatDuration(n.op.cost.timeS)} for the raw f32 kernel`);
    // beside the model's op and the deployed shape, the computed sentences say why they differ
    expect(n.op.modelOp?.name).toBe('qkv');
    expect(n.op.differences[0]).toMatch(/than gpt2-small's qkv op .*exactly as asked/);
    // GPT-2 small's weights fit the chip's SRAM: the 1,500x fewer HBM bytes of the model's op are said to come from that
    expect(n.op.differences[0]).toMatch(/MB of HBM traffic, the model [\d.]+ MB \(there .*W.* held in SRAM\)/);
    expect(n.op.deployed?.differences[0]).toMatch(/than the same shape as deployed on/);
  });
  it('step 5\'s attention is the model\'s attention shape (1,024 keys): only storage and placement differ', () => {
    const n = numbers(step('5.'));
    expect(n.op.modelOp?.params.L).toBe(1024);
    expect(n.op.differences[0]).not.toMatch(/shape differs/);
  });
});
