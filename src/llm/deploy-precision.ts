// The formats a deployment of a loaded model file runs: what the Model tab's chip-model columns simulate, so
// that they predict the work of the file the user loaded (its Q4_K / Q6_K / f16 / ... linears) rather than an
// assumed bf16 copy of it.
//
// A PrecisionSpec has one format for the attention linears and one for the MLP linears. A file whose linears
// mix formats (llama.cpp's Q4_K_M: Q6_K for some layers' V and down projections) gets, per group, the format
// holding most of the group's bytes, and the note says so with the shares. Linears the GPU does not keep as
// stored (OpenedModel.ggml does not list them: a biased Llama QKV, GPT-2's fused QKV, f32 tensors)
// count as the file's linear format when OpenedModel.linearDtypes holds one (or one beside Q8_0: OpenedModel.ggml lists every Q8_0
// linear it can, so those left out are mostly the other format's: GPT-2's QKV, a biased Llama QKV), else as the rest of their group. The KV cache is
// bf16 (assumed: llama.cpp's default f16 KV cache, 2 bytes, as the presets' deployments keep it).

import { formatPercent } from '../chip/format.ts';
import { GGUF_FORMATS, ggufWeightBytes, type GgufFormat } from '../kernels/matmul-gguf.ts';
import { LAYER_LINEARS, type ModelConfig } from '../models/config.ts';
import { layerBuf, type GgmlPart } from '../models/forward.ts';
import { bytesPerElem, NUMBER_FORMATS } from '../models/precision.ts';
import type { NumberFormat, PrecisionSpec } from '../models/types.ts';
import type { OpenedModel } from './weights.ts';

export interface DeployPrecision {
  spec: Required<PrecisionSpec>;
  /** One line for the screen: which formats, and how a mix was read. */
  note: string;
}

const isNumberFormat = (f: string): f is NumberFormat => (NUMBER_FORMATS as readonly string[]).includes(f);
const isGgufFormat = (f: string): f is GgufFormat => (GGUF_FORMATS as readonly string[]).includes(f);

/**
 * Bytes of a [N, K] linear stored in `f`: ggufWeightBytes, GpuModel's sizing of the linears it keeps as stored
 * (ggml's blocks, f16 / bf16), for those formats; bytesPerElem for the others (f32, the chip model's own formats).
 */
const linearBytes = (f: NumberFormat, N: number, K: number) => (isGgufFormat(f) ? ggufWeightBytes(f, N, K).bytes : N * K * bytesPerElem(f, K));

/** Bytes per format of one group of linears (LAYER_LINEARS' attention or MLP ones), from the file's stored layout. */
function groupBytes(c: ModelConfig, ggml: Readonly<Record<string, GgmlPart[]>>, mlp: boolean, rest: NumberFormat | undefined): Map<NumberFormat, number> {
  const out = new Map<NumberFormat, number>();
  const add = (f: NumberFormat, n: number) => out.set(f, (out.get(f) ?? 0) + n);
  const group = LAYER_LINEARS.filter((w) => w.mlp === mlp);
  for (let l = 0; l < c.nLayers; l++) {
    for (const w of group) {
      const { N, K } = w.shape(c);
      const parts = ggml[layerBuf(l, w.buf)];
      if (parts) for (const p of parts) add(p.format, ggufWeightBytes(p.format, p.N, K).bytes);
      else if (rest) add(rest, linearBytes(rest, N, K));
    }
  }
  return out;
}

/** The format holding most bytes, and the shares when there is more than one. */
function dominant(bytes: Map<NumberFormat, number>): { format: NumberFormat; mix: string } | undefined {
  const rows = [...bytes].sort((a, b) => b[1] - a[1]);
  if (rows.length === 0) return undefined;
  const total = rows.reduce((s, [, b]) => s + b, 0);
  const mix = rows.length > 1 ? ` (a mix: ${rows.map(([f, b]) => `${f} ${formatPercent(b / total)}`).join(', ')}; the most bytes' format simulated)` : '';
  return { format: rows[0][0], mix };
}

/**
 * The PrecisionSpec a deployment of this file runs: int8 weights with the int8 option (the GPU quantizes the
 * linears), else the file's own formats per group of linears; bf16 KV.
 */
export function deployPrecision(m: Pick<OpenedModel, 'config' | 'linearDtypes' | 'weightDtype' | 'ggml'>, int8: boolean): DeployPrecision {
  if (int8) return { spec: { weights: 'int8', mlpWeights: 'int8', kv: 'bf16' }, note: 'int8 weights (the int8 option), bf16 KV cache' };
  const c = m.config;
  const ggml = m.ggml ?? {};
  const formats = m.linearDtypes, notQ8 = formats.filter((f) => f !== 'q8_0');
  const one = notQ8.length === 1 ? notQ8[0] : formats.length === 1 ? formats[0] : undefined;
  const rest = one !== undefined && isNumberFormat(one) ? one : undefined;
  const attn = dominant(groupBytes(c, ggml, false, rest));
  const mlp = dominant(groupBytes(c, ggml, true, rest));
  // a group none of whose linears has a known format takes the other group's (a file with a format for neither: f32)
  const weights = attn?.format ?? mlp?.format ?? 'f32';
  const mlpWeights = mlp?.format ?? weights;
  const unknown = !attn && !mlp ? ` (the file's ${m.weightDtype} is not a format the chip model knows: f32 simulated)` : '';
  return {
    spec: { weights, mlpWeights, kv: 'bf16' },
    note: `the file's formats: attention ${weights}${attn?.mix ?? ''}, MLP ${mlpWeights}${mlp?.mix ?? ''}${unknown}; bf16 KV cache (assumed, as deployments keep it)`,
  };
}
