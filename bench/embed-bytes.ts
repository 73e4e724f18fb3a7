// GPU bytes of the token embedding and the LM head of real model shapes, as GpuModel.load sizes them (its
// bufferSizes, vocabSplit, the allocation's 16-byte rounding), without a GPU or the weights: a stand-in device
// records each createBuffer's size and nothing is uploaded. For each shape: the table as the GGUF stores it
// (quantized), and --f32-weights (what a quantized token_embd took before it was kept as stored: an f32 table,
// and for a tied head its own f32 buffers). The device's limits are the adapter's (SwiftShader here: 1 GiB
// binding), so the parts are what that device splits.
//   node tools/node-gpu.mjs bench/embed-bytes.ts [--json]
import { nodeGpuContext } from '../src/gpu/node.ts';
import { GpuModel } from '../src/llm/gpu-model.ts';
import { configFromHf } from '../src/llm/config.ts';
import { embedStorage, linearDtypeFields, type OpenedModel } from '../src/llm/weights.ts';
import type { GgmlPart } from '../src/models/forward.ts';
import type { GpuContext } from '../src/gpu/context.ts';
import type { FileDType } from '../src/llm/dtype.ts';

/** config.json fields of the shapes (the published files cited), one layer: the embedding and head do not depend on the depth. */
const QWEN2 = { model_type: 'qwen2', hidden_act: 'silu', rms_norm_eps: 1e-6, rope_theta: 1e6, max_position_embeddings: 32768, vocab_size: 151936, num_hidden_layers: 1, num_key_value_heads: 2, tie_word_embeddings: true };
const SHAPES: Array<{ name: string; source: string; config: Record<string, unknown>; embed: FileDType; head?: FileDType }> = [
  {
    // Q4_K_M (llama.cpp): token_embd Q4_K, output.weight Q6_K (src/llm/testmodel.ts ggufMixDtype)
    name: 'Llama-3-8B Q4_K_M', source: 'https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json', embed: 'q4_k', head: 'q6_k',
    config: { model_type: 'llama', hidden_act: 'silu', rms_norm_eps: 1e-5, rope_theta: 500000, max_position_embeddings: 8192, vocab_size: 128256, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 1, num_attention_heads: 32, num_key_value_heads: 8, tie_word_embeddings: false },
  },
  // D 896 is not whole 256-value blocks: llama.cpp writes Q8_0 where Q6_K was asked
  { name: 'Qwen2.5-0.5B tied Q8_0', source: 'https://huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/config.json', embed: 'q8_0', config: { ...QWEN2, hidden_size: 896, intermediate_size: 4864, num_attention_heads: 14 } },
  { name: 'Qwen2.5-0.5B tied Q6_K (D 896)', source: 'https://huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/config.json', embed: 'q6_k', config: { ...QWEN2, hidden_size: 896, intermediate_size: 4864, num_attention_heads: 14 } },
  { name: 'Qwen2.5-1.5B tied Q6_K', source: 'https://huggingface.co/Qwen/Qwen2.5-1.5B/blob/main/config.json', embed: 'q6_k', config: { ...QWEN2, hidden_size: 1536, intermediate_size: 8960, num_attention_heads: 12 } },
];

/** The real adapter's report and limits; buffers only recorded, never made. */
function recordingContext(real: GpuContext): GpuContext {
  const device = {
    createBuffer: (d: GPUBufferDescriptor) => ({ size: d.size, label: d.label, destroy() {} }),
    queue: { writeBuffer() {}, onSubmittedWorkDone: async () => {} },
  };
  return Object.assign(Object.create(real) as GpuContext, { device });
}

const json = process.argv.includes('--json');
const ctx = recordingContext(await nodeGpuContext());
// upload reads the file's tensors; here there are none, and sizes are all that is measured
(GpuModel.prototype as unknown as { upload: () => Promise<void> }).upload = async () => {};
const MiB = 1 << 20;
const rows: Array<Record<string, unknown>> = [];
for (const s of SHAPES) {
  const config = configFromHf(s.config);
  const V = config.vocabSize, D = config.dim;
  const ggml: Record<string, GgmlPart[]> = s.head ? { lmHead: [{ format: s.head as GgmlPart['format'], N: V }] } : {};
  const om = { name: s.name, format: 'gguf', config, fileBytes: 0, params: 0, tokenizer: { kind: 'none' }, eos: [], ...linearDtypeFields(['f32']), ggml, ...embedStorage({ dtype: s.embed, shape: [V, D] }) } as unknown as OpenedModel;
  for (const f32Weights of [false, true]) {
    const m = await GpuModel.load(ctx, om, { int8: false, f32Weights, capacity: 16, chunk: 16 });
    const embed = m.bufferBytes(/^tokEmb/), head = m.bufferBytes(/^lmHead/);
    rows.push({ shape: s.name, source: s.source, V, D, run: f32Weights ? '--f32-weights (before)' : 'as stored', embedFormat: m.embedFormat, headFromEmbed: m.headFromEmbed, embedParts: Math.ceil(V / m.split.embedRows), embedBytes: embed, headBytes: head, totalBytes: embed + head, label: m.weightFormat });
  }
}
if (json) console.log(JSON.stringify({ device: ctx.report.adapter, maxStorageBufferBindingSize: ctx.report.limits.maxStorageBufferBindingSize, rows }, null, 2));
else {
  console.log(`binding limit ${ctx.report.limits.maxStorageBufferBindingSize / MiB} MiB`);
  for (const r of rows) console.log(`${String(r.shape).padEnd(32)} ${String(r.run).padEnd(24)} embed ${String(r.embedFormat).padEnd(5)} ${((r.embedBytes as number) / MiB).toFixed(1).padStart(8)} MiB (${r.embedParts} part(s))  head ${((r.headBytes as number) / MiB).toFixed(1).padStart(8)} MiB  total ${((r.totalBytes as number) / MiB).toFixed(1).padStart(8)} MiB  | ${r.label}`);
}
process.exit(0);
