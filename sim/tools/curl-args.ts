// curl 7.88's command line: the options the lab models (-v -s -S -o -w -I -m --connect-timeout -k -H -f -X), the URL,
// and its wording for bad ones.
import { NOT_MODELLED_EXIT } from '../commands/output.js';
import { parseCFloat, scanArgs, type ScanSpec } from './traceroute-args.js';

export interface CurlOptions {
  verbose: boolean;
  silent: boolean;
  showError: boolean;
  head: boolean;
  fail: boolean;
  output?: string;
  writeOut?: string;
  maxTimeMs?: number;
  connectTimeoutMs?: number;
  method?: string;
  headers: string[];
}

export interface CurlUrl {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** The URL as curl prints it in %{url_effective}: scheme added, `/` for an empty path. */
  readonly effective: string;
}

const SPEC: ScanSpec = {
  short: { v: null, s: null, S: null, I: null, k: null, f: null, L: null, o: 'file', w: 'format', m: 'seconds', H: 'header', X: 'method' },
  long: {
    verbose: null, silent: null, 'show-error': null, head: null, insecure: null, fail: null, location: null,
    output: 'file', 'write-out': 'format', 'max-time': 'seconds', 'connect-timeout': 'seconds', header: 'header', request: 'method',
  },
};

const LONG_TO_SHORT: Readonly<Record<string, string>> = {
  verbose: 'v', silent: 's', 'show-error': 'S', head: 'I', insecure: 'k', fail: 'f', location: 'L',
  output: 'o', 'write-out': 'w', 'max-time': 'm', header: 'H', request: 'X',
};

const TRY_HELP = "curl: try 'curl --help' or 'curl --manual' for more information\n";

export type CurlParse =
  | { readonly ok: true; readonly opts: CurlOptions; readonly url: CurlUrl }
  | { readonly ok: false; readonly stderr: string; readonly exitCode: number };

const bad = (stderr: string, exitCode = 2): CurlParse => ({ ok: false, stderr, exitCode });

function seconds(text: string): number | undefined {
  const n = parseCFloat(text);
  return n === undefined || n < 0 ? undefined : Math.round(n * 1000);
}

function applyOption(opts: CurlOptions, name: string, value: string | undefined): string | undefined {
  switch (name) {
    case 'v': opts.verbose = true; break;
    case 's': opts.silent = true; break;
    case 'S': opts.showError = true; break;
    case 'I': opts.head = true; break;
    case 'f': opts.fail = true; break;
    case 'o': opts.output = value; break;
    case 'w': opts.writeOut = value; break;
    case 'H': opts.headers.push(value!); break;
    case 'X': opts.method = value; break;
    case 'm':
    case 'connect-timeout': {
      const ms = seconds(value!);
      if (ms === undefined) return `curl: option --${name === 'm' ? 'max-time' : name}: expected a proper numerical parameter\n`;
      if (name === 'm') opts.maxTimeMs = ms;
      else opts.connectTimeoutMs = ms;
      break;
    }
    default: break; // -k, -L: nothing to do for the lab's plain-HTTP servers
  }
  return undefined;
}

/** The URL's host, port and path (http only; no scheme means http). */
export function parseUrl(text: string): CurlUrl | { error: string; exitCode: number } {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text);
  // Other schemes (https: TLS) are real curl features the lab does not model: said plainly, exit 3.
  if (scheme && scheme[1]!.toLowerCase() !== 'http') return { error: `curl ${scheme[1]}://: not modelled by the tracelab simulator (http only)\n`, exitCode: NOT_MODELLED_EXIT };
  const rest = scheme ? text.slice(scheme[0].length) : text;
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '/' : rest.slice(slash);
  const m = /^([^:@/]+)(?::(\d*))?$/.exec(authority);
  if (!m) return { error: `curl: (3) URL using bad/illegal format or missing URL\n`, exitCode: 3 };
  const port = m[2] ? Number(m[2]) : 80;
  if (port > 65535) return { error: `curl: (3) URL using bad/illegal format or missing URL\n`, exitCode: 3 };
  return { host: m[1]!, port, path, effective: `http://${authority}${path}` };
}

export function parseCurlArgs(args: readonly string[]): CurlParse {
  const opts: CurlOptions = { verbose: false, silent: false, showError: false, head: false, fail: false, headers: [] };
  const urls: string[] = [];
  for (const item of scanArgs(args, SPEC)) {
    if (item.kind === 'operand') urls.push(item.value);
    else if (item.kind === 'unknown') return bad(`curl: option ${item.long ? '--' : '-'}${item.name}: is unknown\n${TRY_HELP}`);
    else if (item.kind === 'missing-value') return bad(`curl: option ${item.long ? '--' : '-'}${item.name}: requires parameter\n${TRY_HELP}`);
    else {
      const error = applyOption(opts, item.long ? (LONG_TO_SHORT[item.name] ?? item.name) : item.name, item.value);
      if (error) return bad(`${error}${TRY_HELP}`);
    }
  }
  if (urls.length === 0) return bad(`curl: no URL specified!\n${TRY_HELP}`);
  const url = parseUrl(urls[0]!);
  if ('error' in url) return bad(url.error, url.exitCode);
  return { ok: true, opts, url };
}
