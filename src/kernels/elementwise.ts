// Element-wise kernels of a transformer block, around the matmuls and attention: token embedding
// lookup, residual add (+ bias), SwiGLU's silu·mul and GPT-2's GELU. Plans, CPU references and
// validation; the WGSL is in shaders/{embed,residual_add,silu_mul,gelu}.wgsl.

import { type KernelDef, type ParamDoc, type Tensors, KernelInputError, checkVariant, f32Input, randomF32, rng, tensorOf, validateByDocs } from './kernel.ts';
import { axisRanges, cdiv, type Pass, type Plan, type Step } from './plan.ts';
import { GGUF_FORMATS, GGUF_FORMAT_CODE, dequantizeFormat, ggufBlockWords, ggufFormat, ggufWeightBytes, ggufWords, isHalfFormat, quantizeFormat, type GgufFormat } from './matmul-gguf.ts';

/** Invocations per workgroup of the element-wise kernels. */
export const EW_WG = 64;
const MAX_DIM = 1 << 20;
const f = Math.fround;

/** Tile classes for a (ceil(n / WG), M) grid where each invocation owns one of n columns. */
function columnTiles(n: number, M: number, steps: (cols: number) => Step[], what: string): Pass['tiles'] {
  return axisRanges(n, EW_WG).map(({ range, size }) => ({
    x: range, y: [0, M] as [number, number], z: [0, 1] as [number, number],
    note: `${size} ${what} of one row${size < EW_WG ? ' (ragged last block)' : ''}`,
    steps: steps(size),
  }));
}

function simplePlan(kernel: string, params: Plan['params'], tensors: Plan['tensors'], pass: Pass, flops: number): Plan {
  const ioBytes = tensors.reduce((s, t) => s + t.bytes, 0);
  return { kernel, variant: 'default', params: { ...params }, tensors, passes: [pass], flops, ioBytes, requiredFeatures: [], requiredLanguageFeatures: [] };
}

// ---- residual add -------------------------------------------------------------------------------

const RESIDUAL_PARAMS: readonly ParamDoc[] = [
  { name: 'M', doc: 'rows (tokens)', default: 16, allowed: [1, 65535] },
  { name: 'D', doc: 'columns (model dimension)', default: 512, allowed: [1, MAX_DIM] },
  { name: 'bias', doc: "add the projection's bias b [D] too (GPT-2)", default: false },
];

export function residualAddRef(X: Float32Array, Y: Float32Array, b: Float32Array | null, M: number, D: number): Float32Array {
  const out = new Float32Array(M * D);
  for (let m = 0; m < M; m++)
    for (let d = 0; d < D; d++) {
      let v = f(X[m * D + d] + Y[m * D + d]);
      if (b) v = f(v + b[d]);
      out[m * D + d] = v;
    }
  return out;
}

export const residualAdd: KernelDef = {
  name: 'residual-add',
  title: 'residual add (+ bias)',
  description: 'Z[M, D] = X[M, D] + Y[M, D] (+ b[D]): the residual stream update after attention and after the MLP, with the output projection\'s bias folded in. One invocation per element, grid (ceil(D/64), M).',
  variants: ['default'],
  defaultVariant: 'default',
  baselineVariant: 'default',
  params: RESIDUAL_PARAMS,
  validate: (raw) => validateByDocs(raw, RESIDUAL_PARAMS, 'residual-add'),
  plan(params, variant) {
    checkVariant(residualAdd, variant);
    const { M, D } = params as Record<string, number>;
    const bias = params.bias === true;
    return simplePlan('residual-add', params, [
      { name: 'X', dtype: 'f32', shape: [M, D], bytes: 4 * M * D, role: 'input', layout: '[M, D] row-major: the residual stream' },
      { name: 'Y', dtype: 'f32', shape: [M, D], bytes: 4 * M * D, role: 'input', layout: '[M, D] row-major: the block output' },
      { name: 'b', dtype: 'f32', shape: [D], bytes: 4 * D, role: 'weight', layout: '[D] (read only with bias = true)' },
      { name: 'Z', dtype: 'f32', shape: [M, D], bytes: 4 * M * D, role: 'output', layout: '[M, D] row-major: the updated stream' },
    ], {
      shader: 'residual_add', entryPoint: 'main', label: bias ? 'residual add + bias' : 'residual add',
      workgroupSize: [EW_WG, 1, 1], grid: [cdiv(D, EW_WG), M, 1], overrides: { WG: EW_WG, BIAS: bias },
      uniforms: [['D', { type: 'u32', value: D }]],
      bindings: [{ binding: 0, tensor: 'X', access: 'read' }, { binding: 1, tensor: 'Y', access: 'read' }, { binding: 2, tensor: 'b', access: 'read' }, { binding: 3, tensor: 'Z', access: 'read_write' }],
      tiles: columnTiles(D, M, (n) => [
        { kind: 'load', tensor: 'X', bytes: 4 * n },
        { kind: 'load', tensor: 'Y', bytes: 4 * n },
        ...(bias ? [{ kind: 'load', tensor: 'b', bytes: 4 * n, shareAxes: ['y'] } as Step] : []),
        { kind: 'vector', count: n * (bias ? 2 : 1), op: 'add' },
        { kind: 'store', tensor: 'Z', bytes: 4 * n },
      ], 'elements'),
      workgroupBytes: 0,
    }, M * D * (bias ? 2 : 1));
  },
  makeInputs(plan, seed) {
    const { M, D } = plan.params as Record<string, number>;
    return { X: randomF32(M * D, seed), Y: randomF32(M * D, seed + 1), b: randomF32(D, seed + 2) };
  },
  userInputs: [
    { name: 'X', dtype: 'float32', shapes: [['M', 'D']], doc: 'the residual stream' },
    { name: 'Y', dtype: 'float32', shapes: [['M', 'D']], doc: 'the block output' },
    { name: 'bias', dtype: 'float32', shapes: [['D']], doc: 'only when bias = true (GPT-2): the projection\'s bias b', optional: true },
  ],
  fromUser(plan, user) {
    const D = plan.params.D as number;
    if (plan.params.bias === true && user.bias === undefined) throw new KernelInputError(`residual-add: bias = true needs a bias tensor, float32 [D] = [${D}]; give it or set bias to false`);
    if (plan.params.bias !== true && user.bias !== undefined) throw new KernelInputError('residual-add: a bias tensor was given but bias = false; set bias to true to add it, or leave the tensor out');
    // without bias the shader binds b but never reads it
    return { X: f32Input(user, 'X'), Y: f32Input(user, 'Y'), b: user.bias === undefined ? new Float32Array(D) : f32Input(user, 'bias') };
  },
  reference(plan, ins) {
    const { M, D } = plan.params as Record<string, number>;
    return { Z: residualAddRef(ins.X as Float32Array, ins.Y as Float32Array, plan.params.bias ? (ins.b as Float32Array) : null, M, D) };
  },
  // One or two correctly rounded f32 adds, reproduced exactly by the reference.
  tolerance: () => 'exact',
};

// ---- silu · mul ---------------------------------------------------------------------------------

const FFN_PARAMS: readonly ParamDoc[] = [
  { name: 'M', doc: 'rows (tokens)', default: 16, allowed: [1, 65535] },
  { name: 'F', doc: 'MLP hidden size', default: 1024, allowed: [1, MAX_DIM] },
];

/** The gated activation of a GLU MLP: silu (SwiGLU, Llama) or GELU with the tanh approximation (GeGLU, Gemma 3). */
export const GLU_ACTS = ['silu', 'gelu'] as const;
const GLU_PARAMS: readonly ParamDoc[] = [...FFN_PARAMS, { name: 'act', doc: 'the gate\'s activation: silu (SwiGLU) or gelu, tanh approximation (GeGLU, Gemma 3)', default: 'silu', allowed: GLU_ACTS }];
/** Vector ops per output: silu(g)·u (exp, add, divide, multiply), gelu(g)·u (the tanh form's 8, multiply). */
const GLU_OPS = { silu: 4, gelu: 9 } as const;

export const siluRef = (x: number): number => x / (1 + Math.exp(-x));
/** GPT-2's gelu_new (tanh approximation). */
export const geluRef = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

// exp() and division on GPUs are within a few ULP; the references are f64.
const ACTIVATION_TOL = { atol: 1e-6, rtol: 2e-5 };

export const siluMul: KernelDef = {
  name: 'silu-mul',
  title: 'gated MLP activation (silu · mul, gelu · mul)',
  description: 'H[M, F] = act(GU[:, :F]) · GU[:, F:], GU = the fused [gate | up] projection [M, 2F] of a gated MLP; act = silu (SwiGLU, Llama) or the tanh-approximated GELU (GeGLU, Gemma 3). One invocation per output.',
  variants: ['default'],
  defaultVariant: 'default',
  baselineVariant: 'default',
  params: GLU_PARAMS,
  validate: (raw) => validateByDocs(raw, GLU_PARAMS, 'silu-mul'),
  plan(params, variant) {
    checkVariant(siluMul, variant);
    const { M, F } = params as Record<string, number>;
    const act = params.act as (typeof GLU_ACTS)[number];
    return simplePlan('silu-mul', params, [
      { name: 'GU', dtype: 'f32', shape: [M, 2 * F], bytes: 8 * M * F, role: 'input', layout: '[M, 2F] row-major: [gate | up]' },
      { name: 'H', dtype: 'f32', shape: [M, F], bytes: 4 * M * F, role: 'output', layout: '[M, F] row-major' },
    ], {
      shader: 'silu_mul', entryPoint: 'main', label: `${act}(gate) · up`,
      workgroupSize: [EW_WG, 1, 1], grid: [cdiv(F, EW_WG), M, 1], overrides: { WG: EW_WG, ...(act === 'gelu' ? { GELU: true } : {}) },
      uniforms: [['F', { type: 'u32', value: F }]],
      bindings: [{ binding: 0, tensor: 'GU', access: 'read' }, { binding: 1, tensor: 'H', access: 'read_write' }],
      tiles: columnTiles(F, M, (n) => [
        { kind: 'load', tensor: 'GU', bytes: 8 * n },
        { kind: 'vector', count: GLU_OPS[act] * n, op: `${act}-mul` },
        { kind: 'store', tensor: 'H', bytes: 4 * n },
      ], 'outputs'),
      workgroupBytes: 0,
    }, GLU_OPS[act] * M * F);
  },
  makeInputs(plan, seed) {
    const { M, F } = plan.params as Record<string, number>;
    return { GU: randomF32(2 * M * F, seed, 6) };
  },
  userInputs: [
    { name: 'gate', dtype: 'float32', shapes: [['M', 'F']], doc: 'the gate projection (the activation is applied to it)' },
    { name: 'up', dtype: 'float32', shapes: [['M', 'F']], doc: 'the up projection' },
  ],
  fromUser(plan, user) {
    // the kernel reads one [M, 2F] buffer, [gate | up] per row (the fused gate/up matmul's output)
    const { M, F } = plan.params as Record<string, number>;
    const g = f32Input(user, 'gate'), u = f32Input(user, 'up');
    const GU = new Float32Array(2 * M * F);
    for (let m = 0; m < M; m++) {
      GU.set(g.subarray(m * F, (m + 1) * F), 2 * m * F);
      GU.set(u.subarray(m * F, (m + 1) * F), 2 * m * F + F);
    }
    return { GU };
  },
  reference(plan, ins) {
    const { M, F } = plan.params as Record<string, number>;
    const act = plan.params.act === 'gelu' ? geluRef : siluRef;
    const GU = ins.GU as Float32Array;
    const H = new Float32Array(M * F);
    for (let m = 0; m < M; m++) for (let j = 0; j < F; j++) H[m * F + j] = act(GU[m * 2 * F + j]) * GU[m * 2 * F + F + j];
    return { H };
  },
  tolerance: () => ACTIVATION_TOL,
};

// ---- gelu ---------------------------------------------------------------------------------------

export const gelu: KernelDef = {
  name: 'gelu',
  title: 'GELU (+ bias)',
  description: "H[M, F] = gelu(U[M, F] + b[F]), GPT-2's tanh-approximated GELU with the up projection's bias folded in. One invocation per output.",
  variants: ['default'],
  defaultVariant: 'default',
  baselineVariant: 'default',
  params: FFN_PARAMS,
  validate: (raw) => validateByDocs(raw, FFN_PARAMS, 'gelu'),
  plan(params, variant) {
    checkVariant(gelu, variant);
    const { M, F } = params as Record<string, number>;
    return simplePlan('gelu', params, [
      { name: 'U', dtype: 'f32', shape: [M, F], bytes: 4 * M * F, role: 'input', layout: '[M, F] row-major' },
      { name: 'b', dtype: 'f32', shape: [F], bytes: 4 * F, role: 'weight', layout: '[F]' },
      { name: 'H', dtype: 'f32', shape: [M, F], bytes: 4 * M * F, role: 'output', layout: '[M, F] row-major' },
    ], {
      shader: 'gelu', entryPoint: 'main', label: 'gelu(u + b)',
      workgroupSize: [EW_WG, 1, 1], grid: [cdiv(F, EW_WG), M, 1], overrides: { WG: EW_WG },
      uniforms: [['F', { type: 'u32', value: F }]],
      bindings: [{ binding: 0, tensor: 'U', access: 'read' }, { binding: 1, tensor: 'b', access: 'read' }, { binding: 2, tensor: 'H', access: 'read_write' }],
      tiles: columnTiles(F, M, (n) => [
        { kind: 'load', tensor: 'U', bytes: 4 * n },
        { kind: 'load', tensor: 'b', bytes: 4 * n, shareAxes: ['y'] },
        { kind: 'vector', count: 8 * n, op: 'gelu' },
        { kind: 'store', tensor: 'H', bytes: 4 * n },
      ], 'outputs'),
      workgroupBytes: 0,
    }, 8 * M * F);
  },
  makeInputs(plan, seed) {
    const { M, F } = plan.params as Record<string, number>;
    return { U: randomF32(M * F, seed, 5), b: randomF32(F, seed + 1, 0.5) };
  },
  userInputs: [
    { name: 'U', dtype: 'float32', shapes: [['M', 'F']], doc: 'the up projection, before its bias' },
    { name: 'b', dtype: 'float32', shapes: [['F']], doc: 'the up projection\'s bias (GELU(U + b))' },
  ],
  reference(plan, ins) {
    const { M, F } = plan.params as Record<string, number>;
    const U = ins.U as Float32Array, b = ins.b as Float32Array;
    const H = new Float32Array(M * F);
    for (let m = 0; m < M; m++) for (let j = 0; j < F; j++) H[m * F + j] = geluRef(f(U[m * F + j] + b[j]));
    return { H };
  },
  tolerance: () => ACTIVATION_TOL,
};

// ---- embed --------------------------------------------------------------------------------------

/**
 * Storage of the embedding table: f32, or a format matmul-gguf reads as a model file stores it (GgufFormat: 16-bit
 * floats, two per u32 word; ggml blocks, a row of D values = D / blockElems whole blocks, rows back to back).
 */
export type EmbedFormat = 'f32' | GgufFormat;
export const EMBED_FORMATS: readonly EmbedFormat[] = ['f32', ...GGUF_FORMATS];
/** Bytes of one embedding row of D values stored as `format` (f32 4·D, f16 / bf16 2·D, ggml blocks D / blockElems · blockBytes). */
export const embedRowBytes = (format: EmbedFormat, D: number) => (format === 'f32' ? 4 * D : ggufWeightBytes(format, 1, D).bytes);
/** Whether D values make an embedding row `format` can hold: 16-bit two per u32 word (D even), ggml whole blocks. */
export function embedRowFits(format: EmbedFormat, D: number): boolean {
  return format === 'f32' || (isHalfFormat(format) ? D % 2 === 0 : D % ggufFormat(format).blockElems === 0);
}

const EMBED_PARAMS: readonly ParamDoc[] = [
  { name: 'M', doc: 'tokens', default: 16, allowed: [1, 65535] },
  { name: 'D', doc: 'model dimension', default: 512, allowed: [1, MAX_DIM] },
  { name: 'V', doc: 'rows of E (the vocabulary, or this part of it)', default: 1000, allowed: [1, 1 << 22] },
  { name: 'positions', doc: 'rows of the position table P (GPT-2); 0 = no position embedding (Llama)', default: 0, allowed: [0, 1 << 20] },
  { name: 'pos0', doc: 'position of the first token (P row offset)', default: 0, allowed: [0, 1 << 20] },
  { name: 'vocab', doc: 'a part of a split embedding: the whole vocabulary (0 = E holds it all); rows of ids outside [v0, v0 + V) are left as they are', default: 0, allowed: [0, 1 << 22] },
  { name: 'v0', doc: 'a part of a split embedding: the token id of E\'s first row', default: 0, allowed: [0, 1 << 22] },
  { name: 'scale', doc: 'each gathered row times this (Gemma 3: sqrt(D)); 1 = as stored', default: 1, allowed: [0, 1 << 16], float: true },
  { name: 'format', doc: 'storage of E: f32, or a model file\'s embedding as stored: 16-bit (f16, bf16: two values per u32 word, D even) or ggml blocks (q4_0, q4_1, q5_0, q5_1, q8_0, iq4_nl: D a multiple of 32; q4_k, q5_k, q6_k, q3_k, q2_k, iq4_xs: of 256)', default: 'f32', allowed: EMBED_FORMATS },
];

export const embed: KernelDef = {
  name: 'embed',
  title: 'token embedding (+ position)',
  description: 'X[m, :] = scale · E[ids[m], :] (+ P[pos0 + m, :]): embedding lookup for M tokens, GPT-2 adds its learned position table, Gemma 3 scales by sqrt(D). One workgroup per token. ' +
    'A vocabulary larger than one binding is split in parts (vocab, v0): each part writes the rows of the ids it holds and keeps the others.',
  variants: ['default'],
  defaultVariant: 'default',
  baselineVariant: 'default',
  params: EMBED_PARAMS,
  validate(raw) {
    const p = validateByDocs(raw, EMBED_PARAMS, 'embed');
    const { M, V, positions, pos0, vocab, v0 } = p as Record<string, number>;
    if (positions > 0 && pos0 + M > positions) throw new KernelInputError(`embed: positions ${pos0}..${pos0 + M - 1} run past the ${positions}-row position table`);
    if (vocab === 0 && v0 !== 0) throw new KernelInputError(`embed: v0 = ${v0} needs vocab (the whole vocabulary of a split embedding)`);
    if (vocab > 0 && v0 + V > vocab) throw new KernelInputError(`embed: the part's rows ${v0}..${v0 + V - 1} run past the vocabulary of ${vocab}`);
    const format = p.format as EmbedFormat, D = p.D as number;
    if (!embedRowFits(format, D)) {
      throw new KernelInputError(isHalfFormat(format as string)
        ? `embed: format ${format} packs two values per u32 word, so D must be even, got ${D}`
        : `embed: format ${format} stores rows as whole ${ggufFormat(format as GgufFormat).name} blocks, so D must be a multiple of ${ggufFormat(format as GgufFormat).blockElems}, got ${D}`);
    }
    return p;
  },
  plan(params, variant) {
    checkVariant(embed, variant);
    const { M, D, V, positions, pos0, vocab, v0, scale } = params as Record<string, number>;
    const format = params.format as EmbedFormat;
    const pos = positions > 0;
    const scaled = scale !== 1;
    const split = vocab > 0;
    const rowBytes = embedRowBytes(format, D);
    const rows = split ? `rows of token ids ${v0}..${v0 + V - 1}` : '';
    // bytes a token's row costs to read: f32 and 16-bit words as stored; ggml blocks as matmul-gguf reads them,
    // each block's words once (a block of 2 mod 4 bytes spans one more word, 2 bytes of its neighbour: ggufBlockWords)
    const blocks = format === 'f32' || isHalfFormat(format) ? 0 : D / ggufFormat(format).blockElems;
    const rowRead = blocks > 0 ? 4 * ggufBlockWords(format as GgufFormat) * blocks : rowBytes;
    const tableBytes = V * rowBytes;
    return simplePlan('embed', params, [
      { name: 'ids', dtype: 'u32', shape: [M], bytes: 4 * M, role: 'input', layout: '[M] token ids' },
      format === 'f32'
        ? { name: 'E', dtype: 'f32', shape: [V, D], bytes: tableBytes, role: 'weight', layout: `[V, D] row-major${rows && `: ${rows}`}` }
        : isHalfFormat(format)
          ? { name: 'E', dtype: 'u32', shape: [V, D / 2], bytes: tableBytes, role: 'weight', layout: `[V, D] row-major ${format}, two per u32 word (value 2j in the low half)${rows && `; ${rows}`}` }
          : { name: 'E', dtype: 'u32', shape: [Math.ceil(tableBytes / 4)], bytes: 4 * Math.ceil(tableBytes / 4), role: 'weight', layout: `[V, D] as ${ggufFormat(format).name} blocks (${ggufFormat(format).blockBytes} B per ${ggufFormat(format).blockElems} values), a row ${blocks} blocks (${rowBytes} B), rows back to back, GGUF bytes as u32 words${rows && `; ${rows}`}` },
      { name: 'P', dtype: 'f32', shape: [Math.max(1, positions), D], bytes: 4 * Math.max(1, positions) * D, role: 'weight', layout: '[positions, D] row-major (GPT-2)' },
      { name: 'X', dtype: 'f32', shape: [M, D], bytes: 4 * M * D, role: 'output', layout: split ? '[M, D] row-major; rows of other parts\' ids kept' : '[M, D] row-major' },
    ], {
      shader: 'embed', entryPoint: 'main', label: (pos ? 'token + position embedding' : 'token embedding') + (scaled ? ` x ${scale}` : '') + (split ? ` (ids ${v0}..${v0 + V - 1})` : ''),
      workgroupSize: [EW_WG, 1, 1], grid: [M, 1, 1], overrides: { WG: EW_WG, POS: pos, SPLIT: split, F32: format === 'f32', FORMAT: format === 'f32' ? 0 : GGUF_FORMAT_CODE[format], ...(scaled ? { SCALE: scale } : {}) },
      uniforms: [['D', { type: 'u32', value: D }], ['V', { type: 'u32', value: V }], ['pos0', { type: 'u32', value: pos0 }], ['v0', { type: 'u32', value: v0 }]],
      bindings: [{ binding: 0, tensor: 'ids', access: 'read' }, { binding: 1, tensor: 'E', access: 'read' }, { binding: 2, tensor: 'P', access: 'read' }, { binding: 3, tensor: 'X', access: 'read_write' }],
      tiles: [{
        x: [0, M], y: [0, 1], z: [0, 1],
        note: 'one token: its id, its embedding row' + (pos ? ' and position row' : '') + (split ? ' (clamped into the part, so every part reads one row) and the row of X it may keep' : ''),
        steps: [
          { kind: 'load', tensor: 'ids', bytes: 4 },
          { kind: 'load', tensor: 'E', bytes: rowRead },
          ...(blocks > 0 ? [{ kind: 'vector', count: D, op: `decode ${ggufFormat(format as GgufFormat).name}` } as Step] : []),
          ...(scaled ? [{ kind: 'vector', count: D, op: 'scale' } as Step] : []),
          ...(pos ? [{ kind: 'load', tensor: 'P', bytes: 4 * D } as Step, { kind: 'vector', count: D, op: 'add' } as Step] : []),
          ...(split ? [{ kind: 'load', tensor: 'X', bytes: 4 * D } as Step, { kind: 'vector', count: D, op: 'select' } as Step] : []),
          { kind: 'store', tensor: 'X', bytes: 4 * D },
        ],
      }],
      workgroupBytes: 4,
    }, (pos ? M * D : 0) + (scaled ? M * D : 0));
  },
  makeInputs(plan, seed) {
    const { M, D, V, positions, vocab } = plan.params as Record<string, number>;
    const r = rng(seed);
    const ids = new Uint32Array(M);
    // a part of a split embedding draws ids from the whole vocabulary: some in the part, some outside
    for (let i = 0; i < M; i++) ids[i] = Math.floor(r() * (vocab || V));
    const format = plan.params.format as EmbedFormat;
    const e = randomF32(V * D, seed + 1);
    // a stored table: the values rounded to the format (ggml's reference quantizer for blocks), as a file stores them
    const E = format === 'f32' ? e : ggufWords(quantizeFormat(format, e));
    return { ids, E, P: randomF32(Math.max(1, positions) * D, seed + 2) };
  },
  userInputs: [
    { name: 'ids', dtype: 'int32', shapes: [['M']], doc: 'token ids (in [v0, v0 + V), or in [0, vocab) for a part of a split embedding)' },
    { name: 'E', dtype: 'float32', shapes: [['V', 'D']], doc: 'the embedding table (stored as `format` as a model file stores it: f16 / bf16 rounded, ggml blocks by ggml\'s reference quantizer)' },
    { name: 'P', dtype: 'float32', shapes: [['positions', 'D']], doc: 'position table (GPT-2): given = positions from its rows', optional: true },
  ],
  fromUser(plan, user) {
    const { M, V, positions, vocab, v0 } = plan.params as Record<string, number>;
    const D = plan.params.D as number;
    const format = plan.params.format as EmbedFormat;
    const idsIn = tensorOf(user, 'ids', Int32Array);
    const hi = vocab > 0 ? vocab : v0 + V;
    for (let m = 0; m < M; m++) {
      const id = idsIn[m];
      if (id < (vocab > 0 ? 0 : v0) || id >= hi) throw new KernelInputError(`embed: ids[${m}] = ${id} is outside the vocabulary [${vocab > 0 ? 0 : v0}, ${hi})`);
    }
    if (positions > 0 && user.P === undefined) throw new KernelInputError(`embed: positions = ${positions} needs the position table P, float32 [${positions}, ${D}]`);
    const e = f32Input(user, 'E');
    if (format !== 'f32') for (let i = 0; i < e.length; i++) if (!Number.isFinite(e[i])) throw new KernelInputError(`embed: E[${i}] is ${e[i]}; only finite values can be stored as ${format}`);
    const E = format === 'f32' ? e : ggufWords(quantizeFormat(format, e));
    // without positions the shader binds P but never reads it
    return { ids: new Uint32Array(idsIn.buffer, idsIn.byteOffset, M), E, P: positions > 0 ? f32Input(user, 'P') : new Float32Array(D) };
  },
  reference(plan, ins) {
    const { M, D, V, positions, pos0, vocab, v0, scale } = plan.params as Record<string, number>;
    const format = plan.params.format as EmbedFormat;
    const ids = ins.ids as Uint32Array, P = ins.P as Float32Array;
    const s = f(scale);
    const E = format === 'f32' ? (ins.E as Float32Array) : dequantizeFormat(format, new Uint8Array((ins.E as Uint32Array).buffer, (ins.E as Uint32Array).byteOffset, V * embedRowBytes(format, D)), V * D);
    // X starts as zeros (a new buffer): a part keeps the rows of ids it does not hold
    const X = new Float32Array(M * D);
    for (let m = 0; m < M; m++) {
      const r = ids[m] - v0;
      if (vocab > 0 && (r < 0 || r >= V)) continue;
      for (let d = 0; d < D; d++) {
        const e = s === 1 ? E[r * D + d] : f(E[r * D + d] * s);
        X[m * D + d] = positions > 0 ? f(e + P[(pos0 + m) * D + d]) : e;
      }
    }
    return { X };
  },
  tolerance: () => 'exact',
};

export type { Tensors };
