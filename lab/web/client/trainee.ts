// The trainee's page in the browser: joins the class (or resumes its session after a reload), shows the brief, the
// lab's picture with the trainee's place and the last probe's path, the progress strip, and a terminal on the
// training shell through the WebSocket.
import type { ServerMessage, TraineeState } from '../protocol.js';
import { byId, formatTime, makeTerminal, socketUrl } from './common.js';

const SESSION_KEY = 'tracelab-session';
const term = makeTerminal(byId('terminal'), false);
let socket: WebSocket | undefined;
let state: TraineeState | undefined;
let stateAt = 0;
let svgShown = '';

function send(message: object): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

term.onData((d) => send({ t: 'in', d }));
// Tab completes in the shell; Esc then Tab leaves the terminal (the browser moves the focus on), so the keyboard alone
// can reach the rest of the page.
let escaped = false;
term.attachCustomKeyEventHandler((e) => {
  if (e.type !== 'keydown') return true;
  const leave = escaped && e.key === 'Tab';
  escaped = e.key === 'Escape';
  return !leave;
});
term.onResize(({ cols, rows }) => send({ t: 'resize', cols, rows }));

function showState(s: TraineeState): void {
  state = s;
  stateAt = Date.now();
  sessionStorage.setItem(SESSION_KEY, s.id);
  byId('class-name').textContent = s.className;
  byId('brief-title').textContent = `${s.scenario.title} (${s.scenario.name})`;
  byId('brief-text').textContent = s.scenario.brief;
  byId('p-step').textContent = s.finished ? `All ${s.steps} scenarios done` : `Scenario ${s.step + 1} of ${s.steps}`;
  const result = byId('p-result');
  result.textContent = s.fixed ? 'FIXED' : 'NOT FIXED';
  result.className = s.fixed ? 'result-FIXED' : 'result-NOT';
  byId('p-fixed').textContent = `${s.fixedCount} fixed`;
  byId('p-hints').textContent = s.hintsAllowed ? `hints used ${s.hintsUsed}` : `hints used ${s.hintsUsed} (off here)`;
  const svg = byId('svg');
  if (s.svg !== svgShown) {
    svg.innerHTML = s.svg; // the server's own renderer; every name in it is XML-escaped
    svgShown = s.svg;
  }
  svg.querySelectorAll('.here').forEach((e) => e.classList.remove('here'));
  if (s.here) svg.querySelector(`[data-device="${CSS.escape(s.here)}"]`)?.classList.add('here');
  tick();
}

function tick(): void {
  if (!state) return;
  const elapsed = state.finished ? state.elapsedMs : state.elapsedMs + Date.now() - stateAt;
  byId('p-time').textContent = `time ${formatTime(elapsed)}${state.timeLimitMs !== undefined ? ` of ${formatTime(state.timeLimitMs)}` : ''}`;
}

function onMessage(m: ServerMessage): void {
  if (m.t === 'out') term.write(m.d);
  else if (m.t === 'screen') {
    term.reset();
    term.write(m.d);
  } else if (m.t === 'state') showState(m);
  else if (m.t === 'gone') {
    sessionStorage.removeItem(SESSION_KEY);
    showJoin(m.message);
  }
}

function connect(query: URLSearchParams): void {
  byId('join').hidden = true;
  byId('work').hidden = false;
  const ws = new WebSocket(socketUrl('/ws/trainee', query));
  socket = ws;
  ws.onopen = () => send({ t: 'resize', cols: term.cols, rows: term.rows });
  ws.onmessage = (e) => onMessage(JSON.parse(String(e.data)) as ServerMessage);
  ws.onclose = () => {
    if (socket === ws) term.write('\r\n[disconnected from the class server: reload the page to resume]\r\n');
  };
  term.focus();
}

function showJoin(message: string): void {
  socket = undefined;
  byId('join-message').textContent = message;
  byId('work').hidden = true;
  byId('join').hidden = false;
  byId('name').focus();
}

byId<HTMLFormElement>('join').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = byId<HTMLInputElement>('name').value.trim();
  if (name) connect(new URLSearchParams({ name }));
});

setInterval(tick, 1000);
const resume = sessionStorage.getItem(SESSION_KEY);
if (resume) connect(new URLSearchParams({ id: resume }));
else showJoin('Give your name to start the class.');
