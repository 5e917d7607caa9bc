import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../base-command.js';
import { commandWithFlags, phaseFlags, phaseFlagValues } from '../../../phase-flags.js';
import type { SetScheduleResult } from '../../../phases/day2/scale-schedule/service.js';

/** The phase result, the keys that changed, the resulting schedule, and whether the schedule stack was redeployed. */
export type ScaleScheduleSetResult = SetScheduleResult;

/** `coder-ws=15` → ['coder-ws', 15]. */
function groupSize(value: string, flag: string): [string, number] {
  const match = /^([a-z0-9][a-z0-9-]*)=(\d+)$/.exec(value.trim());
  if (!match) throw new Error(`--${flag} ${value}: expected GROUP=COUNT, e.g. coder-ws=15`);
  return [match[1] as string, Number(match[2])];
}

export default class ScaleScheduleSet extends BaseCommand<typeof ScaleScheduleSet> {
  static override summary =
    'change the scale schedule (times, weekdays, time zone, peak and off-hours sizes) and redeploy only the schedule stack';
  static override description =
    'Edits the schedule section of coder-platform.yaml in place (comments and layout are kept), validates the whole configuration (off-hours ≤ peak ≤ the group maximum, a real time zone, distinct times), writes it, and redeploys the <name>-schedule stack only. A resumable phase: a re-run after a failed deploy deploys again, since the deploy step compares the live schedules with the file. An expired suspension is resumed first.';
  static override examples = [
    '<%= config.bin %> day2 scale-schedule set --scale-up 06:30 --scale-down 18:30',
    '<%= config.bin %> day2 scale-schedule set --peak coder-ws=15 --off-hours coder-ws=3',
    '<%= config.bin %> day2 scale-schedule set --weekdays MON,TUE,WED,THU --timezone America/Chicago',
  ];
  static override flags = {
    ...phaseFlags,
    'scale-up': Flags.string({
      summary: "Morning scale-up time, HH:MM in the schedule's time zone.",
      env: 'CODER_PLATFORM_SCHEDULE_SCALE_UP',
    }),
    'scale-down': Flags.string({
      summary: 'Evening scale-down time, HH:MM.',
      env: 'CODER_PLATFORM_SCHEDULE_SCALE_DOWN',
    }),
    weekdays: Flags.string({
      summary: 'Comma-separated days, e.g. MON,TUE,WED,THU,FRI.',
      env: 'CODER_PLATFORM_SCHEDULE_WEEKDAYS',
    }),
    timezone: Flags.string({
      summary: 'IANA time zone of the schedule, e.g. America/New_York.',
      env: 'CODER_PLATFORM_SCHEDULE_TIMEZONE',
    }),
    peak: Flags.string({
      summary:
        'GROUP=COUNT: the minimum at scale-up; desired is raised to at least it, never lowered (repeatable; comma-separated in the variable).',
      multiple: true,
      delimiter: ',',
      env: 'CODER_PLATFORM_SCHEDULE_PEAK',
    }),
    'off-hours': Flags.string({
      summary: 'GROUP=COUNT: min nodes after scale-down (repeatable; comma-separated in the variable).',
      multiple: true,
      delimiter: ',',
      env: 'CODER_PLATFORM_SCHEDULE_OFF_HOURS',
    }),
  };

  public async run(): Promise<ScaleScheduleSetResult> {
    const f = this.flags;
    const { UserError } = await import('../../../errors.js');
    const nodeGroups: Record<string, { peak?: number; offHours?: number }> = {};
    try {
      for (const v of f.peak ?? []) {
        const [g, n] = groupSize(v, 'peak');
        (nodeGroups[g] ??= {}).peak = n;
      }
      for (const v of f['off-hours'] ?? []) {
        const [g, n] = groupSize(v, 'off-hours');
        (nodeGroups[g] ??= {}).offHours = n;
      }
    } catch (error) {
      throw new UserError((error as Error).message, {
        nextSteps: ['Pass e.g. --peak coder-ws=15 --off-hours coder-ws=3'],
      });
    }
    const changes = {
      scaleUp: f['scale-up'],
      scaleDown: f['scale-down'],
      timezone: f.timezone,
      weekdays: f.weekdays
        ?.split(',')
        .map((d) => d.trim())
        .filter(Boolean),
      nodeGroups,
    };
    if (Object.values(changes).every((v) => v === undefined) && Object.keys(nodeGroups).length === 0) {
      throw new UserError('Nothing to change.', {
        nextSteps: ['Pass at least one of --scale-up, --scale-down, --weekdays, --timezone, --peak, --off-hours.'],
      });
    }
    const { day2Command, createScheduleServices } = await import('../../../phases/day2/service.js');
    const { setSchedule } = await import('../../../phases/day2/scale-schedule/service.js');
    const flags = phaseFlagValues(f);
    const c = await day2Command(this.globals, (await import('../../../ui/host.js')).createHost, {
      dryRun: flags.dryRun,
    });
    const { target, services } = await createScheduleServices(c);
    const command = commandWithFlags('coder-platform day2 scale-schedule set', {
      'scale-up': f['scale-up'],
      'scale-down': f['scale-down'],
      weekdays: f.weekdays,
      timezone: f.timezone,
      peak: f.peak,
      'off-hours': f['off-hours'],
    });
    // an expired suspension is resumed first, as the resume command (a dry run only plans it)
    const resume = c.runner('coder-platform day2 scale-schedule resume', {
      flags: { ...phaseFlagValues({}), dryRun: flags.dryRun, breakLock: flags.breakLock },
    });
    const result = await setSchedule(target, services, c.runner(command, { flags }), changes, resume);
    if (!this.globals.json) this.log((await import('../../../ui/day2-view.js')).renderScheduleChange(result));
    return result;
  }
}
