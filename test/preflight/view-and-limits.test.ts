import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/phases/preflight/limiter.js';
import { summarize, type CheckResult } from '../../src/phases/preflight/types.js';
import { renderPreflightLines, renderPreflightTable } from '../../src/ui/preflight-view.js';

const checks: CheckResult[] = [
  {
    id: 'quota-ec2-ondemand-standard-vcpu',
    area: 'quotas',
    status: 'fail',
    critical: true,
    required: '1,407 vCPU',
    current: '5 default, 0 in use',
    quotaCode: 'ec2/L-1216C47A',
    message: 'need 1,407 of 5',
    fix: 'Request ec2/L-1216C47A ≥ 1,407',
  },
  {
    id: 'tool-helm',
    area: 'tools',
    status: 'pass',
    critical: true,
    required: 'helm 3.x',
    current: '3.16.2',
    message: 'helm 3.16.2',
    fix: '',
  },
  {
    id: 'network',
    area: 'network',
    status: 'fail',
    critical: true,
    unchecked: true,
    current: 'could not check',
    message: 'access denied (IAM action ec2:DescribeVpcs)',
    fix: 'Grant ec2:DescribeVpcs',
  },
];

describe('preflight view', () => {
  const view = { checks, summary: summarize(checks), increases: [] };
  it('groups the terminal table by area in a fixed order with required / current / code, and the fix under failures', () => {
    const text = renderPreflightTable(view, { width: 120 });
    expect(text.indexOf('Tools')).toBeLessThan(text.indexOf('Network'));
    expect(text.indexOf('Network')).toBeLessThan(text.indexOf('Service quotas'));
    expect(text).toMatch(/FAIL {4}quota-ec2-ondemand-standard-vcpu +1,407 vCPU +5 default, 0 in use +ec2\/L-1216C47A/);
    expect(text).toMatch(/UNKNOWN network/);
    expect(text).toContain('fix: Request ec2/L-1216C47A ≥ 1,407');
    expect(text).not.toContain('fix: \n');
    expect(text).toContain('1 critical check failed');
  });
  it('prints one greppable line per check in CI', () => {
    expect(renderPreflightLines(view).split('\n')[0]).toBe(
      'FAIL quotas quota-ec2-ondemand-standard-vcpu required="1,407 vCPU" current="5 default, 0 in use" code=ec2/L-1216C47A — need 1,407 of 5',
    );
  });
  it('a critical failure outranks an unchecked one in the exit code', () => {
    expect(view.summary).toMatchObject({ criticalFailures: 1, unchecked: 1, exitCode: 1 });
    expect(summarize(checks.slice(1)).exitCode).toBe(3);
    expect(summarize(checks.slice(1, 2)).exitCode).toBe(0);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through and then holds callers to the rate', async () => {
    let clock = 0;
    const starts: number[] = [];
    const bucket = new TokenBucket(
      10,
      10,
      async (ms) => {
        clock += ms;
      },
      () => clock,
    );
    await Promise.all(
      Array.from({ length: 13 }, async () => {
        await bucket.acquire();
        starts.push(clock);
      }),
    );
    // 10 at once, then one every 100 ms (ListServiceQuotas: 10 per second, burst 10)
    expect(starts).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 200, 300]);
  });
});

describe('quota name assertion', () => {
  it('tolerates punctuation and an added qualifier, never a different quota', async () => {
    const { sameQuota } = await import('../../src/phases/preflight/checks/quotas.js');
    expect(
      sameQuota(
        'Running On-Demand Standard A C D H I M R T Z instances',
        'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
      ),
    ).toBe(true);
    expect(sameQuota('Secrets per Region', 'Secrets')).toBe(true);
    expect(
      sameQuota(
        'Storage for General Purpose SSD (gp2) volumes, in TiB',
        'Storage for General Purpose SSD (gp3) volumes, in TiB',
      ),
    ).toBe(false);
    expect(sameQuota('DB instances', 'Total storage for all DB instances')).toBe(false);
    expect(sameQuota('', 'Clusters')).toBe(false);
  });
});
