// The trainer's dashboard in the browser: a row per trainee (refreshed every 2 s), a click (or Enter) on a row
// watches that trainee's terminal live and read-only, and links export the class report.
import type { ServerMessage, TraineeRow } from '../protocol.js';
import { byId, formatTime, makeTerminal, socketUrl } from './common.js';

const token = new URLSearchParams(location.search).get('token') ?? '';
const term = makeTerminal(byId('terminal'), true);
let watching: { id: string; socket: WebSocket } | undefined;

byId<HTMLAnchorElement>('export-json').href = `/api/report.json?${new URLSearchParams({ token }).toString()}`;
byId<HTMLAnchorElement>('export-csv').href = `/api/report.csv?${new URLSearchParams({ token }).toString()}`;

function watch(row: TraineeRow): void {
  watching?.socket.close();
  const socket = new WebSocket(socketUrl('/ws/watch', new URLSearchParams({ id: row.id, token })));
  watching = { id: row.id, socket };
  byId('watch-title').textContent = `Watching ${row.name} (read-only)`;
  term.reset();
  socket.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as ServerMessage;
    if (m.t === 'out') term.write(m.d);
    else if (m.t === 'screen') {
      term.reset();
      term.write(m.d);
    }
  };
  document.querySelectorAll('tbody tr').forEach((tr) => tr.classList.toggle('watching', (tr as HTMLElement).dataset.id === row.id));
}

function cell(tr: HTMLTableRowElement, text: string, className = ''): void {
  const td = tr.insertCell();
  td.textContent = text;
  if (className) td.className = className;
}

function render(rows: readonly TraineeRow[]): void {
  const body = byId('rows');
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.id;
  body.replaceChildren();
  for (const row of rows) {
    const tr = document.createElement('tr');
    tr.dataset.id = row.id;
    tr.tabIndex = 0;
    tr.setAttribute('aria-label', `Watch ${row.name}`);
    cell(tr, `${row.name}${row.connected ? '' : ' (offline)'}${row.ended ? ' (ended)' : ''}`);
    cell(tr, `${row.scenario} (${row.step}/${row.steps})`);
    cell(tr, formatTime(row.timeOnMs));
    cell(tr, String(row.commands));
    cell(tr, String(row.hints));
    cell(tr, String(row.checks));
    cell(tr, row.fixed ? 'FIXED' : 'NOT FIXED', row.fixed ? 'result-FIXED' : 'result-NOT');
    cell(tr, row.lastCommand, 'cmd');
    tr.classList.toggle('watching', watching?.id === row.id);
    tr.addEventListener('click', () => watch(row));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        watch(row);
      }
    });
    body.append(tr);
    if (focused === row.id) tr.focus();
  }
  byId('empty').hidden = rows.length > 0;
}

async function refresh(): Promise<void> {
  const res = await fetch('/api/trainees', { headers: { 'x-tracelab-token': token }, cache: 'no-store' });
  if (!res.ok) {
    byId('class-name').textContent = `Trainer's dashboard: ${res.status === 401 ? 'the token is wrong' : `error ${res.status}`}`;
    return;
  }
  const data = (await res.json()) as { className: string; rows: TraineeRow[] };
  byId('class-name').textContent = `${data.className}: trainer's dashboard`;
  render(data.rows);
}

void refresh();
setInterval(() => void refresh(), 2000);
