/**
 * `day2 upgrade` as a service: checks the request, resumes an unfinished upgrade only when it targets the
 * same versions, runs the upgrade phase and summarises what changed. Never prints, never reads flags.
 */
import { UserError } from '../../../errors.js';
import type { PhaseResult } from '../../../engine/types.js';
import { upgradePhase, UPGRADE_PHASE, type UpgradePhaseOptions, type UpgradeServices } from './phase.js';
import { previousRun, type PhaseRunner } from '../phase-runner.js';

export interface UpgradeOptions extends UpgradePhaseOptions {
  stateDir: string;
  /** The operator asked to start over (--restart): an unfinished upgrade to other versions is abandoned. */
  restart?: boolean;
}

/** What `day2 upgrade` returns: the phase result and what changed (versions, the pre-upgrade snapshot, updated add-ons, config keys written back). */
export interface UpgradeOutcome {
  phase: PhaseResult;
  coder: { from: string; to: string } | null;
  kubernetes: { from: string; to: string } | null;
  snapshotId: string | null;
  addons: string[];
  /** Config keys written back to coder-platform.yaml (coder.version, cluster.kubernetesVersion). */
  configUpdated: string[];
}

/** Bad input is refused before anything is built. */
export function checkUpgradeRequest(o: {
  coderVersion?: string | undefined;
  kubernetesVersion?: string | undefined;
}): void {
  if (o.coderVersion === undefined && o.kubernetesVersion === undefined) {
    throw new UserError('Nothing to upgrade: pass --coder-version and/or --kubernetes-version.', {
      nextSteps: ['e.g. coder-platform day2 upgrade --coder-version 2.36.1'],
    });
  }
}

export async function runUpgrade(
  options: UpgradeOptions,
  services: UpgradeServices,
  run: PhaseRunner,
): Promise<UpgradeOutcome> {
  checkUpgradeRequest(options);
  const previous = await previousRun(options.stateDir, UPGRADE_PHASE);
  let restart = previous?.status === 'succeeded';
  if (previous !== undefined && !restart && options.restart !== true) {
    const gate = previous.outputs.gate;
    const wanted = { coder: options.coderVersion ?? null, kubernetes: options.kubernetesVersion ?? null };
    const recorded = {
      coder: (gate?.coderTo as string | null | undefined) ?? null,
      kubernetes: (gate?.kubernetesTo as string | null | undefined) ?? null,
    };
    if (gate === undefined) restart = true;
    else if (recorded.coder !== wanted.coder || recorded.kubernetes !== wanted.kubernetes) {
      throw new UserError(
        `An unfinished upgrade (Coder ${recorded.coder ?? '-'}, Kubernetes ${recorded.kubernetes ?? '-'}) is recorded in the journal; finish it before starting another.`,
        {
          nextSteps: [
            `Resume it: coder-platform day2 upgrade${recorded.coder ? ` --coder-version ${recorded.coder}` : ''}${recorded.kubernetes ? ` --kubernetes-version ${recorded.kubernetes}` : ''}`,
            'Or abandon it and start this one with --restart (every step re-probes the real system).',
          ],
        },
      );
    }
  }
  const phase = await run(upgradePhase(options), services, { restart });
  const gate = phase.outputs.gate;
  const pair = (from: unknown, to: unknown) =>
    typeof from === 'string' && typeof to === 'string' ? { from, to } : null;
  return {
    phase,
    coder: pair(gate?.coderFrom, gate?.coderTo),
    kubernetes: pair(gate?.kubernetesFrom, gate?.kubernetesTo),
    snapshotId: (phase.outputs['db-snapshot']?.snapshotId as string | undefined) ?? null,
    addons: (phase.outputs.addons?.updated as string[] | undefined) ?? [],
    configUpdated: ['config-coder-version', 'config-kubernetes-version'].flatMap((id) =>
      phase.outputs[id]?.changed === true ? [String(phase.outputs[id]?.key)] : [],
    ),
  };
}
