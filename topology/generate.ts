// Generated host-gw labs of any size (benchmarks, property tests): N nodes with P pods each, defaults elsewhere.
import type { LabFile } from './labfile.js';

/** Above 250 nodes the host-only network and the cluster network grow to /16 and /10 (still host-gw, /24 per node). */
export function generateHostGwLab(nodes: number, podsPerNode: number): LabFile {
  const big = nodes > 250;
  return {
    name: `host-gw-${nodes}`,
    description: `generated: ${nodes} nodes with ${podsPerNode} pods each`,
    cluster: { network: big ? '100.64.0.0/10' : '10.244.0.0/16' },
    hostOnly: big ? { network: '172.16.0.0/16', host: '172.16.0.1' } : undefined,
    nodes: Array.from({ length: nodes }, (_, i) => ({
      name: i === 0 ? 'controlplane' : `node-${i}`,
      ip: big ? `172.16.${Math.floor((i + 10) / 256)}.${(i + 10) % 256}` : `192.168.56.${10 + i}`,
      pods: Array.from({ length: podsPerNode }, (_, j) => ({ name: `p${i}-${j}`, image: j % 2 ? 'busybox' : 'nginx', listen: j % 3 === 0 ? ['tcp/80'] : undefined })),
    })),
    services: nodes > 1 && podsPerNode > 0 ? [{ name: 'web', ip: '10.96.0.50', ports: [{ protocol: 'tcp', port: 80 }], endpoints: ['p1-0'] }] : undefined,
  };
}
