// `ss -s` (iproute2 6.1 misc/ss.c print_summary): the place's socket counts as /proc/net/sockstat and /proc/net/snmp
// give them. Per network namespace: Total (sockets: used), the hashed TCP/UDP sockets, CurrEstab and TIME-WAIT; the
// TCP line's total and `closed` come from the kernel-wide `alloc` (all namespaces of the host) and `orphaned` is
// kernel-wide too, so compared outputs mask those three (mask-sockets.ts). The simulator takes the place as the only
// sockets of its kernel (alloc = its hashed TCP sockets), which is what a lone VM would show.
import type { ToolContext } from '../tool-context.js';

/** The counts print_summary prints (IPv6 sockets: none in the lab's model). */
export interface SocketSummary {
  readonly tcpHashed: number;
  readonly udp: number;
  readonly timeWait: number;
  readonly established: number;
}

/** The place's sockets: its listeners (TCP LISTEN, UDP UNCONN) and its clients' sockets in TIME-WAIT. */
export function socketSummary(ctx: ToolContext): SocketSummary {
  const listeners = ctx.sockets.listeners();
  return {
    tcpHashed: listeners.filter((l) => l.protocol === 'tcp').length,
    udp: listeners.filter((l) => l.protocol === 'udp').length,
    timeWait: ctx.sockets.log.timeWait(ctx.device, ctx.nowMs()).length,
    established: 0,
  };
}

/** One row of the transport table: `%-9d %-9d %-9d` after a tab and two spaces (trailing padding included). */
const row = (name: string, v4: number, v6: number): string =>
  `${name}\t  ${String(v4 + v6).padEnd(9)} ${String(v4).padEnd(9)} ${String(v6).padEnd(9)}\n`;

/** print_summary's text for S. */
export function summaryText(s: SocketSummary): string {
  const alloc = s.tcpHashed;
  const inet = s.tcpHashed + s.udp;
  return `Total: ${inet}\n`
    + `TCP:   ${alloc + s.timeWait} (estab ${s.established}, closed ${alloc - (s.tcpHashed - s.timeWait)}, orphaned 0, timewait ${s.timeWait})\n`
    + '\n'
    + 'Transport Total     IP        IPv6\n'
    + row('RAW', 0, 0)
    + row('UDP', s.udp, 0)
    + row('TCP', s.tcpHashed, 0)
    + row('INET', inet, 0)
    + row('FRAG', 0, 0)
    + '\n';
}
