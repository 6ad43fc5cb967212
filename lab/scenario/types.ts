// The scenario file as written (validated by scenarios/scenario.schema.json) and the loaded, located scenario.
import type { LabModel } from '../../topology/model.js';
import type { YamlSource } from '../../topology/yaml-source.js';

/** A command at a place, or a pause that lets controllers (Flannel) reconcile. */
export type ScenarioStepFile = { at: string; run: string } | { wait: string };

export interface ScenarioProbeFile {
  at: string;
  run: string;
  exit?: number;
  expect: string;
  stderr?: string;
  healthy?: string;
  healthyExit?: number;
  healthyStderr?: string;
  capture?: ProbeCapture;
}

/** A background capture while a probe runs (docs/capture.md). */
export interface ProbeCapture {
  readonly at: string;
  readonly iface: string;
  readonly filter?: string;
}

/** Where a scenario's expected outputs were recorded: kernel release, probe tool versions, ISO time. */
export interface RecordedOn {
  kernel: string;
  tools: Record<string, string>;
  at: string;
}

export interface ScenarioFile {
  name: string;
  title: string;
  lab: string;
  brief: string;
  model?: Record<string, unknown>;
  break: ScenarioStepFile[];
  probes: ScenarioProbeFile[];
  hints?: string[];
  fix?: ScenarioStepFile[];
  train?: boolean;
  check?: { at: string; run: string }[];
  healthyLab?: { model?: Record<string, unknown>; setup?: ScenarioStepFile[] };
  tags?: string[];
  recorded?: RecordedOn;
}

/** A step ready to run: a command, or a pause in milliseconds. */
export type ScenarioStep =
  | { readonly kind: 'run'; readonly at: string; readonly run: string }
  | { readonly kind: 'wait'; readonly ms: number; readonly text: string };

export interface ScenarioProbe {
  readonly at: string;
  readonly run: string;
  readonly exit: number;
  readonly expect: string;
  readonly stderr?: string;
  readonly healthy?: string;
  readonly healthyExit: number;
  readonly healthyStderr?: string;
  readonly capture?: ProbeCapture;
}

/** A connectivity probe of the training shell's `check`. */
export interface CheckProbe {
  readonly at: string;
  readonly run: string;
}

/** A loaded scenario: checked against its schema, its lab (with edits) compiled and its places resolved. */
export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly title: string;
  readonly labName: string;
  readonly brief: string;
  /** The lab after the scenario's model edits. */
  readonly lab: LabModel;
  /** The model edits as written (dotted path -> value). */
  readonly edits: Readonly<Record<string, unknown>>;
  readonly breakSteps: readonly ScenarioStep[];
  readonly probes: readonly ScenarioProbe[];
  readonly hints: readonly string[];
  /** Undefined when the scenario has no fix (only the broken state is checked). */
  readonly fixSteps?: readonly ScenarioStep[];
  /** False when the file says `train: false` (a baseline or a demonstration): `tracelab train` refuses it. */
  readonly trainable: boolean;
  /** The connectivity probes the training shell's `check` runs: the file's `check:`, or its probes that are probe tools. */
  readonly checkProbes: readonly CheckProbe[];
  /** The lab `check` compares with: `lab` with the `healthyLab.model` edits applied (the same model when there are none). */
  readonly healthyLab: LabModel;
  /** Commands that make `healthyLab` healthy before `check`'s probes run on it (`healthyLab.setup`). */
  readonly healthySetup: readonly ScenarioStep[];
  readonly tags: readonly string[];
  /** Where the expected outputs were recorded (absent in scenarios recorded before the field existed). */
  readonly recorded?: Readonly<RecordedOn>;
  readonly source: YamlSource<ScenarioFile>;
}
