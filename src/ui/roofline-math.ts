// Roofline arithmetic for <jp-roofline>: a chip's roofs (peak compute per datatype and memory
// bandwidth), the ridge point, attainable performance, and where a simulated or measured run sits.
// Pure functions (no DOM), so the unit tests check them against hand-computed values.

import type { ChipConfig, MacDType, SimResult } from '../chip/types.ts';
import { withOverride, type ChipOverride } from '../chip/config.ts';

export { withOverride, type ChipOverride };

/** "8×8 tiles" for an overridden grid, "" when the preset's own configuration is used. */
export function overrideText(chip: ChipConfig, o: ChipOverride | undefined): string {
  const parts: string[] = [];
  if (o?.grid && (o.grid.rows !== chip.grid.rows || o.grid.cols !== chip.grid.cols)) parts.push(`${o.grid.rows}×${o.grid.cols} tiles`);
  if (o?.array && (o.array.rows !== chip.tile.macArray.rows || o.array.cols !== chip.tile.macArray.cols)) parts.push(`${o.array.rows}×${o.array.cols} MAC array`);
  return parts.join(', ');
}

/** A roof: attainable FLOP/s = min(peakFlops, bandwidth x intensity). */
export interface Roof {
  /** FLOP/s at the compute ceiling (2 FLOP per MAC). */
  peakFlops: number;
  /** Memory bandwidth in bytes per second; 0 for a chip without off-chip memory (no slanted roof). */
  bytesPerS: number;
  dtype: MacDType;
}

/** Peak FLOP/s of a whole chip for one datatype: tiles x MACs/cycle x clock x 2. */
export function peakFlops(chip: ChipConfig, dtype: MacDType): number {
  return chip.grid.rows * chip.grid.cols * chip.tile.macsPerCycle[dtype] * chip.clockHz * 2;
}

export function roofOf(chip: ChipConfig, dtype: MacDType): Roof {
  return { peakFlops: peakFlops(chip, dtype), bytesPerS: chip.hbm.bandwidthBytesPerS, dtype };
}

/**
 * The memory roof a chip sustains in practice: peak bandwidth x the preset's achievable streaming
 * fraction (runtime.hbmEfficiency.streaming, cited in presets.ts). null when it equals the peak roof
 * or the chip has no off-chip memory. Every op is timed against it (simulateOp): a model's ops in
 * Tokens, and every kernel view's prediction (the roofline's points, Bench, Compare, Walkthrough).
 */
export function achievableRoof(chip: ChipConfig, dtype: MacDType): Roof | null {
  const eff = chip.runtime?.hbmEfficiency.streaming ?? 1;
  if (!(chip.hbm.bandwidthBytesPerS > 0) || !(eff < 1)) return null;
  return { peakFlops: peakFlops(chip, dtype), bytesPerS: chip.hbm.bandwidthBytesPerS * eff, dtype };
}

/**
 * The datatypes worth drawing for a chip: every MAC datatype whose peak differs from the others
 * (int8 and bf16 usually do; fp32 too on GPUs), highest first.
 */
export function distinctRoofs(chip: ChipConfig): Roof[] {
  const out: Roof[] = [];
  for (const d of ['int8', 'fp16', 'fp32'] as const) {
    const r = roofOf(chip, d);
    if (r.peakFlops > 0 && !out.some((o) => o.peakFlops === r.peakFlops)) out.push(r);
  }
  return out.sort((a, b) => b.peakFlops - a.peakFlops);
}

/** Arithmetic intensity (FLOP/byte) where the slanted memory roof meets the compute roof. */
export function ridgeIntensity(roof: Roof): number {
  return roof.bytesPerS > 0 ? roof.peakFlops / roof.bytesPerS : 0;
}

/** Attainable FLOP/s at an intensity; a chip without off-chip memory has only the flat roof. */
export function attainable(roof: Roof, intensity: number): number {
  return roof.bytesPerS > 0 ? Math.min(roof.peakFlops, roof.bytesPerS * intensity) : roof.peakFlops;
}

/** `n` log-spaced intensities from lo to hi (inclusive), plus any `extra` values (ridges), sorted and deduplicated. */
export function intensityGrid(lo: number, hi: number, n: number, extra: readonly number[] = []): number[] {
  if (!(lo > 0) || !(hi > lo) || n < 2) throw new RangeError(`intensityGrid needs 0 < lo < hi and n >= 2 (got ${lo}, ${hi}, ${n})`);
  const a = Math.log10(lo);
  const step = (Math.log10(hi) - a) / (n - 1);
  const xs = Array.from({ length: n }, (_, i) => 10 ** (a + i * step));
  for (const e of extra) if (e >= lo && e <= hi) xs.push(e);
  xs.sort((x, y) => x - y);
  return xs.filter((x, i) => i === 0 || x / xs[i - 1] - 1 > 1e-9);
}

/** The MAC datatype a simulated run used (the one with the most MACs); fp32 when none. */
export function dominantDtype(sim: Pick<SimResult, 'counts'>): MacDType {
  const m = sim.counts.macs;
  let best: MacDType = 'fp32';
  let most = 0;
  for (const d of ['int8', 'fp16', 'fp32'] as const) {
    if (m[d] > most) {
      most = m[d];
      best = d;
    }
  }
  return best;
}

export interface RooflinePoint {
  label: string;
  /** FLOP per byte of off-chip traffic. */
  intensity: number;
  /** Achieved FLOP/s. */
  flops: number;
  kind: 'predicted' | 'measured';
  /** Why the point sits where it does (shown beside it). */
  note?: string;
}

/**
 * Where a chip-model run sits: achieved FLOP/s = the plan's FLOPs / simulated time; intensity =
 * FLOPs / HBM bytes moved. An SRAM-only chip moves no HBM bytes, so its intensity falls back to
 * the kernel's compulsory I/O bytes (said in the note). Null when the run took no time.
 */
export function predictedPoint(label: string, sim: Pick<SimResult, 'timeS' | 'bytes'>, planFlops: number, planIoBytes: number): RooflinePoint | null {
  if (!(sim.timeS > 0) || !(planFlops > 0)) return null;
  const hbm = sim.bytes.hbm;
  const bytes = hbm > 0 ? hbm : planIoBytes;
  if (!(bytes > 0)) return null;
  return {
    label,
    intensity: planFlops / bytes,
    flops: planFlops / sim.timeS,
    kind: 'predicted',
    note: hbm > 0 ? undefined : 'no HBM traffic: intensity from the kernel I/O bytes',
  };
}

/**
 * Where a measured bench row sits: its GFLOP/s, and intensity = GFLOP/s / GB/s (both are the same
 * FLOPs and I/O bytes over the same median time). Null for rows without a usable rate.
 */
export function measuredPoint(label: string, row: { gflops: number; gbps: number }): RooflinePoint | null {
  if (!(row.gflops > 0) || !(row.gbps > 0)) return null;
  return { label, intensity: row.gflops / row.gbps, flops: row.gflops * 1e9, kind: 'measured' };
}

/** Axis limits (powers of ten) that hold every roof's ridge and every point with a decade to spare. */
export function axisRange(roofs: readonly Roof[], points: readonly RooflinePoint[]): { x: [number, number]; y: [number, number] } {
  const xs = [0.1, 100, ...roofs.map(ridgeIntensity).filter((r) => r > 0), ...points.map((p) => p.intensity)];
  const ys = [...roofs.map((r) => r.peakFlops), ...points.map((p) => p.flops)].filter((y) => y > 0);
  const dec = (v: number, dir: 1 | -1) => 10 ** (dir > 0 ? Math.ceil(Math.log10(v)) : Math.floor(Math.log10(v)));
  const yHi = ys.length ? dec(Math.max(...ys) * 1.5, 1) : 1e15;
  const yLo = ys.length ? Math.min(dec(Math.min(...ys), -1), yHi / 1e4) : 1e9;
  return { x: [dec(Math.min(...xs), -1), dec(Math.max(...xs) * 1.5, 1)], y: [yLo, yHi] };
}

/** "393 TFLOP/s" style, for labels and tooltips. */
export function fmtFlops(f: number): string {
  if (!Number.isFinite(f)) return '–';
  const units: Array<[number, string]> = [[1e15, 'PFLOP/s'], [1e12, 'TFLOP/s'], [1e9, 'GFLOP/s'], [1e6, 'MFLOP/s']];
  for (const [s, u] of units) if (f >= s) return `${(f / s).toPrecision(3)} ${u}`;
  return `${f.toPrecision(3)} FLOP/s`;
}

/**
 * Tiles a run kept busy: the plan tiles of its widest pass, capped by the chip's tile count. A
 * plan with fewer output blocks than the chip has tiles leaves the rest idle, so the compute
 * roof it can reach is tilesUsed / chipTiles of the chip's peak.
 */
export function tilesUsed(sim: Pick<SimResult, 'passes'>, chipTiles: number): number {
  let most = 0;
  for (const p of sim.passes) most = Math.max(most, p.planTiles);
  return Math.min(most, chipTiles);
}

/** Two memory roofs whose bandwidths differ by less than this fraction draw as one line on a log plot. */
export const SAME_SLOPE = 0.05;

export function sameSlope(a: number, b: number): boolean {
  return a > 0 && b > 0 && Math.abs(a / b - 1) < SAME_SLOPE;
}

export interface LabelBox {
  /** Top-left of the label. */
  x: number;
  y: number;
  /** True when the label sits away from its point and needs a leader line. */
  leader: boolean;
}

/**
 * Puts a w x h label beside each point (px, py) without overlapping another label or leaving
 * [0, width] x [0, height]: tries eight spots around the point, then the same spots farther out
 * (with a leader line). Deterministic: points are placed in the order given.
 */
export function placeLabels(points: ReadonlyArray<{ px: number; py: number; w: number; h: number }>, width: number, height: number, pad = 4): LabelBox[] {
  const placed: Array<[number, number, number, number]> = [];
  const hits = (x: number, y: number, w: number, h: number) => placed.some(([a, b, c, d]) => x < a + c && a < x + w && y < b + d && b < y + h);
  return points.map(({ px, py, w, h }) => {
    let best: LabelBox | null = null;
    for (let ring = 1; ring <= 6 && !best; ring++) {
      const r = pad * ring * (ring === 1 ? 1 : 2);
      const spots: Array<[number, number]> = [
        [px + r, py - h / 2], [px + r, py - h - r / 2], [px + r, py + r / 2], [px - r - w, py - h / 2],
        [px - w / 2, py - h - r], [px - w / 2, py + r], [px - r - w, py - h - r / 2], [px - r - w, py + r / 2],
      ];
      for (const [x, y] of spots) {
        if (x < 0 || y < 0 || x + w > width || y + h > height || hits(x, y, w, h)) continue;
        best = { x, y, leader: ring > 1 };
        break;
      }
    }
    const box = best ?? { x: Math.min(Math.max(px + pad, 0), Math.max(0, width - w)), y: Math.min(Math.max(py - h / 2, 0), Math.max(0, height - h)), leader: true };
    placed.push([box.x, box.y, w, h]);
    return box;
  });
}

/** Where a roof label goes: its right edge at `x`, its top at `y`; `moved` when it left its roof's height (draw a leader). */
export interface RoofLabelBox {
  x: number;
  y: number;
  moved: boolean;
}

/**
 * Lays out roof labels (one per compute roof: every preset's every datatype peak) at the plot's
 * right edge so that no two overlap. Each label wants its top at `want[i].y` (just above its roof)
 * and is `want[i].w` wide and `h` tall; `gap` separates neighbours. Coinciding roofs (f32 = bf16 on
 * one preset, the same peak on two presets) thus stack instead of overprinting.
 * When one column at `right` holds them all, they keep their top-to-bottom order and move as little
 * as their neighbours allow: pushed down past each other, then the stack pulled up from `bottom`.
 * Otherwise each label, top to bottom, goes into the first column (further left by the widest label
 * + `gap` each) where it fits at or below its wanted height; only when even the column at `left`
 * is full does a label overlap (at its wanted height).
 */
export function layoutRoofLabels(want: ReadonlyArray<{ y: number; w: number }>, h: number, gap: number, top: number, bottom: number, right: number, left = 0): RoofLabelBox[] {
  const step = h + gap;
  const order = want.map((l, i) => [Math.min(Math.max(l.y, top), Math.max(top, bottom - h)), i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = new Array<RoofLabelBox>(want.length);
  const box = (i: number, x: number, y: number, col: number): RoofLabelBox => ({ x, y, moved: col > 0 || Math.abs(y - want[i].y) > 0.5 });
  if (order.length <= Math.floor((bottom - top + gap) / step)) {
    const ys = order.map(([y]) => y);
    for (let k = 1; k < ys.length; k++) ys[k] = Math.max(ys[k], ys[k - 1] + step);
    for (let k = ys.length - 1; k >= 0; k--) ys[k] = Math.min(ys[k], k === ys.length - 1 ? bottom - h : ys[k + 1] - step);
    order.forEach(([, i], k) => (out[i] = box(i, right, ys[k], 0)));
    return out;
  }
  const colW = Math.max(0, ...want.map((l) => l.w)) + gap;
  const lastBottom: number[] = [];
  for (const [y0, i] of order) {
    for (let c = 0; !out[i]; c++) {
      const x = right - c * colW;
      if (x - want[i].w < left) break;
      const y = Math.max(y0, (lastBottom[c] ?? -Infinity) + gap);
      if (y + h > bottom) continue;
      lastBottom[c] = y + h;
      out[i] = box(i, x, y, c);
    }
    out[i] ??= box(i, right, y0, 0);
  }
  return out;
}
