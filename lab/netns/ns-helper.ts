// One Python process that works inside the lab's namespaces for a build: it writes sysctls (as `ip netns exec NS sysctl
// -q -w KEY=VALUE...` would, in a fraction of the processes) and lists or asks for links over a netlink socket it keeps
// in each namespace (settle.ts), one JSON line per question and per answer.
import { lineChild, type LineChild } from '../process.js';
import { PYTHON_FLAGS, PYTHON_SETNS } from './server-spec.js';
import { pythonPath } from './server-process.js';

/**
 * Questions (one JSON object a line) and answers (one a line):
 * - `{"op": "sysctl", "batches": [{"ns", "writes": ["KEY=VALUE", ...], "ignoreUnknown"}]}`: enters each namespace
 *   (setns(2) on /run/netns/NS; nothing is written when that fails) and writes each key as procps' sysctl does: the
 *   key's dots are separators unless its first separator is a slash (then slashes are, and dots are part of names),
 *   VALUE plus a newline in one write. The answer: `{"errors": [TEXT or null per batch]}` with sysctl's messages; an
 *   unknown key is no error with ignoreUnknown (`-e`). /proc/sys/net follows the netns of the task that opens it.
 * - `{"op": "links", "namespaces": [...]}`: each namespace's links from an RTM_GETLINK dump, in `ip -j link show`'s
 *   shape for the fields settle.ts reads (ifname, flags UP/LOWER_UP, qdisc, operstate); null for a namespace it
 *   cannot enter.
 * - `{"op": "ask", "links": [[NS, NAME], ...]}`: one RTM_GETLINK per link (as `ip link show dev NAME`); `{}`.
 * - `{"op": "rename", "ns", "from", "to", "mac"}`: as `ip -n NS link set dev FROM down`, `ip -n NS link set dev FROM
 *   name TO address MAC`, `ip -n NS link set dev TO up` (RTM_NEWLINK each, acknowledged); `{"problem": TEXT}` or `{}`.
 * - `{"op": "hostnames", "pairs": [[FILE, HOSTNAME], ...]}`: for each, creates FILE, unshare(CLONE_NEWUTS),
 *   sethostname, bind-mounts its own UTS namespace (/proc/thread-self/ns/uts) on FILE, as `unshare --uts=FILE hostname
 *   NAME` does. The answer: `{"problem": "FILE: ERROR"}` at the first failure, else `{}`.
 * A netlink socket stays in the namespace it was made in, so each namespace is entered once for them.
 */
export const NS_HELPER_SCRIPT = [
  'import ctypes, errno, json, os, socket, struct, sys',
  ...PYTHON_SETNS,
  String.raw`libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
socks = {}
def check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, what + ': ' + os.strerror(err))
def swapped(key):
    return key.translate(str.maketrans('./', '/.'))
def write(kv, ignore):
    key, _, value = kv.partition('=')
    dotted = key.find('.') >= 0 and (key.find('/') < 0 or key.find('.') < key.find('/'))
    path = '/proc/sys/' + (swapped(key) if dotted else key)
    name = key if dotted else swapped(key)
    try:
        os.stat(path)
    except OSError as e:
        return None if ignore else 'sysctl: cannot stat %s: %s' % (path, e.strerror)
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        if e.errno in (errno.EPERM, errno.EROFS, errno.EACCES):
            return 'sysctl: permission denied on key "%s"' % name
        return 'sysctl: setting key "%s": %s' % (name, e.strerror)
    try:
        os.write(fd, (value + '\n').encode())
    except OSError as e:
        return 'sysctl: setting key "%s": %s' % (name, e.strerror)
    finally:
        os.close(fd)
    return None
def sysctl(batch):
    try:
        enter(batch['ns'])
    except OSError as e:
        return str(e)
    errors = [w for w in (write(kv, batch['ignoreUnknown']) for kv in batch['writes']) if w]
    return '\n'.join(errors) if errors else None
def nlsock(ns):
    if ns not in socks:
        enter(ns)
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        s.bind((0, 0))
        socks[ns] = s
    return socks[ns]
OPER = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP']
def parse(data, off, length):
    index, flags = struct.unpack_from('=iI', data, off + 20)
    link = {'ifindex': index, 'flags': [f for f, bit in (('UP', 1), ('LOWER_UP', 0x10000)) if flags & bit]}
    at = off + 32
    while at + 4 <= off + length:
        alen, atype = struct.unpack_from('=HH', data, at)
        if alen < 4:
            break
        value = data[at + 4:at + alen]
        atype &= 0x3fff
        if atype == 3:
            link['ifname'] = value.rstrip(b'\0').decode()
        elif atype == 6:
            link['qdisc'] = value.rstrip(b'\0').decode()
        elif atype == 16:
            link['operstate'] = OPER[value[0]] if value[0] < len(OPER) else str(value[0])
        at += (alen + 3) & ~3
    return link
def attr(atype, value):
    return struct.pack('=HH', 4 + len(value), atype) + value + b'\0' * (-len(value) % 4)
def getlink(s, name=None):
    attrs = b'' if name is None else attr(3, name.encode() + b'\0')
    flags = 0x301 if name is None else 0x1
    body = struct.pack('=BxHiII', 0, 0, 0, 0, 0) + attrs
    s.send(struct.pack('=IHHII', 16 + len(body), 18, flags, 1, 0) + body)
    links = []
    while True:
        data = s.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            length, mtype = struct.unpack_from('=IH', data, off)
            if mtype == 3:
                return links
            if mtype == 2:
                err = struct.unpack_from('=i', data, off + 16)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return links
            if mtype == 16:
                links.append(parse(data, off, length))
            off += (length + 3) & ~3
        if name is not None:
            return links
def setlink(s, index, change, flags, attrs=b''):
    body = struct.pack('=BxHiII', 0, 0, index, flags, change) + attrs
    s.send(struct.pack('=IHHII', 16 + len(body), 16, 0x5, 1, 0) + body)
    data = s.recv(65536)
    if struct.unpack_from('=H', data, 4)[0] == 2:
        err = struct.unpack_from('=i', data, 16)[0]
        if err:
            raise OSError(-err, os.strerror(-err))
def rename(q):
    try:
        s = nlsock(q['ns'])
        index = getlink(s, q['from'])[0]['ifindex']
        setlink(s, index, 1, 0)
        setlink(s, index, 0, 0, attr(3, q['to'].encode() + b'\0') + attr(1, bytes.fromhex(q['mac'].replace(':', ''))))
        setlink(s, index, 1, 1)
    except OSError as e:
        return {'problem': 'RTNETLINK answers: ' + (e.strerror or str(e))}
    return {}
def links(ns):
    try:
        return getlink(nlsock(ns))
    except OSError:
        return None
def ask(ns, name):
    try:
        getlink(nlsock(ns), name)
    except OSError:
        pass
def hostnames(pairs):
    for path, name in pairs:
        try:
            open(path, 'w').close()
            check(libc.unshare(0x04000000), 'unshare')
            check(libc.sethostname(name.encode(), len(name.encode())), 'sethostname')
            check(libc.mount(b'/proc/thread-self/ns/uts', path.encode(), None, 4096, None), 'mount --bind')
        except OSError as e:
            return {'problem': '%s: %s' % (path, e.strerror)}
    return {}
def answer(q):
    if q['op'] == 'sysctl':
        return {'errors': [sysctl(b) for b in q['batches']]}
    if q['op'] == 'links':
        return {'links': [links(ns) for ns in q['namespaces']]}
    if q['op'] == 'hostnames':
        return hostnames(q['pairs'])
    if q['op'] == 'rename':
        return rename(q)
    if q['op'] == 'ask':
        for ns, name in q['links']:
            ask(ns, name)
        return {}
    return {'error': 'unknown question ' + str(q['op'])}
for line in sys.stdin:
    try:
        reply = answer(json.loads(line))
    except Exception as e:
        reply = {'error': '%s: %s' % (type(e).__name__, e)}
    sys.stdout.write(json.dumps(reply) + '\n')
    sys.stdout.flush()
`,
].join('\n');

/** A link as `ip -j link show` reports it, with the fields the settle wait reads. */
export interface LinkJson {
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly qdisc?: string;
  readonly operstate?: string;
}

/** The sysctl writes of one namespace: `KEY=VALUE` in order; ignoreUnknown as sysctl's `-e`. */
export interface SysctlBatch {
  readonly ns: string;
  readonly writes: readonly string[];
  readonly ignoreUnknown: boolean;
}

export interface NsHelper {
  /** Writes each batch; per batch, sysctl's error text or undefined. */
  sysctl(batches: readonly SysctlBatch[]): Promise<(string | undefined)[]>;
  /** The links of each namespace; undefined for one it could not list. */
  links(namespaces: readonly string[]): Promise<(LinkJson[] | undefined)[]>;
  /** Asks the kernel for each link on its own (RTM_GETLINK). */
  ask(links: readonly (readonly [string, string])[]): Promise<void>;
  /** Makes each FILE a UTS namespace with HOSTNAME (see NS_HELPER_SCRIPT); the first problem, or undefined. */
  hostnames(pairs: readonly (readonly [string, string])[]): Promise<string | undefined>;
  /** Renames link FROM of NS to TO with MAC (down, rename and set the address, up); a problem, or undefined. */
  rename(ns: string, from: string, to: string, mac: string): Promise<string | undefined>;
  /** Ends the helper (its input closes; it exits). */
  close(): void;
}

/** Starts the helper (the Python process starts now, so its start-up overlaps what comes before the first question). */
export function startNsHelper(): NsHelper {
  const child: LineChild = lineChild([pythonPath(), ...PYTHON_FLAGS, NS_HELPER_SCRIPT]);
  const question = async <T>(q: object): Promise<T> => {
    const line = await child.ask(JSON.stringify(q));
    if (line === undefined) throw new Error('the namespace helper (python3) exited');
    const reply = JSON.parse(line) as T & { error?: string };
    if (reply.error !== undefined) throw new Error(`the namespace helper: ${reply.error}`);
    return reply;
  };
  const started = question<object>({ op: 'links', namespaces: [] });
  started.catch(() => undefined);
  return {
    sysctl: async (batches) => (await question<{ errors: (string | null)[] }>({ op: 'sysctl', batches })).errors.map((e) => e ?? undefined),
    links: async (namespaces) => (await question<{ links: (LinkJson[] | null)[] }>({ op: 'links', namespaces })).links.map((l) => l ?? undefined),
    ask: async (links) => void (await question<object>({ op: 'ask', links })),
    hostnames: async (pairs) => (await question<{ problem?: string }>({ op: 'hostnames', pairs })).problem,
    rename: async (ns, from, to, mac) => (await question<{ problem?: string }>({ op: 'rename', ns, from, to, mac })).problem,
    close: () => child.close(),
  };
}

/** Runs BODY with a helper, closed afterwards. */
export async function withNsHelper<T>(body: (helper: NsHelper) => Promise<T>): Promise<T> {
  const helper = startNsHelper();
  try {
    return await body(helper);
  } finally {
    helper.close();
  }
}
