/**
 * Phase `day2-upgrade`: gate → pre-upgrade database snapshot → Coder (helm upgrade with the stored values
 * and the new version, rollout, /healthz and buildinfo; automatic rollback on failure) → Kubernetes
 * (control plane → node groups control, provisioner, workspace → add-ons), each waited for. After the Coder
 * and after the control-plane upgrade, the new version is written back to coder-platform.yaml.
 */
import type { EKSClient } from '@aws-sdk/client-eks';
import type { RDSClient } from '@aws-sdk/client-rds';
import { awsCall } from '../../../aws/clients.js';
import { ExternalError } from '../../../errors.js';
import type { Phase, Step, StepOutputs } from '../../../engine/types.js';
import type { ChartSource } from '../../../k8s/helm.js';
import { editConfigFile, readConfigFile } from '../../../config/config-file.js';
import { pollUntil } from '../poll.js';
import { createSnapshot, restoreCommands, snapshotIdentifier, snapshotStatus, type SnapshotTarget } from './snapshot.js';
import { checkInsights, parseSemver, planAddons, planCoderUpgrade, planKubernetesUpgrade } from './gate.js';

export const UPGRADE_PHASE = 'day2-upgrade';

/** The Helm operations the upgrade needs (src/k8s/helm.ts Helm satisfies it). */
export interface UpgradeHelm {
  upgradeInstall(o: { release: string; chart: string; version?: string; repo?: string; namespace: string; values: Record<string, unknown>; wait?: boolean; timeoutSeconds?: number }): Promise<void>;
  rollback(release: string, namespace: string, revision?: number): Promise<void>;
  history(release: string, namespace: string): Promise<{ revision: number; status: string; chart: string }[]>;
  getValues(release: string, namespace: string): Promise<Record<string, unknown>>;
  chartVersionExists(source: ChartSource): Promise<boolean>;
}

export interface UpgradeServices {
  eks: EKSClient;
  rds: RDSClient;
  helm: UpgradeHelm;
  /** Server-side apply (src/k8s/kubectl.ts Kubectl): scales coderd to one replica before its migrations. */
  kubectl: { apply(manifests: object[]): Promise<void> };
  coder: { healthz(): Promise<boolean>; buildInfo(): Promise<{ version: string }> };
  now(): Date;
}

export interface UpgradeRelease {
  release: string;
  namespace: string;
  /** Chart name (`coder`, `coder-provisioner`). */
  chart: string;
}

export interface UpgradePhaseOptions {
  deployment: string;
  /** coder-platform.yaml: coder.version and cluster.kubernetesVersion are written back after each upgrade. */
  configPath: string;
  coderVersion?: string | undefined;
  kubernetesVersion?: string | undefined;
  /** Where charts come from, by chart name, for the target version. */
  chartSource: (chart: string, version: string) => ChartSource;
  /** coderd first, then the provisioners (same version: the provisioner protocol changes between minors). */
  releases: UpgradeRelease[];
  database: SnapshotTarget;
  clusterName: string;
  /** EKS node-group names in upgrade order: control, provisioner, workspace. */
  nodeGroups: { configName: string; eksName: string }[];
  /** @default 1800 */
  helmTimeoutSeconds?: number;
  /** @default 600 */
  verifyTimeoutSeconds?: number;
  /** @default 30000 */
  pollIntervalMs?: number;
}

async function runningCoderVersion(coder: UpgradeServices['coder']): Promise<string> {
  return (await coder.buildInfo()).version;
}

function sameVersion(a: string, b: string): boolean {
  const x = parseSemver(a);
  const y = parseSemver(b);
  return x !== undefined && y !== undefined && x.major === y.major && x.minor === y.minor && x.patch === y.patch;
}

/** Wait for an EKS update (cluster, node group or add-on) to finish. */
async function waitForEksUpdate(eks: EKSClient, input: { name: string; updateId: string; nodegroupName?: string; addonName?: string }, signal: AbortSignal, intervalMs: number | undefined, what: string): Promise<void> {
  const { DescribeUpdateCommand } = await import('@aws-sdk/client-eks');
  await pollUntil(async () => {
    const update = (await awsCall('eks:DescribeUpdate', () => eks.send(new DescribeUpdateCommand(input)), input.nodegroupName ?? input.addonName ?? input.name)).update;
    const status = update?.status ?? 'unknown';
    if (status === 'Failed' || status === 'Cancelled') {
      const errors = (update?.errors ?? []).map((e) => `${e.errorCode ?? ''} ${e.errorMessage ?? ''}`.trim()).join('; ');
      throw new ExternalError('aws', 'eks:DescribeUpdate', `${what} ${status.toLowerCase()}${errors ? `: ${errors}` : ''}`, { resource: input.nodegroupName ?? input.addonName ?? input.name, nextSteps: ['Fix the cause shown, then re-run the same command to resume.'] });
    }
    return status === 'Successful' ? { done: true, value: undefined } : { done: false, state: status };
  }, { signal, timeoutMs: 4 * 3600_000, ...(intervalMs === undefined ? {} : { intervalMs }), operation: 'eks:DescribeUpdate', what, resource: input.name });
}

/**
 * A step that writes the upgraded version back to the config file (comments kept, re-validated), so the next
 * day0 / day1 deploys what now runs instead of downgrading it. Its probe reads the file, so a crash between
 * the upgrade and the write still writes it on the re-run.
 */
function recordVersionStep(o: UpgradePhaseOptions, id: string, dependsOn: string, key: ['coder', 'version'] | ['cluster', 'kubernetesVersion'], gateKey: 'coderTo' | 'kubernetesTo', enabled: boolean): Step<UpgradeServices> {
  const dotted = key.join('.');
  return {
    id,
    title: `Record ${dotted} in ${o.configPath}`,
    dependsOn: [dependsOn],
    expectedSeconds: 1,
    enabled,
    async isDone({ outputs }) {
      const to = outputs.gate?.[gateKey];
      if (typeof to !== 'string') return undefined;
      const config = await readConfigFile(o.configPath);
      return (key[0] === 'coder' ? config.coder.version : config.cluster.kubernetesVersion) === to ? { configPath: o.configPath, key: dotted, value: to, changed: false } : undefined;
    },
    async run({ outputs }) {
      const to = outputs.gate?.[gateKey] as string;
      const edited = await editConfigFile(o.configPath, [{ path: key, value: to }]);
      return { configPath: o.configPath, key: dotted, value: to, changed: edited.changed.length > 0 };
    },
  };
}

/** The node group's update that is still InProgress (ListUpdates, newest first), if any. */
async function inProgressUpdate(eks: EKSClient, clusterName: string, nodegroupName: string): Promise<string | undefined> {
  const sdk = await import('@aws-sdk/client-eks');
  const ids = (await awsCall('eks:ListUpdates', () => eks.send(new sdk.ListUpdatesCommand({ name: clusterName, nodegroupName })), nodegroupName)).updateIds ?? [];
  for (const updateId of [...ids].reverse()) {
    const update = (await awsCall('eks:DescribeUpdate', () => eks.send(new sdk.DescribeUpdateCommand({ name: clusterName, nodegroupName, updateId })), nodegroupName)).update;
    if (update?.status === 'InProgress') return updateId;
  }
  return undefined;
}

export function upgradePhase(o: UpgradePhaseOptions): Phase<UpgradeServices> {
  const coderOn = o.coderVersion !== undefined;
  const k8sOn = o.kubernetesVersion !== undefined;
  const interval = o.pollIntervalMs;

  const gate: Step<UpgradeServices> = {
    id: 'gate',
    title: 'Check the upgrade is allowed (versions, chart, add-ons, insights)',
    expectedSeconds: 20,
    async run({ services, host }) {
      const out: StepOutputs = { coderFrom: null, coderTo: null, snapshotId: null, kubernetesFrom: null, kubernetesTo: null, addons: [] };
      if (o.coderVersion !== undefined) {
        const plan = planCoderUpgrade(await runningCoderVersion(services.coder), o.coderVersion);
        for (const r of o.releases) {
          if (!(await services.helm.chartVersionExists(o.chartSource(r.chart, plan.to)))) {
            throw new ExternalError('helm', `show chart ${r.chart}`, `chart ${r.chart} version ${plan.to} was not found`, { nextSteps: ['Check the version on https://github.com/coder/coder/releases, or pass --chart-archive DIR with coder-<version>.tgz and coder-provisioner-<version>.tgz.'] });
          }
        }
        if (plan.minorsCrossed > 1) host.emit({ level: 'warn', code: 'UPGRADE_LARGE_JUMP', message: `Coder ${plan.from} → ${plan.to} crosses ${plan.minorsCrossed} minor versions: every migration runs in one go (usually 4–7 min; over 15 min is abnormal).` });
        if (plan.action === 'none') host.emit({ level: 'info', code: 'UPGRADE_CODER_CURRENT', message: `Coder already runs ${plan.to}: no snapshot; the releases are only checked.` });
        Object.assign(out, { coderFrom: plan.from, coderTo: plan.to, snapshotId: plan.action === 'none' ? null : snapshotIdentifier(o.deployment, plan.from, plan.to, services.now()) });
      }
      if (o.kubernetesVersion !== undefined) {
        const { DescribeClusterCommand } = await import('@aws-sdk/client-eks');
        const cluster = (await awsCall('eks:DescribeCluster', () => services.eks.send(new DescribeClusterCommand({ name: o.clusterName })), o.clusterName)).cluster;
        const plan = planKubernetesUpgrade(cluster?.version ?? '', o.kubernetesVersion);
        const findings = await checkInsights(services.eks, o.clusterName, plan.to);
        for (const f of findings) host.emit({ level: 'warn', code: 'UPGRADE_INSIGHT_WARNING', message: `${f.name}: ${f.recommendation}` });
        const addons = await planAddons(services.eks, o.clusterName, plan.to);
        Object.assign(out, { kubernetesFrom: plan.from, kubernetesTo: plan.to, addons: addons.map((a) => `${a.name}=${a.to}`) });
      }
      return out;
    },
  };

  const snapshot: Step<UpgradeServices> = {
    id: 'db-snapshot',
    title: 'Snapshot the database before the upgrade',
    dependsOn: ['gate'],
    expectedSeconds: 600,
    enabled: coderOn,
    async isDone({ services, outputs }) {
      const id = outputs.gate?.snapshotId;
      if (outputs.gate !== undefined && id === null) return { snapshotId: null }; // nothing to upgrade, nothing to protect
      if (typeof id !== 'string') return undefined;
      return (await snapshotStatus(services.rds, o.database, id)) === 'available' ? { snapshotId: id } : undefined;
    },
    async run({ services, outputs, signal }) {
      const id = outputs.gate?.snapshotId as string;
      if ((await snapshotStatus(services.rds, o.database, id)) === undefined) await createSnapshot(services.rds, o.database, id, o.deployment);
      await pollUntil(async () => {
        const status = (await snapshotStatus(services.rds, o.database, id)) ?? 'not found';
        if (status === 'failed') throw new ExternalError('aws', 'rds:CreateDBSnapshot', `snapshot ${id} failed`, { resource: id });
        return status === 'available' ? { done: true, value: undefined } : { done: false, state: status };
      }, { signal, timeoutMs: 3 * 3600_000, ...(interval === undefined ? {} : { intervalMs: interval }), operation: 'rds:DescribeDBSnapshots', what: `snapshot ${id} available`, resource: id });
      return { snapshotId: id };
    },
  };

  const coder: Step<UpgradeServices> = {
    id: 'coder-upgrade',
    title: 'Upgrade Coder with Helm and verify /healthz and the version',
    dependsOn: ['db-snapshot'],
    expectedSeconds: 900,
    enabled: coderOn,
    async isDone({ services, outputs }) {
      const to = outputs.gate?.coderTo;
      if (typeof to !== 'string') return undefined;
      const running = await runningCoderVersion(services.coder).catch(() => '');
      if (!sameVersion(running, to) || !(await services.coder.healthz())) return undefined;
      // every release (the provisioners too) must be deployed from the target chart
      for (const r of o.releases) {
        const deployed = [...(await services.helm.history(r.release, r.namespace))].reverse().find((h) => h.status === 'deployed');
        if (deployed?.chart !== `${r.chart}-${to}`) return undefined;
      }
      return { version: to, coderVersion: to, chartVersion: to };
    },
    async run({ services, outputs, host, signal }) {
      const to = outputs.gate?.coderTo as string;
      const from = outputs.gate?.coderFrom as string;
      const snapshotId = (outputs['db-snapshot']?.snapshotId as string | null | undefined) ?? (outputs.gate?.snapshotId as string | null) ?? 'none (Coder already ran the target version)';
      const upgraded: { release: UpgradeRelease; previous: number | undefined }[] = [];
      try {
        for (const r of o.releases) {
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
            host.emit({ level: 'info', code: 'UPGRADE_SCALE_DOWN', message: `Scaling ${r.release} from ${replicas} replicas to 1 for the migrations.` });
            await services.kubectl.apply([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coder', namespace: r.namespace }, spec: { replicas: 1 } }]);
          }
          host.emit({ level: 'info', code: 'UPGRADE_HELM', message: `helm upgrade ${r.release} (${r.namespace}) ${from} → ${to}` });
          await services.helm.upgradeInstall({ release: r.release, chart: source.chart, ...(source.version ? { version: source.version } : {}), ...(source.repo ? { repo: source.repo } : {}), namespace: r.namespace, values: { ...values, coder: coderValues }, wait: true, timeoutSeconds: o.helmTimeoutSeconds ?? 1800 });
        }
        await pollUntil(async () => {
          const healthy = await services.coder.healthz().catch(() => false);
          const version = healthy ? await runningCoderVersion(services.coder).catch(() => '') : '';
          return healthy && sameVersion(version, to) ? { done: true, value: undefined } : { done: false, state: healthy ? `buildinfo reports ${version || 'nothing'}` : '/healthz not OK' };
        }, { signal, timeoutMs: (o.verifyTimeoutSeconds ?? 600) * 1000, ...(interval === undefined ? {} : { intervalMs: interval }), operation: 'GET /healthz', what: `Coder ${to} healthy` });
        return { version: to, coderVersion: to, chartVersion: to, snapshotId };
      } catch (error) {
        const rolledBack: string[] = [];
        for (const u of [...upgraded].reverse()) {
          try {
            await services.helm.rollback(u.release.release, u.release.namespace, u.previous);
            rolledBack.push(u.release.release);
          } catch (rollbackError) {
            host.emit({ level: 'error', code: 'UPGRADE_ROLLBACK_FAILED', message: `helm rollback ${u.release.release} failed: ${rollbackError instanceof Error ? rollbackError.message : String(rollbackError)}` });
          }
        }
        const cause = error instanceof Error ? error.message : String(error);
        throw new ExternalError('helm', `upgrade to ${to}`, `${cause}. The Helm release${rolledBack.length === 1 ? ' was' : 's were'} rolled back to ${from} (${rolledBack.join(', ') || 'none'}). Database migrations of ${to} may already have run, and Coder ${from} may refuse the migrated database; if it does not start, restore the pre-upgrade snapshot ${snapshotId}.`, {
          cause: error,
          nextSteps: restoreCommands(o.database, snapshotId),
        });
      }
    },
  };

  const recordCoder = recordVersionStep(o, 'config-coder-version', 'coder-upgrade', ['coder', 'version'], 'coderTo', coderOn);

  const controlPlane: Step<UpgradeServices> = {
    id: 'control-plane',
    title: 'Upgrade the EKS control plane',
    dependsOn: ['gate', 'config-coder-version'],
    expectedSeconds: 1500,
    enabled: k8sOn,
    async isDone({ services, outputs }) {
      const { DescribeClusterCommand } = await import('@aws-sdk/client-eks');
      const cluster = (await awsCall('eks:DescribeCluster', () => services.eks.send(new DescribeClusterCommand({ name: o.clusterName })), o.clusterName)).cluster;
      return cluster?.version === outputs.gate?.kubernetesTo && cluster?.status === 'ACTIVE' ? { version: cluster.version as string, kubernetesVersion: cluster.version as string } : undefined;
    },
    async run({ services, outputs, signal }) {
      const version = outputs.gate?.kubernetesTo as string;
      const sdk = await import('@aws-sdk/client-eks');
      const cluster = (await awsCall('eks:DescribeCluster', () => services.eks.send(new sdk.DescribeClusterCommand({ name: o.clusterName })), o.clusterName)).cluster;
      if (cluster?.version !== version) {
        let updateId: string | undefined;
        if (cluster?.status === 'UPDATING') {
          const ids = (await awsCall('eks:ListUpdates', () => services.eks.send(new sdk.ListUpdatesCommand({ name: o.clusterName })), o.clusterName)).updateIds ?? [];
          updateId = ids[ids.length - 1];
        } else {
          updateId = (await awsCall('eks:UpdateClusterVersion', () => services.eks.send(new sdk.UpdateClusterVersionCommand({ name: o.clusterName, version })), o.clusterName)).update?.id;
        }
        if (updateId !== undefined) await waitForEksUpdate(services.eks, { name: o.clusterName, updateId }, signal, interval, `control plane ${version}`);
      }
      return { version, kubernetesVersion: version };
    },
  };

  const recordKubernetes = recordVersionStep(o, 'config-kubernetes-version', 'control-plane', ['cluster', 'kubernetesVersion'], 'kubernetesTo', k8sOn);

  const nodeGroupSteps: Step<UpgradeServices>[] = o.nodeGroups.map((ng, i) => ({
    id: `nodegroup-${ng.configName}`,
    title: `Upgrade node group ${ng.configName}`,
    dependsOn: [i === 0 ? 'config-kubernetes-version' : `nodegroup-${o.nodeGroups[i - 1]?.configName as string}`],
    expectedSeconds: 1200,
    enabled: k8sOn,
    async isDone({ services, outputs }) {
      const { DescribeNodegroupCommand } = await import('@aws-sdk/client-eks');
      const group = (await awsCall('eks:DescribeNodegroup', () => services.eks.send(new DescribeNodegroupCommand({ clusterName: o.clusterName, nodegroupName: ng.eksName })), ng.eksName)).nodegroup;
      return group?.version === outputs.gate?.kubernetesTo && group?.status === 'ACTIVE' ? { version: group.version as string } : undefined;
    },
    async run({ services, outputs, signal, host }) {
      const version = outputs.gate?.kubernetesTo as string;
      const sdk = await import('@aws-sdk/client-eks');
      const what = `node group ${ng.eksName} ${version}`;
      const describe = async () => (await awsCall('eks:DescribeNodegroup', () => services.eks.send(new sdk.DescribeNodegroupCommand({ clusterName: o.clusterName, nodegroupName: ng.eksName })), ng.eksName)).nodegroup;
      // an update already running (this upgrade before a crash, or anyone's): wait for it instead of a second
      // UpdateNodegroupVersion, which EKS refuses with ResourceInUseException
      const waitForRunning = async (): Promise<boolean> => {
        const updateId = await inProgressUpdate(services.eks, o.clusterName, ng.eksName);
        if (updateId === undefined) return false;
        host.emit({ level: 'info', code: 'UPGRADE_UPDATE_IN_PROGRESS', message: `Node group ${ng.eksName} is already updating (${updateId}): waiting for that update.` });
        await waitForEksUpdate(services.eks, { name: o.clusterName, nodegroupName: ng.eksName, updateId }, signal, interval, what);
        return true;
      };
      let group = await describe();
      if (group?.status === 'UPDATING' && (await waitForRunning())) group = await describe();
      if (group?.version === version) return { version };
      let updateId: string | undefined;
      try {
        updateId = (await services.eks.send(new sdk.UpdateNodegroupVersionCommand({ clusterName: o.clusterName, nodegroupName: ng.eksName, version }))).update?.id;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ResourceInUseException' || !(await waitForRunning())) {
          await awsCall('eks:UpdateNodegroupVersion', () => Promise.reject(error), ng.eksName); // throws, wrapped
        }
        if ((await describe())?.version === version) return { version };
        updateId = (await awsCall('eks:UpdateNodegroupVersion', () => services.eks.send(new sdk.UpdateNodegroupVersionCommand({ clusterName: o.clusterName, nodegroupName: ng.eksName, version })), ng.eksName)).update?.id;
      }
      if (updateId) await waitForEksUpdate(services.eks, { name: o.clusterName, nodegroupName: ng.eksName, updateId }, signal, interval, what);
      return { version };
    },
  }));

  const addons: Step<UpgradeServices> = {
    id: 'addons',
    title: 'Update the EKS add-ons for the new version',
    dependsOn: [nodeGroupSteps.length > 0 ? (nodeGroupSteps[nodeGroupSteps.length - 1] as Step<UpgradeServices>).id : 'config-kubernetes-version'],
    expectedSeconds: 300,
    enabled: k8sOn,
    async run({ services, outputs, signal }) {
      const sdk = await import('@aws-sdk/client-eks');
      const updated: string[] = [];
      for (const entry of (outputs.gate?.addons as string[] | undefined) ?? []) {
        const [addonName, addonVersion] = entry.split('=') as [string, string];
        const current = (await awsCall('eks:DescribeAddon', () => services.eks.send(new sdk.DescribeAddonCommand({ clusterName: o.clusterName, addonName })), addonName)).addon?.addonVersion;
        if (current === addonVersion) continue;
        const update = await awsCall('eks:UpdateAddon', () => services.eks.send(new sdk.UpdateAddonCommand({ clusterName: o.clusterName, addonName, addonVersion, resolveConflicts: 'PRESERVE' })), addonName);
        if (update.update?.id) await waitForEksUpdate(services.eks, { name: o.clusterName, addonName, updateId: update.update.id }, signal, interval, `add-on ${addonName} ${addonVersion}`);
        updated.push(entry);
      }
      return { updated };
    },
  };

  return { name: UPGRADE_PHASE, version: 1, steps: [gate, snapshot, coder, recordCoder, controlPlane, recordKubernetes, ...nodeGroupSteps, addons] };
}
