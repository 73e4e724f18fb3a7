// The trace the UI animates: a growable typed-array event list under a cap (TraceBuilder), the
// analytic path's expansion of a wave into events (traceChunks, traceLoad), and the final Trace.
// The event path (events.ts) pushes its real event times into the same builder.

import { grownCopy } from './arrays.ts';
import type { Mesh } from './mesh.ts';
import type { ClassSummary } from './summary.ts';
import { EVENT_KIND, type ChipConfig, type Trace } from './types.ts';

export class TraceBuilder {
  count = 0;
  sampled = false;
  truncated = false;
  kind: Uint8Array; tile: Int32Array; src: Int32Array; start: Float64Array; end: Float64Array; bytes: Float64Array; op: Uint16Array;
  opNames: string[] = [];
  constructor(readonly cap: number) {
    const n = Math.min(cap, 4096);
    this.kind = new Uint8Array(n); this.tile = new Int32Array(n); this.src = new Int32Array(n);
    this.start = new Float64Array(n); this.end = new Float64Array(n); this.bytes = new Float64Array(n); this.op = new Uint16Array(n);
  }
  opIndex(name: string): number {
    let i = this.opNames.indexOf(name);
    if (i < 0) { i = this.opNames.length; this.opNames.push(name); }
    return i;
  }
  // grows 4x (a full 200k-event trace: 4096 -> 16k -> 64k -> 200k, three copies; doubling copied
  // and zeroed about twice as much)
  private grow(): void {
    const n = Math.min(this.cap, this.kind.length * 4);
    this.kind = grownCopy(this.kind, n); this.tile = grownCopy(this.tile, n); this.src = grownCopy(this.src, n); this.start = grownCopy(this.start, n);
    this.end = grownCopy(this.end, n); this.bytes = grownCopy(this.bytes, n); this.op = grownCopy(this.op, n);
  }
  push(kind: number, tile: number, src: number, start: number, end: number, bytes: number, op: number): void {
    if (this.count >= this.cap) { this.truncated = true; return; }
    if (this.count >= this.kind.length) this.grow();
    const i = this.count++;
    this.kind[i] = kind; this.tile[i] = tile; this.src[i] = src; this.start[i] = start; this.end[i] = end; this.bytes[i] = bytes; this.op[i] = op;
  }
}

/** The Trace of a run: the builder's events (or none) plus the per-link bytes and per-tile busy cycles. */
export function finishTrace(
  tb: TraceBuilder | null, chip: ChipConfig, mesh: Mesh, cycles: number, linkBytes: Float64Array, tileBusyCycles: Float64Array,
): Trace {
  const n = tb?.count ?? 0;
  return {
    rows: chip.grid.rows, cols: chip.grid.cols, cycles, clockHz: chip.clockHz, hbmPorts: mesh.ports,
    count: n,
    kind: tb ? tb.kind.subarray(0, n) : new Uint8Array(0),
    tile: tb ? tb.tile.subarray(0, n) : new Int32Array(0),
    src: tb ? tb.src.subarray(0, n) : new Int32Array(0),
    start: tb ? tb.start.subarray(0, n) : new Float64Array(0),
    end: tb ? tb.end.subarray(0, n) : new Float64Array(0),
    bytes: tb ? tb.bytes.subarray(0, n) : new Float64Array(0),
    op: tb ? tb.op.subarray(0, n) : new Uint16Array(0),
    opNames: tb?.opNames ?? [],
    sampled: tb?.sampled ?? false,
    truncated: tb?.truncated ?? false,
    linkBytes,
    tileBusyCycles,
  };
}

/** How many events a tile's loop is split into by the analytic path, given the trace budget left. */
export function traceChunks(tb: TraceBuilder, c: ClassSummary): number {
  const left = tb.cap - tb.count;
  const per = 2 * c.loads.length + 1;
  // leave room for the rest of the run: at most 1/64 of what is left per tile
  const chunks = Math.max(1, Math.min(c.iterations, Math.floor(left / 64 / per)));
  if (chunks < c.iterations) tb.sampled = true;
  return chunks;
}

/** Analytic path: the events of one block stream (HBM read by the first destination, NoC or local SRAM transfer). */
export function traceLoad(
  tb: TraceBuilder, chip: ChipConfig, c: ClassSummary, bytes: number, dest: number, srcTile: number, port: number,
  hops: number, op: number, t: number, first: boolean,
): void {
  const chunks = traceChunks(tb, c);
  const b = bytes / chunks;
  const dur = b / chip.noc.linkBytesPerCycle + hops * chip.noc.hopLatencyCycles;
  const stride = Math.max(dur, c.computeCycles / chunks);
  for (let j = 0; j < chunks; j++) {
    const s = t + j * stride;
    if (first && port >= 0) tb.push(EVENT_KIND.hbmRead, srcTile, -1 - port, s, s + b / chip.noc.linkBytesPerCycle, b, op);
    if (hops > 0) tb.push(EVENT_KIND.noc, dest, srcTile, s, s + dur, b, op);
    else tb.push(EVENT_KIND.sram, dest, srcTile, s, s + dur, b, op);
  }
}
