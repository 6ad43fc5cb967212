// Lab files with namespaces, labels, listener objects, selectors, named targetPorts and NodePorts: what the compile
// makes of them, and the errors it reports at FILE:LINE:COL.
import { describe, expect, it } from 'vitest';
import { compileLabText, SourceError } from '../topology/compile.js';
import type { LabModel } from '../topology/model.js';

const NODES = `name: t
nodes:
  - name: a
    ip: 192.168.56.10
    pods:
      - { name: web-1, image: nginx, labels: { app: web, tier: front } }
      - { name: web-2, image: httpd, namespace: shop, labels: { app: web } }
      - { name: web-3, image: busybox, labels: { app: web }, listen: [{ protocol: tcp, port: 8080, name: http-alt, response: { status: 404, headers: { Server: toy }, body: "no\\n" } }] }
      - { name: dns-1, image: coredns, namespace: kube-system, labels: { k8s-app: kube-dns } }
`;

function compile(services: string): LabModel {
  return compileLabText('lab.yaml', `${NODES}services:\n${services}`);
}

function errorsOf(services: string): string[] {
  try {
    compile(services);
  } catch (e) {
    if (e instanceof SourceError) return e.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
    throw e;
  }
  return [];
}

describe('selectors', () => {
  it('select the pods of the Service namespace carrying every label, in lab order', () => {
    const lab = compile('  - { name: web, ip: 10.96.0.30, selector: { app: web }, ports: [{ protocol: tcp, port: 80 }] }\n  - { name: shop, namespace: shop, ip: 10.96.0.31, selector: { app: web }, ports: [{ protocol: tcp, port: 80 }] }\n  - { name: front, ip: 10.96.0.32, selector: { app: web, tier: front }, ports: [{ protocol: tcp, port: 80 }] }\n');
    expect(lab.services.map((s) => [s.name, s.endpoints])).toEqual([['web', ['web-1', 'web-3']], ['shop', ['web-2']], ['front', ['web-1']]]);
    expect(lab.device('web-2')!.namespace).toBe('shop');
    expect(lab.device('web-2')!.files!['/etc/resolv.conf']).toContain('search shop.svc.cluster.local svc.cluster.local cluster.local\n');
  });

  it('a selector matching nothing leaves the Service empty', () => {
    const lab = compile('  - { name: none, ip: 10.96.0.30, selector: { app: nothing }, ports: [{ protocol: tcp, port: 80 }] }\n');
    expect(lab.services[0]!.endpoints).toEqual([]);
    expect(lab.services[0]!.type).toBe('ClusterIP');
  });

  it('selector and endpoints together are refused', () => {
    expect(errorsOf('  - { name: web, ip: 10.96.0.30, selector: { app: web }, endpoints: [web-1], ports: [{ protocol: tcp, port: 80 }] }\n')).toEqual([
      'lab.yaml:11:69: service web has a selector: its endpoints are the pods it selects (give either selector or endpoints)',
    ]);
  });
});

describe('named targetPorts and listeners', () => {
  it('resolve against the endpoints listeners (image defaults and listener objects)', () => {
    const lab = compile('  - { name: kube-dns, namespace: kube-system, ip: 10.96.0.10, selector: { k8s-app: kube-dns }, ports: [{ name: dns, protocol: udp, port: 53, targetPort: dns }, { name: metrics, protocol: tcp, port: 9153, targetPort: metrics }] }\n  - { name: alt, ip: 10.96.0.31, endpoints: [web-3], ports: [{ protocol: tcp, port: 80, targetPort: http-alt }] }\n');
    expect(lab.services[0]!.ports.map((p) => [p.targetPortName, p.targetPort])).toEqual([['dns', 53], ['metrics', 9153]]);
    expect(lab.services[1]!.ports[0]).toMatchObject({ targetPort: 8080, targetPortName: 'http-alt' });
    expect(lab.cluster.dnsIp).toBe(0x0a60000a);
    const alt = lab.device('web-3')!.listeners[0]!;
    expect(alt.app).toBe('http');
    expect(alt.http).toEqual({ status: 404, reason: 'Not Found', headers: [['Server', 'toy'], ['Content-Length', '3']], body: 'no\n' });
  });

  it('a name an endpoint does not serve is an error naming its ports', () => {
    expect(errorsOf('  - { name: web, ip: 10.96.0.30, selector: { app: web, tier: front }, ports: [{ protocol: tcp, port: 80, targetPort: www }] }\n')).toEqual([
      'lab.yaml:11:118: endpoint web-1 of web serves no tcp port named "www" (its ports: tcp/80)',
    ]);
  });
});

describe('NodePorts', () => {
  it('are allocated from 30000 in lab order when omitted, around the given ones', () => {
    const lab = compile('  - { name: a, type: NodePort, ip: 10.96.0.30, selector: { app: web }, ports: [{ protocol: tcp, port: 80, nodePort: 30001 }] }\n  - { name: b, type: NodePort, ip: 10.96.0.31, selector: { app: web }, ports: [{ protocol: tcp, port: 80 }, { name: x, protocol: tcp, port: 81 }] }\n');
    expect(lab.services.map((s) => s.ports.map((p) => p.nodePort))).toEqual([[30001], [30000, 30002]]);
  });

  it('a duplicate nodePort and a nodePort on a ClusterIP Service are refused', () => {
    expect(errorsOf('  - { name: a, type: NodePort, ip: 10.96.0.30, ports: [{ protocol: tcp, port: 80, nodePort: 30080 }] }\n  - { name: b, type: NodePort, ip: 10.96.0.31, ports: [{ protocol: tcp, port: 80, nodePort: 30080 }] }\n  - { name: c, ip: 10.96.0.32, ports: [{ protocol: tcp, port: 80, nodePort: 30081 }] }\n')).toEqual([
      'lab.yaml:13:77: nodePort needs type: NodePort (service c is ClusterIP)',
      'lab.yaml:12:93: nodePort 30080 is already allocated (service a)',
    ]);
  });

  it('the schema keeps nodePorts in the range', () => {
    expect(errorsOf('  - { name: a, type: NodePort, ip: 10.96.0.30, ports: [{ protocol: tcp, port: 80, nodePort: 80 }] }\n')[0]).toMatch(/^lab\.yaml:11:\d+: .*30000/);
  });
});

describe('listen', () => {
  it('an explicit bare listener on a port the image serves stays bare, without an app in the model', () => {
    const lab = compileLabText('lab.yaml', `name: t\nnodes:\n  - name: a\n    ip: 192.168.56.10\n    pods:\n      - { name: p, image: nginx, listen: [{ protocol: tcp, port: 80, app: bare }, tcp/81] }\n`);
    expect(lab.device('p')!.listeners).toEqual([{ protocol: 'tcp', port: 80 }, { protocol: 'tcp', port: 81 }]);
  });

  it('two listeners on one port and an http listener without a page are refused', () => {
    const text = `name: t\nnodes:\n  - name: a\n    ip: 192.168.56.10\n    pods:\n      - { name: p, image: busybox, listen: [tcp/80, { protocol: tcp, port: 80 }, { protocol: tcp, port: 81, app: http }] }\n`;
    let errs: string[] = [];
    try {
      compileLabText('lab.yaml', text);
    } catch (e) {
      errs = (e as SourceError).diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
    }
    expect(errs).toEqual(['6:53: two listeners on tcp/80', '6:82: the http listener on tcp/81 needs a response (the image serves no page there)']);
  });
});

describe('schema messages for the new fields', () => {
  const at = (pod: string): string[] => {
    try {
      compileLabText('lab.yaml', `name: t\nnodes:\n  - name: a\n    ip: 192.168.56.10\n    pods:\n      - ${pod}\n`);
    } catch (e) {
      return (e as SourceError).diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
    }
    return [];
  };
  it('say what is wrong with one listen entry, an app, a label key', () => {
    expect(at('{ name: p, listen: [tcp80] }')).toEqual(['6:29: nodes.0.pods.0.listen.0: must be a listener like tcp/80 or udp/53']);
    expect(at('{ name: p, listen: [{ protocol: tcp, port: 80, app: web }] }')).toEqual(['6:61: nodes.0.pods.0.listen.0.app: must be one of "http", "dns", "bare"']);
    expect(at('{ name: p, labels: { "bad key!": x } }')).toEqual(['6:30: nodes.0.pods.0.labels: label key "bad key!" must be like app or example.com/app (letters, digits, "-", "_", ".", at most 63 after the prefix)']);
  });
});

describe('kubectl in the simulator shows the new fields', () => {
  it('TYPE NodePort, PORT(S) PORT:NODEPORT/PROTO and the SELECTOR column', async () => {
    // kubectl's own output for a NodePort Service (public capture): "nginx  NodePort  10.107.132.128  <none>  80:30195/TCP".
    const { Simulator } = await import('../sim/simulator.js');
    const lab = compileLabText('lab.yaml', NODES.replace('name: a\n', 'name: a\n    role: control-plane\n') + 'services:\n  - { name: web, type: NodePort, ip: 10.96.0.30, selector: { tier: front, app: web }, ports: [{ protocol: tcp, port: 80 }] }\n');
    const out = new Simulator(lab).run('a', 'kubectl get svc -o wide').stdout.split('\n');
    expect(out.find((l) => l.startsWith('web '))!.split(/ {2,}/)).toEqual(['web', 'NodePort', '10.96.0.30', '<none>', '80:30000/TCP', expect.stringMatching(/m$/), 'app=web,tier=front']);
  });
});
