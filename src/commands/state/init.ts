import { BaseCommand } from '../../base-command.js';
import type { PhaseResult } from '../../engine/types.js';
import { phaseFlags, phaseFlagValues } from '../../phase-flags.js';

/** The phase result: the bucket and the settings each step made sure of. */
export type StateInitResult = PhaseResult;

export default class StateInit extends BaseCommand<typeof StateInit> {
  static override summary =
    'create the S3 state bucket of the s3 state backend (versioned, encrypted, private, TLS-only)';
  static override description =
    'Creates state.bucket (or --state-bucket) in state.region (default aws.region) and makes sure of each setting the shared state needs: versioning, default encryption (SSE-KMS with the aws/s3 key, or SSE-S3), all four public access blocks, a bucket policy that denies requests without TLS, and a lifecycle rule that expires old versions after state.noncurrentVersionDays and aborts incomplete uploads. Idempotent and resumable; its own journal stays local in <state dir>/bootstrap/. Existing policy statements and lifecycle rules are kept.';
  static override examples = [
    '<%= config.bin %> state init --state-bucket acme-coder-platform-state',
    '<%= config.bin %> state init --dry-run',
  ];
  static override flags = { ...phaseFlags };

  public async run(): Promise<StateInitResult> {
    const { loadConfigFromGlobals } = await import('../../config/from-globals.js');
    const { config } = await loadConfigFromGlobals(this.globals);
    const { stateDirFor } = await import('../../engine/state-dir.js');
    const { createHost } = await import('../../ui/host.js');
    const { executePhase } = await import('../../engine/execute.js');
    const { bootstrapStateDir, createStateInitServices, stateInitPhase } =
      await import('../../phases/state/service.js');
    const services = await createStateInitServices(config, this.globals.awsProfile);
    const stateDir = bootstrapStateDir(stateDirFor(this.globals.stateDir, config.deployment.name));
    // The bucket's settings are observed, not remembered: every run probes each step again.
    const flags = phaseFlagValues(this.flags);
    const restart = flags.from === undefined && flags.only === undefined;
    return executePhase(stateInitPhase(), services, {
      deployment: config.deployment.name,
      command: 'coder-platform state init',
      globals: this.globals,
      flags: { ...flags, restart },
      host: createHost(this.globals),
      stateDir,
    });
  }
}
