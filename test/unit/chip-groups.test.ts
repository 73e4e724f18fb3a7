// The wave's multicast groups (GroupTable) against a plain reference: tiles whose loads have the
// same multicastKey share one group, in order of first appearance, with the largest member's bytes
// and the longest member's iterations.
import { describe, expect, it } from 'vitest';
import type { Dim3 } from '../../src/kernels/plan.ts';
import { GroupTable, multicastKey, type ClassSummary, type LoadSummary } from '../../src/chip/summary.ts';

function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => { s = (s * 1103515245 + 12345) % 2147483648; return s % n; };
}

interface RefGroup { tensor: string; bytes: number; iters: number; members: number[] }

function reference(
  classes: ClassSummary[], waveClass: Int32Array, n: number, wx: Int32Array, wy: Int32Array, wz: Int32Array, grid: Dim3, multicast: boolean, held: Set<string>,
): { groups: RefGroup[]; heldBytes: number } {
  const out: RefGroup[] = [];
  const byKey = new Map<number, RefGroup>();
  const heldBlocks = new Map<number, number>(); // a held block's bytes: once per key, the largest load's
  for (let i = 0; i < n; i++) {
    const c = classes[waveClass[i]];
    c.loads.forEach((l, li) => {
      const key = multicastKey(l, li, i, wx[i], wy[i], wz[i], grid, multicast);
      if (l.resident) {
        if (held.has(l.tensor)) heldBlocks.set(key, Math.max(l.bytes, heldBlocks.get(key) ?? 0));
        return;
      }
      const g = key % 2 === 1 ? byKey.get(key) : undefined;
      if (!g) {
        const ng = { tensor: l.tensor, bytes: l.bytes, iters: c.iterations, members: [i] };
        out.push(ng);
        if (key % 2 === 1) byKey.set(key, ng);
        return;
      }
      g.members.push(i);
      g.bytes = Math.max(g.bytes, l.bytes);
      g.iters = Math.max(g.iters, c.iterations);
    });
  }
  return { groups: out, heldBytes: [...heldBlocks.values()].reduce((a, b) => a + b, 0) };
}

describe('GroupTable (multicast groups of a wave)', () => {
  it('groups exactly the loads multicastKey says are one block, and counts held blocks once, over random classes, grids and waves (one table reused)', () => {
    const rand = rng(11);
    const table = new GroupTable(); // reused across passes, as the analytic path does
    for (let trial = 0; trial < 60; trial++) {
      const grid: Dim3 = [1 + rand(9), 1 + rand(7), 1 + rand(4)];
      const nClasses = 1 + rand(3);
      const tensors = ['A', 'B', 'K', 'V'];
      const classes = Array.from({ length: nClasses }, (): ClassSummary => {
        const loads: LoadSummary[] = Array.from({ length: 1 + rand(4) }, () => {
          const t = rand(tensors.length);
          const shareAxes = [0, 1, 2].filter(() => rand(3) === 0);
          return { tensor: tensors[t], tensorId: t, bytes: 1 + rand(5000), shareAxes, resident: rand(6) === 0 };
        });
        return { loads, iterations: 1 + rand(8) } as unknown as ClassSummary;
      });
      const multicast = rand(5) !== 0;
      const n = 1 + rand(grid[0] * grid[1] * grid[2]);
      const wx = new Int32Array(n), wy = new Int32Array(n), wz = new Int32Array(n), waveClass = new Int32Array(n);
      for (let i = 0; i < n; i++) { wx[i] = rand(grid[0]); wy[i] = rand(grid[1]); wz[i] = rand(grid[2]); waveClass[i] = rand(nClasses); }
      const held = new Set(tensors.filter(() => rand(2) === 0));
      const ref = reference(classes, waveClass, n, wx, wy, wz, grid, multicast, held);
      const got = table.fill(classes, waveClass, n, wx, wy, wz, grid, multicast, held);
      const groups: RefGroup[] = [];
      for (let g = 0; g < got.count; g++) {
        const members: number[] = [];
        for (let m = got.first[g]; m >= 0; m = got.next[m]) members.push(got.memberTile[m]);
        groups.push({ tensor: got.tensor[g], bytes: got.bytes[g], iters: got.iters[g], members });
      }
      expect(groups, `trial ${trial}: grid ${grid.join('x')}, multicast ${multicast}`).toEqual(ref.groups);
      expect(got.heldBytes, `trial ${trial}: held ${[...held].join()}`).toBe(ref.heldBytes);
      let resident = 0;
      for (let i = 0; i < n; i++) for (const l of classes[waveClass[i]].loads) if (l.resident) resident += l.bytes;
      expect(got.residentBytes).toBe(resident);
    }
  });
});
