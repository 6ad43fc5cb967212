// kubectl describe service and describe endpoints (describe.go describeService, describeEndpoints), 1.31 layout.
import type { KubeService } from '../../../topology/kube-objects.js';
import { timestamp } from './api-meta.js';
import { multilineLabels } from './describe-pod.js';
import { describeEvents } from './events.js';
import type { KubectlCall } from './registry.js';
import { endpointsText } from './res-services.js';
import { labelsText } from './table.js';
import { tabwrite } from './tabwriter.js';

/** kubeadm's CoreDNS Service annotations (its addon manifest). */
export function serviceAnnotations(s: KubeService): Record<string, string> {
  return s.namespace === 'kube-system' && s.name === 'kube-dns' ? { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } : {};
}

/** Annotations as describe prints them: `key: value`, one per line (printAnnotationsMultiline). */
function annotationLines(title: string, map: Readonly<Record<string, string>>): string {
  const keys = Object.keys(map).sort();
  if (keys.length === 0) return `${title}:\t<none>\n`;
  return keys.map((k, i) => `${i === 0 ? `${title}:` : ''}\t${k}: ${map[k]}\n`).join('');
}

function portLines(s: KubeService): string {
  return s.ports.map((p, i) => {
    const target = typeof p.targetPort === 'number' ? `${p.targetPort}/${p.protocol}` : `${p.targetPort}/${p.protocol}`;
    const nodePort = p.nodePort !== undefined ? `NodePort:\t${p.name ?? '<unset>'}  ${p.nodePort}/${p.protocol}\n` : '';
    return `Port:\t${p.name ?? '<unset>'}  ${p.port}/${p.protocol}\nTargetPort:\t${target}\n${nodePort}Endpoints:\t${endpointsText(s, i)}\n`;
  }).join('');
}

export function describeService(s: KubeService, call: KubectlCall): string {
  const external = s.type === 'NodePort' ? 'External Traffic Policy:\tCluster\n' : '';
  const text = `Name:\t${s.name}\nNamespace:\t${s.namespace}\n${multilineLabels('Labels', s.labels)}${annotationLines('Annotations', serviceAnnotations(s))}`
    + `Selector:\t${labelsText(s.selector)}\nType:\t${s.type}\nIP Family Policy:\tSingleStack\nIP Families:\tIPv4\nIP:\t${s.ip}\nIPs:\t${s.ip}\n`
    + `${portLines(s)}Session Affinity:\tNone\n${external}Internal Traffic Policy:\tCluster\n${describeEvents([], call)}`;
  return tabwrite(text, 0, 2);
}

export function describeEndpoints(s: KubeService, call: KubectlCall): string {
  const subsets = s.endpoints.length === 0 ? '' : `  Addresses:\t${s.endpoints.map((e) => e.ip).join(',')}\n  NotReadyAddresses:\t<none>\n  Ports:\n    Name\tPort\tProtocol\n    ----\t----\t--------\n`
    + s.ports.map((p, i) => `    ${p.name ?? '<unset>'}\t${s.endpoints[0]!.ports[i] ?? 0}\t${p.protocol}\n`).join('') + '\n';
  const text = `Name:\t${s.name}\nNamespace:\t${s.namespace}\n${multilineLabels('Labels', s.labels)}`
    + `${annotationLines('Annotations', { 'endpoints.kubernetes.io/last-change-trigger-time': timestamp(s.createdMs) })}Subsets:\n${subsets}${describeEvents([], call)}`;
  return tabwrite(text, 0, 2);
}
