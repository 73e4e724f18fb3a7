// The playground's whole state: what a share link carries and what the URL mirrors.
// Versioned (`v`); old versions migrate forward in migrate.ts; validated with valibot before use.
// Each tab element gets its slice (`.state`) and emits `state-change` with a partial patch of it.
//
// Pure TypeScript (no DOM): runs in the browser, the worker and Node tests.

import * as v from 'valibot';

export const STATE_VERSION = 3;

/** Caps that keep a hostile link from allocating much: checked by the schema and the codec. */
export const LIMITS = {
  /** Characters of one edited shader. */
  wgslChars: 64 * 1024,
  /** Edited shaders per link. */
  wgslFiles: 16,
  /** Result rows carried by a link. */
  resultRows: 64,
  /** Short strings (ids, names, shapes). */
  idChars: 64,
  /** Free text (device/browser descriptions). */
  textChars: 256,
  /** Kernel parameters per configuration. */
  params: 32,
} as const;

/** Every tab a link may name ('start' is the landing view). The shell decides the order they are shown in. */
export const TABS = ['bench', 'editor', 'chip', 'tokens', 'model', 'roofline', 'compare', 'learn', 'start'] as const;
export type Tab = (typeof TABS)[number];

const Id = v.pipe(v.string(), v.maxLength(LIMITS.idChars));
const Text = v.pipe(v.string(), v.maxLength(LIMITS.textChars));
const Int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const Finite = v.pipe(v.number(), v.finite());

/** A kernel's parameters as the kernel's ParamDocs name them; the kernel's validate() checks values. */
const Params = v.pipe(
  v.record(Id, v.union([v.pipe(v.number(), v.finite()), v.boolean(), Id])),
  v.check((r) => Object.keys(r).length <= LIMITS.params, `at most ${LIMITS.params} parameters`),
);
export type KernelParams = v.InferOutput<typeof Params>;

/** Rows × columns (chip tile grid, per-tile MAC array). */
const Dims = v.object({ rows: Int(1, 1024), cols: Int(1, 1024) });
export type Dims = v.InferOutput<typeof Dims>;

export const BenchStateSchema = v.object({
  kernel: Id,
  variant: Id,
  params: Params,
  /** Edited WGSL keyed by shader name (file in shaders/ without extension); absent = original. */
  wgsl: v.pipe(
    v.record(Id, v.pipe(v.string(), v.maxLength(LIMITS.wgslChars))),
    v.check((r) => Object.keys(r).length <= LIMITS.wgslFiles, `at most ${LIMITS.wgslFiles} edited shaders`),
  ),
});
export type BenchState = v.InferOutput<typeof BenchStateSchema>;

export const ChipStateSchema = v.object({
  /** Chip preset id (src/chip CHIP_PRESETS), e.g. "jalapeno". */
  preset: Id,
  /** Override of the preset's tile grid. */
  grid: v.optional(Dims),
  /** Override of the preset's per-tile MAC array. */
  array: v.optional(Dims),
  /** e.g. "output-stationary" | "weight-stationary"; the chip model validates it. */
  dataflow: Id,
  kernel: Id,
  variant: Id,
  params: Params,
  /** Timeline position as a fraction of the simulated run, [0, 1]. */
  timeFrac: v.pipe(Finite, v.minValue(0), v.maxValue(1)),
  view: v.picklist(['utilization', 'traffic']),
});
export type ChipState = v.InferOutput<typeof ChipStateSchema>;

export const ModelStateSchema = v.object({
  /** Model preset id (MODEL_PRESETS, src/models/config.ts), e.g. "llama3-8b". */
  preset: Id,
  /** 'inflight': serving under in-flight batching (src/models/inflight.ts): tokens = prompt tokens, osl = output tokens, batch = the most sequences. */
  phase: v.picklist(['prefill', 'decode', 'inflight']),
  tokens: Int(1, 1 << 20),
  /** In-flight batching: output tokens per request (absent: 128). */
  osl: v.optional(Int(2, 1 << 16)),
  context: Int(1, 1 << 21),
  /** Sequences; up to the 65,536 rows a GEMM of the chip model takes (MAX_ROWS, src/models), so every batch the Tokens tab accepts makes a valid link. */
  batch: Int(1, 1 << 16),
  /** Chips per model copy; 0 = the fewest that hold the model on each preset (pipeline stages chosen by the model). */
  chips: Int(0, 4096),
  /** Weight/activation precision of the simulated deployment (absent: bf16). */
  precision: v.optional(v.picklist(['bf16', 'int8'])),
});
export type ModelState = v.InferOutput<typeof ModelStateSchema>;

export const LearnStateSchema = v.object({
  step: Int(0, 1000),
  /** The scrubbed moment of the step's animation, as a fraction of its run (absent: the step's own moment). */
  timeFrac: v.optional(v.pipe(Finite, v.minValue(0), v.maxValue(1))),
});
export type LearnState = v.InferOutput<typeof LearnStateSchema>;

/** One side of a comparison: a kernel configuration on a chip preset. */
export const CompareSideSchema = v.object({
  preset: Id,
  dataflow: Id,
  kernel: Id,
  variant: Id,
  params: Params,
});
export type CompareSide = v.InferOutput<typeof CompareSideSchema>;

export const CompareStateSchema = v.object({ a: CompareSideSchema, b: CompareSideSchema });
export type CompareState = v.InferOutput<typeof CompareStateSchema>;

/** The Model tab (v3): which model file, the prompt and sampling settings, and the sharer's results. */
export const LlmStateSchema = v.object({
  /** The weights file's name ('' = none picked); the receiver is asked to pick the same file. */
  modelName: Text,
  /** Its fingerprint (src/llm/fingerprint.ts), checked when the receiver picks a file. */
  modelHash: Id,
  prompt: v.pipe(v.string(), v.maxLength(4000)),
  tokens: Int(1, 4096),
  seed: Int(0, 2 ** 32 - 1),
  temperature: v.pipe(Finite, v.minValue(0), v.maxValue(10)),
  topK: Int(1, 64),
  int8: v.boolean(),
  /** The chat option: the prompt through the model's chat template; absent (older links): on when the loaded model has one. */
  chat: v.optional(v.boolean()),
  /** The sharer's run, when they included results. */
  result: v.optional(v.object({
    device: Text,
    text: v.pipe(v.string(), v.maxLength(16000)),
    tokensPerS: Finite,
    medianMs: Finite,
    p10Ms: Finite,
    p90Ms: Finite,
    /** Per-family measured ms of one decode step. */
    families: v.pipe(v.array(v.object({ family: Id, ms: Finite, bytes: Finite })), v.maxLength(32)),
  })),
});
export type LlmState = v.InferOutput<typeof LlmStateSchema>;

/** One measured run, the same fields as a bench JSON row. */
export const ResultRowSchema = v.object({
  kernel: Id,
  variant: Id,
  shape: Text,
  dtype: Id,
  medianMs: Finite,
  p10Ms: Finite,
  p90Ms: Finite,
  gflops: Finite,
  gbps: Finite,
  maxAbsErr: v.union([Finite, v.null()]),
  ok: v.boolean(),
  timer: Text,
});
export type ResultRow = v.InferOutput<typeof ResultRowSchema>;

export const ResultsSchema = v.object({
  /** describeDevice() of the sharer's adapter. */
  device: Text,
  /** The sharer's browser, e.g. "Chrome/142". */
  browser: Text,
  rows: v.pipe(v.array(ResultRowSchema), v.maxLength(LIMITS.resultRows)),
});
export type Results = v.InferOutput<typeof ResultsSchema>;

export const ShareStateSchema = v.object({
  v: v.literal(STATE_VERSION),
  tab: v.picklist(TABS),
  bench: BenchStateSchema,
  chip: ChipStateSchema,
  model: ModelStateSchema,
  learn: LearnStateSchema,
  compare: CompareStateSchema,
  llm: LlmStateSchema,
  /** The sharer's results, present only when they chose to include them. */
  results: v.optional(ResultsSchema),
});
export type ShareState = v.InferOutput<typeof ShareStateSchema>;

/** The slices a tab element may patch through its `state-change` event. */
export type SliceKey = 'bench' | 'chip' | 'model' | 'learn' | 'compare' | 'llm';

/** detail of the `state-change` CustomEvent every tab element emits. */
export interface StateChangeDetail<K extends SliceKey = SliceKey> {
  patch: Partial<ShareState[K]>;
}

export const DEFAULT_CHIP_PRESET = 'jalapeno';
export const DEFAULT_MODEL_PRESET = 'llama3-8b';
export const DEFAULT_DATAFLOW = 'output-stationary';

/** Small matmul defaults: fast enough on a software adapter, big enough to show tiling. */
const DEFAULT_KERNEL = { kernel: 'matmul', variant: 'tiled', params: {} as KernelParams };

/** A fresh default state (new objects each call, so callers may mutate). */
export function defaultState(): ShareState {
  return {
    v: STATE_VERSION,
    tab: 'bench',
    bench: { ...DEFAULT_KERNEL, params: {}, wgsl: {} },
    chip: {
      preset: DEFAULT_CHIP_PRESET,
      dataflow: DEFAULT_DATAFLOW,
      ...DEFAULT_KERNEL,
      params: {},
      timeFrac: 0,
      view: 'utilization',
    },
    model: { preset: DEFAULT_MODEL_PRESET, phase: 'decode', tokens: 1, context: 1024, batch: 1, chips: 1 },
    learn: { step: 0 },
    compare: {
      a: { preset: DEFAULT_CHIP_PRESET, dataflow: DEFAULT_DATAFLOW, kernel: 'matmul', variant: 'naive', params: {} },
      b: { preset: DEFAULT_CHIP_PRESET, dataflow: DEFAULT_DATAFLOW, kernel: 'matmul', variant: 'tiled', params: {} },
    },
    llm: defaultLlmState(),
  };
}

export function defaultLlmState(): LlmState {
  return { modelName: '', modelHash: '', prompt: 'Once upon a time', tokens: 32, seed: 0, temperature: 0, topK: 40, int8: false };
}

/** Validates a (migrated) object; returns the state or the first problem, as text. */
export function validateState(raw: unknown): { ok: true; state: ShareState } | { ok: false; error: string } {
  const r = v.safeParse(ShareStateSchema, raw);
  if (r.success) return { ok: true, state: r.output };
  const issue = r.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
  return { ok: false, error: path ? `${path}: ${issue.message}` : issue.message };
}

/** Merges a tab's patch into its slice (shallow), returning a new state. */
export function applyPatch<K extends SliceKey>(state: ShareState, key: K, patch: Partial<ShareState[K]>): ShareState {
  return { ...state, [key]: { ...state[key], ...patch } };
}
