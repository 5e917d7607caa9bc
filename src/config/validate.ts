/**
 * Rules that relate fields to each other. Each returns issues with a key path and a valid example;
 * the loader adds the YAML line and column. Every rule runs, so all problems are reported together.
 */
import type { ConfigIssue } from '../errors.js';
import { INSTANCE_TYPES, ipsPerNode, lookupInstanceType } from '../sizing/instance-types.js';
import { contains, overlaps, parseCidr, usableSubnetAddresses, type Cidr } from './cidr.js';
import type { CoderPlatformConfig, NodeGroupConfig } from './schema.js';

type Issue = Omit<ConfigIssue, 'line' | 'column'>;
type Section = keyof CoderPlatformConfig;

const PRIVATE_TIERS_FORBIDDEN_FOR_NODES = new Set(['public', 'database']);

/**
 * The top-level sections that passed the schema. When one section is invalid the rules that only need
 * the others still run, so a wrong CIDR and a wrong timezone are reported in the same run.
 */
export type ValidSections = Partial<CoderPlatformConfig>;

/**
 * A rule and the parts it reads: `section` (all of it) or `section.key`. When the schema failed, a rule
 * runs on the repaired sections (./partial.ts) unless one of the parts it reads failed.
 */
interface Rule {
  needs: readonly string[];
  run: (config: CoderPlatformConfig) => Issue[];
}
const rule = <K extends Section>(
  needs: readonly string[],
  run: (config: Pick<CoderPlatformConfig, K>) => Issue[],
): Rule => ({ needs, run: run as Rule['run'] });

const RULES: Rule[] = [
  rule(['network.vpcCidr'], validateVpcCidr),
  rule(['network.natGateways', 'network.azCount'], validateNatGateways),
  rule(['aws.availabilityZones', 'aws.region', 'network.azCount'], validateAvailabilityZones),
  rule(['network.subnets', 'network.azCount'], validateTiers),
  rule(['network.subnets', 'network.vpcCidr'], validateSubnets),
  rule(['network.subnets', 'network.azCount', 'cluster.nodeGroups'], validateSubnetCapacity),
  rule(['cluster.nodeGroups', 'cluster.confirmedInstanceTypes'], validateNodeGroups),
  rule(['cluster.endpointAccess'], validateEndpointAccess),
  rule(['cluster.nodeGroups', 'network.subnets'], validateNodeGroupTiers),
  rule(['database', 'aws.region'], validateDatabase),
  rule(['dns.domain', 'dns.subdomain'], validateDnsNames),
  rule(['dns.certificateArn', 'aws.region'], validateCertificateRegion),
  rule(['workspaces.sizes', 'workspaces.templates', 'cluster.confirmedInstanceTypes'], validateWorkspaces),
  rule(['schedule.timezone'], (c: Pick<CoderPlatformConfig, 'schedule'>) => validateTimezone(c.schedule.timezone)),
  rule(['schedule.scaleUp', 'schedule.scaleDown'], validateScheduleTimes),
  rule(['schedule.weekdays'], validateWeekdays),
  rule(['schedule.nodeGroups'], validateOffHours),
  rule(['schedule.nodeGroups', 'cluster.nodeGroups'], validateScheduleGroups),
];

/** Every cross-field rule, on a config that passed the schema. */
export function validateSemantics(config: CoderPlatformConfig): Issue[] {
  return validateSections(config);
}

/**
 * The cross-field rules on the sections that parsed, skipping a rule when a part it reads is missing or
 * listed in `failed` (`section` or `section.key`, see ./partial.ts).
 */
export function validateSections(sections: ValidSections, failed: ReadonlySet<string> = new Set()): Issue[] {
  const blocked = (need: string) => {
    const [section] = need.split('.');
    if (sections[section as Section] === undefined || failed.has(section!) || failed.has(need)) return true;
    return need === section && [...failed].some((part) => part.startsWith(`${section}.`));
  };
  const issues: Issue[] = [];
  for (const r of RULES) {
    if (!r.needs.some(blocked)) issues.push(...r.run(sections as CoderPlatformConfig));
  }
  return issues;
}

function validateVpcCidr(config: Pick<CoderPlatformConfig, 'network'>): Issue[] {
  const vpc = parseCidr(config.network.vpcCidr);
  if (!vpc.ok) return [{ path: 'network.vpcCidr', message: vpc.reason, example: '10.0.0.0/16' }];
  if (vpc.cidr.prefix < 16 || vpc.cidr.prefix > 28)
    return [
      {
        path: 'network.vpcCidr',
        message: `a VPC CIDR must be between /16 and /28, found /${vpc.cidr.prefix}`,
        example: '10.0.0.0/16',
      },
    ];
  return [];
}

function validateNatGateways({ network }: Pick<CoderPlatformConfig, 'network'>): Issue[] {
  if (network.natGateways <= network.azCount) return [];
  return [
    {
      path: 'network.natGateways',
      message: `${network.natGateways} NAT gateways for ${network.azCount} AZs: at most one per AZ`,
      example: `natGateways: ${network.azCount}`,
    },
  ];
}

/** AZ names belong to the deployment region (us-east-1a for us-east-1), each once, one per azCount. */
function validateAvailabilityZones(config: Pick<CoderPlatformConfig, 'aws' | 'network'>): Issue[] {
  const zones = config.aws.availabilityZones;
  if (zones === undefined) return [];
  const { region } = config.aws;
  const example = `availabilityZones: [${'abcdef'
    .slice(0, config.network.azCount)
    .split('')
    .map((l) => `${region}${l}`)
    .join(', ')}]`;
  const issues: Issue[] = [];
  if (zones.length < config.network.azCount) {
    issues.push({
      path: 'aws.availabilityZones',
      message: `lists ${zones.length} zones but network.azCount is ${config.network.azCount}`,
      example,
    });
  }
  zones.forEach((zone, index) => {
    const path = `aws.availabilityZones[${index}]`;
    if (!/^[a-z]$/.test(zone.slice(region.length)) || !zone.startsWith(region)) {
      issues.push({ path, message: `${zone} is not an availability zone of the deployment region ${region}`, example });
    } else if (zones.indexOf(zone) !== index) {
      issues.push({ path, message: `${zone} is listed twice`, example });
    }
  });
  return issues;
}

function validateTiers({ network }: Pick<CoderPlatformConfig, 'network'>): Issue[] {
  const issues: Issue[] = [];
  for (const required of ['public', 'database']) {
    if (!(required in network.subnets))
      issues.push({
        path: `network.subnets.${required}`,
        message: `the ${required} tier is required`,
        example: `${required}: [10.0.0.0/20, 10.0.16.0/20]`,
      });
  }
  for (const [tier, cidrs] of Object.entries(network.subnets)) {
    if (cidrs.length !== network.azCount) {
      issues.push({
        path: `network.subnets.${tier}`,
        message: `has ${cidrs.length} CIDR${cidrs.length === 1 ? '' : 's'}; each tier needs exactly one per AZ (${network.azCount})`,
        example: exampleTier(network.azCount),
      });
    }
  }
  return issues;
}

function validateSubnets({ network }: Pick<CoderPlatformConfig, 'network'>): Issue[] {
  const issues: Issue[] = [];
  const vpc = parseCidr(network.vpcCidr);
  const parsed: { path: string; cidr: Cidr }[] = [];
  for (const [tier, cidrs] of Object.entries(network.subnets)) {
    cidrs.forEach((text, index) => {
      const path = `network.subnets.${tier}[${index}]`;
      const result = parseCidr(text);
      if (!result.ok) {
        issues.push({ path, message: result.reason, example: '10.0.32.0/19' });
        return;
      }
      if (result.cidr.prefix > 28 || result.cidr.prefix < 16)
        issues.push({
          path,
          message: `subnets must be between /16 and /28, found /${result.cidr.prefix}`,
          example: '10.0.32.0/20',
        });
      if (vpc.ok && !contains(vpc.cidr, result.cidr))
        issues.push({
          path,
          message: `${text} is outside the VPC CIDR ${network.vpcCidr}`,
          example: 'a block inside the VPC CIDR, such as 10.0.32.0/20',
        });
      for (const other of parsed) {
        if (overlaps(other.cidr, result.cidr))
          issues.push({
            path,
            message: `${text} overlaps ${other.cidr.text} (${other.path})`,
            example: 'a block that no other subnet uses',
          });
      }
      parsed.push({ path, cidr: result.cidr });
    });
  }
  return issues;
}

function validateSubnetCapacity(config: Pick<CoderPlatformConfig, 'network' | 'cluster'>): Issue[] {
  const issues: Issue[] = [];
  const { network } = config;
  // Every IP a node can hold must fit in its tier's subnets, per AZ, with nodes spread evenly.
  const demand = new Map<string, number>();
  const groups = config.cluster.nodeGroups;
  for (const group of Object.values(groups)) {
    const ips = Math.max(
      ...group.instanceTypes.map((t) => (lookupInstanceType(t) ? ipsPerNode(lookupInstanceType(t)!) : 0)),
    );
    // A fallback group replaces unavailable Spot capacity: the pair counts as the larger of the two.
    const partner = group.fallbackFor ? groups[group.fallbackFor] : undefined;
    const nodes = partner ? Math.max(0, group.maxSize - partner.maxSize) : group.maxSize;
    demand.set(group.subnetTier, (demand.get(group.subnetTier) ?? 0) + nodes * ips);
  }
  for (const [tier, ips] of demand) {
    const cidrs = network.subnets[tier];
    if (!cidrs) continue;
    const smallest = Math.min(
      ...cidrs.map((c) => {
        const r = parseCidr(c);
        return r.ok ? usableSubnetAddresses(r.cidr) : Number.POSITIVE_INFINITY;
      }),
    );
    const perAz = Math.ceil(ips / network.azCount);
    if (Number.isFinite(smallest) && perAz > smallest) {
      issues.push({
        path: `network.subnets.${tier}`,
        message: `too small: the node groups in this tier can hold ${ips} IPs at their maximum (${perAz} per AZ) but each subnet has only ${smallest} usable addresses`,
        example: 'a larger block per AZ (e.g. /19), or a lower node-group maxSize',
      });
    }
  }
  return issues;
}

/** A public endpoint needs the CIDRs that may reach it; a private one takes none (they would be silently ignored). */
function validateEndpointAccess(config: Pick<CoderPlatformConfig, 'cluster'>): Issue[] {
  const { mode, publicCidrs } = config.cluster.endpointAccess;
  const path = 'cluster.endpointAccess.publicCidrs';
  if (mode === 'public-and-private' && publicCidrs.length === 0) {
    return [
      {
        path,
        message: 'a public endpoint needs the CIDRs that may reach it (there is no world-open default)',
        example: 'publicCidrs: [203.0.113.0/24]  (or mode: private)',
      },
    ];
  }
  if (mode === 'private' && publicCidrs.length > 0) {
    return [
      {
        path,
        message: `mode private has no public endpoint, so ${publicCidrs.join(', ')} would be ignored`,
        example: 'mode: public-and-private',
      },
    ];
  }
  const issues: Issue[] = [];
  publicCidrs.forEach((text, index) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) issues.push({ path: `${path}[${index}]`, message: parsed.reason, example: '203.0.113.0/24' });
  });
  return issues;
}

function validateNodeGroups(config: Pick<CoderPlatformConfig, 'cluster'>): Issue[] {
  const issues: Issue[] = [];
  const confirmed = new Set(config.cluster.confirmedInstanceTypes);
  const groups = config.cluster.nodeGroups;
  if (Object.keys(groups).length === 0)
    issues.push({
      path: 'cluster.nodeGroups',
      message: 'at least one node group is required',
      example: 'see the mvp-500 profile',
    });
  for (const role of ['control', 'provisioner', 'workspace'] as const) {
    if (!Object.values(groups).some((g) => g.role === role))
      issues.push({
        path: 'cluster.nodeGroups',
        message: `no node group has role ${role}`,
        example: `coder-${role}: { role: ${role}, … }`,
      });
  }
  for (const [name, group] of Object.entries(groups)) {
    const base = `cluster.nodeGroups.${name}`;
    issues.push(...validateNodeGroupBounds(name, group));
    group.instanceTypes.forEach((type, index) => {
      if (!(type in INSTANCE_TYPES) && !confirmed.has(type)) {
        issues.push({
          path: `${base}.instanceTypes[${index}]`,
          message: `${type} is not in the sizing table; check the name, or add it to cluster.confirmedInstanceTypes to confirm it exists`,
          example: 'm5.2xlarge',
        });
      }
    });
    if (group.fallbackFor !== undefined) {
      const target = groups[group.fallbackFor];
      if (!target)
        issues.push({
          path: `${base}.fallbackFor`,
          message: `no node group named ${group.fallbackFor}`,
          example: 'fallbackFor: coder-ws',
        });
      else if (target.capacityType !== 'SPOT' || group.capacityType !== 'ON_DEMAND')
        issues.push({
          path: `${base}.fallbackFor`,
          message: 'a fallback group must be ON_DEMAND and stand in for a SPOT group',
          example: 'capacityType: ON_DEMAND, fallbackFor: coder-ws',
        });
    }
  }
  return issues;
}

/** min ≤ desired ≤ max for one group; also run on groups that are valid while the rest of `cluster` is not. */
export function validateNodeGroupBounds(
  name: string,
  group: Pick<NodeGroupConfig, 'minSize' | 'desiredSize' | 'maxSize'>,
): Issue[] {
  const base = `cluster.nodeGroups.${name}`;
  const issues: Issue[] = [];
  if (group.minSize > group.desiredSize)
    issues.push({
      path: `${base}.minSize`,
      message: `minSize ${group.minSize} is above desiredSize ${group.desiredSize}`,
      example: `minSize: ${group.desiredSize}`,
    });
  if (group.desiredSize > group.maxSize)
    issues.push({
      path: `${base}.desiredSize`,
      message: `desiredSize ${group.desiredSize} is above maxSize ${group.maxSize}`,
      example: `desiredSize: ${group.maxSize}`,
    });
  return issues;
}

function validateNodeGroupTiers(config: Pick<CoderPlatformConfig, 'cluster' | 'network'>): Issue[] {
  const issues: Issue[] = [];
  const tiers = Object.keys(config.network.subnets);
  const example = `subnetTier: ${tiers.find((t) => !PRIVATE_TIERS_FORBIDDEN_FOR_NODES.has(t)) ?? 'private'}`;
  for (const [name, group] of Object.entries(config.cluster.nodeGroups)) {
    const path = `cluster.nodeGroups.${name}.subnetTier`;
    if (!(group.subnetTier in config.network.subnets)) {
      issues.push({
        path,
        message: `tier "${group.subnetTier}" is not defined in network.subnets (${tiers.join(', ')})`,
        example,
      });
    } else if (PRIVATE_TIERS_FORBIDDEN_FOR_NODES.has(group.subnetTier)) {
      issues.push({ path, message: `nodes may not run in the ${group.subnetTier} tier`, example });
    }
  }
  return issues;
}

function validateDatabase(config: Pick<CoderPlatformConfig, 'database' | 'aws'>): Issue[] {
  const issues: Issue[] = [];
  const db = config.database;
  if (db.engine === 'aurora-serverless-v2') {
    if (db.minAcu === undefined)
      issues.push({ path: 'database.minAcu', message: 'required for aurora-serverless-v2', example: 'minAcu: 0.5' });
    if (db.maxAcu === undefined)
      issues.push({ path: 'database.maxAcu', message: 'required for aurora-serverless-v2', example: 'maxAcu: 16' });
    if (db.minAcu !== undefined && (db.minAcu * 2) % 1 !== 0)
      issues.push({ path: 'database.minAcu', message: 'ACUs come in steps of 0.5', example: 'minAcu: 0.5' });
    if (db.maxAcu !== undefined && (db.maxAcu * 2) % 1 !== 0)
      issues.push({ path: 'database.maxAcu', message: 'ACUs come in steps of 0.5', example: 'maxAcu: 16' });
    if (db.minAcu !== undefined && db.maxAcu !== undefined && db.minAcu > db.maxAcu)
      issues.push({
        path: 'database.minAcu',
        message: `minAcu ${db.minAcu} is above maxAcu ${db.maxAcu}`,
        example: 'minAcu: 0.5',
      });
    if (db.instanceClass !== undefined)
      issues.push({
        path: 'database.instanceClass',
        message: 'applies only to rds-postgres; Aurora Serverless v2 instances are db.serverless',
        example: 'remove instanceClass, or set engine: rds-postgres',
      });
  } else {
    if (db.instanceClass === undefined)
      issues.push({
        path: 'database.instanceClass',
        message: 'required for rds-postgres',
        example: 'instanceClass: db.m7i.large',
      });
    if (db.allocatedStorageGiB === undefined)
      issues.push({
        path: 'database.allocatedStorageGiB',
        message: 'required for rds-postgres',
        example: 'allocatedStorageGiB: 100',
      });
    if (db.minAcu !== undefined || db.maxAcu !== undefined)
      issues.push({
        path: db.minAcu !== undefined ? 'database.minAcu' : 'database.maxAcu',
        message: 'applies only to aurora-serverless-v2',
        example: 'remove it, or set engine: aurora-serverless-v2',
      });
    if (db.readers > 0)
      issues.push({
        path: 'database.readers',
        message: 'rds-postgres Multi-AZ has a standby, not readers; readers apply to Aurora',
        example: 'readers: 0',
      });
  }
  const major = Number(db.engineVersion.split('.')[0]);
  if (major < 13)
    issues.push({
      path: 'database.engineVersion',
      message: `Coder needs PostgreSQL 13 or newer, found ${db.engineVersion}`,
      example: db.engine === 'aurora-serverless-v2' ? 'engineVersion: "16.6"' : 'engineVersion: "15"',
    });
  if (db.crossRegionCopyRegion !== null && db.crossRegionCopyRegion === config.aws.region) {
    issues.push({
      path: 'database.crossRegionCopyRegion',
      message: 'must differ from the deployment region',
      example: 'crossRegionCopyRegion: us-west-2',
    });
  }
  if (db.crossRegionCopyRegion !== null && db.longTermRetentionDays === 0) {
    issues.push({
      path: 'database.crossRegionCopyRegion',
      message: 'cross-region copies are made by the AWS Backup plan, which longTermRetentionDays: 0 disables',
      example: 'longTermRetentionDays: 90',
    });
  }
  return issues;
}

/** RFC 1123 host names; multi-label domains such as dev.example.co.uk are valid. */
export function isValidDomain(domain: string): boolean {
  if (domain.length > 253 || domain.endsWith('.')) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) return false;
  return /^[a-z]{2,63}$|^xn--[a-z0-9-]{1,59}$/.test(labels.at(-1)!);
}

function validateDnsNames({ dns }: Pick<CoderPlatformConfig, 'dns'>): Issue[] {
  const issues: Issue[] = [];
  if (!isValidDomain(dns.domain))
    issues.push({
      path: 'dns.domain',
      message: `"${dns.domain}" is not a valid lower-case domain name`,
      example: 'example.com or dev.example.co.uk',
    });
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(dns.subdomain))
    issues.push({ path: 'dns.subdomain', message: `"${dns.subdomain}" is not a single DNS label`, example: 'coder' });
  return issues;
}

function validateCertificateRegion(config: Pick<CoderPlatformConfig, 'dns' | 'aws'>): Issue[] {
  if (!config.dns.certificateArn || config.dns.certificateArn.includes(`:acm:${config.aws.region}:`)) return [];
  return [
    {
      path: 'dns.certificateArn',
      message: `the certificate must be in the deployment region ${config.aws.region} for the NLB`,
      example: `arn:aws:acm:${config.aws.region}:123456789012:certificate/…`,
    },
  ];
}

function validateWorkspaces(config: Pick<CoderPlatformConfig, 'workspaces' | 'cluster'>): Issue[] {
  const issues: Issue[] = [];
  const ws = config.workspaces;
  const total = Object.values(ws.sizes).reduce((sum, s) => sum + s.share, 0);
  if (Math.abs(total - 100) > 0.001)
    issues.push({
      path: 'workspaces.sizes',
      message: `the shares add up to ${total}%, not 100%`,
      example: 'sizes: { s: {share: 25}, m: {share: 60}, l: {share: 15} }',
    });
  for (const [name, size] of Object.entries(ws.sizes)) {
    const path = `workspaces.sizes.${name}`;
    // a size the mix gives 0 % needs no template (a custom shape may leave out the GPU template)
    if (size.share > 0 && !ws.templates.includes(size.template))
      issues.push({
        path: `${path}.template`,
        message: `template ${size.template} is not in workspaces.templates (${ws.templates.join(', ')})`,
        example: `templates: [${[...ws.templates, size.template].join(', ')}]`,
      });
    const ec2 = size.template !== 'pod-swdev';
    if (ec2 && size.instanceType === undefined)
      issues.push({
        path: `${path}.instanceType`,
        message: `${size.template} builds EC2 workspaces: name the instance type`,
        example: 'instanceType: m5.2xlarge',
      });
    if (size.instanceType !== undefined) {
      const t = lookupInstanceType(size.instanceType);
      if (!t && !config.cluster.confirmedInstanceTypes.includes(size.instanceType))
        issues.push({
          path: `${path}.instanceType`,
          message: `${size.instanceType} is not in the sizing table; check it or confirm it in cluster.confirmedInstanceTypes`,
          example: 'm5.2xlarge',
        });
      if (t && size.template === 'ec2-datasci-gpu' && !t.gpus)
        issues.push({
          path: `${path}.instanceType`,
          message: `${size.instanceType} has no GPU but ${size.template} needs one`,
          example: 'g4dn.4xlarge',
        });
    }
  }
  return issues;
}

function validateTimezone(timezone: string): Issue[] {
  return isIanaTimeZone(timezone)
    ? []
    : [
        {
          path: 'schedule.timezone',
          message: `"${timezone}" is not an IANA time zone`,
          example: 'timezone: America/New_York',
        },
      ];
}

function validateScheduleTimes({ schedule }: Pick<CoderPlatformConfig, 'schedule'>): Issue[] {
  return schedule.scaleUp === schedule.scaleDown
    ? [{ path: 'schedule.scaleDown', message: 'scale-down must differ from scale-up', example: 'scaleDown: "18:15"' }]
    : [];
}

function validateWeekdays({ schedule }: Pick<CoderPlatformConfig, 'schedule'>): Issue[] {
  return new Set(schedule.weekdays).size === schedule.weekdays.length
    ? []
    : [{ path: 'schedule.weekdays', message: 'lists a day twice', example: '[MON, TUE, WED, THU, FRI]' }];
}

function validateOffHours({ schedule }: Pick<CoderPlatformConfig, 'schedule'>): Issue[] {
  const issues: Issue[] = [];
  for (const [name, sizes] of Object.entries(schedule.nodeGroups)) {
    if (sizes.offHours > sizes.peak)
      issues.push({
        path: `schedule.nodeGroups.${name}.offHours`,
        message: `offHours ${sizes.offHours} is above peak ${sizes.peak}`,
        example: `offHours: ${sizes.peak}`,
      });
  }
  return issues;
}

function validateScheduleGroups(config: Pick<CoderPlatformConfig, 'schedule' | 'cluster'>): Issue[] {
  const issues: Issue[] = [];
  for (const [name, sizes] of Object.entries(config.schedule.nodeGroups)) {
    const path = `schedule.nodeGroups.${name}`;
    const group = config.cluster.nodeGroups[name];
    if (!group) {
      issues.push({
        path,
        message: `no node group named ${name} in cluster.nodeGroups`,
        example: `one of: ${Object.keys(config.cluster.nodeGroups).join(', ')}`,
      });
      continue;
    }
    if (group.role === 'control')
      issues.push({
        path,
        message: 'the control group is never scheduled (coderd must stay up)',
        example: 'schedule only provisioner and workspace groups',
      });
    if (sizes.peak > group.maxSize)
      issues.push({
        path: `${path}.peak`,
        message: `peak ${sizes.peak} is above the group's maxSize ${group.maxSize}`,
        example: `peak: ${group.maxSize}`,
      });
  }
  return issues;
}

export function isIanaTimeZone(zone: string): boolean {
  if (!zone.includes('/') && zone !== 'UTC') return false;
  // The canonical list answers the common case without building a formatter (which loads ICU's zone data and
  // costs a noticeable part of `config validate`'s start-up); aliases such as Asia/Calcutta go on to the formatter.
  if (Intl.supportedValuesOf('timeZone').includes(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function exampleTier(azCount: number): string {
  return `[${Array.from({ length: azCount }, (_, i) => `10.0.${i * 16}.0/20`).join(', ')}]`;
}
