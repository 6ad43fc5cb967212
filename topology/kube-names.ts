// Names Kubernetes generates (pod suffixes, ReplicaSet pod-template hashes, DaemonSet revision hashes), derived
// deterministically from the lab seed and the object's identity, in Kubernetes' own alphabet and lengths.
import { createHash } from 'node:crypto';

/**
 * k8s.io/apimachinery/pkg/util/rand: the alphabet of rand.String and rand.SafeEncodeString (no vowels, no 0/1/3,
 * so generated names never spell words).
 */
export const KUBE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** A seeded uint32 for KEY: the first 4 bytes of sha256("seed/key"). */
function seeded(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}/${key}`).digest().readUInt32BE(0);
}

/** rand.String(5) as generateName uses it (names.SimpleNameGenerator): 5 characters of KUBE_ALPHANUMS. */
export function nameSuffix(seed: number, key: string): string {
  const digest = createHash('sha256').update(`${seed}/suffix/${key}`).digest();
  let out = '';
  for (let i = 0; out.length < 5; i++) out += KUBE_ALPHANUMS[digest[i]! % KUBE_ALPHANUMS.length];
  return out;
}

/**
 * rand.SafeEncodeString(fmt.Sprint(hash)): each decimal digit of a uint32 mapped into the alphabet. The
 * Deployment controller names ReplicaSets this way (pod-template-hash, 8 to 10 characters: the hash's digits).
 */
export function safeEncodedHash(seed: number, key: string): string {
  return [...String(seeded(seed, key))].map((d) => KUBE_ALPHANUMS[d.charCodeAt(0) % KUBE_ALPHANUMS.length]).join('');
}

/** A ControllerRevision hash (DaemonSets' controller-revision-hash label): SafeEncodeString of a uint32, too. */
export function revisionHash(seed: number, key: string): string {
  return safeEncodedHash(seed, `revision/${key}`);
}
