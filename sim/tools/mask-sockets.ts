// Masks what differs run to run in socket and flow tables (ss, conntrack -L): the kernel lists them in hash order (a
// per-namespace random seed), the client's ephemeral ports are random, conntrack's timeouts count down, and ss -p
// names the process that owns a socket (node processes in the namespace lab).
import { MASK } from './mask.js';

/** An ss row: optional Netid, a state, the queues, local and peer ADDR:PORT (misc/ss.c sstate_name). */
const SS_ROW = /^(?:(?:tcp|udp) +)?(?:LISTEN|UNCONN|ESTAB|TIME-WAIT|SYN-SENT|SYN-RECV|FIN-WAIT-1|FIN-WAIT-2|CLOSE-WAIT|LAST-ACK|CLOSING) +\d+ +\d+ +\S+:\S+ +\S+:\S+/;
/** ss's header line. */
const SS_HEADER = /^(?:Netid +)?State +Recv-Q Send-Q +Local Address:Port +Peer Address:Port ?Process/;
/** A connected socket's local port (ephemeral, random): the field after the local address. */
const SS_LOCAL_PORT = /^((?:(?:tcp|udp) +)?(?!LISTEN|UNCONN)\S+ +\d+ +\d+ +\S+:)\d+/;
/** ss -p's owner field: `users:(("node",pid=547,fd=20))`. */
const SS_USERS = / users:\(\(.*\)\)/;

/** A conntrack -L line (`-o extended` adds `ipv4     2 `): protocol, number, seconds left. */
const CT_LINE = /^((?:ipv4 {5}2 )?(?:tcp|udp|icmp|unknown|sctp|dccp|gre|udplite) +\d+ )\d+ (?=.* src=)/;
/** The client's port in a flow: the original tuple's sport, the reply tuple's dport (ephemeral, or MASQUERADE
 * --random-fully's pick); the server's ports stay. */
const CT_CLIENT_PORTS = /^(.*? sport=)\d+( .*? src=.*? dport=)\d+/;

/** ss -s's TCP line: the total and `closed` count the kernel's TCP sockets of every namespace (sockstat `alloc`), and
 * `orphaned` is kernel-wide too; estab and timewait are the namespace's own. */
const SS_SUMMARY_TCP = /^(TCP: {3})\d+( \(estab \d+, closed )\d+(, orphaned )\d+(, timewait \d+\))$/;
/** ss -s's first line: every socket of the namespace (sockstat `sockets: used`), netlink ones included, and a socket
 * the previous command closed is freed only after an RCU grace period: `Total: 1` where a moment later it is 0 (seen in
 * a fresh-clone run after `conntrack -L` in the same namespace). */
const SS_SUMMARY_TOTAL = /^(Total: )\d+$/;

function maskSsRow(line: string): string {
  return line.replace(SS_USERS, ` users:(${MASK})`).replace(SS_LOCAL_PORT, `$1${MASK}`).trimEnd();
}

/** An ICMP flow's echo identifier (the pinging process's choice). */
const CT_ICMP_ID = / id=\d+/g;

function maskCtLine(line: string): string {
  return line.replace(CT_LINE, `$1${MASK} `).replace(CT_CLIENT_PORTS, `$1${MASK}$2${MASK}`).replace(CT_ICMP_ID, ` id=${MASK}`);
}

/** Runs of lines KIND accepts, masked by MASKED and sorted (hash order is not an order). */
function sortRuns(lines: readonly string[], kind: RegExp, masked: (l: string) => string): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    out.push(...run.sort());
    run = [];
  };
  for (const line of lines) {
    if (kind.test(line)) run.push(masked(line));
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
}

/** LINES with ss tables and conntrack listings masked: rows sorted, ports, owners, timeouts and padding masked. */
export function maskSocketTables(lines: readonly string[]): string[] {
  const ss = lines.map((l) => (SS_HEADER.test(l) ? l.trimEnd() : l.replace(SS_SUMMARY_TCP, `$1${MASK}$2${MASK}$3${MASK}$4`).replace(SS_SUMMARY_TOTAL, `$1${MASK}`)));
  return sortRuns(sortRuns(ss, SS_ROW, maskSsRow), CT_LINE, maskCtLine);
}
