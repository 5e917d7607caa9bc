/**
 * Quota increase requests (aws-quotas.md §3): for each short, adjustable quota with no open request
 * (ListRequestedServiceQuotaChangeHistoryByQuota shows none PENDING or CASE_OPENED), file
 * RequestServiceQuotaIncrease after one confirmation. An open request is reported with its status
 * instead of being filed again; non-adjustable quotas get the support-case hint. AWS allows one open
 * request per quota and two per Region, so a refused request is reported, not fatal.
 */
import type { EventHost } from '../engine/host.js';
import type { PreflightAws } from './aws.js';
import type { IncreaseOutcome, ShortQuota } from './types.js';

const OPEN = new Set(['PENDING', 'CASE_OPENED']);
const SUPPORT_CASE_URL = 'https://console.aws.amazon.com/support/home#/case/create?issueType=service-limit-increase';

export async function requestQuotaIncreases(short: ShortQuota[], aws: PreflightAws, host: EventHost): Promise<IncreaseOutcome[]> {
  const sq = await import('@aws-sdk/client-service-quotas');
  const outcomes: IncreaseOutcome[] = [];
  const toFile: ShortQuota[] = [];
  const describe = (q: ShortQuota) => ({ serviceCode: q.serviceCode, quotaCode: q.quotaCode, name: q.name, region: q.region, desired: q.desired });

  await Promise.all(short.map(async (q) => {
    if (!q.adjustable) {
      outcomes.push({ ...describe(q), action: 'not-adjustable', message: `${q.serviceCode}/${q.quotaCode} is not adjustable: open a support case for ${q.desired} (${SUPPORT_CASE_URL})` });
      return;
    }
    const history = await aws.paginate(
      'servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota',
      (token) => aws.client(sq.ServiceQuotasClient, q.region).send(new sq.ListRequestedServiceQuotaChangeHistoryByQuotaCommand({ ServiceCode: q.serviceCode, QuotaCode: q.quotaCode, ...(token ? { NextToken: token } : {}) })),
      (p) => p.RequestedQuotas,
      (p) => p.NextToken,
      `${q.serviceCode}/${q.quotaCode}`,
    );
    const open = history.find((r) => OPEN.has(r.Status ?? ''));
    if (open) {
      outcomes.push({
        ...describe(q), action: 'pending', status: open.Status ?? 'PENDING', ...(open.Id ? { requestId: open.Id } : {}), ...(open.CaseId ? { caseId: open.CaseId } : {}),
        message: `${q.serviceCode}/${q.quotaCode}: a request for ${open.DesiredValue ?? '?'} is ${open.Status}${open.CaseId ? ` (case ${open.CaseId})` : ''}; not filing again`,
      });
      return;
    }
    toFile.push(q);
  }));

  if (toFile.length > 0) {
    const list = toFile.map((q) => `${q.serviceCode}/${q.quotaCode} ${q.value} → ${q.desired}`).join(', ');
    const approved = await host.confirm({ code: 'PREFLIGHT_REQUEST_QUOTA_INCREASES', message: `File ${toFile.length} quota increase request${toFile.length === 1 ? '' : 's'} (${list})?` });
    for (const q of toFile) {
      if (!approved) {
        outcomes.push({ ...describe(q), action: 'declined', message: `${q.serviceCode}/${q.quotaCode}: not requested (declined)` });
        continue;
      }
      try {
        const out = await aws.call('servicequotas:RequestServiceQuotaIncrease', () => aws.client(sq.ServiceQuotasClient, q.region).send(new sq.RequestServiceQuotaIncreaseCommand({ ServiceCode: q.serviceCode, QuotaCode: q.quotaCode, DesiredValue: q.desired })), `${q.serviceCode}/${q.quotaCode}`);
        const r = out.RequestedQuota ?? {};
        outcomes.push({
          ...describe(q), action: 'filed', status: r.Status ?? 'PENDING', ...(r.Id ? { requestId: r.Id } : {}), ...(r.CaseId ? { caseId: r.CaseId } : {}),
          message: `${q.serviceCode}/${q.quotaCode}: requested ${q.desired} (${r.Status ?? 'PENDING'}${r.CaseId ? `, case ${r.CaseId}` : ''})`,
        });
        host.emit({ level: 'info', code: 'PREFLIGHT_QUOTA_REQUESTED', message: `requested ${q.serviceCode}/${q.quotaCode} = ${q.desired}`, data: { requestId: r.Id, caseId: r.CaseId, status: r.Status } });
      } catch (error) {
        outcomes.push({ ...describe(q), action: 'failed', message: `${q.serviceCode}/${q.quotaCode}: ${(error as Error).message}` });
      }
    }
  }
  const order = new Map(short.map((q, i) => [`${q.serviceCode}/${q.quotaCode}`, i]));
  return outcomes.sort((a, b) => (order.get(`${a.serviceCode}/${a.quotaCode}`) ?? 0) - (order.get(`${b.serviceCode}/${b.quotaCode}`) ?? 0));
}
