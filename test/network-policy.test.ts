// NetworkPolicy objects: the API server's validation messages (texts from kubernetes pkg/apis/networking/validation and
// apimachinery's IsValidPortNum), its defaulting, label-selector semantics, lab-file errors at FILE:LINE:COL, and
// kubectl 1.31's get/describe layout (describe.go describeNetworkPolicy, printers.go).
import { describe, expect, it } from 'vitest';
import { compileLabText } from '../topology/compile.js';
import { policyFromManifest, selectorMatches, validatePolicy, type NetworkPolicyManifest } from '../topology/network-policy.js';
import { Simulator } from '../sim/simulator.js';
import { readFileSync } from 'node:fs';

const manifest = (spec: NetworkPolicyManifest['spec']): NetworkPolicyManifest => ({ metadata: { name: 'p' }, spec });

describe('API server validation', () => {
  it('says what the API server says about ports, peers and ipBlocks', () => {
    const errs = validatePolicy(manifest({
      podSelector: {},
      ingress: [{ ports: [{ port: 90, endPort: 80 }, { port: 'http', endPort: 90 }, { endPort: 5 }, { port: 70000 }, { protocol: 'ICMP' }], from: [{}] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] }, podSelector: {} }] }],
    })).map((e) => e.message);
    expect(errs).toEqual([
      'spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`',
      'spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
      'spec.ingress[0].ports[2].endPort: Invalid value: 5: may not be specified when `port` is not specified',
      'spec.ingress[0].ports[3].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ingress[0].ports[4].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      'spec.ingress[0].from[0]: Required value: must specify a peer',
      'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
      'spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer',
    ]);
  });

  it('defaults policyTypes (Egress only when egress rules exist) and protocols (TCP)', () => {
    const p = policyFromManifest(manifest({ podSelector: {}, egress: [{ ports: [{ port: 53 }] }] }));
    expect(p.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(p.egress?.[0]?.ports[0]?.protocol).toBe('TCP');
    expect(p.ingress).toBeUndefined();
  });

  it('matches label selectors as labels.Selector does', () => {
    const labels = { app: 'httpd', tier: 'web' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'httpd' } }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels)).toBe(false);
  });
});

const LAB = readFileSync(new URL('../topology/labs/three-node.yaml', import.meta.url), 'utf8');

describe('NetworkPolicies in a lab file', () => {
  it('reports an invalid policy at its field, with the API server\'s words', () => {
    const text = `${LAB}networkPolicies:\n  - metadata: { name: bad }\n    spec:\n      podSelector: {}\n      ingress:\n        - ports: [{ port: 90, endPort: 80 }]\n`;
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('endPort: 80')) + 1;
    expect(() => compileLabText('lab.yaml', text)).toThrow(`lab.yaml:${line}:`);
    expect(() => compileLabText('lab.yaml', text)).toThrow('The NetworkPolicy "bad" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`');
  });

  it('prints kubectl get/describe networkpolicy in kubectl 1.31\'s layout', async () => {
    const text = `${LAB}networkPolicies:\n  - metadata: { name: allow-dns }\n    spec:\n      podSelector: { matchLabels: { app: httpd } }\n      egress:\n        - to:\n            - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } }\n          ports: [{ protocol: UDP, port: 53 }, { port: 8000, endPort: 8080 }]\n        - to:\n            - ipBlock: { cidr: 10.0.0.0/8, except: [10.1.0.0/16] }\n`;
    const sim = new Simulator(compileLabText('lab.yaml', text));
    const get = await sim.run('controlplane', 'kubectl get netpol');
    expect(get.stdout).toBe('NAME        POD-SELECTOR   AGE\nallow-dns   app=httpd      40m\n');
    const none = await sim.run('controlplane', 'kubectl get networkpolicies -n kube-system');
    expect(none.stderr).toBe('No resources found in kube-system namespace.\n');
    const d = await sim.run('controlplane', 'kubectl describe networkpolicy allow-dns');
    expect(d.stdout).toBe([
      'Name:         allow-dns',
      'Namespace:    default',
      'Created on:   2024-09-02 07:20:00 +0000 UTC',
      'Labels:       <none>',
      'Annotations:  <none>',
      'Spec:',
      '  PodSelector:     app=httpd',
      '  Allowing ingress traffic:',
      '    <none> (Selected pods are isolated for ingress connectivity)',
      '  Allowing egress traffic:',
      '    To Port: 53/UDP',
      '    To Port Range: 8000-8080/TCP',
      '    To:',
      '      NamespaceSelector: kubernetes.io/metadata.name=kube-system',
      '    ----------',
      '    To Port: <any> (traffic allowed to all ports)',
      '    To:',
      '      IPBlock:',
      '        CIDR: 10.0.0.0/8',
      '        Except: 10.1.0.0/16',
      '  Policy Types: Ingress, Egress',
      '',
    ].join('\n'));
    const missing = await sim.run('controlplane', 'kubectl describe netpol nope');
    expect(missing.stderr).toBe('Error from server (NotFound): networkpolicies.networking.k8s.io "nope" not found\n');
  });
});

describe('openLab().apply', () => {
  it('applies a default-deny policy (shown by kubectl, not enforced on Flannel alone) and refuses an invalid one', async () => {
    const { openLab } = await import('../index.js');
    const deny = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: default-deny-ingress }\nspec: { podSelector: {}, policyTypes: [Ingress] }\n';
    const lab = openLab();
    expect(lab.apply(deny)).toBe('networkpolicy.networking.k8s.io/default-deny-ingress created\n');
    expect(lab.run('node-2/netshoot', 'nc -zv -w 2 10.244.1.3 80').exitCode).toBe(0);
    expect(lab.run('controlplane', 'kubectl get netpol').stdout).toContain('default-deny-ingress   <none>');
    expect(() => lab.apply(deny.replace('policyTypes: [Ingress]', 'policyTypes: [Ingres]'))).toThrow('The NetworkPolicy "default-deny-ingress" is invalid: spec.policyTypes[0]: Unsupported value: "Ingres": supported values: "Ingress", "Egress"');
  });
});

describe('topo show', () => {
  it('lists the policies per namespace with the engine that enforces them (or none)', async () => {
    const { describeLab } = await import('../topology/describe.js');
    const text = `${LAB}networkPolicies:\n  - metadata: { name: deny, namespace: kube-system }\n    spec: { podSelector: {} }\n  - metadata: { name: web }\n    spec: { podSelector: { matchLabels: { app: httpd } }, policyTypes: [Ingress, Egress] }\n`;
    const out = describeLab(compileLabText('lab.yaml', text), () => '');
    expect(out).toContain([
      'NetworkPolicy engine: none (Flannel alone: policies are stored, not enforced)',
      'NAMESPACE    POLICY  POD-SELECTOR  TYPES',
      'default      web     app=httpd     Ingress,Egress',
      'kube-system  deny    <none>        Ingress',
    ].join('\n'));
  });
});

describe('kube-router enforcing on the simulator', () => {
  it('names the policy that rejected a probe in the trace record (--explain, --svg)', () => {
    const text = `${LAB.replace('  icmpRatelimit: 0\n', '  icmpRatelimit: 0\n  networkPolicy: kube-router\n')}networkPolicies:\n  - metadata: { name: default-deny-ingress }\n    spec: { podSelector: {}, policyTypes: [Ingress] }\n`;
    const sim = new Simulator(compileLabText('lab.yaml', text));
    const r = sim.run('netshoot', 'traceroute -n -q 1 -m 4 -T -p 80 10.244.1.3');
    const steps = r.traces![0]!.hops.flatMap((h) => h.probes.flatMap((p) => p.steps.map((s) => s.decision)));
    expect(steps.some((d) => d.startsWith('dropped by policy default/default-deny-ingress: no ingress rule admits 10.244.2.3 to 10.244.1.3:TCP 80; iptables -t filter -A KUBE-POD-FW-'))).toBe(true);
    // ICMP echo passes kube-router's common rules whatever the policies say.
    expect(sim.run('netshoot', 'ping -c 1 10.244.1.3').exitCode).toBe(0);
  });
});
