// The ICMP type names of iptables' icmp match (`iptables -p icmp --help`), and how a type is printed by -S and -L.

/** A type, optionally with a code; type 255 is `any`. */
export interface IcmpType {
  readonly type: number;
  readonly code?: number;
}

const NAMES: Readonly<Record<string, IcmpType>> = {
  any: { type: 255 }, 'echo-reply': { type: 0 }, pong: { type: 0 }, 'destination-unreachable': { type: 3 },
  'network-unreachable': { type: 3, code: 0 }, 'host-unreachable': { type: 3, code: 1 }, 'protocol-unreachable': { type: 3, code: 2 },
  'port-unreachable': { type: 3, code: 3 }, 'fragmentation-needed': { type: 3, code: 4 }, 'source-route-failed': { type: 3, code: 5 },
  'network-unknown': { type: 3, code: 6 }, 'host-unknown': { type: 3, code: 7 }, 'network-prohibited': { type: 3, code: 9 },
  'host-prohibited': { type: 3, code: 10 }, 'TOS-network-unreachable': { type: 3, code: 11 }, 'TOS-host-unreachable': { type: 3, code: 12 },
  'communication-prohibited': { type: 3, code: 13 }, 'host-precedence-violation': { type: 3, code: 14 }, 'precedence-cutoff': { type: 3, code: 15 },
  'source-quench': { type: 4 }, redirect: { type: 5 }, 'network-redirect': { type: 5, code: 0 }, 'host-redirect': { type: 5, code: 1 },
  'TOS-network-redirect': { type: 5, code: 2 }, 'TOS-host-redirect': { type: 5, code: 3 }, 'echo-request': { type: 8 }, ping: { type: 8 },
  'router-advertisement': { type: 9 }, 'router-solicitation': { type: 10 }, 'time-exceeded': { type: 11 }, 'ttl-exceeded': { type: 11 },
  'ttl-zero-during-transit': { type: 11, code: 0 }, 'ttl-zero-during-reassembly': { type: 11, code: 1 }, 'parameter-problem': { type: 12 },
  'ip-header-bad': { type: 12, code: 0 }, 'required-option-missing': { type: 12, code: 1 }, 'timestamp-request': { type: 13 },
  'timestamp-reply': { type: 14 }, 'address-mask-request': { type: 17 }, 'address-mask-reply': { type: 18 },
};

/**
 * `echo-request` (or any unambiguous prefix of a name, in any case, as xtables takes it), `8` or `3/3`; else the
 * error iptables prints (kernel-checked: `echo` is ambiguous between echo-reply and echo-request).
 */
export function parseIcmpType(text: string): IcmpType | { readonly error: string } {
  const names = Object.keys(NAMES).filter((n) => n.toLowerCase().startsWith(text.toLowerCase()));
  if (names.length > 1) return { error: `Ambiguous ICMP type \`${text}': \`${names[0]}' or \`${names[1]}'?` };
  if (names.length === 1) return NAMES[names[0]!]!;
  const m = /^(\d{1,3})(?:\/(\d+))?$/.exec(text);
  if (!m || Number(m[1]) > 255) return { error: `Unknown ICMP type \`${text}'` };
  if (m[2] !== undefined && Number(m[2]) > 255) return { error: `Unknown ICMP code \`${text}'` };
  return m[2] === undefined ? { type: Number(m[1]) } : { type: Number(m[1]), code: Number(m[2]) };
}

/** iptables -S: `any`, `8`, `3/3` (kernel-checked). */
export function icmpTypeSaveText(t: IcmpType): string {
  if (t.type === 255) return 'any';
  return t.code === undefined ? String(t.type) : `${t.type}/${t.code}`;
}

/** iptables -L: `icmptype 255`, `icmptype 3 code 3` (kernel-checked). */
export function icmpTypeListText(t: IcmpType): string {
  return `icmptype ${t.type}${t.code === undefined ? '' : ` code ${t.code}`}`;
}

/** Whether an ICMP message of TYPE/CODE matches (type 255 matches every type). */
export function icmpTypeMatches(t: IcmpType, type: number | undefined, code: number | undefined): boolean {
  if (t.type === 255) return true;
  return type === t.type && (t.code === undefined || code === t.code);
}
