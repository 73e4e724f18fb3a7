// Adapters from the chip model's trace (and from a measured GPU run) to the animation's form
// (view-trace.ts). Every transfer's links come from chip/mesh.ts's routeLinks on the chip's own mesh
// (a torus wraps), computed once per trace here, in the worker; the renderer only reads them.

import { routeBuffer, routeLinks, type Mesh } from '../chip/mesh.ts';
import { EVENT_KIND, type Edge, type Trace } from '../chip/types.ts';
import {
  EVENT_COMPUTE, EVENT_HBM_READ, EVENT_HBM_WRITE, EVENT_NOC, linkCount, portLink, southLink, viewLinkOfDirected,
  type HbmPort, type PortSide, type RenderTrace,
} from './view-trace.ts';

const SIDE_OF_EDGE: Record<Edge, PortSide> = { north: 'N', south: 'S', west: 'W', east: 'E' };

/** Growable Int32 list (route links of all events, CSR style). */
class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Int32Array {
    return this.a.slice(0, this.n);
  }
}

/**
 * The chip model's trace in the view's form. Compute (mac, vector) events keep their tile; an HBM
 * read runs port -> its edge tile (the port link; the sim records the mesh leg as its own NoC
 * event); a NoC transfer follows routeLinks from its source tile; an HBM write runs from the port's
 * edge tile over the port link (the mesh leg is again a NoC event, so nothing is counted twice).
 * Local SRAM events are not drawn. Whole-run link totals are the sim's own directed totals folded
 * onto undirected links (wrap-around links included), plus the HBM bytes through each port.
 */
export function chipViewTrace(t: Trace, mesh: Mesh): RenderTrace {
  const { rows, cols } = t;
  if (mesh.rows !== rows || mesh.cols !== cols) throw new Error(`mesh ${mesh.rows}x${mesh.cols} does not match the trace's ${rows}x${cols} grid`);
  const nTiles = rows * cols;
  let n = 0;
  for (let i = 0; i < t.count; i++) if (t.kind[i] !== EVENT_KIND.sram) n++;
  const kind = new Uint8Array(n), src = new Int32Array(n), dst = new Int32Array(n);
  const start = new Float64Array(n), end = new Float64Array(n), bytes = new Float64Array(n), op = new Uint16Array(n);
  const routeOffsets = new Int32Array(n + 1);
  const links = new IntList();
  const nPorts = t.hbmPorts.length;
  const linkBytes = new Float64Array(linkCount(rows, cols, nPorts));
  const route = routeBuffer(mesh);
  const follow = (from: number, to: number) => {
    const hops = routeLinks(mesh, from, to, route);
    for (let h = 0; h < hops; h++) links.push(viewLinkOfDirected(rows, cols, route[h]));
  };
  let k = 0;
  for (let i = 0; i < t.count; i++) {
    const kd = t.kind[i];
    if (kd === EVENT_KIND.sram) continue;
    start[k] = t.start[i];
    end[k] = t.end[i];
    bytes[k] = t.bytes[i];
    op[k] = t.op[i];
    if (kd === EVENT_KIND.mac || kd === EVENT_KIND.vector) {
      kind[k] = EVENT_COMPUTE;
      src[k] = dst[k] = t.tile[i];
    } else if (kd === EVENT_KIND.noc) {
      kind[k] = EVENT_NOC;
      src[k] = t.src[i] >= 0 ? t.src[i] : t.tile[i];
      dst[k] = t.tile[i];
      follow(src[k], dst[k]);
    } else {
      const port = -1 - t.src[i];
      const valid = port >= 0 && port < nPorts;
      if (kd === EVENT_KIND.hbmRead) {
        kind[k] = EVENT_HBM_READ;
        src[k] = valid ? nTiles + port : t.tile[i];
        dst[k] = t.tile[i];
        if (valid) {
          links.push(portLink(rows, cols, port));
          follow(t.hbmPorts[port].tile, t.tile[i]);
        }
      } else {
        kind[k] = EVENT_HBM_WRITE;
        src[k] = valid ? t.hbmPorts[port].tile : t.tile[i];
        dst[k] = valid ? nTiles + port : t.tile[i];
        if (valid) links.push(portLink(rows, cols, port));
      }
      if (valid) linkBytes[portLink(rows, cols, port)] += t.bytes[i];
    }
    routeOffsets[++k] = links.n;
  }
  for (let l = 0; l < Math.min(t.linkBytes.length, nTiles * 4); l++) {
    if (t.linkBytes[l] > 0) linkBytes[viewLinkOfDirected(rows, cols, l)] += t.linkBytes[l];
  }
  return {
    rows, cols, torus: mesh.torus, cycles: t.cycles, clockHz: t.clockHz, timeUnit: 'cycle',
    hbmPorts: t.hbmPorts.map((p) => ({ side: SIDE_OF_EDGE[p.edge], tile: p.tile, stack: p.index })),
    events: { count: n, kind, src, dst, start, end, bytes, op },
    routeOffsets, routeLinks: links.done(),
    opNames: t.opNames,
    linkBytes,
    tileBusyCycles: t.tileBusyCycles,
  };
}

/** Per-workgroup numbers of one instrumented pass (the worker's PassStats, structurally). */
export interface MeasuredPass {
  label: string;
  loadBytes: Uint32Array;
  storeBytes: Uint32Array;
  startOrder: Uint32Array;
  finishOrder: Uint32Array;
}

/**
 * The measured side of "measured vs predicted": the GPU's workgroup grid (gx columns, gy*gz rows)
 * drawn as a plain mesh with one memory port above each column. Workgroup w computes over
 * [startOrder, finishOrder + 1) in units of "order" (the k-th workgroup to start / finish); its
 * loaded bytes come down its column from the port above and its stored bytes go back up.
 */
export function measuredViewTrace(stats: MeasuredPass, grid: [number, number, number]): RenderTrace {
  const cols = Math.max(1, grid[0]);
  const rows = Math.max(1, grid[1] * grid[2]);
  const nTiles = rows * cols;
  if (stats.loadBytes.length < nTiles) throw new Error(`stats for ${stats.loadBytes.length} workgroups, grid has ${nTiles}`);
  const hbmPorts: HbmPort[] = [];
  for (let c = 0; c < cols; c++) hbmPorts.push({ side: 'N', tile: c });
  const n = nTiles * 3;
  const kind = new Uint8Array(n), src = new Int32Array(n), dst = new Int32Array(n);
  const start = new Float64Array(n), end = new Float64Array(n), bytes = new Float64Array(n), op = new Uint16Array(n);
  const routeOffsets = new Int32Array(n + 1);
  const links = new IntList();
  const linkBytes = new Float64Array(linkCount(rows, cols, cols));
  const tileBusyCycles = new Float64Array(nTiles);
  let cycles = 1;
  let e = 0;
  const add = (kd: number, a: number, b: number, t0: number, t1: number, by: number, route: number[]) => {
    kind[e] = kd; src[e] = a; dst[e] = b; start[e] = t0; end[e] = t1; bytes[e] = by;
    for (const l of route) {
      links.push(l);
      linkBytes[l] += by;
    }
    routeOffsets[++e] = links.n;
  };
  for (let w = 0; w < nTiles; w++) {
    const s = stats.startOrder[w], f = Math.max(stats.finishOrder[w] + 1, s + 1);
    const r = Math.floor(w / cols), c = w % cols;
    cycles = Math.max(cycles, f);
    tileBusyCycles[w] = f - s;
    const mid = s + (f - s) / 2;
    // down the column: the port link, then row 0 -> r
    const down = [portLink(rows, cols, c)];
    for (let k = 0; k < r; k++) down.push(southLink(cols, k, c));
    add(EVENT_COMPUTE, w, w, s, f, 0, []);
    add(EVENT_HBM_READ, nTiles + c, w, s, mid, stats.loadBytes[w], down);
    add(EVENT_HBM_WRITE, w, nTiles + c, mid, f, stats.storeBytes[w], down.slice().reverse());
  }
  return {
    rows, cols, torus: false, cycles, clockHz: 0, timeUnit: 'order', hbmPorts,
    events: { count: n, kind, src, dst, start, end, bytes, op },
    routeOffsets, routeLinks: links.done(),
    opNames: [stats.label], linkBytes, tileBusyCycles,
  };
}

/** A grid's geometry for routeLinks (no ports needed: routes between tiles only). */
export function plainMesh(rows: number, cols: number, torus = false): Mesh {
  return { rows, cols, torus, ports: [], nearestPort: new Int32Array(0), linkCount: 0 };
}

/**
 * Resolves the route of every transfer of a trace given as nodes (benches and tests build such
 * traces by hand): a port node enters or leaves through its port link and its edge tile, tiles
 * are joined by routeLinks on `mesh`. Compute events get an empty route.
 */
export function withRoutes(tr: Omit<RenderTrace, 'routeOffsets' | 'routeLinks'>, mesh: Mesh = plainMesh(tr.rows, tr.cols, tr.torus)): RenderTrace {
  const { rows, cols } = tr;
  const nTiles = rows * cols;
  const ev = tr.events;
  const routeOffsets = new Int32Array(ev.count + 1);
  const links = new IntList();
  const route = routeBuffer(mesh);
  const follow = (from: number, to: number) => {
    const hops = routeLinks(mesh, from, to, route);
    for (let h = 0; h < hops; h++) links.push(viewLinkOfDirected(rows, cols, route[h]));
  };
  for (let i = 0; i < ev.count; i++) {
    if (ev.kind[i] !== EVENT_COMPUTE) {
      const a = ev.src[i], b = ev.dst[i];
      const ta = a >= nTiles ? tr.hbmPorts[a - nTiles].tile : a;
      const tb = b >= nTiles ? tr.hbmPorts[b - nTiles].tile : b;
      if (a >= nTiles) links.push(portLink(rows, cols, a - nTiles));
      follow(ta, tb);
      if (b >= nTiles) links.push(portLink(rows, cols, b - nTiles));
    }
    routeOffsets[i + 1] = links.n;
  }
  return { ...tr, routeOffsets, routeLinks: links.done() };
}
