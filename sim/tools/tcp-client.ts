// A TCP/UDP client's session as curl, wget and nc see it: the host's address, connect() through the dataplane with
// the place's SYN retries, and the app behind the socket that accepted.
import { formatIp, parseIp } from '../../topology/address.js';
import type { Listener } from '../../topology/model.js';
import { mix } from '../packet.js';
import { connectSocket, synPolicyFrom, type SocketOutcome } from '../socket.js';
import type { ToolContext } from '../tool-context.js';
import { recordTrackedFlows } from './conntrack-flows.js';

/** A host argument's address, or why it has none (the resolver's error, as the tools word it themselves). */
export type HostLookup =
  | { readonly ok: true; readonly ip: number; readonly numeric: boolean; readonly elapsedMs: number }
  | { readonly ok: false; readonly error: 'NXDOMAIN' | 'NODATA' | 'TIMEOUT' | 'REFUSED'; readonly elapsedMs: number };

/** A numeric address as is; a name through the place's resolver (/etc/hosts, then DNS in simulated time). */
export function lookupHost(ctx: ToolContext, host: string): HostLookup {
  const numeric = parseIp(host) !== undefined;
  const r = ctx.lookup(host);
  if (!numeric) ctx.l4.lookups.push(r.ok ? { name: host, address: r.ip } : { name: host, error: r.error });
  return r.ok ? { ok: true, ip: r.ip, numeric, elapsedMs: r.elapsedMs } : r;
}

/** What a client got from connect(): the outcome and, once connected, the listener (and app) that accepted. */
export interface Session {
  readonly outcome: SocketOutcome;
  readonly listener?: Listener;
  readonly sport: number;
}

/** Whether a connected session's response stalled on the way back (an MTU black hole: its data never arrives). */
export function responseStalled(s: Session): boolean {
  return s.outcome.ok && s.outcome.result.responseArrived === false;
}

/** The ephemeral source port the kernel picks for a connection (deterministic in the simulator). */
export function ephemeralPort(ctx: ToolContext, ip: number, port: number): number {
  return 32768 + (mix(ip, port, ctx.nowMs()) % 28232);
}

/** connect() to IP:PORT from the tool's place, giving up after `timeoutMs` (the tool's own limit) if set. */
export function openSession(ctx: ToolContext, protocol: 'tcp' | 'udp', ip: number, port: number, timeoutMs?: number, appResponse?: 'full' | 'head', appRequest?: string): Session {
  const sport = ephemeralPort(ctx, ip, port);
  const policy = synPolicyFrom(ctx.sysctl('net.ipv4.tcp_syn_retries', '6'));
  const outcome = connectSocket(ctx, { protocol, dst: ip, dport: port, sport, policy, ...(appResponse ? { appResponse } : {}), ...(appRequest ? { appRequest } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  if (!outcome.ok) {
    ctx.l4.connections.push({ protocol, dst: ip, dport: port, outcome: outcome.errno, elapsedMs: outcome.elapsedMs, ...(outcome.callerTimeout ? { callerTimeout: true } : {}) });
    return { outcome, sport };
  }
  const at = outcome.result.at;
  const served = outcome.result.port ?? port;
  const listener = ctx.listener(at, protocol, served);
  const server = { device: at, port: served, ...(listener?.app ? { app: listener.app } : {}) };
  ctx.l4.connections.push({ protocol, dst: ip, dport: port, outcome: 'connected', elapsedMs: outcome.elapsedMs, server });
  // The client closes first (its FIN, then TIME-WAIT) when the server waits for it: an app that answers requests.
  // A bare listener closes at once (the server's TIME-WAIT; not kept), a stalled response is aborted.
  const finished = protocol === 'tcp' && outcome.result.responseArrived !== false;
  if (finished && listener?.app !== undefined) ctx.sockets.log.record({ device: ctx.device, src: outcome.src, sport, dst: ip, dport: port, closedAtMs: ctx.nowMs() });
  if (finished) recordTrackedFlows(ctx, outcome.result, { src: outcome.src, dst: ip, sport, dport: port });
  return { outcome, sport, ...(listener ? { listener } : {}) };
}

/** `HOST:PORT` as the tools print an IPv4 peer. */
export function peerText(ip: number, port: number): string {
  return `${formatIp(ip)}:${port}`;
}
