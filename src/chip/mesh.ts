// Geometry of the tile mesh: HBM ports on edge tiles, directed links, XY routing (unicast and
// multicast trees). Links are indexed tile*4 + dir with dir 0 east (c+1), 1 west, 2 south (r+1), 3 north.

import { floorDiv } from './ints.ts';
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
  const r0 = floorDiv(from, cols), c0 = from % cols, r1 = floorDiv(to, cols), c1 = to % cols;
  return Math.abs(delta(c0, c1, cols, torus)) + Math.abs(delta(r0, r1, rows, torus));
}

/**
 * The XY route from `from` to `to` (columns first, then rows): writes the index of each directed
 * link it takes to out[0], out[1], ... and returns the hop count. `out` needs room for
 * rows + cols links (no route is longer). The callers loop over `out` themselves: no visitor
 * call per link on the simulator's hot paths.
 */
export function routeLinks(m: Mesh, from: number, to: number, out: Int32Array): number {
  const { rows, cols, torus } = m;
  let r = floorDiv(from, cols), c = from % cols;
  const r1 = floorDiv(to, cols), c1 = to % cols;
  let dc = delta(c, c1, cols, torus), dr = delta(r, r1, rows, torus);
  let hops = 0;
  while (dc !== 0) {
    const dir = dc > 0 ? EAST : WEST;
    out[hops++] = (r * cols + c) * 4 + dir;
    c = (c + (dc > 0 ? 1 : -1) + cols) % cols;
    dc += dc > 0 ? -1 : 1;
  }
  while (dr !== 0) {
    const dir = dr > 0 ? SOUTH : NORTH;
    out[hops++] = (r * cols + c) * 4 + dir;
    r = (r + (dr > 0 ? 1 : -1) + rows) % rows;
    dr += dr > 0 ? -1 : 1;
  }
  return hops;
}

/** A buffer routeLinks can write any route of mesh `m` into. */
export function routeBuffer(m: Pick<Mesh, 'rows' | 'cols'>): Int32Array {
  return new Int32Array(m.rows + m.cols);
}

/** The tile a directed link leads to. */
export function linkTarget(m: Mesh, link: number): number {
  const t = link >> 2, dir = link & 3;
  const r = floorDiv(t, m.cols), c = t % m.cols;
  if (dir === EAST) return r * m.cols + ((c + 1) % m.cols);
  if (dir === WEST) return r * m.cols + ((c - 1 + m.cols) % m.cols);
  if (dir === SOUTH) return ((r + 1) % m.rows) * m.cols + c;
  return ((r - 1 + m.rows) % m.rows) * m.cols + c;
}

/**
 * The busiest directed link's bytes under a set of XY multicast trees, each tree's bytes counted
 * once per link it uses (what routeLinks over every member, each link stamped once per tree, gives).
 * On XY routes (columns first) the tree from src to its members is the source row's links out to
 * the farthest member column each way, then in each member column the links out to the farthest
 * member row each way: a tree adds four kinds of intervals to difference arrays, O(members), and
 * max() sums them up, O(links).
 */
export class TreeLoads {
  private readonly rows: number;
  private readonly cols: number;
  private readonly torus: boolean;
  /** Difference arrays: east / west links of row r at r * (cols + 1) + c; south / north links of column c at c * (rows + 1) + r. */
  private readonly east: Float64Array;
  private readonly west: Float64Array;
  private readonly south: Float64Array;
  private readonly north: Float64Array;
  private readonly colS: Int32Array;
  private readonly colN: Int32Array;
  private readonly colStamp: Int32Array;
  private readonly touched: Int32Array;
  private stamp = 0;
  // the tree being built
  private src = 0;
  private bytes = 0;
  private farE = 0;
  private farW = 0;
  private nTouched = 0;

  constructor(m: Pick<Mesh, 'rows' | 'cols' | 'torus'>) {
    this.rows = m.rows; this.cols = m.cols; this.torus = m.torus;
    this.east = new Float64Array(m.rows * (m.cols + 1)); this.west = new Float64Array(m.rows * (m.cols + 1));
    this.south = new Float64Array(m.cols * (m.rows + 1)); this.north = new Float64Array(m.cols * (m.rows + 1));
    this.colS = new Int32Array(m.cols); this.colN = new Int32Array(m.cols);
    this.colStamp = new Int32Array(m.cols); this.touched = new Int32Array(m.cols);
  }

  /** Forgets every tree added. */
  clear(): void {
    this.east.fill(0); this.west.fill(0); this.south.fill(0); this.north.fill(0);
  }

  /** Starts a tree of `bytes` from tile src (add its members, then end()). */
  begin(src: number, bytes: number): void {
    this.src = src; this.bytes = bytes; this.farE = 0; this.farW = 0; this.nTouched = 0; this.stamp++;
  }

  member(dst: number): void {
    const { cols, rows, torus } = this;
    const rs = floorDiv(this.src, cols), cs = this.src % cols, rd = floorDiv(dst, cols), cd = dst % cols;
    const dc = delta(cs, cd, cols, torus), dr = delta(rs, rd, rows, torus);
    if (dc > this.farE) this.farE = dc;
    if (-dc > this.farW) this.farW = -dc;
    if (this.colStamp[cd] !== this.stamp) {
      this.colStamp[cd] = this.stamp; this.colS[cd] = 0; this.colN[cd] = 0; this.touched[this.nTouched++] = cd;
    }
    if (dr > this.colS[cd]) this.colS[cd] = dr;
    if (-dr > this.colN[cd]) this.colN[cd] = -dr;
  }

  end(): void {
    const { cols, rows, bytes } = this;
    const rs = floorDiv(this.src, cols), cs = this.src % cols;
    // east links of row rs at columns cs .. cs + farE - 1, west links at cs - farW + 1 .. cs (mod cols on a torus)
    if (this.farE > 0) ring(this.east, rs * (cols + 1), cols, cs, this.farE, bytes);
    if (this.farW > 0) ring(this.west, rs * (cols + 1), cols, cs - this.farW + 1, this.farW, bytes);
    for (let k = 0; k < this.nTouched; k++) {
      const c = this.touched[k];
      if (this.colS[c] > 0) ring(this.south, c * (rows + 1), rows, rs, this.colS[c], bytes);
      if (this.colN[c] > 0) ring(this.north, c * (rows + 1), rows, rs - this.colN[c] + 1, this.colN[c], bytes);
    }
  }

  /** The busiest link's bytes over every tree added. */
  max(): number {
    let max = 0;
    for (const [d, lines, len] of [[this.east, this.rows, this.cols], [this.west, this.rows, this.cols], [this.south, this.cols, this.rows], [this.north, this.cols, this.rows]] as const) {
      for (let i = 0; i < lines; i++) {
        let v = 0;
        const o = i * (len + 1);
        for (let j = 0; j < len; j++) { v += d[o + j]; if (v > max) max = v; }
      }
    }
    return max;
  }
}

/** Adds b to positions start .. start + len - 1 of a ring of n (a difference array at offset o). */
function ring(d: Float64Array, o: number, n: number, start: number, len: number, b: number): void {
  const s = ((start % n) + n) % n;
  if (s + len <= n) { d[o + s] += b; d[o + s + len] -= b; return; }
  d[o + s] += b; d[o + n] -= b;
  d[o] += b; d[o + s + len - n] -= b;
}
