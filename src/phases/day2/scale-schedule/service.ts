/**
 * `day2 scale-schedule`: read the business-hours schedules (EventBridge Scheduler → the scaling state machine →
 * eks:UpdateNodegroupConfig with min := target, desired := max(current, target);
 * seed-facts §7 and defect 23), show the next transitions and the node groups' current sizes, change the
 * schedule through the config file (then redeploy only the schedule stack), and suspend / resume the
 * schedules. Every change is written to coder-platform.yaml first (schedule.enabled and schedule.suspension
 * for a suspension), so every deploy of the schedule stack keeps it; the first scale-schedule command after
 * a suspension's `until` resumes the schedules. The phases are in src/phases/day2/scale-schedule.ts.
 */
import type { EKSClient } from '@aws-sdk/client-eks';
import { DateTime } from 'luxon';
import { readFile } from 'node:fs/promises';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { awsCall } from '../../../aws/clients.js';
import type { CoderPlatformConfig } from '../../../config/schema.js';
import type { PhaseResult } from '../../../engine/types.js';
import { UserError } from '../../../errors.js';
import { scheduleSetPhase, scheduleStatePhase, type ScheduleSetServices } from './phase.js';
import { readConfigFile } from '../../../config/config-file.js';
import type { PhaseRunner } from '../phase-runner.js';
import { listSchedules, targetSizes } from './schedule-api.js';
import { applyScheduleChanges, type ScheduleChanges, type SetScheduleResult } from './schedule-config.js';
import {
  cronExpression,
  nextTransitions,
  parseCronExpression,
  scheduledDesiredSize,
  type Transition,
} from './schedule-math.js';

export type { SetScheduleResult } from './schedule-config.js';

export interface ScheduleServices {
  scheduler: SchedulerClient;
  eks: EKSClient;
  /** Optional: the Coder API for running workspaces (absent when no session token is stored). */
  coder?: { listWorkspaces(options: { q?: string; limit?: number }): Promise<{ count: number }> };
  now(): Date;
}

export interface ScheduleTarget {
  deployment: string;
  /** coder-platform.yaml: set, suspend and resume write it before they touch AWS. */
  configPath: string;
  stateDir: string;
  scheduleGroupName: string;
  clusterName: string;
  /** config node-group name → EKS node-group name */
  nodeGroupNames: Record<string, string>;
  config: Pick<CoderPlatformConfig, 'schedule' | 'cluster' | 'deployment'>;
}

export interface LiveSchedule {
  name: string;
  state: string;
  expression: string;
  timezone: string | null;
  nodegroup: string | null;
  minSize: number | null;
  /** The transition raises the desired size to at least this (max(current, minSize)); it never lowers it. */
  desiredAtLeast: number | null;
  /** The expression differs from what the config says (edited outside coder-platform). */
  drift: boolean;
}

export interface NodeGroupSizes {
  configName: string;
  eksName: string;
  minSize: number | null;
  desiredSize: number | null;
  maxSize: number | null;
  peak: number | null;
  offHours: number | null;
  /** The desired size the next scale-up leaves: max(current desired, peak) (null when unknown or unscheduled). */
  desiredAfterScaleUp: number | null;
}

export interface ScheduleView {
  /** The schedules and node-group sizes were read from AWS; false: from the configuration alone (no credentials). */
  live: boolean;
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

/** Parse `--until` (a date = start of that day in the schedule's zone, or an ISO time); must be in the future. */
export function parseUntil(value: string, timezone: string, now: Date): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const at = dateOnly ? zonedMidnight(value, timezone) : Date.parse(value);
  if (Number.isNaN(at))
    throw new UserError(`--until ${value} is not a date (YYYY-MM-DD) or an ISO-8601 time.`, {
      nextSteps: ['e.g. --until 2027-01-04'],
    });
  if (at <= now.getTime())
    throw new UserError(`--until ${value} is not in the future.`, {
      nextSteps: ['Pass a later date, or omit --until to suspend until `resume`.'],
    });
  return new Date(at).toISOString();
}

function zonedMidnight(date: string, zone: string): number {
  const at = DateTime.fromISO(date, { zone });
  return at.isValid ? at.toMillis() : Number.NaN;
}

/**
 * When the configuration records a suspension whose `until` has passed, resume the schedules (config file
 * first, then the live schedules) — the first scale-schedule command after that date does this. Returns the
 * target with the configuration as it is now.
 */
export async function resumeIfExpired(
  target: ScheduleTarget,
  services: ScheduleServices,
  run: PhaseRunner,
): Promise<{ resumed: boolean; target: ScheduleTarget }> {
  const config = await readConfigFile(target.configPath);
  const until = config.schedule.suspension?.until ?? null;
  if (until === null || Date.parse(until) > services.now().getTime())
    return { resumed: false, target: { ...target, config } };
  const result = await run(scheduleStatePhase(target, 'ENABLED', null, { expired: until }), services, {
    restart: true,
  });
  return {
    resumed: result.status === 'succeeded',
    target: { ...target, config: result.status === 'succeeded' ? await readConfigFile(target.configPath) : config },
  };
}

/** Suspend every schedule (config file first, so later deploys keep them off), optionally until a date; an expired suspension is resumed first (through `resumeRun`, without the command's step flags). */
export async function suspendSchedules(
  target: ScheduleTarget,
  services: ScheduleServices,
  run: PhaseRunner,
  until: string | null,
  resumeRun: PhaseRunner = run,
): Promise<PhaseResult> {
  const current = await resumeIfExpired(target, services, resumeRun);
  return run(scheduleStatePhase(current.target, 'DISABLED', until), services, { restart: true });
}

/** Resume every schedule and clear the suspension in the config file. */
export async function resumeSchedules(
  target: ScheduleTarget,
  services: ScheduleServices,
  run: PhaseRunner,
): Promise<PhaseResult> {
  // an expired suspension is simply resumed by this run
  return run(scheduleStatePhase(target, 'ENABLED', null), services, { restart: true });
}

/**
 * `set`: validate the changes against the whole configuration before anything runs, then run the set phase
 * (write the file, deploy the schedule stack unless the live schedules already match the file).
 */
export async function setSchedule(
  target: ScheduleTarget,
  services: ScheduleServices & Pick<ScheduleSetServices, 'deploy'>,
  run: PhaseRunner,
  changes: ScheduleChanges,
  resumeRun: PhaseRunner = run,
): Promise<SetScheduleResult> {
  const current = (await resumeIfExpired(target, services, resumeRun)).target;
  const preview = applyScheduleChanges(await readFile(current.configPath, 'utf8'), current.configPath, changes);
  const phase = await run(scheduleSetPhase(current, changes), services, { restart: true });
  const written = phase.outputs['write-config']?.changed;
  const config = phase.status === 'succeeded' ? await readConfigFile(current.configPath) : preview.config;
  return {
    phase,
    changed: phase.status === 'planned' ? preview.changed : Array.isArray(written) ? written : [],
    schedule: config.schedule,
    deployed: phase.outputs['deploy-schedule']?.deployed === true,
  };
}

/**
 * The schedule as configured, its next transitions and, when `services` can reach AWS (the Scheduler client
 * is there), the live schedules and node-group sizes; offline the sizes are the configured ones.
 */
export async function showSchedule(
  target: ScheduleTarget,
  services: ScheduleServices | Pick<ScheduleServices, 'now' | 'coder'>,
  options: { userTimezone: string; count?: number },
): Promise<ScheduleView> {
  const cfg = target.config.schedule;
  if (!('scheduler' in services)) return configuredView(target, services.now(), options);
  const warnings: string[] = [];
  const live = await listSchedules(services.scheduler, target.scheduleGroupName);
  const expected = new Set([cronExpression(cfg.scaleUp, cfg.weekdays), cronExpression(cfg.scaleDown, cfg.weekdays)]);
  const schedules: LiveSchedule[] = live.map((s) => {
    const sizes = targetSizes(s.Target?.Input);
    const drift = !expected.has(s.ScheduleExpression ?? '') || (s.ScheduleExpressionTimezone ?? 'UTC') !== cfg.timezone;
    return {
      name: s.Name as string,
      state: s.State ?? 'UNKNOWN',
      expression: s.ScheduleExpression ?? '',
      timezone: s.ScheduleExpressionTimezone ?? null,
      ...sizes,
      drift,
    };
  });
  for (const s of schedules.filter((x) => x.drift)) {
    const parsed = parseCronExpression(s.expression);
    warnings.push(
      `Schedule ${s.name} runs ${parsed ? `${parsed.time} ${parsed.weekdays.join(',')}` : s.expression} (${s.timezone ?? 'UTC'}), not what coder-platform.yaml says: run \`day2 scale-schedule set\` or day0 to reconcile.`,
    );
  }
  if (cfg.enabled && live.length === 0)
    warnings.push(`No schedules exist in the group ${target.scheduleGroupName}: deploy the schedule stack (day0).`);

  const { DescribeNodegroupCommand } = await import('@aws-sdk/client-eks');
  const nodeGroups: NodeGroupSizes[] = [];
  for (const [configName, eksName] of Object.entries(target.nodeGroupNames).sort()) {
    const ng = (
      await awsCall(
        'eks:DescribeNodegroup',
        () =>
          services.eks.send(new DescribeNodegroupCommand({ clusterName: target.clusterName, nodegroupName: eksName })),
        eksName,
      )
    ).nodegroup;
    const sched = cfg.nodeGroups[configName];
    const desiredSize = ng?.scalingConfig?.desiredSize ?? null;
    const desiredAfterScaleUp =
      desiredSize === null || sched === undefined ? null : scheduledDesiredSize(desiredSize, sched.peak);
    nodeGroups.push({
      configName,
      eksName,
      minSize: ng?.scalingConfig?.minSize ?? null,
      desiredSize,
      maxSize: ng?.scalingConfig?.maxSize ?? null,
      peak: sched?.peak ?? null,
      offHours: sched?.offHours ?? null,
      desiredAfterScaleUp,
    });
  }

  const suspension = cfg.suspension;
  const suspended =
    suspension !== undefined || (schedules.length > 0 && schedules.every((s) => s.state === 'DISABLED'));
  const next =
    cfg.enabled && !suspended ? nextTransitions(cfg, services.now(), options.count ?? 5, options.userTimezone) : [];

  let runningWorkspaces: number | null = null;
  if (services.coder) {
    runningWorkspaces = (await services.coder.listWorkspaces({ q: 'status:running', limit: 1 })).count;
    const evening = next.find((t) => t.kind === 'scale-down');
    if (runningWorkspaces > 0 && evening) {
      const offHours = Object.values(cfg.nodeGroups).reduce((sum, g) => sum + g.offHours, 0);
      warnings.push(
        `${runningWorkspaces} workspace${runningWorkspaces === 1 ? ' is' : 's are'} running: after the scale-down at ${evening.schedule.local} (${cfg.timezone}) only the minimum drops to ${offHours} node${offHours === 1 ? '' : 's'}; nodes that host running workspaces stay up until those workspaces stop (autostop / quiet hours).`,
      );
    }
  }

  return {
    live: true,
    enabled: cfg.enabled || suspension !== undefined,
    timezone: cfg.timezone,
    userTimezone: options.userTimezone,
    scaleUp: cfg.scaleUp,
    scaleDown: cfg.scaleDown,
    weekdays: [...cfg.weekdays],
    schedules,
    suspended,
    suspendedUntil: suspension?.until ?? null,
    next,
    nodeGroups,
    runningWorkspaces,
    warnings,
  };
}

/** What the configuration alone says: times, next transitions, and each group's configured sizes. */
function configuredView(
  target: ScheduleTarget,
  now: Date,
  options: { userTimezone: string; count?: number },
): ScheduleView {
  const cfg = target.config.schedule;
  const suspension = cfg.suspension;
  const nodeGroups: NodeGroupSizes[] = Object.entries(target.config.cluster.nodeGroups)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([configName, g]) => ({
      configName,
      eksName: target.nodeGroupNames[configName] ?? configName,
      minSize: g.minSize,
      desiredSize: g.desiredSize,
      maxSize: g.maxSize,
      peak: cfg.nodeGroups[configName]?.peak ?? null,
      offHours: cfg.nodeGroups[configName]?.offHours ?? null,
      desiredAfterScaleUp:
        cfg.nodeGroups[configName] === undefined
          ? null
          : scheduledDesiredSize(g.desiredSize, cfg.nodeGroups[configName].peak),
    }));
  return {
    live: false,
    enabled: cfg.enabled || suspension !== undefined,
    timezone: cfg.timezone,
    userTimezone: options.userTimezone,
    scaleUp: cfg.scaleUp,
    scaleDown: cfg.scaleDown,
    weekdays: [...cfg.weekdays],
    schedules: [],
    suspended: suspension !== undefined,
    suspendedUntil: suspension?.until ?? null,
    next:
      cfg.enabled && suspension === undefined
        ? nextTransitions(cfg, now, options.count ?? 5, options.userTimezone)
        : [],
    nodeGroups,
    runningWorkspaces: null,
    warnings: [
      'No AWS credentials (or no deployment): this is the schedule coder-platform.yaml configures; the live schedules and node-group sizes were not read.',
    ],
  };
}
