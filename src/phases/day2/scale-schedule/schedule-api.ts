/**
 * The EventBridge Scheduler calls the scale-schedule commands share: list a group's schedules in full, read
 * a schedule's node-group sizes, set every schedule's state, and compare the live schedules with what the
 * configuration (and so the schedule stack, assets/cdk/lib/schedule-stack.ts) says they should be.
 */
import type { GetScheduleCommandOutput, SchedulerClient } from '@aws-sdk/client-scheduler';
import { awsCall } from '../../../aws/clients.js';
import type { CoderPlatformConfig } from '../../../config/schema.js';
import { cronExpression } from './schedule-math.js';

export async function listSchedules(scheduler: SchedulerClient, group: string): Promise<GetScheduleCommandOutput[]> {
  const sdk = await import('@aws-sdk/client-scheduler');
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall(
      'scheduler:ListSchedules',
      () => scheduler.send(new sdk.ListSchedulesCommand({ GroupName: group, ...(token ? { NextToken: token } : {}) })),
      group,
    );
    names.push(...(page.Schedules ?? []).map((s) => s.Name as string));
    token = page.NextToken;
  } while (token);
  const out: GetScheduleCommandOutput[] = [];
  for (const name of names.sort())
    out.push(
      await awsCall(
        'scheduler:GetSchedule',
        () => scheduler.send(new sdk.GetScheduleCommand({ Name: name, GroupName: group })),
        name,
      ),
    );
  return out;
}

/**
 * What a schedule's input asks the scaling state machine for (assets/cdk/lib/schedule-stack.ts): the node group
 * and the minimum to set; the desired size becomes at least that (max(current, MinSize), never lowered).
 * An input of another shape (e.g. an older schedule calling UpdateNodegroupConfig directly) reads as nulls.
 */
export function targetSizes(input: string | undefined): {
  nodegroup: string | null;
  minSize: number | null;
  desiredAtLeast: number | null;
} {
  try {
    const body = JSON.parse(input ?? '{}') as Record<string, unknown>;
    const minSize = typeof body.MinSize === 'number' ? body.MinSize : null;
    return {
      nodegroup: typeof body.NodegroupName === 'string' ? body.NodegroupName : null,
      minSize,
      desiredAtLeast: minSize,
    };
  } catch {
    return { nodegroup: null, minSize: null, desiredAtLeast: null };
  }
}

/** Set every schedule of the group to `state`, keeping all their other fields as GetSchedule returned them. */
export async function setState(
  scheduler: SchedulerClient,
  group: string,
  state: 'ENABLED' | 'DISABLED',
): Promise<string[]> {
  const sdk = await import('@aws-sdk/client-scheduler');
  const changed: string[] = [];
  for (const s of await listSchedules(scheduler, group)) {
    if (s.State === state) continue;
    await awsCall(
      'scheduler:UpdateSchedule',
      () =>
        scheduler.send(
          new sdk.UpdateScheduleCommand({
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
          }),
        ),
      s.Name,
    );
    changed.push(s.Name as string);
  }
  return changed;
}

/**
 * The schedule state every deploy of the schedule stack sets (assets/cdk/lib/schedule-stack.ts: from
 * schedule.enabled, which suspend sets to false).
 */
export function configuredState(schedule: CoderPlatformConfig['schedule']): 'ENABLED' | 'DISABLED' {
  return schedule.enabled ? 'ENABLED' : 'DISABLED';
}

/**
 * How the live schedules differ from the schedules the stack makes from `config` (names
 * `<deployment>-<group>-up|down`, cron, time zone, state, the minimum each sets); empty when they match.
 */
export function scheduleDifferences(
  live: GetScheduleCommandOutput[],
  config: Pick<CoderPlatformConfig, 'schedule' | 'deployment'>,
): string[] {
  const cfg = config.schedule;
  const byName = new Map(live.map((s) => [s.Name as string, s]));
  const diffs: string[] = [];
  const expected = new Set<string>();
  for (const [group, sizes] of Object.entries(cfg.nodeGroups)) {
    for (const kind of ['up', 'down'] as const) {
      const name = `${config.deployment.name}-${group}-${kind}`;
      expected.add(name);
      const s = byName.get(name);
      if (s === undefined) {
        diffs.push(`${name} does not exist`);
        continue;
      }
      const expression = cronExpression(kind === 'up' ? cfg.scaleUp : cfg.scaleDown, cfg.weekdays);
      if (s.ScheduleExpression !== expression)
        diffs.push(`${name} runs ${s.ScheduleExpression ?? '?'}, not ${expression}`);
      if ((s.ScheduleExpressionTimezone ?? 'UTC') !== cfg.timezone)
        diffs.push(`${name} is in ${s.ScheduleExpressionTimezone ?? 'UTC'}, not ${cfg.timezone}`);
      if (s.State !== configuredState(cfg)) diffs.push(`${name} is ${s.State ?? '?'}, not ${configuredState(cfg)}`);
      const t = targetSizes(s.Target?.Input);
      const min = kind === 'up' ? sizes.peak : sizes.offHours;
      if (t.minSize !== min) diffs.push(`${name} sets min ${t.minSize ?? '-'} (desired at least that), not min ${min}`);
    }
  }
  for (const name of byName.keys()) if (!expected.has(name)) diffs.push(`${name} is not in the configuration`);
  return diffs;
}
