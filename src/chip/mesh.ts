// Geometry of the tile mesh: HBM ports on edge tiles, directed links, XY routing (unicast and
// multicast trees). Links are indexed tile*4 + dir with dir 0 east (c+1), 1 west, 2 south (r+1), 3 north.

import type { ChipConfig, HbmPort } from './types.ts';

export const EAST = 0, WEST = 1, SOUTH = 2, NORTH = 3;

export interface Mesh {
  rows: number;
  cols: number;
  torus: boolean;
  ports: HbmPort[];
  /** Port index nearest each tile (-1 when the chip has no HBM). */
  nearestPort: Int32Array;
  /** Number of directed links that exist. */
  linkCount: number;
}

// Meshes of recently used chips: a model run simulates dozens of plans on the same chip, and the
// nearest-port search is O(tiles x ports). Keyed by what the mesh depends on; meshes are read-only.
const MESH_CACHE = new Map<string, Mesh>();

export function buildMesh(chip: ChipConfig): Mesh {
  const key = JSON.stringify([chip.grid, chip.noc.topology, chip.noc.linkBytesPerCycle, chip.hbm.stacks, chip.hbm.bandwidthBytesPerS, chip.hbm.edges, chip.clockHz]);
  const hit = MESH_CACHE.get(key);
  if (hit) return hit;
  const mesh = makeMesh(chip);
  if (MESH_CACHE.size >= 16) MESH_CACHE.delete(MESH_CACHE.keys().next().value!);
  MESH_CACHE.set(key, mesh);
  return mesh;
}

function makeMesh(chip: ChipConfig): Mesh {
  const { rows, cols } = chip.grid;
  const torus = chip.noc.topology === 'torus';
  const ports: HbmPort[] = [];
  const edges = chip.hbm.edges;
  const perEdge = new Map<string, number>();
  for (let i = 0; i < chip.hbm.stacks; i++) {
    const e = edges[i % edges.length];
    perEdge.set(e, (perEdge.get(e) ?? 0) + 1);
  }
  // A stack's channels attach to several edge tiles (enough links to carry its bandwidth, as far as
  // the edge allows), so one port tile's links are not a false bottleneck.
  const stackBpc = chip.hbm.stacks > 0 ? chip.hbm.bandwidthBytesPerS / chip.hbm.stacks / chip.clockHz : 0;
  const seen = new Map<string, number>();
  for (let i = 0; i < chip.hbm.stacks; i++) {
    const edge = edges[i % edges.length];
    const k = seen.get(edge) ?? 0;
    seen.set(edge, k + 1);
    const n = perEdge.get(edge)!;
    const len = edge === 'west' || edge === 'east' ? rows : cols;
    const per = Math.max(1, Math.min(Math.floor(len / n), Math.ceil(stackBpc / chip.noc.linkBytesPerCycle)));
    for (let j = 0; j < per; j++) {
      const pos = Math.min(len - 1, Math.floor(((k * per + j + 0.5) * len) / (n * per)));
      let r = 0, c = 0;
      if (edge === 'west') { r = pos; c = 0; }
      else if (edge === 'east') { r = pos; c = cols - 1; }
      else if (edge === 'north') { r = 0; c = pos; }
      else { r = rows - 1; c = pos; }
      ports.push({ edge, index: i, tile: r * cols + c });
    }
  }
  const nearestPort = new Int32Array(rows * cols).fill(-1);
  for (let t = 0; t < rows * cols; t++) {
    let best = Infinity;
    for (let p = 0; p < ports.length; p++) {
      const d = hopCount(rows, cols, torus, ports[p].tile, t);
      if (d < best) { best = d; nearestPort[t] = p; }
    }
  }
  const linkCount = torus
    ? (cols > 1 ? 2 * rows * cols : 0) + (rows > 1 ? 2 * rows * cols : 0) - (cols === 2 ? rows * 2 : 0) - (rows === 2 ? cols * 2 : 0)
    : 2 * (rows * (cols - 1) + cols * (rows - 1));
  return { rows, cols, torus, ports, nearestPort, linkCount: Math.max(linkCount, 0) };
}

/** Signed step count along one ring/line: positive = increasing index. Torus takes the shorter way. */
function delta(a: number, b: number, n: number, torus: boolean): number {
  let d = b - a;
  if (torus && n > 2) {
    if (d > n / 2) d -= n;
    else if (d < -n / 2) d += n;
  }
  return d;
}

export function hopCount(rows: number, cols: number, torus: boolean, from: number, to: number): number {
  const r0 = Math.floor(from / cols), c0 = from % cols, r1 = Math.floor(to / cols), c1 = to % cols;
  return Math.abs(delta(c0, c1, cols, torus)) + Math.abs(delta(r0, r1, rows, torus));
}

/**
 * Walks the XY route from `from` to `to` (columns first, then rows), calling visit(linkIndex)
 * for each directed link. Returns the hop count.
 */
export function routeXY(m: Mesh, from: number, to: number, visit: (link: number) => void): number {
  const { rows, cols, torus } = m;
  let r = Math.floor(from / cols), c = from % cols;
  const r1 = Math.floor(to / cols), c1 = to % cols;
  let dc = delta(c, c1, cols, torus), dr = delta(r, r1, rows, torus);
  let hops = 0;
  while (dc !== 0) {
    const dir = dc > 0 ? EAST : WEST;
    visit((r * cols + c) * 4 + dir);
    c = (c + (dc > 0 ? 1 : -1) + cols) % cols;
    dc += dc > 0 ? -1 : 1;
    hops++;
  }
  while (dr !== 0) {
    const dir = dr > 0 ? SOUTH : NORTH;
    visit((r * cols + c) * 4 + dir);
    r = (r + (dr > 0 ? 1 : -1) + rows) % rows;
    dr += dr > 0 ? -1 : 1;
    hops++;
  }
  return hops;
}

/** The tile a directed link leads to. */
export function linkTarget(m: Mesh, link: number): number {
  const t = link >> 2, dir = link & 3;
  const r = Math.floor(t / m.cols), c = t % m.cols;
  if (dir === EAST) return r * m.cols + ((c + 1) % m.cols);
  if (dir === WEST) return r * m.cols + ((c - 1 + m.cols) % m.cols);
  if (dir === SOUTH) return ((r + 1) % m.rows) * m.cols + c;
  return ((r - 1 + m.rows) % m.rows) * m.cols + c;
}
