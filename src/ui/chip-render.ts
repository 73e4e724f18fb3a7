// The chip view as plain functions: layout, frame state and drawing are pure functions of
// (trace, timeCycles, view), so any moment can be linked, stepped back to or tested in Node.
//
// Cost model for a 32x32 grid at 60 fps: routes come resolved with the trace (the worker's
// adapters route every transfer once, on the chip model's own mesh); everything else per-trace
// (sorting, per-tile interval lists) happens once in `indexTrace`; per frame we only binary
// search the transfer window and each tile's busy intervals, and write into preallocated
// typed arrays held by the FrameState (no allocation per frame).
//
// Node and link numbering: see src/worker/view-trace.ts.

import {
  EVENT_COMPUTE, EVENT_NOC, isWrapLink, linkCount, linkEnds, linkExists, portLink, eastLink, southLink, type RenderTrace,
} from '../worker/view-trace.ts';
import { formatBytes, formatPercent } from './format.ts';

export {
  EVENT_COMPUTE, EVENT_HBM_READ, EVENT_NOC, linkCount, linkExists, portLink, eastLink, southLink, type RenderTrace,
} from '../worker/view-trace.ts';

export type ViewMode = 'utilization' | 'traffic';

// ---- per-trace index ----------------------------------------------------------------------

export interface TraceIndex {
  trace: RenderTrace;
  /** Transfer events (not compute) ordered by start. */
  xferOrder: Int32Array;
  xferStart: Float64Array;
  /** Transfer end times sorted, and the running sum of bytes in that order (bytes done by t). */
  xferEndSorted: Float64Array;
  xferBytesByEnd: Float64Array;
  /** Longest transfer, so the active window is [t - maxXferCycles, t]. */
  maxXferCycles: number;
  /** Per tile, compute intervals sorted by start (CSR: tileOffsets[t]..tileOffsets[t+1]). */
  tileOffsets: Int32Array;
  tileStart: Float64Array;
  tileEnd: Float64Array;
  /** Busy cycles before interval k of its tile (prefix sum, merged so overlaps count once). */
  tileBusyBefore: Float64Array;
  /** Largest per-link total, for the heatmap scale. */
  maxLinkBytes: number;
  nTiles: number;
  nLinks: number;
}

/** Precomputes everything frame computation needs. O(events log events), once per trace. */
export function indexTrace(trace: RenderTrace): TraceIndex {
  const { rows, cols } = trace;
  const nTiles = rows * cols;
  const ev = trace.events;
  const nLinks = linkCount(rows, cols, trace.hbmPorts.length);
  if (trace.linkBytes.length !== nLinks) {
    throw new Error(`trace has ${trace.linkBytes.length} link totals; a ${rows}x${cols} grid with ${trace.hbmPorts.length} HBM ports has ${nLinks} links`);
  }
  if (trace.routeOffsets.length !== ev.count + 1) throw new Error(`trace has ${trace.routeOffsets.length} route offsets for ${ev.count} events`);
  let nx = 0;
  const perTile = new Int32Array(nTiles + 1);
  for (let i = 0; i < ev.count; i++) {
    if (ev.kind[i] === EVENT_COMPUTE) perTile[ev.dst[i] + 1]++;
    else nx++;
  }
  const xferOrder = new Int32Array(nx);
  let maxXfer = 0;
  for (let i = 0, k = 0; i < ev.count; i++) {
    if (ev.kind[i] !== EVENT_COMPUTE) {
      xferOrder[k++] = i;
      maxXfer = Math.max(maxXfer, ev.end[i] - ev.start[i]);
    }
  }
  xferOrder.sort((a, b) => ev.start[a] - ev.start[b] || a - b);
  const xferStart = new Float64Array(nx);
  for (let k = 0; k < nx; k++) xferStart[k] = ev.start[xferOrder[k]];

  const byEnd = xferOrder.slice().sort((a, b) => ev.end[a] - ev.end[b]);
  const xferEndSorted = new Float64Array(nx);
  const xferBytesByEnd = new Float64Array(nx);
  for (let k = 0, sum = 0; k < nx; k++) {
    xferEndSorted[k] = ev.end[byEnd[k]];
    sum += ev.bytes[byEnd[k]];
    xferBytesByEnd[k] = sum;
  }

  for (let t = 0; t < nTiles; t++) perTile[t + 1] += perTile[t];
  const tileOffsets = perTile;
  const nc = tileOffsets[nTiles];
  const fill = tileOffsets.slice(0, nTiles);
  const computeIdx = new Int32Array(nc);
  for (let i = 0; i < ev.count; i++) if (ev.kind[i] === EVENT_COMPUTE) computeIdx[fill[ev.dst[i]]++] = i;
  const tileStart = new Float64Array(nc);
  const tileEnd = new Float64Array(nc);
  const tileBusyBefore = new Float64Array(nc);
  for (let t = 0; t < nTiles; t++) {
    const lo = tileOffsets[t], hi = tileOffsets[t + 1];
    const seg = computeIdx.subarray(lo, hi);
    seg.sort((a, b) => ev.start[a] - ev.start[b]);
    // Merge overlaps into a running "covered until" so busy time never exceeds elapsed time.
    let busy = 0, covered = -Infinity;
    for (let k = lo; k < hi; k++) {
      const i = computeIdx[k];
      const s = Math.max(ev.start[i], covered);
      const e = Math.max(ev.end[i], s);
      tileStart[k] = s;
      tileEnd[k] = e;
      tileBusyBefore[k] = busy;
      busy += e - s;
      covered = e;
    }
  }
  let maxLinkBytes = 0;
  for (let l = 0; l < nLinks; l++) maxLinkBytes = Math.max(maxLinkBytes, trace.linkBytes[l]);
  return { trace, xferOrder, xferStart, xferEndSorted, xferBytesByEnd, maxXferCycles: maxXfer, tileOffsets, tileStart, tileEnd, tileBusyBefore, maxLinkBytes, nTiles, nLinks };
}

// ---- frame state ------------------------------------------------------------------------------

/** The most transfers a frame draws; beyond it the oldest active ones are counted but not drawn. */
const MAX_DRAWN_TRANSFERS = 4096;

export interface FrameState {
  timeCycles: number;
  /** Busy cycles / elapsed cycles up to timeCycles, per tile (0 at t = 0). */
  tileUtil: Float32Array;
  /** 1 if the tile is computing at timeCycles. */
  tileActive: Uint8Array;
  /** Bytes per cycle flowing on each link at timeCycles (sum over active transfers). */
  linkLoad: Float32Array;
  /** Active transfers drawn: event index and progress in [0, 1). */
  xferCount: number;
  /** Active transfers at timeCycles (may exceed xferCount when capped). */
  xferActive: number;
  xferEvent: Int32Array;
  xferProgress: Float32Array;
  /** Bytes moved by transfers finished by timeCycles. */
  bytesDone: number;
  activeTiles: number;
}

export function createFrameState(index: TraceIndex): FrameState {
  return {
    timeCycles: 0,
    tileUtil: new Float32Array(index.nTiles),
    tileActive: new Uint8Array(index.nTiles),
    linkLoad: new Float32Array(index.nLinks),
    xferCount: 0,
    xferActive: 0,
    xferEvent: new Int32Array(MAX_DRAWN_TRANSFERS),
    xferProgress: new Float32Array(MAX_DRAWN_TRANSFERS),
    bytesDone: 0,
    activeTiles: 0,
  };
}

/** Largest k with a[k] <= x, or -1 (a sorted ascending); `hi` is exclusive. */
function lastAtMost(a: Float64Array, x: number, lo: number, hi: number): number {
  let l = lo, h = hi;
  while (l < h) {
    const m = (l + h) >>> 1;
    if (a[m] <= x) l = m + 1;
    else h = m;
  }
  return l - 1;
}

/**
 * Fills `out` with the state of the chip at `timeCycles` (clamped to [0, cycles]).
 * Pure: the result depends only on (index, timeCycles); `out` is overwritten, never read.
 */
export function computeFrame(index: TraceIndex, timeCycles: number, out: FrameState): FrameState {
  const tr = index.trace;
  const ev = tr.events;
  const t = Math.min(Math.max(Number.isFinite(timeCycles) ? timeCycles : 0, 0), tr.cycles);
  out.timeCycles = t;

  let activeTiles = 0;
  for (let tile = 0; tile < index.nTiles; tile++) {
    const lo = index.tileOffsets[tile], hi = index.tileOffsets[tile + 1];
    const k = lastAtMost(index.tileStart, t, lo, hi);
    let busy = 0, active = 0;
    if (k >= lo) {
      const e = index.tileEnd[k];
      busy = index.tileBusyBefore[k] + (Math.min(t, e) - index.tileStart[k]);
      // A tile is active on [start, end); at the very end of the run nothing is active.
      active = t < e && t >= index.tileStart[k] && e > index.tileStart[k] ? 1 : 0;
    }
    out.tileUtil[tile] = t > 0 ? Math.min(1, busy / t) : 0;
    out.tileActive[tile] = active;
    activeTiles += active;
  }
  out.activeTiles = activeTiles;

  out.linkLoad.fill(0);
  const nx = index.xferOrder.length;
  const last = lastAtMost(index.xferStart, t, 0, nx);
  let drawn = 0, activeX = 0;
  const load = out.linkLoad;
  const { routeOffsets, routeLinks } = tr;
  for (let k = last; k >= 0 && index.xferStart[k] >= t - index.maxXferCycles; k--) {
    const i = index.xferOrder[k];
    const s = ev.start[i], e = ev.end[i];
    if (!(t < e)) continue;
    activeX++;
    const rate = ev.bytes[i] / Math.max(e - s, 1e-9);
    for (let j = routeOffsets[i]; j < routeOffsets[i + 1]; j++) load[routeLinks[j]] += rate;
    if (drawn < MAX_DRAWN_TRANSFERS) {
      out.xferEvent[drawn] = i;
      out.xferProgress[drawn] = e > s ? (t - s) / (e - s) : 0;
      drawn++;
    }
  }
  out.xferCount = drawn;
  out.xferActive = activeX;
  const kEnd = lastAtMost(index.xferEndSorted, t, 0, nx);
  out.bytesDone = kEnd >= 0 ? index.xferBytesByEnd[kEnd] : 0;
  return out;
}

// ---- layout -----------------------------------------------------------------------------------

export interface Layout {
  /** Top-left of tile (r, c) is (x0 + c*pitch, y0 + r*pitch); tiles are `size` wide. */
  x0: number;
  y0: number;
  pitch: number;
  size: number;
  /** HBM port rectangles, 4 numbers (x, y, w, h) per port (hit testing, packet ends). */
  ports: Float32Array;
  /** One block per HBM stack: the union of its ports' rectangles on one side, and how many ports feed it. */
  stacks: Array<{ x: number; y: number; w: number; h: number; stack: number; ports: number }>;
  width: number;
  height: number;
}

/** Fits the grid plus a band of HBM stacks on each side into width x height. */
export function computeLayout(trace: Pick<RenderTrace, 'rows' | 'cols' | 'hbmPorts'>, width: number, height: number): Layout {
  const { rows, cols } = trace;
  const band = 3; // HBM band thickness, in tile pitches
  const pitch = Math.max(1, Math.min(width / (cols + 2 * band * 0.5 + 0.5), height / (rows + 2 * band * 0.5 + 0.5)));
  const gap = Math.max(1, Math.min(6, pitch * 0.2));
  const size = Math.max(1, pitch - gap);
  const gridW = cols * pitch - gap, gridH = rows * pitch - gap;
  const x0 = (width - gridW) / 2, y0 = (height - gridH) / 2;
  const ports = new Float32Array(trace.hbmPorts.length * 4);
  const depth = Math.max(4, pitch * 1.1);
  trace.hbmPorts.forEach((p, i) => {
    const r = Math.floor(p.tile / cols), c = p.tile % cols;
    const tx = x0 + c * pitch, ty = y0 + r * pitch;
    let x = tx, y = ty, w = size, h = size;
    if (p.side === 'N') { y = y0 - gap * 2 - depth; h = depth; }
    else if (p.side === 'S') { y = y0 + gridH + gap * 2; h = depth; }
    else if (p.side === 'W') { x = x0 - gap * 2 - depth; w = depth; }
    else { x = x0 + gridW + gap * 2; w = depth; }
    ports.set([x, y, w, h], i * 4);
  });
  return { x0, y0, pitch, size, ports, stacks: stackBlocks(trace.hbmPorts, ports, gap), width, height };
}

/** Number of HBM stacks of a trace (ports without a stack count as one each). */
export function stackCount(ports: RenderTrace['hbmPorts']): number {
  return new Set(ports.map((p, i) => p.stack ?? -1 - i)).size;
}

/** Groups port rectangles into one block per stack and side, inset by half a gap so neighbouring stacks stay apart. */
function stackBlocks(hbmPorts: RenderTrace['hbmPorts'], ports: Float32Array, gap: number): Layout['stacks'] {
  const groups = new Map<string, { x0: number; y0: number; x1: number; y1: number; stack: number; ports: number }>();
  hbmPorts.forEach((p, i) => {
    const stack = p.stack ?? -1 - i;
    const key = `${stack}:${p.side}`;
    const x = ports[i * 4], y = ports[i * 4 + 1], w = ports[i * 4 + 2], h = ports[i * 4 + 3];
    const g = groups.get(key);
    if (g) {
      g.x0 = Math.min(g.x0, x); g.y0 = Math.min(g.y0, y); g.x1 = Math.max(g.x1, x + w); g.y1 = Math.max(g.y1, y + h); g.ports++;
    } else groups.set(key, { x0: x, y0: y, x1: x + w, y1: y + h, stack, ports: 1 });
  });
  // blocks spanning several ports (fewer blocks than ports) are inset so that two stacks side by side read as two
  const inset = groups.size < hbmPorts.length ? Math.min(gap, 3) : 0;
  return [...groups.values()].map((g) => ({ x: g.x0 + inset / 2, y: g.y0 + inset / 2, w: Math.max(1, g.x1 - g.x0 - inset), h: Math.max(1, g.y1 - g.y0 - inset), stack: g.stack, ports: g.ports }));
}

/** Centre of a node (tile or port) in CSS pixels, written into out[0..1]. */
export function nodeCenter(trace: Pick<RenderTrace, 'rows' | 'cols'>, layout: Layout, node: number, out: Float32Array): void {
  const n = trace.rows * trace.cols;
  if (node >= n) {
    const p = (node - n) * 4;
    out[0] = layout.ports[p] + layout.ports[p + 2] / 2;
    out[1] = layout.ports[p + 1] + layout.ports[p + 3] / 2;
  } else {
    out[0] = layout.x0 + (node % trace.cols) * layout.pitch + layout.size / 2;
    out[1] = layout.y0 + Math.floor(node / trace.cols) * layout.pitch + layout.size / 2;
  }
}

export type Hit = { kind: 'tile'; index: number } | { kind: 'link'; index: number } | { kind: 'port'; index: number } | null;

const hitRects = new Float32Array(8);

function inRects(rects: Float32Array, n: number, x: number, y: number): boolean {
  for (let k = 0; k < n; k++) {
    const rx = rects[k * 4], ry = rects[k * 4 + 1], rw = rects[k * 4 + 2], rh = rects[k * 4 + 3];
    if (x >= rx && x < rx + rw && y >= ry && y < ry + rh) return true;
  }
  return false;
}

/**
 * What is under the pointer at (x, y) CSS pixels: a tile, the gap between two tiles (a link), an HBM
 * stack or the bar from a stack to its tile, or on a torus a wrap-around link's stub in the gap beyond
 * the last column or row or before the first (both stubs are the row's or column's one wrap link).
 * Stubs are drawn over the stacks' bars (drawFrame), so where they overlap the stub wins, as on screen.
 */
export function hitTest(trace: Pick<RenderTrace, 'rows' | 'cols' | 'torus' | 'hbmPorts'>, layout: Layout, x: number, y: number): Hit {
  const { rows, cols } = trace;
  for (let p = 0; p < trace.hbmPorts.length; p++) {
    const [px, py, pw, ph] = layout.ports.subarray(p * 4, p * 4 + 4);
    if (x >= px && x < px + pw && y >= py && y < py + ph) return { kind: 'port', index: p };
  }
  const fx = (x - layout.x0) / layout.pitch, fy = (y - layout.y0) / layout.pitch;
  // column -1 / row -1: the pitch before the grid, whose last `gap` pixels hold the west / north wrap stubs
  const c = Math.floor(fx), r = Math.floor(fy);
  if (c >= -1 && r >= -1 && c < cols && r < rows) {
    const inX = (fx - c) * layout.pitch < layout.size, inY = (fy - r) * layout.pitch < layout.size;
    if (inX && inY && c >= 0 && r >= 0) return { kind: 'tile', index: r * cols + c };
    let link = -1, edge = false;
    if (!inX && inY && r >= 0) { link = eastLink(cols, r, (c + cols) % cols); edge = c === -1 || c === cols - 1; }
    else if (inX && !inY && c >= 0) { link = southLink(cols, (r + rows) % rows, c); edge = r === -1 || r === rows - 1; }
    // a gap between two tiles is its link; beyond an edge only a wrap link's drawn stub (as wide as the tile) counts
    if (link >= 0 && linkExists(trace, link) && (!edge || inRects(hitRects, linkRects(trace, layout, link, layout.size, hitRects), x, y))) {
      return { kind: 'link', index: link };
    }
  }
  for (let p = 0; p < trace.hbmPorts.length; p++) {
    // the bar across the gaps from the stack to its tile, as wide as the tile (like a link's gap)
    if (inRects(hitRects, linkRects(trace, layout, portLink(rows, cols, p), layout.size, hitRects), x, y)) return { kind: 'port', index: p };
  }
  return null;
}

// ---- tooltip numbers --------------------------------------------------------------------------

interface TipLine {
  label: string;
  value: string;
}

export { formatBytes };

/** "HBM stack 2, port 3 of 8" (or "HBM port 5" for a port without a stack). */
export function portName(ports: RenderTrace['hbmPorts'], p: number): string {
  const st = ports[p]?.stack;
  if (st === undefined) return `HBM port ${p}`;
  const same = ports.map((q, i) => (q.stack === st ? i : -1)).filter((i) => i >= 0);
  return same.length > 1 ? `HBM stack ${st}, port ${same.indexOf(p) + 1} of ${same.length}` : `HBM stack ${st}`;
}

/** The numbers shown when hovering a tile, link or HBM stack at the frame's time. */
export function describeHit(index: TraceIndex, frame: FrameState, hit: Hit): { title: string; lines: TipLine[] } | null {
  if (!hit) return null;
  const tr = index.trace;
  const total = Math.max(tr.cycles, 1e-9);
  if (hit.kind === 'tile') {
    const r = Math.floor(hit.index / tr.cols), c = hit.index % tr.cols;
    return {
      title: `tile (${r}, ${c})`,
      lines: [
        { label: 'busy so far', value: formatPercent(frame.tileUtil[hit.index]) },
        { label: 'busy, whole run', value: formatPercent(tr.tileBusyCycles[hit.index] / total) },
        { label: `busy ${tr.timeUnit}s`, value: tr.tileBusyCycles[hit.index].toLocaleString('en-US') },
        { label: 'now', value: frame.tileActive[hit.index] ? 'computing' : 'idle' },
      ],
    };
  }
  const link = hit.kind === 'link' ? hit.index : portLink(tr.rows, tr.cols, hit.index);
  const [a, b] = linkEnds(tr, link);
  const name = (n: number) => (n >= tr.rows * tr.cols ? `HBM ${n - tr.rows * tr.cols}` : `(${Math.floor(n / tr.cols)}, ${n % tr.cols})`);
  return {
    title: hit.kind === 'port' ? `${portName(tr.hbmPorts, hit.index)} ↔ tile ${name(b)}` : `link ${name(a)} ↔ ${name(b)}${isWrapLink(tr, link) ? ' (torus wrap-around)' : ''}`,
    lines: [
      { label: 'bytes, whole run', value: formatBytes(tr.linkBytes[link]) },
      { label: 'share of busiest link', value: index.maxLinkBytes > 0 ? formatPercent(tr.linkBytes[link] / index.maxLinkBytes) : '–' },
      { label: `now (bytes/${tr.timeUnit})`, value: frame.linkLoad[link].toFixed(1) },
    ],
  };
}

// ---- drawing ----------------------------------------------------------------------------------

export interface Palette {
  background: string;
  tileIdle: string;
  tileText: string;
  hbm: string;
  link: string;
  /** 64 colours from idle to fully utilized (tiles) and from cold to hot (links). */
  utilRamp: string[];
  heatRamp: string[];
  xferHbm: string;
  xferNoc: string;
  activeOutline: string;
}

function hex2(n: number) {
  return Math.round(Math.min(255, Math.max(0, n))).toString(16).padStart(2, '0');
}

/** Linear ramp of `n` CSS colours through the given [r, g, b] stops (computed once, not per frame). */
function makeRamp(stops: Array<[number, number, number]>, n = 64): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = (i / (n - 1)) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(f));
    const u = f - k;
    const [a, b] = [stops[k], stops[k + 1]];
    out.push(`#${hex2(a[0] + (b[0] - a[0]) * u)}${hex2(a[1] + (b[1] - a[1]) * u)}${hex2(a[2] + (b[2] - a[2]) * u)}`);
  }
  return out;
}

export function defaultPalette(dark: boolean): Palette {
  return dark
    ? {
        background: '#12161c', tileIdle: '#1f2630', tileText: '#e6edf3', hbm: '#3b4a5c', link: '#2a323d',
        utilRamp: makeRamp([[31, 38, 48], [22, 94, 126], [56, 182, 160], [236, 214, 84]]),
        heatRamp: makeRamp([[42, 50, 61], [120, 60, 150], [230, 90, 60], [255, 226, 120]]),
        xferHbm: '#ffb454', xferNoc: '#7fd8ff', activeOutline: '#ffffff',
      }
    : {
        background: '#ffffff', tileIdle: '#e8ecf1', tileText: '#1b1f24', hbm: '#9aa9bb', link: '#d5dbe3',
        utilRamp: makeRamp([[232, 236, 241], [130, 190, 220], [30, 130, 140], [12, 70, 90]]),
        heatRamp: makeRamp([[225, 230, 236], [190, 140, 210], [210, 70, 50], [120, 20, 20]]),
        xferHbm: '#c35a00', xferNoc: '#005fb8', activeOutline: '#111111',
      };
}

/** The subset of CanvasRenderingContext2D the renderer uses (a recording mock satisfies it in tests). */
export interface Ctx2D {
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  fill(): void;
  rect(x: number, y: number, w: number, h: number): void;
}

const scratch = new Float32Array(4);

/** Draws one frame. Output depends only on its arguments; call with the frame computeFrame filled. */
export function drawFrame(g: Ctx2D, index: TraceIndex, frame: FrameState, layout: Layout, mode: ViewMode, pal: Palette, hover: Hit = null): void {
  const tr = index.trace;
  const { rows, cols } = tr;
  const { x0, y0, pitch, size } = layout;
  const gap = pitch - size;
  g.fillStyle = pal.background;
  g.fillRect(0, 0, layout.width, layout.height);

  // HBM stacks
  g.fillStyle = pal.hbm;
  for (const st of layout.stacks) g.fillRect(st.x, st.y, st.w, st.h);

  // Links: thin bars in the gaps. Traffic mode colours them by whole-run bytes, and
  // utilization mode by the bytes/cycle flowing now.
  const ramp = pal.heatRamp;
  const nr = ramp.length - 1;
  let maxLoad = 0;
  for (let l = 0; l < index.nLinks; l++) if (frame.linkLoad[l] > maxLoad) maxLoad = frame.linkLoad[l];
  const thick = Math.max(1, gap * (mode === 'traffic' ? 0.9 : 0.5));
  // HBM stacks' bars first, then the tiles' links: a torus wrap stub at an edge tile with a stack
  // lies on that stack's bar, and is drawn over it (hitTest gives the stub there too)
  const nTileLinks = 2 * index.nTiles;
  for (let k = 0; k < index.nLinks; k++) {
    const l = k < index.nLinks - nTileLinks ? nTileLinks + k : k - (index.nLinks - nTileLinks);
    if (!linkExists(tr, l)) continue;
    const v = mode === 'traffic' ? (index.maxLinkBytes > 0 ? tr.linkBytes[l] / index.maxLinkBytes : 0) : maxLoad > 0 ? frame.linkLoad[l] / maxLoad : 0;
    g.fillStyle = v > 0 ? ramp[Math.min(nr, Math.ceil(v * nr))] : pal.link;
    linkRect(g, tr, layout, l, thick);
  }

  // Tiles
  const uramp = pal.utilRamp;
  const nu = uramp.length - 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const u = mode === 'traffic' ? tr.tileBusyCycles[i] / Math.max(tr.cycles, 1e-9) : frame.tileUtil[i];
      g.fillStyle = u > 0 ? uramp[Math.min(nu, Math.round(u * nu))] : pal.tileIdle;
      g.fillRect(x0 + c * pitch, y0 + r * pitch, size, size);
    }
  }
  // Active outline: one path for all computing tiles.
  if (mode === 'utilization' && frame.activeTiles > 0 && size >= 4) {
    g.strokeStyle = pal.activeOutline;
    g.lineWidth = Math.max(1, size * 0.06);
    g.beginPath();
    const inset = g.lineWidth / 2;
    for (let i = 0; i < index.nTiles; i++) {
      if (frame.tileActive[i]) g.rect(x0 + (i % cols) * pitch + inset, y0 + Math.floor(i / cols) * pitch + inset, size - 2 * inset, size - 2 * inset);
    }
    g.stroke();
  }

  // Transfers: a square packet at its position along the XY route.
  if (mode === 'utilization') {
    const dot = Math.max(2, Math.min(10, size * 0.3));
    for (let pass = 0; pass < 2; pass++) {
      g.fillStyle = pass === 0 ? pal.xferHbm : pal.xferNoc;
      g.beginPath();
      for (let k = 0; k < frame.xferCount; k++) {
        const i = frame.xferEvent[k];
        const isNoc = tr.events.kind[i] === EVENT_NOC;
        if (isNoc !== (pass === 1)) continue;
        packetPosition(tr, layout, i, frame.xferProgress[k], scratch);
        g.rect(scratch[0] - dot / 2, scratch[1] - dot / 2, dot, dot);
      }
      g.fill();
    }
  }

  if (hover) {
    g.strokeStyle = pal.activeOutline;
    g.lineWidth = 2;
    if (hover.kind === 'tile') g.strokeRect(x0 + (hover.index % cols) * pitch - 1, y0 + Math.floor(hover.index / cols) * pitch - 1, size + 2, size + 2);
    else if (hover.kind === 'port') g.strokeRect(layout.ports[hover.index * 4] - 1, layout.ports[hover.index * 4 + 1] - 1, layout.ports[hover.index * 4 + 2] + 2, layout.ports[hover.index * 4 + 3] + 2);
    else {
      g.fillStyle = pal.activeOutline;
      linkRect(g, tr, layout, hover.index, Math.max(2, gap));
    }
  }
}

const drawRects = new Float32Array(8);

function linkRect(g: Ctx2D, tr: RenderTrace, layout: Layout, l: number, thick: number): void {
  const n = linkRects(tr, layout, l, thick, drawRects);
  for (let k = 0; k < n; k++) g.fillRect(drawRects[k * 4], drawRects[k * 4 + 1], drawRects[k * 4 + 2], drawRects[k * 4 + 3]);
}

/**
 * The rectangles link `l` is drawn as, `thick` pixels across, written into out[0..7] as (x, y, w, h)
 * each; returns how many: 1 (a bar in the gap between two tiles, or from an HBM stack to its tile) or
 * 2 (a torus wrap-around link: a stub out of the last column's / row's edge and one into the first's).
 */
export function linkRects(tr: Pick<RenderTrace, 'rows' | 'cols' | 'hbmPorts'>, layout: Layout, l: number, thick: number, out: Float32Array): 1 | 2 {
  const { rows, cols } = tr;
  const { x0, y0, pitch, size } = layout;
  const gap = pitch - size;
  const n = rows * cols;
  if (l < 2 * n) {
    const t = l >> 1;
    const r = Math.floor(t / cols), c = t % cols;
    const stub = Math.max(1, gap * 0.8);
    if ((l & 1) === 0) {
      const y = y0 + r * pitch + (size - thick) / 2;
      if (c + 1 < cols) return put(out, 0, x0 + c * pitch + size, y, gap, thick);
      // torus wrap: a stub out of the east edge and one into the west edge
      put(out, 0, x0 + c * pitch + size, y, stub, thick);
      put(out, 1, x0 - stub, y, stub, thick);
      return 2;
    }
    const x = x0 + c * pitch + (size - thick) / 2;
    if (r + 1 < rows) return put(out, 0, x, y0 + r * pitch + size, thick, gap);
    put(out, 0, x, y0 + r * pitch + size, thick, stub);
    put(out, 1, x, y0 - stub, thick, stub);
    return 2;
  }
  const p = l - 2 * n;
  const t = tr.hbmPorts[p].tile;
  const tx = x0 + (t % cols) * pitch, ty = y0 + Math.floor(t / cols) * pitch;
  const [px, py, pw, ph] = [layout.ports[p * 4], layout.ports[p * 4 + 1], layout.ports[p * 4 + 2], layout.ports[p * 4 + 3]];
  const side = tr.hbmPorts[p].side;
  if (side === 'N') return put(out, 0, tx + (size - thick) / 2, py + ph, thick, ty - py - ph);
  if (side === 'S') return put(out, 0, tx + (size - thick) / 2, ty + size, thick, py - ty - size);
  if (side === 'W') return put(out, 0, px + pw, ty + (size - thick) / 2, tx - px - pw, thick);
  return put(out, 0, tx + size, ty + (size - thick) / 2, px - tx - size, thick);
}

function put(out: Float32Array, k: number, x: number, y: number, w: number, h: number): 1 {
  out[k * 4] = x; out[k * 4 + 1] = y; out[k * 4 + 2] = w; out[k * 4 + 3] = h;
  return 1;
}

/**
 * Where transfer event `i` is at fraction f of its trip: along its route's links in order (from
 * the event's source node). A torus wrap-around hop leaves through one edge of the grid and comes
 * in through the opposite one.
 */
export function packetPosition(tr: RenderTrace, layout: Layout, i: number, f: number, out: Float32Array): void {
  const lo = tr.routeOffsets[i], hi = tr.routeOffsets[i + 1];
  const hops = hi - lo;
  if (hops === 0) {
    nodeCenter(tr, layout, tr.events.dst[i], out);
    return;
  }
  const h = Math.min(Math.max(f, 0), 0.999999) * hops;
  const k = Math.floor(h);
  // walk to the node where hop k starts
  let at = tr.events.src[i];
  for (let j = lo; j < lo + k; j++) {
    const [a, b] = linkEnds(tr, tr.routeLinks[j]);
    at = a === at ? b : a;
  }
  const l = tr.routeLinks[lo + k];
  const [a, b] = linkEnds(tr, l);
  const next = a === at ? b : a;
  const u = h - k;
  if (!isWrapLink(tr, l)) return lerpNodes(tr, layout, at, next, u, out);
  // wrap: half the hop out to the edge beyond `at`, half in from the edge before `next`
  nodeCenter(tr, layout, u < 0.5 ? at : next, out);
  const dir = u < 0.5 ? 1 : -1;
  const reach = (u < 0.5 ? u : 1 - u) * layout.pitch;
  const fwd = at === a ? 1 : -1; // travelling east/south along the link when leaving from its first end
  if ((l & 1) === 0) out[0] += dir * fwd * reach;
  else out[1] += dir * fwd * reach;
}

function lerpNodes(tr: Pick<RenderTrace, 'rows' | 'cols'>, layout: Layout, a: number, b: number, u: number, out: Float32Array): void {
  nodeCenter(tr, layout, a, out);
  const ax = out[0], ay = out[1];
  nodeCenter(tr, layout, b, out);
  out[0] = ax + (out[0] - ax) * u;
  out[1] = ay + (out[1] - ay) * u;
}
