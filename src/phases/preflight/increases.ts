/**
 * Quota increase requests (aws-quotas.md §3): for each short, adjustable quota with no open request
 * (ListRequestedServiceQuotaChangeHistoryByQuota shows none PENDING or CASE_OPENED), file
 * RequestServiceQuotaIncrease after one confirmation. An open request is reported with its status
 * instead of being filed again; non-adjustable quotas get the support-case hint. AWS allows one open
 * request per quota and two per Region, so a refused request is reported, not fatal.
 */
import type { RequestedServiceQuotaChange } from '@aws-sdk/client-service-quotas';
import type { EventHost } from '../../engine/host.js';
import type { PreflightAws } from './aws.js';
import type { IncreaseOutcome, ShortQuota } from './types.js';

const OPEN = new Set(['PENDING', 'CASE_OPENED']);
/** Outcomes AWS reached without granting the value: never re-filed automatically. */
export const REFUSED = new Set(['DENIED', 'NOT_APPROVED', 'CASE_CLOSED', 'INVALID_REQUEST']);
const SUPPORT_CASE_URL = 'https://console.aws.amazon.com/support/home#/case/create?issueType=service-limit-increase';

/** What to say about a request AWS refused or closed, and how to ask again. */
function refusedMessage(
  code: string,
  status: string,
  desired: number | undefined,
  caseId: string | undefined,
  region: string,
): string {
  const [serviceCode, quotaCode] = code.split('/');
  return (
    `${code}: the request${desired !== undefined ? ` for ${desired}` : ''} is ${status}${caseId ? ` (case ${caseId})` : ''}; not filing again automatically. ` +
    `To ask again, reply on the support case or open a new one (${SUPPORT_CASE_URL}) with your justification, or file by hand: aws service-quotas request-service-quota-increase --service-code ${serviceCode} --quota-code ${quotaCode} --desired-value ${desired ?? 'N'} --region ${region}`
  );
}

/**
 * The current status of requests filed on earlier runs (their ids from the journal), by
 * GetRequestedServiceQuotaChange. Refused or closed requests say how to ask again; none is re-filed.
 */
export async function trackQuotaRequests(previous: IncreaseOutcome[], aws: PreflightAws): Promise<IncreaseOutcome[]> {
  const withIds = previous.filter((p) => p.requestId);
  if (withIds.length === 0) return [];
  const sq = await import('@aws-sdk/client-service-quotas');
  return Promise.all(
    withIds.map(async (p): Promise<IncreaseOutcome> => {
      const code = `${p.serviceCode}/${p.quotaCode}`;
      const base = {
        serviceCode: p.serviceCode,
        quotaCode: p.quotaCode,
        name: p.name,
        region: p.region,
        desired: p.desired,
        requestId: p.requestId!,
        ...(p.caseId ? { caseId: p.caseId } : {}),
      };
      try {
        const out = await aws.call(
          'servicequotas:GetRequestedServiceQuotaChange',
          () =>
            aws
              .client(sq.ServiceQuotasClient, p.region)
              .send(new sq.GetRequestedServiceQuotaChangeCommand({ RequestId: p.requestId! })),
          code,
        );
        const r = out.RequestedQuota ?? {};
        const status = r.Status ?? 'UNKNOWN';
        const caseId = r.CaseId ?? p.caseId;
        const desired = r.DesiredValue ?? p.desired;
        const message = REFUSED.has(status)
          ? refusedMessage(code, status, desired, caseId, p.region)
          : `${code}: the request ${p.requestId} for ${desired} is ${status}${caseId ? ` (case ${caseId})` : ''}`;
        return {
          ...base,
          desired,
          ...(caseId ? { caseId } : {}),
          action: REFUSED.has(status) ? 'refused' : 'tracked',
          status,
          message,
        };
      } catch (error) {
        return {
          ...base,
          action: 'failed',
          message: `${code}: the status of request ${p.requestId} could not be read: ${(error as Error).message}`,
        };
      }
    }),
  );
}

/**
 * Without --request-increases: the newest request on record (ListRequestedServiceQuotaChangeHistoryByQuota)
 * for each short, adjustable quota, so a plain re-run shows where earlier requests stand. Files nothing.
 */
export async function latestQuotaRequests(short: ShortQuota[], aws: PreflightAws): Promise<IncreaseOutcome[]> {
  const adjustable = short.filter((q) => q.adjustable);
  if (adjustable.length === 0) return [];
  const sq = await import('@aws-sdk/client-service-quotas');
  const found = await Promise.all(
    adjustable.map(async (q): Promise<IncreaseOutcome | undefined> => {
      const code = `${q.serviceCode}/${q.quotaCode}`;
      let history: RequestedServiceQuotaChange[];
      try {
        history = await aws.paginate(
          'servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota',
          (token) =>
            aws.client(sq.ServiceQuotasClient, q.region).send(
              new sq.ListRequestedServiceQuotaChangeHistoryByQuotaCommand({
                ServiceCode: q.serviceCode,
                QuotaCode: q.quotaCode,
                ...(token ? { NextToken: token } : {}),
              }),
            ),
          (p) => p.RequestedQuotas,
          (p) => p.NextToken,
          code,
        );
      } catch (error) {
        // Reporting only: a missing permission here must not fail a plain preflight.
        return {
          serviceCode: q.serviceCode,
          quotaCode: q.quotaCode,
          name: q.name,
          region: q.region,
          desired: q.desired,
          action: 'failed',
          message: `${code}: earlier requests could not be listed: ${(error as Error).message}`,
        };
      }
      const latest = [...history].sort((a, b) => (b.Created?.getTime() ?? 0) - (a.Created?.getTime() ?? 0))[0];
      if (!latest) return undefined;
      const status = latest.Status ?? 'UNKNOWN';
      const base = {
        serviceCode: q.serviceCode,
        quotaCode: q.quotaCode,
        name: q.name,
        region: q.region,
        desired: latest.DesiredValue ?? q.desired,
        status,
        ...(latest.Id ? { requestId: latest.Id } : {}),
        ...(latest.CaseId ? { caseId: latest.CaseId } : {}),
      };
      return REFUSED.has(status)
        ? { ...base, action: 'refused', message: refusedMessage(code, status, q.desired, latest.CaseId, q.region) }
        : {
            ...base,
            action: 'tracked',
            message: `${code}: the request ${latest.Id ?? ''} for ${latest.DesiredValue ?? '?'} is ${status}${latest.CaseId ? ` (case ${latest.CaseId})` : ''}`,
          };
    }),
  );
  return found.filter((o) => o !== undefined);
}

export async function requestQuotaIncreases(
  short: ShortQuota[],
  aws: PreflightAws,
  host: EventHost,
  tracked: IncreaseOutcome[] = [],
): Promise<IncreaseOutcome[]> {
  const sq = await import('@aws-sdk/client-service-quotas');
  const outcomes: IncreaseOutcome[] = [];
  const toFile: ShortQuota[] = [];
  const describe = (q: ShortQuota) => ({
    serviceCode: q.serviceCode,
    quotaCode: q.quotaCode,
    name: q.name,
    region: q.region,
    desired: q.desired,
  });

  await Promise.all(
    short.map(async (q) => {
      if (!q.adjustable) {
        outcomes.push({
          ...describe(q),
          action: 'not-adjustable',
          message: `${q.serviceCode}/${q.quotaCode} is not adjustable: open a support case for ${q.desired} (${SUPPORT_CASE_URL})`,
        });
        return;
      }
      const history = await aws.paginate(
        'servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota',
        (token) =>
          aws.client(sq.ServiceQuotasClient, q.region).send(
            new sq.ListRequestedServiceQuotaChangeHistoryByQuotaCommand({
              ServiceCode: q.serviceCode,
              QuotaCode: q.quotaCode,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        (p) => p.RequestedQuotas,
        (p) => p.NextToken,
        `${q.serviceCode}/${q.quotaCode}`,
      );
      const open = history.find((r) => OPEN.has(r.Status ?? ''));
      // The newest request AWS refused or closed (from the journal's tracking or the account history): ask a person, do not re-file.
      const latest = [...history].sort((a, b) => (b.Created?.getTime() ?? 0) - (a.Created?.getTime() ?? 0))[0];
      const refusedTracked = tracked.find(
        (t) => t.serviceCode === q.serviceCode && t.quotaCode === q.quotaCode && REFUSED.has(t.status ?? ''),
      );
      const refused = !open
        ? (refusedTracked ??
          (latest && REFUSED.has(latest.Status ?? '')
            ? { status: latest.Status!, caseId: latest.CaseId, requestId: latest.Id, desired: latest.DesiredValue }
            : undefined))
        : undefined;
      if (refused) {
        outcomes.push({
          ...describe(q),
          action: 'refused',
          status: refused.status!,
          ...(refused.requestId ? { requestId: refused.requestId } : {}),
          ...(refused.caseId ? { caseId: refused.caseId } : {}),
          message: refusedMessage(
            `${q.serviceCode}/${q.quotaCode}`,
            refused.status!,
            q.desired,
            refused.caseId,
            q.region,
          ),
        });
        return;
      }
      if (open) {
        outcomes.push({
          ...describe(q),
          action: 'pending',
          status: open.Status ?? 'PENDING',
          ...(open.Id ? { requestId: open.Id } : {}),
          ...(open.CaseId ? { caseId: open.CaseId } : {}),
          message: `${q.serviceCode}/${q.quotaCode}: a request for ${open.DesiredValue ?? '?'} is ${open.Status}${open.CaseId ? ` (case ${open.CaseId})` : ''}; not filing again`,
        });
        return;
      }
      toFile.push(q);
    }),
  );

  if (toFile.length > 0) {
    const list = toFile.map((q) => `${q.serviceCode}/${q.quotaCode} ${q.value} → ${q.desired}`).join(', ');
    const approved = await host.confirm({
      code: 'PREFLIGHT_REQUEST_QUOTA_INCREASES',
      message: `File ${toFile.length} quota increase request${toFile.length === 1 ? '' : 's'} (${list})?`,
    });
    for (const q of toFile) {
      if (!approved) {
        outcomes.push({
          ...describe(q),
          action: 'declined',
          message: `${q.serviceCode}/${q.quotaCode}: not requested (declined)`,
        });
        continue;
      }
      try {
        const out = await aws.call(
          'servicequotas:RequestServiceQuotaIncrease',
          () =>
            aws.client(sq.ServiceQuotasClient, q.region).send(
              new sq.RequestServiceQuotaIncreaseCommand({
                ServiceCode: q.serviceCode,
                QuotaCode: q.quotaCode,
                DesiredValue: q.desired,
              }),
            ),
          `${q.serviceCode}/${q.quotaCode}`,
        );
        const r = out.RequestedQuota ?? {};
        outcomes.push({
          ...describe(q),
          action: 'filed',
          status: r.Status ?? 'PENDING',
          ...(r.Id ? { requestId: r.Id } : {}),
          ...(r.CaseId ? { caseId: r.CaseId } : {}),
          message: `${q.serviceCode}/${q.quotaCode}: requested ${q.desired} (${r.Status ?? 'PENDING'}${r.CaseId ? `, case ${r.CaseId}` : ''})`,
        });
        host.emit({
          level: 'info',
          code: 'PREFLIGHT_QUOTA_REQUESTED',
          message: `requested ${q.serviceCode}/${q.quotaCode} = ${q.desired}`,
          data: { requestId: r.Id, caseId: r.CaseId, status: r.Status },
        });
      } catch (error) {
        outcomes.push({
          ...describe(q),
          action: 'failed',
          message: `${q.serviceCode}/${q.quotaCode}: ${(error as Error).message}`,
        });
      }
    }
  }
  const order = new Map(short.map((q, i) => [`${q.serviceCode}/${q.quotaCode}`, i]));
  return outcomes.sort(
    (a, b) => (order.get(`${a.serviceCode}/${a.quotaCode}`) ?? 0) - (order.get(`${b.serviceCode}/${b.quotaCode}`) ?? 0),
  );
}
