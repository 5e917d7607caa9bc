import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import type { PhaseResult } from '../engine/types.js';
import { commandWithFlags, phaseFlags, phaseFlagValues } from '../phase-flags.js';

/** The phase result: each step's status, timings and non-secret outputs (release versions, ids) by step id. */
export type Day1Result = PhaseResult;

export default class Day1 extends BaseCommand<typeof Day1> {
  static override summary =
    'install Coder on the cluster: add-ons, Helm releases, first admin, license, provisioners, templates, users';
  static override description =
    "Reads Day 0's stack outputs, writes a kubeconfig in the state directory (EKS token authentication), creates the namespaces and the default encrypted gp3 StorageClass, installs the AWS Load Balancer Controller and the cluster autoscaler, syncs the database URL (and OIDC client secret) from Secrets Manager into Kubernetes, installs the coder chart and binds it to the NLB target group, waits for /healthz and the expected version, creates the owner and license, the provisioner key, secret and chart, waits for the daemons, publishes the templates and applies users.yaml. Every step checks the real state first, so a re-run converges.";
  static override examples = [
    '<%= config.bin %> day1',
    '<%= config.bin %> day1 --users-file users.yaml --prune --yes',
    '<%= config.bin %> day1 --from coder-release',
    '<%= config.bin %> day1 --dry-run',
  ];
  static override flags = {
    ...phaseFlags,
    'users-file': Flags.string({
      summary: 'users.yaml to apply (default: users.file in the configuration, relative to it).',
      env: 'CODER_PLATFORM_USERS_FILE',
    }),
    prune: Flags.boolean({
      summary: 'Suspend Coder users that users.yaml no longer lists.',
      env: 'CODER_PLATFORM_PRUNE',
      default: false,
    }),
  };

  public async run(): Promise<Day1Result> {
    const path = await import('node:path');
    const { loadConfigFromGlobals } = await import('../config/from-globals.js');
    const usersFlag = this.flags['users-file'];
    const { config, path: configPath } = await loadConfigFromGlobals(
      this.globals,
      usersFlag ? { users: { file: path.resolve(usersFlag) } } : {},
    );
    const usersFile =
      config.users.file === null ? undefined : path.resolve(path.dirname(configPath), config.users.file);
    const { openStateDir } = await import('../engine/state-dir.js');
    const { createDay1Services } = await import('../phases/day1/service.js');
    const { day1Phase } = await import('../phases/day1/service.js');
    const { createHost } = await import('../ui/host.js');
    const { executePhase } = await import('../engine/execute.js');
    const stateDir = await openStateDir({
      override: this.globals.stateDir,
      configPath,
      config,
      write: !this.flags['dry-run'],
    });
    const remote = await (await import('../services/state-backend.js')).openStateBackend(config, this.globals);
    const services = await createDay1Services({
      config,
      stateDir,
      awsProfile: this.globals.awsProfile,
      usersFile,
      prune: this.flags.prune,
    });
    const host = createHost(this.globals);
    const flags = phaseFlagValues(this.flags);
    const probe = await (
      await import('../services/dry-run.js')
    ).dryRunProbe(flags.dryRun, { region: config.aws.region, profile: this.globals.awsProfile });
    return executePhase(day1Phase(config), services, {
      deployment: config.deployment.name,
      command: commandWithFlags('coder-platform day1', { 'users-file': usersFlag, prune: this.flags.prune }),
      globals: this.globals,
      flags,
      host,
      probe,
      remote,
    });
  }
}
