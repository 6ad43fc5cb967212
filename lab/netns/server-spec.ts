// What the namespace lab's one server process serves (its spec file), and how it starts: a Python launcher makes every
// listening socket inside its own namespace (setns(2)), then becomes the node server (exec), which serves them all.
import type { Listener } from '../../topology/model.js';
import { httpResponseBytes } from '../../sim/http.js';
import type { PlannedDnsServer } from './plan.js';

/** What one socket does: closes connections / swallows datagrams, answers HTTP, or is a DNS server's. */
export type SocketService = { readonly kind: 'plain' } | { readonly kind: 'http'; readonly response: string } | { readonly kind: 'dns'; readonly server: number };

/** A listening socket, made in NS bound to ADDRESS:PORT; the server finds it at fd 3 + its index. */
export interface ServerSocket {
  readonly ns: string;
  readonly proto: 'tcp' | 'udp';
  readonly address: string;
  readonly port: number;
  readonly service: SocketService;
}

/** A DNS server's data: its namespace, role, the lab's zone (JSON) and the resolv.conf its namespace sees. */
export type ServerDns = Pick<PlannedDnsServer, 'ns' | 'role' | 'zone'> & { readonly resolvConf: string };

export interface ServerSpec {
  /** The Python interpreter (an absolute path) the launcher ran on, which the server also runs the forwarder on. */
  readonly python: string;
  /** The namespace the server process lives in once its sockets are made. */
  readonly home: string;
  readonly sockets: readonly ServerSocket[];
  readonly dns: readonly ServerDns[];
}

/** A model listener's sockets as the server serves them: an HTTP app carries its whole response, base64-encoded. */
export function listenerSocket(ns: string, l: Listener): ServerSocket {
  const http = l.protocol === 'tcp' && l.app === 'http' && l.http;
  const service: SocketService = http ? { kind: 'http', response: Buffer.from(httpResponseBytes(http), 'latin1').toString('base64') } : { kind: 'plain' };
  return { ns, proto: l.protocol === 'tcp' ? 'tcp' : 'udp', address: '0.0.0.0', port: l.port, service };
}

/** The first fd of the server's sockets (after stdin, stdout, stderr). */
export const FIRST_SOCKET_FD = 3;

/**
 * Python lines (after `import ctypes, os`) defining `libc` and `enter(NS)`: setns(2) into the network namespace
 * /run/netns/NS, or an OSError. The launcher and the build's namespace helper (ns-helper.ts) both start with them.
 */
export const PYTHON_SETNS: readonly string[] = [
  'libc = ctypes.CDLL(None, use_errno=True)',
  'def enter(ns):',
  "    fd = os.open('/run/netns/' + ns, os.O_RDONLY | os.O_CLOEXEC)",
  '    try:',
  '        if libc.setns(fd, 0x40000000) != 0:',
  '            err = ctypes.get_errno()',
  "            raise OSError(err, 'setns: ' + os.strerror(err))",
  '    finally:',
  '        os.close(fd)',
];

/**
 * Runs as `PYTHON -I -S -c LAUNCHER NODE SERVER_JS SPEC_FILE`: waits for the line `go` on its input (it is started while
 * the namespaces are still being built, and exits without it), then makes each socket of the spec inside its namespace
 * (IPv4; TCP with SO_REUSEADDR and a backlog of 511, as node's listen), moves them to fds 3, 4, ..., enters
 * the home namespace and exec's the rest of its arguments (same PID). A socket that cannot be made: a line on stderr
 * and exit 1.
 */
export const LAUNCHER_SCRIPT = [
  'import ctypes, fcntl, json, os, resource, socket, sys',
  ...PYTHON_SETNS,
  "if sys.stdin.readline() != 'go\\n':",
  '    sys.exit(1)',
  'with open(sys.argv[-1]) as f:',
  '    spec = json.load(f)',
  'soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)',
  "need = 2 * len(spec['sockets']) + 64",
  'if need > soft:',
  '    resource.setrlimit(resource.RLIMIT_NOFILE, (need if hard == resource.RLIM_INFINITY else min(need, hard), hard))',
  'made = []',
  "for s in spec['sockets']:",
  '    try:',
  "        enter(s['ns'])",
  "        tcp = s['proto'] == 'tcp'",
  '        k = socket.socket(socket.AF_INET, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)',
  '        if tcp:',
  '            k.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
  "        k.bind((s['address'], s['port']))",
  '        if tcp:',
  '            k.listen(511)',
  '        made.append(k)',
  '    except OSError as e:',
  "        sys.stderr.write('tracelab-server: %s %s %s:%d: %s\\n' % (s['ns'], s['proto'], s['address'], s['port'], e.strerror or e))",
  '        sys.exit(1)',
  "enter(spec['home'])",
  `high = [fcntl.fcntl(k.fileno(), fcntl.F_DUPFD_CLOEXEC, ${FIRST_SOCKET_FD} + len(made)) for k in made]`,
  'for k in made:',
  '    k.detach()',
  'for i, fd in enumerate(high):',
  `    os.dup2(fd, ${FIRST_SOCKET_FD} + i)`,
  '    os.close(fd)',
  'os.execv(sys.argv[1], sys.argv[1:])',
].join('\n');

/** The launcher's command line on PYTHON before it exec's the server (what /proc/PID/cmdline shows until then). */
export const launcherArgv = (python: string): string[] => [python, ...PYTHON_FLAGS, LAUNCHER_SCRIPT];

/** Python isolated from the environment and user site, without the site module (faster start-up), running -c SCRIPT. */
export const PYTHON_FLAGS: readonly string[] = ['-I', '-S', '-c'];

/**
 * Runs as `nsenter --net=/run/netns/NS PYTHON -I -S -c FORWARDER`, for as long as its input is open: for each line
 * `SERVER QUERY_HEX` it sends the query to SERVER:53/udp from a fresh socket in that namespace (closed after) and prints
 * a line with the first datagram back within 2 s, in hex (an empty line when none came).
 */
export const FORWARDER_SCRIPT = [
  'import socket, sys',
  'for line in sys.stdin:',
  '    server, query = line.split()',
  '    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
  '    s.settimeout(2.0)',
  "    reply = ''",
  '    try:',
  '        s.sendto(bytes.fromhex(query), (server, 53))',
  '        reply = s.recv(65535).hex()',
  '    except OSError:',
  '        pass',
  '    s.close()',
  "    sys.stdout.write(reply + '\\n')",
  '    sys.stdout.flush()',
].join('\n');
