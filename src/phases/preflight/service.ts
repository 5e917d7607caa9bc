/**
 * The preflight phase: every check is one engine step with no dependencies, so they all run at once and
 * the wall time is the slowest check, not the sum. The only real dependency is request-increases, which
 * needs the quota step's short list. Step outputs carry the results (and the increase requests' ids and
 * case ids) into the journal.
 *
 * `runPreflightChecks` runs the same checks concurrently without the engine or a journal: Day 0 uses it
 * as its gate (it refuses to start while a critical check fails).
 */
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { EventHost } from '../../engine/host.js';
import type { Phase, PhaseResult, Step, StepOutputs } from '../../engine/types.js';
import { PREFLIGHT_CHECKS, runCheck } from './checks/index.js';
import { readJournal } from '../../engine/journal.js';
import { latestQuotaRequests, requestQuotaIncreases, trackQuotaRequests } from './increases.js';
import {
  summarize,
  type CheckResult,
  type IncreaseOutcome,
  type PreflightReport,
  type PreflightServices,
  type ShortQuota,
} from './types.js';

export { createPreflightServices, type CreatePreflightServicesOptions } from './services.js';
export {
  CHECK_AREAS,
  type CheckResult,
  type CheckStatus,
  type IncreaseOutcome,
  type PreflightReport,
  type PreflightServices,
  type PreflightSummary,
} from './types.js';

export const PREFLIGHT_PHASE_NAME = 'preflight';
export const REQUEST_INCREASES_STEP = 'request-increases';

export interface PreflightPhaseOptions {
  requestIncreases: boolean;
  /** Increase requests journaled by earlier runs (journaledIncreaseRequests): their status is read back on every run. */
  previousRequests?: IncreaseOutcome[];
}

export function buildPreflightPhase(options: PreflightPhaseOptions): Phase<PreflightServices> {
  const previous = options.previousRequests ?? [];
  const steps: Step<PreflightServices>[] = PREFLIGHT_CHECKS.map((check) => ({
    id: check.id,
    title: check.title,
    expectedSeconds: check.id === 'quotas' ? 5 : 2,
    run: async (ctx) => {
      const outcome = await runCheck(check, ctx.services, ctx.host);
      const outputs: StepOutputs = { results: JSON.stringify(outcome.results) };
      if (outcome.short) outputs.short = JSON.stringify(outcome.short);
      return outputs;
    },
  }));
  steps.push({
    id: REQUEST_INCREASES_STEP,
    title: options.requestIncreases
      ? 'Request quota increases for short, adjustable quotas'
      : 'Status of quota increase requests',
    dependsOn: ['quotas'],
    // Every run reports where earlier requests stand; only --request-increases files new ones.
    run: async (ctx) => {
      const short = parseJson<ShortQuota[]>(ctx.outputs.quotas?.short) ?? [];
      const { aws } = ctx.services;
      const tracked = await trackQuotaRequests(previous, aws);
      const isTracked = (o: IncreaseOutcome): boolean =>
        tracked.some((t) => t.serviceCode === o.serviceCode && t.quotaCode === o.quotaCode);
      const current = options.requestIncreases
        ? await requestQuotaIncreases(short, aws, ctx.host, tracked)
        : await latestQuotaRequests(short, aws);
      // A quota tracked by its journaled id is reported once, by that id, unless a new request was filed for it.
      const outcomes = [...tracked, ...current.filter((o) => o.action === 'filed' || !isTracked(o))];
      for (const o of tracked)
        ctx.host.emit({
          level: o.action === 'refused' || o.action === 'failed' ? 'warn' : 'info',
          code: 'PREFLIGHT_QUOTA_REQUEST_STATUS',
          message: o.message,
          data: { requestId: o.requestId, caseId: o.caseId, status: o.status },
        });
      return {
        requests: JSON.stringify(outcomes),
        requestIds: outcomes.flatMap((o) => (o.requestId ? [`${o.serviceCode}/${o.quotaCode}=${o.requestId}`] : [])),
        caseIds: outcomes.flatMap((o) => (o.caseId ? [`${o.serviceCode}/${o.quotaCode}=${o.caseId}`] : [])),
      };
    },
  });
  return { name: PREFLIGHT_PHASE_NAME, version: 1, steps };
}

/** The report of a preflight phase run, from its step outputs, in check order. */
export function reportFromPhase(result: PhaseResult): PreflightReport {
  const checks: CheckResult[] = PREFLIGHT_CHECKS.flatMap(
    (c) => parseJson<CheckResult[]>(result.outputs[c.id]?.results) ?? [],
  );
  const increases = parseJson<IncreaseOutcome[]>(result.outputs[REQUEST_INCREASES_STEP]?.requests) ?? [];
  return { checks, summary: summarize(checks), increases };
}

/**
 * Every check at once, no journal. With services.options.requestIncreases the short quotas are then
 * requested (after host.confirm). Throws ExternalError (exit 3) when the credentials are missing or expired.
 */
export async function runPreflightChecks(
  config: CoderPlatformConfig,
  services: PreflightServices,
  host: EventHost,
): Promise<PreflightReport> {
  const scoped: PreflightServices = services.config === config ? services : { ...services, config };
  const outcomes = await Promise.all(PREFLIGHT_CHECKS.map((check) => runCheck(check, scoped, host)));
  const checks = outcomes.flatMap((o) => o.results);
  const short = outcomes.flatMap((o) => o.short ?? []);
  const increases =
    scoped.options.requestIncreases && short.length > 0 ? await requestQuotaIncreases(short, scoped.aws, host) : [];
  return { checks, summary: summarize(checks), increases };
}

/**
 * The increase requests a previous preflight run journaled in this state directory (with their ids and
 * case ids), to pass as PreflightPhaseOptions.previousRequests. Read before the run: a re-run restarts
 * the phase's records.
 */
export async function journaledIncreaseRequests(stateDir: string): Promise<IncreaseOutcome[]> {
  const journal = await readJournal(stateDir);
  const outputs = journal?.phases[PREFLIGHT_PHASE_NAME]?.steps[REQUEST_INCREASES_STEP]?.outputs;
  return (parseJson<IncreaseOutcome[]>(outputs?.requests) ?? []).filter((o) => o.requestId);
}

/** What Day 0's gate needs: the critical checks that failed. */
export function criticalFailures(report: PreflightReport): { id: string; message: string }[] {
  return report.checks.filter((c) => c.status === 'fail' && c.critical).map((c) => ({ id: c.id, message: c.message }));
}

function parseJson<T>(value: unknown): T | undefined {
  return typeof value === 'string' ? (JSON.parse(value) as T) : undefined;
}
