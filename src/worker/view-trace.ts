// What the chip animation draws: a trace in node/link form with every transfer's route already
// resolved (by the adapters in chip-view.ts, from the chip model's own mesh and XY routing), so
// the renderer never routes anything itself. Pure data and index arithmetic, no chip import:
// the UI imports this file, the worker fills it.
//
// Nodes: 0 .. rows*cols-1 are tiles (row-major), rows*cols + p is HBM port p.
// Links (undirected, what the view colours): link 2t is tile t's east link (to column c+1, or the
// wrap-around link to column 0 on a torus), 2t+1 its south link (row r+1, or the wrap to row 0);
// 2*rows*cols + p is HBM port p's link to its edge tile. Links a plain mesh lacks carry no bytes.

export const EVENT_COMPUTE = 0;
export const EVENT_HBM_READ = 1;
export const EVENT_HBM_WRITE = 2;
export const EVENT_NOC = 3;

export type PortSide = 'N' | 'S' | 'E' | 'W';

export interface HbmPort {
  side: PortSide;
  /** The edge tile the stack attaches to (row-major tile index). */
  tile: number;
  /** The HBM stack this port belongs to (a stack may feed several edge tiles); absent: a port of its own. */
  stack?: number;
}

export interface RenderTrace {
  rows: number;
  cols: number;
  /** Wrap-around links on every row and column (the chip's NoC topology). */
  torus: boolean;
  hbmPorts: HbmPort[];
  /** Total length of the run (the timeline's end). */
  cycles: number;
  /** Clock for "time in µs" (cycles / clockHz); 0 when the time axis is not cycles (measured order). */
  clockHz: number;
  /** Unit name of the time axis: "cycle" for the chip model, "order" for a measured GPU run. */
  timeUnit: string;
  events: {
    count: number;
    /** EVENT_* per event. */
    kind: Uint8Array;
    /** Source node (tile or rows*cols + port); for compute the tile itself. */
    src: Int32Array;
    /** Destination node; for compute the tile itself. */
    dst: Int32Array;
    start: Float64Array;
    end: Float64Array;
    bytes: Float64Array;
    /** Index into opNames (which op of the plan/model the event belongs to). */
    op: Uint16Array;
  };
  /** Event i travels routeLinks[routeOffsets[i] .. routeOffsets[i+1]) in order, from src to dst. */
  routeOffsets: Int32Array;
  routeLinks: Int32Array;
  opNames: string[];
  /** Total bytes carried per link over the whole run (length = linkCount(rows, cols, ports)). */
  linkBytes: Float64Array;
  /** Cycles each tile spent computing over the whole run. */
  tileBusyCycles: Float64Array;
}

export function linkCount(rows: number, cols: number, ports: number): number {
  return 2 * rows * cols + ports;
}

export const eastLink = (cols: number, r: number, c: number) => 2 * (r * cols + c);
export const southLink = (cols: number, r: number, c: number) => 2 * (r * cols + c) + 1;
export const portLink = (rows: number, cols: number, p: number) => 2 * rows * cols + p;

type Shape = Pick<RenderTrace, 'rows' | 'cols' | 'torus' | 'hbmPorts'>;

/** Whether a link exists on this grid (edge tiles of a plain mesh have no east/south link out). */
export function linkExists(tr: Shape, link: number): boolean {
  const n = tr.rows * tr.cols;
  if (link >= 2 * n) return link - 2 * n < tr.hbmPorts.length;
  if (link < 0) return false;
  const t = link >> 1;
  const r = Math.floor(t / tr.cols), c = t % tr.cols;
  // A torus wraps only rings longer than 2 (with 2 the neighbour is already linked): chip/mesh.ts's rule.
  if ((link & 1) === 0) return c + 1 < tr.cols || (tr.torus && tr.cols > 2);
  return r + 1 < tr.rows || (tr.torus && tr.rows > 2);
}

/** True for a torus wrap-around link (drawn as two stubs at opposite edges of the grid). */
export function isWrapLink(tr: Shape, link: number): boolean {
  const n = tr.rows * tr.cols;
  if (link >= 2 * n) return false;
  const t = link >> 1;
  return (link & 1) === 0 ? t % tr.cols === tr.cols - 1 : Math.floor(t / tr.cols) === tr.rows - 1;
}

/** Endpoints of a link as node ids (tile or rows*cols + port). */
export function linkEnds(tr: Shape, link: number): [number, number] {
  const n = tr.rows * tr.cols;
  if (link >= 2 * n) {
    const p = link - 2 * n;
    return [n + p, tr.hbmPorts[p].tile];
  }
  const t = link >> 1;
  const r = Math.floor(t / tr.cols), c = t % tr.cols;
  return (link & 1) === 0 ? [t, r * tr.cols + ((c + 1) % tr.cols)] : [t, ((r + 1) % tr.rows) * tr.cols + c];
}

/**
 * The view's link for a directed chip-model link (tile*4 + dir, dir 0 east, 1 west, 2 south,
 * 3 north: chip/mesh.ts's numbering). West and north links are their neighbour's east / south.
 */
export function viewLinkOfDirected(rows: number, cols: number, directed: number): number {
  const t = directed >> 2, dir = directed & 3;
  const r = Math.floor(t / cols), c = t % cols;
  if (dir === 0) return 2 * t;
  if (dir === 1) return 2 * (r * cols + ((c - 1 + cols) % cols));
  if (dir === 2) return 2 * t + 1;
  return 2 * (((r - 1 + rows) % rows) * cols + c) + 1;
}
