import { BaseCommand } from '../../../base-command.js';
import { phaseFlags, phaseFlagValues } from '../../../phase-flags.js';
import type { PhaseResult } from '../../../engine/types.js';

/** The phase result; its `set-state` outputs list the schedules enabled again. */
export interface ScaleScheduleResumeResult {
  phase: PhaseResult;
}

export default class ScaleScheduleResume extends BaseCommand<typeof ScaleScheduleResume> {
  static override summary = 'enable the scale schedules again';
  static override description =
    "Clears the suspension in coder-platform.yaml (schedule.enabled: true, schedule.suspension removed), then sets every schedule of the deployment's group back to ENABLED (all other fields kept).";
  static override examples = ['<%= config.bin %> day2 scale-schedule resume'];
  static override flags = { ...phaseFlags };

  public async run(): Promise<ScaleScheduleResumeResult> {
    const { day2Command, createScheduleServices } = await import('../../../phases/day2/service.js');
    const { resumeSchedules } = await import('../../../phases/day2/scale-schedule/service.js');
    const c = await day2Command(this.globals, (await import('../../../ui/host.js')).createHost, {
      dryRun: this.flags['dry-run'],
    });
    const { target, services } = await createScheduleServices(c);
    const phase = await resumeSchedules(
      target,
      services,
      c.runner('coder-platform day2 scale-schedule resume', { flags: phaseFlagValues(this.flags) }),
    );
    if (!this.globals.json && phase.status !== 'planned') this.log('Scale schedules resumed.');
    return { phase };
  }
}
