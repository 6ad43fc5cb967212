// What both web trainer pages share in the browser: the terminal, the WebSocket address, times as m:ss.
import type { ITerminalInitOnlyOptions, ITerminalOptions, Terminal as XTerm } from '@xterm/xterm';

/** xterm.js, loaded by the page's <script src="/assets/xterm.js"> (bundled at build time, never from a CDN). */
declare const Terminal: new (options?: ITerminalOptions & ITerminalInitOnlyOptions) => XTerm;

const FONT = '"DejaVu Sans Mono", Menlo, Consolas, monospace';
const FONT_SIZE = 14;

/**
 * The terminal the pages use, in a box of fixed height (output never moves the page around); its columns follow the
 * box's width (the page's zoom), at least 40, at most 160.
 */
export function makeTerminal(element: HTMLElement, readOnly: boolean): XTerm {
  const term = new Terminal({
    cols: 100, rows: 30, convertEol: true, cursorBlink: !readOnly, disableStdin: readOnly, scrollback: 2000,
    fontFamily: FONT, fontSize: FONT_SIZE, lineHeight: 1.15, theme: { background: '#1e1e1e' },
  });
  term.open(element);
  // Fitted whenever the box changes size: when the page shows it, and when the window or the zoom changes.
  new ResizeObserver(() => {
    if (element.clientWidth === 0) return; // hidden
    const cols = Math.min(160, Math.max(40, Math.floor((element.clientWidth - 24) / charWidth())));
    if (cols !== term.cols) term.resize(cols, term.rows);
  }).observe(element);
  return term;
}

/** The width of one character of the terminal's font, measured on a hidden line of 50. */
function charWidth(): number {
  const probe = document.createElement('span');
  probe.style.cssText = `position:absolute;visibility:hidden;white-space:pre;font-family:${FONT};font-size:${FONT_SIZE}px`;
  probe.textContent = 'W'.repeat(50);
  document.body.append(probe);
  const width = probe.getBoundingClientRect().width / 50;
  probe.remove();
  return width;
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
