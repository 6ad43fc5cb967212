// The web trainer's WebSockets: /ws/trainee (a trainee's terminal: new with ?name=, resumed with ?id=) and /ws/watch
// (the trainer watching one trainee, read-only, token required). Origin checked, message size and typing rate bounded.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClassRoom } from './class-room.js';
import { INPUT_LIMITS, type ClientMessage, type ServerMessage } from './protocol.js';
import { hasToken } from './auth.js';
import type { WebTrainee } from './trainee.js';

/** A socket whose unsent data grows past this is too slow to follow the terminal: it is closed. */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** Bytes per second with a burst: what a terminal may send. */
export class TypingRate {
  private tokens: number;
  private at: number;

  constructor(private readonly perSecond: number, private readonly burst: number, private readonly now: () => number = Date.now) {
    this.tokens = burst;
    this.at = now();
  }

  take(bytes: number): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.perSecond);
    this.at = t;
    if (bytes > this.tokens) return false;
    this.tokens -= bytes;
    return true;
  }
}

/**
 * Whether a WebSocket handshake comes from a page this server served: its Origin is http(s)://HOST with the Host the
 * browser connected to (a page elsewhere cannot drive a trainee's terminal or watch one with a leaked token).
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  return origin !== undefined && host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function sender(ws: WebSocket): (m: ServerMessage) => void {
  return (m) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) ws.close(1013, 'too slow');
    else ws.send(JSON.stringify(m));
  };
}

function parse(data: unknown): ClientMessage | undefined {
  try {
    const m = JSON.parse(String(data)) as ClientMessage;
    if (m?.t === 'in' && typeof m.d === 'string') return m;
    if (m?.t === 'resize' && Number.isInteger(m.cols) && Number.isInteger(m.rows)) return m;
  } catch {
    /* not JSON: ignored */
  }
  return undefined;
}

/** Connects a trainee's page to its session: output and state out, keys and size in. */
function traineeSocket(ws: WebSocket, trainee: WebTrainee, room: ClassRoom): void {
  const rate = new TypingRate(INPUT_LIMITS.bytesPerSecond, INPUT_LIMITS.burstBytes);
  const gone = room.connected(trainee);
  const unsubscribe = trainee.subscribe(sender(ws));
  let warned = false;
  ws.on('message', (data: Buffer) => {
    // Every message counts against the rate (keys and resizes alike); over it, the message is dropped.
    if (!rate.take(data.length)) {
      if (!warned) sender(ws)({ t: 'out', d: '\r\n[typing faster than the class allows: input dropped]\r\n' });
      warned = true;
      return;
    }
    warned = false;
    const m = parse(data);
    if (m?.t === 'resize') trainee.resize(Math.min(500, Math.max(20, m.cols)), Math.min(200, Math.max(5, m.rows)));
    else if (m?.t === 'in') trainee.type(m.d);
  });
  ws.on('close', () => {
    unsubscribe();
    gone();
  });
}

function upgrade(wss: WebSocketServer, room: ClassRoom) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/ws/trainee' && url.pathname !== '/ws/watch') return refuse(socket, '404 Not Found');
    if (!sameOrigin(req)) return refuse(socket, '403 Forbidden');
    const watching = url.pathname === '/ws/watch';
    if (watching && !hasToken(req, room.cls.trainerToken)) return refuse(socket, '401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A frame over the size limit or a broken frame: ws closes the socket (1009, 1002) and reports it here.
      ws.on('error', () => ws.terminate());
      const id = url.searchParams.get('id');
      const name = (url.searchParams.get('name') ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim().slice(0, 40);
      const found = id ? room.find(id) : undefined;
      if (watching) {
        if (!found) return ws.close(4404, 'no such trainee');
        const unsubscribe = found.subscribe(sender(ws));
        ws.on('close', unsubscribe);
        return;
      }
      if (id && (!found || found.finished)) {
        sender(ws)({ t: 'gone', message: 'That session is over (it ended or timed out); start a new one.' });
        return ws.close(4404, 'session over');
      }
      const trainee = found ?? (name ? room.admit(name) : undefined);
      if (!trainee) {
        sender(ws)({ t: 'gone', message: name ? 'The class is full: ask your trainer.' : 'Give your name to start.' });
        return ws.close(4409, 'refused');
      }
      traineeSocket(ws, trainee, room);
    });
  };
}

/** Serves the class's WebSockets on `server`; close() drops every connection. */
export function attachSockets(server: Server, room: ClassRoom): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: INPUT_LIMITS.maxMessageBytes });
  server.on('upgrade', upgrade(wss, room));
  return {
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
