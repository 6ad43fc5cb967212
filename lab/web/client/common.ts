// What both web trainer pages share in the browser: the terminal, the WebSocket address, times as m:ss.
import type { ITerminalInitOnlyOptions, ITerminalOptions, Terminal as XTerm } from '@xterm/xterm';

/** xterm.js, loaded by the page's <script src="/assets/xterm.js"> (bundled at build time, never from a CDN). */
declare const Terminal: new (options?: ITerminalOptions & ITerminalInitOnlyOptions) => XTerm;

/** The terminal the pages use: a fixed size, so output never moves the page around. */
export function makeTerminal(element: HTMLElement, readOnly: boolean): XTerm {
  const term = new Terminal({
    cols: 100, rows: 30, convertEol: true, cursorBlink: !readOnly, disableStdin: readOnly, scrollback: 2000,
    fontFamily: '"DejaVu Sans Mono", Menlo, Consolas, monospace', fontSize: 14, lineHeight: 1.15,
    theme: { background: '#1e1e1e' },
  });
  term.open(element);
  return term;
}

/** ws://HOST/PATH?QUERY on the page's own server (the server checks the Origin). */
export function socketUrl(path: string, query: URLSearchParams): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}?${query.toString()}`;
}

export function formatTime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}
