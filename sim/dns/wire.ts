// DNS messages on the wire: dns-packet's encoder and decoder, and the query a client builds (id, flags, EDNS cookie).
import { createRequire } from 'node:module';
import type DnsPacketLibrary from 'dns-packet';
import type { Packet as DnsMessage, RecordType } from 'dns-packet';

let library: typeof DnsPacketLibrary | undefined;

/** dns-packet, loaded on the first message encoded or decoded (about 13 ms a CLI run that sends none would pay). */
function dnsPacket(): typeof DnsPacketLibrary {
  return (library ??= createRequire(import.meta.url)('dns-packet') as typeof DnsPacketLibrary);
}

/** The RD flag (dns-packet's RECURSION_DESIRED, spelled out so that loading this module does not load the library). */
export const RD_FLAG = 1 << 8;

/** The bytes a message takes uncompressed (dns-packet never compresses; CoreDNS sends replies that fit uncompressed). */
export function encodedLength(m: DnsMessage): number {
  return dnsPacket().encodingLength(m);
}

export function encode(m: DnsMessage): Buffer {
  return dnsPacket().encode(m);
}

export function decode(b: Buffer): DnsMessage {
  return dnsPacket().decode(b);
}

export interface QueryOptions {
  readonly id: number;
  /** EDNS0 with this UDP size (dig: 1232), and a client cookie (8 bytes) when given. */
  readonly edns?: { readonly udpSize: number; readonly cookie?: Buffer };
  readonly recursion?: boolean;
}

/** A query for NAME (no trailing dot) of TYPE, as a stub resolver or dig sends it. */
export function buildQuery(name: string, type: RecordType, o: QueryOptions): DnsMessage {
  const additionals: DnsMessage['additionals'] = o.edns
    ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns.udpSize, extendedRcode: 0, ednsVersion: 0, flags: 0, options: o.edns.cookie ? [{ code: 10, data: o.edns.cookie }] : [] } as never]
    : [];
  return { id: o.id, type: 'query', flags: o.recursion === false ? 0 : RD_FLAG, questions: [{ type, name, class: 'IN' }], answers: [], authorities: [], additionals };
}
