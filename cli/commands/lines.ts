// Each top-level command's usage line and description: what `tracelab --help` lists without loading the commands.
export const COMMAND_LINES = {
  demo: { command: 'demo', describe: 'Tour the default lab on the simulator: the seed traceroutes, services, NAT, a fault and its fix' },
  topo: { command: 'topo [action]', describe: 'Show the lab model: `topo show` (devices, addresses, routes) or `topo graph --format dot|mermaid|svg`' },
  exec: { command: 'exec <place> [words..]', describe: 'Run a command at a place: a node (node-2), a pod (traceroute) or node/pod (node-2/traceroute)' },
  lab: { command: 'lab [action] [what]', describe: 'Build, inspect or tear down a real lab (up | status | down), render the Vagrant/Ansible files, import a cluster' },
  scenario: { command: 'scenario [action] [targets..]', describe: 'Fault scenarios: `run [FILES|DIRS...]`, `list [FILES|DIRS...]`, `show NAME|FILE`' },
  verify: { command: 'verify [targets..]', describe: 'Run scenarios on the simulator and on a real backend and compare the outputs (millisecond figures masked)' },
  train: { command: 'train', describe: 'Training: `train SCENARIO` opens a trainee shell on a broken lab; `train report FILES...` sums up a class' },
  serve: { command: 'serve', describe: 'Run a class in the browser: trainee terminals on the simulator and the trainer\'s dashboard (127.0.0.1 by default)' },
} as const;

export type CommandName = keyof typeof COMMAND_LINES;
