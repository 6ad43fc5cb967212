// fast-check arbitraries of generated differential cases: a lab recipe, fault recipes and probe recipes, all plain
// numbers (indices resolved against the compiled lab), so fast-check shrinks them without context towards index 0,
// which is always the simplest choice (one node, the default ranges, eth names, no fault).
import fc from 'fast-check';

/** A lab as a list of choices; lab/generate/lab-file.ts turns it into a lab file. */
export interface LabRecipe {
  readonly nodes: number;
  readonly naming: number;
  readonly hostOnly: number;
  readonly cluster: number;
  readonly serviceNet: number;
  readonly ifaces: number;
  readonly podLen: number;
  /** Pods per node (node i has pods[i]). */
  readonly pods: readonly number[];
  /** Image of pod slot i*4+j. */
  readonly images: readonly number[];
  /** Extra listener of pod slot i*4+j (0 none). */
  readonly listens: readonly number[];
  readonly services: readonly { readonly port: number; readonly endpoints: readonly number[] }[];
  readonly externals: number;
  /** 0 Flannel as configured, 1 without --iface, 2 flanneld stopped on one node. */
  readonly flannel: number;
  readonly flannelNode: number;
  /** 0 no CoreDNS (the pods' nameserver answers nothing), 1 or 2 CoreDNS pods behind kube-dns on the first node. */
  readonly dns: number;
}

/** One break command as choices: a kind and its operands (indices into the lab's places, interfaces and targets). */
export interface FaultRecipe {
  readonly kind: number;
  readonly op: number;
  readonly at: number;
  readonly target: number;
  readonly arg: number;
}

export interface ProbeRecipe {
  readonly tool: number;
  readonly at: number;
  readonly target: number;
  readonly arg: number;
}

export interface CaseRecipe {
  readonly lab: LabRecipe;
  readonly faults: readonly FaultRecipe[];
  readonly probes: readonly ProbeRecipe[];
}

export const MAX_NODES = 6;
export const MAX_PODS_PER_NODE = 4;
const SLOTS = MAX_NODES * MAX_PODS_PER_NODE;

/** Counts of the choice tables in lab-file.ts, faults.ts and probes.ts (each choice table's index 0 is the default). */
export const CHOICES = {
  naming: 3, hostOnly: 5, cluster: 4, serviceNet: 3, ifaces: 3, podLen: 4, images: 7, listens: 3, servicePorts: 3,
  faultKinds: 6, faultOps: 12, tools: 19, toolArgs: 8, dns: 3,
} as const;

const pick = (n: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: n - 1 });
const index = pick(64);

export const labRecipeArb: fc.Arbitrary<LabRecipe> = fc.record({
  nodes: fc.integer({ min: 1, max: MAX_NODES }),
  naming: pick(CHOICES.naming),
  hostOnly: pick(CHOICES.hostOnly),
  cluster: pick(CHOICES.cluster),
  serviceNet: pick(CHOICES.serviceNet),
  ifaces: pick(CHOICES.ifaces),
  podLen: pick(CHOICES.podLen),
  pods: fc.array(fc.integer({ min: 0, max: MAX_PODS_PER_NODE }), { minLength: MAX_NODES, maxLength: MAX_NODES }),
  images: fc.array(pick(CHOICES.images), { minLength: SLOTS, maxLength: SLOTS }),
  listens: fc.array(pick(CHOICES.listens), { minLength: SLOTS, maxLength: SLOTS }),
  services: fc.array(fc.record({ port: pick(CHOICES.servicePorts), endpoints: fc.array(pick(SLOTS), { maxLength: 3 }) }), { maxLength: 2 }),
  externals: fc.integer({ min: 0, max: 2 }),
  flannel: pick(3),
  flannelNode: pick(MAX_NODES),
  dns: pick(CHOICES.dns),
});

export const faultRecipeArb: fc.Arbitrary<FaultRecipe> = fc.record({
  kind: pick(CHOICES.faultKinds),
  op: pick(CHOICES.faultOps),
  at: index,
  target: index,
  arg: index,
});

export const probeRecipeArb: fc.Arbitrary<ProbeRecipe> = fc.record({
  tool: pick(CHOICES.tools),
  at: index,
  target: index,
  arg: pick(CHOICES.toolArgs),
});

export const faultsArb = fc.array(faultRecipeArb, { minLength: 0, maxLength: 2 });
export const probesArb = fc.array(probeRecipeArb, { minLength: 1, maxLength: 2 });

/** Faults and probes come first: fast-check shrinks a record's keys in order, and fewer faults simplify most. */
export const caseRecipeArb: fc.Arbitrary<CaseRecipe> = fc.record({ faults: faultsArb, probes: probesArb, lab: labRecipeArb });
