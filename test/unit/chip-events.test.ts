// The event-driven timing of simulatePlan (events.ts) against the analytic (fluid) path: agreement
// on compute-bound runs, real queueing on a NoC-bound run, the budget fallback, and a trace built
// from the real event times.
import { describe, expect, it } from 'vitest';
import { CHIP_PRESETS, chipPreset, validateChipConfig, simulatePlan, estimateTransfers, EVENT_KIND, type ChipConfig } from '../../src/chip/index.ts';
import { matmul } from '../../src/kernels/matmul.ts';
import type { Plan } from '../../src/kernels/plan.ts';

const mm = (M: number, N: number, K: number, tiles: Record<string, number> = {}): Plan => matmul.plan(matmul.validate({ M, N, K, ...tiles }), 'tiled');
function custom(id: string, over: (c: ChipConfig) => void): ChipConfig {
  const c = structuredClone(chipPreset(id).config);
  over(c);
  return validateChipConfig(c);
}

describe('event path vs analytic path', () => {
  it('small kernel runs use the event path by default; over budget they fall back with a note', () => {
    const chip = chipPreset('jalapeno').config;
    const plan = mm(256, 256, 256);
    const r = simulatePlan(chip, plan);
    expect(r.timing).toBe('event');
    expect(r.events!.transfers).toBeGreaterThan(0);
    const est = estimateTransfers(chip, plan, new Set());
    const f = simulatePlan(chip, plan, { maxEventTransfers: est - 1 });
    expect(f.timing).toBe('analytic');
    expect(f.events).toBeUndefined();
    expect(f.notes.join(' ')).toMatch(new RegExp(`${est} block transfers exceed the event-simulation budget of ${est - 1}`));
    // timing does not change what is counted
    expect(f.counts).toEqual(r.counts);
    expect(f.bytes).toEqual(r.bytes);
  });

  // Stated factor: on compute-bound runs the event path is never faster than the analytic one by
  // more than 5% and at most 1.25x slower (multicast lock-step and per-iteration latency).
  const shapes: Array<[number, number, number]> = [[128, 128, 512], [256, 256, 256], [512, 512, 512], [200, 300, 700]];
  for (const p of CHIP_PRESETS) {
    it(`${p.id}: compute-bound runs agree within [0.95, 1.25]`, () => {
      let checked = 0;
      for (const [M, N, K] of shapes) for (const multicast of [true, false]) {
        const plan = mm(M, N, K);
        const a = simulatePlan(p.config, plan, { multicast, timing: 'analytic', maxTraceEvents: 0 });
        const e = simulatePlan(p.config, plan, { multicast, timing: 'event', maxTraceEvents: 0 });
        if (a.bound !== 'compute') continue;
        checked++;
        const ratio = e.cycles / a.cycles;
        const what = `${M}x${N}x${K} ${multicast ? 'multicast' : 'unicast'}: analytic ${a.cycles} event ${e.cycles}`;
        expect(ratio, what).toBeGreaterThanOrEqual(0.95);
        expect(ratio, what).toBeLessThanOrEqual(1.25);
      }
      expect(checked, 'some shapes are compute-bound').toBeGreaterThan(0);
    });
  }

  // The fluid model charges each directed link its total bytes / bandwidth and assumes the busiest
  // one streams without a gap. Event by event, a transfer holds every link of its XY route at once
  // (cut-through) and lands through its tile's ejection port, first come first served. On an
  // SRAM-only chip (groq-lpu) the blocks come from home tiles scattered over the grid, so routes
  // cross: transfers queue behind others on shared links and ports, and links idle while a transfer
  // waits for the rest of its route. With slow links that makes the event path about 2x slower.
  // On an HBM chip the unicast stream's bottleneck is the port's first link, which FCFS keeps
  // saturated: there the fluid bound is nearly exact and the paths agree within 2% (the fluid model
  // drains every output block after the lockstep steady state; event by event, tiles that finish
  // early store while others still load).
  it('a NoC-bound run (8 B/cycle links, crossing routes) is slower event by event: transfers queue on shared links', () => {
    const plan = mm(256, 256, 1024, { BM: 32, BN: 32, BK: 16, TM: 2, TN: 2 }); // 8 x 8 plan tiles, 64 K-steps
    const slow = custom('groq-lpu', (c) => { c.grid = { rows: 8, cols: 8 }; c.noc.linkBytesPerCycle = 8; });
    const a = simulatePlan(slow, plan, { multicast: false, timing: 'analytic', maxTraceEvents: 0 });
    const e = simulatePlan(slow, plan, { multicast: false, timing: 'event', maxTraceEvents: 0 });
    const what = `analytic ${a.cycles} (${a.bound}) event ${e.cycles} (${e.bound}), link wait ${e.events!.linkWaitCycles}`;
    expect(a.bound, what).toBe('noc');
    expect(e.bound, what).toBe('noc');
    expect(e.cycles, what).toBeGreaterThan(1.5 * a.cycles);
    // the extra time is queueing: summed over transfers, the waits for busy links and ports exceed the run many times over
    expect(e.events!.linkWaitCycles, what).toBeGreaterThan(10 * e.cycles);
    let maxLink = 0;
    for (const b of e.events!.linkBytes) maxLink = Math.max(maxLink, b);
    expect(e.cycles).toBeGreaterThanOrEqual(maxLink / slow.noc.linkBytesPerCycle);
    // the same chip with its own fast links (1024 B/cycle): the gap closes, so it came from the links
    const fast = custom('groq-lpu', (c) => { c.grid = { rows: 8, cols: 8 }; });
    const fa = simulatePlan(fast, plan, { multicast: false, timing: 'analytic', maxTraceEvents: 0 });
    const fe = simulatePlan(fast, plan, { multicast: false, timing: 'event', maxTraceEvents: 0 });
    expect(fe.cycles / fa.cycles, `fast links: analytic ${fa.cycles} (${fa.bound}) event ${fe.cycles}`).toBeLessThan(1.1);

    // HBM chip, same plan, 1 B/cycle links: NoC-bound on the port link, the fluid bound is nearly exact
    const hbm = custom('jalapeno', (c) => { c.grid = { rows: 8, cols: 8 }; c.noc.linkBytesPerCycle = 1; });
    const au = simulatePlan(hbm, plan, { multicast: false, timing: 'analytic', maxTraceEvents: 0 });
    const eu = simulatePlan(hbm, plan, { multicast: false, timing: 'event', maxTraceEvents: 0 });
    expect(au.bound).toBe('noc');
    expect(Math.abs(eu.cycles / au.cycles - 1), `jalapeno 1 B/cycle: analytic ${au.cycles} event ${eu.cycles}`).toBeLessThanOrEqual(0.02);
  });

  it('the event simulation moves exactly the counted bytes over every directed link', () => {
    for (const p of CHIP_PRESETS) for (const multicast of [true, false]) {
      const r = simulatePlan(p.config, mm(300, 200, 64), { multicast, timing: 'event', maxTraceEvents: 0 });
      const ev = r.events!.linkBytes;
      for (let l = 0; l < ev.length; l++) {
        expect(Math.abs(ev[l] - r.trace.linkBytes[l]), `${p.id} link ${l}`).toBeLessThanOrEqual(1e-6 * Math.max(1, ev[l]));
      }
    }
  });
});

describe('event path trace', () => {
  it('is built from real event times: MAC events of a tile never overlap, transfers end after they start, all inside the run', () => {
    const chip = custom('jalapeno', (c) => { c.noc.linkBytesPerCycle = 4; c.grid = { rows: 4, cols: 4 }; });
    const r = simulatePlan(chip, mm(128, 128, 128, { BM: 32, BN: 32, BK: 16, TM: 2, TN: 2 }), { timing: 'event' });
    const t = r.trace;
    expect(t.sampled).toBe(false);
    expect(t.cycles).toBe(r.cycles);
    const perTile = new Map<number, Array<[number, number]>>();
    let noc = 0, hbm = 0;
    for (let i = 0; i < t.count; i++) {
      expect(t.start[i]).toBeGreaterThanOrEqual(0);
      expect(t.end[i]).toBeGreaterThanOrEqual(t.start[i]);
      expect(t.end[i]).toBeLessThanOrEqual(r.cycles * (1 + 1e-12));
      if (t.kind[i] === EVENT_KIND.mac) {
        const l = perTile.get(t.tile[i]) ?? [];
        l.push([t.start[i], t.end[i]]);
        perTile.set(t.tile[i], l);
      }
      if (t.kind[i] === EVENT_KIND.noc) noc++;
      if (t.kind[i] === EVENT_KIND.hbmRead) hbm++;
    }
    expect(perTile.size).toBe(16);
    for (const [tile, l] of perTile) {
      l.sort((a, b) => a[0] - b[0]);
      for (let k = 1; k < l.length; k++) expect(l[k][0], `tile ${tile}`).toBeGreaterThanOrEqual(l[k - 1][1] - 1e-9);
    }
    expect(noc).toBeGreaterThan(0);
    expect(hbm).toBeGreaterThan(0);
    // contention is visible in the trace: the transfers into one tile are spread out, not stacked at one instant
    const starts = new Set<number>();
    for (let i = 0; i < t.count; i++) if (t.kind[i] === EVENT_KIND.noc && t.tile[i] === t.tile[0]) starts.add(t.start[i]);
    expect(starts.size).toBeGreaterThan(1);
  });

  it('over the cap, consecutive iterations merge into one event (sampled) and the trace stays under the cap', () => {
    const chip = chipPreset('jalapeno').config;
    const r = simulatePlan(chip, mm(512, 512, 512), { timing: 'event', maxTraceEvents: 5000 });
    expect(r.trace.count).toBeLessThanOrEqual(5000);
    expect(r.trace.sampled).toBe(true);
    expect(r.notes.join(' ')).toMatch(/real event times/);
    let bytes = 0;
    for (let i = 0; i < r.trace.count; i++) if (r.trace.kind[i] === EVENT_KIND.hbmRead) bytes += r.trace.bytes[i];
    expect(bytes).toBeCloseTo(r.bytes.hbmRead, 0); // merging keeps the bytes
  });
});

describe('event path trace in the UI adapter', () => {
  it('fromChipTrace + computeFrame: at the end every byte of the event trace is done; mid-run some tiles compute', async () => {
    const { indexTrace, computeFrame, createFrameState } = await import('../../src/ui/chip-render.ts');
    const { chipViewTrace } = await import('../../src/worker/chip-view.ts');
    const { buildMesh } = await import('../../src/chip/mesh.ts');
    const r = simulatePlan(chipPreset('jalapeno').config, mm(128, 128, 256, { BM: 32, BN: 32, BK: 16, TM: 2, TN: 2 }), { timing: 'event' });
    const rt = chipViewTrace(r.trace, buildMesh(chipPreset('jalapeno').config));
    expect(rt.cycles).toBe(r.cycles);
    const idx = indexTrace(rt);
    let xferBytes = 0;
    for (let i = 0; i < rt.events.count; i++) if (rt.events.kind[i] !== 0) xferBytes += rt.events.bytes[i];
    expect(computeFrame(idx, r.cycles, createFrameState(idx)).bytesDone).toBeCloseTo(xferBytes, 3);
    expect(computeFrame(idx, r.cycles / 2, createFrameState(idx)).activeTiles).toBeGreaterThan(0);
  });
});
