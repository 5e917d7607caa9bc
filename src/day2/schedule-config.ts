/**
 * `day2 scale-schedule set`: change the schedule in coder-platform.yaml with the yaml Document API (comments
 * and layout survive), validate the result with the full config rules (off-hours ≤ peak ≤ max, a real
 * time zone, distinct times), write it, then redeploy only the schedule stack.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isScalar, parseDocument } from 'yaml';
import { parseConfigText } from '../config/load.js';
import type { CoderPlatformConfig } from '../config/schema.js';
import { ConfigError, UserError } from '../errors.js';

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

/** Apply the changes to the YAML text and validate; throws ConfigError naming the keys when invalid. */
export function applyScheduleChanges(text: string, file: string, changes: ScheduleChanges): AppliedChanges {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) parseConfigText(text, file); // reports the YAML errors with positions
  const before = parseConfigText(text, file);
  const changed: string[] = [];
  const set = (path: (string | number)[], value: unknown, current: unknown, flow = false): void => {
    if (JSON.stringify(value) === JSON.stringify(current)) return;
    const existing = doc.getIn(path, true);
    // edit a scalar in place so its quoting and trailing comment survive
    if (isScalar(existing) && (typeof value === 'string' || typeof value === 'number')) existing.value = value;
    else doc.setIn(path, doc.createNode(value, { flow }));
    changed.push(path.join('.'));
  };
  const s = before.schedule;
  if (changes.scaleUp !== undefined) set(['schedule', 'scaleUp'], changes.scaleUp, s.scaleUp);
  if (changes.scaleDown !== undefined) set(['schedule', 'scaleDown'], changes.scaleDown, s.scaleDown);
  if (changes.timezone !== undefined) set(['schedule', 'timezone'], changes.timezone, s.timezone);
  if (changes.weekdays !== undefined) set(['schedule', 'weekdays'], changes.weekdays.map((d) => d.toUpperCase()), s.weekdays, true);
  for (const [group, sizes] of Object.entries(changes.nodeGroups ?? {})) {
    if (!(group in before.cluster.nodeGroups)) {
      throw new ConfigError(file, [{ path: `schedule.nodeGroups.${group}`, message: `no node group named ${group} in cluster.nodeGroups`, example: Object.keys(before.cluster.nodeGroups).join(', ') }]);
    }
    const current = s.nodeGroups[group];
    if (current === undefined && (sizes.peak === undefined || sizes.offHours === undefined)) {
      throw new UserError(`${group} is not scheduled yet: give both its peak and off-hours sizes.`, { nextSteps: [`e.g. --peak ${group}=5 --off-hours ${group}=1`] });
    }
    if (sizes.peak !== undefined) set(['schedule', 'nodeGroups', group, 'peak'], sizes.peak, current?.peak);
    if (sizes.offHours !== undefined) set(['schedule', 'nodeGroups', group, 'offHours'], sizes.offHours, current?.offHours);
  }
  const next = String(doc);
  return { text: next, config: parseConfigText(next, file), changed };
}

export interface SetScheduleResult {
  changed: string[];
  schedule: CoderPlatformConfig['schedule'];
  deployed: boolean;
}

/** Validate, write the file (atomically), then redeploy the schedule stack through `deploy`. */
export async function setSchedule(options: { configPath: string; changes: ScheduleChanges; deploy: (config: CoderPlatformConfig) => Promise<void> }): Promise<SetScheduleResult> {
  const text = await readFile(options.configPath, 'utf8');
  const applied = applyScheduleChanges(text, options.configPath, options.changes);
  if (applied.changed.length === 0) return { changed: [], schedule: applied.config.schedule, deployed: false };
  const tmp = `${options.configPath}.tmp-${process.pid}`;
  await writeFile(tmp, applied.text, 'utf8');
  await rename(tmp, options.configPath);
  await options.deploy(applied.config);
  return { changed: applied.changed, schedule: applied.config.schedule, deployed: true };
}
