// Energy of a run: counted events (EventCounts) x the chip's energy table. The only place energy
// is computed; simulatePlan and the model layer (src/models) both go through energyOf.

import type { ChipConfig, EnergyBreakdown, EventCounts } from './types.ts';

/** Energy from counted events and the table (the only place energy is computed). */
export function energyOf(chip: ChipConfig, c: EventCounts, timeS: number, chips = 1): EnergyBreakdown {
  const e = chip.energy;
  const pj = 1e-12;
  const mac = (c.macs.int8 * e.macPj.int8 + c.macs.fp16 * e.macPj.fp16 + c.macs.fp32 * e.macPj.fp32) * pj;
  const vector = c.vectorOps * e.vectorOpPj * pj;
  const sram = (c.sramReadBytes * e.sramReadPjPerByte + c.sramWriteBytes * e.sramWritePjPerByte) * pj;
  const noc = c.nocByteHops * e.nocPjPerByteHop * pj;
  const hbm = (c.hbmReadBytes + c.hbmWriteBytes) * e.hbmPjPerByte * pj;
  const scaleOut = c.scaleOutBytes * e.scaleOutPjPerByte * pj;
  const stat = e.staticW * timeS * chips;
  return { mac, vector, sram, noc, hbm, scaleOut, static: stat, total: mac + vector + sram + noc + hbm + scaleOut + stat };
}

export function emptyCounts(): EventCounts {
  return { macs: { int8: 0, fp16: 0, fp32: 0 }, vectorOps: 0, sramReadBytes: 0, sramWriteBytes: 0, nocByteHops: 0, hbmReadBytes: 0, hbmWriteBytes: 0, scaleOutBytes: 0 };
}

/** a += b x times, field by field. */
export function addCounts(a: EventCounts, b: EventCounts, times = 1): void {
  for (const d of ['int8', 'fp16', 'fp32'] as const) a.macs[d] += b.macs[d] * times;
  a.vectorOps += b.vectorOps * times;
  a.sramReadBytes += b.sramReadBytes * times;
  a.sramWriteBytes += b.sramWriteBytes * times;
  a.nocByteHops += b.nocByteHops * times;
  a.hbmReadBytes += b.hbmReadBytes * times;
  a.hbmWriteBytes += b.hbmWriteBytes * times;
  a.scaleOutBytes += b.scaleOutBytes * times;
}
