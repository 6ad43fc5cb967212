// The lab file as written (YAML, validated by topology/schema/lab.schema.json) and its defaults.
import type { NetworkPolicyManifest } from './network-policy.js';

/** A `listen` entry: "tcp/80", or a listener object with its app. */
export type LabFileListen = string | LabFileListener;

export interface LabFileListener {
  protocol: 'tcp' | 'udp';
  port: number;
  app?: 'http' | 'dns' | 'bare';
  name?: string;
  response?: { status?: number; reason?: string; headers?: Record<string, string>; body: string };
}

export interface LabFilePod {
  name: string;
  ip?: string;
  image?: string;
  namespace?: string;
  labels?: Record<string, string>;
  listen?: LabFileListen[];
  /** The pod's /etc/hosts and /etc/resolv.conf as they read, in place of kubelet's. */
  files?: { '/etc/hosts'?: string; '/etc/resolv.conf'?: string };
}

export interface LabFileNode {
  name: string;
  role?: 'control-plane' | 'worker';
  ip: string;
  podSubnet?: string;
  pods?: LabFilePod[];
  /** Files on the VM by absolute path (manifests a person applies with `kubectl apply -f`). */
  files?: Record<string, string>;
}

export interface LabFileService {
  name: string;
  namespace?: string;
  ip: string;
  type?: 'ClusterIP' | 'NodePort';
  selector?: Record<string, string>;
  ports: { name?: string; protocol: 'tcp' | 'udp'; port: number; targetPort?: number | string; nodePort?: number }[];
  endpoints?: string[];
}

export interface LabFile {
  name: string;
  description?: string;
  cluster?: {
    network?: string;
    serviceNetwork?: string;
    flannel?: { backend?: 'host-gw'; iface?: string | null; stopped?: string[] };
    kubeletNodeIp?: boolean;
    joinOrder?: string[];
    icmpRatelimit?: number;
    networkPolicy?: 'none' | 'kube-router';
  };
  hostOnly?: { network?: string; host?: string; iface?: string };
  nat?: { network?: string; guest?: string; gateway?: string; dns?: string; iface?: string };
  vm?: { box?: string; cpus?: number; memory?: number; kubernetesVersion?: string };
  nodes: LabFileNode[];
  services?: LabFileService[];
  externals?: { name: string; ip: string; listen?: LabFileListen[] }[];
  namespaces?: Record<string, { labels?: Record<string, string> }>;
  networkPolicies?: NetworkPolicyManifest[];
}

export const LAB_DEFAULTS = {
  clusterNetwork: '10.244.0.0/16',
  serviceNetwork: '10.96.0.0/12',
  flannelIface: 'eth1',
  hostOnlyNetwork: '192.168.56.0/24',
  hostOnlyHost: '192.168.56.1',
  hostOnlyIface: 'eth1',
  natNetwork: '10.0.2.0/24',
  natGuest: '10.0.2.15',
  natGateway: '10.0.2.2',
  natDns: '10.0.2.3',
  natIface: 'eth0',
  box: 'bento/debian-12',
  cpus: 2,
  memoryMiB: 2048,
  kubernetesVersion: '1.31',
  /** Prefix length of each node's pod subnet carved from the cluster network (Flannel's SubnetLen). */
  nodeSubnetLen: 24,
  /** The documentation range NAT engines take their outside addresses from. */
  natWanNetwork: '198.51.100.0/24',
  mtu: 1500,
} as const;
