// ss and conntrack in the simulator against outputs of the real tools: FACTS-L4 §10 (conntrack-tools 1.4.7 on node-2)
// and iproute2 6.1's ss captured in this repository's namespace lab (netshoot after curl and nc), compared masked
// (sim/tools/mask.ts: row order, the client's ports, conntrack's seconds left, ss -p owners).
import { describe, expect, it } from 'vitest';
import { loadLab } from '../topology/compile.js';
import { Simulator } from '../sim/simulator.js';
import { maskMilliseconds } from '../sim/tools/mask.js';

const masked = (r: { stdout: string; stderr: string; exitCode: number }) => ({ stdout: maskMilliseconds(r.stdout), stderr: maskMilliseconds(r.stderr), exitCode: r.exitCode });
const real = (stdout: string, stderr = '', exitCode = 0) => masked({ stdout, stderr, exitCode });

describe('conntrack -L -p tcp (FACTS-L4 §10)', () => {
  it('node-2 after curl to the httpd ClusterIP: the DNAT\'d flow in TIME_WAIT, the count on stderr', () => {
    const sim = new Simulator(loadLab('three-node'));
    sim.run('netshoot', 'curl -s -o /dev/null http://10.96.0.20/');
    expect(masked(sim.run('node-2', 'conntrack -L -p tcp --dport 80'))).toEqual(real(
      'tcp      6 118 TIME_WAIT src=10.244.2.3 dst=10.96.0.20 sport=51978 dport=80 src=10.244.1.3 dst=10.244.2.3 sport=80 dport=51978 [ASSURED] mark=0 use=1\n',
      'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n',
    ));
  });
  it('a pod tracks nothing', () => {
    const sim = new Simulator(loadLab('three-node'));
    sim.run('netshoot', 'curl -s -o /dev/null http://10.96.0.20/');
    expect(masked(sim.run('netshoot', 'conntrack -L -p tcp --dport 12345'))).toEqual(real('', 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n'));
  });
  it('entries leave after their 120 s', () => {
    const sim = new Simulator(loadLab('three-node'));
    sim.run('netshoot', 'curl -s -o /dev/null http://10.96.0.20/');
    sim.advance(120_000);
    expect(sim.run('node-2', 'conntrack -L -p tcp').stderr).toBe('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n');
  });
});

describe('ss (iproute2 6.1, stdout not a terminal)', () => {
  const after = (): Simulator => {
    const sim = new Simulator(loadLab('three-node'));
    sim.run('netshoot', 'curl -s -o /dev/null http://10.96.0.20/');
    sim.run('netshoot', 'nc -zv 10.244.1.2 80');
    sim.run('netshoot', 'nc -zv 10.244.1.3 82');
    return sim;
  };
  it('ss -tan: the client\'s TIME-WAIT sockets (a refused connect leaves none)', () => {
    expect(masked(after().run('netshoot', 'ss -tan'))).toEqual(real(
      'State     Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n'
      + 'TIME-WAIT 0      0         10.244.2.3:38508   10.244.1.2:80         \n'
      + 'TIME-WAIT 0      0         10.244.2.3:44718   10.96.0.20:80         \n',
    ));
  });
  it('ss -ta names the ports from /etc/services; -uan has no UDP sockets', () => {
    const sim = after();
    expect(masked(sim.run('netshoot', 'ss -ta'))).toEqual(real(
      'State     Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n'
      + 'TIME-WAIT 0      0         10.244.2.3:38508   10.244.1.2:http       \n'
      + 'TIME-WAIT 0      0         10.244.2.3:44718   10.96.0.20:http       \n',
    ));
    expect(sim.run('netshoot', 'ss -uan').stdout).toBe('State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n');
  });
  it('ss -tuan and -tanH: the Netid column with two tables, no header and no padding with -H', () => {
    const sim = new Simulator(loadLab('three-node'));
    sim.run('netshoot', 'curl -s -o /dev/null http://10.96.0.20/');
    expect(masked(sim.run('netshoot', 'ss -tuan'))).toEqual(real(
      'Netid State     Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n'
      + 'tcp   TIME-WAIT 0      0         10.244.2.3:55412   10.96.0.20:80         \n',
    ));
    expect(masked(sim.run('netshoot', 'ss -tanH'))).toEqual(real('TIME-WAIT 0      0      10.244.2.3:55412 10.96.0.20:80\n'));
    expect(sim.run('netshoot', 'ss -tuln').stdout).toBe('Netid State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n');
  });
  it('TIME-WAIT lasts 60 s', () => {
    const sim = after();
    sim.advance(60_000);
    expect(sim.run('netshoot', 'ss -tanH').stdout).toBe('');
  });
  it('images without ss say so as their shell does', () => {
    expect(new Simulator(loadLab('three-node')).run('httpd', 'ss -tlnp')).toEqual({ stdout: '', stderr: 'sh: 1: ss: not found\n', exitCode: 127 });
  });
});
