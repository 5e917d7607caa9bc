import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../base-command.js';
import { commandWithFlags, phaseFlags, phaseFlagValues } from '../../../phase-flags.js';
import type { PhaseResult } from '../../../engine/types.js';

/** The phase result; its `set-state` outputs hold the new state, `until` and the schedules changed. */
export interface ScaleScheduleSuspendResult {
  phase: PhaseResult;
  until: string | null;
}

export default class ScaleScheduleSuspend extends BaseCommand<typeof ScaleScheduleSuspend> {
  static override summary = 'disable the scale schedules (holidays, incidents), optionally until a date';
  static override description =
    "Records the suspension in coder-platform.yaml (schedule.enabled: false and schedule.suspension, so day0 and `set` keep the schedules off), then sets every schedule of the deployment's group to DISABLED (all other fields kept). With --until, the first scale-schedule command after that date resumes them; `show` reports the date.";
  static override examples = [
    '<%= config.bin %> day2 scale-schedule suspend --until 2027-01-04',
    '<%= config.bin %> day2 scale-schedule suspend',
  ];
  static override flags = {
    ...phaseFlags,
    until: Flags.string({
      summary: "Resume on this date (YYYY-MM-DD, start of day in the schedule's time zone) or ISO time.",
      env: 'CODER_PLATFORM_SCHEDULE_UNTIL',
    }),
  };

  public async run(): Promise<ScaleScheduleSuspendResult> {
    const { day2Command, createScheduleServices } = await import('../../../phases/day2/service.js');
    const { parseUntil, suspendSchedules } = await import('../../../phases/day2/scale-schedule/service.js');
    const c = await day2Command(this.globals, (await import('../../../ui/host.js')).createHost, {
      dryRun: this.flags['dry-run'],
    });
    const until =
      this.flags.until === undefined ? null : parseUntil(this.flags.until, c.config.schedule.timezone, new Date());
    const { target, services } = await createScheduleServices(c);
    const command = commandWithFlags('coder-platform day2 scale-schedule suspend', { until: this.flags.until });
    const flags = phaseFlagValues(this.flags);
    const resume = c.runner('coder-platform day2 scale-schedule resume', {
      flags: { ...phaseFlagValues({}), dryRun: flags.dryRun, breakLock: flags.breakLock },
    });
    const phase = await suspendSchedules(target, services, c.runner(command, { flags }), until, resume);
    if (!this.globals.json && phase.status !== 'planned')
      this.log(`Scale schedules suspended${until ? ` until ${until}` : ' until `day2 scale-schedule resume`'}.`);
    return { phase, until };
  }
}
