/**
 * The scale-schedule phases. Every change goes through coder-platform.yaml first, so whatever deploys the
 * schedule stack next (set, day0) deploys the same thing:
 * - `day2-scale-schedule-set`: write-config (the new times / sizes) → deploy-schedule (only the schedule
 *   stack; its probe compares the live schedules with the file, so a re-run after a failed deploy deploys).
 * - `day2-scale-schedule-state` (suspend / resume): write-config (schedule.enabled and schedule.suspension)
 *   → set-state (every schedule of the group, through the Scheduler API).
 */
import { readFile } from 'node:fs/promises';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { CoderPlatformConfig } from '../../../config/schema.js';
import type { EventHost } from '../../../engine/host.js';
import type { Phase } from '../../../engine/types.js';
import { editConfigFile, readConfigFile, writeConfigText, type ConfigEdit } from '../../../config/config-file.js';
import { listSchedules, scheduleDifferences, setState } from './schedule-api.js';
import { applyScheduleChanges, type ScheduleChanges } from './schedule-config.js';

export const SCHEDULE_SET_PHASE = 'day2-scale-schedule-set';
export const SCHEDULE_STATE_PHASE = 'day2-scale-schedule-state';

export interface SchedulePhaseTarget {
  /** coder-platform.yaml */
  configPath: string;
  scheduleGroupName: string;
}

export interface ScheduleSetServices {
  scheduler: SchedulerClient;
  /** Deploy only the schedule stack from this configuration (stack events to `host`). */
  deploy(config: CoderPlatformConfig, host: EventHost): Promise<void>;
  now(): Date;
}

export function scheduleSetPhase(target: SchedulePhaseTarget, changes: ScheduleChanges): Phase<ScheduleSetServices> {
  return {
    name: SCHEDULE_SET_PHASE,
    version: 1,
    steps: [
      {
        id: 'write-config',
        title: `Write the schedule to ${target.configPath}`,
        expectedSeconds: 1,
        async isDone() {
          const applied = applyScheduleChanges(await readFile(target.configPath, 'utf8'), target.configPath, changes);
          return applied.changed.length === 0 ? { changed: [] } : undefined;
        },
        async run() {
          const applied = applyScheduleChanges(await readFile(target.configPath, 'utf8'), target.configPath, changes);
          if (applied.changed.length > 0) await writeConfigText(target.configPath, applied.text);
          return { changed: applied.changed };
        },
      },
      {
        id: 'deploy-schedule',
        title: 'Deploy the schedule stack',
        dependsOn: ['write-config'],
        expectedSeconds: 90,
        async isDone({ services }) {
          const config = await readConfigFile(target.configPath);
          return scheduleDifferences(await listSchedules(services.scheduler, target.scheduleGroupName), config)
            .length === 0
            ? { deployed: false }
            : undefined;
        },
        async run({ services, host }) {
          const config = await readConfigFile(target.configPath);
          const diffs = scheduleDifferences(await listSchedules(services.scheduler, target.scheduleGroupName), config);
          if (diffs.length > 0)
            host.emit({
              level: 'info',
              code: 'SCHEDULE_DRIFT',
              message: `The live schedules differ from the configuration: ${diffs.join('; ')}.`,
            });
          await services.deploy(config, host);
          return { deployed: true };
        },
      },
    ],
  };
}

export interface ScheduleStateServices {
  scheduler: SchedulerClient;
  now(): Date;
}

/**
 * Suspend (`DISABLED`, optionally until a date) or resume (`ENABLED`): the config file first (so every later
 * deploy keeps the state), then the live schedules. `expired` names the date of a suspension being resumed
 * because it passed.
 */
export function scheduleStatePhase(
  target: SchedulePhaseTarget,
  state: 'ENABLED' | 'DISABLED',
  until: string | null,
  o: { expired?: string } = {},
): Phase<ScheduleStateServices> {
  const matches = (config: CoderPlatformConfig): boolean =>
    state === 'ENABLED'
      ? config.schedule.enabled && config.schedule.suspension === undefined
      : !config.schedule.enabled && config.schedule.suspension?.until === until;
  return {
    name: SCHEDULE_STATE_PHASE,
    version: 2,
    steps: [
      {
        id: 'write-config',
        title:
          state === 'DISABLED'
            ? `Record the suspension in ${target.configPath}`
            : `Record the resumption in ${target.configPath}`,
        expectedSeconds: 1,
        async isDone() {
          return matches(await readConfigFile(target.configPath)) ? { changed: [] } : undefined;
        },
        async run({ services, host }) {
          if (o.expired)
            host.emit({
              level: 'warn',
              code: 'SCHEDULE_AUTO_RESUMED',
              message: `The schedules were suspended until ${o.expired}; that date has passed, so they are resumed.`,
            });
          const edits: ConfigEdit[] =
            state === 'DISABLED'
              ? [
                  { path: ['schedule', 'enabled'], value: false },
                  { path: ['schedule', 'suspension'], value: { since: services.now().toISOString(), until } },
                ]
              : [
                  { path: ['schedule', 'enabled'], value: true },
                  { path: ['schedule', 'suspension'], value: undefined },
                ];
          return { changed: (await editConfigFile(target.configPath, edits)).changed };
        },
      },
      {
        id: 'set-state',
        title:
          state === 'DISABLED'
            ? `Suspend the scale schedules${until ? ` until ${until}` : ''}`
            : o.expired
              ? `Resume the scale schedules (suspended until ${o.expired})`
              : 'Resume the scale schedules',
        dependsOn: ['write-config'],
        expectedSeconds: 5,
        async isDone({ services }) {
          const all = await listSchedules(services.scheduler, target.scheduleGroupName);
          return all.length > 0 && all.every((s) => s.State === state)
            ? { state, until, changedAt: services.now().toISOString(), changed: [] }
            : undefined;
        },
        async run({ services }) {
          const changed = await setState(services.scheduler, target.scheduleGroupName, state);
          return { state, until, changedAt: services.now().toISOString(), changed };
        },
      },
    ],
  };
}
