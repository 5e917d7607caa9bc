/**
 * The Coder half of the upgrade: the pre-upgrade database snapshot, then helm upgrade of every release with the
 * stored values and the new version, verified by /healthz and buildinfo, rolled back on failure.
 */
import { ExternalError } from '../../../errors.js';
import type { EventHost } from '../../../engine/host.js';
import type { Step } from '../../../engine/types.js';
import { pollUntil } from '../poll.js';
import { createSnapshot, restoreCommands, snapshotStatus } from './snapshot.js';
import { parseSemver } from './gate.js';
import type { UpgradePhaseOptions, UpgradeRelease, UpgradeServices } from './types.js';

type Upgraded = { release: UpgradeRelease; previous: number | undefined }[];

export async function runningCoderVersion(coder: UpgradeServices['coder']): Promise<string> {
  return (await coder.buildInfo()).version;
}

function sameVersion(a: string, b: string): boolean {
  const x = parseSemver(a);
  const y = parseSemver(b);
  return x !== undefined && y !== undefined && x.major === y.major && x.minor === y.minor && x.patch === y.patch;
}

export function snapshotStep(o: UpgradePhaseOptions): Step<UpgradeServices> {
  const interval = o.pollIntervalMs;
  return {
    id: 'db-snapshot',
    title: 'Snapshot the database before the upgrade',
    dependsOn: ['gate'],
    expectedSeconds: 600,
    enabled: o.coderVersion !== undefined,
    async isDone({ services, outputs }) {
      const id = outputs.gate?.snapshotId;
      if (outputs.gate !== undefined && id === null) return { snapshotId: null }; // nothing to upgrade, nothing to protect
      if (typeof id !== 'string') return undefined;
      return (await snapshotStatus(services.rds, o.database, id)) === 'available' ? { snapshotId: id } : undefined;
    },
    async run({ services, outputs, signal }) {
      const id = outputs.gate?.snapshotId as string;
      if ((await snapshotStatus(services.rds, o.database, id)) === undefined)
        await createSnapshot(services.rds, o.database, id, o.deployment);
      await pollUntil(
        async () => {
          const status = (await snapshotStatus(services.rds, o.database, id)) ?? 'not found';
          if (status === 'failed')
            throw new ExternalError('aws', 'rds:CreateDBSnapshot', `snapshot ${id} failed`, { resource: id });
          return status === 'available' ? { done: true, value: undefined } : { done: false, state: status };
        },
        {
          signal,
          timeoutMs: 3 * 3600_000,
          ...(interval === undefined ? {} : { intervalMs: interval }),
          operation: 'rds:DescribeDBSnapshots',
          what: `snapshot ${id} available`,
          resource: id,
        },
      );
      return { snapshotId: id };
    },
  };
}

/** helm upgrade one release to `to` with its stored values; scales coderd to one replica first if it runs more. */
async function upgradeRelease(
  o: UpgradePhaseOptions,
  services: UpgradeServices,
  host: EventHost,
  r: UpgradeRelease,
  from: string,
  to: string,
  upgraded: Upgraded,
): Promise<void> {
  const history = await services.helm.history(r.release, r.namespace);
  const previous = [...history].reverse().find((h) => h.status === 'deployed')?.revision;
  const values = await services.helm.getValues(r.release, r.namespace);
  const coderValues = { ...((values.coder as Record<string, unknown> | undefined) ?? {}) };
  coderValues.image = { ...((coderValues.image as Record<string, unknown> | undefined) ?? {}), tag: `v${to}` };
  const source = o.chartSource(r.chart, to);
  upgraded.push({ release: r, previous });
  const replicas = typeof coderValues.replicaCount === 'number' ? coderValues.replicaCount : 1;
  if (r.chart === 'coder' && replicas > 1 && from !== to) {
    // old replicas hold locks the new version's migrations need (coder-helm.md §3, coder/coder#21309);
    // helm's three-way merge restores the configured replica count with the new version
    host.emit({
      level: 'info',
      code: 'UPGRADE_SCALE_DOWN',
      message: `Scaling ${r.release} from ${replicas} replicas to 1 for the migrations.`,
    });
    await services.kubectl.apply([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'coder', namespace: r.namespace },
        spec: { replicas: 1 },
      },
    ]);
  }
  host.emit({
    level: 'info',
    code: 'UPGRADE_HELM',
    message: `helm upgrade ${r.release} (${r.namespace}) ${from} → ${to}`,
  });
  await services.helm.upgradeInstall({
    release: r.release,
    chart: source.chart,
    ...(source.version ? { version: source.version } : {}),
    ...(source.repo ? { repo: source.repo } : {}),
    namespace: r.namespace,
    values: { ...values, coder: coderValues },
    wait: true,
    timeoutSeconds: o.helmTimeoutSeconds ?? 1800,
  });
}

/** Wait until /healthz is OK and buildinfo reports `to`. */
async function verifyCoder(
  o: UpgradePhaseOptions,
  services: UpgradeServices,
  to: string,
  signal: AbortSignal,
): Promise<void> {
  const interval = o.pollIntervalMs;
  await pollUntil(
    async () => {
      const healthy = await services.coder.healthz().catch(() => false);
      const version = healthy ? await runningCoderVersion(services.coder).catch(() => '') : '';
      return healthy && sameVersion(version, to)
        ? { done: true, value: undefined }
        : { done: false, state: healthy ? `buildinfo reports ${version || 'nothing'}` : '/healthz not OK' };
    },
    {
      signal,
      timeoutMs: (o.verifyTimeoutSeconds ?? 600) * 1000,
      ...(interval === undefined ? {} : { intervalMs: interval }),
      operation: 'GET /healthz',
      what: `Coder ${to} healthy`,
    },
  );
}

/** Roll back every release upgraded so far (newest first) and throw what failed, with the snapshot to restore. */
async function rollBack(
  o: UpgradePhaseOptions,
  services: UpgradeServices,
  host: EventHost,
  upgraded: Upgraded,
  error: unknown,
  v: { from: string; to: string; snapshotId: string },
): Promise<never> {
  const { from, to, snapshotId } = v;
  const rolledBack: string[] = [];
  for (const u of [...upgraded].reverse()) {
    try {
      await services.helm.rollback(u.release.release, u.release.namespace, u.previous);
      rolledBack.push(u.release.release);
    } catch (rollbackError) {
      host.emit({
        level: 'error',
        code: 'UPGRADE_ROLLBACK_FAILED',
        message: `helm rollback ${u.release.release} failed: ${rollbackError instanceof Error ? rollbackError.message : String(rollbackError)}`,
      });
    }
  }
  const cause = error instanceof Error ? error.message : String(error);
  throw new ExternalError(
    'helm',
    `upgrade to ${to}`,
    `${cause}. The Helm release${rolledBack.length === 1 ? ' was' : 's were'} rolled back to ${from} (${rolledBack.join(', ') || 'none'}). Database migrations of ${to} may already have run, and Coder ${from} may refuse the migrated database; if it does not start, restore the pre-upgrade snapshot ${snapshotId}.`,
    {
      cause: error,
      nextSteps: restoreCommands(o.database, snapshotId),
    },
  );
}

export function coderUpgradeStep(o: UpgradePhaseOptions): Step<UpgradeServices> {
  return {
    id: 'coder-upgrade',
    title: 'Upgrade Coder with Helm and verify /healthz and the version',
    dependsOn: ['db-snapshot'],
    expectedSeconds: 900,
    enabled: o.coderVersion !== undefined,
    async isDone({ services, outputs }) {
      const to = outputs.gate?.coderTo;
      if (typeof to !== 'string') return undefined;
      const running = await runningCoderVersion(services.coder).catch(() => '');
      if (!sameVersion(running, to) || !(await services.coder.healthz())) return undefined;
      // every release (the provisioners too) must be deployed from the target chart
      for (const r of o.releases) {
        const deployed = [...(await services.helm.history(r.release, r.namespace))]
          .reverse()
          .find((h) => h.status === 'deployed');
        if (deployed?.chart !== `${r.chart}-${to}`) return undefined;
      }
      return { version: to, coderVersion: to, chartVersion: to };
    },
    async run({ services, outputs, host, signal }) {
      const to = outputs.gate?.coderTo as string;
      const from = outputs.gate?.coderFrom as string;
      const snapshotId =
        (outputs['db-snapshot']?.snapshotId as string | null | undefined) ??
        (outputs.gate?.snapshotId as string | null) ??
        'none (Coder already ran the target version)';
      const upgraded: Upgraded = [];
      try {
        for (const r of o.releases) await upgradeRelease(o, services, host, r, from, to, upgraded);
        await verifyCoder(o, services, to, signal);
        return { version: to, coderVersion: to, chartVersion: to, snapshotId };
      } catch (error) {
        return rollBack(o, services, host, upgraded, error, { from, to, snapshotId });
      }
    },
  };
}
