// The namespace lab's one server process: serves every listener and DNS server of the lab on sockets the launcher
// (server-spec.ts) made inside each namespace and handed over as fds 3, 4, ... TCP listeners answer SYN-ACK (and HTTP
// apps their modelled response), UDP ones swallow datagrams, DNS sockets answer as CoreDNS or the NAT engine's DNS.
//
// usage: node lab-server.js SPEC_FILE (through the launcher); prints "ready" once all serve, exits on SIGTERM.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { DnsZone } from '../../sim/dns/responder.js';
import type { LineChild } from '../process.js';
import { serveDnsTcp, serveDnsUdp, type DnsService } from './dns-server.js';
import { FIRST_SOCKET_FD, FORWARDER_SCRIPT, PYTHON_FLAGS, type ServerSpec } from './server-spec.js';

/**
 * Serves RESPONSE (status line, headers, body) to every request on a connection (its head read up to the empty line;
 * a HEAD gets it up to the empty line), keeping the connection open like Apache (until `Connection: close`, or 5 s idle).
 */
const http =
  (response: Buffer) =>
  (c: net.Socket): void => {
    const head = response.subarray(0, response.indexOf('\r\n\r\n') + 4);
    let buf = '';
    c.setTimeout(5000, () => c.end());
    c.on('error', () => {});
    c.on('data', (d) => {
      buf += d.toString('latin1');
      let end;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const req = buf.slice(0, end);
        buf = buf.slice(end + 4);
        c.write(req.startsWith('HEAD ') ? head : response);
        if (/^connection: *close/im.test(req)) {
          c.end();
          return;
        }
      }
    });
  };

/**
 * How the DNS server of namespace NS asks an upstream: through a Python process entered into NS (FORWARDER_SCRIPT),
 * started on the first forward and kept, which sends each query from a fresh socket there.
 */
function forwarderIn(python: string, ns: string): DnsService['askUpstream'] {
  let child: LineChild | undefined;
  return async (server, query) => {
    if (!child) {
      const { lineChild } = await import('../process.js');
      child ??= lineChild(['nsenter', `--net=/run/netns/${ns}`, python, ...PYTHON_FLAGS, FORWARDER_SCRIPT]);
    }
    const reply = await child.ask(`${server} ${query.toString('hex')}`);
    return reply ? Buffer.from(reply, 'hex') : undefined;
  };
}

function fail(e: Error): never {
  process.stderr.write(`tracelab-server: ${e.message}\n`);
  process.exit(1);
}

/**
 * ASK, one call at a time in the order of the calls: replies coming back in any other order than the queries came would
 * reorder what a client prints per reply (busybox nslookup prints its A and AAAA answers as they arrive).
 */
function inOrder<A extends unknown[], R>(ask: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (...args) => {
    const next = last.then(() => ask(...args));
    last = next.catch(() => undefined);
    return next;
  };
}

function serve(spec: ServerSpec): void {
  const dns: DnsService[] = spec.dns.map((d) => ({
    role: d.role,
    zone: JSON.parse(d.zone) as DnsZone,
    resolvConf: d.resolvConf,
    askUpstream: inOrder(forwarderIn(spec.python, d.ns)),
  }));
  let pending = spec.sockets.length;
  const bound = (): void => {
    if (--pending === 0) process.stdout.write('ready\n');
  };
  spec.sockets.forEach((s, i) => {
    const fd = FIRST_SOCKET_FD + i;
    const service = s.service;
    if (s.proto === 'tcp') {
      const server = net.createServer();
      server.on('error', fail);
      if (service.kind === 'dns') serveDnsTcp(dns[service.server]!, server);
      else server.on('connection', service.kind === 'http' ? http(Buffer.from(service.response, 'base64')) : (c: net.Socket) => c.destroy());
      server.listen({ fd, backlog: 511 }, bound);
    } else {
      const udp = dgram.createSocket('udp4');
      udp.on('error', fail);
      if (service.kind === 'dns') serveDnsUdp(dns[service.server]!, udp);
      else udp.on('message', () => {});
      udp.bind({ fd }, bound);
    }
  });
}

const [specFile] = process.argv.slice(2);
if (specFile === undefined) {
  process.stderr.write('usage: lab-server.js SPEC_FILE\n');
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGHUP', () => {});
serve(JSON.parse(readFileSync(specFile, 'utf8')) as ServerSpec);
