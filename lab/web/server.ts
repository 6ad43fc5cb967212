// `tracelab serve`'s HTTP server: the trainee's page, the trainer's dashboard (token required) and its JSON/CSV report
// export, the built assets, and the WebSocket upgrades (lab/web/sockets.ts). Loopback by default.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError, type Backend } from '../backend.js';
import { describeErrno } from '../../topology/read-input.js';
import { makePrivateDir } from '../io/output-file.js';
import { loadAssets, type Asset } from './assets.js';
import type { ClassConfig } from './class-file.js';
import { ClassRoom } from './class-room.js';
import { reportCsv } from './report-csv.js';
import { hasToken } from './auth.js';
import { attachSockets } from './sockets.js';

export interface ServeOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /**
   * A fresh lab for each scenario run (default: the simulator). A real lab (the namespace lab, as root) is one lab on
   * this machine: the class then takes a single trainee.
   */
  readonly backend?: { readonly make: () => Backend; readonly real: boolean };
  /** Where the built assets are (default dist/web). */
  readonly assetsDir?: string;
  readonly now?: () => number;
}

export interface ClassServer {
  /** http://HOST:PORT */
  readonly url: string;
  readonly room: ClassRoom;
  readonly transcriptDir: string;
  /** Ends every session (transcripts get their summaries) and stops listening. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

function handler(room: ClassRoom, assets: ReadonlyMap<string, Asset>) {
  const token = room.cls.trainerToken;
  const page = (res: ServerResponse, name: string) => send(res, 200, assets.get(name)!.type, assets.get(name)!.body);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'only GET\n', { allow: 'GET, HEAD' });
    const path = url.pathname;
    if (path === '/') return page(res, 'trainee.html');
    const asset = path.startsWith('/assets/') ? assets.get(path.slice(8)) : undefined;
    if (asset && !path.endsWith('.html')) return send(res, 200, asset.type, asset.body, { 'cache-control': 'no-cache' });
    const trainer = path === '/dashboard' || path.startsWith('/api/');
    if (!trainer) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (!hasToken(req, token)) return send(res, 401, 'text/plain; charset=utf-8', "the trainer's dashboard needs the class's token: /dashboard?token=TOKEN (`tracelab serve` prints the address)\n");
    if (path === '/dashboard') return page(res, 'dashboard.html');
    if (path === '/api/trainees') return send(res, 200, 'application/json', JSON.stringify({ className: room.cls.name, steps: room.cls.steps.map((s) => s.scenario.name), rows: room.rows() }));
    if (path === '/api/report.json') return send(res, 200, 'application/json', `${JSON.stringify(room.report(), null, 2)}\n`, { 'content-disposition': 'attachment; filename="class-report.json"' });
    if (path === '/api/report.csv') return send(res, 200, 'text/csv; charset=utf-8', reportCsv(room.report()), { 'content-disposition': 'attachment; filename="class-report.csv"' });
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  };
}

/** Starts serving the class; resolves once it listens. */
export async function startClassServer(cls: ClassConfig, opts: ServeOptions): Promise<ClassServer> {
  const assets = loadAssets(opts.assetsDir);
  const transcriptDir = cls.transcriptDir ?? makePrivateDir('tracelab-class-');
  const room = new ClassRoom(opts.backend?.real ? { ...cls, maxTrainees: 1 } : cls, transcriptDir, opts.backend?.make, opts.now);
  const server: Server = createServer(handler(room, assets));
  const sockets = attachSockets(server, room);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (err) {
    await room.close();
    sockets.close();
    throw new UsageError(`cannot listen on ${opts.host} port ${opts.port}: ${describeErrno(err)}`);
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`, room, transcriptDir,
    close: async () => {
      await room.close();
      sockets.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
