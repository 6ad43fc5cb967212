// Tab completion in the training shell offers the tools the place's image has (topology/images.ts: netshoot's
// Dockerfile packages, busybox's defconfig applets, the httpd image's purged build tools), nothing else.
import { describe, expect, it } from 'vitest';
import { loadLab } from '../topology/compile.js';
import { completeLine } from '../lab/train/complete.js';

const lab = loadLab('three-node');
const offered = (place: string, typed: string): string[] => completeLine(lab, lab.devices.find((d) => d.id === place)!, typed)[0];

describe('training-shell completion of program names', () => {
  it('netshoot offers curl, dig, nc, ss and conntrack', () => {
    for (const [typed, tool] of [['cu', 'curl'], ['di', 'dig'], ['nc', 'nc'], ['ss', 'ss'], ['connt', 'conntrack']]) expect(offered('netshoot', typed!)).toContain(tool);
  });
  it('a busybox pod offers its applets (wget, nc, nslookup) but not curl, dig, ss or mtr', () => {
    expect(offered('traceroute', 'wg')).toEqual(['wget']);
    expect(offered('traceroute', 'ns')).toEqual(['nslookup']);
    for (const t of ['cu', 'dig', 'ss', 'mt', 'conn']) expect(offered('traceroute', t)).toEqual([]);
  });
  it('the httpd image has no curl, nc or dig', () => {
    for (const t of ['cu', 'nc', 'dig']) expect(offered('httpd', t)).toEqual([]);
    expect(offered('httpd', 'gete')).toEqual(['getent']);
  });
  it('nginx and httpd (Debian slim) offer no network tools; kubectl debug completes pods and its flags', () => {
    for (const t of ['ip', 'pin', 'tracer', 'iptab', 'sysc', 'ps']) expect([t, offered('nginx', t)]).toEqual([t, []]);
    expect(offered('nginx', 'cu')).toEqual(['curl']);
    expect(offered('node-2', 'kubectl de')).toEqual(['debug']);
    expect(offered('node-2', 'kubectl debug -it ngi')).toEqual(['nginx']);
    expect(offered('node-2', 'kubectl debug -it nginx --im')).toEqual(['--image=busybox', '--image=nicolaka/netshoot']);
  });
  it('a node offers every client', () => {
    for (const t of ['curl', 'dig', 'ss', 'conntrack', 'nslookup']) expect(offered('node-2', t)).toContain(t);
  });
});
