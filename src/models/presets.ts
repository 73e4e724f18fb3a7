// Model presets from their published configurations.

export interface ModelConfig {
  id: string;
  label: string;
  layers: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ffn: number;
  vocab: number;
  norm: 'rmsnorm' | 'layernorm';
  /** swiglu: gate + up + down (Llama); gelu: fc + proj (GPT-2). */
  mlp: 'swiglu' | 'gelu';
  bias: boolean;
  maxContext: number;
  sources: string[];
}

export const MODEL_PRESETS: readonly ModelConfig[] = [
  {
    id: 'llama3-8b', label: 'Llama 3 8B',
    // https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json
    layers: 32, dModel: 4096, heads: 32, kvHeads: 8, headDim: 128, ffn: 14336, vocab: 128256,
    norm: 'rmsnorm', mlp: 'swiglu', bias: false, maxContext: 8192,
    sources: ['https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json'],
  },
  {
    id: 'llama3-70b', label: 'Llama 3 70B',
    // https://huggingface.co/meta-llama/Meta-Llama-3-70B/blob/main/config.json
    layers: 80, dModel: 8192, heads: 64, kvHeads: 8, headDim: 128, ffn: 28672, vocab: 128256,
    norm: 'rmsnorm', mlp: 'swiglu', bias: false, maxContext: 8192,
    sources: ['https://huggingface.co/meta-llama/Meta-Llama-3-70B/blob/main/config.json'],
  },
  {
    id: 'llama2-7b', label: 'Llama 2 7B',
    // https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json (multi-head attention: 32 KV heads)
    layers: 32, dModel: 4096, heads: 32, kvHeads: 32, headDim: 128, ffn: 11008, vocab: 32000,
    norm: 'rmsnorm', mlp: 'swiglu', bias: false, maxContext: 4096,
    sources: ['https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json'],
  },
  {
    id: 'llama2-70b', label: 'Llama 2 70B',
    // https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json (GQA with 8 KV heads)
    layers: 80, dModel: 8192, heads: 64, kvHeads: 8, headDim: 128, ffn: 28672, vocab: 32000,
    norm: 'rmsnorm', mlp: 'swiglu', bias: false, maxContext: 4096,
    sources: ['https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json'],
  },
  {
    id: 'gpt2-small', label: 'GPT-2 small (124M)',
    // https://huggingface.co/openai-community/gpt2/blob/main/config.json (n_layer 12, n_embd 768, n_head 12, n_ctx 1024)
    layers: 12, dModel: 768, heads: 12, kvHeads: 12, headDim: 64, ffn: 3072, vocab: 50257,
    norm: 'layernorm', mlp: 'gelu', bias: true, maxContext: 1024,
    sources: ['https://huggingface.co/openai-community/gpt2/blob/main/config.json'],
  },
];

export function modelPreset(id: string): ModelConfig {
  const m = MODEL_PRESETS.find((p) => p.id === id);
  if (!m) throw new Error(`unknown model preset "${id}"; allowed: ${MODEL_PRESETS.map((p) => p.id).join(', ')}`);
  return m;
}

/** Weight parameters of one layer (norm gains included). */
export function layerParams(m: ModelConfig): number {
  const qkv = m.dModel * (m.heads + 2 * m.kvHeads) * m.headDim;
  const o = m.heads * m.headDim * m.dModel;
  const mlp = (m.mlp === 'swiglu' ? 3 : 2) * m.dModel * m.ffn;
  return qkv + o + mlp + 2 * m.dModel;
}
