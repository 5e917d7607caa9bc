/**
 * The quota bill's model: its line and result types, the verified quota codes and the per-item arithmetic the
 * lines share (workspace counts, vCPU figures, upgrade surge). Pure: no AWS.
 */
import type { NodeGroupConfig, WorkspaceSizeConfig } from '../config/schema.js';
import { lookupInstanceType } from './instance-types.js';

export interface QuotaLine {
  /** Stable id, e.g. `ec2-ondemand-standard-vcpu`. */
  id: string;
  serviceCode: string;
  quotaCode: string;
  /** The exact name Service Quotas returns for this code. */
  name: string;
  /** What this deployment needs, buffer included where the line scales with load. */
  required: number;
  /** Before the buffer. */
  base: number;
  /** Unit shown to a person: vCPU, TiB, count. */
  unit: string;
  /** Short of this blocks Day 0. */
  critical: boolean;
  /** Only answerable in us-east-1 (Route 53, IAM). */
  global: boolean;
  /** The quota applies per AZ (NAT gateways): `required` is per AZ. */
  perAz?: boolean;
  /** The calculation, written out. */
  arithmetic: string;
}

export interface QuotaBill {
  /** Fractional headroom on lines that scale with load (vCPU, ENIs, gp3). */
  buffer: number;
  lines: QuotaLine[];
  /**
   * Enabled EC2 templates no workspace size uses: their instances are in no line, since neither the config
   * nor aws-quotas.md §2.3 gives their count (it gives only "+ Σ count × vCPU, On-Demand Standard").
   */
  unbilledTemplates: string[];
}

export interface QuotaBillOptions {
  /** @default 0.2 */
  buffer?: number;
  /** vCPUs by instance type from ec2:DescribeInstanceTypes; the offline table is the fallback. */
  vcpus?: Readonly<Record<string, number>>;
}

/** Verified codes (aws-quotas.md §1; §4 lists the wrong ones found in public material). */
export const QUOTAS = {
  odStandard: {
    serviceCode: 'ec2',
    quotaCode: 'L-1216C47A',
    name: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
  },
  spotStandard: {
    serviceCode: 'ec2',
    quotaCode: 'L-34B43A08',
    name: 'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests',
  },
  odGvt: { serviceCode: 'ec2', quotaCode: 'L-DB2E81BA', name: 'Running On-Demand G and VT instances' },
  spotGvt: { serviceCode: 'ec2', quotaCode: 'L-3819A6DF', name: 'All G and VT Spot Instance Requests' },
  odP: { serviceCode: 'ec2', quotaCode: 'L-417A185B', name: 'Running On-Demand P instances' },
  spotP: { serviceCode: 'ec2', quotaCode: 'L-7212CCBC', name: 'All P Spot Instance Requests' },
  eips: { serviceCode: 'ec2', quotaCode: 'L-0263D0A3', name: 'EC2-VPC Elastic IPs' },
  vpcs: { serviceCode: 'vpc', quotaCode: 'L-F678F1CE', name: 'VPCs per Region' },
  igws: { serviceCode: 'vpc', quotaCode: 'L-A4707A72', name: 'Internet gateways per Region' },
  natPerAz: { serviceCode: 'vpc', quotaCode: 'L-FE5A380F', name: 'NAT gateways per Availability Zone' },
  subnets: { serviceCode: 'vpc', quotaCode: 'L-407747CB', name: 'Subnets per VPC' },
  enis: { serviceCode: 'vpc', quotaCode: 'L-DF5E4CA3', name: 'Network interfaces per Region' },
  nlbs: { serviceCode: 'elasticloadbalancing', quotaCode: 'L-69A177A2', name: 'Network Load Balancers per Region' },
  targetGroups: { serviceCode: 'elasticloadbalancing', quotaCode: 'L-B22855CB', name: 'Target Groups per Region' },
  eksClusters: { serviceCode: 'eks', quotaCode: 'L-1194D53C', name: 'Clusters' },
  nodeGroups: { serviceCode: 'eks', quotaCode: 'L-6D54EA21', name: 'Managed node groups per cluster' },
  nodesPerGroup: { serviceCode: 'eks', quotaCode: 'L-BD136A63', name: 'Nodes per managed node group' },
  asgs: { serviceCode: 'autoscaling', quotaCode: 'L-CDE20ADC', name: 'Auto Scaling groups per region' },
  dbClusters: { serviceCode: 'rds', quotaCode: 'L-952B80B8', name: 'DB clusters' },
  dbInstances: { serviceCode: 'rds', quotaCode: 'L-7B6409FD', name: 'DB instances' },
  rdsStorage: { serviceCode: 'rds', quotaCode: 'L-7ADDB58A', name: 'Total storage for all DB instances' },
  gp3: { serviceCode: 'ebs', quotaCode: 'L-7A658B76', name: 'Storage for General Purpose SSD (gp3) volumes, in TiB' },
  secrets: { serviceCode: 'secretsmanager', quotaCode: 'L-2F66C23C', name: 'Secrets' },
  kmsKeys: { serviceCode: 'kms', quotaCode: 'L-C2F1777E', name: 'Customer Master Keys (CMKs)' },
  acmCerts: { serviceCode: 'acm', quotaCode: 'L-F141DD1D', name: 'ACM certificates' },
  hostedZones: { serviceCode: 'route53', quotaCode: 'L-4EA4796A', name: 'Hosted zones' },
  stacks: { serviceCode: 'cloudformation', quotaCode: 'L-0485CB21', name: 'Stack count' },
} as const;

/** Service codes whose quotas only the us-east-1 endpoint answers. */
export const GLOBAL_SERVICE_CODES: ReadonlySet<string> = new Set(['route53', 'iam']);

/** EKS control-plane ENIs placed in the cluster subnets (at most 4). */
export const EKS_CONTROL_PLANE_ENIS = 4;
/** NLB listeners the edge stack creates (TLS 443), one target group each. */
export const NLB_LISTENERS = [443];
/** Concurrent restore tests (`restore-test` runs one at a time). */
export const RESTORE_TESTS = 1;
/** Nodes a managed node group replaces at once, at most 100 (EKS update config). */
const MAX_PARALLEL_UPDATE = 100;

export const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** Workspaces of a size at the configured concurrency (rounded up: a partial workspace is a workspace). */
export function workspaceCount(concurrent: number, size: WorkspaceSizeConfig): number {
  return Math.ceil((concurrent * size.share) / 100 - 1e-9);
}

/**
 * Largest vCPU count among a group's instance types of one quota bucket (every type of the group may be the
 * one launched, but only the bucket's own types count against the bucket's quota).
 */
export function groupVcpu(types: readonly string[], vcpus: Readonly<Record<string, number>>): number {
  return Math.max(...types.map((t) => vcpuOf(t, vcpus)));
}

export function vcpuOf(type: string, vcpus: Readonly<Record<string, number>>): number {
  const v = vcpus[type] ?? lookupInstanceType(type)?.vcpu;
  if (v === undefined) throw new Error(`no vCPU figure for ${type}: pass it from ec2:DescribeInstanceTypes`);
  return v;
}

/** Nodes a version update adds: max(2 × AZs of the group, maxUnavailable), maxUnavailable taken at the group's max. */
export function upgradeSurgeNodes(group: NodeGroupConfig, azCount: number): { nodes: number; text: string } {
  const unavailable =
    typeof group.maxUnavailable === 'number'
      ? group.maxUnavailable
      : Math.min(MAX_PARALLEL_UPDATE, Math.ceil((group.maxSize * Number.parseInt(group.maxUnavailable, 10)) / 100));
  const nodes = Math.max(2 * azCount, unavailable);
  const unavailableText =
    typeof group.maxUnavailable === 'number'
      ? `${unavailable}`
      : `${group.maxUnavailable} of ${group.maxSize} = ${unavailable}`;
  return { nodes, text: `max(2 × ${azCount} AZs, maxUnavailable ${unavailableText}) = ${nodes}` };
}

/** Pod workspaces land on the workspace node groups; sizes with an instance type are EC2 workspaces. */
export function isEc2Size(size: WorkspaceSizeConfig): boolean {
  return size.instanceType !== undefined && size.template !== 'pod-swdev';
}
