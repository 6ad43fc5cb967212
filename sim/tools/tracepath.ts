// iputils tracepath (20221126): DF probes, path-MTU discovery, the socket's error queue in time, and tracepath's restart logic.
import { formatIp } from '../../topology/address.js';
import type { CommandResult, ProbeResult, Reply, TraceRecord } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';
import { getopt } from './getopt.js';
import { sendRefused } from './hop-loop.js';
import { IPUTILS_VERSION } from './ping.js';

const USAGE = `
Usage
  tracepath [options] <destination>

Options:
  -4             use IPv4
  -6             use IPv6
  -b             print both name and ip
  -l <length>    use packet <length>
  -m <hops>      use maximum <hops>
  -n             no dns name resolution
  -p <port>      use destination <port>
  -V             print version and exit
  <destination>  dns name or ip address

For more details see tracepath(8).
`;

const HOST_COLUMN_SIZE = 52;
const OVERHEAD = 28;
const DEFAULT_MTU = 65535;
const DEFAULT_BASEPORT = 44444;
const MAX_PROBES = 10;
/** data_wait(): how long tracepath waits for an answer to one probe. */
const DATA_WAIT_MS = 1000;
/** Answers that come back as data on the socket rather than as an error. */
const ANSWERS: ReadonlySet<Reply['kind']> = new Set(['udp', 'echo-reply', 'tcp-synack', 'tcp-rst']);
/** Source port of the simulated tracepath socket. */
const SOURCE_PORT = 45678;

/** The errno the kernel's icmp_err_convert gives an ICMP destination-unreachable code. */
const UNREACH_ERRNO: readonly string[] = [
  'ENETUNREACH', 'EHOSTUNREACH', 'ENOPROTOOPT', 'ECONNREFUSED', 'EMSGSIZE', 'EOPNOTSUPP', 'ENETUNREACH', 'EHOSTDOWN',
  'ENONET', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH',
];

const STRERROR: Readonly<Record<string, string>> = {
  ENOPROTOOPT: 'Protocol not available',
  EOPNOTSUPP: 'Operation not supported',
  EHOSTDOWN: 'Host is down',
  ENONET: 'Machine is not on the network',
};

interface Options {
  readonly target: string;
  readonly numeric: boolean;
  readonly both: boolean;
  readonly mtu: number;
  readonly maxHops: number;
  readonly basePort?: number;
}

const failure = (stderr: string, exitCode: number): CommandResult => ({ stdout: '', stderr, exitCode });

/** strtol_or_err() as iputils words its errors. */
function integerArg(text: string, min: number, max: number): number | CommandResult {
  if (!/^\s*[+-]?\d+$/.test(text)) return failure(`tracepath: invalid argument: '${text}'\n`, 1);
  const n = Number(text);
  if (n < min || n > max) return failure(`tracepath: invalid argument: '${text}': out of range: ${min} <= value <= ${max}\n`, 1);
  return n;
}

function parse(args: readonly string[]): Options | CommandResult {
  const opts = getopt(args, '46nbh?l:m:p:V');
  if (!opts.ok) return failure(`tracepath: ${opts.message}\n${USAGE}`, 255);
  let numeric = false;
  let both = false;
  let mtu = 0;
  let maxHops = 30;
  let basePort: number | undefined;
  for (const o of opts.options) {
    if (o.key === 'n') numeric = true;
    else if (o.key === 'b') both = true;
    else if (o.key === 'V') return { stdout: `tracepath from ${IPUTILS_VERSION}`, stderr: '', exitCode: 0 };
    else if (o.key === 'h' || o.key === '?') return failure(USAGE, 255);
    else if (o.key === 'l' || o.key === 'm' || o.key === 'p') {
      const n = integerArg(o.value ?? '', 0, o.key === 'l' ? 2147483647 : o.key === 'm' ? 255 : 65535);
      if (typeof n !== 'number') return n;
      if (o.key === 'l') mtu = n;
      else if (o.key === 'm') maxHops = n;
      else basePort = n;
    }
  }
  if (opts.operands.length !== 1) return failure(USAGE, 255);
  let target = opts.operands[0]!;
  if (!basePort) {
    const slash = target.indexOf('/');
    if (slash >= 0) {
      const port = integerArg(target.slice(slash + 1), 0, 65535);
      if (typeof port !== 'number') return port;
      basePort = port;
      target = target.slice(0, slash);
    }
  }
  return { target, numeric, both, mtu: mtu || DEFAULT_MTU, maxHops, basePort };
}

/** An entry of the socket's error queue (or a datagram that came back), due at `at` ms into the run. */
interface Queued {
  readonly at: number;
  /** TTL of the probe it answers (tracepath reads it back from the quoted payload). */
  readonly ttl: number;
  readonly reply?: Reply;
  /** A local EMSGSIZE from sendto(): the route's MTU. */
  readonly localMtu?: number;
}

/** The run's state, as tracepath's struct run_state, plus the socket's queue and the simulated clock. */
class Run {
  out = '';
  stderr = '';
  mtu: number;
  hisptr = 0;
  hopsTo = -1;
  hopsFrom = -1;
  learnedMtu = Infinity;
  probeSeq = 0;
  now = 0;
  readonly queue: Queued[] = [];
  readonly hops = new Map<number, ProbeResult[]>();

  constructor(readonly ctx: ToolContext, readonly o: Options, readonly dst: number) {
    this.mtu = o.mtu;
  }

  host(address: number): string {
    const ip = formatIp(address);
    const name = this.ctx.reverse(address) ?? ip;
    const [a, b] = this.o.numeric ? [ip, name] : [name, ip];
    const text = this.o.both ? `${a} (${b})` : a;
    const plen = Math.min(text.length, HOST_COLUMN_SIZE - 1);
    return text + ' '.repeat(HOST_COLUMN_SIZE - plen);
  }

  /** Moves the run's (and the simulator's) clock forward. */
  advanceTo(t: number): void {
    if (t > this.now) {
      this.ctx.wait(t - this.now);
      this.now = t;
    }
  }

  /** data_wait(): up to a second, less when something arrives. */
  dataWait(): void {
    const next = Math.min(...this.queue.map((q) => q.at));
    this.advanceTo(Math.min(this.now + DATA_WAIT_MS, next));
  }

  /** recverr(): handles what is due in the queue; 0 ends the trace, > 0 is progress (the MTU), -1 nothing came. */
  recverr(): number {
    let progress = -1;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      if (this.queue.length === 0 || this.queue[0]!.at > this.now) return progress;
      const q = this.queue.shift()!;
      progress = this.mtu;
      const ret = q.reply ? this.icmpError(q.ttl, q.reply) : this.localError(q.ttl, q.localMtu!);
      if (ret === 0) return 0;
      progress = ret;
    }
  }

  localError(ttl: number, mtu: number): number {
    this.out += `${String(ttl).padStart(2)}?: ${'[LOCALHOST]'.padEnd(32)} pmtu ${mtu}\n`;
    this.mtu = mtu;
    return mtu;
  }

  /** One ICMP error (or the kernel's own host unreachable) about the probe sent with `ttl`. */
  icmpError(ttl: number, reply: Reply): number {
    const us = Math.round(reply.rttMs * 1000);
    this.out += `${String(ttl).padStart(2)}:  ${this.host(reply.from)}${String(Math.trunc(us / 1000)).padStart(3)}.${String(us % 1000).padStart(3, '0')}ms `;
    const rethops = reply.ttl <= 64 ? 65 - reply.ttl : reply.ttl <= 128 ? 129 - reply.ttl : 256 - reply.ttl;
    const errno = reply.kind === 'time-exceeded' ? 'EHOSTUNREACH' : UNREACH_ERRNO[reply.code ?? 0] ?? 'EHOSTUNREACH';
    if (reply.kind === 'time-exceeded') {
      if (rethops !== ttl) this.out += `asymm ${String(rethops).padStart(2)} `;
      this.out += '\n';
      return this.mtu;
    }
    if (errno === 'EMSGSIZE') {
      this.out += `pmtu ${reply.mtu ?? 0}\n`;
      this.mtu = reply.mtu ?? 0;
      this.learnedMtu = Math.min(this.learnedMtu, this.mtu);
      return this.mtu;
    }
    if (errno === 'ECONNREFUSED') {
      this.out += 'reached\n';
      this.hopsTo = ttl;
      this.hopsFrom = rethops;
      return 0;
    }
    if (errno === 'EHOSTUNREACH') this.out += '!H\n';
    else if (errno === 'ENETUNREACH') this.out += '!N\n';
    else {
      this.out += '\n';
      this.stderr += `tracepath: NET ERROR: ${STRERROR[errno] ?? errno}\n`;
    }
    return 0;
  }

  /** probe_ttl(): one probe at `ttl`, resent while sendto() fails with a local path-MTU error. */
  probeTtl(ttl: number, port: number): number {
    for (let i = 0; i < MAX_PROBES; i++) {
      const route = this.ctx.sourceRoute(this.dst);
      const pathMtu = route.ok ? Math.min(route.mtu, route.pmtu ?? Infinity, this.learnedMtu) : Infinity;
      if (route.ok && this.mtu <= pathMtu) {
        const result = this.ctx.probe({ protocol: 'udp', dst: this.dst, dport: (port + this.hisptr) & 0xffff, sport: SOURCE_PORT, ttl, length: this.mtu, df: true, seq: this.probeSeq++ });
        // Our own OUTPUT chain refused it: sendto() failed (EPERM) and nothing is queued (kernel-checked).
        if (sendRefused(result, this.ctx.device)) {
          const res = this.recverr();
          if (res === 0) return 0;
          if (res > 0) i = -1;
          continue;
        }
        this.hisptr = (this.hisptr + 1) & 63;
        const list = this.hops.get(ttl) ?? [];
        list.push(result);
        this.hops.set(ttl, list);
        if (result.reply) this.queue.push({ at: this.now + result.reply.rttMs, ttl, reply: result.reply });
        this.dataWait();
        const data = this.queue.findIndex((q) => q.at <= this.now && q.reply !== undefined && ANSWERS.has(q.reply.kind));
        if (data >= 0) {
          this.queue.splice(data, 1);
          this.out += `${String(ttl).padStart(2)}?: reply received 8)\n`;
          return 0;
        }
        return this.recverr();
      }
      // sendto() fails: with EMSGSIZE a local error carrying the route's MTU is queued; a route error queues nothing.
      if (route.ok) this.queue.push({ at: this.now, ttl, localMtu: pathMtu });
      const res = this.recverr();
      if (res === 0) return 0;
      if (res > 0) i = -1;
    }
    this.out += `${String(ttl).padStart(2)}:  send failed\n`;
    return 0;
  }

  /** main()'s hop loop, then the Resume: line. */
  trace(port: number): void {
    for (let ttl = 1; ttl <= this.o.maxHops; ttl++) {
      let res = -1;
      for (let i = 0; i < 3; i++) {
        const oldMtu = this.mtu;
        res = this.probeTtl(ttl, port);
        if (this.mtu !== oldMtu) {
          i = -1;
          continue;
        }
        if (res === 0) return this.resume();
        if (res > 0) break;
      }
      if (res < 0) this.out += `${String(ttl).padStart(2)}:  no reply\n`;
    }
    this.out += `     Too many hops: pmtu ${this.mtu}\n`;
    this.resume();
  }

  resume(): void {
    this.out += `     Resume: pmtu ${this.mtu} `;
    if (this.hopsTo >= 0) this.out += `hops ${this.hopsTo} `;
    if (this.hopsFrom >= 0) this.out += `back ${this.hopsFrom} `;
    this.out += '\n';
  }

  record(): TraceRecord {
    const ttls = [...this.hops.keys()].sort((a, b) => a - b);
    return {
      tool: 'tracepath',
      target: { name: this.o.target, ip: this.dst },
      protocol: 'udp',
      firstHop: 1,
      maxHops: this.o.maxHops,
      probesPerHop: 1,
      packetLength: this.mtu,
      hops: ttls.map((ttl) => ({ ttl, probes: this.hops.get(ttl)! })),
      reached: this.hopsTo >= 0,
    };
  }
}

/** iputils tracepath. */
export function tracepath(args: readonly string[], ctx: ToolContext): CommandResult {
  const o = parse(args);
  if ('exitCode' in o) return o;
  const found = ctx.lookup(o.target);
  if (!found.ok) return failure(`tracepath: ${o.target}: ${found.message}\n`, 1);
  const dst = found.ip;
  if (o.mtu <= OVERHEAD) return failure(`tracepath: pktlen must be within: ${OVERHEAD} < value <= 2147483647\n`, 1);
  const run = new Run(ctx, o, dst);
  run.trace(o.basePort ?? DEFAULT_BASEPORT);
  return { stdout: run.out, stderr: run.stderr, exitCode: 0, traces: [run.record()] };
}
