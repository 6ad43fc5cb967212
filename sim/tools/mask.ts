// Masks the millisecond figures of every probe tool's output (and the route cache's seconds left, dig's id, cookie
// and clock, curl's progress meter, the HTTP Date header, ss's and conntrack's ephemeral ports, owners, timeouts and
// row order, tcpdump's times, ports, sequence numbers and ids, nothing else) so outputs compare byte for byte;
// maskForComparison also masks an interface listing's backend fields (mask-listing.ts), netstat -s's
// background-dependent receive counters (mask-counters.ts) and, for probes marked as
// version-dependent (version-marks.ts: dig's version, musl's resolver wording), what differs by build.

import { maskCounters } from './mask-counters.js';
import { maskInterfaceListing } from './mask-listing.js';
import { maskSocketTables } from './mask-sockets.js';
import { maskVersionLine } from './version-marks.js';

/** The token that replaces a time figure. */
export const MASK = '#';

const NUM = String.raw`(?<![\d.])\d+\.\d+`;
/** traceroute, busybox traceroute, tcptraceroute: `  0.755 ms`; ping: `time=0.060 ms`. */
const MS_FIGURE = new RegExp(`${NUM} ms\\b`, 'g');
/** tracepath: the figure is padded with `%3ld.%03ldms`, so the padding goes with it. */
const TRACEPATH_MS = new RegExp(String.raw` *${NUM}ms\b`, 'g');
/** ping summaries: `rtt min/avg/max/mdev = a/b/c/d ms`, busybox `round-trip min/avg/max = a/b/c ms`. */
const PING_RTT = /^((?:rtt|round-trip) min\/avg\/max(?:\/mdev)? = )[\d./]+( ms)$/;
/** ping's per-reply time at 100 ms and more has no decimals: `time=3050 ms`. */
const PING_WHOLE_MS = /\btime=\d+ ms\b/g;
/** ping's `time 405ms` on the statistics line. */
const PING_TOTAL = /(, time )\d+ms$/;
/** mtr --report rows: the five time columns (Last Avg Best Wrst StDev) after Loss% and Snt. */
const MTR_ROW = /^( +\d+\.\|-- .*? +(?:\d+\.\d%|100\.0) +\d+) +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+$/;
/** `ip route get`'s cache line counts a learned path MTU's lifetime down in seconds: `cache expires 599sec mtu 1400`. */
const EXPIRES = /\bexpires \d+sec\b/g;
/** mtr's `Start:` line is the wall clock of the run. */
const MTR_START = /^Start: \S+$/;

/** curl's progress-meter updates (`\r` and 78 columns of sizes, speeds and times; how many depends on timing): one MASK. */
const CURL_METER = /(?:\r[ \d.kMGTP:-]{78})+/g;
/** curl: `after 2 ms`, `connect timeout after 1999ms`, `Operation timed out after 2001 milliseconds`. */
const CURL_AFTER = /\bafter \d+( ?ms| milliseconds)\b/g;
/** An HTTP response's Date header (curl -v `< Date: ...`, curl -I `Date: ...`): the server's wall clock. */
const HTTP_DATE = /^((?:< )?Date: )[^\r]*/;

/** dig (FACTS-L4 §1): the query time, the wall clock, the random DNS id and client cookie (its version: version-marks.ts). */
const DIG_QUERY_TIME = /^(;; Query time: )\d+( msec)$/;
const DIG_WHEN = /^(;; WHEN: ).+$/;
const DIG_ID = /^(;; ->>HEADER<<- opcode: \w+, status: \w+, id: )\d+$/;
const DIG_COOKIE = /^(; COOKIE: )[0-9a-f]+/;

/** One line of dig's output with its run-to-run fields masked, or undefined when the line has none. */
function maskDigLine(line: string): string | undefined {
  for (const re of [DIG_QUERY_TIME, DIG_WHEN, DIG_ID, DIG_COOKIE]) {
    const m = re.exec(line);
    if (m) return line.replace(re, `$1${MASK}${m[2] ?? ''}`);
  }
  return undefined;
}


/** tcpdump (FACTS-L4 §1): a packet line starts with its time; ephemeral ports, absolute TCP sequence numbers,
 * timestamps options, ICMP echo identifiers, IP ids, checksums and DNS ids vary run to run; so does the trailer's
 * `received by filter` count. */
const TCPDUMP_TIME = /^(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\.\d{6} /;
const TCPDUMP_FIELDS: readonly (readonly [RegExp, string])[] = [
  [/(\d+\.\d+\.\d+\.\d+)\.(?:3276[89]|327[7-9]\d|32[89]\d\d|3[3-9]\d{3}|[45]\d{4}|60\d{3})\b(?=[: ])/g, `$1.${MASK}`],
  [/\b(seq|ack) \d{5,}/g, `$1 ${MASK}`],
  [/\bTS val \d+ ecr [1-9]\d*/g, `TS val ${MASK} ecr ${MASK}`],
  [/\bTS val \d+ ecr 0\b/g, `TS val ${MASK} ecr 0`],
  [/(ICMP echo (?:request|reply), id )\d+/g, `$1${MASK}`],
  [/(\(tos 0x[0-9a-f]+, ttl \d+, id )\d+/g, `$1${MASK}`],
  [/\bcksum 0x[0-9a-f]+ \((?:correct|incorrect[^)]*)\)/g, `cksum ${MASK}`],
];
/** A DNS message's id comes first after the addresses (`... > 10.96.0.10.53: 10809+ A? ...`, and in replies). */
const TCPDUMP_DNS = /\.(?:53|domain)[: ]/;
const TCPDUMP_DNS_ID = /(> \S+: )\d+(?=[ +*|-])/;
const TCPDUMP_RECEIVED = /^\d+ (packets? received by filter)$/;

function maskTcpdumpLine(line: string): string {
  let out = line.replace(TCPDUMP_TIME, (t) => `${t.length > 16 ? `${MASK} ` : ''}${MASK} `);
  if (TCPDUMP_DNS.test(out)) out = out.replace(TCPDUMP_DNS_ID, `$1${MASK}`);
  for (const [re, to] of TCPDUMP_FIELDS) out = out.replace(re, to);
  return out;
}

/** One line with its time figures (and dig's run-to-run fields, the libc's resolver wording) replaced by MASK. */
export function maskLine(line: string): string {
  if (line.startsWith(';')) {
    const dig = maskDigLine(line);
    if (dig !== undefined) return dig;
  }
  if (MTR_START.test(line)) return `Start: ${MASK}`;
  if (TCPDUMP_TIME.test(line) || line.startsWith('    ') || line.startsWith('\t')) {
    const masked = maskTcpdumpLine(line);
    if (masked !== line) return masked;
  }
  const received = TCPDUMP_RECEIVED.exec(line);
  if (received) return `${MASK} ${received[1]}`;
  const row = MTR_ROW.exec(line);
  if (row) return `${row[1]} ${MASK}`;
  const rtt = PING_RTT.exec(line);
  if (rtt) return `${rtt[1]}${MASK}${rtt[2]}`;
  return line
    .replace(CURL_METER, `\r${MASK}`)
    .replace(CURL_AFTER, `after ${MASK}$1`)
    .replace(HTTP_DATE, `$1${MASK}`)
    .replace(PING_TOTAL, `$1${MASK}ms`)
    .replace(TRACEPATH_MS, ` ${MASK}ms`)
    .replace(MS_FIGURE, `${MASK} ms`)
    .replace(PING_WHOLE_MS, `time=${MASK} ms`)
    .replace(EXPIRES, `expires ${MASK}sec`);
}

/** Tool output with every millisecond figure replaced by MASK (and ss/conntrack tables masked: mask-sockets.ts). */
export function maskMilliseconds(text: string): string {
  return maskSocketTables(text.split('\n').map(maskLine)).join('\n');
}

/**
 * What two backends' outputs are compared by: time figures masked, and an interface listing's backend fields; for a
 * probe marked as version-dependent (version-marks.ts: the image's build of its program differs from the namespace
 * lab's), also the part that differs by build. `marked` defaults to true for callers that do not know the place.
 */
export function maskForComparison(text: string, marked = true): string {
  const masked = maskCounters(maskInterfaceListing(maskMilliseconds(text)));
  return marked ? masked.split('\n').map(maskVersionLine).join('\n') : masked;
}
