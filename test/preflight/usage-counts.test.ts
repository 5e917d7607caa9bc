import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { ListServiceQuotasCommand } from '@aws-sdk/client-service-quotas';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { runPreflightChecks } from '../../src/phases/preflight/service.js';
import type { PreflightReport } from '../../src/phases/preflight/types.js';
import { checkById, fakeAccount, type QuotaFake, restoreFake, servicesFor } from './aws-fakes.js';
import { profileConfig } from './fixtures.js';

let fake: ReturnType<typeof fakeAccount> | undefined;
afterEach(() => {
  restoreFake(fake);
  fake = undefined;
});
const byId = checkById;
async function run(
  profile: 'mvp-500' | 'scale-3000',
  quotas: QuotaFake,
  setup: (f: ReturnType<typeof fakeAccount>) => void,
): Promise<PreflightReport> {
  fake = fakeAccount(quotas);
  setup(fake);
  const config = profileConfig(profile);
  return runPreflightChecks(config, servicesFor(config), new RecordingHost());
}

describe('usage counted when no UsageMetric answers', () => {
  it('counts existing network load balancers over every page (not ALBs) and target groups', async () => {
    const report = await run('mvp-500', { applied: { 'L-69A177A2': 3, 'L-B22855CB': 5 } }, (f) => {
      f.elb
        .on(DescribeLoadBalancersCommand)
        .resolvesOnce({
          LoadBalancers: [
            { LoadBalancerName: 'a', Type: 'network' },
            { LoadBalancerName: 'b', Type: 'application' },
            { LoadBalancerName: 'c', Type: 'network' },
          ],
          NextMarker: 'm2',
        })
        .resolves({
          LoadBalancers: [
            { LoadBalancerName: 'd', Type: 'network' },
            { LoadBalancerName: 'e', Type: 'gateway' },
          ],
        });
      f.elb
        .on(DescribeTargetGroupsCommand)
        .resolvesOnce({ TargetGroups: [{ TargetGroupName: 't1' }, { TargetGroupName: 't2' }], NextMarker: 'm2' })
        .resolves({ TargetGroups: [{ TargetGroupName: 't3' }, { TargetGroupName: 't4' }, { TargetGroupName: 't5' }] });
    });
    // 3 NLBs of 3 in use + 1 → short; critical; ask for 4
    expect(byId(report, 'quota-elb-network-load-balancers')).toMatchObject({
      status: 'fail',
      critical: true,
      current: '3 applied, 3 in use',
      fix: expect.stringContaining('--desired-value 4 '),
    });
    // 5 target groups of 5 + 1 → warn only
    expect(byId(report, 'quota-elb-target-groups')).toMatchObject({
      status: 'warn',
      critical: false,
      current: '5 applied, 5 in use',
    });
    expect(fake!.elb.commandCalls(DescribeLoadBalancersCommand).map((c) => c.args[0].input.Marker)).toEqual([
      undefined,
      'm2',
    ]);
    expect(fake!.elb.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(2);
    expect(report.summary.exitCode).toBe(1);
  });

  it('passes NLBs with room for one more', async () => {
    const report = await run('mvp-500', { applied: { 'L-69A177A2': 3 } }, (f) => {
      f.elb
        .on(DescribeLoadBalancersCommand)
        .resolves({ LoadBalancers: [{ Type: 'network' }, { Type: 'network' }, { Type: 'application' }] });
    });
    expect(byId(report, 'quota-elb-network-load-balancers')).toMatchObject({
      status: 'pass',
      current: '3 applied, 2 in use',
    });
  });

  it('subtracts the size of existing gp3 volumes (every page, gp3 only)', async () => {
    // mvp-500 needs 32 TiB; 20 TiB of gp3 already exists: 32 + 20 > 50
    const report = await run('mvp-500', { applied: { 'L-7A658B76': 50 } }, (f) => {
      f.ec2
        .on(DescribeVolumesCommand)
        .resolvesOnce({
          Volumes: Array.from({ length: 10 }, (_, i) => ({
            VolumeId: `vol-a${i}`,
            Size: 1024,
            VolumeType: 'gp3' as const,
          })),
          NextToken: 'v2',
        })
        .resolves({
          Volumes: Array.from({ length: 20 }, (_, i) => ({
            VolumeId: `vol-b${i}`,
            Size: 512,
            VolumeType: 'gp3' as const,
          })),
        });
    });
    expect(byId(report, 'quota-ebs-gp3-tib')).toMatchObject({
      status: 'fail',
      critical: true,
      current: '50 applied, 20 in use',
      fix: expect.stringContaining('--desired-value 52 '),
    });
    const calls = fake!.ec2.commandCalls(DescribeVolumesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.Filters).toEqual([{ Name: 'volume-type', Values: ['gp3'] }]);
    expect(calls[1]!.args[0].input.NextToken).toBe('v2');
  });

  it('uses the UsageMetric instead when the gp3 quota carries one, and does not describe volumes', async () => {
    const report = await run('mvp-500', {}, (f) => {
      f.sq.on(ListServiceQuotasCommand, { ServiceCode: 'ebs' }).resolves({
        Quotas: [
          {
            ServiceCode: 'ebs',
            QuotaCode: 'L-7A658B76',
            QuotaName: 'Storage for General Purpose SSD (gp3) volumes, in TiB',
            Value: 50,
            Adjustable: true,
            UsageMetric: {
              MetricNamespace: 'AWS/Usage',
              MetricName: 'ResourceCount',
              MetricDimensions: { Service: 'EBS', Type: 'Resource', Resource: 'gp3' },
              MetricStatisticRecommendation: 'Maximum',
            },
          },
        ],
      });
      f.ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ Size: 40_000, VolumeType: 'gp3' }] });
    });
    expect(byId(report, 'quota-ebs-gp3-tib')).toMatchObject({ status: 'pass', current: '50 applied, 0 in use' });
    expect(fake!.ec2.commandCalls(DescribeVolumesCommand)).toHaveLength(0);
  });

  it('counts RDS/Aurora clusters and instances (all pages) for Aurora, instances only for RDS', async () => {
    const aurora = await run('scale-3000', { applied: { 'L-952B80B8': 3, 'L-7B6409FD': 40 } }, (f) => {
      f.rds
        .on(DescribeDBClustersCommand)
        .resolvesOnce({ DBClusters: [{ DBClusterIdentifier: 'a' }], Marker: 'c2' })
        .resolves({ DBClusters: [{ DBClusterIdentifier: 'b' }] });
      f.rds
        .on(DescribeDBInstancesCommand)
        .resolvesOnce({
          DBInstances: Array.from({ length: 30 }, (_, i) => ({ DBInstanceIdentifier: `i${i}` })),
          Marker: 'i2',
        })
        .resolves({ DBInstances: Array.from({ length: 7 }, (_, i) => ({ DBInstanceIdentifier: `j${i}` })) });
    });
    // clusters: 2 in use + 2 needed > 3
    expect(byId(aurora, 'quota-rds-db-clusters')).toMatchObject({
      status: 'fail',
      critical: true,
      current: '3 applied, 2 in use',
      fix: expect.stringContaining('--desired-value 4 '),
    });
    // instances: 37 in use + 4 needed > 40
    expect(byId(aurora, 'quota-rds-db-instances')).toMatchObject({
      status: 'fail',
      critical: true,
      current: '40 applied, 37 in use',
      fix: expect.stringContaining('--desired-value 41 '),
    });
    expect(fake!.rds.commandCalls(DescribeDBClustersCommand)).toHaveLength(2);
    expect(fake!.rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(2);

    const rds = await run('mvp-500', { applied: { 'L-7B6409FD': 40 } }, (f) => {
      f.rds
        .on(DescribeDBInstancesCommand)
        .resolves({ DBInstances: Array.from({ length: 38 }, (_, i) => ({ DBInstanceIdentifier: `i${i}` })) });
    });
    // 38 + 2 = 40 ≤ 40 fits exactly
    expect(byId(rds, 'quota-rds-db-instances')).toMatchObject({ status: 'pass', current: '40 applied, 38 in use' });
    expect(fake!.rds.commandCalls(DescribeDBClustersCommand)).toHaveLength(0);
  });
});
