/**
 * The service-quota bill of materials: every AWS quota the configured platform consumes, computed from the
 * resolved config (../shared/reference/aws-quotas.md §1–§2, seed-facts defects 10 and 24). Pure: no AWS.
 * Each line carries its verified service code + quota code, the expected quota name (asserted against
 * what Service Quotas returns), the required value and the arithmetic that produced it.
 */
import type { CoderPlatformConfig, WorkspaceSizeConfig } from '../config/schema.js';
import { STACK_KINDS } from '../deployment/outputs.js';
import { lookupInstanceType, quotaBucket, type QuotaBucket } from './instance-types.js';
import {
  EKS_CONTROL_PLANE_ENIS,
  fmt,
  GLOBAL_SERVICE_CODES,
  groupVcpu,
  isEc2Size,
  NLB_LISTENERS,
  QUOTAS,
  RESTORE_TESTS,
  upgradeSurgeNodes,
  vcpuOf,
  workspaceCount,
  type QuotaBill,
  type QuotaBillOptions,
  type QuotaLine,
} from './quota-bill-model.js';

export {
  GLOBAL_SERVICE_CODES,
  isEc2Size,
  QUOTAS,
  upgradeSurgeNodes,
  workspaceCount,
  type QuotaBill,
  type QuotaBillOptions,
  type QuotaLine,
} from './quota-bill-model.js';

/** What every section of the bill reads, and `add` to append a line. */
interface Bill {
  config: CoderPlatformConfig;
  vcpus: Readonly<Record<string, number>>;
  azCount: number;
  groups: [string, CoderPlatformConfig['cluster']['nodeGroups'][string]][];
  ec2Sizes: [string, WorkspaceSizeConfig][];
  podSizes: [string, WorkspaceSizeConfig][];
  dbInstances: number;
  buffered: (base: number) => number;
  pct: string;
  add: (
    id: string,
    q: { serviceCode: string; quotaCode: string; name: string },
    line: Omit<QuotaLine, 'id' | 'serviceCode' | 'quotaCode' | 'name' | 'global'>,
  ) => void;
}

/** vCPU per bucket × capacity type (§2.2): node groups at max, the largest upgrade surge, EC2 workspaces. */
function vcpuLines(b: Bill): void {
  const { config, vcpus, azCount, groups, ec2Sizes, buffered, pct, add } = b;
  const buckets: {
    bucket: QuotaBucket;
    capacity: 'ON_DEMAND' | 'SPOT';
    id: string;
    quota: (typeof QUOTAS)[keyof typeof QUOTAS];
  }[] = [
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
      terms.push(
        `${name} ${group.maxSize} × ${v}${group.fallbackFor ? ` (on-demand fallback for ${group.fallbackFor})` : ''}`,
      );
      const s = upgradeSurgeNodes(group, azCount);
      if (s.nodes * v > surge.vcpu) surge = { vcpu: s.nodes * v, text: `${name} ${s.text} nodes × ${v}` };
    }
    if (capacity === 'ON_DEMAND') {
      for (const [name, size] of ec2Sizes) {
        if (quotaBucket(size.instanceType!) !== bucket) continue;
        const count = workspaceCount(config.workspaces.concurrent, size);
        const v = vcpuOf(size.instanceType!, vcpus);
        sum += count * v;
        terms.push(
          `EC2 workspaces ${name} ${config.workspaces.concurrent} × ${size.share} % = ${count} × ${size.instanceType} ${v}`,
        );
      }
    }
    if (sum === 0 && !(bucket === 'standard' && capacity === 'ON_DEMAND')) continue;
    const base = sum + surge.vcpu;
    const surgeText = surge.vcpu > 0 ? ` + largest upgrade surge (${surge.text} = ${fmt(surge.vcpu)})` : '';
    add(id, quota, {
      base,
      required: buffered(base),
      unit: 'vCPU',
      critical: true,
      arithmetic: `${terms.join(' + ') || 'none'} = ${fmt(sum)}${surgeText ? `${surgeText} = ${fmt(base)}` : ''}; × (1 + ${pct}) → ${fmt(buffered(base))}`,
    });
  }
}

/** Network: Elastic IPs, NAT gateways, VPC, subnets, network interfaces, the load balancer. */
function networkLines(b: Bill): void {
  const { config, azCount, groups, ec2Sizes, dbInstances, buffered, pct, add } = b;
  const nat = config.network.natGateways;
  add('ec2-elastic-ips', QUOTAS.eips, {
    base: nat,
    required: nat,
    unit: 'count',
    critical: true,
    arithmetic: `1 per NAT gateway × ${nat} NAT gateway${nat === 1 ? '' : 's'} = ${nat}`,
  });
  add('vpc-nat-per-az', QUOTAS.natPerAz, {
    base: 1,
    required: 1,
    unit: 'count',
    critical: true,
    perAz: true,
    arithmetic: `${nat} NAT gateway${nat === 1 ? '' : 's'} over ${azCount} AZs: at most 1 in each AZ`,
  });
  add('vpc-vpcs', QUOTAS.vpcs, { base: 1, required: 1, unit: 'count', critical: true, arithmetic: '1 VPC' });
  add('vpc-internet-gateways', QUOTAS.igws, {
    base: 1,
    required: 1,
    unit: 'count',
    critical: true,
    arithmetic: '1 internet gateway',
  });
  const tiers = Object.keys(config.network.subnets).length;
  add('vpc-subnets-per-vpc', QUOTAS.subnets, {
    base: tiers * azCount,
    required: tiers * azCount,
    unit: 'count',
    critical: false,
    arithmetic: `${tiers} tiers × ${azCount} AZs = ${tiers * azCount}`,
  });

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
    base: eniBase,
    required: buffered(eniBase),
    unit: 'count',
    critical: false,
    arithmetic: `nodes at max ${eniTerms.join(' + ')} = ${nodeEnis}; + NLB ${azCount} + NAT ${nat} + interface endpoints ${config.network.interfaceEndpoints.length} × ${azCount} = ${endpoints} + database ${dbInstances} + EKS control plane ${EKS_CONTROL_PLANE_ENIS} + EC2 workspaces ${ec2Workspaces} = ${fmt(eniBase)}; × (1 + ${pct}) → ${fmt(buffered(eniBase))}`,
  });
  add('elb-network-load-balancers', QUOTAS.nlbs, {
    base: 1,
    required: 1,
    unit: 'count',
    critical: true,
    arithmetic: '1 NLB in front of coderd',
  });
  add('elb-target-groups', QUOTAS.targetGroups, {
    base: NLB_LISTENERS.length,
    required: NLB_LISTENERS.length,
    unit: 'count',
    critical: false,
    arithmetic: `1 per NLB listener (${NLB_LISTENERS.join(', ')}) = ${NLB_LISTENERS.length}`,
  });
}

/** EKS and Auto Scaling: the cluster, its node groups and the nodes of the largest one during an update. */
function eksLines(b: Bill): void {
  const { azCount, groups, add } = b;
  const groupCount = groups.length;
  add('eks-clusters', QUOTAS.eksClusters, {
    base: 1,
    required: 1,
    unit: 'count',
    critical: true,
    arithmetic: '1 EKS cluster',
  });
  add('eks-node-groups-per-cluster', QUOTAS.nodeGroups, {
    base: groupCount,
    required: groupCount,
    unit: 'count',
    critical: false,
    arithmetic: `${groupCount} managed node groups (${groups.map(([n]) => n).join(', ')})`,
  });
  let largest = { nodes: 0, text: '' };
  for (const [name, group] of groups) {
    const s = upgradeSurgeNodes(group, azCount);
    if (group.maxSize + s.nodes > largest.nodes)
      largest = { nodes: group.maxSize + s.nodes, text: `${name} max ${group.maxSize} + surge ${s.text}` };
  }
  add('eks-nodes-per-node-group', QUOTAS.nodesPerGroup, {
    base: largest.nodes,
    required: largest.nodes,
    unit: 'count',
    critical: true,
    arithmetic: `${largest.text} = ${largest.nodes}`,
  });
  add('autoscaling-groups', QUOTAS.asgs, {
    base: groupCount,
    required: groupCount,
    unit: 'count',
    critical: false,
    arithmetic: `1 Auto Scaling group per managed node group = ${groupCount}`,
  });
}

/** Database, including what a restore test adds while it runs. */
function databaseLines(b: Bill): void {
  const { config, dbInstances, add } = b;
  if (config.database.engine === 'aurora-serverless-v2') {
    const clusters = 1 + RESTORE_TESTS;
    add('rds-db-clusters', QUOTAS.dbClusters, {
      base: clusters,
      required: clusters,
      unit: 'count',
      critical: true,
      arithmetic: `1 Aurora cluster + ${RESTORE_TESTS} restored cluster during a restore test = ${clusters}`,
    });
    const instances = dbInstances + RESTORE_TESTS;
    add('rds-db-instances', QUOTAS.dbInstances, {
      base: instances,
      required: instances,
      unit: 'count',
      critical: true,
      arithmetic: `writer 1 + readers ${config.database.readers} + ${RESTORE_TESTS} db.serverless instance in the restored cluster = ${instances}`,
    });
  } else {
    const instances = 1 + RESTORE_TESTS;
    add('rds-db-instances', QUOTAS.dbInstances, {
      base: instances,
      required: instances,
      unit: 'count',
      critical: true,
      arithmetic: `1 RDS instance${config.database.multiAz ? ' (Multi-AZ standby is not counted)' : ''} + ${RESTORE_TESTS} restored instance during a restore test = ${instances}`,
    });
    const storage = (config.database.allocatedStorageGiB ?? 0) * (1 + RESTORE_TESTS);
    add('rds-total-storage', QUOTAS.rdsStorage, {
      base: storage,
      required: storage,
      unit: 'GB',
      critical: false,
      arithmetic: `${config.database.allocatedStorageGiB ?? 0} GB × (1 + ${RESTORE_TESTS} restored copy) = ${storage}`,
    });
  }
}

/** EBS gp3 TiB (§2.4): every persistent workspace volume + node roots + EC2 workspace volumes. */
function gp3Line(b: Bill): void {
  const { config, groups, ec2Sizes, podSizes, buffered, pct, add } = b;
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
    base: Math.round(gp3Base * 100) / 100,
    required: buffered(gp3Base),
    unit: 'TiB',
    critical: true,
    arithmetic: `workspace volumes at ${config.workspaces.concurrent} workspaces (stopped workspaces keep theirs too) ${wsTerms.join(' + ')} = ${fmt(wsGiB)} GiB; node roots ${rootTerms.join(' + ')} = ${fmt(rootGiB)} GiB; (${fmt(wsGiB)} + ${fmt(rootGiB)}) / 1024 = ${fmt(gp3Base)} TiB; × (1 + ${pct}) → ${fmt(buffered(gp3Base))}`,
  });
}

/** The rest: secrets, KMS keys, certificates, hosted zones, CloudFormation stacks. */
function otherLines(b: Bill): void {
  const { config, add } = b;
  const secrets = 3 + 1 + (config.coder.oidc ? 1 : 0) + (config.coder.license ? 1 : 0);
  add('secretsmanager-secrets', QUOTAS.secrets, {
    base: secrets,
    required: secrets,
    unit: 'count',
    critical: false,
    arithmetic: `admin password, session token, provisioner key 3 + database master credentials 1${config.coder.oidc ? ' + OIDC client secret 1' : ''}${config.coder.license ? ' + license 1' : ''} = ${secrets}`,
  });
  const kms = 3;
  add('kms-keys', QUOTAS.kmsKeys, {
    base: kms,
    required: kms,
    unit: 'count',
    critical: false,
    arithmetic: 'EKS secrets 1 + database 1 + backup vault 1 = 3 (the DR vault key lives in the DR Region)',
  });
  const certs = config.dns.certificateArn ? 0 : 1;
  add('acm-certificates', QUOTAS.acmCerts, {
    base: certs,
    required: certs,
    unit: 'count',
    critical: false,
    arithmetic: config.dns.certificateArn
      ? 'existing certificate reused = 0'
      : '1 certificate for the host and its wildcard',
  });
  const zones = config.dns.hostedZoneId ? 0 : 1;
  add('route53-hosted-zones', QUOTAS.hostedZones, {
    base: zones,
    required: zones,
    unit: 'count',
    critical: false,
    arithmetic: config.dns.hostedZoneId
      ? 'existing hosted zone reused = 0'
      : `1 public hosted zone for ${config.dns.domain} if it does not exist yet`,
  });
  const stacks = STACK_KINDS.length + 1;
  add('cloudformation-stacks', QUOTAS.stacks, {
    base: stacks,
    required: stacks,
    unit: 'count',
    critical: false,
    arithmetic: `${STACK_KINDS.length} platform stacks + CDKToolkit = ${stacks}`,
  });
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
  const add = (
    id: string,
    q: { serviceCode: string; quotaCode: string; name: string },
    line: Omit<QuotaLine, 'id' | 'serviceCode' | 'quotaCode' | 'name' | 'global'>,
  ): void => {
    lines.push({ id, ...q, global: GLOBAL_SERVICE_CODES.has(q.serviceCode), ...line });
  };
  const dbInstances =
    config.database.engine === 'aurora-serverless-v2' ? 1 + config.database.readers : config.database.multiAz ? 2 : 1;
  const b: Bill = { config, vcpus, azCount, groups, ec2Sizes, podSizes, dbInstances, buffered, pct, add };
  vcpuLines(b);
  networkLines(b);
  eksLines(b);
  databaseLines(b);
  gp3Line(b);
  otherLines(b);

  const sized = new Set<string>(sizes.map(([, sz]) => sz.template));
  const unbilledTemplates = [...templates].filter((t) => t !== 'pod-swdev' && !sized.has(t));
  return { buffer, lines, unbilledTemplates };
}
