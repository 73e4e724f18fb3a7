// `npm run simulate -- --chip PRESET (--model PRESET (--phase prefill|decode --tokens N --context L
//   --batch B | --inflight ISL/OSL [--max-tokens N] [--batch MAX]) [--weights F] [--mlp-weights F] [--kv F] [--precision F] [--stages S] [--fusion F] [--claims]
//   | --kernel NAME --shape M=..,N=..,K=.. [--variant V] [--as raw|deployed] [--beside MODEL]) [--dataflow D] [--chips N]
//   [--chip-config FILE.json] [--grid RxC] [--array RxC] [--json]`
// --kernel: 'raw' (default) costs exactly the plan asked for, 'deployed' the op as a deployment on the
// chip runs it (the model's tiling and precision); both through simulateOp with the chip's runtime
// mechanisms. --beside MODEL adds the model's run of the same op and why the two differ.
// --inflight ISL/OSL: serving throughput under in-flight batching (src/models/inflight.ts): the
// steady-state step that decodes B sequences and carries the prefill tokens of newly admitted requests
// of ISL prompt and OSL output tokens; --max-tokens caps the tokens per step, --batch the sequences.
// Prints the chip model's metrics (a readable summary, or one JSON object). Exit 2 on bad input.

import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHIP_PRESETS, chipPreset, resolveChip, validateChipConfig } from '../chip/index.ts';
import { MODEL_PRESETS, modelPreset, simulateModel, ModelInputError, NUMBER_FORMATS, KV_FORMATS, type NumberFormat, type PrecisionSpec } from '../models/index.ts';
import { FUSIONS } from '../chip/config.ts';
import { checkClaims } from '../models/claims.ts';
import { inflightThroughput, INFLIGHT_MAX_TOKENS, type InflightResult } from '../models/inflight.ts';
import { simulateKernel, type KernelCost } from '../models/kernel-cost.ts';
import { DATAFLOWS, type ChipConfig, type Dataflow } from '../chip/types.ts';
import { KERNELS, kernelByName } from '../kernels/registry.ts';
import { UsageError } from './usage-error.ts';
import { fmtFixed } from '../chip/format.ts';

const FLAGS = ['chip', 'model', 'phase', 'tokens', 'context', 'batch', 'kernel', 'shape', 'variant', 'dataflow', 'chips', 'stages', 'precision', 'weights', 'mlp-weights', 'kv', 'fusion', 'claims', 'chip-config', 'grid', 'array', 'json', 'help', 'unfused', 'as', 'beside', 'inflight', 'max-tokens'] as const;
const SWITCHES = ['json', 'help', 'unfused', 'claims'];
const USAGE = `usage: npm run simulate -- --chip PRESET (--model PRESET (--phase prefill|decode [--tokens N] [--context L] [--batch B]
                                                          | --inflight ISL/OSL [--max-tokens N] [--batch MAX])
                                   [--weights F] [--mlp-weights F] [--kv F] [--precision F] [--stages S] [--fusion ${FUSIONS.join('|')}] [--unfused] [--claims]
                                   | --kernel NAME --shape K1=V1,K2=V2 [--variant V] [--as raw|deployed]
                                     [--beside MODEL [--phase P] [--context L] [--batch B] [--precision F]])
                                   [--dataflow ${DATAFLOWS.join('|')}] [--chips N] [--chip-config FILE.json] [--grid RxC] [--array RxC] [--json]
  chips:   ${CHIP_PRESETS.map((c) => c.id).join(', ')}
  models:  ${MODEL_PRESETS.map((m) => m.id).join(', ')}
  kernels: ${KERNELS.map((k) => k.name).join(', ')}
  formats: weights ${NUMBER_FORMATS.join(', ')}; kv ${KV_FORMATS.join(', ')} (--precision F = --weights F --kv bf16)`;

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}"`);
    const [k, inline] = a.slice(2).split('=', 2);
    if (!(FLAGS as readonly string[]).includes(k)) throw new UsageError(`unknown flag --${k}; allowed: ${FLAGS.map((f) => '--' + f).join(', ')}`);
    if (SWITCHES.includes(k)) { out.set(k, 'true'); continue; }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new UsageError(`--${k} needs a value`);
    out.set(k, a.includes('=') ? a.slice(a.indexOf('=') + 1) : v);
  }
  return out;
}

function intFlag(args: Map<string, string>, k: string, min: number, max: number): number | undefined {
  const v = args.get(k);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${k} must be an integer in [${min}, ${max}], got "${v}"`);
  return n;
}

function dims(v: string, flag: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m) throw new UsageError(`--${flag} must look like RxC (e.g. 16x16), got "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

function chipFrom(args: Map<string, string>): ChipConfig {
  let raw: unknown;
  const file = args.get('chip-config');
  if (file) {
    try { raw = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new UsageError(`--chip-config ${file}: ${(e as Error).message}`); }
  } else {
    const id = args.get('chip');
    if (!id) throw new UsageError(`--chip is required; allowed: ${CHIP_PRESETS.map((c) => c.id).join(', ')}`);
    if (!CHIP_PRESETS.some((c) => c.id === id)) throw new UsageError(`unknown chip preset "${id}"; allowed: ${CHIP_PRESETS.map((c) => c.id).join(', ')}`);
    raw = chipPreset(id).config;
  }
  const grid = args.has('grid') ? dims(args.get('grid')!, 'grid') : undefined;
  const array = args.has('array') ? dims(args.get('array')!, 'array') : undefined;
  // the one preset + overrides resolution the worker uses too (the array scales the MAC rate with the PE count)
  try {
    return resolveChip(validateChipConfig(raw), { grid: grid && { rows: grid[0], cols: grid[1] }, array: array && { rows: array[0], cols: array[1] } });
  } catch (e) { throw new UsageError((e as Error).message); }
}

function format(args: Map<string, string>, flag: string, allowed: readonly NumberFormat[]): NumberFormat | undefined {
  const v = args.get(flag);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as NumberFormat;
}

/** --weights / --mlp-weights / --kv, or --precision F as a shorthand for --weights F (KV cache bf16). */
function precisionFlags(args: Map<string, string>): PrecisionSpec {
  const shorthand = format(args, 'precision', NUMBER_FORMATS);
  const weights = format(args, 'weights', NUMBER_FORMATS);
  if (shorthand && weights && shorthand !== weights) throw new UsageError(`--precision ${shorthand} and --weights ${weights} disagree; give one of them`);
  return { weights: weights ?? shorthand ?? 'bf16', mlpWeights: format(args, 'mlp-weights', NUMBER_FORMATS), kv: format(args, 'kv', KV_FORMATS) ?? 'bf16' };
}

function main(argv: string[]): number {
  const args = parseArgs(argv);
  if (args.has('help')) { console.log(USAGE); return 0; }
  const chip = chipFrom(args);
  const dataflow = args.get('dataflow') as Dataflow | undefined;
  if (dataflow !== undefined && !DATAFLOWS.includes(dataflow)) throw new UsageError(`unknown dataflow "${dataflow}"; allowed: ${DATAFLOWS.join(', ')}`);
  const json = args.has('json');
  const chips = intFlag(args, 'chips', 1, chip.scaleOut.maxChips);

  if (args.has('model')) {
    const id = args.get('model')!;
    if (!MODEL_PRESETS.some((m) => m.id === id)) throw new UsageError(`unknown model preset "${id}"; allowed: ${MODEL_PRESETS.map((m) => m.id).join(', ')}`);
    const phase = args.get('phase') ?? 'decode';
    if (phase !== 'prefill' && phase !== 'decode') throw new UsageError(`--phase must be prefill or decode, got "${phase}"`);
    const precision = precisionFlags(args);
    const fusion = args.get('fusion');
    if (fusion !== undefined && !(FUSIONS as readonly string[]).includes(fusion)) throw new UsageError(`--fusion must be one of ${FUSIONS.join(', ')}, got "${fusion}"`);
    const model = modelPreset(id);
    const mopts = {
      phase, tokens: intFlag(args, 'tokens', 1, 1 << 16), context: intFlag(args, 'context', 0, 1 << 20),
      batch: intFlag(args, 'batch', 1, 1 << 16), chips, stages: intFlag(args, 'stages', 1, 1024), dataflow, precision,
      fusedQkv: !args.has('unfused'), fusion: fusion as (typeof FUSIONS)[number] | undefined,
    } as const;
    let r, inflight: InflightResult | undefined;
    const io = args.get('inflight');
    if (io !== undefined) {
      const mm = /^(\d+)\/(\d+)$/.exec(io);
      if (!mm) throw new UsageError(`--inflight must be ISL/OSL (prompt and output tokens per request, e.g. 128/128), got "${io}"`);
      for (const k of ['tokens', 'context', 'phase']) if (args.has(k)) throw new UsageError(`--${k} does not go with --inflight: the step's context and prefill tokens follow from ISL/OSL`);
      const maxTokens = intFlag(args, 'max-tokens', 2, 1 << 16) ?? INFLIGHT_MAX_TOKENS;
      try {
        inflight = inflightThroughput(chip, model, { ...mopts, isl: Number(mm[1]), osl: Number(mm[2]), maxTokens, maxBatch: mopts.batch });
      } catch (e) { if (e instanceof ModelInputError) throw new UsageError(e.message); throw e; }
      r = inflight.step;
    } else {
      if (args.has('max-tokens')) throw new UsageError('--max-tokens goes with --inflight ISL/OSL');
      try { r = simulateModel(chip, model, mopts); } catch (e) { if (e instanceof ModelInputError) throw new UsageError(e.message); throw e; }
    }
    // which batching the figures assume, in words
    const batching = inflight ? inflight.text : `static batching: the ${r.batch} sequence(s) all in ${r.phase} (--inflight ISL/OSL for in-flight batching)`;
    // the chip's power basis is its preset's unless a --chip-config file replaces the preset's energy table
    const chipPower = args.has('chip-config') ? undefined : chipPreset(args.get('chip')!).power;
    const claims = args.has('claims') ? checkClaims(chip, model, { ...mopts, chips: undefined, stages: undefined }, chipPower) : undefined;
    if (json) {
      console.log(JSON.stringify({
        chip: r.chip, model: r.model, phase: r.phase, tokens: r.tokens, context: r.context, batch: r.batch, chips: r.chips, parallel: r.parallel, precision: r.precision, formats: r.formats,
        timeS: r.timeS, cycles: r.cycles, utilization: r.utilization, bytes: r.bytes, energyJ: r.energyJ, energyByLevel: r.energyByLevel,
        perTokenMs: r.perTokenMs, tokensPerS: r.tokensPerS, joulesPerToken: r.joulesPerToken, tokensPerSPerW: r.tokensPerSPerW, powerW: r.powerW,
        breakdown: r.breakdown, memoryLatencyS: r.memoryLatencyS, savedBytes: r.savedBytes, fusion: r.fusion,
        ops: r.ops.map((o) => ({ name: o.name, source: o.source, timeS: o.timeS, share: o.share, bound: o.bound, energyJ: o.energyJ, mode: o.mode, breakdown: o.breakdown, savedBytes: o.savedBytes, bytes: o.bytes })),
        placement: r.placement, notes: r.notes, batching, ...(inflight ? { inflight: { batch: inflight.batch, carried: inflight.carried, context: inflight.context, isl: inflight.isl, osl: inflight.osl, maxTokens: inflight.maxTokens, limitedBy: inflight.limitedBy, outputTokensPerS: inflight.outputTokensPerS } } : {}),
        ...(claims ? { claims } : {}),
      }));
    } else {
      const b = r.breakdown;
      const ms = (x: number) => fmtFixed(x * 1e3);
      console.log(`${r.model} ${r.phase} on ${r.chips} x ${r.chip} (${r.precision}; tokens ${r.tokens}, context ${r.context}, batch ${r.batch}${r.carried ? `, + ${r.carried.tokens} prefill tokens` : ''})`);
      console.log(`  batching: ${batching}`);
      if (inflight) console.log(`  output ${fmtFixed(inflight.outputTokensPerS, 0)} tokens/s (${inflight.batch} + ${inflight.carried} / ${inflight.isl} output tokens per step)`);
      console.log(`  time: compute ${ms(b.compute)} ms, memory ${ms(b.memory)} ms, launch gaps ${ms(b.launch)} ms, collectives ${ms(b.collective)} ms; fusion ${r.fusion.applied}${r.fusion.applied !== r.fusion.asked ? ` (asked ${r.fusion.asked})` : ''}, HBM bytes saved ${fmtFixed(r.savedBytes.hbm)}`);
      console.log(`  step ${fmtFixed(r.timeS * 1e3)} ms, per token ${fmtFixed(r.perTokenMs)} ms, ${fmtFixed(r.tokensPerS, 1)} tokens/s, ${fmtFixed(r.joulesPerToken)} J/token, ${fmtFixed(r.tokensPerSPerW)} tokens/s/W, ${fmtFixed(r.powerW, 1)} W`);
      console.log(`  MAC utilization ${(r.utilization * 100).toFixed(1)}%; bytes HBM ${fmtFixed(r.bytes.hbm)}, NoC ${fmtFixed(r.bytes.noc)}, SRAM ${fmtFixed(r.bytes.sram)}, scale-out ${fmtFixed(r.bytes.scaleOut)}`);
      console.log(`  weights ${fmtFixed(r.placement.weightsBytes / 1e9)} GB in ${r.placement.weights}, KV cache ${fmtFixed(r.placement.kvCacheBytes / 1e9)} GB in ${r.placement.kvCache}${r.placement.fits ? '' : ' — DOES NOT FIT'}`);
      console.log('  op               share   time ms  compute   memory   launch  collect  bound          mode       source');
      for (const o of r.ops) {
        const c = [o.breakdown.compute, o.breakdown.memory, o.breakdown.launch, o.breakdown.collective].map((x) => ms(x).padStart(8)).join(' ');
        console.log(`  ${o.name.padEnd(16)} ${(o.share * 100).toFixed(1).padStart(5)}%  ${ms(o.timeS).padStart(7)} ${c}  ${o.bound.padEnd(14)} ${o.mode.padEnd(10)} ${o.source}`);
      }
      for (const n of r.notes) console.log(`  note: ${n}`);
      if (claims) {
        console.log(`  claims (${claims.reference} reference, batch 1, same model and precision):`);
        for (const c of claims.checks) console.log(`    ${c.holds ? 'holds' : 'fails'}: ${c.claim} — model: ${c.model}`);
        console.log(`    carried by: ${claims.carriedBy.join('; ')}`);
        if (claims.needs) console.log(`    needs: ${claims.needs}`);
        console.log(`    power figures the per-W verdict rests on (source, or "assumed"):`);
        for (const l of claims.powerBasis.chip) console.log(`      ${r.chip}: ${l}`);
        for (const l of claims.powerBasis.gpu) console.log(`      ${claims.reference}: ${l}`);
      }
    }
    return r.placement.fits ? 0 : 1;
  }
  if (args.has('kernel')) {
    const name = args.get('kernel')!;
    if (!KERNELS.some((k) => k.name === name)) throw new UsageError(`unknown kernel "${name}"; allowed: ${KERNELS.map((k) => k.name).join(', ')}`);
    const k = kernelByName(name);
    const raw: Record<string, unknown> = {};
    for (const kv of (args.get('shape') ?? '').split(',').filter(Boolean)) {
      const [key, val] = kv.split('=');
      if (val === undefined) throw new UsageError(`--shape entries must be KEY=VALUE, got "${kv}"; parameters: ${k.params.map((p) => p.name).join(', ')}`);
      raw[key] = val === 'true' ? true : val === 'false' ? false : Number.isNaN(Number(val)) ? val : Number(val);
    }
    const variant = args.get('variant') ?? k.defaultVariant;
    if (!k.variants.includes(variant)) throw new UsageError(`unknown variant "${variant}" of ${name}; allowed: ${k.variants.join(', ')}`);
    const as = args.get('as') ?? 'raw';
    if (as !== 'raw' && as !== 'deployed') throw new UsageError(`--as must be raw or deployed, got "${as}"`);
    const besideId = args.get('beside');
    if (besideId !== undefined && !MODEL_PRESETS.some((m) => m.id === besideId)) throw new UsageError(`unknown model preset "${besideId}" for --beside; allowed: ${MODEL_PRESETS.map((m) => m.id).join(', ')}`);
    const phase = args.get('phase') ?? 'decode';
    if (phase !== 'prefill' && phase !== 'decode') throw new UsageError(`--phase must be prefill or decode, got "${phase}"`);
    const precision = precisionFlags(args);
    const beside = besideId === undefined ? undefined : {
      model: modelPreset(besideId),
      opts: { phase, tokens: intFlag(args, 'tokens', 1, 1 << 16), context: intFlag(args, 'context', 0, 1 << 20), batch: intFlag(args, 'batch', 1, 1 << 16), chips, precision, dataflow } as const,
    };
    let kc: KernelCost;
    try {
      kc = simulateKernel(chip, name, variant, raw, { as, beside, dataflow, precision: args.has('precision') || args.has('weights') || args.has('kv') ? precision : undefined });
    } catch (e) { throw new UsageError((e as Error).message); }
    const r = kc.cost.sim, op = kc.cost, plan = kc.plan;
    if (json) {
      console.log(JSON.stringify({
        chip: r.chip, as: kc.as, how: kc.how, kernel: plan.kernel, variant: plan.variant, params: plan.params, dataflow: r.dataflow, multicast: r.multicast,
        timeS: op.timeS, breakdown: op.breakdown, opBound: op.bound, mode: op.mode, pattern: op.pattern, mechanisms: op.mechanisms.map((m) => m.text), repeat: kc.repeat,
        kernelTimeS: r.timeS, cycles: r.cycles, utilization: r.utilization, bytes: r.bytes, energyJ: r.energyJ, energyByLevel: r.energyByLevel,
        bound: r.bound, roofline: r.roofline, passes: r.passes, fit: r.fit, timing: r.timing, events: r.events, notes: r.notes,
        ...(kc.modelOp ? { modelOp: kc.modelOp } : {}), differences: kc.differences,
      }));
    } else {
      const u = (x: number) => fmtFixed(x * 1e6);
      const b = op.breakdown;
      console.log(`${plan.kernel}/${plan.variant} ${JSON.stringify(plan.params)} on ${r.chip} (${r.dataflow}${r.multicast ? ', multicast' : ''})`);
      console.log(`  ${kc.how}`);
      console.log(`  op time ${u(op.timeS)} µs = compute ${u(b.compute)} + memory ${u(b.memory)} + launch gap ${u(b.launch)} + collective ${u(b.collective)} µs; bound: ${op.bound}; ${op.mode}${kc.repeat > 1 ? `; the op runs the plan ${kc.repeat} times` : ''}`);
      console.log(`  mechanisms: ${op.mechanisms.length ? op.mechanisms.map((m) => m.text).join('; ') : 'none (the preset has the ideal runtime)'}`);
      console.log(`  kernel ${fmtFixed(r.cycles, 0)} cycles = ${u(r.timeS)} µs, MAC utilization ${(r.utilization * 100).toFixed(1)}%, waves bound: ${r.bound}; timing: ${r.timing}`);
      if (r.events) console.log(`  events: ${fmtFixed(r.events.transfers, 0)} block transfers, ${fmtFixed(r.events.linkWaitCycles, 0)} cycles waiting for links, ${fmtFixed(r.events.hbmWaitCycles, 0)} for HBM`);
      console.log(`  roofline cycles: compute ${fmtFixed(r.roofline.compute, 0)}, memory ${fmtFixed(r.roofline.memory, 0)}, noc ${fmtFixed(r.roofline.noc, 0)}`);
      console.log(`  bytes HBM ${fmtFixed(r.bytes.hbm)} (read ${fmtFixed(r.bytes.hbmRead)}, write ${fmtFixed(r.bytes.hbmWrite)}), NoC byte-hops ${fmtFixed(r.bytes.noc)}, SRAM ${fmtFixed(r.bytes.sram)}`);
      console.log(`  energy ${fmtFixed(r.energyJ * 1e3)} mJ (MAC ${fmtFixed(r.energyByLevel.mac * 1e3)}, SRAM ${fmtFixed(r.energyByLevel.sram * 1e3)}, NoC ${fmtFixed(r.energyByLevel.noc * 1e3)}, HBM ${fmtFixed(r.energyByLevel.hbm * 1e3)}, static ${fmtFixed(r.energyByLevel.static * 1e3)})`);
      for (const p of r.passes) console.log(`  pass ${p.label}: ${p.planTiles} plan tiles in ${p.waves} wave(s), ${fmtFixed(p.cycles, 0)} cycles, ${p.bound}-bound`);
      console.log(`  SRAM: working set ${r.fit.workingSetBytes} B per tile, ${r.fit.doubleBuffered ? 'double-buffered' : 'single-buffered'}${r.fit.fits ? '' : ' — DOES NOT FIT'}`);
      if (kc.modelOp) {
        const m = kc.modelOp, mb = m.breakdown;
        console.log(`  beside ${m.model} ${phase}: its ${m.name} op (${m.source}) ${u(m.timeS)} µs per run = compute ${u(mb.compute)} + memory ${u(mb.memory)} + launch gap ${u(mb.launch)} µs, ${m.mode}, ${m.times} runs per step`);
        for (const d of kc.differences) console.log(`  why they differ: ${d}`);
        if (kc.differences.length === 0) console.log(`  the kernel and the model's op agree (within 1%)`);
      } else if (beside) console.log(`  ${beside.model.id} has no ${plan.kernel} op`);
      for (const n of r.notes) console.log(`  note: ${n}`);
    }
    return r.fit.fits ? 0 : 1;
  }
  throw new UsageError('give --model PRESET or --kernel NAME');
}

/**
 * The command line's work on `argv`: prints what it prints (console.log, console.error) and returns the exit
 * status; never throws. The tests call it in-process (test/unit/chip-cli.test.ts) beside a few real runs.
 */
export function simulateCli(argv: string[]): number {
  try {
    return main(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`simulate: ${e.message} (--help lists the flags)`);
      return 2;
    }
    // an input the model cannot handle and did not name: still one line, never a stack trace
    console.error(`simulate: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}

// run as the program (not imported): argv[1] is this file, through any symlink
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // A closed pipe (`... | head`) ends the output, not the program with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); else throw e; });
  process.exitCode = simulateCli(process.argv.slice(2));
}
