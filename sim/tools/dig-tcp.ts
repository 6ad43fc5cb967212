// dig +tcp: the query over a TCP connection to SERVER:53 through the dataplane (kube-proxy's dns-tcp rules, CoreDNS's
// tcp/53 listener). BIND 9.18 words a failed connection per try, on stdout: `;; Connection to S#53(S) for NAME failed:
// WHY.` and `;; no servers could be reached` (kernel-checked: RST -> connection refused, silence -> timed out).
import type { Packet as DnsMessage } from 'dns-packet';
import { formatIp } from '../../topology/address.js';
import type { SocketErrno } from '../socket.js';
import type { ToolContext } from '../tool-context.js';
import { recordAnswer, type BindAnswer } from './bind-query.js';
import { openSession } from './tcp-client.js';

/** isc_result_totext of the connect's result. [ASSUMED: unreachable wording; refused and timed out are kernel-checked.] */
function whyText(errno: SocketErrno, callerTimeout: boolean): string {
  if (callerTimeout || errno === 'ETIMEDOUT') return 'timed out';
  if (errno === 'ECONNREFUSED') return 'connection refused';
  return errno === 'ENETUNREACH' ? 'network unreachable' : 'host unreachable';
}

/** QUERY for NAME to SERVER over TCP, up to TRIES connections of TIMEOUTS seconds each. */
export function tcpSend(ctx: ToolContext, server: number, name: string, query: DnsMessage, tries: number, timeoutS: number): BindAnswer {
  const errors: string[] = [];
  const who = `${formatIp(server)}#53(${formatIp(server)})`;
  for (let t = 0; t < tries; t++) {
    const start = ctx.nowMs();
    const s = openSession(ctx, 'tcp', server, 53, timeoutS * 1000);
    if (s.outcome.ok && s.listener?.app === 'dns') {
      const reply = ctx.dns.replyAt(s.outcome.result.at, query);
      recordAnswer(ctx, server, reply);
      return { ok: true, reply, rttMs: ctx.nowMs() - start, errors };
    }
    // A listener that is no DNS server closes without a reply: dig reads end of file. [ASSUMED wording]
    const why = s.outcome.ok ? 'end of file' : whyText(s.outcome.errno, s.outcome.callerTimeout === true);
    errors.push(`;; Connection to ${who} for ${name} failed: ${why}.\n;; no servers could be reached\n`);
  }
  return { ok: false, errors };
}
