// The README's chip table: llama3-8b decode at context 4096 on every chip preset, through the
// same code path as `npm run simulate -- --json` (src/chip simulateModel). Prints Markdown.
// Usage: node --import tsx bench/chip-table.ts [--model llama3-8b] [--context 4096] [--precision bf16|int8]
import { CHIP_PRESETS } from '../src/chip/index.ts';
import { modelPreset, simulateModel } from '../src/models/index.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const model = arg('model', 'llama3-8b');
const context = Number(arg('context', '4096'));
const precision = arg('precision', 'bf16') as 'bf16' | 'int8';

console.log(`| preset | chips | per-token ms | tokens/s | J/token | tokens/s per W | mostly bound by |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const p of CHIP_PRESETS) {
  // chips omitted: the model picks the fewest chips that hold the weights and KV cache
  const r = simulateModel(p.config, modelPreset(model), { phase: 'decode', tokens: 1, context, batch: 1, precision });
  const byBound: Record<string, number> = {};
  for (const op of r.ops) byBound[op.bound] = (byBound[op.bound] ?? 0) + op.timeS;
  const [bound, t] = Object.entries(byBound).sort((a, b) => b[1] - a[1])[0];
  const total = Object.values(byBound).reduce((a, b) => a + b, 0);
  console.log(
    `| ${p.label} | ${r.chips} | ${r.perTokenMs.toPrecision(3)} | ${r.tokensPerS.toPrecision(3)} | ${r.joulesPerToken.toPrecision(3)} | ` +
      `${r.tokensPerSPerW.toPrecision(3)} | ${bound} (${Math.round((100 * t) / total)}%) |`,
  );
}
