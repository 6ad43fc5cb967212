// The namespace lab's DNS servers, one process per namespace: CoreDNS in the CoreDNS pods (answering from the lab's
// zone, forwarding the rest to the first nameserver of its /etc/resolv.conf as `forward . /etc/resolv.conf` does)
// and the NAT engine's DNS. Both answer with sim/dns/responder.ts, as the simulator does, on UDP and TCP port 53.
//
// usage: node dns-server.js coredns|upstream ZONE_JSON [BIND_ADDRESS]; prints "ready" once bound, exits on SIGTERM.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Packet as DnsMessage } from 'dns-packet';
import { formatIp } from '../../topology/address.js';
import { parseResolvConf } from '../../sim/dns/lab-dns.js';
import { corednsAnswer, relayedReply, servfail, upstreamAnswer, type DnsZone } from '../../sim/dns/responder.js';
import { decode, encode } from '../../sim/dns/wire.js';

/** How long CoreDNS waits for the upstream before it answers SERVFAIL (the forward plugin's read timeout, ~2 s). */
const FORWARD_TIMEOUT_MS = 2000;

/** Sends QUERY to SERVER:53/udp from a fresh socket; undefined when nothing (valid) comes back in time. */
function askUpstream(server: string, query: DnsMessage): Promise<DnsMessage | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const done = (m: DnsMessage | undefined): void => {
      clearTimeout(timer);
      s.close();
      resolve(m);
    };
    const timer = setTimeout(() => done(undefined), FORWARD_TIMEOUT_MS);
    s.on('error', () => done(undefined));
    s.on('message', (buf) => {
      try {
        done(decode(buf));
      } catch {
        done(undefined);
      }
    });
    s.send(encode(query), 53, server);
  });
}

/** The reply to one query message, or undefined for one that does not parse (CoreDNS drops those). */
async function reply(role: string, zone: DnsZone, wire: Buffer): Promise<Buffer | undefined> {
  let query: DnsMessage;
  try {
    query = decode(wire);
  } catch {
    return undefined;
  }
  if (!query.questions?.length) return undefined;
  if (role === 'upstream') return encode(upstreamAnswer(zone, query));
  const decision = corednsAnswer(zone, query);
  if (decision.kind === 'answer') return encode(decision.reply);
  const upstream = parseResolvConf(readFileSync('/etc/resolv.conf', 'utf8')).nameservers[0];
  const got = upstream === undefined ? undefined : await askUpstream(formatIp(upstream), query);
  return encode(got ? relayedReply(query, got) : servfail(query));
}

function serve(role: string, zone: DnsZone, address: string): void {
  let pending = 2;
  const bound = (): void => {
    if (--pending === 0) process.stdout.write('ready\n');
  };
  const fail = (e: Error): void => {
    process.stderr.write(`tracelab-dns: ${e.message}\n`);
    process.exit(1);
  };
  const udp = dgram.createSocket('udp4');
  udp.on('error', fail);
  udp.on('message', (buf, peer) => {
    void reply(role, zone, buf).then((out) => out && udp.send(out, peer.port, peer.address));
  });
  udp.bind(53, address, bound);
  const tcp = net.createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('error', () => c.destroy());
    c.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void reply(role, zone, Buffer.from(msg)).then((out) => {
          if (!out) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          c.write(Buffer.concat([len, out]));
        });
      }
    });
  });
  tcp.on('error', fail);
  tcp.listen({ port: 53, host: address, backlog: 511 }, bound);
}

const [role, zoneJson, address = '0.0.0.0'] = process.argv.slice(2);
if ((role !== 'coredns' && role !== 'upstream') || zoneJson === undefined) {
  process.stderr.write('usage: dns-server.js coredns|upstream ZONE_JSON [BIND_ADDRESS]\n');
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGHUP', () => {});
serve(role, JSON.parse(zoneJson) as DnsZone, address);
