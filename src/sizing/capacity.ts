/**
 * Capacity fit (../shared/reference/aws-quotas.md §2.6–§2.7, seed-facts defect 10): the concurrent pod
 * workspaces × size mix against the workspace node groups at their maximum. Requests (limits ×
 * workspaces.requestsToLimits) must fit the allocatable capacity; the over-commit of limits is reported
 * and warned above workspaces.maxOvercommit; every size that no single node can schedule is named.
 * EC2-template sizes run on their own instances and do not land on these nodes. Pure: no AWS.
 */
import type { CoderPlatformConfig } from '../config/schema.js';
import { allocatable, lookupInstanceType, type Allocatable } from './instance-types.js';
import { isEc2Size, workspaceCount } from './quota-bill.js';

/** DaemonSet pods on every node: aws-node, kube-proxy, ebs-csi-node, eks-pod-identity-agent, a log agent. */
export const DAEMONSET_PODS = 5;

export type FitStatus = 'pass' | 'warn' | 'fail';

export interface CapacityFinding {
  id: string;
  status: FitStatus;
  critical: boolean;
  required: string;
  current: string;
  message: string;
  fix: string;
}

export interface SizeFit {
  name: string;
  count: number;
  limitCpu: number;
  limitMemoryGiB: number;
  requestCpu: number;
  requestMemoryGiB: number;
  /** Its requests fit one node's allocatable capacity. */
  schedulable: boolean;
  /** Its limits fit one node, so it can ever use them. */
  reachesLimits: boolean;
}

export interface CapacityFit {
  /** Workspace groups counted and the (weakest) instance type each may launch. */
  groups: { name: string; instanceType: string; nodes: number; perNode: Allocatable }[];
  nodes: number;
  podWorkspaces: number;
  /** Totals in vCPU and GiB. */
  allocatable: { cpu: number; memoryGiB: number; pods: number; volumeSlots: number };
  limits: { cpu: number; memoryGiB: number };
  requests: { cpu: number; memoryGiB: number };
  overcommit: { cpu: number; memory: number };
  perNode: { workspaces: number; pods: number; maxPods: number; volumeSlots: number };
  sizes: SizeFit[];
  /** Sizes no node can schedule. */
  unschedulable: string[];
  findings: CapacityFinding[];
}

const r2 = (n: number): number => Math.round(n * 100) / 100;
const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

type CountedGroup = CapacityFit['groups'][number];
/** A capacity fit before its findings: what the findings are computed from. */
type Totals = Omit<CapacityFit, 'unschedulable' | 'findings'>;

/** The workspace node groups at their maximum, each with the weakest instance type it may launch. */
function countWorkspaceGroups(config: CoderPlatformConfig): CountedGroup[] {
  const groups = config.cluster.nodeGroups;
  const counted: CapacityFit['groups'] = [];
  for (const [name, group] of Object.entries(groups)) {
    if (group.role !== 'workspace') continue;
    // A fallback group stands in for unfulfilled Spot capacity: the pair holds at most the larger max.
    const partner = group.fallbackFor ? groups[group.fallbackFor] : undefined;
    const nodes = partner ? Math.max(0, group.maxSize - partner.maxSize) : group.maxSize;
    const known = group.instanceTypes.map((t) => lookupInstanceType(t)).filter((t) => t !== undefined);
    if (known.length === 0) continue;
    // The autoscaler may launch any type of the group: plan with the weakest.
    const weakest = known
      .map((t) => ({ type: t, alloc: allocatable(t) }))
      .sort(
        (a, b) =>
          a.alloc.cpuMillis - b.alloc.cpuMillis ||
          a.alloc.memoryMiB - b.alloc.memoryMiB ||
          a.alloc.volumeSlots - b.alloc.volumeSlots,
      )[0]!;
    counted.push({ name, instanceType: weakest.type.name, nodes, perNode: weakest.alloc });
  }
  return counted;
}

/** Each pod-workspace size: its count, limits and requests, and whether one node (the smallest) fits it. */
function fitSizes(config: CoderPlatformConfig, smallest: CountedGroup | undefined): SizeFit[] {
  const ratio = config.workspaces.requestsToLimits;
  const sizes: SizeFit[] = [];
  for (const [name, size] of Object.entries(config.workspaces.sizes)) {
    if (isEc2Size(size)) continue;
    const count = workspaceCount(config.workspaces.concurrent, size);
    const requestCpu = r2(size.cpu * ratio.cpu);
    const requestMemoryGiB = r2(size.memoryGiB * ratio.memory);
    const fits = (cpu: number, memGiB: number): boolean =>
      smallest !== undefined && cpu * 1000 <= smallest.perNode.cpuMillis && memGiB * 1024 <= smallest.perNode.memoryMiB;
    sizes.push({
      name,
      count,
      limitCpu: size.cpu,
      limitMemoryGiB: size.memoryGiB,
      requestCpu,
      requestMemoryGiB,
      schedulable: fits(size.cpu * ratio.cpu, size.memoryGiB * ratio.memory),
      reachesLimits: fits(size.cpu, size.memoryGiB),
    });
  }
  return sizes;
}

/** Requests against allocatable capacity, and the over-commit of limits. */
function totalsFindings(config: CoderPlatformConfig, t: Totals): CapacityFinding[] {
  const { groups: counted, podWorkspaces, allocatable: alloc, limits, requests, overcommit } = t;
  const ratio = config.workspaces.requestsToLimits;
  const groupText = counted.map((g) => `${g.nodes} × ${g.instanceType}`).join(' + ') || 'no workspace node group';
  const findings: CapacityFinding[] = [];

  const reqFits = requests.cpu <= alloc.cpu && requests.memoryGiB <= alloc.memoryGiB;
  findings.push({
    id: 'capacity-requests',
    status: reqFits ? 'pass' : 'fail',
    critical: true,
    required: `${fmt(requests.cpu)} vCPU, ${fmt(requests.memoryGiB)} GiB`,
    current: `${fmt(alloc.cpu)} vCPU, ${fmt(alloc.memoryGiB)} GiB`,
    message: `${podWorkspaces} pod workspaces request ${fmt(requests.cpu)} vCPU / ${fmt(requests.memoryGiB)} GiB (limits × ${ratio.cpu} CPU, × ${ratio.memory} memory); ${groupText} at max allocate ${fmt(alloc.cpu)} vCPU / ${fmt(alloc.memoryGiB)} GiB`,
    fix: reqFits
      ? ''
      : 'Raise the workspace node group maxSize, use a larger instance type, or lower workspaces.requestsToLimits.',
  });
  const overCpu = overcommit.cpu > config.workspaces.maxOvercommit.cpu;
  const overMem = overcommit.memory > config.workspaces.maxOvercommit.memory;
  findings.push({
    id: 'capacity-overcommit',
    status: overCpu || overMem ? 'warn' : 'pass',
    critical: false,
    required: `≤ ${config.workspaces.maxOvercommit.cpu}× CPU, ≤ ${config.workspaces.maxOvercommit.memory}× memory`,
    current: `${fmt(overcommit.cpu)}× CPU, ${fmt(overcommit.memory)}× memory`,
    message: `limits ${fmt(limits.cpu)} vCPU / ${fmt(limits.memoryGiB)} GiB over ${fmt(alloc.cpu)} vCPU / ${fmt(alloc.memoryGiB)} GiB allocatable: over-commit ${fmt(overcommit.cpu)}× CPU, ${fmt(overcommit.memory)}× memory`,
    fix:
      overCpu || overMem ? 'Add workspace nodes, or accept the over-commit by raising workspaces.maxOvercommit.' : '',
  });
  return findings;
}

/** Pods and EBS volumes per node against the smallest node's limits. */
function perNodeFindings(t: Totals, smallest: CountedGroup | undefined): CapacityFinding[] {
  const { nodes, podWorkspaces, perNode } = t;
  const findings: CapacityFinding[] = [];
  const podsFit = perNode.pods <= perNode.maxPods;
  findings.push({
    id: 'capacity-pods-per-node',
    status: podsFit ? 'pass' : 'fail',
    critical: true,
    required: `${perNode.pods} pods`,
    current: `${perNode.maxPods} max pods`,
    message: `${podWorkspaces} workspaces over ${nodes} nodes = ${perNode.workspaces} per node + ${DAEMONSET_PODS} DaemonSet pods = ${perNode.pods} of ${perNode.maxPods} max pods`,
    fix: podsFit ? '' : 'Raise the workspace node group maxSize or enable VPC CNI prefix delegation.',
  });
  const volumesFit = perNode.workspaces <= perNode.volumeSlots;
  findings.push({
    id: 'capacity-volume-slots',
    status: volumesFit ? 'pass' : 'fail',
    critical: true,
    required: `${perNode.workspaces} volumes per node`,
    current: `${perNode.volumeSlots} EBS slots`,
    message: `${perNode.workspaces} workspace volumes per node against ${perNode.volumeSlots} EBS attachment slots (${smallest?.instanceType ?? 'none'})`,
    fix: volumesFit ? '' : 'Raise the workspace node group maxSize, or use a type with dedicated EBS slots (m7i, c7i).',
  });
  return findings;
}

/** Sizes no node can schedule (fail) or whose limits no node can satisfy (warn). */
function sizeFindings(t: Totals, smallest: CountedGroup | undefined): CapacityFinding[] {
  const findings: CapacityFinding[] = [];
  for (const s of t.sizes) {
    if (!s.schedulable) {
      findings.push({
        id: `capacity-size-${s.name}`,
        status: 'fail',
        critical: true,
        required: `${fmt(s.requestCpu)} vCPU, ${fmt(s.requestMemoryGiB)} GiB`,
        current: `${fmt((smallest?.perNode.cpuMillis ?? 0) / 1000)} vCPU, ${fmt((smallest?.perNode.memoryMiB ?? 0) / 1024)} GiB on ${smallest?.instanceType ?? 'no node'}`,
        message: `size ${s.name} (${s.limitCpu} vCPU / ${s.limitMemoryGiB} GiB, requests ${fmt(s.requestCpu)} / ${fmt(s.requestMemoryGiB)} GiB) cannot be scheduled on any ${smallest?.instanceType ?? 'workspace'} node`,
        fix: `Build ${s.name} as an EC2 template with its own instance type, shrink it, or use a larger workspace instance type.`,
      });
    } else if (!s.reachesLimits) {
      findings.push({
        id: `capacity-size-${s.name}`,
        status: 'warn',
        critical: false,
        required: `${s.limitCpu} vCPU, ${s.limitMemoryGiB} GiB`,
        current: `${fmt((smallest?.perNode.cpuMillis ?? 0) / 1000)} vCPU, ${fmt((smallest?.perNode.memoryMiB ?? 0) / 1024)} GiB on ${smallest?.instanceType ?? 'no node'}`,
        message: `size ${s.name} schedules but can never reach its limits (${s.limitCpu} vCPU / ${s.limitMemoryGiB} GiB) on one ${smallest?.instanceType ?? 'workspace'} node`,
        fix: `Lower ${s.name}'s limits to the node's allocatable capacity, or use a larger workspace instance type.`,
      });
    }
  }
  return findings;
}

export function computeCapacityFit(config: CoderPlatformConfig): CapacityFit {
  const ratio = config.workspaces.requestsToLimits;
  const counted = countWorkspaceGroups(config);
  const nodes = counted.reduce((n, g) => n + g.nodes, 0);
  const alloc = {
    cpu: r2(counted.reduce((n, g) => n + (g.nodes * g.perNode.cpuMillis) / 1000, 0)),
    memoryGiB: r2(counted.reduce((n, g) => n + (g.nodes * g.perNode.memoryMiB) / 1024, 0)),
    pods: counted.reduce((n, g) => n + g.nodes * g.perNode.pods, 0),
    volumeSlots: counted.reduce((n, g) => n + g.nodes * g.perNode.volumeSlots, 0),
  };
  // The smallest node bounds what one workspace can get.
  const smallest = [...counted].sort(
    (a, b) => a.perNode.cpuMillis - b.perNode.cpuMillis || a.perNode.memoryMiB - b.perNode.memoryMiB,
  )[0];
  const sizes = fitSizes(config, smallest);
  const podWorkspaces = sizes.reduce((n, s) => n + s.count, 0);
  const limits = {
    cpu: r2(sizes.reduce((n, s) => n + s.count * s.limitCpu, 0)),
    memoryGiB: r2(sizes.reduce((n, s) => n + s.count * s.limitMemoryGiB, 0)),
  };
  const requests = { cpu: r2(limits.cpu * ratio.cpu), memoryGiB: r2(limits.memoryGiB * ratio.memory) };
  const overcommit = {
    cpu: alloc.cpu > 0 ? r2(limits.cpu / alloc.cpu) : Number.POSITIVE_INFINITY,
    memory: alloc.memoryGiB > 0 ? r2(limits.memoryGiB / alloc.memoryGiB) : Number.POSITIVE_INFINITY,
  };
  const perNodeWorkspaces = nodes > 0 ? Math.ceil(podWorkspaces / nodes) : podWorkspaces;
  const perNode = {
    workspaces: perNodeWorkspaces,
    pods: perNodeWorkspaces + DAEMONSET_PODS,
    maxPods: smallest?.perNode.pods ?? 0,
    volumeSlots: smallest?.perNode.volumeSlots ?? 0,
  };
  const unschedulable = sizes.filter((s) => !s.schedulable).map((s) => s.name);
  const totals: Totals = {
    groups: counted,
    nodes,
    podWorkspaces,
    allocatable: alloc,
    limits,
    requests,
    overcommit,
    perNode,
    sizes,
  };
  const findings: CapacityFinding[] = [
    ...totalsFindings(config, totals),
    ...perNodeFindings(totals, smallest),
    ...sizeFindings(totals, smallest),
  ];
  return {
    groups: counted,
    nodes,
    podWorkspaces,
    allocatable: alloc,
    limits,
    requests,
    overcommit,
    perNode,
    sizes,
    unschedulable,
    findings,
  };
}
