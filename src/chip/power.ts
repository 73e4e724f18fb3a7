// A preset's power, figure by figure, in words, and the tokens/s-per-W verdict with the assumptions it
// rests on moved one at a time. Pure: the CLI (--claims), the Tokens tab and Compare's story card all
// call these, so a power figure is described once (ChipPreset.power, src/chip/presets.ts) and every
// number in the text comes from the inputs.

import type { ChipPreset, PowerBasis, PowerFigure } from './types.ts';
import { fmtNum, formatPercent } from './format.ts';

/** The static power a basis adds up to (what config.energy.staticW must equal). */
export function staticOf(b: PowerBasis): number {
  return b.static.reduce((a, f) => a + f.value, 0);
}


/** "80 W idle (assumed: ...)" or "700 W board power (NVIDIA H100 SXM datasheet ...)". */
export function figureText(f: PowerFigure): string {
  return `${fmtNum(f.value)} ${f.unit} ${f.label} (${f.assumed ? 'assumed: ' : ''}${f.source})`;
}

/** One line per figure of a preset's power: board, static (and its parts), memory energy per byte. */
export function powerBasisLines(p: Pick<ChipPreset, 'label' | 'power'>): string[] {
  const b = p.power;
  if (!b) return [`${p.label}: no power basis (a user-made configuration: its energy table is as given)`];
  const parts = b.static.length > 1 ? ` = ${b.static.map((f) => `${fmtNum(f.value)} W ${f.label}`).join(' + ')}` : '';
  return [
    ...(b.board ? [`board: ${figureText(b.board)}`] : ['board: no public figure']),
    `static ${fmtNum(staticOf(b))} W${parts}: ${b.static.map(figureText).join('; ')}`,
    `memory: ${figureText(b.memory)}`,
  ];
}

/** ", assumed" / ", calibrated" (a figure fitted to a named measurement) / "" after a figure in the short texts; `sep` before the word. */
const flag = (f: PowerFigure, sep = ', '): string => (f.assumed ? `${sep}assumed` : /^calibrated\b/.test(f.source) ? `${sep}calibrated` : '');

/** True when any figure the static power is made of is assumed. */
export const staticAssumed = (b: PowerBasis | undefined): boolean => !b || b.static.some((f) => f.assumed);

/** One side of a per-watt comparison: a modelled run and the preset's power basis. */
export interface PerWattSide {
  /** Short name for the text ("H100", "Jalapeño-class"). */
  name: string;
  tokensPerS: number;
  /** Modelled power per chip (W). */
  powerWPerChip: number;
  chips: number;
  power?: PowerBasis;
}

export interface PerWattCase {
  /** What moved, in words ("as modelled", "the chip at its whole 300 W board power", ...). */
  what: string;
  chipW: number;
  gpuW: number;
  /** chip tokens/s per W over the GPU's, at these powers per chip. */
  ratio: number;
}

/** chip tokens/s per W over the reference's, at the given powers per chip. */
export function perWattRatio(chip: PerWattSide, gpu: PerWattSide, chipW: number, gpuW: number): number {
  return (chip.tokensPerS / (chipW * chip.chips)) / (gpu.tokensPerS / (gpuW * gpu.chips));
}

const partOf = (b: PowerBasis | undefined, label: string): PowerFigure | undefined => b?.static.find((f) => f.label === label);

/**
 * The ratio as modelled, then with one assumption moved at a time: the chip at its whole board power;
 * the chip charged the same share of its board power that the reference spends as its execution baseline;
 * the reference without its execution baseline (idle static only beside the counted events). Cases whose
 * figures a preset does not have are left out.
 */
export function perWattCases(chip: PerWattSide, gpu: PerWattSide): PerWattCase[] {
  const out: PerWattCase[] = [];
  const at = (what: string, chipW: number, gpuW: number) => out.push({ what, chipW, gpuW, ratio: perWattRatio(chip, gpu, chipW, gpuW) });
  at('as modelled', chip.powerWPerChip, gpu.powerWPerChip);
  const cb = chip.power?.board, gb = gpu.power?.board;
  if (cb && cb.value > chip.powerWPerChip) at(`the ${chip.name} at its whole ${fmtNum(cb.value)} W board power`, cb.value, gpu.powerWPerChip);
  const base = partOf(gpu.power, 'execution baseline');
  if (base && gb && cb) {
    const share = base.value / gb.value;
    at(`the ${chip.name} charged the ${gpu.name}'s execution baseline share (${formatPercent(share)} of board power: +${fmtNum(share * cb.value)} W)`,
      chip.powerWPerChip + share * cb.value, gpu.powerWPerChip);
  }
  if (base && partOf(gpu.power, 'idle')) at(`the ${gpu.name} without its ${fmtNum(base.value)} W execution baseline`, chip.powerWPerChip, gpu.powerWPerChip - base.value);
  return out;
}

export interface PerWattVerdict {
  cases: PerWattCase[];
  /** The claim holds as modelled (ratio ≥ target x tolerance). */
  holds: boolean;
  /** How many cases it holds in. */
  holdsIn: number;
  text: string;
}

/**
 * The "~target x tokens/s per W" verdict with the power it rests on and how it moves. `tolerance`: the
 * fraction of the target that still counts as "~" (0.9: 1.62x counts for ~1.8x).
 */
export function perWattVerdict(chip: PerWattSide, gpu: PerWattSide, target: number, tolerance = 0.9): PerWattVerdict {
  const cases = perWattCases(chip, gpu);
  const ok = (c: PerWattCase) => c.ratio >= target * tolerance;
  const sideText = (s: PerWattSide, w: number) => {
    const b = s.power;
    const st = !b ? 'no power basis' : `static ${b.static.map((f) => `${fmtNum(f.value)} W${b.static.length > 1 ? ` ${f.label}` : ''}${flag(f, ' ')}`).join(' + ')}`;
    return `${s.name} ${fmtNum(w)} W per chip (${st})`;
  };
  const [first, ...rest] = cases;
  const text = `${first.ratio.toFixed(2)}x as modelled: ${sideText(chip, first.chipW)} vs ${sideText(gpu, first.gpuW)}` +
    (rest.length ? `; ${rest.map((c) => `${c.ratio.toFixed(2)}x with ${c.what}`).join('; ')}` : '') +
    `. The ~${target}x claim holds in ${cases.filter(ok).length} of ${cases.length} case${cases.length > 1 ? 's' : ''}.`;
  return { cases, holds: ok(first), holdsIn: cases.filter(ok).length, text };
}

/**
 * One short line per preset for a table's footnote: "static 409 W (80 W idle, assumed + 329 W execution
 * baseline); board 700 W; memory 31 pJ/B, assumed". The full sources: powerBasisLines.
 */
export function powerSummary(b: PowerBasis | undefined): string {
  if (!b) return 'no power basis (a user-made configuration)';
  const parts = b.static.map((f) => `${fmtNum(f.value)} W ${f.label}${flag(f)}`).join(' + ');
  return `static ${fmtNum(staticOf(b))} W (${parts}); ${b.board ? `board ${fmtNum(b.board.value)} W` : 'board power not published'}; ` +
    `memory ${fmtNum(b.memory.value)} pJ/B${flag(b.memory)}`;
}
