import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRequestedServiceQuotaChangeCommand,
  ListRequestedServiceQuotaChangeHistoryByQuotaCommand,
  RequestServiceQuotaIncreaseCommand,
  type RequestedServiceQuotaChange,
} from '@aws-sdk/client-service-quotas';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHost, type ConfirmRequest } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import { buildPreflightPhase, journaledIncreaseRequests, reportFromPhase } from '../../src/phases/preflight/service.js';
import { requestQuotaIncreases } from '../../src/phases/preflight/increases.js';
import type { ShortQuota } from '../../src/phases/preflight/types.js';
import { fakeAccount, servicesFor } from './aws-fakes.js';
import { profileConfig } from './fixtures.js';

let fake: ReturnType<typeof fakeAccount> | undefined;
const dirs: string[] = [];
afterEach(async () => {
  for (const m of Object.values(fake ?? {}))
    if (typeof m === 'object' && 'restore' in m) (m as { restore(): void }).restore();
  fake = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Service Quotas as a tiny stateful fake: filed requests appear in the per-quota history. */
function statefulRequests(f: ReturnType<typeof fakeAccount>, history: RequestedServiceQuotaChange[] = []) {
  f.sq
    .on(ListRequestedServiceQuotaChangeHistoryByQuotaCommand)
    .callsFake((input: { ServiceCode: string; QuotaCode: string }) => ({
      RequestedQuotas: history.filter((r) => r.ServiceCode === input.ServiceCode && r.QuotaCode === input.QuotaCode),
    }));
  let filed = 0;
  f.sq
    .on(RequestServiceQuotaIncreaseCommand)
    .callsFake((input: { ServiceCode: string; QuotaCode: string; DesiredValue: number }) => {
      filed += 1;
      const request = {
        Id: `req-${filed}`,
        CaseId: `case-${filed}`,
        Status: 'PENDING' as const,
        ServiceCode: input.ServiceCode,
        QuotaCode: input.QuotaCode,
        DesiredValue: input.DesiredValue,
      };
      history.push(request);
      return { RequestedQuota: request };
    });
  f.sq
    .on(GetRequestedServiceQuotaChangeCommand)
    .callsFake((input: { RequestId: string }) => ({ RequestedQuota: history.find((r) => r.Id === input.RequestId) }));
  return history;
}

const short = (quotaCode: string, over: Partial<ShortQuota> = {}): ShortQuota => ({
  serviceCode: 'ec2',
  quotaCode,
  name: quotaCode,
  region: 'us-east-1',
  adjustable: true,
  value: 5,
  desired: 2216,
  critical: true,
  ...over,
});

class AnsweringHost extends RecordingHost {
  readonly asked: ConfirmRequest[] = [];
  constructor(private readonly answer: boolean) {
    super();
  }
  override async confirm(request: ConfirmRequest): Promise<boolean> {
    this.asked.push(request);
    return this.answer;
  }
}

describe('requestQuotaIncreases', () => {
  it('files once after confirmation, skips pending and non-adjustable quotas, and does not file again on a re-run', async () => {
    fake = fakeAccount();
    const history = statefulRequests(fake, [
      {
        Id: 'old',
        CaseId: 'case-old',
        Status: 'CASE_OPENED',
        ServiceCode: 'ec2',
        QuotaCode: 'L-34B43A08',
        DesiredValue: 2400,
      },
    ]);
    const services = servicesFor(profileConfig('scale-3000'));
    const quotas = [
      short('L-1216C47A'),
      short('L-34B43A08', { desired: 2400 }),
      short('L-0263D0A3', { adjustable: false, desired: 8 }),
    ];
    const host = new AnsweringHost(true);

    const first = await requestQuotaIncreases(quotas, services.aws, host);
    expect(first.map((o) => [o.quotaCode, o.action, o.caseId])).toEqual([
      ['L-1216C47A', 'filed', 'case-1'],
      ['L-34B43A08', 'pending', 'case-old'],
      ['L-0263D0A3', 'not-adjustable', undefined],
    ]);
    expect(first[2]!.message).toContain('open a support case');
    expect(fake.sq.commandCalls(RequestServiceQuotaIncreaseCommand).map((c) => c.args[0].input)).toEqual([
      { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A', DesiredValue: 2216 },
    ]);
    expect(host.asked).toHaveLength(1);

    const second = await requestQuotaIncreases(quotas, services.aws, host);
    expect(second.map((o) => [o.quotaCode, o.action, o.status])).toEqual([
      ['L-1216C47A', 'pending', 'PENDING'],
      ['L-34B43A08', 'pending', 'CASE_OPENED'],
      ['L-0263D0A3', 'not-adjustable', undefined],
    ]);
    expect(fake.sq.commandCalls(RequestServiceQuotaIncreaseCommand)).toHaveLength(1);
    expect(history).toHaveLength(2);
    // nothing left to file: no second question
    expect(host.asked).toHaveLength(1);
  });

  it('files nothing when the operator declines', async () => {
    fake = fakeAccount();
    statefulRequests(fake);
    const services = servicesFor(profileConfig('mvp-500'));
    const outcomes = await requestQuotaIncreases([short('L-1216C47A')], services.aws, new AnsweringHost(false));
    expect(outcomes.map((o) => o.action)).toEqual(['declined']);
    expect(fake.sq.commandCalls(RequestServiceQuotaIncreaseCommand)).toHaveLength(0);
  });
});

describe('preflight phase on the engine', () => {
  it('runs the checks as steps, files the short quota with --yes and journals the case id', async () => {
    // No applied values; defaults 5 vCPU for On-Demand Standard, generous for the rest.
    fake = fakeAccount({
      applied: {},
      defaults: Object.fromEntries(
        [
          'L-1216C47A',
          'L-0263D0A3',
          'L-F678F1CE',
          'L-A4707A72',
          'L-FE5A380F',
          'L-407747CB',
          'L-DF5E4CA3',
          'L-69A177A2',
          'L-B22855CB',
          'L-1194D53C',
          'L-6D54EA21',
          'L-BD136A63',
          'L-CDE20ADC',
          'L-7B6409FD',
          'L-7ADDB58A',
          'L-7A658B76',
          'L-2F66C23C',
          'L-C2F1777E',
          'L-F141DD1D',
          'L-4EA4796A',
          'L-0485CB21',
        ].map((c) => [c, c === 'L-1216C47A' ? 5 : 1000]),
      ),
    });
    statefulRequests(fake);
    const config = profileConfig('mvp-500');
    const services = servicesFor(config, { requestIncreases: true });
    const stateDir = await mkdtemp(join(tmpdir(), 'preflight-'));
    dirs.push(stateDir);
    const result = await runPhase(buildPreflightPhase({ requestIncreases: true }), services, {
      deployment: 'coder',
      stateDir,
      command: 'coder-platform preflight',
      host: new RecordingHost({ yes: true }),
      concurrency: 11,
    });
    expect(result.status).toBe('succeeded');
    const report = reportFromPhase(result);
    expect(report.summary.exitCode).toBe(1);
    expect(report.checks.find((c) => c.id === 'quota-ec2-ondemand-standard-vcpu')).toMatchObject({
      status: 'fail',
      required: '1,407 vCPU',
    });
    expect(report.increases).toEqual([
      expect.objectContaining({
        quotaCode: 'L-1216C47A',
        action: 'filed',
        desired: 1407,
        caseId: 'case-1',
        requestId: 'req-1',
      }),
    ]);
    expect(result.outputs['request-increases']).toMatchObject({
      caseIds: ['ec2/L-1216C47A=case-1'],
      requestIds: ['ec2/L-1216C47A=req-1'],
    });
    const journal = (
      await Promise.all(
        (await readdir(stateDir, { recursive: true }))
          .filter((f) => f.endsWith('.json'))
          .map((f) => readFile(join(stateDir, f), 'utf8')),
      )
    ).join('\n');
    expect(journal).toContain('case-1');
  });
});

describe('increase requests on a re-run', () => {
  const shortMvp = () =>
    fakeAccount({
      applied: {},
      defaults: Object.fromEntries(
        [
          'L-1216C47A',
          'L-0263D0A3',
          'L-F678F1CE',
          'L-A4707A72',
          'L-FE5A380F',
          'L-407747CB',
          'L-DF5E4CA3',
          'L-69A177A2',
          'L-B22855CB',
          'L-1194D53C',
          'L-6D54EA21',
          'L-BD136A63',
          'L-CDE20ADC',
          'L-7B6409FD',
          'L-7ADDB58A',
          'L-7A658B76',
          'L-2F66C23C',
          'L-C2F1777E',
          'L-F141DD1D',
          'L-4EA4796A',
          'L-0485CB21',
        ].map((c) => [c, c === 'L-1216C47A' ? 5 : 1000]),
      ),
    });

  it('reads the journaled request back: a plain re-run shows its status, a DENIED one is never filed again', async () => {
    fake = shortMvp();
    const history = statefulRequests(fake);
    const config = profileConfig('mvp-500');
    const stateDir = await mkdtemp(join(tmpdir(), 'preflight-'));
    dirs.push(stateDir);
    const runOnce = async (requestIncreases: boolean, host = new RecordingHost({ yes: true })) => {
      const previousRequests = await journaledIncreaseRequests(stateDir);
      const result = await runPhase(
        buildPreflightPhase({ requestIncreases, previousRequests }),
        servicesFor(config, { requestIncreases }),
        { deployment: 'coder', stateDir, command: 'coder-platform preflight', host, concurrency: 11, restart: true },
      );
      expect(result.status).toBe('succeeded');
      return { previousRequests, report: reportFromPhase(result), host };
    };

    // 1st run files req-1 / case-1
    const first = await runOnce(true);
    expect(first.previousRequests).toEqual([]);
    expect(first.report.increases.map((o) => [o.action, o.requestId])).toEqual([['filed', 'req-1']]);

    // 2nd run, plain: the journaled id is polled with GetRequestedServiceQuotaChange, nothing is filed
    history[0]!.Status = 'CASE_OPENED';
    const second = await runOnce(false);
    expect(second.previousRequests.map((o) => o.requestId)).toEqual(['req-1']);
    expect(second.report.increases).toEqual([
      expect.objectContaining({
        quotaCode: 'L-1216C47A',
        action: 'tracked',
        status: 'CASE_OPENED',
        requestId: 'req-1',
        caseId: 'case-1',
        message: 'ec2/L-1216C47A: the request req-1 for 1407 is CASE_OPENED (case case-1)',
      }),
    ]);
    expect(fake.sq.commandCalls(GetRequestedServiceQuotaChangeCommand).map((c) => c.args[0].input)).toEqual([
      { RequestId: 'req-1' },
    ]);
    expect(second.host.events.some((e) => e.code === 'PREFLIGHT_QUOTA_REQUEST_STATUS')).toBe(true);

    // AWS denies it; a 3rd run with --request-increases says so and how to ask again, and files nothing
    history[0]!.Status = 'DENIED';
    const asker = new AnsweringHost(true);
    const third = await runOnce(true, asker);
    // the id survived the second run's restart: it was journaled again
    expect(third.previousRequests.map((o) => o.requestId)).toEqual(['req-1']);
    expect(third.report.increases).toEqual([
      expect.objectContaining({ action: 'refused', status: 'DENIED', requestId: 'req-1' }),
    ]);
    expect(third.report.increases[0]!.message).toMatch(/is DENIED \(case case-1\); not filing again automatically/);
    expect(third.report.increases[0]!.message).toContain('support case');
    expect(third.report.increases[0]!.message).toContain(
      'request-service-quota-increase --service-code ec2 --quota-code L-1216C47A',
    );
    expect(fake.sq.commandCalls(RequestServiceQuotaIncreaseCommand)).toHaveLength(1);
    expect(asker.asked).toHaveLength(0);
  });

  it.each(['DENIED', 'NOT_APPROVED', 'CASE_CLOSED'] as const)(
    'does not re-file after a %s request in the account history, even without a journal',
    async (status) => {
      fake = fakeAccount();
      statefulRequests(fake, [
        {
          Id: 'old-1',
          Status: 'APPROVED',
          ServiceCode: 'ec2',
          QuotaCode: 'L-1216C47A',
          DesiredValue: 500,
          Created: new Date('2026-01-01'),
        },
        {
          Id: 'old-2',
          CaseId: 'case-9',
          Status: status,
          ServiceCode: 'ec2',
          QuotaCode: 'L-1216C47A',
          DesiredValue: 2216,
          Created: new Date('2026-06-01'),
        },
      ]);
      const host = new AnsweringHost(true);
      const outcomes = await requestQuotaIncreases(
        [short('L-1216C47A')],
        servicesFor(profileConfig('mvp-500')).aws,
        host,
      );
      expect(outcomes).toEqual([
        expect.objectContaining({
          action: 'refused',
          status,
          caseId: 'case-9',
          message: expect.stringContaining('not filing again automatically'),
        }),
      ]);
      expect(fake.sq.commandCalls(RequestServiceQuotaIncreaseCommand)).toHaveLength(0);
      expect(host.asked).toHaveLength(0);
    },
  );

  it('files again when the newest request was APPROVED and the quota is short once more', async () => {
    fake = fakeAccount();
    statefulRequests(fake, [
      {
        Id: 'old-1',
        Status: 'DENIED',
        ServiceCode: 'ec2',
        QuotaCode: 'L-1216C47A',
        DesiredValue: 9000,
        Created: new Date('2025-01-01'),
      },
      {
        Id: 'old-2',
        Status: 'APPROVED',
        ServiceCode: 'ec2',
        QuotaCode: 'L-1216C47A',
        DesiredValue: 500,
        Created: new Date('2026-01-01'),
      },
    ]);
    const outcomes = await requestQuotaIncreases(
      [short('L-1216C47A')],
      servicesFor(profileConfig('mvp-500')).aws,
      new AnsweringHost(true),
    );
    expect(outcomes.map((o) => o.action)).toEqual(['filed']);
  });

  it('a plain run with no journal shows the newest request on record for a short quota', async () => {
    fake = shortMvp();
    statefulRequests(fake, [
      {
        Id: 'req-x',
        CaseId: 'case-x',
        Status: 'PENDING',
        ServiceCode: 'ec2',
        QuotaCode: 'L-1216C47A',
        DesiredValue: 1407,
        Created: new Date(),
      },
    ]);
    const config = profileConfig('mvp-500');
    const stateDir = await mkdtemp(join(tmpdir(), 'preflight-'));
    dirs.push(stateDir);
    const result = await runPhase(buildPreflightPhase({ requestIncreases: false }), servicesFor(config), {
      deployment: 'coder',
      stateDir,
      command: 'coder-platform preflight',
      host: new RecordingHost(),
      concurrency: 11,
    });
    expect(reportFromPhase(result).increases).toEqual([
      expect.objectContaining({ action: 'tracked', status: 'PENDING', requestId: 'req-x', caseId: 'case-x' }),
    ]);
    expect(fake.sq.commandCalls(RequestServiceQuotaIncreaseCommand)).toHaveLength(0);
  });
});
