// The namespace lab's DNS servers, served by the lab server (lab-server.ts) on sockets made in their namespaces:
// CoreDNS in the CoreDNS pods (answering from the lab's zone, forwarding the rest to the first nameserver of its
// /etc/resolv.conf as `forward . /etc/resolv.conf` does) and the NAT engine's DNS. Both answer with
// sim/dns/responder.ts, as the simulator does, on UDP and TCP port 53.
import type dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import type { Packet as DnsMessage } from 'dns-packet';
import { formatIp } from '../../topology/address.js';
import { parseResolvConf } from '../../sim/dns/lab-dns.js';
import { corednsAnswer, relayedReply, servfail, upstreamAnswer, type DnsZone } from '../../sim/dns/responder.js';
import { decode, encode } from '../../sim/dns/wire.js';

/** One DNS server: its role, the lab's zone, its /etc/resolv.conf, and how it asks an upstream from its namespace. */
export interface DnsService {
  readonly role: 'coredns' | 'upstream';
  readonly zone: DnsZone;
  /** The server's /etc/resolv.conf (what `ip netns exec` would mount over /etc/resolv.conf). */
  readonly resolvConf: string;
  /** Sends the query's bytes to SERVER:53/udp from a fresh socket in the server's namespace; the first datagram back. */
  readonly askUpstream: (server: string, query: Buffer) => Promise<Buffer | undefined>;
}

/** The reply to one query message, or undefined for one that does not parse (CoreDNS drops those). */
async function reply(service: DnsService, wire: Buffer): Promise<Buffer | undefined> {
  let query: DnsMessage;
  try {
    query = decode(wire);
  } catch {
    return undefined;
  }
  if (!query.questions?.length) return undefined;
  if (service.role === 'upstream') return encode(upstreamAnswer(service.zone, query));
  const decision = corednsAnswer(service.zone, query);
  if (decision.kind === 'answer') return encode(decision.reply);
  const upstream = parseResolvConf(readFileSync(service.resolvConf, 'utf8')).nameservers[0];
  const back = upstream === undefined ? undefined : await service.askUpstream(formatIp(upstream), Buffer.from(encode(query)));
  let got: DnsMessage | undefined;
  try {
    got = back && decode(back);
  } catch {
    got = undefined;
  }
  return encode(got ? relayedReply(query, got) : servfail(query));
}

/** Answers every query on UDP. */
export function serveDnsUdp(service: DnsService, udp: dgram.Socket): void {
  udp.on('message', (buf, peer) => {
    void reply(service, buf).then((out) => out && udp.send(out, peer.port, peer.address));
  });
}

/** Answers every length-prefixed query on each TCP connection. */
export function serveDnsTcp(service: DnsService, tcp: net.Server): void {
  tcp.on('connection', (c) => {
    let buf = Buffer.alloc(0);
    c.on('error', () => c.destroy());
    c.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void reply(service, Buffer.from(msg)).then((out) => {
          if (!out) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          c.write(Buffer.concat([len, out]));
        });
      }
    });
  });
}
