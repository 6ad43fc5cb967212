// Version marks: which probes compare only their version-independent part (the image's build of the program differs
// from the namespace lab's Debian build), and that verify masks the build-dependent part of those probes alone.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../topology/compile.js';
import { compareResults, probeMark } from '../lab/verify.js';
import { versionMark } from '../sim/tools/version-marks.js';

const lab = loadLab('three-node');
const device = (id: string) => lab.device(id)!;

/** The host's dig version line (`DiG 9.18.49-1~deb12u3-Debian`, on stderr), or undefined where dig is not installed. */
function hostDig(): string | undefined {
  const r = spawnSync('dig', ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() || undefined : undefined;
}

describe('version marks', () => {
  it('mark netshoot\'s BIND, curl and musl programs, and nothing at nodes, nginx or busybox', () => {
    expect(versionMark(device('netshoot'), 'dig +short httpd')?.masked).toMatch(/DiG VERSION/);
    expect(versionMark(device('netshoot'), 'nslookup httpd')?.imageBuild).toMatch(/BIND 9\.20/);
    expect(versionMark(device('netshoot'), "curl -s -o /dev/null -w '%{http_code}' http://httpd/")?.imageBuild).toMatch(/curl 8/);
    expect(versionMark(device('netshoot'), 'nc -zv httpd 80')?.masked).toMatch(/gai_strerror/);
    for (const [id, run] of [['node-2', 'dig +short httpd'], ['nginx', 'curl -s http://httpd/'], ['traceroute', 'nslookup httpd']] as const) {
      expect(versionMark(device(id), run), `${id}: ${run}`).toBeUndefined();
    }
    expect(probeMark({ lab }, { at: 'node-2/netshoot', run: 'dig httpd' })?.program).toBe('dig');
  });

  const digVersion = hostDig();
  // Skipped without dig: the banner's version comes from the host's own dig.
  it.skipIf(digVersion === undefined)('verify masks dig\'s version only in a marked probe', () => {
    const host = `; <<>> ${digVersion} <<>> httpd\n`;
    const image = '; <<>> DiG 9.20.15 <<>> httpd\n';
    const where = { phase: 'broken' as const, index: 1, at: 'node-2/netshoot', run: 'dig httpd' };
    const result = (stdout: string) => ({ stdout, stderr: '', exitCode: 0 });
    expect(compareResults(where, result(image), result(host), true)).toBeUndefined();
    expect(compareResults(where, result(image), result(host), false)?.stream).toBe('stdout');
  });

  it('verify compares musl\'s resolver words as glibc\'s only in a marked probe', () => {
    // The words are gai_strerror's in musl (src/network/gai_strerror.c) and glibc (FACTS-L4 §7).
    const where = { phase: 'broken' as const, index: 1, at: 'node-2/netshoot', run: 'nc -zv nosuch 80' };
    const musl = { stdout: '', stderr: 'nc: getaddrinfo for host "nosuch" port 80: Name does not resolve\n', exitCode: 1 };
    const glibc = { stdout: '', stderr: 'nc: getaddrinfo for host "nosuch" port 80: Name or service not known\n', exitCode: 1 };
    expect(compareResults(where, musl, glibc, true)).toBeUndefined();
    expect(compareResults(where, musl, glibc, false)?.stream).toBe('stderr');
  });
});
