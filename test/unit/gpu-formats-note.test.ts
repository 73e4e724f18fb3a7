// The Model tab's caption on what the GPU keeps in other formats than the file's (gpuFormatsNote): the linears
// GpuModel does not keep as stored, by op family, and the KV cache's format; from the files' own layouts
// (OpenedModel.ggml, which GpuModel keeps as it is without the int8 or f32 options).
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/llm/source.ts';
import { gpuFormatsNote, openModel } from '../../src/llm/weights.ts';
import { writeGgufModel, writeSafetensorsModel, DEMO_LLAMA, TINY_GPT2, TINY_LLAMA } from '../../src/llm/testmodel.ts';

describe('gpuFormatsNote: which linears the GPU keeps in f32 (or int8), and its KV cache', () => {
  it('the Model tab\'s demo (f16 GGUF, every linear and the head kept as stored): no linear claimed f32', async () => {
    const m = await openModel([bytesSource('m.gguf', writeGgufModel(DEMO_LLAMA))]);
    expect(gpuFormatsNote(m.config, false, m.ggml ?? {}, false, 'f32')).toBe('the GPU here keeps every linear as stored and its KV cache in f32');
  });

  it('f16 GPT-2 safetensors (Conv1D linears transposed to f32, the tied head reading the f16 embedding): the layers\' linears named', async () => {
    const m = await openModel(Object.entries(writeSafetensorsModel({ ...TINY_GPT2, dtype: 'f16' })).map(([n, b]) => bytesSource(n, b)));
    expect(gpuFormatsNote(m.config, false, m.ggml ?? {}, true, 'f32')).toBe('the GPU here keeps the qkv, o-proj, ffn-up and ffn-down linears in f32 (the others as stored) and its KV cache in f32');
  });

  it('an f32 file: every linear f32; the int8 option with nothing kept as stored: every linear int8', async () => {
    const m = await openModel([bytesSource('m.gguf', writeGgufModel({ ...TINY_LLAMA, dtype: 'f32' }))]);
    expect(gpuFormatsNote(m.config, false, m.ggml ?? {}, false, 'f32')).toBe('the GPU here keeps every linear in f32 and its KV cache in f32');
    expect(gpuFormatsNote(m.config, true, {}, false, 'f32')).toBe('the GPU here keeps every linear in int8 and its KV cache in f32');
  });

  it('a family kept as stored in some layers only says in how many it is not; a head split in parts counts as kept', () => {
    const p = [{ format: 'q4_k' as const, N: 64 }];
    const packed = { 'L0.wqkv': p, 'L0.wo': p, 'L1.wo': p, 'L0.wUp': p, 'L1.wUp': p, 'L0.wDown': p, 'L1.wDown': p, 'lmHead.p0': p, 'lmHead.p1': p };
    expect(gpuFormatsNote({ nLayers: 2 }, false, packed, false, 'f32')).toBe('the GPU here keeps the qkv (1 of 2 layers) linears in f32 (the others as stored) and its KV cache in f32');
  });
});
