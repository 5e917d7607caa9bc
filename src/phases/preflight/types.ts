/**
 * The preflight's data: one CheckResult per finding, the report they add up to, and the services the
 * checks talk to. Checks never print: they return results, and the host receives one event per result.
 */
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { EventHost } from '../../engine/host.js';
import type { PreflightAws } from './aws.js';
import type { CommandRunner } from './runner.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';
export const CHECK_AREAS = [
  'tools',
  'identity',
  'region',
  'network',
  'dns',
  'cdk',
  'eks',
  'audit',
  'quotas',
  'capacity',
  'state',
] as const;
export type CheckArea = (typeof CHECK_AREAS)[number];

export interface CheckResult {
  /** Stable id, e.g. `quota-ec2-ondemand-standard-vcpu`. */
  id: string;
  area: CheckArea;
  status: CheckStatus;
  /** A critical failure blocks Day 0. */
  critical: boolean;
  required?: string;
  current?: string;
  /** `serviceCode/quotaCode`, e.g. `ec2/L-1216C47A`, for quota checks. */
  quotaCode?: string;
  /** One line. */
  message: string;
  /** What to do; empty when nothing is needed. */
  fix: string;
  /** The check could not be carried out (access denied, network): the answer is unknown. */
  unchecked?: boolean;
}

/** A quota the deployment does not fit in, with what an increase request needs. */
export interface ShortQuota {
  serviceCode: string;
  quotaCode: string;
  name: string;
  /** The Service Quotas region the quota lives in (us-east-1 for global quotas). */
  region: string;
  adjustable: boolean;
  /** The value in force now. */
  value: number;
  /** The value to ask for: current usage + required. */
  desired: number;
  critical: boolean;
}

export interface CheckOutcome {
  results: CheckResult[];
  short?: ShortQuota[];
}

export interface Identity {
  account: string;
  arn: string;
  userId: string;
}

export interface PreflightOptions {
  /** File RequestServiceQuotaIncrease for short, adjustable quotas (after confirmation). */
  requestIncreases: boolean;
  /** Headroom on load-scaled quotas. @default 0.2 */
  buffer: number;
  /** Lowest acceptable CDKToolkit BootstrapVersion. */
  minBootstrapVersion: number;
}

export interface PreflightServices {
  config: CoderPlatformConfig;
  aws: PreflightAws;
  runner: CommandRunner;
  options: PreflightOptions;
  /** sts:GetCallerIdentity, called once per run and shared by the checks that need the account. */
  identity(): Promise<Identity>;
}

export interface PreflightCheck {
  id: string;
  title: string;
  area: CheckArea;
  run(services: PreflightServices, host: EventHost): Promise<CheckOutcome>;
}

/** `tracked`: a request from an earlier run, with its current status; `refused`: AWS denied or closed it, and it is not re-filed. */
export type IncreaseAction = 'filed' | 'pending' | 'tracked' | 'refused' | 'not-adjustable' | 'declined' | 'failed';

export interface IncreaseOutcome {
  serviceCode: string;
  quotaCode: string;
  name: string;
  region: string;
  desired: number;
  action: IncreaseAction;
  status?: string;
  requestId?: string;
  caseId?: string;
  message: string;
}

export interface PreflightSummary {
  pass: number;
  warn: number;
  fail: number;
  /** Critical checks that failed: Day 0 refuses to start. */
  criticalFailures: number;
  /** Checks that could not be carried out. */
  unchecked: number;
  /** 0 all pass (warnings allowed), 1 a critical check failed, 3 could not check. */
  exitCode: 0 | 1 | 3;
}

export interface PreflightReport {
  checks: CheckResult[];
  summary: PreflightSummary;
  increases: IncreaseOutcome[];
}

export function summarize(checks: CheckResult[]): PreflightSummary {
  const count = (s: CheckStatus): number => checks.filter((c) => c.status === s).length;
  const criticalFailures = checks.filter((c) => c.status === 'fail' && c.critical && !c.unchecked).length;
  const unchecked = checks.filter((c) => c.unchecked).length;
  return {
    pass: count('pass'),
    warn: count('warn'),
    fail: count('fail'),
    criticalFailures,
    unchecked,
    exitCode: criticalFailures > 0 ? 1 : unchecked > 0 ? 3 : 0,
  };
}
