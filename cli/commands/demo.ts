// `tracelab demo` (what `npm start` runs): the default lab, the seed's three traceroutes, then the lab at work.
import type { Argv, CommandModule } from 'yargs';
import { COMMAND_LINES } from './lines.js';
import { SimBackend } from '../../lab/sim.js';
import { describeLab } from './topo.js';
import { forTerminal } from '../../lab/io/terminal-text.js';
import { labFromArgs, write } from '../common.js';
import { jsonNotFor, withLabOptions, type LabOptions } from '../options.js';

interface Step {
  readonly say?: string;
  readonly at: string;
  readonly prompt: string;
  readonly run: string;
}

const node = (n: string) => `vagrant@${n}:~$`;
/** A root shell on a node (`sudo -i`): where the break and the fix are typed. */
const root = (n: string) => `root@${n}:~#`;
const pod = '/ #';

/** The tour: the seed's three published outputs first, then services, the NAT, and a fault found and fixed. */
export const DEMO_STEPS: readonly Step[] = [
  { say: 'The seed outputs: a node reaching another over the host-only network', at: 'controlplane', prompt: node('controlplane'), run: 'traceroute -n 192.168.56.11' },
  { say: 'busybox in a debug container of the nginx pod on node-1 (nginx has no traceroute) to httpd on the same node: one hop over cni0', at: 'node-1/nginx+busybox', prompt: pod, run: 'traceroute 10.244.1.3' },
  { say: 'busybox in the traceroute pod on node-2 to httpd on node-1: cni0, then node-1 over eth1 (host-gw)', at: 'node-2/traceroute', prompt: pod, run: 'traceroute 10.244.1.3' },
  { say: 'A ClusterIP: kube-proxy DNATs on node-2, and every hop answers as the service address', at: 'node-2/netshoot', prompt: pod, run: 'traceroute -n -T -p 80 10.96.0.20' },
  { say: 'A pod reaching the VirtualBox host: Flannel masquerades it as 192.168.56.12', at: 'node-2/netshoot', prompt: pod, run: 'traceroute -n 192.168.56.1' },
  { say: 'Out through the NAT engine (10.0.2.2) to an external host', at: 'node-2/netshoot', prompt: pod, run: 'traceroute -n -T -p 443 203.0.113.10' },
  { say: 'Break it: node-1 stops forwarding', at: 'node-1', prompt: root('node-1'), run: 'sysctl -w net.ipv4.ip_forward=0' },
  { say: 'The path now dies silently at node-1: hop 2 sends no Time Exceeded', at: 'node-2/netshoot', prompt: pod, run: 'traceroute -n -q 1 -m 4 10.244.1.3' },
  { say: 'Fix it', at: 'node-1', prompt: root('node-1'), run: 'sysctl -w net.ipv4.ip_forward=1' },
  { at: 'node-2/netshoot', prompt: pod, run: 'traceroute -n -q 1 -m 4 10.244.1.3' },
];

export async function runDemo(args: LabOptions): Promise<number> {
  const lab = labFromArgs(args);
  const backend = new SimBackend({ seed: args.seed });
  await backend.up(lab);
  write(forTerminal(describeLab(lab, backend.sim)));
  for (const step of DEMO_STEPS) {
    write('\n');
    if (step.say) write(`# ${step.say} (${step.at})\n`);
    write(`${step.prompt} ${step.run}\n`);
    const r = backend.runSync(step.at, step.run);
    write(r.stdout);
    if (r.stderr) write(r.stderr);
  }
  write('\nTry: npx tracelab exec node-2/traceroute -- traceroute 10.244.1.3   (and --explain, --help)\n');
  await backend.down();
  return 0;
}

export const demoCommand: CommandModule = {
  ...COMMAND_LINES.demo,
  builder: (y: Argv) => withLabOptions(y).check(jsonNotFor(() => true, 'the demo is a tour in text; `topo show --json` and `exec --json` print data')),
  handler: async (raw) => {
    process.exitCode = await runDemo(raw as unknown as LabOptions);
  },
};
