// Roofline placement and explanation (issue 10, defect 10): point labels stay beside their points
// without overprinting, roof labels never overlap, coinciding memory roofs are detected, and the
// "tiles used" that explains low points comes from the simulation.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { achievableRoof, distinctRoofs, layoutRoofLabels, overrideText, placeLabels, roofOf, sameSlope, tilesUsed, withOverride } from '../../src/ui/roofline-math.ts';
import { CHIP_PRESETS, chipPreset, simulatePlan } from '../../src/chip/index.ts';
import { kernelByName } from '../../src/kernels/registry.ts';

/** No two w x h boxes (right edge x, top y) overlap. */
function overlaps(boxes: ReadonlyArray<{ x: number; y: number; w: number }>, h: number): boolean {
  for (let i = 0; i < boxes.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.x - a.w < b.x && b.x - b.w < a.x && a.y < b.y + h && b.y < a.y + h) return true;
    }
  }
  return false;
}

describe('layoutRoofLabels (roof labels never overlap)', () => {
  it('separated labels stay at their roofs, right-aligned at the edge', () => {
    const out = layoutRoofLabels([{ y: 10, w: 50 }, { y: 60, w: 80 }, { y: 200, w: 30 }], 14, 2, 0, 300, 400);
    expect(out).toEqual([{ x: 400, y: 10, moved: false }, { x: 400, y: 60, moved: false }, { x: 400, y: 200, moved: false }]);
  });
  it('three dtype roofs at one height (f32 = bf16 = int8 peak) stack 16 px apart in top-to-bottom order', () => {
    const out = layoutRoofLabels([{ y: 50, w: 60 }, { y: 50, w: 60 }, { y: 50, w: 60 }], 14, 2, 0, 300, 400);
    // 50, then 50 + 14 + 2 = 66, then 82
    expect(out.map((b) => b.y)).toEqual([50, 66, 82]);
    expect(out.map((b) => b.moved)).toEqual([false, true, true]);
  });
  it('a crowd at the bottom edge is pulled back up inside the plot, in order', () => {
    // bottom 100, h 14, gap 2: both clamp to 86 (100 - 14); the second stays at 86, the first goes 16 px up
    const out = layoutRoofLabels([{ y: 95, w: 60 }, { y: 95, w: 40 }], 14, 2, 0, 100, 400);
    expect(out).toEqual([{ x: 400, y: 70, moved: true }, { x: 400, y: 86, moved: true }]);
  });
  it('more labels than one column holds spill into columns to the left (widest label + gap apart)', () => {
    // a 30 px plot holds 2 labels of 14 + 2 px: the third at y 10 goes one column left (60 + 2 = 62 px)
    const out = layoutRoofLabels([{ y: 10, w: 60 }, { y: 10, w: 50 }, { y: 10, w: 50 }], 14, 2, 0, 30, 400);
    expect(out).toEqual([{ x: 400, y: 10, moved: false }, { x: 338, y: 10, moved: true }, { x: 276, y: 10, moved: true }]);
  });
  it('the real presets: every datatype roof of every preset (Jalapeño-class, H100, TPU v5e, n150, Groq) on a 400 px plot, none overlap', () => {
    const roofs = CHIP_PRESETS.flatMap((p) => distinctRoofs(p.config));
    // a log y axis from 1e12 to 1e16 FLOP/s over 400 px, labels 14 px tall just above their roofs
    const yOf = (f: number) => 400 * (1 - (Math.log10(f) - 12) / 4) - 14;
    const want = roofs.map((r) => ({ y: yOf(r.peakFlops), w: 110 }));
    const out = layoutRoofLabels(want, 14, 2, 0, 400, 800);
    expect(overlaps(out.map((b, i) => ({ ...b, w: want[i].w })), 14)).toBe(false);
  });
  it('property: with room for every label (one column, or several side by side), none overlap and all stay inside the plot', () => {
    fc.assert(fc.property(fc.array(fc.record({ y: fc.double({ min: -50, max: 350, noNaN: true }), w: fc.double({ min: 5, max: 60, noNaN: true }) }), { minLength: 1, maxLength: 12 }), fc.constantFrom(300, 60), (want, height) => {
      // 300 px hold 18 labels in one column; 60 px hold 3 a column, and 12 columns of the widest label fit in 800 px
      const out = layoutRoofLabels(want, 14, 2, 0, height, 800);
      expect(overlaps(out.map((b, i) => ({ ...b, w: want[i].w })), 14)).toBe(false);
      for (const [i, b] of out.entries()) expect(b.y >= 0 && b.y + 14 <= height && b.x <= 800 && b.x - want[i].w >= 0).toBe(true);
    }));
  });
});

describe('chip tab grid overrides on the roofline', () => {
  const jal = chipPreset('jalapeno').config;
  it('an 8x8 grid on Jalapeño-class (16x16 by default) scales every peak by 64/256: int8 786 -> 196.6 TOPS', () => {
    const chip = withOverride(jal, { grid: { rows: 8, cols: 8 } });
    // 64 tiles x 1024 int8 MAC/cycle x 2 FLOP x 1.5 GHz = 196.608e12; bf16 at 512 MAC/cycle: 98.304e12
    expect(roofOf(chip, 'int8').peakFlops).toBe(196_608e9);
    expect(roofOf(chip, 'fp16').peakFlops).toBe(98_304e9);
    expect(roofOf(chip, 'int8').bytesPerS).toBe(jal.hbm.bandwidthBytesPerS); // the memory roof is the preset's
    expect(chip.grid).toEqual({ rows: 8, cols: 8 });
    expect(jal.grid).toEqual({ rows: 16, cols: 16 }); // the preset itself is untouched
    expect(overrideText(jal, { grid: { rows: 8, cols: 8 } })).toBe('8×8 tiles');
  });
  it('no override, or one equal to the preset, leaves the preset as it is and names nothing', () => {
    expect(withOverride(jal, undefined)).toBe(jal);
    expect(withOverride(jal, {})).toBe(jal);
    expect(overrideText(jal, { grid: { rows: 16, cols: 16 }, array: { rows: 32, cols: 32 } })).toBe('');
    expect(withOverride(jal, { array: { rows: 16, cols: 64 } }).tile.macArray).toEqual({ rows: 16, cols: 64 });
    expect(overrideText(jal, { array: { rows: 16, cols: 64 } })).toBe('16×64 MAC array');
  });
  it('chip model on the overridden chip: a compute-bound 1024^3 tiled matmul (256 output blocks of 64x64) uses all 64 tiles and takes at least FLOPs / the 64-tile peak', () => {
    const chip = withOverride(jal, { grid: { rows: 8, cols: 8 } });
    const k = kernelByName('matmul');
    const plan = k.plan(k.validate({ M: 1024, N: 1024, K: 1024, BM: 64, BN: 64 }), 'tiled');
    const sim = simulatePlan(chip, plan);
    expect(tilesUsed(sim, 64)).toBe(64);
    // 64 tiles x 128 fp32 MAC/cycle x 2 x 1.5 GHz = 24.576e12 FLOP/s; 2 x 1024^3 FLOP / that = 87.4 us at the least
    expect(sim.timeS).toBeGreaterThanOrEqual((2 * 1024 ** 3) / 24_576e9 - 1e-12);
    const full = simulatePlan(jal, plan);
    expect(full.timeS).toBeLessThan(sim.timeS); // the preset's 256 tiles are faster: the override is what the point shows
  });
});

describe('placeLabels', () => {
  it('a lone point gets its label right beside it, no leader line', () => {
    const [b] = placeLabels([{ px: 100, py: 100, w: 10, h: 14 }], 400, 300, 6);
    expect(b).toEqual({ x: 106, y: 93, leader: false });
  });
  it('six points on one spot (coinciding predictions): no two labels overlap, all inside the plot', () => {
    const pts = Array.from({ length: 6 }, () => ({ px: 200, py: 150, w: 12, h: 14 }));
    const boxes = placeLabels(pts, 400, 300, 6);
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i];
      expect(a.x >= 0 && a.y >= 0 && a.x + 12 <= 400 && a.y + 14 <= 300).toBe(true);
      // each label's nearest corner stays within 60 px of its point: attached, not detached
      expect(Math.hypot(Math.max(a.x - 200, 200 - a.x - 12, 0), Math.max(a.y - 150, 150 - a.y - 14, 0))).toBeLessThan(60);
      for (let j = 0; j < i; j++) {
        const b = boxes[j];
        expect(a.x < b.x + 12 && b.x < a.x + 12 && a.y < b.y + 14 && b.y < a.y + 14).toBe(false);
      }
    }
  });
  it('a point at the right edge puts its label on the left', () => {
    const [b] = placeLabels([{ px: 398, py: 100, w: 20, h: 14 }], 400, 300, 6);
    expect(b.x + 20).toBeLessThanOrEqual(398);
  });
});

describe('what explains the points (from the chip model)', () => {
  it('matmul 256^3 with 64x64 blocks: 16 output tiles, so Jalapeño-class uses 16 of 256 and TPU v5e all 4', () => {
    const k = kernelByName('matmul');
    const plan = k.plan(k.validate({ M: 256, N: 256, K: 256, BM: 64, BN: 64 }), 'tiled');
    const jal = simulatePlan(chipPreset('jalapeno').config, plan);
    expect(tilesUsed(jal, 256)).toBe(16);
    const tpu = simulatePlan(chipPreset('tpu-v5e').config, plan);
    expect(tilesUsed(tpu, 4)).toBe(4);
  });
  it('Jalapeño-class (3.28 TB/s) and H100 (3.35 TB/s) memory roofs coincide; TPU v5e (819 GB/s) does not', () => {
    const bw = (id: string) => chipPreset(id).config.hbm.bandwidthBytesPerS;
    expect(sameSlope(bw('jalapeno'), bw('h100'))).toBe(true);
    expect(sameSlope(bw('jalapeno'), bw('tpu-v5e'))).toBe(false);
    expect(sameSlope(0, bw('h100'))).toBe(false); // an SRAM-only chip has no slanted roof
  });
});

describe('achievableRoof (the sustained memory roof the model runs times against)', () => {
  const base = chipPreset('h100').config;
  const withEff = (streaming: number, bw = 1e12) => ({
    ...base,
    hbm: { ...base.hbm, bandwidthBytesPerS: bw },
    runtime: { ...base.runtime, hbmEfficiency: { streaming, tiled: streaming } },
  });
  it('is the peak bandwidth times the streaming fraction, at the same compute peak', () => {
    // 1e12 B/s x 0.5 = 5e11 B/s
    const r = achievableRoof(withEff(0.5), 'fp16');
    expect(r?.bytesPerS).toBe(5e11);
    expect(r?.peakFlops).toBe(roofOf(withEff(0.5), 'fp16').peakFlops);
  });
  it('is not drawn when the chip reaches its peak or has no off-chip memory', () => {
    expect(achievableRoof(withEff(1), 'fp16')).toBeNull();
    expect(achievableRoof(withEff(0.9, 0), 'fp16')).toBeNull();
    expect(achievableRoof(chipPreset('groq-lpu').config, 'int8')).toBeNull();
  });
});
