/**
 * Offline instance facts (../shared/reference/aws-quotas.md §2.1). Preflight prefers
 * ec2:DescribeInstanceTypes at run time; this table is the fallback and the basis of config validation.
 *
 * Allocatable figures follow Karpenter's published estimate, which reproduces the reference table:
 *   CPU    = vCPU×1000 − (60 + 10 + 5×min(2, max(0, n−2))·… ) — the kube-reserved CPU ladder
 *   memory = MiB×0.925 − (11×maxPods + 255) − 100 (eviction threshold)
 * e.g. m5.2xlarge → 7,910m / 29,317Mi and m7i.large → 1,930m / 6,903Mi.
 */

export type QuotaBucket = 'standard' | 'g-vt' | 'p';

export interface InstanceType {
  name: string;
  vcpu: number;
  memoryGiB: number;
  /** Network interfaces the instance can attach. */
  enis: number;
  /** IPv4 addresses per interface. */
  ipsPerEni: number;
  /** EBS attachment model: Nitro "shared" (28 slots shared with ENIs and NVMe) or "dedicated" (32 EBS-only). */
  ebs: 'shared' | 'dedicated';
  /** GPUs, when any. */
  gpus?: { count: number; type: string };
}

const T = (
  name: string,
  vcpu: number,
  memoryGiB: number,
  enis: number,
  ipsPerEni: number,
  ebs: 'shared' | 'dedicated',
  gpus?: { count: number; type: string },
): InstanceType =>
  gpus ? { name, vcpu, memoryGiB, enis, ipsPerEni, ebs, gpus } : { name, vcpu, memoryGiB, enis, ipsPerEni, ebs };

/** Every instance type the profiles and templates use, plus the common neighbours. */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceType>> = Object.fromEntries(
  [
    T('t3.medium', 2, 4, 3, 6, 'shared'),
    T('t3.large', 2, 8, 3, 12, 'shared'),
    T('m5.large', 2, 8, 3, 10, 'shared'),
    T('m5.xlarge', 4, 16, 4, 15, 'shared'),
    T('m5.2xlarge', 8, 32, 4, 15, 'shared'),
    T('m5.4xlarge', 16, 64, 8, 30, 'shared'),
    T('m5.8xlarge', 32, 128, 8, 30, 'shared'),
    T('m5.12xlarge', 48, 192, 8, 30, 'shared'),
    T('m5a.2xlarge', 8, 32, 4, 15, 'shared'),
    T('m5n.2xlarge', 8, 32, 4, 15, 'shared'),
    T('m6i.large', 2, 8, 3, 10, 'shared'),
    T('m6i.xlarge', 4, 16, 4, 15, 'shared'),
    T('m6i.2xlarge', 8, 32, 4, 15, 'shared'),
    T('m6i.4xlarge', 16, 64, 8, 30, 'shared'),
    T('m7i.large', 2, 8, 3, 10, 'dedicated'),
    T('m7i.xlarge', 4, 16, 4, 15, 'dedicated'),
    T('m7i.2xlarge', 8, 32, 4, 15, 'dedicated'),
    T('m7i.4xlarge', 16, 64, 8, 30, 'dedicated'),
    T('m7i.8xlarge', 32, 128, 8, 30, 'dedicated'),
    T('m7i.12xlarge', 48, 192, 8, 30, 'dedicated'),
    T('m7i.16xlarge', 64, 256, 15, 50, 'dedicated'),
    T('c5.large', 2, 4, 3, 10, 'shared'),
    T('c5.xlarge', 4, 8, 4, 15, 'shared'),
    T('c5.2xlarge', 8, 16, 4, 15, 'shared'),
    T('c5.4xlarge', 16, 32, 8, 30, 'shared'),
    T('c7i.large', 2, 4, 3, 10, 'dedicated'),
    T('c7i.xlarge', 4, 8, 4, 15, 'dedicated'),
    T('c7i.2xlarge', 8, 16, 4, 15, 'dedicated'),
    T('c7i.4xlarge', 16, 32, 8, 30, 'dedicated'),
    T('r5.4xlarge', 16, 128, 8, 30, 'shared'),
    T('r7i.4xlarge', 16, 128, 8, 30, 'dedicated'),
    T('g4dn.xlarge', 4, 16, 3, 10, 'shared', { count: 1, type: 'nvidia-t4' }),
    T('g4dn.2xlarge', 8, 32, 3, 10, 'shared', { count: 1, type: 'nvidia-t4' }),
    T('g4dn.4xlarge', 16, 64, 3, 10, 'shared', { count: 1, type: 'nvidia-t4' }),
    T('g5.xlarge', 4, 16, 4, 15, 'shared', { count: 1, type: 'a10g' }),
    T('g5.2xlarge', 8, 32, 4, 15, 'shared', { count: 1, type: 'a10g' }),
    T('g5.4xlarge', 16, 64, 8, 30, 'shared', { count: 1, type: 'a10g' }),
    T('g5.8xlarge', 32, 128, 8, 30, 'shared', { count: 1, type: 'a10g' }),
    T('g5.12xlarge', 48, 192, 8, 30, 'shared', { count: 4, type: 'a10g' }),
    T('p3.2xlarge', 8, 61, 4, 15, 'shared', { count: 1, type: 'v100' }),
    T('p3.8xlarge', 32, 244, 8, 30, 'shared', { count: 4, type: 'v100' }),
    T('p4d.24xlarge', 96, 1152, 15, 50, 'shared', { count: 8, type: 'a100' }),
  ].map((t) => [t.name, t]),
);

export function lookupInstanceType(name: string): InstanceType | undefined {
  return INSTANCE_TYPES[name];
}

/** Quota bucket by family letter: g/vt → G and VT, p → P, everything else standard (A, C, D, H, I, M, R, T, Z). */
export function quotaBucket(instanceType: string): QuotaBucket {
  const family = instanceType.split('.')[0] ?? '';
  if (/^(g|vt)\d/.test(family)) return 'g-vt';
  if (/^p\d/.test(family)) return 'p';
  return 'standard';
}

/** VPC CNI secondary-IP max pods, with the managed-node-group cap of 110 (≤ 30 vCPU) or 250. */
export function maxPods(t: InstanceType): number {
  const eniLimit = t.enis * (t.ipsPerEni - 1) + 2;
  return Math.min(eniLimit, t.vcpu <= 30 ? 110 : 250);
}

/** Every IP a node can hold: the CNI keeps all addresses of every attached ENI. */
export function ipsPerNode(t: InstanceType): number {
  return t.enis * t.ipsPerEni;
}

/** Kubernetes-reserved CPU in millicores (EKS AMI ladder: 6 % of the first core, 1 % of the second, 0.5 % of cores 3–4, 0.25 % above). */
function reservedCpuMillis(vcpu: number): number {
  let reserved = 0;
  for (let core = 1; core <= vcpu; core += 1) {
    if (core === 1) reserved += 60;
    else if (core === 2) reserved += 10;
    else if (core <= 4) reserved += 5;
    else reserved += 2.5;
  }
  return reserved;
}

export interface Allocatable {
  cpuMillis: number;
  memoryMiB: number;
  pods: number;
  /** Persistent volumes the EBS CSI driver can attach after the root volume (and, on shared Nitro slots, the ENIs). */
  volumeSlots: number;
}

export function allocatable(t: InstanceType): Allocatable {
  const pods = maxPods(t);
  const cpuMillis = Math.round(t.vcpu * 1000 - reservedCpuMillis(t.vcpu));
  const memoryMiB = Math.floor(t.memoryGiB * 1024 * 0.925 - (11 * pods + 255) - 100);
  const volumeSlots = t.ebs === 'dedicated' ? 32 - 1 : 28 - 1 - t.enis;
  return { cpuMillis, memoryMiB, pods, volumeSlots };
}
