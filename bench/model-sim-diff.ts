// simulateModel's figures for every chip preset x model preset x phase (and a few options), as JSON,
// and a comparison of two such files: a refactor of the op list must keep the Tokens figures within
// 2% (issue 23). Usage:
//   npx tsx bench/model-sim-diff.ts --out before.json
//   npx tsx bench/model-sim-diff.ts --out after.json --against before.json [--tolerance 0.02]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CHIP_PRESETS } from '../src/chip/presets.ts';
import { MODEL_PRESETS, simulateModel, type ModelSimOptions } from '../src/models/index.ts';

const { values } = parseArgs({ options: { out: { type: 'string' }, against: { type: 'string' }, tolerance: { type: 'string' } } });
const CASES: Array<{ label: string; opts: ModelSimOptions }> = [
  { label: 'decode', opts: { phase: 'decode', context: 1024 } },
  { label: 'prefill', opts: { phase: 'prefill', tokens: 512 } },
  // batch and low precision exercise the GEMM tiling and formats; unfused QKV the qkv variant
  { label: 'decode b8 fp8', opts: { phase: 'decode', context: 2048, batch: 8, precision: 'fp8' } },
  { label: 'prefill unfused', opts: { phase: 'prefill', tokens: 128, fusedQkv: false } },
];
const rows: Record<string, { perTokenMs: number; tokensPerS: number; ops: Record<string, number> } | string> = {};
for (const c of CHIP_PRESETS) for (const m of MODEL_PRESETS) for (const k of CASES) {
  const key = `${c.id} ${m.id} ${k.label}`;
  try {
    const r = simulateModel(c.config, m, k.opts);
    rows[key] = { perTokenMs: r.perTokenMs, tokensPerS: r.tokensPerS, ops: Object.fromEntries(r.ops.map((o) => [o.name, o.timeS])) };
  } catch (e) {
    rows[key] = `error: ${(e as Error).message}`;
  }
}
if (values.out) writeFileSync(values.out, JSON.stringify(rows, null, 1));
if (values.against) {
  const tol = Number(values.tolerance ?? 0.02);
  const before = JSON.parse(readFileSync(values.against, 'utf8')) as typeof rows;
  let worst = 0, bad = 0;
  for (const [key, b] of Object.entries(before)) {
    const a = rows[key];
    if (typeof b === 'string' || typeof a === 'string' || !a) {
      if (JSON.stringify(a) !== JSON.stringify(b)) { bad++; console.log(`${key}: ${JSON.stringify(b)} -> ${JSON.stringify(a)}`); }
      continue;
    }
    const d = a.perTokenMs / b.perTokenMs - 1;
    worst = Math.max(worst, Math.abs(d));
    if (Math.abs(d) > tol) { bad++; console.log(`${key}: perTokenMs ${b.perTokenMs.toPrecision(5)} -> ${a.perTokenMs.toPrecision(5)} (${(d * 100).toFixed(2)}%)`); }
  }
  console.log(`${Object.keys(before).length} cases; largest |change| of perTokenMs ${(worst * 100).toFixed(3)}%; ${bad} outside ${tol * 100}%`);
  process.exitCode = bad > 0 ? 1 : 0;
}
