/**
 * `day2 scale-schedule set`: the edits a schedule change makes to coder-platform.yaml (comments and layout
 * survive, ./config-file.ts), validated with the full config rules (off-hours ≤ peak ≤ max, a real time
 * zone, distinct times). The set phase (src/phases/day2/scale-schedule.ts) writes them and redeploys only
 * the schedule stack.
 */
import { parseConfigText } from '../../../config/load.js';
import type { CoderPlatformConfig } from '../../../config/schema.js';
import { ConfigError, UserError } from '../../../errors.js';
import type { PhaseResult } from '../../../engine/types.js';
import { applyConfigEdits, type ConfigEdit } from '../../../config/config-file.js';

export interface ScheduleChanges {
  scaleUp?: string | undefined;
  scaleDown?: string | undefined;
  weekdays?: string[] | undefined;
  timezone?: string | undefined;
  /** node group → new sizes */
  nodeGroups?: Record<string, { peak?: number | undefined; offHours?: number | undefined }> | undefined;
}

export interface AppliedChanges {
  text: string;
  config: CoderPlatformConfig;
  /** Dotted key paths that changed. */
  changed: string[];
}

/** The edits a schedule change makes (after checking the node groups it names). */
export function scheduleEdits(config: CoderPlatformConfig, file: string, changes: ScheduleChanges): ConfigEdit[] {
  const edits: ConfigEdit[] = [];
  if (changes.scaleUp !== undefined) edits.push({ path: ['schedule', 'scaleUp'], value: changes.scaleUp });
  if (changes.scaleDown !== undefined) edits.push({ path: ['schedule', 'scaleDown'], value: changes.scaleDown });
  if (changes.timezone !== undefined) edits.push({ path: ['schedule', 'timezone'], value: changes.timezone });
  if (changes.weekdays !== undefined)
    edits.push({ path: ['schedule', 'weekdays'], value: changes.weekdays.map((d) => d.toUpperCase()), flow: true });
  for (const [group, sizes] of Object.entries(changes.nodeGroups ?? {})) {
    if (!(group in config.cluster.nodeGroups)) {
      throw new ConfigError(file, [
        {
          path: `schedule.nodeGroups.${group}`,
          message: `no node group named ${group} in cluster.nodeGroups`,
          example: Object.keys(config.cluster.nodeGroups).join(', '),
        },
      ]);
    }
    if (config.schedule.nodeGroups[group] === undefined && (sizes.peak === undefined || sizes.offHours === undefined)) {
      throw new UserError(`${group} is not scheduled yet: give both its peak and off-hours sizes.`, {
        nextSteps: [`e.g. --peak ${group}=5 --off-hours ${group}=1`],
      });
    }
    if (sizes.peak !== undefined) edits.push({ path: ['schedule', 'nodeGroups', group, 'peak'], value: sizes.peak });
    if (sizes.offHours !== undefined)
      edits.push({ path: ['schedule', 'nodeGroups', group, 'offHours'], value: sizes.offHours });
  }
  return edits;
}

/** Apply the changes to the YAML text and validate; throws ConfigError naming the keys when invalid. */
export function applyScheduleChanges(text: string, file: string, changes: ScheduleChanges): AppliedChanges {
  return applyConfigEdits(text, file, scheduleEdits(parseConfigText(text, file), file, changes));
}

export interface SetScheduleResult {
  phase: PhaseResult;
  /** Keys written to the file by this run (on a dry run: the keys that would change). */
  changed: string[];
  schedule: CoderPlatformConfig['schedule'];
  /** The schedule stack was deployed (false when the live schedules already matched the file). */
  deployed: boolean;
}
