import { BaseCommand } from '../../../base-command.js';
import type { PhaseResult } from '../../../engine/types.js';

/** The phase result; its `set-state` outputs list the schedules enabled again. */
export interface ScaleScheduleResumeResult {
  phase: PhaseResult;
}

export default class ScaleScheduleResume extends BaseCommand<typeof ScaleScheduleResume> {
  static override summary = 'enable the scale schedules again';
  static override description = 'Sets every schedule of the deployment\'s group back to ENABLED (all other fields kept) and clears a recorded --until date.';
  static override examples = ['<%= config.bin %> day2 scale-schedule resume'];

  public async run(): Promise<ScaleScheduleResumeResult> {
    const { loadConfigFromGlobals } = await import('../../../config/from-globals.js');
    const { config } = await loadConfigFromGlobals(this.globals);
    const { stateDirFor } = await import('../../../state/state-dir.js');
    const { createDay2Context, scheduleTargetFor } = await import('../../../day2/context.js');
    const { resumeSchedules } = await import('../../../day2/scale-schedule.js');
    const { executeRunner } = await import('../../../day2/phase-runner.js');
    const { phaseFlagValues } = await import('../../../phase-flags.js');
    const { createHost } = await import('../../../ui/host.js');
    const ctx = createDay2Context({ config, stateDir: stateDirFor(this.globals.stateDir, config.deployment.name), awsProfile: this.globals.awsProfile });
    const target = await scheduleTargetFor(ctx);
    const aws = await ctx.aws();
    const { SchedulerClient } = await import('@aws-sdk/client-scheduler');
    const { EKSClient } = await import('@aws-sdk/client-eks');
    const run = executeRunner({ deployment: config.deployment.name, command: 'coder-platform day2 scale-schedule resume', globals: this.globals, flags: phaseFlagValues({}), host: createHost(this.globals) });
    const phase = await resumeSchedules(target, { scheduler: aws.get(SchedulerClient), eks: aws.get(EKSClient), now: () => new Date() }, run);
    if (!this.globals.json) this.log('Scale schedules resumed.');
    return { phase };
  }
}
