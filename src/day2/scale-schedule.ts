/**
 * `day2 scale-schedule`: read the business-hours schedules (EventBridge Scheduler → eks:UpdateNodegroupConfig,
 * seed-facts §7 and defect 23), show the next transitions and the node groups' current sizes, change the
 * schedule through the config file (then redeploy only the schedule stack), and suspend / resume the
 * schedules directly with the Scheduler API. A suspension with `until` is recorded in the journal; the
 * first scale-schedule command after that date resumes the schedules.
 */
import type { EKSClient } from '@aws-sdk/client-eks';
import { DateTime } from 'luxon';
import type { GetScheduleCommandOutput, SchedulerClient } from '@aws-sdk/client-scheduler';
import { awsCall } from '../aws/clients.js';
import type { CoderPlatformConfig } from '../config/schema.js';
import type { EventHost } from '../engine/host.js';
import type { Phase, PhaseResult } from '../engine/types.js';
import { UserError } from '../errors.js';
import { previousRun, type PhaseRunner } from './phase-runner.js';
import { cronExpression, nextTransitions, parseCronExpression, type Transition } from './schedule-math.js';

export const SCHEDULE_STATE_PHASE = 'day2-scale-schedule-state';

export interface ScheduleServices {
  scheduler: SchedulerClient;
  eks: EKSClient;
  /** Optional: the Coder API for running workspaces (absent when no session token is stored). */
  coder?: { listWorkspaces(options: { q?: string; limit?: number }): Promise<{ count: number }> };
  now(): Date;
}

export interface ScheduleTarget {
  deployment: string;
  stateDir: string;
  scheduleGroupName: string;
  clusterName: string;
  /** config node-group name → EKS node-group name */
  nodeGroupNames: Record<string, string>;
  config: Pick<CoderPlatformConfig, 'schedule' | 'cluster'>;
}

export interface LiveSchedule {
  name: string;
  state: string;
  expression: string;
  timezone: string | null;
  nodegroup: string | null;
  minSize: number | null;
  desiredSize: number | null;
  /** The expression differs from what the config says (edited outside coder-platform). */
  drift: boolean;
}

export interface Suspension {
  state: 'DISABLED' | 'ENABLED';
  until: string | null;
  changedAt: string;
}

export interface NodeGroupSizes {
  configName: string;
  eksName: string;
  minSize: number | null;
  desiredSize: number | null;
  maxSize: number | null;
  peak: number | null;
  offHours: number | null;
}

export interface ScheduleView {
  enabled: boolean;
  timezone: string;
  userTimezone: string;
  scaleUp: string;
  scaleDown: string;
  weekdays: string[];
  schedules: LiveSchedule[];
  suspendedUntil: string | null;
  suspended: boolean;
  next: Transition[];
  nodeGroups: NodeGroupSizes[];
  runningWorkspaces: number | null;
  warnings: string[];
}

async function listSchedules(scheduler: SchedulerClient, group: string): Promise<GetScheduleCommandOutput[]> {
  const sdk = await import('@aws-sdk/client-scheduler');
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall('scheduler:ListSchedules', () => scheduler.send(new sdk.ListSchedulesCommand({ GroupName: group, ...(token ? { NextToken: token } : {}) })), group);
    names.push(...(page.Schedules ?? []).map((s) => s.Name as string));
    token = page.NextToken;
  } while (token);
  const out: GetScheduleCommandOutput[] = [];
  for (const name of names.sort()) out.push(await awsCall('scheduler:GetSchedule', () => scheduler.send(new sdk.GetScheduleCommand({ Name: name, GroupName: group })), name));
  return out;
}

function targetSizes(input: string | undefined): { nodegroup: string | null; minSize: number | null; desiredSize: number | null } {
  try {
    const body = JSON.parse(input ?? '{}') as Record<string, unknown>;
    const scaling = (body.ScalingConfig ?? body.scalingConfig ?? {}) as Record<string, unknown>;
    const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
    return { nodegroup: (body.NodegroupName ?? body.nodegroupName ?? null) as string | null, minSize: num(scaling.MinSize ?? scaling.minSize), desiredSize: num(scaling.DesiredSize ?? scaling.desiredSize) };
  } catch {
    return { nodegroup: null, minSize: null, desiredSize: null };
  }
}

/** Set every schedule of the group to `state`, keeping all their other fields as GetSchedule returned them. */
async function setState(scheduler: SchedulerClient, group: string, state: 'ENABLED' | 'DISABLED'): Promise<string[]> {
  const sdk = await import('@aws-sdk/client-scheduler');
  const changed: string[] = [];
  for (const s of await listSchedules(scheduler, group)) {
    if (s.State === state) continue;
    await awsCall('scheduler:UpdateSchedule', () =>
      scheduler.send(new sdk.UpdateScheduleCommand({
        Name: s.Name as string,
        GroupName: s.GroupName ?? group,
        ScheduleExpression: s.ScheduleExpression as string,
        ...(s.ScheduleExpressionTimezone ? { ScheduleExpressionTimezone: s.ScheduleExpressionTimezone } : {}),
        ...(s.Description ? { Description: s.Description } : {}),
        ...(s.StartDate ? { StartDate: s.StartDate } : {}),
        ...(s.EndDate ? { EndDate: s.EndDate } : {}),
        ...(s.KmsKeyArn ? { KmsKeyArn: s.KmsKeyArn } : {}),
        ...(s.ActionAfterCompletion ? { ActionAfterCompletion: s.ActionAfterCompletion } : {}),
        FlexibleTimeWindow: s.FlexibleTimeWindow ?? { Mode: 'OFF' },
        Target: s.Target as NonNullable<GetScheduleCommandOutput['Target']>,
        State: state,
      })), s.Name);
    changed.push(s.Name as string);
  }
  return changed;
}

/** The suspend / resume phase: one step whose outputs (state, until) are what `show` reports. */
export function scheduleStatePhase(target: Pick<ScheduleTarget, 'scheduleGroupName'>, state: 'ENABLED' | 'DISABLED', until: string | null): Phase<ScheduleServices> {
  return {
    name: SCHEDULE_STATE_PHASE,
    version: 1,
    steps: [
      {
        id: 'set-state',
        title: state === 'DISABLED' ? `Suspend the scale schedules${until ? ` until ${until}` : ''}` : 'Resume the scale schedules',
        expectedSeconds: 5,
        async isDone({ services }) {
          const all = await listSchedules(services.scheduler, target.scheduleGroupName);
          return all.length > 0 && all.every((s) => s.State === state) ? { state, until, changedAt: services.now().toISOString(), changed: [] } : undefined;
        },
        async run({ services }) {
          const changed = await setState(services.scheduler, target.scheduleGroupName, state);
          return { state, until, changedAt: services.now().toISOString(), changed };
        },
      },
    ],
  };
}

/** What the journal says about the last suspend / resume. */
export async function recordedSuspension(stateDir: string): Promise<Suspension | undefined> {
  const prev = await previousRun(stateDir, SCHEDULE_STATE_PHASE);
  const out = prev?.outputs['set-state'];
  if (out === undefined || (out.state !== 'DISABLED' && out.state !== 'ENABLED')) return undefined;
  return { state: out.state, until: typeof out.until === 'string' ? out.until : null, changedAt: String(out.changedAt) };
}

/** Parse `--until` (a date = start of that day in the schedule's zone, or an ISO time); must be in the future. */
export function parseUntil(value: string, timezone: string, now: Date): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const at = dateOnly ? zonedMidnight(value, timezone) : Date.parse(value);
  if (Number.isNaN(at)) throw new UserError(`--until ${value} is not a date (YYYY-MM-DD) or an ISO-8601 time.`, { nextSteps: ['e.g. --until 2027-01-04'] });
  if (at <= now.getTime()) throw new UserError(`--until ${value} is not in the future.`, { nextSteps: ['Pass a later date, or omit --until to suspend until `resume`.'] });
  return new Date(at).toISOString();
}

function zonedMidnight(date: string, zone: string): number {
  const at = DateTime.fromISO(date, { zone });
  return at.isValid ? at.toMillis() : Number.NaN;
}

/**
 * When a suspension with `until` has expired and the schedules are still disabled, resume them (the
 * "next run after that date"). Returns true when it resumed.
 */
export async function resumeIfExpired(target: ScheduleTarget, services: ScheduleServices, run: PhaseRunner, host: EventHost): Promise<boolean> {
  const s = await recordedSuspension(target.stateDir);
  if (s === undefined || s.state !== 'DISABLED' || s.until === null || Date.parse(s.until) > services.now().getTime()) return false;
  const result = await run(scheduleStatePhase(target, 'ENABLED', null), services, { restart: true });
  if (result.status === 'succeeded') host.emit({ level: 'warn', code: 'SCHEDULE_AUTO_RESUMED', message: `The schedules were suspended until ${s.until}; that date has passed, so they were resumed.` });
  return result.status === 'succeeded';
}

export async function suspendSchedules(target: ScheduleTarget, services: ScheduleServices, run: PhaseRunner, until: string | null): Promise<PhaseResult> {
  return run(scheduleStatePhase(target, 'DISABLED', until), services, { restart: true });
}

export async function resumeSchedules(target: ScheduleTarget, services: ScheduleServices, run: PhaseRunner): Promise<PhaseResult> {
  return run(scheduleStatePhase(target, 'ENABLED', null), services, { restart: true });
}

export async function showSchedule(target: ScheduleTarget, services: ScheduleServices, options: { userTimezone: string; count?: number }): Promise<ScheduleView> {
  const cfg = target.config.schedule;
  const warnings: string[] = [];
  const live = await listSchedules(services.scheduler, target.scheduleGroupName);
  const expected = new Set([cronExpression(cfg.scaleUp, cfg.weekdays), cronExpression(cfg.scaleDown, cfg.weekdays)]);
  const schedules: LiveSchedule[] = live.map((s) => {
    const sizes = targetSizes(s.Target?.Input);
    const drift = !expected.has(s.ScheduleExpression ?? '') || (s.ScheduleExpressionTimezone ?? 'UTC') !== cfg.timezone;
    return { name: s.Name as string, state: s.State ?? 'UNKNOWN', expression: s.ScheduleExpression ?? '', timezone: s.ScheduleExpressionTimezone ?? null, ...sizes, drift };
  });
  for (const s of schedules.filter((x) => x.drift)) {
    const parsed = parseCronExpression(s.expression);
    warnings.push(`Schedule ${s.name} runs ${parsed ? `${parsed.time} ${parsed.weekdays.join(',')}` : s.expression} (${s.timezone ?? 'UTC'}), not what coder-platform.yaml says: run \`day2 scale-schedule set\` or day0 to reconcile.`);
  }
  if (cfg.enabled && live.length === 0) warnings.push(`No schedules exist in the group ${target.scheduleGroupName}: deploy the schedule stack (day0).`);

  const { DescribeNodegroupCommand } = await import('@aws-sdk/client-eks');
  const nodeGroups: NodeGroupSizes[] = [];
  for (const [configName, eksName] of Object.entries(target.nodeGroupNames).sort()) {
    const ng = (await awsCall('eks:DescribeNodegroup', () => services.eks.send(new DescribeNodegroupCommand({ clusterName: target.clusterName, nodegroupName: eksName })), eksName)).nodegroup;
    const sched = cfg.nodeGroups[configName];
    nodeGroups.push({ configName, eksName, minSize: ng?.scalingConfig?.minSize ?? null, desiredSize: ng?.scalingConfig?.desiredSize ?? null, maxSize: ng?.scalingConfig?.maxSize ?? null, peak: sched?.peak ?? null, offHours: sched?.offHours ?? null });
  }

  const suspension = await recordedSuspension(target.stateDir);
  const suspended = schedules.length > 0 && schedules.every((s) => s.state === 'DISABLED');
  const next = cfg.enabled && !suspended ? nextTransitions(cfg, services.now(), options.count ?? 5, options.userTimezone) : [];

  let runningWorkspaces: number | null = null;
  if (services.coder) {
    runningWorkspaces = (await services.coder.listWorkspaces({ q: 'status:running', limit: 1 })).count;
    const evening = next.find((t) => t.kind === 'scale-down');
    if (runningWorkspaces > 0 && evening) {
      const offHours = Object.values(cfg.nodeGroups).reduce((sum, g) => sum + g.offHours, 0);
      warnings.push(`${runningWorkspaces} workspace${runningWorkspaces === 1 ? ' is' : 's are'} running: after the scale-down at ${evening.schedule.local} (${cfg.timezone}) only the minimum drops to ${offHours} node${offHours === 1 ? '' : 's'}; nodes that host running workspaces stay up until those workspaces stop (autostop / quiet hours).`);
    }
  }

  return {
    enabled: cfg.enabled,
    timezone: cfg.timezone,
    userTimezone: options.userTimezone,
    scaleUp: cfg.scaleUp,
    scaleDown: cfg.scaleDown,
    weekdays: [...cfg.weekdays],
    schedules,
    suspended,
    suspendedUntil: suspended && suspension?.state === 'DISABLED' ? suspension.until : null,
    next,
    nodeGroups,
    runningWorkspaces,
    warnings,
  };
}
