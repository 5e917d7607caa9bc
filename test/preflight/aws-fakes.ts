/**
 * aws-sdk-client-mock fakes of one healthy account: every client the preflight uses answers as a
 * well-provisioned account would. Tests override single commands to produce warnings and failures.
 */
import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeClusterVersionsCommand, EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  GetRequestedServiceQuotaChangeCommand,
  ListAWSDefaultServiceQuotasCommand,
  ListRequestedServiceQuotaChangeHistoryByQuotaCommand,
  ListServiceQuotasCommand,
  RequestServiceQuotaIncreaseCommand,
  ServiceQuotasClient,
  type ServiceQuota,
} from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { CoderPlatformConfig } from '../../src/config/schema.js';
import { createPreflightServices } from '../../src/phases/preflight/services.js';
import type { CommandRunner } from '../../src/phases/preflight/runner.js';
import type { CheckResult, PreflightReport } from '../../src/phases/preflight/types.js';
import { QUOTAS } from '../../src/sizing/quota-bill.js';

export const ACCOUNT = '123456789012';

/** An SDK-shaped service error. */
export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

/** Quota values by code; unspecified codes get `fallback`. */
export interface QuotaFake {
  applied?: Record<string, number>;
  defaults?: Record<string, number>;
  notAdjustable?: string[];
  names?: Record<string, string>;
  /** CloudWatch usage by quota code (vCPU quotas carry a UsageMetric). */
  usage?: Record<string, number>;
}

const VCPU_CODES: Record<string, string> = {
  'L-1216C47A': 'Standard/OnDemand',
  'L-34B43A08': 'Standard/Spot',
  'L-DB2E81BA': 'G/OnDemand',
};

function quota(serviceCode: string, quotaCode: string, value: number, fake: QuotaFake): ServiceQuota {
  const known = Object.values(QUOTAS).find((q) => q.quotaCode === quotaCode);
  const cls = VCPU_CODES[quotaCode];
  return {
    ServiceCode: serviceCode,
    QuotaCode: quotaCode,
    QuotaName: fake.names?.[quotaCode] ?? known?.name ?? quotaCode,
    Value: value,
    Adjustable: !(fake.notAdjustable ?? []).includes(quotaCode),
    GlobalQuota: serviceCode === 'route53',
    ...(cls
      ? {
          UsageMetric: {
            MetricNamespace: 'AWS/Usage',
            MetricName: 'ResourceCount',
            MetricDimensions: { Service: 'EC2', Type: 'Resource', Resource: 'vCPU', Class: cls },
            MetricStatisticRecommendation: 'Maximum',
          },
        }
      : {}),
  };
}

export function fakeAccount(fake: QuotaFake = {}) {
  const sts = mockClient(STSClient);
  const ec2 = mockClient(EC2Client);
  const eks = mockClient(EKSClient);
  const r53 = mockClient(Route53Client);
  const acm = mockClient(ACMClient);
  const cfn = mockClient(CloudFormationClient);
  const sq = mockClient(ServiceQuotasClient);
  const cw = mockClient(CloudWatchClient);
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const rds = mockClient(RDSClient);
  const ct = mockClient(CloudTrailClient);

  const all = Object.values(QUOTAS);
  // The healthy answers, by command, so a test can put one back after a single failure (rejectsOnce(…).callsFake(answers.X)).
  const answers = {
    GetCallerIdentity: () => ({
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/session`,
      UserId: 'AROAEXAMPLE:session',
    }),
    DescribeAvailabilityZones: () => ({
      AvailabilityZones: 'abcdef'
        .split('')
        .map((l) => ({ ZoneName: `us-east-1${l}`, State: 'available' as const, ZoneType: 'availability-zone' })),
    }),
    DescribeVpcs: () => ({
      Vpcs: [
        {
          VpcId: 'vpc-default',
          CidrBlock: '172.31.0.0/16',
          CidrBlockAssociationSet: [{ CidrBlock: '172.31.0.0/16', CidrBlockState: { State: 'associated' as const } }],
        },
      ],
    }),
    DescribeClusterVersions: () => ({
      clusterVersions: [
        {
          clusterVersion: '1.31',
          versionStatus: 'EXTENDED_SUPPORT' as const,
          endOfStandardSupportDate: new Date('2025-11-26'),
          endOfExtendedSupportDate: new Date('2026-11-26'),
        },
        {
          clusterVersion: '1.33',
          versionStatus: 'STANDARD_SUPPORT' as const,
          endOfStandardSupportDate: new Date('2026-07-29'),
        },
        {
          clusterVersion: '1.34',
          versionStatus: 'STANDARD_SUPPORT' as const,
          endOfStandardSupportDate: new Date('2026-12-02'),
        },
      ],
    }),
    ListHostedZonesByName: () => ({
      HostedZones: [
        {
          Id: '/hostedzone/Z0123456789ABCDEFGHIJ',
          Name: 'example.com.',
          CallerReference: 'x',
          Config: { PrivateZone: false },
          ResourceRecordSetCount: 4,
        },
      ],
    }),
    DescribeCertificate: () => ({
      Certificate: {
        Status: 'ISSUED' as const,
        DomainName: 'coder.example.com',
        SubjectAlternativeNames: ['coder.example.com', '*.coder.example.com'],
      },
    }),
    DescribeStacks: () => ({
      Stacks: [
        {
          StackName: 'CDKToolkit',
          StackStatus: 'UPDATE_COMPLETE' as const,
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '28' }],
        },
      ],
    }),
    ListServiceQuotas: (input: { ServiceCode: string }) => ({
      Quotas: all
        .filter(
          (q) => q.serviceCode === input.ServiceCode && (fake.applied ? fake.applied[q.quotaCode] !== undefined : true),
        )
        .map((q) => quota(q.serviceCode, q.quotaCode, fake.applied?.[q.quotaCode] ?? 100_000, fake)),
    }),
  };
  sts.on(GetCallerIdentityCommand).callsFake(answers.GetCallerIdentity);
  ec2.on(DescribeAvailabilityZonesCommand).callsFake(answers.DescribeAvailabilityZones);
  // Every requested type is offered in every requested AZ.
  ec2
    .on(DescribeInstanceTypeOfferingsCommand)
    .callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => {
      const types = input.Filters?.find((f) => f.Name === 'instance-type')?.Values ?? [];
      const zones = input.Filters?.find((f) => f.Name === 'location')?.Values ?? [];
      return {
        InstanceTypeOfferings: types.flatMap((t) =>
          zones.map((z) => ({ InstanceType: t, Location: z, LocationType: 'availability-zone' })),
        ),
      };
    });
  ec2.on(DescribeVpcsCommand).callsFake(answers.DescribeVpcs);
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [{ InternetGatewayId: 'igw-1' }] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
  elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
  eks.on(ListClustersCommand).resolves({ clusters: [] });
  eks.on(DescribeClusterVersionsCommand).callsFake(answers.DescribeClusterVersions);
  r53.on(ListHostedZonesByNameCommand).callsFake(answers.ListHostedZonesByName);
  acm.on(DescribeCertificateCommand).callsFake(answers.DescribeCertificate);
  cfn.on(DescribeStacksCommand).callsFake(answers.DescribeStacks);
  // no trail yet: the deployment creates one (audit.cloudTrail: create)
  ct.on(DescribeTrailsCommand).resolves({ trailList: [] });

  sq.on(ListServiceQuotasCommand).callsFake(answers.ListServiceQuotas);
  sq.on(ListRequestedServiceQuotaChangeHistoryByQuotaCommand).resolves({ RequestedQuotas: [] });
  sq.on(GetRequestedServiceQuotaChangeCommand).rejects(
    Object.assign(new Error('no such request'), {
      name: 'NoSuchResourceException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    }),
  );
  sq.on(ListAWSDefaultServiceQuotasCommand).callsFake((input: { ServiceCode: string }) => ({
    Quotas: all
      .filter((q) => q.serviceCode === input.ServiceCode)
      .map((q) => quota(q.serviceCode, q.quotaCode, fake.defaults?.[q.quotaCode] ?? 5, fake)),
  }));
  cw.on(GetMetricDataCommand).callsFake(
    (input: {
      MetricDataQueries: { Id: string; MetricStat: { Metric: { Dimensions: { Name: string; Value: string }[] } } }[];
    }) => ({
      MetricDataResults: input.MetricDataQueries.map((q) => {
        const cls = q.MetricStat.Metric.Dimensions.find((d) => d.Name === 'Class')?.Value;
        const code = Object.entries(VCPU_CODES).find(([, c]) => c === cls)?.[0];
        const value = code ? fake.usage?.[code] : undefined;
        return { Id: q.Id, Values: value === undefined ? [] : [value, value / 2], StatusCode: 'Complete' };
      }),
    }),
  );
  return {
    sts,
    ec2,
    eks,
    r53,
    acm,
    cfn,
    sq,
    cw,
    elb,
    rds,
    ct,
    answers,
    commands: { ListRequestedServiceQuotaChangeHistoryByQuotaCommand, RequestServiceQuotaIncreaseCommand },
  };
}

/** A tool runner with helm 3, kubectl 1.34 and AWS CLI v2 installed, unless overridden (undefined = not on PATH). */
export function fakeRunner(
  overrides: Partial<Record<'helm' | 'kubectl' | 'aws', string | undefined>> = {},
): CommandRunner {
  const outputs: Record<string, string | undefined> = {
    helm: 'v3.16.2+g13654a5',
    kubectl: JSON.stringify({ clientVersion: { major: '1', minor: '34', gitVersion: 'v1.34.1' } }),
    aws: 'aws-cli/2.22.0 Python/3.12.6 Linux/6.8 exe/x86_64',
    ...overrides,
  };
  return async (file) => {
    const out = outputs[file];
    return out === undefined ? undefined : { exitCode: 0, stdout: out, stderr: '' };
  };
}

export function servicesFor(
  config: CoderPlatformConfig,
  options: { runner?: CommandRunner; requestIncreases?: boolean } = {},
) {
  return createPreflightServices(config, {
    runner: options.runner ?? fakeRunner(),
    requestIncreases: options.requestIncreases ?? false,
    aws: { sleep: async () => undefined, backoffMs: 1 },
  });
}

/** Undo every client mock of a fakeAccount() (for afterEach, or to let a test start over). */
export function restoreFake(fake: ReturnType<typeof fakeAccount> | undefined): void {
  for (const m of Object.values(fake ?? {}))
    if (typeof m === 'object' && 'restore' in m) (m as { restore(): void }).restore();
}

/** The check with this id, or an error naming the ids the report has. */
export function checkById(report: PreflightReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}
