// A single kernel on a chip, costed by the one per-op function (simulateOp) the model uses, in two
// clearly labelled modes:
// - 'raw': exactly the plan asked for (the kernel's own variant, tiling and f32 storage), with the
//   chip's runtime mechanisms applied as to any launched kernel;
// - 'deployed': the op as a deployment on that chip runs it: the model's tiling for the chip and its
//   storage precision (bf16 activations, weights and KV cache in their formats), built by the same
//   builders as the model's ops (plans.ts). Beside a model, the op takes the options of the model's
//   own run of that op (fusion mode, resident weights, first op of a layer), so the kernel row and
//   the model agree on the same op.
// Where the kernel and the model's op still differ, `differences` says why, computed from the two runs.

import type { ChipConfig, Dataflow } from '../chip/types.ts';
import { formatDuration, timeRatioWords } from '../chip/format.ts';
import { kernelByName } from '../kernels/registry.ts';
import type { Plan } from '../kernels/plan.ts';
import { patternOf, simulateOp, type OpCost, type OpCostOptions } from './cost.ts';
import { decodeAttentionOp, gemmOp, prefillAttentionOp, qkvOp, retypePlan, storageBytes, type OpPlan } from './plans.ts';
import { precisionLabel, precisionOf } from './precision.ts';
import type { ModelConfig } from './config.ts';
import type { ModelSimResult, NumberFormat, OpBreakdown, PrecisionSpec } from './types.ts';
import { simulateModelRuns, type ModelRun, type ModelSimOptions } from './index.ts';

export type KernelCostMode = 'raw' | 'deployed';

export interface KernelCostRequest {
  /** 'raw': the plan asked for; 'deployed': the op as a deployment on the chip runs it. */
  as: KernelCostMode;
  /** Deployed storage (default bf16 weights and KV cache; matmul-int8 and the *-w8 variants: int8 weights). */
  precision?: NumberFormat | PrecisionSpec;
  /** The model the kernel is shown beside: its run of the same op is the comparison (and, deployed, the options). */
  beside?: { model: ModelConfig; opts: ModelSimOptions };
  dataflow?: Dataflow;
  /** Default: 'auto' for raw (event timing under budget), the model's 'analytic' for deployed. */
  timing?: OpCostOptions['timing'];
  maxTraceEvents?: number;
  /** Raw only: also cost the same shape as deployed (KernelCost.deployed). */
  withDeployed?: boolean;
}

/** One run of the model's op the kernel stands beside. */
export interface ModelOpRun {
  model: string;
  name: string;
  source: string;
  params: Plan['params'];
  /** Runs per step (layers x repeats). */
  times: number;
  timeS: number;
  breakdown: OpBreakdown;
  mode: OpCost['mode'];
}

export interface KernelCost {
  as: KernelCostMode;
  /** What ran: kernel, variant (retyped plans carry "@format"), params. */
  plan: { kernel: string; variant: string; params: Plan['params'] };
  /** How the plan was chosen, one line. */
  how: string;
  /** The plan runs this many times for the op (column chunks of a wide GEMM); timeS is one run. */
  repeat: number;
  cost: OpCost;
  /** The model's run of the same op (when `beside` was given and the model has that op). */
  modelOp?: ModelOpRun;
  /** Why the kernel's time differs from the model's op (empty when they agree within 1%). */
  differences: string[];
  /**
   * The `beside` model's whole step (simulateModel's result), from the one simulation the model's op
   * was taken from: a view that shows the model beside the kernel uses it instead of simulating again.
   */
  besideModel?: ModelSimResult;
  /** Raw runs: the same shape as deployed on the chip (its time and split), and why the two differ. */
  deployed?: { how: string; plan: KernelCost['plan']; timeS: number; breakdown: OpBreakdown; bound: OpCost['bound']; mechanisms: OpCost['mechanisms']; differences: string[] };
}

/** The op a deployment runs for a kernel and shape on a chip (the model's builders), or the kernel's own plan retyped. */
export function deployedOp(chip: ChipConfig, kernel: string, variant: string, raw: Record<string, unknown>, precision?: NumberFormat | PrecisionSpec): { op: OpPlan; how: string } {
  const def = kernelByName(kernel);
  const p = def.validate(raw) as Record<string, number | boolean>;
  const f = precisionOf(precision);
  const n = chip.grid.rows * chip.grid.cols;
  const int8 = kernel === 'matmul-int8' || variant.endsWith('-w8');
  const w: NumberFormat = int8 && precision === undefined ? 'int8' : f.weights;
  const num = (k: string) => p[k] as number;
  const tiling = (o: OpPlan) => {
    const pp = o.plan.params;
    return typeof pp.BM === 'number' ? `${pp.BM}x${pp.BN} blocks for ${n} tiles` : 'the model\'s split for the chip';
  };
  let op: OpPlan;
  switch (kernel) {
    case 'matmul':
    case 'matmul-int8':
      op = gemmOp('matmul', num('M'), num('N'), num('K'), n, w);
      break;
    case 'qkv':
      op = qkvOp(num('M'), num('D'), num('Hq'), num('Hkv'), num('dh'), p.bias === true, n, w, f.kv, variant !== 'unfused');
      break;
    case 'attention-prefill':
      op = prefillAttentionOp(num('S'), num('L'), num('Hq'), num('Hkv'), num('dh'), p.causal !== false, 1, f.kv, num('window'));
      break;
    case 'attention-decode':
      op = decodeAttentionOp(num('B'), num('L'), num('Hq'), num('Hkv'), num('dh'), n, f.kv, num('window'));
      break;
    default: {
      const plan = retypePlan(def.plan(p, variant), storageBytes(w, f.kv, 1));
      return { op: { name: kernel, source: `${kernel}/${variant}`, plan, repeat: 1 }, how: `no deployment builder for ${kernel}: its own ${variant} tiling with bf16 storage` };
    }
  }
  const pat = patternOf(op.plan);
  return { op, how: `as deployed: ${op.source} with ${kernel === 'matmul' || kernel === 'matmul-int8' || kernel === 'qkv' ? `${w} weights` : `${f.kv} KV cache`}, bf16 activations, ${tiling(op)} (the model's plan for this op; ${pat} HBM access)` };
}

/** The model run that is "the same op" as a plan: the same kernel, the same params when the model has them, else the kernel's first op. */
function sameOp(runs: ModelRun[], plan: Plan): ModelRun | undefined {
  const key = JSON.stringify(plan.params);
  const same = runs.filter((r) => r.plan.kernel === plan.kernel);
  return same.find((r) => JSON.stringify(r.plan.params) === key) ?? same[0];
}


/**
 * The computed reasons a kernel run differs in time from another run of the op (the model's, or the
 * same shape as deployed): shape, variant and storage, blocking, HBM bytes, mode, launch costs,
 * timing path, access pattern. `what` names the other run ("llama3-8b's qkv op"). Empty within 1%.
 */
function kernelVsModel(k: { as: KernelCostMode; plan: Plan; cost: OpCost }, m: { plan: Plan; cost: OpCost; options?: OpCostOptions }, what: string, short = 'the model'): string[] {
  const out: string[] = [];
  const ratio = k.cost.timeS / m.cost.timeS;
  if (Math.abs(ratio - 1) <= 0.01) return out;
  const head = `The kernel (${formatDuration(k.cost.timeS)}) is ${timeRatioWords(k.cost.timeS, m.cost.timeS, 0)} than ${what} (${formatDuration(m.cost.timeS)} per run)`;
  const why: string[] = [];
  const kp = k.plan.params, mp = m.plan.params;
  const shapeKeys = Object.keys(mp).filter((x) => !/^(B[MNKrc]|T[MN]|split|wgBytes|fill|capacity)$/.test(x) && kp[x] !== undefined && kp[x] !== mp[x]);
  if (shapeKeys.length) why.push(`its shape differs (${shapeKeys.map((x) => `${x} = ${kp[x]} vs ${mp[x]}`).join(', ')})`);
  const kv = k.plan.variant, mv = m.plan.variant;
  if (kv !== mv) why.push(`it runs ${k.plan.kernel}/${kv}${k.as === 'raw' ? ' exactly as asked (the kernel\'s own storage)' : ''} where ${short} runs ${m.plan.kernel}/${mv}`);
  const tk = ['BM', 'BN', 'split'].filter((x) => kp[x] !== undefined && kp[x] !== mp[x]);
  if (tk.length) why.push(`its blocking differs (${tk.map((x) => `${x} = ${kp[x]} vs ${mp[x]}`).join(', ')})`);
  if (k.cost.mode !== m.cost.mode) why.push(`there the op runs ${m.cost.mode === 'pipelined' ? 'in the spatial layer pipeline' : m.cost.mode === 'on-chip' ? 'with its activations kept in SRAM' : m.cost.mode === 'fused' ? 'fused into a neighbour' : 'as a launched kernel'}, alone it is a launched kernel (${k.cost.mode})`);
  const kb = k.cost.sim.bytes.hbm, mb = m.cost.sim.bytes.hbm;
  // the other run's tensors held in SRAM (pinned weights / KV cache, activations kept on chip) load no HBM bytes
  const held = m.options?.resident ?? [];
  const inSram = held.length ? ` (there ${held.join(', ')} ${held.length === 1 ? 'is' : 'are'} held in SRAM)` : '';
  if (Math.abs(kb - mb) > 0.01 * Math.max(kb, mb)) why.push(`it moves ${+(kb / 1e6).toPrecision(3)} MB of HBM traffic, ${short} ${+(mb / 1e6).toPrecision(3)} MB${inSram}`);
  const dl = m.cost.breakdown.launch - k.cost.breakdown.launch;
  if (Math.abs(dl) > 1e-9) why.push(`launch and per-layer costs differ by ${formatDuration(Math.abs(dl))}`);
  if (k.cost.sim.timing !== m.cost.sim.timing) why.push(`its kernel time comes from the ${k.cost.sim.timing} timing path, ${short}'s from the ${m.cost.sim.timing} one`);
  if (k.cost.pattern !== m.cost.pattern) why.push(`it is costed with ${k.cost.pattern} HBM access, ${short} with ${m.cost.pattern}`);
  if (why.length === 0) why.push('the other run holds weights or KV cache in SRAM or shares SRAM with pinned data');
  out.push(`${head}: ${why.join('; ')}.`);
  return out;
}

/**
 * A kernel on a chip, raw or as deployed, costed by simulateOp; beside a model, with the model's run
 * of the same op and the reasons they differ. Throws KernelInputError / ModelInputError on bad input.
 */
export function simulateKernel(chip: ChipConfig, kernel: string, variant: string, raw: Record<string, unknown>, req: KernelCostRequest): KernelCost {
  const beside = req.beside;
  let model: ReturnType<typeof simulateModelRuns> | undefined;
  const k = costKernel(chip, kernel, variant, raw, req, beside ? () => (model ??= simulateModelRuns(chip, beside.model, beside.opts)).runs : undefined);
  return model ? { ...k, besideModel: model.result } : k;
}

/**
 * simulateKernel with the `beside` model's runs simulated at most once (after the kernel's input is
 * validated) and shared by the raw run and its deployed twin.
 */
function costKernel(chip: ChipConfig, kernel: string, variant: string, raw: Record<string, unknown>, req: KernelCostRequest, modelRuns: (() => ModelRun[]) | undefined): KernelCost {
  let plan: Plan, how: string, repeat = 1;
  if (req.as === 'deployed') {
    const d = deployedOp(chip, kernel, variant, raw, req.precision ?? req.beside?.opts.precision);
    plan = d.op.plan; how = d.how; repeat = d.op.repeat;
  } else {
    const def = kernelByName(kernel);
    plan = def.plan(def.validate(raw), variant);
    how = `raw plan: ${kernel}/${variant} exactly as asked (the kernel's own tiling and ${[...new Set(plan.tensors.map((t) => t.dtype))].join('/')} storage)`;
  }
  const modelRun = modelRuns ? sameOp(modelRuns(), plan) : undefined;
  const sameParams = modelRun !== undefined && JSON.stringify(modelRun.plan.params) === JSON.stringify(plan.params) && modelRun.plan.variant === plan.variant;
  const base: OpCostOptions = { dataflow: req.dataflow, maxTraceEvents: req.maxTraceEvents, timing: req.timing ?? (req.as === 'deployed' ? 'analytic' : 'auto') };
  // deployed beside a model that has exactly this op: the model's run of it (mode, residency, first op), same plan
  const options: OpCostOptions = req.as === 'deployed' && sameParams ? { ...modelRun.options, ...base, dataflow: req.dataflow ?? modelRun.options.dataflow } : { ...base, pattern: patternOf(plan) };
  const costPlan = req.as === 'deployed' && sameParams ? modelRun.plan : plan;
  const cost = simulateOp(chip, costPlan, options);
  if (req.as === 'deployed' && sameParams) how += `; costed as the op runs inside ${req.beside!.model.id} (${precisionLabel(precisionOf(req.beside!.opts.precision))}, ${cost.mode})`;
  const modelOp: ModelOpRun | undefined = modelRun && {
    model: req.beside!.model.id, name: modelRun.name, source: modelRun.source, params: modelRun.plan.params, times: modelRun.times,
    timeS: modelRun.cost.timeS, breakdown: modelRun.cost.breakdown, mode: modelRun.cost.mode,
  };
  const differences = modelRun ? kernelVsModel({ as: req.as, plan, cost }, modelRun, `${req.beside!.model.id}'s ${modelRun.name} op`) : [];
  let deployed: KernelCost['deployed'];
  if (req.as === 'raw' && req.withDeployed) {
    const d = costKernel(chip, kernel, variant, raw, { ...req, as: 'deployed', maxTraceEvents: 0, withDeployed: false }, modelRuns);
    const dPlan = { ...plan, ...d.plan } as Plan;
    deployed = {
      how: d.how, plan: d.plan, timeS: d.cost.timeS, breakdown: d.cost.breakdown, bound: d.cost.bound, mechanisms: d.cost.mechanisms,
      differences: kernelVsModel({ as: 'raw', plan, cost }, { plan: dPlan, cost: d.cost }, `the same shape as deployed on ${chip.name}`, 'the deployed op'),
    };
  }
  return { as: req.as, plan: { kernel: plan.kernel, variant: plan.variant, params: plan.params }, how, repeat, cost, modelOp, differences, ...(deployed ? { deployed } : {}) };
}
