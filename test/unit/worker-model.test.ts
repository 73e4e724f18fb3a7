// The worker API's simulateModel: inputs the model cannot handle come back as 'invalid' outcomes with the
// model's one-line message (never a thrown stack trace), the same message the CLI prints.
import { describe, expect, it } from 'vitest';
import { api } from '../../src/worker/api.ts';

describe('worker api: simulateModel', () => {
  it('a chip count that does not divide the heads is an invalid outcome naming the allowed degrees', async () => {
    const out = await api.simulateModel('h100', 'llama3-70b', { phase: 'decode', chips: 3 });
    expect(out.status).toBe('invalid');
    if (out.status === 'invalid') expect(out.message).toMatch(/chips 3 must divide the 64 attention heads of llama3-70b .*allowed: 1, 2, 4, 8/);
  });

  it('tokens x batch over the kernels\' limit is an invalid outcome', async () => {
    const out = await api.simulateModel('jalapeno', 'llama3-8b', { phase: 'prefill', tokens: 65536, batch: 2 });
    expect(out.status).toBe('invalid');
    if (out.status === 'invalid') expect(out.message).toMatch(/tokens x batch = 131072 rows exceeds/);
  });

  it('a good request returns the result with its op breakdowns (precision passed through)', async () => {
    const out = await api.simulateModel('h100', 'llama3-8b', { phase: 'decode', context: 128, batch: 1, chips: 1, precision: { weights: 'fp8', kv: 'fp8' } });
    expect(out.status).toBe('ok');
    if (out.status === 'ok') {
      expect(out.result.precision).toBe('w:fp8 kv:fp8');
      for (const o of out.result.ops) expect(o.breakdown.compute + o.breakdown.memory + o.breakdown.launch + o.breakdown.collective).toBeCloseTo(o.timeS, 12);
    }
  });
});
