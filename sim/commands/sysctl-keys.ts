// The sysctls a device has (kernel 6.x defaults for the IPv4 keys the lab touches, per-interface conf.* trees) and
// the kernel's semantics when they are read or written: ip_forward rewrites every conf.*.forwarding, a new
// conf.default value reaches only interfaces that never had a key written nor an address added, integers only.
import type { DeviceState } from '../dataplane.js';

const GLOBAL_DEFAULTS: Readonly<Record<string, string>> = {
  'net.ipv4.icmp_echo_ignore_all': '0',
  'net.ipv4.icmp_echo_ignore_broadcasts': '1',
  'net.ipv4.icmp_errors_use_inbound_ifaddr': '0',
  'net.ipv4.icmp_ignore_bogus_error_responses': '1',
  'net.ipv4.icmp_msgs_burst': '50',
  'net.ipv4.icmp_msgs_per_sec': '1000',
  'net.ipv4.icmp_ratelimit': '1000',
  'net.ipv4.icmp_ratemask': '6168',
  'net.ipv4.ip_default_ttl': '64',
  'net.ipv4.ip_forward': '0',
  'net.ipv4.ip_forward_use_pmtu': '0',
  'net.ipv4.ip_no_pmtu_disc': '0',
  'net.ipv4.ip_nonlocal_bind': '0',
  'net.ipv4.route.min_pmtu': '552',
  'net.ipv4.route.mtu_expires': '600',
  'net.bridge.bridge-nf-call-arptables': '1',
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
};

/** conf.<all|default|dev>.* keys with the kernel's defaults (all differs for a few; lo has policy bypass). */
const CONF_DEFAULTS: Readonly<Record<string, string>> = {
  accept_local: '0', accept_redirects: '1', accept_source_route: '1', arp_accept: '0', arp_announce: '0',
  arp_evict_nocarrier: '1', arp_filter: '0', arp_ignore: '0', arp_notify: '0', bc_forwarding: '0', bootp_relay: '0',
  disable_policy: '0', disable_xfrm: '0', drop_gratuitous_arp: '0', drop_unicast_in_l2_multicast: '0',
  force_igmp_version: '0', forwarding: '0', igmpv2_unsolicited_report_interval: '10000',
  igmpv3_unsolicited_report_interval: '1000', ignore_routes_with_linkdown: '0', log_martians: '0', mc_forwarding: '0',
  medium_id: '0', promote_secondaries: '0', proxy_arp: '0', proxy_arp_pvlan: '0', route_localnet: '0', rp_filter: '0',
  secure_redirects: '1', send_redirects: '1', shared_media: '1', src_valid_mark: '0', tag: '0',
};
const ALL_OVERRIDES: Readonly<Record<string, string>> = { accept_redirects: '0', accept_source_route: '0' };
const LO_OVERRIDES: Readonly<Record<string, string>> = { disable_policy: '1', disable_xfrm: '1' };

/** Value ranges the kernel enforces (proc_dointvec_minmax); other keys take any integer. */
const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  'net.ipv4.ip_default_ttl': [1, 255],
  'net.ipv4.icmp_ratelimit': [0, 2147483],
  'net.ipv4.icmp_echo_ignore_all': [0, 1],
  'net.ipv4.icmp_echo_ignore_broadcasts': [0, 1],
  'net.ipv4.icmp_ignore_bogus_error_responses': [0, 1],
};

const CONF = /^net\.ipv4\.conf\.([^.]+)\.([a-z0-9_]+)$/;

/** Keys written on every interface when the labs come up (rp_filter: lab/netns/plan.ts), or never copied (forwarding). */
const PINNED_AT_BOOT: ReadonlySet<string> = new Set(['rp_filter', 'forwarding']);

/**
 * Whether an existing interface keeps its LEAF when conf.default is written. The kernel copies the new value to every
 * interface whose key was never set (devinet_copy_dflt_conf), but an address added by netlink (`ip addr add`, DHCP)
 * marks all of that interface's keys set (inet_rtm_newaddr -> ipv4_devconf_setall), as lo coming up does: so only
 * interfaces without addresses (a node's veth bridge ports) follow (kernel-checked, docs/neighbours.md).
 */
function keepsOwnConf(leaf: string, iface: { readonly kind: string; readonly addrs: readonly unknown[] }): boolean {
  return PINNED_AT_BOOT.has(leaf) || iface.kind === 'loopback' || iface.addrs.length > 0;
}

/** Every key the device has, sorted as sysctl lists them. */
export function sysctlKeys(s: DeviceState): string[] {
  const confDirs = ['all', 'default', ...s.ifaces.keys()].sort();
  const keys = [...Object.keys(GLOBAL_DEFAULTS), ...confDirs.flatMap((d) => Object.keys(CONF_DEFAULTS).map((k) => `net.ipv4.conf.${d}.${k}`))];
  return keys.sort();
}

export function sysctlExists(s: DeviceState, key: string): boolean {
  if (Object.hasOwn(GLOBAL_DEFAULTS, key)) return true;
  const m = CONF.exec(key);
  return m !== null && Object.hasOwn(CONF_DEFAULTS, m[2]!) && (m[1] === 'all' || m[1] === 'default' || s.ifaces.has(m[1]!));
}

/** The value the device's /proc/sys file holds (the key must exist). */
export function readSysctl(s: DeviceState, key: string): string {
  const stored = s.sysctls.get(key);
  if (stored !== undefined) return stored;
  const m = CONF.exec(key);
  if (!m) return GLOBAL_DEFAULTS[key] ?? '0';
  const [, dir, leaf] = m as unknown as [string, string, string];
  if (leaf === 'forwarding') return readSysctl(s, 'net.ipv4.ip_forward');
  if (dir === 'all') return ALL_OVERRIDES[leaf] ?? CONF_DEFAULTS[leaf]!;
  if (dir === 'lo' && LO_OVERRIDES[leaf] !== undefined) return LO_OVERRIDES[leaf];
  // An interface whose key was never written follows conf.default (devinet_copy_dflt_conf(); see keepsOwnConf).
  if (dir !== 'default') return readSysctl(s, `net.ipv4.conf.default.${leaf}`);
  return CONF_DEFAULTS[leaf]!;
}

/** Writes a value as the kernel would; returns the errno text when it refuses ("Invalid argument"). */
export function writeSysctl(s: DeviceState, key: string, value: string): string | undefined {
  const text = value.trim();
  if (!/^-?\d+$/.test(text)) return 'Invalid argument';
  const n = Number(text);
  const range = RANGES[key];
  if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648 || (range && (n < range[0] || n > range[1]))) return 'Invalid argument';
  // icmp_ratelimit is kept in jiffies (HZ=250 on Debian kernels): it reads back rounded up to 4 ms.
  const normal = key === 'net.ipv4.icmp_ratelimit' ? String(Math.ceil(n / 4) * 4) : String(n);
  const m = CONF.exec(key);
  if (key === 'net.ipv4.ip_forward' || key === 'net.ipv4.conf.all.forwarding') {
    // inet_forward_change(), only when the value changes: every interface's (and default's) forwarding follows.
    if (readSysctl(s, 'net.ipv4.ip_forward') === normal) return undefined;
    for (const k of [...s.sysctls.keys()]) if (/^net\.ipv4\.conf\.[^.]+\.forwarding$/.test(k)) s.sysctls.delete(k);
    s.sysctls.set('net.ipv4.ip_forward', normal);
    return undefined;
  }
  if (m && m[1] === 'default') {
    // Interfaces that keep their value: see keepsOwnConf.
    for (const [dev, iface] of s.ifaces) {
      const devKey = `net.ipv4.conf.${dev}.${m[2]}`;
      if (!s.sysctls.has(devKey) && keepsOwnConf(m[2]!, iface)) s.sysctls.set(devKey, readSysctl(s, devKey));
    }
  }
  s.sysctls.set(key, normal);
  return undefined;
}

/** `/proc/sys/net/ipv4/ip_forward` -> `net.ipv4.ip_forward` (undefined when the path is not under /proc/sys). */
export function keyOfPath(path: string): string | undefined {
  const m = /^\/proc\/sys\/(.+)$/.exec(path.replace(/\/+/g, '/'));
  return m ? m[1]!.replace(/\/$/, '').replace(/\//g, '.') : undefined;
}

export function pathOfKey(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}
