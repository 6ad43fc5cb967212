// One word splitter for every backend: the simulator and the namespace lab see the same words for a command line,
// drop the same `sudo`/`exec` wrappers and report the same syntax errors.
import { describe, expect, it } from 'vitest';
import { createSimBackend } from '../lab/sim.js';
import { placeArgv } from '../lab/netns/backend.js';
import { buildNetnsPlan } from '../lab/netns/plan.js';
import { loadLab } from '../topology/compile.js';
import { commandWords, expandVariables, splitCommandList, splitWords } from '../sim/words.js';

const lab = loadLab('three-node');
const places = buildNetnsPlan(lab, { prefix: 'tlhe' }).places;

/** The argv the namespace lab would run at node-1, after `ip netns exec NS`. */
function netnsWords(line: string) {
  const r = placeArgv(places['node-1']!, undefined, line, new Set());
  return r.ok ? r.argv.slice(r.argv.indexOf(places['node-1']!.ns) + 1) : r.result;
}

describe('splitWords', () => {
  it('splits on whitespace and honours quotes and backslashes, as sh does', () => {
    expect(splitWords('traceroute -n -q 1 10.244.1.3')).toEqual({ ok: true, words: ['traceroute', '-n', '-q', '1', '10.244.1.3'] });
    expect(splitWords(`iptables -A FORWARD -m comment --comment "no pods" -j DROP`)).toEqual({
      ok: true,
      words: ['iptables', '-A', 'FORWARD', '-m', 'comment', '--comment', 'no pods', '-j', 'DROP'],
    });
    expect(splitWords(`echo 'a "b"' c\\ d "e\\"f" ''`)).toEqual({ ok: true, words: ['echo', 'a "b"', 'c d', 'e"f', ''] });
    expect(splitWords('echo "open')).toEqual({ ok: false, error: 'unterminated quoted string' });
    expect(splitWords('  ')).toEqual({ ok: true, words: [] });
  });
  it('drops the wrappers a person types on a VM: sudo and exec', () => {
    expect(commandWords('  sudo exec sudo ip route  ')).toEqual({ ok: true, words: ['ip', 'route'] });
  });
});

describe('the simulator and the namespace lab split alike', () => {
  const sim = createSimBackend();
  const lines = [`echo 'a  b' "c;d"`, 'echo a\\ b c', `sudo echo "x \\"y\\"" ''`, 'exec echo $HOME', "echo 'it''s'", 'echo tail\\'];

  it.each(lines)('%s', async (line) => {
    await sim.up(lab);
    const simulated = await sim.run('node-1', line);
    const argv = netnsWords(line);
    expect(Array.isArray(argv)).toBe(true);
    // echo prints its words joined by one space: the simulator's words are the namespace lab's argv.
    expect(simulated.stdout).toBe(`${(argv as string[]).slice(1).join(' ')}\n`);
    expect((argv as string[])[0]).toBe('echo');
  });

  it('reports the same syntax error and runs nothing for an empty line', async () => {
    await sim.up(lab);
    expect(netnsWords('echo "open')).toEqual(await sim.run('node-1', 'echo "open'));
    expect(netnsWords('sudo')).toEqual(await sim.run('node-1', 'sudo'));
  });
});

describe('commands not modelled', () => {
  it('are refused by the namespace lab before running, with the simulator\'s words and exit code', async () => {
    const sim = createSimBackend();
    await sim.up(lab);
    for (const line of ['iptables -t mangle -A FORWARD -j DROP', 'iptables -A PREROUTING --table=raw -j DROP', 'iptables-save -t security']) {
      const netns = netnsWords(line);
      expect(netns, line).toMatchObject({ exitCode: 3 });
      expect(netns, line).toEqual(await sim.run('node-1', line));
    }
    expect(netnsWords('iptables -t nat -S')).toEqual(['iptables', '-t', 'nat', '-S']);
  });
});

describe('command lists and variables (the training shell)', () => {
  it('splits at ; && || outside quotes, keeping pipes and a lone &', () => {
    expect(splitCommandList("a; b && c || d 'e;f' \"g&&h\" | i &")).toEqual({
      ok: true, items: [{ text: 'a' }, { text: 'b', op: ';' }, { text: 'c', op: '&&' }, { text: 'd \'e;f\' "g&&h" | i &', op: '||' }],
    });
    expect(splitCommandList('a;')).toEqual({ ok: true, items: [{ text: 'a' }] });
    expect(splitCommandList('&& a')).toEqual({ ok: false, error: "syntax error near unexpected token `&&'" });
    expect(splitCommandList('a &&')).toEqual({ ok: false, error: 'syntax error: unexpected end of file' });
  });

  it('expands $NAME ${NAME} $? outside single quotes; unset names are empty; other $ stay', () => {
    const vars: Record<string, string> = { HOME: '/root', '?': '1' };
    const look = (n: string) => vars[n];
    expect(expandVariables('echo $HOME "${HOME}x" \'$HOME\' $? $NOPE $ \\$HOME', look)).toBe('echo /root "/rootx" \'$HOME\' 1  $ \\$HOME');
  });
});
