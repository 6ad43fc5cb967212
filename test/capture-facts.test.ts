// The simulator's captures against captures the kernel made in the replica lab (FACTS-L4.md §8, pasted verbatim):
// `tcpdump -n -i any` on node-2 while netshoot runs `curl http://httpd/` (the DNS lookup through the kube-dns
// Service, the HTTP exchange through the httpd Service, each packet on the pod's veth, cni0 and eth1, DNAT already
// done on cni0), and `tcpdump -n -i eth0` in the httpd pod. Compared after FACTS-L4 §1's masking (times, ports,
// sequence numbers, TS values, DNS ids), the replica's veth name standing for the lab's.
import { describe, expect, it } from 'vitest';
import { openLab } from '../index.js';
import { openCapture } from '../sim/capture/oneshot.js';
import { maskMilliseconds } from '../sim/tools/mask.js';

const NODE2_ANY = `20:17:22.571522 vethnetshoot P   IP 10.244.2.3.43922 > 10.96.0.10.53: 22602+ A? httpd.default.svc.cluster.local. (49)
20:17:22.571555 cni0  In  IP 10.244.2.3.43922 > 10.244.0.2.53: 22602+ A? httpd.default.svc.cluster.local. (49)
20:17:22.571569 eth1  Out IP 10.244.2.3.43922 > 10.244.0.2.53: 22602+ A? httpd.default.svc.cluster.local. (49)
20:17:22.571632 vethnetshoot P   IP 10.244.2.3.43922 > 10.96.0.10.53: 20814+ AAAA? httpd.default.svc.cluster.local. (49)
20:17:22.571634 cni0  In  IP 10.244.2.3.43922 > 10.244.0.2.53: 20814+ AAAA? httpd.default.svc.cluster.local. (49)
20:17:22.571636 eth1  Out IP 10.244.2.3.43922 > 10.244.0.2.53: 20814+ AAAA? httpd.default.svc.cluster.local. (49)
20:17:22.572278 eth1  In  IP 10.244.0.2.53 > 10.244.2.3.43922: 22602*- 1/0/0 A 10.96.0.20 (96)
20:17:22.572293 cni0  Out IP 10.96.0.10.53 > 10.244.2.3.43922: 22602*- 1/0/0 A 10.96.0.20 (96)
20:17:22.572297 vethnetshoot Out IP 10.96.0.10.53 > 10.244.2.3.43922: 22602*- 1/0/0 A 10.96.0.20 (96)
20:17:22.572379 eth1  In  IP 10.244.0.2.53 > 10.244.2.3.43922: 20814*- 0/1/0 (142)
20:17:22.572382 cni0  Out IP 10.96.0.10.53 > 10.244.2.3.43922: 20814*- 0/1/0 (142)
20:17:22.572383 vethnetshoot Out IP 10.96.0.10.53 > 10.244.2.3.43922: 20814*- 0/1/0 (142)
20:17:22.572844 vethnetshoot P   IP 10.244.2.3.59354 > 10.96.0.20.80: Flags [S], seq 2452393096, win 64240, options [mss 1460,sackOK,TS val 2713143733 ecr 0,nop,wscale 10], length 0
20:17:22.572855 cni0  In  IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [S], seq 2452393096, win 64240, options [mss 1460,sackOK,TS val 2713143733 ecr 0,nop,wscale 10], length 0
20:17:22.572860 eth1  Out IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [S], seq 2452393096, win 64240, options [mss 1460,sackOK,TS val 2713143733 ecr 0,nop,wscale 10], length 0
20:17:22.572903 eth1  In  IP 10.244.1.3.80 > 10.244.2.3.59354: Flags [S.], seq 3154111415, ack 2452393097, win 65160, options [mss 1460,sackOK,TS val 2497469292 ecr 2713143733,nop,wscale 10], length 0
20:17:22.572911 cni0  Out IP 10.96.0.20.80 > 10.244.2.3.59354: Flags [S.], seq 3154111415, ack 2452393097, win 65160, options [mss 1460,sackOK,TS val 2497469292 ecr 2713143733,nop,wscale 10], length 0
20:17:22.572913 vethnetshoot Out IP 10.96.0.20.80 > 10.244.2.3.59354: Flags [S.], seq 3154111415, ack 2452393097, win 65160, options [mss 1460,sackOK,TS val 2497469292 ecr 2713143733,nop,wscale 10], length 0
20:17:22.572926 vethnetshoot P   IP 10.244.2.3.59354 > 10.96.0.20.80: Flags [.], ack 1, win 63, options [nop,nop,TS val 2713143733 ecr 2497469292], length 0
20:17:22.572927 cni0  In  IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [.], ack 1, win 63, options [nop,nop,TS val 2713143733 ecr 2497469292], length 0
20:17:22.572928 eth1  Out IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [.], ack 1, win 63, options [nop,nop,TS val 2713143733 ecr 2497469292], length 0
20:17:22.572995 vethnetshoot P   IP 10.244.2.3.59354 > 10.96.0.20.80: Flags [P.], seq 1:70, ack 1, win 63, options [nop,nop,TS val 2713143733 ecr 2497469292], length 69: HTTP: GET / HTTP/1.1
20:17:22.572997 cni0  In  IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [P.], seq 1:70, ack 1, win 63, options [nop,nop,TS val 2713143733 ecr 2497469292], length 69: HTTP: GET / HTTP/1.1
20:17:22.572999 eth1  Out IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [P.], seq 1:70, ack 1, win 63, options [nop,nop,TS val 2713143733 ecr 2497469292], length 69: HTTP: GET / HTTP/1.1
20:17:22.573008 eth1  In  IP 10.244.1.3.80 > 10.244.2.3.59354: Flags [.], ack 70, win 64, options [nop,nop,TS val 2497469292 ecr 2713143733], length 0
20:17:22.573010 cni0  Out IP 10.96.0.20.80 > 10.244.2.3.59354: Flags [.], ack 70, win 64, options [nop,nop,TS val 2497469292 ecr 2713143733], length 0
20:17:22.573010 vethnetshoot Out IP 10.96.0.20.80 > 10.244.2.3.59354: Flags [.], ack 70, win 64, options [nop,nop,TS val 2497469292 ecr 2713143733], length 0
20:17:22.573616 eth1  In  IP 10.244.1.3.80 > 10.244.2.3.59354: Flags [P.], seq 1:271, ack 70, win 64, options [nop,nop,TS val 2497469293 ecr 2713143733], length 270: HTTP: HTTP/1.1 200 OK
20:17:22.573620 cni0  Out IP 10.96.0.20.80 > 10.244.2.3.59354: Flags [P.], seq 1:271, ack 70, win 64, options [nop,nop,TS val 2497469293 ecr 2713143733], length 270: HTTP: HTTP/1.1 200 OK
20:17:22.573621 vethnetshoot Out IP 10.96.0.20.80 > 10.244.2.3.59354: Flags [P.], seq 1:271, ack 70, win 64, options [nop,nop,TS val 2497469293 ecr 2713143733], length 270: HTTP: HTTP/1.1 200 OK
20:17:22.573649 vethnetshoot P   IP 10.244.2.3.59354 > 10.96.0.20.80: Flags [.], ack 271, win 63, options [nop,nop,TS val 2713143734 ecr 2497469293], length 0
20:17:22.573651 cni0  In  IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [.], ack 271, win 63, options [nop,nop,TS val 2713143734 ecr 2497469293], length 0
20:17:22.573653 eth1  Out IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [.], ack 271, win 63, options [nop,nop,TS val 2713143734 ecr 2497469293], length 0
20:17:22.573893 vethnetshoot P   IP 10.244.2.3.59354 > 10.96.0.20.80: Flags [F.], seq 70, ack 271, win 63, options [nop,nop,TS val 2713143734 ecr 2497469293], length 0
20:17:22.573901 cni0  In  IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [F.], seq 70, ack 271, win 63, options [nop,nop,TS val 2713143734 ecr 2497469293], length 0
20:17:22.573905 eth1  Out IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [F.], seq 70, ack 271, win 63, options [nop,nop,TS val 2713143734 ecr 2497469293], length 0
20:17:22.574034 eth1  In  IP 10.244.1.3.80 > 10.244.2.3.59354: Flags [F.], seq 271, ack 71, win 64, options [nop,nop,TS val 2497469293 ecr 2713143734], length 0
20:17:22.574037 cni0  Out IP 10.96.0.20.80 > 10.244.2.3.59354: Flags [F.], seq 271, ack 71, win 64, options [nop,nop,TS val 2497469293 ecr 2713143734], length 0
20:17:22.574038 vethnetshoot Out IP 10.96.0.20.80 > 10.244.2.3.59354: Flags [F.], seq 271, ack 71, win 64, options [nop,nop,TS val 2497469293 ecr 2713143734], length 0
20:17:22.574048 vethnetshoot P   IP 10.244.2.3.59354 > 10.96.0.20.80: Flags [.], ack 272, win 63, options [nop,nop,TS val 2713143734 ecr 2497469293], length 0
20:17:22.574051 cni0  In  IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [.], ack 272, win 63, options [nop,nop,TS val 2713143734 ecr 2497469293], length 0
20:17:22.574052 eth1  Out IP 10.244.2.3.59354 > 10.244.1.3.80: Flags [.], ack 272, win 63, options [nop,nop,TS val 2713143734 ecr 2497469293], length 0
`;

const HTTPD_ETH0 = `20:17:24.525968 IP 10.244.2.3.59358 > 10.244.1.3.80: Flags [S], seq 2977441821, win 64240, options [mss 1460,sackOK,TS val 4038746 ecr 0,nop,wscale 10], length 0
20:17:24.525982 IP 10.244.1.3.80 > 10.244.2.3.59358: Flags [S.], seq 1979566174, ack 2977441822, win 65160, options [mss 1460,sackOK,TS val 4273889159 ecr 4038746,nop,wscale 10], length 0
20:17:24.526020 IP 10.244.2.3.59358 > 10.244.1.3.80: Flags [.], ack 1, win 63, options [nop,nop,TS val 4038746 ecr 4273889159], length 0
20:17:24.526093 IP 10.244.2.3.59358 > 10.244.1.3.80: Flags [P.], seq 1:70, ack 1, win 63, options [nop,nop,TS val 4038746 ecr 4273889159], length 69: HTTP: GET / HTTP/1.1
20:17:24.526098 IP 10.244.1.3.80 > 10.244.2.3.59358: Flags [.], ack 70, win 64, options [nop,nop,TS val 4273889159 ecr 4038746], length 0
20:17:24.526975 IP 10.244.1.3.80 > 10.244.2.3.59358: Flags [P.], seq 1:271, ack 70, win 64, options [nop,nop,TS val 4273889160 ecr 4038746], length 270: HTTP: HTTP/1.1 200 OK
20:17:24.527002 IP 10.244.2.3.59358 > 10.244.1.3.80: Flags [.], ack 271, win 63, options [nop,nop,TS val 4038747 ecr 4273889160], length 0
20:17:24.527413 IP 10.244.2.3.59358 > 10.244.1.3.80: Flags [F.], seq 70, ack 271, win 63, options [nop,nop,TS val 4038748 ecr 4273889160], length 0
20:17:24.527445 IP 10.244.1.3.80 > 10.244.2.3.59358: Flags [F.], seq 271, ack 71, win 64, options [nop,nop,TS val 4273889161 ecr 4038748], length 0
20:17:24.527479 IP 10.244.2.3.59358 > 10.244.1.3.80: Flags [.], ack 272, win 63, options [nop,nop,TS val 4038748 ecr 4273889161], length 0
`;

const masked = (text: string) => maskMilliseconds(text.replace(/veth\w+/g, 'VETH'));

/** The capture at DEVICE:IFACE while netshoot runs curl, after a first contact (the replica's neighbours were known). */
function captured(device: (lab: ReturnType<typeof openLab>) => string, iface: string): string {
  const lab = openLab();
  lab.run('netshoot', 'ping -c 1 10.244.1.3');
  lab.run('netshoot', 'nslookup httpd');
  const capture = openCapture(lab.sim, device(lab), iface);
  lab.run('netshoot', 'curl -s -o /dev/null http://httpd/');
  capture.stop();
  return capture.text();
}

describe('captures of curl http://httpd/ as the kernel made them (FACTS-L4 §8)', () => {
  it('-i any on node-2: 42 packets, DNS and HTTP, on the veth, cni0 and eth1', () => {
    expect(masked(captured(() => 'node-2', 'any'))).toBe(masked(NODE2_ANY));
  });

  it('eth0 in the httpd pod: the client seen directly, the whole exchange', () => {
    const text = captured((lab) => lab.model.devices.find((d) => d.id.endsWith('httpd'))!.id, 'eth0');
    expect(masked(text.split('\n').filter((l) => / > 10\.244\.1\.3\.80: | 10\.244\.1\.3\.80 > /.test(l)).join('\n') + '\n')).toBe(masked(HTTPD_ETH0));
  });
});
