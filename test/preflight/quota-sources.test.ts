import { ListAWSDefaultServiceQuotasCommand, ListServiceQuotasCommand } from '@aws-sdk/client-service-quotas';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/engine/host.js';
import { runPreflightChecks } from '../../src/phases/preflight/service.js';
import { computeQuotaBill } from '../../src/sizing/quota-bill.js';
import { awsError, checkById, fakeAccount, restoreFake, servicesFor } from './aws-fakes.js';
import { profileConfig } from './fixtures.js';

let fake: ReturnType<typeof fakeAccount> | undefined;
afterEach(() => {
  restoreFake(fake);
  fake = undefined;
});
const byId = checkById;

describe('GPU buckets follow the GPU template', () => {
  it("scale-3000 without ec2-datasci-gpu bills no G and VT vCPU, nor the GPU workspaces' ENIs and volumes", () => {
    // The config layer refuses a size whose template is disabled, so the template is taken out of the
    // resolved config: the bill must not rely on that rule to leave the GPU sizes out.
    const config = profileConfig('scale-3000');
    config.workspaces.templates = config.workspaces.templates.filter((t) => t !== 'ec2-datasci-gpu');
    const lines = computeQuotaBill(config).lines;
    const line = (id: string) => lines.find((l) => l.id === id)!;
    expect(lines.map((l) => l.quotaCode)).not.toContain('L-DB2E81BA');
    expect(lines.map((l) => l.quotaCode)).not.toContain('L-417A185B');
    // ENIs 1,312 − the 90 + 30 GPU workspaces = 1,192; × 1.2 = 1,430.4 → 1,431
    expect(line('vpc-network-interfaces')).toMatchObject({ base: 1192, required: 1431 });
    // gp3 406,650 GiB − 90 × 1,000 − 30 × 2,000 = 256,650 GiB = 250.63 TiB; × 1.2 = 300.76 → 301
    expect(line('ebs-gp3-tib')).toMatchObject({ base: 250.63, required: 301 });
    // with the template enabled the same sizes bill 2,400 G and VT vCPU (× 1.2 = 2,880)
    expect(computeQuotaBill(profileConfig('scale-3000')).lines.find((l) => l.quotaCode === 'L-DB2E81BA')).toMatchObject(
      { base: 2400, required: 2880 },
    );
  });
});

describe('EC2 Windows workspaces (ec2-windev-gui)', () => {
  it('scale-3000 enables the template with no size: the bill names it as unbilled and the preflight warns', async () => {
    expect(computeQuotaBill(profileConfig('scale-3000')).unbilledTemplates).toEqual(['ec2-windev-gui']);
    expect(computeQuotaBill(profileConfig('mvp-500')).unbilledTemplates).toEqual([]);
    fake = fakeAccount();
    const config = profileConfig('scale-3000');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(byId(report, 'quota-unbilled-template-ec2-windev-gui')).toMatchObject({
      status: 'warn',
      critical: false,
      quotaCode: 'ec2/L-1216C47A',
      fix: expect.stringContaining('template: ec2-windev-gui'),
    });
    expect(report.summary.exitCode).toBe(0);
  });

  it('a windev size is billed On-Demand Standard at its count × vCPU (aws-quotas.md §2.3)', () => {
    const config = profileConfig('scale-3000', {
      workspaces: {
        sizes: {
          'sw-dev-small': { share: 20 },
          'windev-medium': {
            cpu: 4,
            memoryGiB: 16,
            storageGiB: 100,
            share: 5,
            template: 'ec2-windev-gui',
            instanceType: 'm5.xlarge',
          },
        },
      },
    });
    const bill = computeQuotaBill(config);
    expect(bill.unbilledTemplates).toEqual([]);
    const od = bill.lines.find((l) => l.id === 'ec2-ondemand-standard-vcpu')!;
    // 1,846 before + 3,000 × 5 % = 150 × m5.xlarge 4 = 600 → 2,446; × 1.2 = 2,935.2 → 2,936
    expect(od).toMatchObject({ base: 2446, required: 2936 });
    expect(od.arithmetic).toContain('EC2 workspaces windev-medium 3000 × 5 % = 150 × m5.xlarge 4');
  });
});

describe('applied value, AWS default, or UNKNOWN', () => {
  it('maps NoSuchResourceException on the applied listing to the AWS default, and says so', async () => {
    fake = fakeAccount({ defaults: { 'L-1216C47A': 5000 } });
    fake.sq
      .on(ListServiceQuotasCommand, { ServiceCode: 'ec2' })
      .rejects(awsError('NoSuchResourceException', 'The request failed because the specified service does not exist.'));
    const config = profileConfig('mvp-500');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(byId(report, 'quota-ec2-ondemand-standard-vcpu')).toMatchObject({
      status: 'pass',
      current: expect.stringMatching(/^5,000 default/),
    });
    expect(byId(report, 'quota-vpc-vpcs').current).toMatch(/applied/);
    expect(fake.sq.commandCalls(ListAWSDefaultServiceQuotasCommand, { ServiceCode: 'ec2' })).toHaveLength(1);
    expect(report.summary.exitCode).toBe(0);
  });

  it('when the default fails too: UNKNOWN (a warning, could-not-check for a critical quota), never a pass', async () => {
    fake = fakeAccount();
    const gone = awsError(
      'NoSuchResourceException',
      'The request failed because the specified service does not exist.',
    );
    for (const code of ['ec2', 'kms']) {
      fake.sq.on(ListServiceQuotasCommand, { ServiceCode: code }).rejects(gone);
      fake.sq.on(ListAWSDefaultServiceQuotasCommand, { ServiceCode: code }).rejects(gone);
    }
    const config = profileConfig('mvp-500');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(byId(report, 'quota-ec2-ondemand-standard-vcpu')).toMatchObject({
      status: 'warn',
      unchecked: true,
      current: 'unknown',
      message: expect.stringContaining('neither an applied nor a default value'),
    });
    expect(byId(report, 'quota-ec2-elastic-ips')).toMatchObject({ status: 'warn', unchecked: true });
    // a non-critical quota stays a plain warning
    const kms = byId(report, 'quota-kms-keys');
    expect(kms).toMatchObject({ status: 'warn', current: 'unknown' });
    expect(kms.unchecked).toBeUndefined();
    expect(byId(report, 'quota-vpc-vpcs').status).toBe('pass');
    expect(report.summary.exitCode).toBe(3);
  });
});

describe('Service Quotas calls go through the rate limiter', () => {
  it('ListServiceQuotas stays within 10 per second + burst 10 and at most 10 in flight', async () => {
    fake = fakeAccount();
    const starts: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const pageOne = new Set<string>();
    const healthy = fake.answers.ListServiceQuotas;
    fake.sq.on(ListServiceQuotasCommand).callsFake(async (input: { ServiceCode: string; NextToken?: string }) => {
      starts.push(Date.now());
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 300)); // slower than the refill, so only the concurrency bound keeps it at 10
      inFlight -= 1;
      // two pages per service code: 12 service codes → 24 calls
      if (!input.NextToken && !pageOne.has(input.ServiceCode)) {
        pageOne.add(input.ServiceCode);
        return { Quotas: [], NextToken: 'p2' };
      }
      return healthy(input);
    });
    const config = profileConfig('mvp-500');
    const report = await runPreflightChecks(config, servicesFor(config), new RecordingHost());
    expect(report.checks.filter((c) => c.area === 'quotas' && c.status !== 'pass')).toEqual([]);
    const t = starts.map((s) => s - starts[0]!).sort((a, b) => a - b);
    expect(t.length).toBe(2 * pageOne.size);
    expect(t.length).toBeGreaterThan(20);
    // the bucket starts full (10) and refills 10 per second: call n (1-based) cannot start before (n − 10) × 100 ms
    for (let n = 11; n <= t.length; n += 1) expect(t[n - 1]!).toBeGreaterThanOrEqual((n - 10) * 100 - 15);
    // never more than 10 in any 100 ms window beyond the burst: the first 10 may go at once, no more
    expect(t.filter((x) => x < 50).length).toBeLessThanOrEqual(10);
    expect(maxInFlight).toBeLessThanOrEqual(10);
  });
});
