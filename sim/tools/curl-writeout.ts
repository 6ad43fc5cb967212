// curl's -w/--write-out: %{variable} substitution and its backslash escapes, over what one transfer found out.
import { formatIp } from '../../topology/address.js';

/** What a finished transfer knows (`ip` undefined: the name never resolved). */
export interface WriteOutFacts {
  readonly httpCode: number;
  readonly ip?: number;
  readonly port: number;
  readonly src?: number;
  readonly sport?: number;
  readonly size: number;
  readonly contentType?: string;
  readonly elapsedMs: number;
  readonly exitCode: number;
  readonly errormsg: string;
  readonly url: string;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(6);

function variable(name: string, f: WriteOutFacts): string | undefined {
  switch (name) {
    case 'http_code':
    case 'response_code': return String(f.httpCode).padStart(3, '0');
    case 'remote_ip': return f.ip === undefined ? '' : formatIp(f.ip);
    case 'remote_port': return f.ip === undefined ? '' : String(f.port);
    case 'local_ip': return f.src ? formatIp(f.src) : '';
    case 'local_port': return f.sport && f.src ? String(f.sport) : '';
    case 'size_download': return String(f.size);
    case 'content_type': return f.contentType ?? '';
    case 'url_effective': return f.url;
    case 'exitcode': return String(f.exitCode);
    case 'errormsg': return f.errormsg;
    case 'num_connects': return f.httpCode > 0 ? '1' : '0';
    case 'time_total':
    case 'time_connect':
    case 'time_starttransfer': return seconds(f.elapsedMs);
    case 'time_namelookup': return seconds(0);
    default: return undefined;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '\\': '\\' };

/** The -w text for one transfer; unknown variables are reported on stderr and print nothing, as curl does. */
export function curlWriteOut(format: string, facts: WriteOutFacts): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '%' && format[i + 1] === '%') {
      stdout += '%';
      i++;
    } else if (c === '%' && format[i + 1] === '{' && format.indexOf('}', i) > 0) {
      const end = format.indexOf('}', i);
      const name = format.slice(i + 2, end);
      const value = variable(name, facts);
      if (value === undefined) stderr += `curl: unknown --write-out variable: '${name}'\n`;
      else stdout += value;
      i = end;
    } else if (c === '\\' && format[i + 1] !== undefined && Object.hasOwn(ESCAPES, format[i + 1]!)) {
      stdout += ESCAPES[format[i + 1]!];
      i++;
    } else stdout += c;
  }
  return { stdout, stderr };
}
