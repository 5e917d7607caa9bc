/**
 * Preflight for scale-3000 with 100 ms of latency injected into every AWS call (aws-sdk-client-mock
 * fakes that resolve after a delay). Reports the wall time against the sum of the calls' latencies —
 * what a one-call-after-another preflight would take. Goal: ratio ≤ 0.2.
 * The floor is set by Service Quotas: 12 service-code listings at 10 per second (burst 10) take ≈ 300 ms.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  DescribeSubnetsCommand,
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
  ListAWSDefaultServiceQuotasCommand,
  ListServiceQuotasCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveLayers } from '../src/config/load.js';
import { RecordingHost } from '../src/engine/host.js';
import { runPhase } from '../src/engine/run-phase.js';
import { buildPreflightPhase, reportFromPhase, runPreflightChecks } from '../src/phases/preflight/service.js';
import { createPreflightServices } from '../src/phases/preflight/services.js';
import { QUOTAS } from '../src/sizing/quota-bill.js';

const LATENCY_MS = 100;
const GOAL = 0.2;
let calls = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Every fake answer arrives LATENCY_MS later and is counted. */
const slow =
  <I, O>(answer: (input: I) => O) =>
  async (input: I): Promise<O> => {
    calls += 1;
    await sleep(LATENCY_MS);
    return answer(input);
  };

const account = '123456789012';
mockClient(STSClient)
  .on(GetCallerIdentityCommand)
  .callsFake(slow(() => ({ Account: account, Arn: `arn:aws:sts::${account}:assumed-role/deployer/s` })));
const ec2 = mockClient(EC2Client);
ec2.on(DescribeAvailabilityZonesCommand).callsFake(
  slow(() => ({
    AvailabilityZones: ['a', 'b', 'c', 'd'].map((l) => ({ ZoneName: `us-east-1${l}`, State: 'available' })),
  })),
);
ec2.on(DescribeInstanceTypeOfferingsCommand).callsFake(
  slow((input: { Filters: { Name: string; Values: string[] }[] }) => {
    const types = input.Filters.find((f) => f.Name === 'instance-type')?.Values ?? [];
    const zones = input.Filters.find((f) => f.Name === 'location')?.Values ?? [];
    return { InstanceTypeOfferings: types.flatMap((t) => zones.map((z) => ({ InstanceType: t, Location: z }))) };
  }),
);
ec2.on(DescribeVpcsCommand).callsFake(slow(() => ({ Vpcs: [{ VpcId: 'vpc-1', CidrBlock: '172.31.0.0/16' }] })));
ec2.on(DescribeInternetGatewaysCommand).callsFake(slow(() => ({ InternetGateways: [{ InternetGatewayId: 'igw-1' }] })));
ec2.on(DescribeAddressesCommand).callsFake(slow(() => ({ Addresses: [] })));
ec2
  .on(DescribeNatGatewaysCommand)
  .callsFake(slow(() => ({ NatGateways: [{ NatGatewayId: 'nat-1', SubnetId: 'subnet-1' }] })));
ec2
  .on(DescribeSubnetsCommand)
  .callsFake(slow(() => ({ Subnets: [{ SubnetId: 'subnet-1', AvailabilityZone: 'us-east-1a' }] })));
// Quotas without a usage metric are counted from what exists.
ec2
  .on(DescribeVolumesCommand)
  .callsFake(slow(() => ({ Volumes: [{ VolumeId: 'vol-1', Size: 100, VolumeType: 'gp3' }] })));
const elb = mockClient(ElasticLoadBalancingV2Client);
elb.on(DescribeLoadBalancersCommand).callsFake(slow(() => ({ LoadBalancers: [] })));
elb.on(DescribeTargetGroupsCommand).callsFake(slow(() => ({ TargetGroups: [] })));
const rds = mockClient(RDSClient);
rds.on(DescribeDBClustersCommand).callsFake(slow(() => ({ DBClusters: [] })));
rds.on(DescribeDBInstancesCommand).callsFake(slow(() => ({ DBInstances: [] })));
const eks = mockClient(EKSClient);
eks.on(ListClustersCommand).callsFake(slow(() => ({ clusters: [] })));
eks.on(DescribeClusterVersionsCommand).callsFake(
  slow(() => ({
    clusterVersions: [
      { clusterVersion: '1.34', versionStatus: 'STANDARD_SUPPORT', endOfStandardSupportDate: new Date('2026-12-02') },
    ],
  })),
);
// CloudTrail: no trail yet, so the deployment creates one (the check passes after one call).
mockClient(CloudTrailClient)
  .on(DescribeTrailsCommand)
  .callsFake(slow(() => ({ trailList: [] })));
mockClient(Route53Client)
  .on(ListHostedZonesByNameCommand)
  .callsFake(slow(() => ({ HostedZones: [{ Id: '/hostedzone/Z1', Name: 'example.com.', CallerReference: 'x' }] })));
mockClient(ACMClient)
  .on(DescribeCertificateCommand)
  .callsFake(
    slow(() => ({
      Certificate: {
        Status: 'ISSUED',
        DomainName: 'coder.example.com',
        SubjectAlternativeNames: ['coder.example.com', '*.coder.example.com'],
      },
    })),
  );
mockClient(CloudFormationClient)
  .on(DescribeStacksCommand)
  .callsFake(
    slow(() => ({
      Stacks: [
        {
          StackName: 'CDKToolkit',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '28' }],
        },
      ],
    })),
  );
const quotas = (serviceCode: string) =>
  Object.values(QUOTAS)
    .filter((q) => q.serviceCode === serviceCode)
    .map((q) => ({
      ServiceCode: q.serviceCode,
      QuotaCode: q.quotaCode,
      QuotaName: q.name,
      Value: 100_000,
      Adjustable: true,
      ...(q.quotaCode === 'L-1216C47A'
        ? {
            UsageMetric: {
              MetricNamespace: 'AWS/Usage',
              MetricName: 'ResourceCount',
              MetricDimensions: { Service: 'EC2', Type: 'Resource', Resource: 'vCPU', Class: 'Standard/OnDemand' },
              MetricStatisticRecommendation: 'Maximum',
            },
          }
        : {}),
    }));
const sq = mockClient(ServiceQuotasClient);
sq.on(ListServiceQuotasCommand).callsFake(
  slow((input: { ServiceCode: string }) => ({ Quotas: quotas(input.ServiceCode) })),
);
sq.on(ListAWSDefaultServiceQuotasCommand).callsFake(
  slow((input: { ServiceCode: string }) => ({ Quotas: quotas(input.ServiceCode) })),
);
mockClient(CloudWatchClient)
  .on(GetMetricDataCommand)
  .callsFake(
    slow((input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Values: [120] })),
    })),
  );

const config = resolveLayers(
  {
    profile: 'scale-3000',
    dns: {
      domain: 'example.com',
      certificateArn: `arn:aws:acm:us-east-1:${account}:certificate/12345678-1234-1234-1234-123456789012`,
    },
    coder: { admin: { email: 'ops@example.com' } },
  },
  {},
  undefined,
);
const runner = async (file: string) => ({
  exitCode: 0,
  stderr: '',
  stdout:
    file === 'kubectl'
      ? JSON.stringify({ clientVersion: { major: '1', minor: '34' } })
      : file === 'helm'
        ? 'v3.16.2'
        : 'aws-cli/2.22.0',
});

async function measure(name: string, run: () => Promise<{ checks: number; exitCode: number }>): Promise<number> {
  calls = 0;
  const started = performance.now();
  const { checks, exitCode } = await run();
  const wall = performance.now() - started;
  const sum = calls * LATENCY_MS;
  const ratio = wall / sum;
  console.log(
    `${name}: ${checks} checks (exit ${exitCode}), ${calls} AWS calls × ${LATENCY_MS} ms = ${sum} ms sequential; wall ${wall.toFixed(0)} ms; ratio ${ratio.toFixed(3)} (goal ≤ ${GOAL}) ${ratio <= GOAL ? 'OK' : 'MISSED'}`,
  );
  return ratio;
}

// One warm-up run loads the SDK modules (each check imports its client lazily), so both figures measure the preflight, not module loading.
await runPreflightChecks(config, createPreflightServices(config, { runner }), new RecordingHost());
const direct = await measure('runPreflightChecks (Day 0 gate)', async () => {
  const report = await runPreflightChecks(config, createPreflightServices(config, { runner }), new RecordingHost());
  return { checks: report.checks.length, exitCode: report.summary.exitCode };
});
const phase = buildPreflightPhase({ requestIncreases: false });
const onEngine = (base: string) => async () => {
  const stateDir = await mkdtemp(join(base, 'preflight-bench-'));
  try {
    const result = await runPhase(phase, createPreflightServices(config, { runner }), {
      deployment: 'coder',
      stateDir,
      command: 'coder-platform preflight',
      host: new RecordingHost(),
      concurrency: phase.steps.length,
    });
    const report = reportFromPhase(result);
    return { checks: report.checks.length, exitCode: report.summary.exitCode };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
};
// The engine journals every step start and end with an fsynced atomic write, one after another; on a
// slow shared disk those writes, not the AWS calls, dominate. tmpfs separates the two costs.
const engineMemory = existsSync('/dev/shm')
  ? await measure('preflight phase on the engine, journal on tmpfs', onEngine('/dev/shm'))
  : undefined;
await measure('preflight phase on the engine, journal on disk (fsync-bound; see above)', onEngine(tmpdir()));
if (direct > GOAL || (engineMemory !== undefined && engineMemory > GOAL)) process.exitCode = 1;
