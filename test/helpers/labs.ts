// Builders of lab files for tests: YAML text of small valid labs, and fast-check arbitraries of valid labs.
import fc from 'fast-check';
import type { LabFile } from '../../topology/labfile.js';
import { labFileArb } from '../../lab/generate/lab-file.js';

export { generateHostGwLab as generatedLab } from '../../topology/generate.js';

/** Arbitrary valid small labs: 1-8 nodes, 0-5 pods each, optional explicit pod subnets, services and externals. */
const smallLab: fc.Arbitrary<LabFile> = fc
  .record({
    nodes: fc.integer({ min: 1, max: 8 }),
    pods: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 8, maxLength: 8 }),
    reverseJoin: fc.boolean(),
    flannelEth0: fc.boolean(),
    service: fc.boolean(),
    external: fc.boolean(),
  })
  .map(({ nodes, pods, reverseJoin, flannelEth0, service, external }) => {
    const names = Array.from({ length: nodes }, (_, i) => (i === 0 ? 'controlplane' : `node-${i}`));
    const lab: LabFile = {
      name: 'arb',
      cluster: { joinOrder: reverseJoin ? [...names].reverse() : names, flannel: flannelEth0 ? { iface: null } : undefined },
      nodes: names.map((name, i) => ({
        name,
        ip: `192.168.56.${10 + i}`,
        pods: Array.from({ length: pods[i]! }, (_, j) => ({ name: `pod-${i}-${j}`, listen: j === 0 ? ['tcp/80'] : undefined })),
      })),
    };
    const firstPod = lab.nodes.flatMap((n) => n.pods ?? [])[0];
    if (service) lab.services = [{ name: 'web', ip: '10.96.0.50', ports: [{ protocol: 'tcp', port: 80 }], endpoints: firstPod ? [firstPod.name] : [] }];
    if (external) lab.externals = [{ name: 'ext.example.com', ip: '192.0.2.20', listen: ['tcp/443'] }];
    return lab;
  });

/** Either kind: the small labs above, or the labs `verify --generate` draws (other ranges, interface names, /23-/26). */
export const arbitraryLab: fc.Arbitrary<LabFile> = fc.oneof(smallLab, labFileArb);
