// The simulator facade: a dataplane over a model, a command dispatcher (probe tools and the interpreter), the clock
// and Flannel's route reconciliation.
import { formatCidr, sameCidr } from '../topology/address.js';
import type { LabModel } from '../topology/model.js';
import { findCommand } from './commands/index.js';
import { NOT_MODELLED_EXIT } from './commands/output.js';
import { Dataplane } from './dataplane.js';
import { runProbe, socketRoute } from './probe.js';
import { resolveHost, reverseHost } from './resolve.js';
import { resolvConf, resolverOf } from './dns/lab-dns.js';
import { hasTool, imageFacts, notFound } from '../topology/images.js';
import { nextId, sendBatch } from './dns/stub.js';
import { serverReply } from './dns/exchange.js';
import { findProbeTool } from './tools/registry.js';
import type { CommandResult } from '../topology/trace.js';
import type { L4Collector, ToolContext } from './tool-context.js';
import { commandWords } from './words.js';
import { ConnectionLog } from './tools/ss-connections.js';
import { datagramListing } from './conntrack-table.js';

/** Flannel's route check loop re-adds a missing host-gw route within this long. */
export const FLANNEL_RECONCILE_MS = 10_000;
/** Shell operators the simulator does not interpret (the training shell handles pipes itself). */
const SHELL_OPERATORS: ReadonlySet<string> = new Set(['|', '||', '&&', ';', '&']);
/** Simulated time a command takes (keeps rate-limit buckets moving between commands). */
const COMMAND_MS = 10;
/** Simulated wall clock at lab start: 2024-01-01T00:00:00Z (mtr prints a Start: time). */
const EPOCH_MS = Date.UTC(2024, 0, 1);

export interface SimulatorOptions {
  readonly seed?: number;
  /** Tools print as with stdout on a terminal (the training shell); default: a pipe. */
  readonly tty?: boolean;
}

export class Simulator {
  readonly dp: Dataplane;

  /** Whether tools see a terminal on stdout (curl's progress meter); the training shell may set it. */
  tty: boolean;

  /** The TCP connections the clients closed (TIME-WAIT sockets for `ss`). */
  readonly connections = new ConnectionLog();

  constructor(readonly model: LabModel, opts: SimulatorOptions = {}) {
    this.dp = new Dataplane(model, opts.seed ?? 1);
    this.tty = opts.tty ?? false;
  }

  /** A tool's view of the dataplane from one device. */
  toolContext(device: string, l4: L4Collector = { connections: [], lookups: [], dns: [] }): ToolContext {
    const dp = this.dp;
    return {
      hostname: dp.state(device).device.hostname,
      device,
      probe: (spec) => runProbe(dp, device, spec),
      sourceRoute: (dst) => socketRoute(dp, device, dst),
      lookup: (name) => resolveHost(dp, device, name),
      dns: {
        conf: () => resolvConf(dp.state(device).device),
        resolver: () => resolverOf(dp.state(device).device),
        image: () => imageFacts(dp.state(device).device).name,
        nextId: () => nextId(dp),
        send: (server, queries, timeoutMs) => sendBatch(dp, device, server, queries, timeoutMs, 'fatal'),
        replyAt: (at, query) => serverReply(dp, at, query),
      },
      resolve: (name) => {
        const r = resolveHost(dp, device, name);
        return r.ok ? r.ip : undefined;
      },
      reverse: (address) => reverseHost(dp, device, address).name,
      reverseLookup: (address) => reverseHost(dp, device, address),
      nowMs: () => EPOCH_MS + dp.nowMs,
      // A tool's waiting moves the clock (rate limits refill) but Flannel reconciles only when the lab waits: the
      // namespace lab's flanneld emulation runs in its `wait` steps, never during a command (kernel-checked disagreement).
      wait: (ms) => {
        dp.nowMs += ms;
      },
      listener: (at, protocol, port) => dp.state(at).device.listeners.find((l) => l.protocol === protocol && l.port === port),
      sysctl: (key, fallback) => dp.state(device).sysctl(key, fallback),
      l4,
      sockets: { listeners: () => dp.state(device).device.listeners, tracksFlows: (d) => dp.state(d).device.kind === 'node', log: this.connections, datagramFlows: (d) => datagramListing(dp, d) },
      tty: this.tty,
    };
  }

  /** Runs one command line on a device. Never throws for bad input: errors come back as the shell would print them. */
  run(device: string, line: string): CommandResult {
    const parsed = commandWords(line);
    if (!parsed.ok) return parsed.result;
    const words = parsed.words;
    if (words.length === 0) return { stdout: '', stderr: '', exitCode: 0 };
    for (const word of words) {
      if (SHELL_OPERATORS.has(word)) return { stdout: '', stderr: `sh: "${word}": pipes and command lists are not modelled by the tracelab simulator; run one command at a time\n`, exitCode: NOT_MODELLED_EXIT };
    }
    const program = words[0]!;
    const args = words.slice(1);
    this.dp.nowMs += COMMAND_MS;
    const place = this.dp.state(device).device;
    // L4 clients exist where the place's image has them (topology/images.ts); elsewhere its shell says "not found".
    if (!hasTool(place, program)) return notFound(place, program);
    const tool = findProbeTool(program, args, place.toolset);
    let l4: L4Collector;
    if (tool) return withL4(tool.run(tool.args, this.toolContext(device, (l4 = { connections: [], lookups: [], dns: [] }))), l4);
    const command = findCommand(program);
    if (command) return command(args, { sim: this, device, state: this.dp.state(device) });
    return { stdout: '', stderr: `sh: ${program}: not found\n`, exitCode: 127 };
  }

  /** Advances simulated time; Flannel re-adds host-gw routes missing for FLANNEL_RECONCILE_MS where it runs. */
  advance(ms: number): void {
    const end = this.dp.nowMs + ms;
    for (const s of this.dp.withDeletedShared()) {
      if (!s.flannelRunning) continue;
      for (const deleted of [...s.deletedShared]) {
        const key = formatCidr(deleted);
        const route = s.sharedRoutes.find((r) => sameCidr(r.dst, deleted));
        const dev = route?.dev ? s.ifaces.get(route.dev) : undefined;
        if (!route || !dev?.up) continue;
        const since = s.flannelMissingSince.get(key) ?? this.dp.nowMs;
        s.flannelMissingSince.set(key, since);
        if (end - since >= FLANNEL_RECONCILE_MS) {
          s.deletedShared = s.deletedShared.filter((d) => !sameCidr(d, deleted));
          s.flannelMissingSince.delete(key);
          s.routesChanged();
        }
      }
    }
    this.dp.nowMs = end;
  }
}

/** The tool's result with its L4 results attached when it had any. */
function withL4(r: CommandResult, l4: L4Collector): CommandResult {
  return l4.connections.length + l4.lookups.length + l4.dns.length > 0 ? { ...r, l4 } : r;
}
