// Pure rules behind the bench panel, kept out of the element so they are unit-tested:
// which kernel and variant a (possibly hostile or outdated) bench state really means, which
// variant follows a change of shape (and the kernel picker's queue of shape changes), which
// parameters a variant uses, and why a variant cannot run on this device.

import type { KernelInfo, Params } from '../worker/api.ts';
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

/** The kernel picker's whole choice, as it emits it (`picker-change`) to its host. */
export interface PickerChange {
  kernel: string;
  variant: string;
  params: Params;
}

/** What the picker shows now (its props, i.e. its host's state) and whether the user chose the variant. */
export interface PickerShown extends PickerChange {
  userChose: boolean;
}

/**
 * The kernel picker's parameter changes, one after another. The shape rule asks the worker (twice) before
 * a change is emitted, and the user can type through several fields meanwhile, so:
 * - a change builds on the newest requested params (`latest`), not on the props, which still hold the
 *   last emitted ones (building on those lost the earlier field's value);
 * - the changes run in turn (the pick cache ends at each change's params, the next one's "before");
 * - a change a newer one superseded emits nothing (the newer one carries its params), nor one whose
 *   kernel is no longer shown, nor one a newer kernel choice made moot.
 */
export class PickerParamQueue {
  private chain: Promise<void> = Promise.resolve();
  /** Counts the param changes (and kernel choices, which supersede them): only the newest one emits. */
  private paramSeq = 0;
  /** Counts the kernel choices: only the newest one emits. */
  private kernelSeq = 0;
  /** The newest requested params not emitted yet, with their kernel. */
  private requested: { kernel: string; params: Params } | null = null;

  /**
   * shown: the picker's props now; pick: the shape rule (the worker's pickVariant, read each time so it
   * can be wrapped); emit: hands a change to the host.
   */
  constructor(
    private readonly shown: () => PickerShown,
    private readonly pick: (kernel: string, params: Params) => Promise<string | null>,
    private readonly emit: (c: PickerChange) => void,
  ) {}

  /** The params the next change builds on: the newest requested ones while they are answered, else the shown ones. */
  latest(): Params {
    const s = this.shown();
    return this.requested?.kernel === s.kernel ? this.requested.params : s.params;
  }

  /** Queues new params for the shown kernel; resolves once they are emitted or skipped. */
  set(params: Params): Promise<void> {
    const seq = ++this.paramSeq;
    const kernel = this.shown().kernel;
    this.requested = { kernel, params };
    const run = this.chain.then(async () => {
      if (seq !== this.paramSeq || this.shown().kernel !== kernel) return;
      const previous = this.shown().params;
      // in turn, so the cached pick ends at the new params (the next change's "before")
      const before = await this.pick(kernel, previous);
      const now = await this.pick(kernel, params);
      const s = this.shown();
      if (seq !== this.paramSeq || s.kernel !== kernel) return;
      this.requested = null;
      const variant = now ? followShapeVariant({ current: s.variant, pickedBefore: before ?? undefined, pickedNow: now, userChose: s.userChose }) : s.variant;
      this.emit({ kernel, variant, params });
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * A new kernel was chosen: pending param changes (of the old kernel) are dropped. The returned check
   * says whether this choice is still the newest kernel choice, to skip emitting one a newer choice superseded.
   */
  chooseKernel(): () => boolean {
    const seq = ++this.kernelSeq;
    this.paramSeq++;
    this.requested = null;
    return () => seq === this.kernelSeq;
  }
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
