// The one ModelConfig: the model presets equal what configFromHf reads from their published
// config.json (checked-in copies of the files' fields in fixtures/hf-config, written from the public
// configs), and the parameter count equals the published sizes.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFromHf, ropeInvFreq } from '../../src/llm/config.ts';
import { MODEL_PRESETS, modelPreset, parameterCount, type ModelConfig } from '../../src/models/config.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/hf-config/${name}.json`, import.meta.url), 'utf8'));
/** The file's config under the preset's name (a reader names a config after its file). */
const asPreset = (c: ModelConfig, p: ModelConfig): ModelConfig => ({ ...c, id: p.id, label: p.label, sources: p.sources });

// Each fixture is the published config.json of the repository the preset cites:
const FILES: Record<string, string> = {
  'llama3-8b': 'https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json',
  'llama3-70b': 'https://huggingface.co/meta-llama/Meta-Llama-3-70B/blob/main/config.json',
  'llama2-7b': 'https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json',
  'llama2-70b': 'https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json',
  'gpt2-small': 'https://huggingface.co/openai-community/gpt2/blob/main/config.json',
};

describe('model presets equal their published config.json', () => {
  it('every preset has a fixture of the file it cites', () => {
    expect(Object.keys(FILES).sort()).toEqual(MODEL_PRESETS.map((p) => p.id).sort());
    for (const p of MODEL_PRESETS) expect(p.sources).toContain(FILES[p.id]);
  });
  for (const p of MODEL_PRESETS) {
    it(`${p.id}: configFromHf(${FILES[p.id]}) equals the preset`, () => {
      expect(asPreset(configFromHf(fixture(p.id)), p)).toEqual(p);
    });
  }

  it('Llama-3.1-8B (https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json) is not the Llama-3 preset: only its positions differ', () => {
    const c31 = configFromHf(fixture('llama3.1-8b'));
    const p = modelPreset('llama3-8b');
    expect(c31.positions).toEqual({ kind: 'rope', theta: 500000, scaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 } });
    expect(c31.maxPositions).toBe(131072);
    expect({ ...asPreset(c31, p), positions: p.positions, maxPositions: p.maxPositions }).toEqual(p);
    // the scaling divides the low frequencies by 8 and keeps the high ones (Llama-3.1's rule)
    const f3 = ropeInvFreq(p), f31 = ropeInvFreq(c31);
    expect(f31[0]).toBe(f3[0]);
    expect(f31[63] / f3[63]).toBeCloseTo(1 / 8, 12);
  });
});

describe('parameterCount', () => {
  // published sizes: GPT-2 small 124,439,808 (transformers' num_parameters() of openai-community/gpt2, tied head counted once);
  // Llama-3-8B 8,030,261,248 (the model card's "8B"; sum of the safetensors index's tensor shapes);
  // Llama-2-7B 6,738,415,616 (sum of Llama-2-7b-hf's tensor shapes)
  const cases: Array<[string, number]> = [
    ['gpt2-small', 124439808],
    ['llama3-8b', 8030261248],
    ['llama2-7b', 6738415616],
  ];
  for (const [id, n] of cases) it(`${id}: ${n}`, () => expect(parameterCount(modelPreset(id))).toBe(n));
});
