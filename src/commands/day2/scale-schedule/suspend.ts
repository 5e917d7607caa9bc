import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../base-command.js';
import type { PhaseResult } from '../../../engine/types.js';

/** The phase result; its `set-state` outputs hold the new state, `until` and the schedules changed. */
export interface ScaleScheduleSuspendResult {
  phase: PhaseResult;
  until: string | null;
}

export default class ScaleScheduleSuspend extends BaseCommand<typeof ScaleScheduleSuspend> {
  static override summary = 'disable the scale schedules (holidays, incidents), optionally until a date';
  static override description = 'Sets every schedule of the deployment\'s group to DISABLED (all other fields kept). With --until, the first scale-schedule command after that date resumes them; `show` reports the date.';
  static override examples = ['<%= config.bin %> day2 scale-schedule suspend --until 2027-01-04', '<%= config.bin %> day2 scale-schedule suspend'];
  static override flags = {
    until: Flags.string({ summary: 'Resume on this date (YYYY-MM-DD, start of day in the schedule\'s time zone) or ISO time.', env: 'CODER_PLATFORM_SCHEDULE_UNTIL' }),
  };

  public async run(): Promise<ScaleScheduleSuspendResult> {
    const { day2Command, createScheduleServices } = await import('../../../day2/command-services.js');
    const { parseUntil, suspendSchedules } = await import('../../../day2/scale-schedule.js');
    const c = await day2Command(this.globals);
    const until = this.flags.until === undefined ? null : parseUntil(this.flags.until, c.config.schedule.timezone, new Date());
    const { target, services } = await createScheduleServices(c);
    const command = `coder-platform day2 scale-schedule suspend${this.flags.until ? ` --until ${this.flags.until}` : ''}`;
    const phase = await suspendSchedules(target, services, c.runner(command), until);
    if (!this.globals.json) this.log(`Scale schedules suspended${until ? ` until ${until}` : ' until `day2 scale-schedule resume`'}.`);
    return { phase, until };
  }
}
