/**
 * The service-quota bill of materials: every AWS quota the configured platform consumes, computed from the
 * resolved config (../shared/reference/aws-quotas.md §1–§2, seed-facts defects 10 and 24). Pure: no AWS.
 * Each line carries its verified service code + quota code, the expected quota name (asserted against
 * what Service Quotas returns), the required value and the arithmetic that produced it.
 */
import type { CoderPlatformConfig, NodeGroupConfig, WorkspaceSizeConfig } from '../config/schema.js';
import { STACK_KINDS } from '../deployment/outputs.js';
import { lookupInstanceType, quotaBucket, type QuotaBucket } from './instance-types.js';

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
  odStandard: { serviceCode: 'ec2', quotaCode: 'L-1216C47A', name: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances' },
  spotStandard: { serviceCode: 'ec2', quotaCode: 'L-34B43A08', name: 'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests' },
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
const EKS_CONTROL_PLANE_ENIS = 4;
/** NLB listeners the edge stack creates (TLS 443), one target group each. */
const NLB_LISTENERS = [443];
/** Concurrent restore tests (`restore-test` runs one at a time). */
const RESTORE_TESTS = 1;
/** Nodes a managed node group replaces at once, at most 100 (EKS update config). */
const MAX_PARALLEL_UPDATE = 100;

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** Workspaces of a size at the configured concurrency (rounded up: a partial workspace is a workspace). */
export function workspaceCount(concurrent: number, size: WorkspaceSizeConfig): number {
  return Math.ceil((concurrent * size.share) / 100 - 1e-9);
}

/**
 * Largest vCPU count among a group's instance types of one quota bucket (every type of the group may be the
 * one launched, but only the bucket's own types count against the bucket's quota).
 */
function groupVcpu(types: readonly string[], vcpus: Readonly<Record<string, number>>): number {
  return Math.max(...types.map((t) => vcpuOf(t, vcpus)));
}

function vcpuOf(type: string, vcpus: Readonly<Record<string, number>>): number {
  const v = vcpus[type] ?? lookupInstanceType(type)?.vcpu;
  if (v === undefined) throw new Error(`no vCPU figure for ${type}: pass it from ec2:DescribeInstanceTypes`);
  return v;
}

/** Nodes a version update adds: max(2 × AZs of the group, maxUnavailable), maxUnavailable taken at the group's max. */
export function upgradeSurgeNodes(group: NodeGroupConfig, azCount: number): { nodes: number; text: string } {
  const unavailable = typeof group.maxUnavailable === 'number'
    ? group.maxUnavailable
    : Math.min(MAX_PARALLEL_UPDATE, Math.ceil((group.maxSize * Number.parseInt(group.maxUnavailable, 10)) / 100));
  const nodes = Math.max(2 * azCount, unavailable);
  const unavailableText = typeof group.maxUnavailable === 'number' ? `${unavailable}` : `${group.maxUnavailable} of ${group.maxSize} = ${unavailable}`;
  return { nodes, text: `max(2 × ${azCount} AZs, maxUnavailable ${unavailableText}) = ${nodes}` };
}

/** Pod workspaces land on the workspace node groups; sizes with an instance type are EC2 workspaces. */
export function isEc2Size(size: WorkspaceSizeConfig): boolean {
  return size.instanceType !== undefined && size.template !== 'pod-swdev';
}

export function computeQuotaBill(config: CoderPlatformConfig, options: QuotaBillOptions = {}): QuotaBill {
  const buffer = options.buffer ?? 0.2;
  const vcpus = options.vcpus ?? {};
  const azCount = config.network.azCount;
  const groups = Object.entries(config.cluster.nodeGroups);
  const sizes = Object.entries(config.workspaces.sizes);
  const templates = new Set<string>(config.workspaces.templates);
  // Only sizes of enabled templates are billed: G/VT and P lines appear only when a GPU template is enabled.
  const ec2Sizes = sizes.filter(([, s]) => isEc2Size(s) && templates.has(s.template));
  const podSizes = sizes.filter(([, s]) => !isEc2Size(s));
  // Math.max: ⌈0 − 1e-9⌉ is -0, which an empty line must not show.
  const buffered = (base: number): number => Math.max(0, Math.ceil(base * (1 + buffer) - 1e-9));
  const pct = `${fmt(buffer * 100)} %`;
  const lines: QuotaLine[] = [];
  const add = (id: string, q: { serviceCode: string; quotaCode: string; name: string }, line: Omit<QuotaLine, 'id' | 'serviceCode' | 'quotaCode' | 'name' | 'global'>): void => {
    lines.push({ id, ...q, global: GLOBAL_SERVICE_CODES.has(q.serviceCode), ...line });
  };

  // ── vCPU per bucket × capacity type (§2.2) ──
  const buckets: { bucket: QuotaBucket; capacity: 'ON_DEMAND' | 'SPOT'; id: string; quota: (typeof QUOTAS)[keyof typeof QUOTAS] }[] = [
    { bucket: 'standard', capacity: 'ON_DEMAND', id: 'ec2-ondemand-standard-vcpu', quota: QUOTAS.odStandard },
    { bucket: 'standard', capacity: 'SPOT', id: 'ec2-spot-standard-vcpu', quota: QUOTAS.spotStandard },
    { bucket: 'g-vt', capacity: 'ON_DEMAND', id: 'ec2-ondemand-gvt-vcpu', quota: QUOTAS.odGvt },
    { bucket: 'g-vt', capacity: 'SPOT', id: 'ec2-spot-gvt-vcpu', quota: QUOTAS.spotGvt },
    { bucket: 'p', capacity: 'ON_DEMAND', id: 'ec2-ondemand-p-vcpu', quota: QUOTAS.odP },
    { bucket: 'p', capacity: 'SPOT', id: 'ec2-spot-p-vcpu', quota: QUOTAS.spotP },
  ];
  for (const { bucket, capacity, id, quota } of buckets) {
    const terms: string[] = [];
    let sum = 0;
    let surge = { vcpu: 0, text: '' };
    for (const [name, group] of groups) {
      if (group.capacityType !== capacity) continue;
      const inBucket = group.instanceTypes.filter((t) => quotaBucket(t) === bucket);
      if (inBucket.length === 0) continue;
      const v = groupVcpu(inBucket, vcpus);
      sum += group.maxSize * v;
      terms.push(`${name} ${group.maxSize} × ${v}${group.fallbackFor ? ` (on-demand fallback for ${group.fallbackFor})` : ''}`);
      const s = upgradeSurgeNodes(group, azCount);
      if (s.nodes * v > surge.vcpu) surge = { vcpu: s.nodes * v, text: `${name} ${s.text} nodes × ${v}` };
    }
    if (capacity === 'ON_DEMAND') {
      for (const [name, size] of ec2Sizes) {
        if (quotaBucket(size.instanceType!) !== bucket) continue;
        const count = workspaceCount(config.workspaces.concurrent, size);
        const v = vcpuOf(size.instanceType!, vcpus);
        sum += count * v;
        terms.push(`EC2 workspaces ${name} ${config.workspaces.concurrent} × ${size.share} % = ${count} × ${size.instanceType} ${v}`);
      }
    }
    if (sum === 0 && !(bucket === 'standard' && capacity === 'ON_DEMAND')) continue;
    const base = sum + surge.vcpu;
    const surgeText = surge.vcpu > 0 ? ` + largest upgrade surge (${surge.text} = ${fmt(surge.vcpu)})` : '';
    add(id, quota, {
      base, required: buffered(base), unit: 'vCPU', critical: true,
      arithmetic: `${terms.join(' + ') || 'none'} = ${fmt(sum)}${surgeText ? `${surgeText} = ${fmt(base)}` : ''}; × (1 + ${pct}) → ${fmt(buffered(base))}`,
    });
  }

  // ── Network ──
  const nat = config.network.natGateways;
  add('ec2-elastic-ips', QUOTAS.eips, { base: nat, required: nat, unit: 'count', critical: true, arithmetic: `1 per NAT gateway × ${nat} NAT gateway${nat === 1 ? '' : 's'} = ${nat}` });
  add('vpc-nat-per-az', QUOTAS.natPerAz, { base: 1, required: 1, unit: 'count', critical: true, perAz: true, arithmetic: `${nat} NAT gateway${nat === 1 ? '' : 's'} over ${azCount} AZs: at most 1 in each AZ` });
  add('vpc-vpcs', QUOTAS.vpcs, { base: 1, required: 1, unit: 'count', critical: true, arithmetic: '1 VPC' });
  add('vpc-internet-gateways', QUOTAS.igws, { base: 1, required: 1, unit: 'count', critical: true, arithmetic: '1 internet gateway' });
  const tiers = Object.keys(config.network.subnets).length;
  add('vpc-subnets-per-vpc', QUOTAS.subnets, { base: tiers * azCount, required: tiers * azCount, unit: 'count', critical: false, arithmetic: `${tiers} tiers × ${azCount} AZs = ${tiers * azCount}` });

  const dbInstances = config.database.engine === 'aurora-serverless-v2' ? 1 + config.database.readers : config.database.multiAz ? 2 : 1;
  const ec2Workspaces = ec2Sizes.reduce((n, [, s]) => n + workspaceCount(config.workspaces.concurrent, s), 0);
  const eniTerms: string[] = [];
  let nodeEnis = 0;
  for (const [name, group] of groups) {
    const enis = Math.max(...group.instanceTypes.map((t) => lookupInstanceType(t)?.enis ?? 1));
    nodeEnis += group.maxSize * enis;
    eniTerms.push(`${name} ${group.maxSize} × ${enis}`);
  }
  const endpoints = config.network.interfaceEndpoints.length * azCount;
  const eniBase = nodeEnis + azCount + nat + endpoints + dbInstances + EKS_CONTROL_PLANE_ENIS + ec2Workspaces;
  add('vpc-network-interfaces', QUOTAS.enis, {
    base: eniBase, required: buffered(eniBase), unit: 'count', critical: false,
    arithmetic: `nodes at max ${eniTerms.join(' + ')} = ${nodeEnis}; + NLB ${azCount} + NAT ${nat} + interface endpoints ${config.network.interfaceEndpoints.length} × ${azCount} = ${endpoints} + database ${dbInstances} + EKS control plane ${EKS_CONTROL_PLANE_ENIS} + EC2 workspaces ${ec2Workspaces} = ${fmt(eniBase)}; × (1 + ${pct}) → ${fmt(buffered(eniBase))}`,
  });
  add('elb-network-load-balancers', QUOTAS.nlbs, { base: 1, required: 1, unit: 'count', critical: true, arithmetic: '1 NLB in front of coderd' });
  add('elb-target-groups', QUOTAS.targetGroups, { base: NLB_LISTENERS.length, required: NLB_LISTENERS.length, unit: 'count', critical: false, arithmetic: `1 per NLB listener (${NLB_LISTENERS.join(', ')}) = ${NLB_LISTENERS.length}` });

  // ── EKS and Auto Scaling ──
  const groupCount = groups.length;
  add('eks-clusters', QUOTAS.eksClusters, { base: 1, required: 1, unit: 'count', critical: true, arithmetic: '1 EKS cluster' });
  add('eks-node-groups-per-cluster', QUOTAS.nodeGroups, { base: groupCount, required: groupCount, unit: 'count', critical: false, arithmetic: `${groupCount} managed node groups (${groups.map(([n]) => n).join(', ')})` });
  let largest = { nodes: 0, text: '' };
  for (const [name, group] of groups) {
    const s = upgradeSurgeNodes(group, azCount);
    if (group.maxSize + s.nodes > largest.nodes) largest = { nodes: group.maxSize + s.nodes, text: `${name} max ${group.maxSize} + surge ${s.text}` };
  }
  add('eks-nodes-per-node-group', QUOTAS.nodesPerGroup, { base: largest.nodes, required: largest.nodes, unit: 'count', critical: true, arithmetic: `${largest.text} = ${largest.nodes}` });
  add('autoscaling-groups', QUOTAS.asgs, { base: groupCount, required: groupCount, unit: 'count', critical: false, arithmetic: `1 Auto Scaling group per managed node group = ${groupCount}` });

  // ── Database, including what a restore test adds while it runs ──
  if (config.database.engine === 'aurora-serverless-v2') {
    const clusters = 1 + RESTORE_TESTS;
    add('rds-db-clusters', QUOTAS.dbClusters, { base: clusters, required: clusters, unit: 'count', critical: true, arithmetic: `1 Aurora cluster + ${RESTORE_TESTS} restored cluster during a restore test = ${clusters}` });
    const instances = dbInstances + RESTORE_TESTS;
    add('rds-db-instances', QUOTAS.dbInstances, { base: instances, required: instances, unit: 'count', critical: true, arithmetic: `writer 1 + readers ${config.database.readers} + ${RESTORE_TESTS} db.serverless instance in the restored cluster = ${instances}` });
  } else {
    const instances = 1 + RESTORE_TESTS;
    add('rds-db-instances', QUOTAS.dbInstances, { base: instances, required: instances, unit: 'count', critical: true, arithmetic: `1 RDS instance${config.database.multiAz ? ' (Multi-AZ standby is not counted)' : ''} + ${RESTORE_TESTS} restored instance during a restore test = ${instances}` });
    const storage = (config.database.allocatedStorageGiB ?? 0) * (1 + RESTORE_TESTS);
    add('rds-total-storage', QUOTAS.rdsStorage, { base: storage, required: storage, unit: 'GB', critical: false, arithmetic: `${config.database.allocatedStorageGiB ?? 0} GB × (1 + ${RESTORE_TESTS} restored copy) = ${storage}` });
  }

  // ── EBS gp3 TiB (§2.4): every persistent workspace volume + node roots + EC2 workspace volumes ──
  const wsTerms: string[] = [];
  let wsGiB = 0;
  for (const [name, size] of [...podSizes, ...ec2Sizes]) {
    const count = workspaceCount(config.workspaces.concurrent, size);
    wsGiB += count * size.storageGiB;
    wsTerms.push(`${name} ${count} × ${size.storageGiB}`);
  }
  const rootTerms: string[] = [];
  let rootGiB = 0;
  for (const [name, group] of groups) {
    rootGiB += group.maxSize * group.rootVolumeGiB;
    rootTerms.push(`${name} ${group.maxSize} × ${group.rootVolumeGiB}`);
  }
  const gp3Base = (wsGiB + rootGiB) / 1024;
  add('ebs-gp3-tib', QUOTAS.gp3, {
    base: Math.round(gp3Base * 100) / 100, required: buffered(gp3Base), unit: 'TiB', critical: true,
    arithmetic: `workspace volumes at ${config.workspaces.concurrent} workspaces (stopped workspaces keep theirs too) ${wsTerms.join(' + ')} = ${fmt(wsGiB)} GiB; node roots ${rootTerms.join(' + ')} = ${fmt(rootGiB)} GiB; (${fmt(wsGiB)} + ${fmt(rootGiB)}) / 1024 = ${fmt(gp3Base)} TiB; × (1 + ${pct}) → ${fmt(buffered(gp3Base))}`,
  });

  // ── The rest ──
  const secrets = 3 + 1 + (config.coder.oidc ? 1 : 0) + (config.coder.license ? 1 : 0);
  add('secretsmanager-secrets', QUOTAS.secrets, {
    base: secrets, required: secrets, unit: 'count', critical: false,
    arithmetic: `admin password, session token, provisioner key 3 + database master credentials 1${config.coder.oidc ? ' + OIDC client secret 1' : ''}${config.coder.license ? ' + license 1' : ''} = ${secrets}`,
  });
  const kms = 3;
  add('kms-keys', QUOTAS.kmsKeys, { base: kms, required: kms, unit: 'count', critical: false, arithmetic: 'EKS secrets 1 + database 1 + backup vault 1 = 3 (the DR vault key lives in the DR Region)' });
  const certs = config.dns.certificateArn ? 0 : 1;
  add('acm-certificates', QUOTAS.acmCerts, { base: certs, required: certs, unit: 'count', critical: false, arithmetic: config.dns.certificateArn ? 'existing certificate reused = 0' : '1 certificate for the host and its wildcard' });
  const zones = config.dns.hostedZoneId ? 0 : 1;
  add('route53-hosted-zones', QUOTAS.hostedZones, { base: zones, required: zones, unit: 'count', critical: false, arithmetic: config.dns.hostedZoneId ? 'existing hosted zone reused = 0' : `1 public hosted zone for ${config.dns.domain} if it does not exist yet` });
  const stacks = STACK_KINDS.length + 1;
  add('cloudformation-stacks', QUOTAS.stacks, { base: stacks, required: stacks, unit: 'count', critical: false, arithmetic: `${STACK_KINDS.length} platform stacks + CDKToolkit = ${stacks}` });

  const sized = new Set<string>(sizes.map(([, sz]) => sz.template));
  const unbilledTemplates = [...templates].filter((t) => t !== 'pod-swdev' && !sized.has(t));
  return { buffer, lines, unbilledTemplates };
}
