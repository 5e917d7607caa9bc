import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import type { PhaseResult } from '../../engine/types.js';
import { phaseFlags, phaseFlagValues } from '../../phase-flags.js';

/** The phase result: each step's status, timings and non-secret outputs (stack outputs by step id). */
export type Day0DeployResult = PhaseResult;

export default class Day0Deploy extends BaseCommand<typeof Day0Deploy> {
  static override summary = 'deploy the CloudFormation stacks (network, data, cluster, edge, schedule)';
  static override description =
    'Runs the preflight gate, checks the CDK bootstrap, synthesizes the bundled CDK app and deploys its stacks with CloudFormation change sets: network first, then data and cluster at the same time, then edge and schedule. Resumable: a re-run skips stacks that are already deployed with the same template. Security-sensitive changes are confirmed with a prompt or --yes. A stack left in ROLLBACK_COMPLETE is explained and, with approval, deleted and deployed again.';
  static override examples = [
    '<%= config.bin %> day0 deploy',
    '<%= config.bin %> day0 deploy --yes --non-interactive',
    '<%= config.bin %> day0 deploy --from cluster',
  ];
  static override flags = {
    ...phaseFlags,
    'skip-preflight': Flags.boolean({
      summary: 'Deploy even when a critical preflight check fails (a warning is shown).',
      env: 'CODER_PLATFORM_SKIP_PREFLIGHT',
      default: false,
    }),
  };

  public async run(): Promise<Day0DeployResult> {
    const { loadConfigFromGlobals } = await import('../../config/from-globals.js');
    const { config, path: configPath } = await loadConfigFromGlobals(this.globals);
    const { openStateDir } = await import('../../engine/state-dir.js');
    const { createHost } = await import('../../ui/host.js');
    const { executePhase } = await import('../../engine/execute.js');
    const { AssemblyCache, createDay0DeployServices, day0DeployPhase } = await import('../../phases/day0/service.js');
    const stateDir = await openStateDir({
      override: this.globals.stateDir,
      configPath,
      config,
      write: !this.flags['dry-run'],
    });
    const remote = await (await import('../../services/state-backend.js')).openStateBackend(config, this.globals);
    const services = await createDay0DeployServices({
      config,
      stateDir,
      aws: { profile: this.globals.awsProfile, region: config.aws.region },
      skipPreflight: this.flags['skip-preflight'],
    });
    const cache = new AssemblyCache(services);
    const host = createHost(this.globals);
    try {
      // CloudFormation, not the journal, says what is deployed: every run goes through every step (the gate and
      // the identity check run again; stacks already deployed with the same template are skipped by their
      // probe, and a stack deleted since, e.g. by day0 destroy, is deployed again).
      const flags = phaseFlagValues(this.flags);
      const probe = await (
        await import('../../services/dry-run.js')
      ).dryRunProbe(flags.dryRun, { region: config.aws.region, profile: this.globals.awsProfile });
      return await executePhase(day0DeployPhase(config, cache), services, {
        deployment: config.deployment.name,
        command: 'coder-platform day0 deploy',
        globals: this.globals,
        flags: { ...flags, restart: flags.from === undefined && flags.only === undefined },
        host,
        probe,
        remote,
      });
    } finally {
      await cache.dispose();
    }
  }
}
