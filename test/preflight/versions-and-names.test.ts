import { DescribeClusterVersionsCommand } from '@aws-sdk/client-eks';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { runPreflightChecks } from '../../src/phases/preflight/service.js';
import { checkEksVersion } from '../../src/phases/preflight/checks/eks-version.js';
import { sameQuota } from '../../src/phases/preflight/checks/quotas.js';
import { fakeAccount, servicesFor } from './aws-fakes.js';
import { profileConfig } from './fixtures.js';

let fake: ReturnType<typeof fakeAccount> | undefined;
afterEach(() => {
  for (const m of Object.values(fake ?? {}))
    if (typeof m === 'object' && 'restore' in m) (m as { restore(): void }).restore();
  fake = undefined;
});

describe('EKS versions compare numerically', () => {
  const offer = (f: ReturnType<typeof fakeAccount>) =>
    f.eks.on(DescribeClusterVersionsCommand).resolves({
      clusterVersions: [
        { clusterVersion: '1.10', versionStatus: 'STANDARD_SUPPORT', endOfStandardSupportDate: new Date('2027-01-01') },
        { clusterVersion: '1.9', versionStatus: 'EXTENDED_SUPPORT', endOfExtendedSupportDate: new Date('2026-12-31') },
        { clusterVersion: '1.11', versionStatus: 'STANDARD_SUPPORT', endOfStandardSupportDate: new Date('2027-06-01') },
      ],
    });
  // The config schema only admits two-digit minors, so the version is set on the resolved config: the
  // check itself must not rely on that to order versions.
  const configWith = (version: string) => {
    const config = profileConfig('mvp-500');
    config.cluster.kubernetesVersion = version;
    return config;
  };

  it('lists 1.10 and 1.11 as newer than 1.9 (a string comparison says "1.10" < "1.9")', async () => {
    fake = fakeAccount();
    offer(fake);
    const out = await checkEksVersion(servicesFor(configWith('1.9')));
    expect(out.results[0]).toMatchObject({
      status: 'warn',
      fix: 'Plan an upgrade; standard-support versions: 1.10, 1.11.',
    });
  });

  it('orders the offered versions numerically in the fix of an unsupported version', async () => {
    fake = fakeAccount();
    offer(fake);
    const out = await checkEksVersion(servicesFor(configWith('1.8')));
    expect(out.results[0]).toMatchObject({
      status: 'fail',
      fix: 'Set cluster.kubernetesVersion to one of: 1.9, 1.10, 1.11.',
    });
  });
});

describe('quota names', () => {
  it('accepts the names AWS returns, with or without commas, case or a per-Region qualifier', () => {
    expect(
      sameQuota(
        'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
        'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
      ),
    ).toBe(true);
    expect(
      sameQuota(
        'Running On-Demand Standard (A C D H I M R T Z) instances',
        'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
      ),
    ).toBe(true);
    expect(sameQuota('Secrets per Region', 'Secrets')).toBe(true);
    expect(sameQuota('Secrets', 'Secrets per Region')).toBe(true);
    expect(sameQuota('Auto Scaling groups per Region', 'Auto Scaling groups per region')).toBe(true);
    expect(sameQuota('Customer Master Keys (CMKs)', 'Customer Master Keys (CMKs)')).toBe(true);
  });
  it('rejects a longer or shorter name that merely starts the same, in either direction', () => {
    expect(sameQuota('Clusters per something else', 'Clusters')).toBe(false);
    expect(sameQuota('Clusters', 'Clusters per something else')).toBe(false);
    expect(sameQuota('DB instance snapshots', 'DB instances')).toBe(false);
    expect(sameQuota('DB instances', 'DB instance snapshots')).toBe(false);
    expect(sameQuota('VPCs per Availability Zone', 'VPCs per Region')).toBe(false);
    expect(sameQuota('', 'Clusters')).toBe(false);
  });
  it('fails the preflight loudly when rds/L-7B6409FD comes back as "DB instance snapshots"', async () => {
    fake = fakeAccount({ names: { 'L-7B6409FD': 'DB instance snapshots' } });
    const config = profileConfig('mvp-500');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(report.checks.find((c) => c.id === 'quota-rds-db-instances')).toMatchObject({
      status: 'fail',
      critical: true,
      current: '"DB instance snapshots"',
      message: expect.stringContaining('the code table is wrong'),
    });
    expect(report.checks.find((c) => c.id === 'quota-rds-db-clusters')).toBeUndefined();
    expect(report.checks.find((c) => c.id === 'quota-eks-clusters')?.status).toBe('pass');
  });
});
