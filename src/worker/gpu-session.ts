// The worker's GPU session: one device per worker, created on first use, re-created after a loss
// (listeners hear about it), and the one needs-a-GPU guard (`withGpu`) that every GPU call of the
// facade goes through, so a page without WebGPU, or one whose adapter request fails, gets the same
// `{ status: 'no-gpu', message }` outcome from every call.

import { describeDevice, GpuUnavailableError, type DeviceReport, type GpuContext } from '../gpu/context.ts';
import { browserGpuContext, webgpuMissingReason } from '../gpu/browser.ts';

export type GpuStatus =
  | { available: true; device: DeviceReport; deviceName: string }
  | { available: false; reason: string; howTo: string; lost?: boolean };

/** The one outcome of a GPU call where no GPU device can be had. */
export interface NoGpu {
  status: 'no-gpu';
  message: string;
}

let ctxPromise: Promise<GpuContext> | null = null;
let lostInfo: string | null = null;
const lostListeners = new Set<(message: string) => void>();

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The device (created on first use; a lost one is dropped and re-created by the next call). */
export function gpuContext(): Promise<GpuContext> {
  if (!ctxPromise) {
    ctxPromise = browserGpuContext().then((ctx) => {
      ctx.device.lost.then((info) => {
        ctxPromise = null;
        lostInfo = `The GPU device was lost (${info.reason || 'unknown'}${info.message ? `: ${info.message}` : ''}).`;
        for (const l of lostListeners) l(lostInfo);
      });
      lostInfo = null;
      return ctx;
    });
    ctxPromise.catch(() => {
      ctxPromise = null;
    });
  }
  return ctxPromise;
}

/** Why the last device went away, when it was lost (a run that failed because of it says this instead). */
export function deviceLostText(): string | null {
  return lostInfo;
}

/**
 * The needs-a-GPU guard: runs `run` with the device, or returns the one 'no-gpu' outcome when the page
 * has no WebGPU, the adapter/device request fails, or `run` itself finds the GPU unavailable.
 */
export async function withGpu<T>(run: (ctx: GpuContext) => Promise<T>): Promise<T | NoGpu> {
  const missing = webgpuMissingReason();
  if (missing) return { status: 'no-gpu', message: `${missing.reason} ${missing.howTo}` };
  let ctx: GpuContext;
  try {
    ctx = await gpuContext();
  } catch (e) {
    return { status: 'no-gpu', message: errorText(e) };
  }
  try {
    return await run(ctx);
  } catch (e) {
    if (e instanceof GpuUnavailableError) return { status: 'no-gpu', message: e.message };
    throw e;
  }
}

/** Whether GPU runs are possible here; when not, why and how to enable them. */
export async function gpuStatus(): Promise<GpuStatus> {
  const missing = webgpuMissingReason();
  if (missing) return { available: false, ...missing };
  try {
    const ctx = await gpuContext();
    return { available: true, device: ctx.report, deviceName: describeDevice(ctx.report) };
  } catch (e) {
    return {
      available: false,
      reason: errorText(e),
      howTo: 'Check chrome://gpu (is WebGPU "Hardware accelerated"?), update the GPU driver, or enable chrome://flags/#enable-unsafe-webgpu. A blocklisted GPU can be forced with #ignore-gpu-blocklist.',
      lost: lostInfo !== null,
    };
  }
}

export function onDeviceLost(listener: (message: string) => void): void {
  lostListeners.add(listener);
}

/** Drops the current device (if any) and creates a fresh one. */
export async function resetGpu(): Promise<GpuStatus> {
  const old = ctxPromise;
  ctxPromise = null;
  if (old) old.then((c) => c.device.destroy()).catch(() => {});
  return gpuStatus();
}

/** Destroys the device as a driver reset would (a test hook, to exercise recovery). */
export async function loseDevice(): Promise<void> {
  const ctx = await gpuContext();
  ctx.device.destroy();
}
