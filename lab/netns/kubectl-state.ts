// The namespace lab's API state between processes: the kubectl edits (scale, delete, label, patch, apply/delete -f)
// kept beside the lab's record, so a later `tracelab exec` sees the objects its rules were rewritten for. Written
// privately (0600), atomically and durably (temp file, fsync, rename); tied to the record's createdAt, so a rebuilt lab
// starts from its lab file again.
import type { KubeEdits } from '../../topology/kube-edits.js';
import { readIfExists, writeDurably } from './record.js';

interface KubectlStateFile {
  readonly version: 1;
  /** The record's createdAt of the lab these edits belong to. */
  readonly lab: string;
  readonly edits: KubeEdits;
}

/** Where the kubectl state of the lab recorded at RECORDPATH lives (netns-PREFIX.json -> netns-PREFIX.kubectl.json; removed with the record). */
export function kubectlStatePath(recordPath: string): string {
  return recordPath.replace(/\.json$/, '.kubectl.json');
}

/** The edits saved for the lab created at CREATEDAT, or undefined (none saved, or saved for an earlier build). */
export function readKubectlState(path: string, createdAt: string): KubeEdits | undefined {
  const text = readIfExists(path);
  if (text === undefined) return undefined;
  const saved = JSON.parse(text) as KubectlStateFile;
  if (saved.version !== 1) throw new Error(`${path}: not a tracelab kubectl state`);
  return saved.lab === createdAt ? saved.edits : undefined;
}

export function writeKubectlState(path: string, createdAt: string, edits: KubeEdits): void {
  const body: KubectlStateFile = { version: 1, lab: createdAt, edits };
  writeDurably(path, JSON.stringify(body) + '\n', 0o600);
}
