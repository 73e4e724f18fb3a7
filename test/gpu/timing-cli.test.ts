// The timing helper on the real (SwiftShader) device. The kernel CLI's tests: test/gpu/kernel-cli.test.ts.
import { describe, it, expect } from 'vitest';
import { gpu } from './harness.ts';
import { matmul } from '../../src/kernels/matmul.ts';
import { preparePlan } from '../../src/gpu/runner.ts';
import { timePlan } from '../../src/gpu/timing.ts';

describe('timePlan', () => {
  it('times with GPU timestamps and with wall time; both positive, ordered quantiles', async () => {
    const ctx = await gpu();
    const plan = matmul.plan(matmul.validate({ M: 64, N: 64, K: 64 }), 'tiled');
    const prepared = await preparePlan(ctx, plan, matmul.makeInputs(plan, 3));
    try {
      const ts = await timePlan(ctx, prepared, { warmup: 1, samples: 5, reps: 2 });
      expect(ts.timer).toBe(ctx.hasFeature('timestamp-query') ? 'timestamp-query' : 'wall');
      const wall = await timePlan(ctx, prepared, { warmup: 0, samples: 5, reps: 2, forceWall: true });
      expect(wall.timer).toBe('wall');
      for (const t of [ts, wall]) {
        expect(t.samplesMs).toHaveLength(5);
        expect(t.medianMs).toBeGreaterThan(0);
        expect(t.p10Ms).toBeLessThanOrEqual(t.medianMs);
        expect(t.medianMs).toBeLessThanOrEqual(t.p90Ms);
      }
      // Wall time includes submission overhead, so it cannot be far below the GPU's own timing.
      expect(wall.medianMs).toBeGreaterThan(ts.medianMs * 0.3);
    } finally {
      prepared.destroy();
    }
  });
});
