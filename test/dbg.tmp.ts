import { chipPreset, simulatePlan } from '../src/chip/index.ts';
import { matmul } from '../src/kernels/matmul.ts';
const chip = chipPreset('jalapeno').config;
console.log(chip.noc, chip.hbm.bandwidthBytesPerS / chip.clockHz, chip.tile);
const plan = matmul.plan(matmul.validate({ M: 33, N: 700, K: 100 }), 'tiled');
for (const timing of ['analytic', 'event'] as const) {
  const r = simulatePlan(chip, plan, { multicast: false, timing, maxTraceEvents: 100000 });
  console.log(timing, r.cycles, r.bound, r.roofline, r.events?.linkWaitCycles, r.events?.hbmWaitCycles);
  // MAC events of tile with most
  const t = r.trace; const per = new Map<number, number[][]>();
  for (let i = 0; i < t.count; i++) if (t.kind[i] === 0) { const l = per.get(t.tile[i]) ?? []; l.push([+t.start[i].toFixed(0), +t.end[i].toFixed(0)]); per.set(t.tile[i], l); }
  const first = [...per.entries()][0]; console.log(first[0], JSON.stringify(first[1]));
  let ld = 0; for (let i = 0; i < t.count; i++) if (t.kind[i] === 2 && t.tile[i] === first[0]) { if (ld++ < 16) process.stdout.write(`[${t.start[i].toFixed(0)},${t.end[i].toFixed(0)}] `); }
  console.log();
}
