// What `up` must do with a vagrant lab, given the machines' states and how the freshly rendered files differ: pure.
import { GROUP_VARS_FILE } from '../render-vagrant.js';

/** One rendered file: its text on disk before `up` (undefined: not there) and the text rendered now. */
export interface RenderedChange {
  readonly path: string;
  readonly before?: string;
  readonly after: string;
}

export interface UpInput {
  /** The lab's machines (from the rendered JSON). */
  readonly machines: readonly string[];
  /** `vagrant status` of those machines (a machine vagrant does not list counts as not created). */
  readonly states: readonly { readonly name: string; readonly state: string }[];
  readonly files: readonly RenderedChange[];
}

export type UpDecision =
  /** Every VM exists but the model changes what Ansible cannot change on a running cluster: destroy first. */
  | { readonly kind: 'refuse'; readonly rebuilt: readonly string[] }
  | {
      readonly kind: 'up';
      /** Every VM existed (`tracelab lab up` built them): attach, and never destroy them on down. */
      readonly attached: boolean;
      /** Run the provisioners again: an attached lab whose model changed (Ansible applies the new variables). */
      readonly provision: boolean;
      /** Keep the files as they were, to provision the old model again on down (all of them existed). */
      readonly restoreOnDown: boolean;
    };

/**
 * The decision: a lab whose machines all exist is attached to; Ansible can then change the cluster's variables
 * (group_vars) but not which VMs exist, their addresses, pod subnets or join order (any other rendered file).
 */
export function decideUp(input: UpInput): UpDecision {
  const created = new Set(input.states.filter((s) => s.state !== 'not_created').map((s) => s.name));
  const attached = input.machines.length > 0 && input.machines.every((m) => created.has(m));
  const differs = (f: RenderedChange): boolean => f.before !== f.after;
  const rebuilt = input.files.filter((f) => f.path !== GROUP_VARS_FILE && f.before !== undefined && differs(f)).map((f) => f.path);
  if (attached && rebuilt.length > 0) return { kind: 'refuse', rebuilt };
  const provision = attached && input.files.some(differs);
  return { kind: 'up', attached, provision, restoreOnDown: provision && input.files.every((f) => f.before !== undefined) };
}
