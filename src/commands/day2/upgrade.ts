import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { commandWithFlags, phaseFlags, phaseFlagValues } from '../../phase-flags.js';
import type { UpgradeOutcome } from '../../phases/day2/upgrade/service.js';

/** The phase result and what changed (versions, the pre-upgrade snapshot, updated add-ons, config keys written back). */
export type UpgradeResult = UpgradeOutcome;

export default class Upgrade extends BaseCommand<typeof Upgrade> {
  static override summary =
    'upgrade Coder and/or Kubernetes: gate, database snapshot, helm upgrade with automatic rollback, EKS in order';
  static override description =
    'Coder: refuses downgrades (they need the pre-upgrade database restored) and missing chart versions, snapshots the database (named with both versions and the time), upgrades the coder and coder-provisioner releases with their stored values and the new image tag, waits for /healthz and the new buildinfo version, and rolls the releases back automatically on failure. Kubernetes: one minor version at a time, add-ons checked against the target and upgrade insights read first; then control plane → node groups (control, provisioner, workspace) → add-ons, each waited for.';
  static override examples = [
    '<%= config.bin %> day2 upgrade --coder-version 2.36.1',
    '<%= config.bin %> day2 upgrade --kubernetes-version 1.34',
    '<%= config.bin %> day2 upgrade --coder-version 2.36.1 --chart-archive ./charts',
  ];
  static override flags = {
    ...phaseFlags,
    'coder-version': Flags.string({
      summary: 'Target Coder (chart) version, e.g. 2.36.1.',
      env: 'CODER_PLATFORM_UPGRADE_CODER_VERSION',
    }),
    'kubernetes-version': Flags.string({
      summary: 'Target Kubernetes minor version, e.g. 1.34 (one minor above the current).',
      env: 'CODER_PLATFORM_UPGRADE_KUBERNETES_VERSION',
    }),
    'chart-archive': Flags.string({
      summary: 'Directory with coder-<version>.tgz and coder-provisioner-<version>.tgz (air-gapped sites).',
      env: 'CODER_PLATFORM_CHART_ARCHIVE',
    }),
  };

  public async run(): Promise<UpgradeResult> {
    const f = this.flags;
    const { checkUpgradeRequest, runUpgrade } = await import('../../phases/day2/upgrade/service.js');
    checkUpgradeRequest({ coderVersion: f['coder-version'], kubernetesVersion: f['kubernetes-version'] });
    const { day2Command, createUpgradeServices } = await import('../../phases/day2/service.js');
    const flags = phaseFlagValues(f);
    const c = await day2Command(this.globals, (await import('../../ui/host.js')).createHost, { dryRun: flags.dryRun });
    const { options, services } = await createUpgradeServices(c, {
      coderVersion: f['coder-version'],
      kubernetesVersion: f['kubernetes-version'],
      chartArchive: f['chart-archive'],
      restart: flags.restart,
    });
    const command = commandWithFlags('coder-platform day2 upgrade', {
      'coder-version': f['coder-version'],
      'kubernetes-version': f['kubernetes-version'],
      'chart-archive': f['chart-archive'],
    });
    const result = await runUpgrade(options, services, c.runner(command, { flags }));
    if (!this.globals.json) this.log((await import('../../ui/day2-view.js')).renderUpgrade(result));
    return result;
  }
}
