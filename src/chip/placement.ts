// Placement of a pass's plan tiles on the chip: in time (waveOrder: which box of the plan grid runs
// in each wave) and in space (placeWave: which chip tile each plan tile of a wave runs on), plus the
// home tile of a block on an SRAM-only chip.

import type { ClassSummary } from './summary.ts';

/** A wave: the box [x0, x1) x [y0, y1) x [z0, z1) of the plan grid. */
export interface WaveBox { x0: number; x1: number; y0: number; y1: number; z0: number; z1: number }

export function fillWave(b: WaveBox, wx: Int32Array, wy: Int32Array, wz: Int32Array): number {
  let n = 0;
  for (let z = b.z0; z < b.z1; z++)
    for (let y = b.y0; y < b.y1; y++)
      for (let x = b.x0; x < b.x1; x++) { wx[n] = x; wy[n] = y; wz[n] = z; n++; }
  return n;
}

/**
 * Placement in space: the chip tile of each plan tile of a wave (out[i] for the i-th tile that
 * fillWave listed). The wave box bw x bh x bd becomes a 2D virtual grid W x H: z slices sit side
 * by side along x (X = (z - z0) * bw + (x - x0), Y = y - y0, W = bw * bd, H = bh). A box wider
 * than the chip (W > C) is folded into stacked strips of C columns (H grows by ceil(W / C)); one
 * taller than the chip (H > R) into side-by-side strips of R rows. The virtual grid is then
 * scaled over the chip, each plan tile at the centre of its cell: chip row = floor((Y + 0.5) R / H),
 * chip col = floor((X + 0.5) C / W) (a one-row box sits in the middle row, not the top). So plan tiles
 * that share a block along x (one plan row) sit in one chip row and those sharing along y in one
 * chip column: row/column multicast in the plan maps to mesh rows/columns, and a small box is
 * spread evenly over the grid (and its HBM ports). Distinct plan tiles get distinct chip tiles.
 * A box that fits neither way (rare shapes, e.g. 17 x 15 on 16 x 16) is placed in flat raster order.
 */
export function placeWave(
  b: WaveBox, n: number, wx: Int32Array, wy: Int32Array, wz: Int32Array, R: number, C: number, out: Int32Array,
): void {
  const bw = b.x1 - b.x0, bh = b.y1 - b.y0;
  let W = bw * (b.z1 - b.z0), H = bh;
  let foldX = 0, foldY = 0;
  if (W > C) { foldX = 1; H *= Math.ceil(W / C); W = C; }
  else if (H > R) { foldY = 1; W *= Math.ceil(H / R); H = R; }
  if (W > C || H > R) {
    for (let i = 0; i < n; i++) out[i] = i;
    return;
  }
  for (let i = 0; i < n; i++) {
    let X = (wz[i] - b.z0) * bw + (wx[i] - b.x0), Y = wy[i] - b.y0;
    if (foldX) { Y = Math.floor(X / C) * bh + Y; X %= C; }
    else if (foldY) { X = Math.floor(Y / R) * bw * (b.z1 - b.z0) + X; Y %= R; }
    out[i] = Math.floor(((Y + 0.5) * R) / H) * C + Math.floor(((X + 0.5) * C) / W);
  }
}

/**
 * Placement in time: when the plan has more tiles than the chip, each wave runs a box of
 * bw x bh plan tiles (bw * bh <= chip tiles). With multicast, a wave fetches each shared block
 * once, so the box shape sets the HBM traffic: a block shared along x is fetched once per box
 * row, one shared along y once per box column. We pick the shape with the least estimated
 * traffic (from the first tile class); without multicast we keep full-width rows. When a whole
 * xy plane fits, several z slices share a wave.
 */
export function waveOrder(grid: [number, number, number], nTiles: number, c: ClassSummary | undefined, multicast: boolean): WaveBox[] {
  const [gx, gy, gz] = grid;
  const out: WaveBox[] = [];
  if (gx * gy <= nTiles) {
    const k = Math.max(1, Math.floor(nTiles / (gx * gy)));
    for (let z0 = 0; z0 < gz; z0 += k) out.push({ x0: 0, x1: gx, y0: 0, y1: gy, z0, z1: Math.min(gz, z0 + k) });
    return out;
  }
  const maxW = Math.min(gx, nTiles);
  let bw = maxW, bh = Math.max(1, Math.min(gy, Math.floor(nTiles / bw)));
  if (multicast && c) {
    const cands = new Set<number>([maxW]);
    for (let w = 1; w < maxW; w *= 2) cands.add(w);
    // exact traffic over the actual boxes (the last box along x or y may be partial); on a tie,
    // the shape with fewer waves
    const splits = (g: number, s: number): Array<[number, number]> => {
      const full = Math.floor(g / s), rem = g - full * s;
      return rem > 0 ? [[s, full], [rem, 1]] : [[s, full]];
    };
    let best = Infinity, bestWaves = Infinity;
    for (const w of [...cands].sort((a, b) => b - a)) {
      const h = Math.max(1, Math.min(gy, Math.floor(nTiles / w)));
      const waves = Math.ceil(gx / w) * Math.ceil(gy / h);
      let cost = 0;
      for (const [wx, nx] of splits(gx, w)) {
        for (const [hy, ny] of splits(gy, h)) {
          let perBox = 0;
          for (const l of c.loads) {
            if (l.resident) continue;
            const sx = l.shareAxes.includes(0), sy = l.shareAxes.includes(1);
            perBox += l.bytes * (sx && sy ? 1 : sx ? hy : sy ? wx : wx * hy);
          }
          cost += nx * ny * perBox;
        }
      }
      if (cost < best * (1 - 1e-9) || (cost <= best * (1 + 1e-9) && waves < bestWaves)) { best = cost; bestWaves = waves; bw = w; bh = h; }
    }
  }
  for (let z = 0; z < gz; z++)
    for (let y0 = 0; y0 < gy; y0 += bh)
      for (let x0 = 0; x0 < gx; x0 += bw) out.push({ x0, x1: Math.min(gx, x0 + bw), y0, y1: Math.min(gy, y0 + bh), z0: z, z1: z + 1 });
  return out;
}

/** The tile whose SRAM holds the g-th block of a wave on an SRAM-only chip (a fixed scatter). */
export function homeTile(g: number, nTiles: number): number {
  return ((g * 2654435761) >>> 0) % nTiles;
}

