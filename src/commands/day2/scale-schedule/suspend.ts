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
    until: Flags.string({ summary: 'Resume on this date (YYYY-MM-DD, start of day in the schedule\'s time zone) or ISO time.' }),
  };

  public async run(): Promise<ScaleScheduleSuspendResult> {
    const { loadConfigFromGlobals } = await import('../../../config/from-globals.js');
    const { config } = await loadConfigFromGlobals(this.globals);
    const { parseUntil, suspendSchedules } = await import('../../../day2/scale-schedule.js');
    const until = this.flags.until === undefined ? null : parseUntil(this.flags.until, config.schedule.timezone, new Date());
    const { stateDirFor } = await import('../../../state/state-dir.js');
    const { createDay2Context, scheduleTargetFor } = await import('../../../day2/context.js');
    const { executeRunner } = await import('../../../day2/phase-runner.js');
    const { phaseFlagValues } = await import('../../../phase-flags.js');
    const { createHost } = await import('../../../ui/host.js');
    const ctx = createDay2Context({ config, stateDir: stateDirFor(this.globals.stateDir, config.deployment.name), awsProfile: this.globals.awsProfile });
    const target = await scheduleTargetFor(ctx);
    const aws = await ctx.aws();
    const { SchedulerClient } = await import('@aws-sdk/client-scheduler');
    const { EKSClient } = await import('@aws-sdk/client-eks');
    const command = `coder-platform day2 scale-schedule suspend${this.flags.until ? ` --until ${this.flags.until}` : ''}`;
    const run = executeRunner({ deployment: config.deployment.name, command, globals: this.globals, flags: phaseFlagValues({}), host: createHost(this.globals) });
    const phase = await suspendSchedules(target, { scheduler: aws.get(SchedulerClient), eks: aws.get(EKSClient), now: () => new Date() }, run, until);
    if (!this.globals.json) this.log(`Scale schedules suspended${until ? ` until ${until}` : ' until `day2 scale-schedule resume`'}.`);
    return { phase, until };
  }
}
