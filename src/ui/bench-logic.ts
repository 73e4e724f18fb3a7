// Pure rules behind the bench panel, kept out of the element so they are unit-tested:
// which kernel and variant a (possibly hostile or outdated) bench state really means, which
// variant follows a change of shape, which parameters a variant uses, and why a variant cannot run
// on this device.

import type { KernelInfo } from '../worker/api.ts';
import type { ParamDoc } from '../kernels/kernel.ts';

export interface ResolvedBench {
  kernel: KernelInfo;
  variant: string;
  /** What was replaced and why (an unknown kernel or variant in a link), for the user. */
  notices: string[];
}

/**
 * The kernel and variant a bench state runs. An unknown kernel becomes the first registered one
 * and an unknown variant the kernel's default, each with a notice that says so: the panel then
 * writes the resolved names back to the state, so the dropdowns, the state, the prediction and the
 * run all name the same thing. Undefined only when no kernel is registered.
 */
export function resolveBench(kernels: readonly KernelInfo[], kernel: string, variant: string): ResolvedBench | undefined {
  const notices: string[] = [];
  let k = kernels.find((x) => x.name === kernel);
  if (!k) {
    k = kernels[0];
    if (!k) return undefined;
    notices.push(`The link asks for a kernel "${kernel}" that this playground does not have (it has ${kernels.map((x) => x.name).join(', ')}); showing ${k.name} instead.`);
  }
  let v = variant;
  if (!k.variants.includes(v)) {
    v = k.defaultVariant;
    // After a kernel swap, the old variant name means nothing: only say so when the kernel was found.
    if (notices.length === 0) notices.push(`${k.name} has no variant "${variant}" (it has ${k.variants.join(', ')}); showing ${v} instead.`);
  }
  return { kernel: k, variant: v, notices };
}

/** What decides the variant after the shape (params) changed. */
export interface ShapeChange {
  /** The variant in the state now. */
  current: string;
  /** The kernel's shape rule for the previous params (the worker's pickVariant); undefined before the first. */
  pickedBefore: string | undefined;
  /** The shape rule for the new params. */
  pickedNow: string;
  /** The user picked a variant from the dropdown since the kernel was chosen. */
  userChose: boolean;
}

/**
 * The variant to run after the shape changed. The Bench follows the kernel's shape rule (the worker's
 * autoVariant: gemv at M = 1, the tiled kernel at M = 256) while the variant in the state is the rule's
 * pick for the previous shape and the user has not chosen one: a variant the user picked, or a link's
 * variant that differs from its own shape's pick (a sharer's deliberate choice), stays as it is.
 */
export function followShapeVariant(c: ShapeChange): string {
  if (c.userChose || c.pickedBefore === undefined || c.current !== c.pickedBefore) return c.current;
  return c.pickedNow;
}

/**
 * Whether variant `variant` of a kernel uses parameter `p`. Kernels mark variant-only parameters by
 * starting their doc with the variant's name and a colon ("tiled: rows of C per workgroup",
 * "flash: query rows per workgroup"); the prefix covers variants that extend the name
 * ("tiled" also covers "tiled-f16"). A prefix that names no variant ("batch: ...") is just prose.
 */
export function paramUsedBy(p: ParamDoc, variant: string, variants: readonly string[]): boolean {
  const m = /^([a-z0-9-]+):/i.exec(p.doc);
  if (!m) return true;
  const owner = m[1];
  const covers = (v: string) => v === owner || v.startsWith(`${owner}-`);
  if (!variants.some(covers)) return true;
  return covers(variant);
}

/** The device capabilities a variant is checked against. */
export interface DeviceCaps {
  features: readonly string[];
  wgslLanguageFeatures: readonly string[];
}

/** Why this device cannot run a plan needing these features, or null when it can. */
export function missingCapability(needs: { requiredFeatures: readonly string[]; requiredLanguageFeatures: readonly string[] }, caps: DeviceCaps): string | null {
  const f = needs.requiredFeatures.filter((x) => !caps.features.includes(x));
  const l = needs.requiredLanguageFeatures.filter((x) => !caps.wgslLanguageFeatures.includes(x));
  if (f.length === 0 && l.length === 0) return null;
  const parts = [
    ...f.map((x) => `the "${x}" feature`),
    ...l.map((x) => `the WGSL language feature ${x}`),
  ];
  return `this GPU lacks ${parts.join(' and ')}`;
}

/**
 * The dataflow a link's chip state runs: a known one as it is, an unknown one the first known one,
 * with a notice that says so (as resolveBench does for kernels).
 */
export function resolveDataflow(known: readonly string[], dataflow: string): { dataflow: string; notice?: string } {
  if (known.includes(dataflow)) return { dataflow };
  return { dataflow: known[0], notice: `The link asks for a dataflow "${dataflow.slice(0, 64)}" that the chip model does not have (it has ${known.join(', ')}); showing ${known[0]} instead.` };
}
