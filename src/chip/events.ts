// A block-level discrete-event simulation of the same placement, used to check the fluid model
// of sim.ts on small problems (and available to anyone who wants the slower, finer answer).
//
// Every resource has a busy-until time: each directed NoC link, each HBM stack, each tile's
// MAC array. Transfers are issued in program order (iteration j of every tile before j + 1) and
// each one waits for all the resources it needs: a free SRAM buffer at its destinations (two
// per operand when double-buffered: iteration j may load once iteration j - 2 has computed), the
// HBM stacks (addresses interleave, so a block is served by all stacks in parallel), and every link of its XY route or multicast tree (cut-through: the links are held
// together for bytes / link bandwidth; the data arrives hops x hop latency later). Compute of
// iteration j starts when its blocks have arrived and the MAC array is free. Cost grows with
// waves x iterations x tiles x hops, so this is for small plans.

import type { Plan } from '../kernels/plan.ts';
import { buildMesh, routeXY } from './mesh.ts';
import { fillWave, homeTile, summarise, waveOrder } from './sim.ts';
import type { ChipConfig, Dataflow } from './types.ts';

export interface EventSimResult {
  cycles: number;
  passCycles: number[];
  /** Transfers simulated (blocks x destinations groups). */
  transfers: number;
}

export function simulatePlanEvents(chip: ChipConfig, plan: Plan, opts: { dataflow?: Dataflow; multicast?: boolean } = {}): EventSimResult {
  const mesh = buildMesh(chip);
  const nTiles = chip.grid.rows * chip.grid.cols;
  const multicast = opts.multicast ?? chip.noc.multicast;
  const sramOnly = chip.hbm.stacks === 0;
  const resident = new Set<string>();
  if ((opts.dataflow ?? 'output-stationary') === 'weight-stationary' && !sramOnly) {
    for (const t of plan.tensors) if (t.role === 'weight') resident.add(t.name);
  }
  const linkBpc = chip.noc.linkBytesPerCycle;
  const hopLat = chip.noc.hopLatencyCycles;
  const stackBpc = sramOnly ? Infinity : chip.hbm.bandwidthBytesPerS / chip.hbm.stacks / chip.clockHz;
  const linkFree = new Float64Array(nTiles * 4);
  const stackFree = new Float64Array(Math.max(1, chip.hbm.stacks));
  const macFree = new Float64Array(nTiles);
  const arrive = new Float64Array(nTiles);
  const stamp = new Int32Array(nTiles * 4);
  let stampId = 0;
  const passCycles: number[] = [];
  let t = 0;
  let transfers = 0;
  const wx = new Int32Array(nTiles), wy = new Int32Array(nTiles), wz = new Int32Array(nTiles);

  for (const pass of plan.passes) {
    const passStart = t;
    const classes = summarise(chip, plan, pass, resident);
    const order = waveOrder(pass.grid, nTiles, classes[0], multicast);
    const sram = chip.tile.sramBytes;
    const doubleBuffered = classes.every((c) => 2 * c.blockBytes + c.storeBytes <= sram);
    const classAt = (x: number, y: number, z: number) =>
      classes.findIndex((c) => x >= c.x[0] && x < c.x[1] && y >= c.y[0] && y < c.y[1] && z >= c.z[0] && z < c.z[1]);
    for (const box of order) {
      const n = fillWave(box, wx, wy, wz);
      const tileOf = (i: number) => (n < nTiles ? Math.floor((i * nTiles) / n) : i);
      const cls = new Int32Array(n);
      let maxIter = 0;
      for (let i = 0; i < n; i++) { cls[i] = classAt(wx[i], wy[i], wz[i]); maxIter = Math.max(maxIter, classes[cls[i]].iterations); }
      // multicast groups (as in sim.ts), each with its tree links and per-destination hops
      type Group = { bytes: number; iters: number; src: number; dests: number[]; hops: number[]; links: number[] };
      const groups = new Map<string, Group>();
      for (let i = 0; i < n; i++) {
        const c = classes[cls[i]];
        c.loads.forEach((l, li) => {
          if (l.resident) return;
          let key = `${i}|${li}`;
          if (multicast && l.shareAxes.length > 0) {
            const co = [wx[i], wy[i], wz[i]];
            for (const a of l.shareAxes) co[a] = -1;
            key = `${l.tensor}|${l.shareAxes.join()}|${co.join()}`;
          }
          const g = groups.get(key);
          if (g) g.dests.push(tileOf(i));
          else groups.set(key, { bytes: l.bytes, iters: c.iterations, src: -1, dests: [tileOf(i)], hops: [], links: [] });
        });
      }
      let h = 0;
      for (const g of groups.values()) {
        if (sramOnly) g.src = homeTile(++h, nTiles);
        else g.src = mesh.ports[mesh.nearestPort[g.dests[0]]].tile;
        stampId++;
        for (const d of g.dests) g.hops.push(routeXY(mesh, g.src, d, (l) => { if (stamp[l] !== stampId) { stamp[l] = stampId; g.links.push(l); } }));
      }
      const waveStart = t;
      for (let i = 0; i < n; i++) macFree[tileOf(i)] = Math.max(macFree[tileOf(i)], waveStart);
      // compute-end history per tile for the buffer rule
      const doneAt: Float64Array[] = [new Float64Array(nTiles).fill(waveStart), new Float64Array(nTiles).fill(waveStart)];
      for (let j = 0; j < maxIter; j++) {
        for (let i = 0; i < n; i++) arrive[tileOf(i)] = waveStart;
        const bufRule = doubleBuffered ? doneAt[j % 2] : doneAt[(j + 1) % 2];
        for (const g of groups.values()) {
          if (j >= g.iters) continue;
          const b = g.bytes / g.iters;
          let ready = waveStart;
          for (const d of g.dests) ready = Math.max(ready, bufRule[d]);
          let th = ready, hbmDone = ready;
          if (!sramOnly) {
            // addresses interleave over all stacks: each stack serves its share of the block
            for (let s = 0; s < stackFree.length; s++) {
              const s0 = Math.max(ready, stackFree[s]);
              stackFree[s] = s0 + b / stackFree.length / stackBpc;
              th = Math.max(th, s0);
              hbmDone = Math.max(hbmDone, stackFree[s]);
            }
          }
          let ts = th;
          for (const l of g.links) ts = Math.max(ts, linkFree[l]);
          const dur = b / linkBpc;
          for (const l of g.links) linkFree[l] = ts + dur;
          g.dests.forEach((d, k) => { arrive[d] = Math.max(arrive[d], ts + dur + g.hops[k] * hopLat, hbmDone); });
          transfers++;
        }
        for (let i = 0; i < n; i++) {
          const c = classes[cls[i]];
          if (j >= c.iterations) continue;
          const ti = tileOf(i);
          const start = Math.max(arrive[ti], macFree[ti]);
          macFree[ti] = start + c.computeCycles / c.iterations;
          (doubleBuffered ? doneAt[j % 2] : doneAt[j % 2])[ti] = macFree[ti];
          if (!doubleBuffered) doneAt[(j + 1) % 2][ti] = macFree[ti];
        }
      }
      // stores to the nearest HBM port
      let end = waveStart;
      for (let i = 0; i < n; i++) {
        const c = classes[cls[i]];
        const ti = tileOf(i);
        end = Math.max(end, macFree[ti]);
        if (c.storeBytes === 0 || sramOnly) continue;
        const p = mesh.nearestPort[ti];
        const links: number[] = [];
        const hops = routeXY(mesh, ti, mesh.ports[p].tile, (l) => links.push(l));
        let ts = macFree[ti];
        for (const l of links) ts = Math.max(ts, linkFree[l]);
        const dur = c.storeBytes / linkBpc;
        for (const l of links) linkFree[l] = ts + dur;
        let hbmDone = ts + hops * hopLat;
        for (let s = 0; s < stackFree.length; s++) {
          stackFree[s] = Math.max(ts + hops * hopLat, stackFree[s]) + c.storeBytes / stackFree.length / stackBpc;
          hbmDone = Math.max(hbmDone, stackFree[s]);
        }
        end = Math.max(end, ts + dur + hops * hopLat, hbmDone);
        transfers++;
      }
      t = end;
    }
    passCycles.push(t - passStart);
  }
  return { cycles: t, passCycles, transfers };
}
