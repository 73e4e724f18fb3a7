// Roofline placement and explanation (issue 10, defect 10): point labels stay beside their points
// without overprinting, roof labels never overlap, coinciding memory roofs are detected, and the
// "tiles used" that explains low points comes from the simulation.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { achievableRoof, placeLabels, roofOf, sameSlope, spreadLabels, tilesUsed } from '../../src/ui/roofline-math.ts';
import { chipPreset, simulatePlan } from '../../src/chip/index.ts';
import { kernelByName } from '../../src/kernels/registry.ts';

describe('spreadLabels', () => {
  it('leaves separated labels alone and pushes a close pair apart by the gap, keeping their order', () => {
    expect(spreadLabels([10, 50, 90], 12, 0, 100)).toEqual([10, 50, 90]);
    // 40 and 44 collide: the lower one moves down to 52
    expect(spreadLabels([44, 40], 12, 0, 100)).toEqual([52, 40]);
  });
  it('a crowd near the bottom edge is pulled back inside the range', () => {
    expect(spreadLabels([95, 96, 97], 10, 0, 100)).toEqual([80, 90, 100]);
  });
  it('property: any labels that fit end up at least `gap` apart inside [lo, hi]', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 300, noNaN: true }), { minLength: 1, maxLength: 10 }), (ys) => {
      const out = spreadLabels(ys, 13, 0, 300).slice().sort((a, b) => a - b);
      for (let k = 1; k < out.length; k++) expect(out[k] - out[k - 1]).toBeGreaterThanOrEqual(13 - 1e-9);
      for (const y of out) expect(y >= 0 && y <= 300).toBe(true);
    }));
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
