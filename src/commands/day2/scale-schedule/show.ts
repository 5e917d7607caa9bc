import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../base-command.js';
import type { ScheduleView } from '../../../phases/day2/scale-schedule/service.js';

/** The schedules, their state, the next transitions in both zones and the node groups' sizes. */
export type ScaleScheduleShowResult = ScheduleView & { autoResumed: boolean };

export default class ScaleScheduleShow extends BaseCommand<typeof ScaleScheduleShow> {
  static override summary = 'show the business-hours scale schedules, the next transitions and the node-group sizes';
  static override description =
    "Reads the EventBridge Scheduler schedules (times, time zone, sizes, enabled or suspended), computes the next transitions in the schedule's time zone and yours, reads each node group's min/desired/max from EKS with the desired size the next scale-up leaves (max(current, peak)) and warns when running workspaces keep nodes up after the evening scale-down. A suspension whose --until date has passed is resumed first.";
  static override examples = [
    '<%= config.bin %> day2 scale-schedule show',
    '<%= config.bin %> day2 scale-schedule show --count 10 --json',
  ];
  static override flags = {
    count: Flags.integer({
      summary: 'How many transitions to show.',
      env: 'CODER_PLATFORM_SCHEDULE_SHOW_COUNT',
      default: 5,
      min: 1,
      max: 50,
    }),
    timezone: Flags.string({
      summary: "Your time zone for the second column (default: this machine's).",
      env: 'CODER_PLATFORM_DISPLAY_TIMEZONE',
    }),
  };

  public async run(): Promise<ScaleScheduleShowResult> {
    const { isIanaTimeZone } = await import('../../../config/validate.js');
    if (this.flags.timezone !== undefined && !isIanaTimeZone(this.flags.timezone)) {
      const { UserError } = await import('../../../errors.js');
      throw new UserError(`--timezone ${this.flags.timezone} is not an IANA time zone.`, {
        nextSteps: ['e.g. --timezone Europe/Berlin'],
      });
    }
    const { day2Command, createScheduleServices } = await import('../../../phases/day2/service.js');
    const { resumeIfExpired, showSchedule } = await import('../../../phases/day2/scale-schedule/service.js');
    // Read-only like a dry run: without credentials (or a deployment) it shows what the configuration says.
    const c = await day2Command(this.globals, (await import('../../../ui/host.js')).createHost, { dryRun: true });
    // with the Coder API (when a token is stored) for the running-workspace warning
    const { target: loaded, services } = await createScheduleServices(c, { coder: true });
    // an expired suspension is resumed first, journaled as the resume command — only when AWS is reachable
    const { resumed: autoResumed, target } = c.probe
      ? await resumeIfExpired(loaded, services, c.runner('coder-platform day2 scale-schedule resume'))
      : { resumed: false, target: loaded };
    const view = await showSchedule(target, services, {
      userTimezone: this.flags.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      count: this.flags.count,
    });
    if (!this.globals.json) this.log((await import('../../../ui/day2-view.js')).renderScheduleView(view));
    return { ...view, autoResumed };
  }
}
