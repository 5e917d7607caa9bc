import { BaseCommand } from '../../base-command.js';
import type { PhaseResult } from '../../engine/types.js';
import { phaseFlags, phaseFlagValues } from '../../phase-flags.js';

/** The phase result: which stacks were deleted, the final database snapshot, what is still tagged. */
export type Day0DestroyResult = PhaseResult;

export default class Day0Destroy extends BaseCommand<typeof Day0Destroy> {
  static override summary = 'destroy the deployment’s stacks, keeping a final database snapshot';
  static override description =
    'Asks you to type the deployment name (or pass --yes), then deletes the stacks in reverse order — schedule and edge, then cluster and data, then network. The database is kept as a final snapshot whose name is printed; the cross-Region backup vault is kept. Finally lists anything still tagged Project=<name>, ManagedBy=coder-platform.';
  static override examples = [
    '<%= config.bin %> day0 destroy',
    '<%= config.bin %> day0 destroy --yes --non-interactive',
  ];
  static override flags = { ...phaseFlags };

  public async run(): Promise<Day0DestroyResult> {
    const { loadConfigFromGlobals } = await import('../../config/from-globals.js');
    const { config, path: configPath } = await loadConfigFromGlobals(this.globals);
    const { openStateDir } = await import('../../engine/state-dir.js');
    const { createHost } = await import('../../ui/host.js');
    const { executePhase } = await import('../../engine/execute.js');
    const { AssemblyCache } = await import('../../phases/day0/service.js');
    const { confirmDestroy, createDay0DestroyServices, day0DestroyPhase } =
      await import('../../phases/day0/service.js');
    // CloudFormation, not the journal, says what exists: every run goes through every step (stacks already
    // gone are skipped by their probe; the leftovers report is always fresh).
    const given = phaseFlagValues(this.flags);
    const flags = { ...given, restart: given.from === undefined && given.only === undefined };
    const stateDir = await openStateDir({ override: this.globals.stateDir, configPath, config, write: !flags.dryRun });
    const remote = await (await import('../../services/state-backend.js')).openStateBackend(config, this.globals);
    const services = await createDay0DestroyServices({
      config,
      stateDir,
      aws: { profile: this.globals.awsProfile, region: config.aws.region },
    });
    const cache = new AssemblyCache(services);
    const host = createHost(this.globals);
    try {
      // Asked on every run (a resumed destroy too), never taken from the journal; not for a dry run.
      if (!flags.dryRun)
        await confirmDestroy(config, host).catch(async (error: unknown) => {
          await host.close();
          throw error;
        });
      const probe = await (
        await import('../../services/dry-run.js')
      ).dryRunProbe(flags.dryRun, { region: config.aws.region, profile: this.globals.awsProfile });
      return await executePhase(day0DestroyPhase(config, cache), services, {
        deployment: config.deployment.name,
        command: 'coder-platform day0 destroy',
        globals: this.globals,
        flags,
        host,
        probe,
        remote,
      });
    } finally {
      await cache.dispose();
    }
  }
}
