// Parses the vagrant CLI's output: --machine-readable lines, machine states, ssh-config blocks, and errors with fixes.

/** One `timestamp,target,type,data...` line of `vagrant --machine-readable`. */
export interface MachineReadableLine {
  readonly timestamp: number;
  /** The machine the line is about; empty for global lines. */
  readonly target: string;
  readonly type: string;
  readonly data: readonly string[];
}

/** Undoes vagrant's escaping: `%!(VAGRANT_COMMA)` is a comma, a literal `\n` a newline, `\r` a carriage return. */
export function unescapeMachineReadable(field: string): string {
  return field.replace(/%!\(VAGRANT_COMMA\)/g, ',').replace(/\\n/g, '\n').replace(/\\r/g, '\r');
}

export function parseMachineReadable(text: string): MachineReadableLine[] {
  const lines: MachineReadableLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^(\d+),([^,]*),([^,]+)(?:,(.*))?$/.exec(line);
    if (!m) continue;
    const data = m[4] === undefined ? [] : m[4].split(',').map(unescapeMachineReadable);
    lines.push({ timestamp: Number(m[1]), target: m[2]!, type: m[3]!, data });
  }
  return lines;
}

/** The states vagrant's providers report (docs/kernel-facts.md §8); providers may add their own. */
export type MachineState =
  | 'not_created'
  | 'running'
  | 'poweroff'
  | 'saved'
  | 'aborted'
  | 'paused'
  | 'gurumeditation'
  | 'inaccessible'
  | 'stuck'
  | 'saving'
  | 'stopping'
  | (string & {});

export interface MachineStatus {
  readonly name: string;
  readonly provider: string;
  readonly state: MachineState;
  readonly stateShort: string;
  readonly stateLong: string;
}

/** Machine states from `vagrant status --machine-readable`, in the order vagrant lists them. */
export function machineStatuses(lines: readonly MachineReadableLine[]): MachineStatus[] {
  const order: string[] = [];
  const byName = new Map<string, { provider: string; state: string; stateShort: string; stateLong: string }>();
  const entry = (name: string) => {
    let e = byName.get(name);
    if (!e) {
      e = { provider: '', state: '', stateShort: '', stateLong: '' };
      byName.set(name, e);
      order.push(name);
    }
    return e;
  };
  for (const line of lines) {
    if (!line.target) continue;
    const value = line.data[0] ?? '';
    if (line.type === 'provider-name') entry(line.target).provider = value;
    else if (line.type === 'metadata' && value === 'provider') entry(line.target).provider = line.data[1] ?? '';
    else if (line.type === 'state') entry(line.target).state = value;
    else if (line.type === 'state-human-short') entry(line.target).stateShort = value;
    else if (line.type === 'state-human-long') entry(line.target).stateLong = value;
  }
  return order.filter((name) => byName.get(name)!.state !== '').map((name) => ({ name, ...byName.get(name)! }));
}

/** One `Host NAME` block of `vagrant ssh-config`: generic keys as written (HostName, User, Port, IdentityFile...). */
export interface SshHostConfig {
  readonly host: string;
  readonly options: Readonly<Record<string, string>>;
}

export function parseSshConfig(text: string): SshHostConfig[] {
  const hosts: { host: string; options: Record<string, string> }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    if (m[1]!.toLowerCase() === 'host') {
      hosts.push({ host: m[2]!.trim(), options: {} });
    } else if (hosts.length > 0) {
      const options = hosts[hosts.length - 1]!.options;
      const key = m[1]!;
      // IdentityFile may repeat; keep the first, as ssh does.
      if (!(key in options)) options[key] = m[2]!.replace(/^"(.*)"$/, '$1');
    }
  }
  return hosts;
}

/** The error vagrant reported: the error-exit line's class and message, or the text of an early failure. */
export interface VagrantError {
  readonly kind: string;
  readonly message: string;
}

export function vagrantError(stdout: string, stderr: string): VagrantError | undefined {
  const exit = parseMachineReadable(stdout).find((l) => l.type === 'error-exit');
  if (exit) return { kind: exit.data[0] ?? '', message: exit.data.slice(1).join(',').trim() };
  // A Vagrantfile that raised: "Message: RuntimeError: ..." after "There was an error loading a Vagrantfile".
  const loadError = /^Message: (\w+(?:::\w+)*): ([\s\S]*?)\s*$/m.exec(stderr);
  if (loadError && stderr.includes('error loading a Vagrantfile')) return { kind: `VagrantfileLoad/${loadError[1]}`, message: loadError[2]!.trim() };
  const text = stderr.trim();
  return text ? { kind: '', message: text } : undefined;
}

/** One line saying what went wrong and how to fix it, for the errors a user of the lab can fix. */
export function explainVagrantError(error: VagrantError, machine?: string): string {
  const first = error.message.split('\n').find((l) => l.trim() !== '') ?? error.message;
  const m = machine ? ` ${machine}` : '';
  if (/tracelab: host-only address/.test(error.message)) return error.message.replace(/^.*?(tracelab: )/s, '');
  if (error.kind.startsWith('VagrantfileLoad/')) return `the Vagrantfile failed to load: ${error.message.replace(/\s+/g, ' ')}`;
  if (error.kind === 'Vagrant::Errors::ProviderNotUsable' || /could not detect VirtualBox|VBoxManage/.test(error.message)) {
    return 'VirtualBox is not usable here (vagrant cannot find VBoxManage): install VirtualBox from https://www.virtualbox.org/wiki/Linux_Downloads and make sure VBoxManage is on PATH';
  }
  if (error.kind === 'Vagrant::Errors::NoDefaultProvider') {
    return 'vagrant found no usable provider: install VirtualBox (the lab targets the virtualbox provider)';
  }
  if (error.kind === 'Vagrant::Errors::VirtualBoxInvalidHostSubnet' || /Valid ranges can be modified|networks\.conf/i.test(error.message)) {
    const address = /Address: (\S+)/.exec(error.message)?.[1];
    const ranges = /Ranges: ([^\n]+)/.exec(error.message)?.[1]?.trim();
    return (
      `VirtualBox refused the host-only ${address ? `address ${address}` : 'range'}${ranges ? ` (allowed: ${ranges})` : ''}: VirtualBox >= 6.1.28 allows only ` +
      '192.168.56.0/21 unless /etc/vbox/networks.conf lists the range; use 192.168.56.0/21 in the lab file or add "* <range>" to /etc/vbox/networks.conf'
    );
  }
  if (error.kind === 'Vagrant::Errors::VMNotCreatedError' || /must be created before running this command/.test(error.message)) {
    return `VM${m} is not created: run \`tracelab lab up --backend vagrant\` first`;
  }
  if (error.kind === 'Vagrant::Errors::VMNotRunningError' || /must be running|not yet ready for SSH/.test(error.message)) {
    return `VM${m} is not running: start it with \`vagrant up${m}\` (or \`tracelab lab up --backend vagrant\`)`;
  }
  if (error.kind === 'Vagrant::Errors::MachineNotFound') return `no machine${m} in this lab's Vagrantfile: ${first.trim()}`;
  if (error.kind === 'Vagrant::Errors::BoxNotFound' || /box .* could not be found/i.test(error.message)) {
    return `the box could not be found: check vm.box in the lab file (${first.trim()})`;
  }
  return `vagrant failed${error.kind ? ` (${error.kind})` : ''}: ${error.message.replace(/\s+/g, ' ').trim()}`;
}
