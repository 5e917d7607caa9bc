/**
 * Service quotas against the bill of materials (src/sizing/quota-bill.ts). Per service code: one
 * paginated ListServiceQuotas (applied values), then ListAWSDefaultServiceQuotas for the codes with no
 * applied value; global codes in us-east-1. Current usage comes from the quota's own UsageMetric
 * (CloudWatch AWS/Usage, GetMetricData, its recommended statistic — Maximum for vCPU) or, for VPCs,
 * internet gateways, Elastic IPs, EKS clusters and NAT gateways per AZ, from counting them; NLBs, target groups, gp3
 * TiB and RDS clusters/instances are counted (elbv2, ec2:DescribeVolumes, rds:Describe*) when no UsageMetric answers. Each name is asserted against
 * the verified table so a wrong code fails loudly (aws-quotas.md §4).
 */
import type { _InstanceType } from '@aws-sdk/client-ec2';
import type { ServiceQuota } from '@aws-sdk/client-service-quotas';
import { availabilityZones } from '../../../config/schema.js';
import { computeQuotaBill, QUOTAS, type QuotaLine } from '../../../sizing/quota-bill.js';
import { lookupInstanceType } from '../../../sizing/instance-types.js';
import type { PreflightAws } from '../aws.js';
import type { CheckOutcome, CheckResult, PreflightServices, ShortQuota } from '../types.js';
import { listVpcs } from './network.js';

interface QuotaValue {
  value: number;
  source: 'applied' | 'default';
  adjustable: boolean;
  name: string;
  usageMetric?: ServiceQuota['UsageMetric'];
  /** Why the applied value was not available (ErrorReason of the applied listing), when the default is used. */
  note?: string;
}

const SUPPORT_CASE_URL = 'https://console.aws.amazon.com/support/home#/case/create?issueType=service-limit-increase';
const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
/** Scope qualifiers AWS adds to some names and not others ("Secrets" vs "Secrets per Region"). */
const QUALIFIERS = /\b(?:per (?:region|account)|in (?:this|the) (?:region|account))\b/g;
/** Lower-case words, punctuation dropped (some tools strip the EC2 commas), scope qualifiers removed. */
const nameWords = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(QUALIFIERS, ' ')
    .replace(/\s+/g, ' ')
    .trim();
/**
 * Names match ignoring case, punctuation and a "per Region" / "per account" qualifier, and nothing else:
 * every remaining word must match, in order, on both sides ("DB instance snapshots" is not "DB instances",
 * "Clusters per node group" is not "Clusters").
 */
export function sameQuota(returned: string, expected: string): boolean {
  const a = nameWords(returned);
  return a.length > 0 && a === nameWords(expected);
}

export async function checkQuotas(services: PreflightServices): Promise<CheckOutcome> {
  const { config, aws, options } = services;
  const vcpus = await instanceVcpus(services);
  const bill = computeQuotaBill(config, { buffer: options.buffer, vcpus });
  const byService = new Map<string, QuotaLine[]>();
  for (const line of bill.lines) byService.set(line.serviceCode, [...(byService.get(line.serviceCode) ?? []), line]);

  // Every service code is listed at once (inside the rate limits); each one's usage metrics are read as
  // soon as its listing arrives; direct usage counts run beside them.
  const metricUsage = new Map<string, number>();
  const [values, counted] = await Promise.all([
    Promise.all(
      [...byService].map(async ([serviceCode, lines]) => {
        const quotas = await readQuotas(aws, serviceCode, lines, quotaRegion(aws, lines));
        for (const [code, used] of await readUsageMetrics(aws, lines, quotas)) metricUsage.set(code, used);
        return [serviceCode, quotas] as const;
      }),
    ).then((e) => new Map(e)),
    countUsage(services),
  ]);
  // Quotas whose usage AWS publishes no UsageMetric for here: count the resources instead.
  for (const [code, used] of await countWithoutMetric(services, bill.lines, values, metricUsage))
    counted.set(code, used);

  const results: CheckResult[] = [];
  const short: ShortQuota[] = [];
  for (const line of bill.lines) {
    const code = `${line.serviceCode}/${line.quotaCode}`;
    const q = values.get(line.serviceCode)?.get(line.quotaCode);
    const base = {
      id: `quota-${line.id}`,
      area: 'quotas' as const,
      critical: line.critical,
      quotaCode: code,
      required: `${fmt(line.required)}${line.unit === 'count' ? '' : ` ${line.unit}`}${line.perAz ? ' per AZ' : ''}`,
    };
    if (!q) {
      // UNKNOWN, never a pass: a warning, and for a critical quota also "could not check" (exit 3), since
      // nothing then says Day 0 fits.
      results.push({
        ...base,
        status: 'warn',
        current: 'unknown',
        ...(line.critical ? { unchecked: true } : {}),
        message: `${line.name}: Service Quotas returned neither an applied nor a default value`,
        fix: `Check ${code} in the Service Quotas console (${quotaRegion(aws, [line])}).`,
      });
      continue;
    }
    if (!sameQuota(q.name, line.name)) {
      results.push({
        ...base,
        status: 'fail',
        critical: true,
        current: `"${q.name}"`,
        message: `quota code ${code} is "${q.name}", expected "${line.name}": the code table is wrong`,
        fix: "This is a bug in coder-platform's quota table; report it with this line.",
      });
      continue;
    }
    const usage = line.perAz ? counted.get(code) : (metricUsage.get(code) ?? counted.get(code));
    const inUse = usage ?? 0;
    const available = q.value - inUse;
    const fits = line.required <= available;
    const current = `${fmt(q.value)} ${q.source}${q.note ? ` (applied value unavailable: ${q.note})` : ''}${usage === undefined ? ', usage not published' : `, ${fmt(usage)} in use${line.perAz ? ' in the busiest AZ' : ''}`}`;
    const message = `${line.name}: need ${fmt(line.required)}${line.perAz ? ' per AZ' : ''}${usage ? ` + ${fmt(usage)} in use` : ''} of ${fmt(q.value)} (${line.arithmetic})`;
    if (fits) {
      results.push({ ...base, status: 'pass', current, message, fix: '' });
      continue;
    }
    const desired = Math.ceil(line.required + inUse);
    const region = quotaRegion(aws, [line]);
    short.push({
      serviceCode: line.serviceCode,
      quotaCode: line.quotaCode,
      name: line.name,
      region,
      adjustable: q.adjustable,
      value: q.value,
      desired,
      critical: line.critical,
    });
    results.push({
      ...base,
      status: line.critical ? 'fail' : 'warn',
      current,
      message,
      fix: q.adjustable
        ? `Request ${code} ≥ ${fmt(desired)} in ${region}: re-run with --request-increases, or aws service-quotas request-service-quota-increase --service-code ${line.serviceCode} --quota-code ${line.quotaCode} --desired-value ${desired} --region ${region}`
        : `${code} is not adjustable through Service Quotas: open a support case (${SUPPORT_CASE_URL}), or reduce what the config needs.`,
    });
  }
  // An enabled EC2 template with no size is a vCPU demand the bill cannot size: say so rather than pass it silently.
  for (const template of bill.unbilledTemplates) {
    results.push({
      id: `quota-unbilled-template-${template}`,
      area: 'quotas',
      status: 'warn',
      critical: false,
      quotaCode: `${QUOTAS.odStandard.serviceCode}/${QUOTAS.odStandard.quotaCode}`,
      required: 'unknown',
      current: 'not billed',
      message: `template ${template} is enabled but no workspaces.sizes entry uses it, so its EC2 instances are not counted in the vCPU, ENI or gp3 quotas`,
      fix: `Add a workspaces.sizes entry with template: ${template}, its instanceType and its share of the concurrent workspaces, or disable the template.`,
    });
  }
  return { results, short };
}

function quotaRegion(aws: PreflightAws, lines: QuotaLine[]): string {
  return lines.some((l) => l.global) ? 'us-east-1' : aws.region;
}

/** vCPUs of instance types missing from the offline table (confirmed types), from ec2:DescribeInstanceTypes. */
async function instanceVcpus(services: PreflightServices): Promise<Record<string, number>> {
  const { config, aws } = services;
  const types = new Set([
    ...Object.values(config.cluster.nodeGroups).flatMap((g) => g.instanceTypes),
    ...Object.values(config.workspaces.sizes).flatMap((s) => (s.instanceType ? [s.instanceType] : [])),
  ]);
  const unknown = [...types].filter((t) => !lookupInstanceType(t));
  if (unknown.length === 0) return {};
  const ec2 = await import('@aws-sdk/client-ec2');
  const found = await aws.paginate(
    'ec2:DescribeInstanceTypes',
    (token) =>
      aws.client(ec2.EC2Client).send(
        new ec2.DescribeInstanceTypesCommand({
          InstanceTypes: unknown as _InstanceType[],
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    (p) => p.InstanceTypes,
    (p) => p.NextToken,
  );
  return Object.fromEntries(found.map((t) => [String(t.InstanceType), t.VCpuInfo?.DefaultVCpus ?? 0]));
}

/** Applied values for a service code, with defaults for the codes AWS has no applied value for. */
async function readQuotas(
  aws: PreflightAws,
  serviceCode: string,
  lines: QuotaLine[],
  region: string,
): Promise<Map<string, QuotaValue>> {
  const sq = await import('@aws-sdk/client-service-quotas');
  const client = aws.client(sq.ServiceQuotasClient, region);
  const wanted = new Set(lines.map((l) => l.quotaCode));
  const result = new Map<string, QuotaValue>();
  const reasons = new Map<string, string>();
  const take = (quotas: ServiceQuota[], source: 'applied' | 'default'): void => {
    for (const q of quotas) {
      if (!q.QuotaCode || !wanted.has(q.QuotaCode) || result.has(q.QuotaCode)) continue;
      if (q.Value === undefined) {
        if (q.ErrorReason?.ErrorCode) reasons.set(q.QuotaCode, q.ErrorReason.ErrorCode);
        continue;
      }
      const note = source === 'default' ? reasons.get(q.QuotaCode) : undefined;
      result.set(q.QuotaCode, {
        value: q.Value,
        source,
        adjustable: q.Adjustable === true,
        name: q.QuotaName ?? '',
        ...(q.UsageMetric ? { usageMetric: q.UsageMetric } : {}),
        ...(note ? { note } : {}),
      });
    }
  };
  const listing = async (operation: 'ListServiceQuotas' | 'ListAWSDefaultServiceQuotas'): Promise<ServiceQuota[]> => {
    try {
      return await aws.paginate(
        `servicequotas:${operation}`,
        (token) =>
          client.send(
            operation === 'ListServiceQuotas'
              ? new sq.ListServiceQuotasCommand({
                  ServiceCode: serviceCode,
                  MaxResults: 100,
                  ...(token ? { NextToken: token } : {}),
                })
              : new sq.ListAWSDefaultServiceQuotasCommand({
                  ServiceCode: serviceCode,
                  MaxResults: 100,
                  ...(token ? { NextToken: token } : {}),
                }),
          ),
        (p) => p.Quotas,
        (p) => p.NextToken,
        serviceCode,
      );
    } catch (error) {
      // NoSuchResourceException: no applied values for this service (or the code is unknown here).
      if (/NoSuchResource/.test(String((error as { cause?: { name?: string } }).cause?.name))) return [];
      throw error;
    }
  };
  take(await listing('ListServiceQuotas'), 'applied');
  if ([...wanted].some((c) => !result.has(c))) take(await listing('ListAWSDefaultServiceQuotas'), 'default');
  return result;
}

/** Usage from the quotas' own UsageMetric (CloudWatch AWS/Usage), one batched GetMetricData call per service code. */
async function readUsageMetrics(
  aws: PreflightAws,
  lines: QuotaLine[],
  values: Map<string, QuotaValue>,
): Promise<Map<string, number>> {
  const queries: { id: string; code: string; metric: NonNullable<QuotaValue['usageMetric']> }[] = [];
  for (const line of lines) {
    const metric = values.get(line.quotaCode)?.usageMetric;
    if (line.global || line.perAz || !metric?.MetricNamespace || !metric.MetricName) continue;
    queries.push({ id: `q${queries.length}`, code: `${line.serviceCode}/${line.quotaCode}`, metric });
  }
  const usage = new Map<string, number>();
  if (queries.length === 0) return usage;
  const cw = await import('@aws-sdk/client-cloudwatch');
  const end = new Date();
  const start = new Date(end.getTime() - 3 * 3600_000);
  const data = await aws.paginate(
    'cloudwatch:GetMetricData',
    (token) =>
      aws.client(cw.CloudWatchClient).send(
        new cw.GetMetricDataCommand({
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampDescending',
          MetricDataQueries: queries.map((q) => ({
            Id: q.id,
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: q.metric.MetricNamespace,
                MetricName: q.metric.MetricName,
                Dimensions: Object.entries(q.metric.MetricDimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: 300,
              Stat: q.metric.MetricStatisticRecommendation ?? 'Maximum',
            },
          })),
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    (p) => p.MetricDataResults,
    (p) => p.NextToken,
  );
  for (const q of queries) {
    const points = data.filter((d) => d.Id === q.id).flatMap((d) => d.Values ?? []);
    usage.set(q.code, points.length > 0 ? Math.max(...points) : 0);
  }
  return usage;
}

/** What the account already holds, for quotas AWS publishes no usage metric for. */
async function countUsage(services: PreflightServices): Promise<Map<string, number>> {
  const { aws } = services;
  const ec2 = await import('@aws-sdk/client-ec2');
  const eks = await import('@aws-sdk/client-eks');
  const client = aws.client(ec2.EC2Client);
  const code = (q: { serviceCode: string; quotaCode: string }): string => `${q.serviceCode}/${q.quotaCode}`;
  const [vpcs, igws, addresses, clusters, natPerAz] = await Promise.all([
    listVpcs(aws),
    aws.paginate(
      'ec2:DescribeInternetGateways',
      (token) =>
        client.send(
          new ec2.DescribeInternetGatewaysCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) }),
        ),
      (p) => p.InternetGateways,
      (p) => p.NextToken,
    ),
    aws
      .call('ec2:DescribeAddresses', () => client.send(new ec2.DescribeAddressesCommand({})))
      .then((o) => o.Addresses ?? []),
    aws.paginate(
      'eks:ListClusters',
      (token) =>
        aws
          .client(eks.EKSClient)
          .send(new eks.ListClustersCommand({ maxResults: 100, ...(token ? { nextToken: token } : {}) })),
      (p) => p.clusters,
      (p) => p.nextToken,
    ),
    natGatewaysInBusiestAz(services),
  ]);
  return new Map([
    [code(QUOTAS.vpcs), vpcs.length],
    [code(QUOTAS.igws), igws.length],
    // BYOIP addresses do not count against the Elastic IP quota.
    [
      code(QUOTAS.eips),
      addresses.filter((a) => a.Domain === 'vpc' && (a.PublicIpv4Pool === undefined || a.PublicIpv4Pool === 'amazon'))
        .length,
    ],
    [code(QUOTAS.eksClusters), clusters.length],
    [code(QUOTAS.natPerAz), natPerAz],
  ]);
}

const usageCode = (q: { serviceCode: string; quotaCode: string }): string => `${q.serviceCode}/${q.quotaCode}`;

/** Direct counts for quotas that may come without a UsageMetric, each run only when needed. */
const METRICLESS_COUNTERS: Record<string, (aws: PreflightAws) => Promise<number>> = {
  [usageCode(QUOTAS.nlbs)]: async (aws) => {
    const elb = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const lbs = await aws.paginate(
      'elasticloadbalancing:DescribeLoadBalancers',
      (token) =>
        aws
          .client(elb.ElasticLoadBalancingV2Client)
          .send(new elb.DescribeLoadBalancersCommand({ PageSize: 400, ...(token ? { Marker: token } : {}) })),
      (p) => p.LoadBalancers,
      (p) => p.NextMarker,
    );
    return lbs.filter((lb) => lb.Type === 'network').length;
  },
  [usageCode(QUOTAS.targetGroups)]: async (aws) => {
    const elb = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const groups = await aws.paginate(
      'elasticloadbalancing:DescribeTargetGroups',
      (token) =>
        aws
          .client(elb.ElasticLoadBalancingV2Client)
          .send(new elb.DescribeTargetGroupsCommand({ PageSize: 400, ...(token ? { Marker: token } : {}) })),
      (p) => p.TargetGroups,
      (p) => p.NextMarker,
    );
    return groups.length;
  },
  // gp3 TiB in use: the size of every gp3 volume in the region, attached or not.
  [usageCode(QUOTAS.gp3)]: async (aws) => {
    const ec2 = await import('@aws-sdk/client-ec2');
    const volumes = await aws.paginate(
      'ec2:DescribeVolumes',
      (token) =>
        aws.client(ec2.EC2Client).send(
          new ec2.DescribeVolumesCommand({
            Filters: [{ Name: 'volume-type', Values: ['gp3'] }],
            MaxResults: 500,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      (p) => p.Volumes,
      (p) => p.NextToken,
    );
    return Math.round((volumes.reduce((n, v) => n + (v.Size ?? 0), 0) / 1024) * 100) / 100;
  },
  [usageCode(QUOTAS.dbClusters)]: async (aws) => {
    const rds = await import('@aws-sdk/client-rds');
    const clusters = await aws.paginate(
      'rds:DescribeDBClusters',
      (token) =>
        aws
          .client(rds.RDSClient)
          .send(new rds.DescribeDBClustersCommand({ MaxRecords: 100, ...(token ? { Marker: token } : {}) })),
      (p) => p.DBClusters,
      (p) => p.Marker,
    );
    return clusters.length;
  },
  // DB instances counts RDS and Aurora instances alike (aws-quotas.md §1).
  [usageCode(QUOTAS.dbInstances)]: async (aws) => {
    const rds = await import('@aws-sdk/client-rds');
    const instances = await aws.paginate(
      'rds:DescribeDBInstances',
      (token) =>
        aws
          .client(rds.RDSClient)
          .send(new rds.DescribeDBInstancesCommand({ MaxRecords: 100, ...(token ? { Marker: token } : {}) })),
      (p) => p.DBInstances,
      (p) => p.Marker,
    );
    return instances.length;
  },
};

/** Usage by counting, for the billed quotas that have a counter, a value, and no UsageMetric reading. */
async function countWithoutMetric(
  services: PreflightServices,
  lines: QuotaLine[],
  values: Map<string, Map<string, QuotaValue>>,
  metricUsage: Map<string, number>,
): Promise<Map<string, number>> {
  const wanted = lines
    .map(usageCode)
    .filter(
      (code) =>
        METRICLESS_COUNTERS[code] &&
        !metricUsage.has(code) &&
        values.get(code.split('/')[0]!)?.has(code.split('/')[1]!),
    );
  return new Map(
    await Promise.all(wanted.map(async (code) => [code, await METRICLESS_COUNTERS[code]!(services.aws)] as const)),
  );
}

/** NAT gateways already in the busiest of the chosen AZs (ec2:DescribeNatGateways, then their subnets' AZs). */
async function natGatewaysInBusiestAz(services: PreflightServices): Promise<number> {
  const { aws, config } = services;
  const ec2 = await import('@aws-sdk/client-ec2');
  const client = aws.client(ec2.EC2Client);
  const nats = await aws.paginate(
    'ec2:DescribeNatGateways',
    (token) =>
      client.send(
        new ec2.DescribeNatGatewaysCommand({
          Filter: [{ Name: 'state', Values: ['pending', 'available'] }],
          MaxResults: 1000,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    (p) => p.NatGateways,
    (p) => p.NextToken,
  );
  const subnetIds = [...new Set(nats.map((n) => n.SubnetId ?? '').filter(Boolean))];
  if (subnetIds.length === 0) return 0;
  const subnets = await aws.paginate(
    'ec2:DescribeSubnets',
    (token) =>
      client.send(new ec2.DescribeSubnetsCommand({ SubnetIds: subnetIds, ...(token ? { NextToken: token } : {}) })),
    (p) => p.Subnets,
    (p) => p.NextToken,
  );
  const azOf = new Map(subnets.map((sn) => [sn.SubnetId ?? '', sn.AvailabilityZone ?? '']));
  const perAz = new Map<string, number>();
  for (const n of nats) {
    const az = azOf.get(n.SubnetId ?? '');
    if (az) perAz.set(az, (perAz.get(az) ?? 0) + 1);
  }
  return Math.max(0, ...availabilityZones(config).map((az) => perAz.get(az) ?? 0));
}
