/**
 * The Kubernetes half of the upgrade: the EKS control plane, then each node group in order, then the add-ons,
 * each update waited for.
 */
import type { EKSClient } from '@aws-sdk/client-eks';
import { awsCall } from '../../../aws/clients.js';
import { ExternalError } from '../../../errors.js';
import type { Step, StepContext, StepOutputs } from '../../../engine/types.js';
import { pollUntil } from '../poll.js';
import type { UpgradePhaseOptions, UpgradeServices } from './types.js';

/** Wait for an EKS update (cluster, node group or add-on) to finish. */
async function waitForEksUpdate(
  eks: EKSClient,
  input: { name: string; updateId: string; nodegroupName?: string; addonName?: string },
  signal: AbortSignal,
  intervalMs: number | undefined,
  what: string,
): Promise<void> {
  const { DescribeUpdateCommand } = await import('@aws-sdk/client-eks');
  await pollUntil(
    async () => {
      const update = (
        await awsCall(
          'eks:DescribeUpdate',
          () => eks.send(new DescribeUpdateCommand(input)),
          input.nodegroupName ?? input.addonName ?? input.name,
        )
      ).update;
      const status = update?.status ?? 'unknown';
      if (status === 'Failed' || status === 'Cancelled') {
        const errors = (update?.errors ?? [])
          .map((e) => `${e.errorCode ?? ''} ${e.errorMessage ?? ''}`.trim())
          .join('; ');
        throw new ExternalError(
          'aws',
          'eks:DescribeUpdate',
          `${what} ${status.toLowerCase()}${errors ? `: ${errors}` : ''}`,
          {
            resource: input.nodegroupName ?? input.addonName ?? input.name,
            nextSteps: ['Fix the cause shown, then re-run the same command to resume.'],
          },
        );
      }
      return status === 'Successful' ? { done: true, value: undefined } : { done: false, state: status };
    },
    {
      signal,
      timeoutMs: 4 * 3600_000,
      ...(intervalMs === undefined ? {} : { intervalMs }),
      operation: 'eks:DescribeUpdate',
      what,
      resource: input.name,
    },
  );
}

/** The node group's update that is still InProgress (ListUpdates, newest first), if any. */
async function inProgressUpdate(
  eks: EKSClient,
  clusterName: string,
  nodegroupName: string,
): Promise<string | undefined> {
  const sdk = await import('@aws-sdk/client-eks');
  const ids =
    (
      await awsCall(
        'eks:ListUpdates',
        () => eks.send(new sdk.ListUpdatesCommand({ name: clusterName, nodegroupName })),
        nodegroupName,
      )
    ).updateIds ?? [];
  for (const updateId of [...ids].reverse()) {
    const update = (
      await awsCall(
        'eks:DescribeUpdate',
        () => eks.send(new sdk.DescribeUpdateCommand({ name: clusterName, nodegroupName, updateId })),
        nodegroupName,
      )
    ).update;
    if (update?.status === 'InProgress') return updateId;
  }
  return undefined;
}

export function controlPlaneStep(o: UpgradePhaseOptions): Step<UpgradeServices> {
  const interval = o.pollIntervalMs;
  return {
    id: 'control-plane',
    title: 'Upgrade the EKS control plane',
    dependsOn: ['gate', 'config-coder-version'],
    expectedSeconds: 1500,
    enabled: o.kubernetesVersion !== undefined,
    async isDone({ services, outputs }) {
      const { DescribeClusterCommand } = await import('@aws-sdk/client-eks');
      const cluster = (
        await awsCall(
          'eks:DescribeCluster',
          () => services.eks.send(new DescribeClusterCommand({ name: o.clusterName })),
          o.clusterName,
        )
      ).cluster;
      return cluster?.version === outputs.gate?.kubernetesTo && cluster?.status === 'ACTIVE'
        ? { version: cluster.version as string, kubernetesVersion: cluster.version as string }
        : undefined;
    },
    async run({ services, outputs, signal }) {
      const version = outputs.gate?.kubernetesTo as string;
      const sdk = await import('@aws-sdk/client-eks');
      const cluster = (
        await awsCall(
          'eks:DescribeCluster',
          () => services.eks.send(new sdk.DescribeClusterCommand({ name: o.clusterName })),
          o.clusterName,
        )
      ).cluster;
      if (cluster?.version !== version) {
        let updateId: string | undefined;
        if (cluster?.status === 'UPDATING') {
          const ids =
            (
              await awsCall(
                'eks:ListUpdates',
                () => services.eks.send(new sdk.ListUpdatesCommand({ name: o.clusterName })),
                o.clusterName,
              )
            ).updateIds ?? [];
          updateId = ids[ids.length - 1];
        } else {
          updateId = (
            await awsCall(
              'eks:UpdateClusterVersion',
              () => services.eks.send(new sdk.UpdateClusterVersionCommand({ name: o.clusterName, version })),
              o.clusterName,
            )
          ).update?.id;
        }
        if (updateId !== undefined)
          await waitForEksUpdate(
            services.eks,
            { name: o.clusterName, updateId },
            signal,
            interval,
            `control plane ${version}`,
          );
      }
      return { version, kubernetesVersion: version };
    },
  };
}

/** Upgrade one node group, waiting for an update already in progress instead of starting a second one. */
async function upgradeNodeGroup(
  o: UpgradePhaseOptions,
  ng: { configName: string; eksName: string },
  { services, outputs, signal, host }: StepContext<UpgradeServices>,
): Promise<StepOutputs> {
  const interval = o.pollIntervalMs;
  const version = outputs.gate?.kubernetesTo as string;
  const sdk = await import('@aws-sdk/client-eks');
  const what = `node group ${ng.eksName} ${version}`;
  const describe = async () =>
    (
      await awsCall(
        'eks:DescribeNodegroup',
        () =>
          services.eks.send(
            new sdk.DescribeNodegroupCommand({ clusterName: o.clusterName, nodegroupName: ng.eksName }),
          ),
        ng.eksName,
      )
    ).nodegroup;
  // an update already running (this upgrade before a crash, or anyone's): wait for it instead of a second
  // UpdateNodegroupVersion, which EKS refuses with ResourceInUseException
  const waitForRunning = async (): Promise<boolean> => {
    const updateId = await inProgressUpdate(services.eks, o.clusterName, ng.eksName);
    if (updateId === undefined) return false;
    host.emit({
      level: 'info',
      code: 'UPGRADE_UPDATE_IN_PROGRESS',
      message: `Node group ${ng.eksName} is already updating (${updateId}): waiting for that update.`,
    });
    await waitForEksUpdate(
      services.eks,
      { name: o.clusterName, nodegroupName: ng.eksName, updateId },
      signal,
      interval,
      what,
    );
    return true;
  };
  let group = await describe();
  if (group?.status === 'UPDATING' && (await waitForRunning())) group = await describe();
  if (group?.version === version) return { version };
  let updateId: string | undefined;
  try {
    updateId = (
      await services.eks.send(
        new sdk.UpdateNodegroupVersionCommand({ clusterName: o.clusterName, nodegroupName: ng.eksName, version }),
      )
    ).update?.id;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException' || !(await waitForRunning())) {
      await awsCall('eks:UpdateNodegroupVersion', () => Promise.reject(error), ng.eksName); // throws, wrapped
    }
    if ((await describe())?.version === version) return { version };
    updateId = (
      await awsCall(
        'eks:UpdateNodegroupVersion',
        () =>
          services.eks.send(
            new sdk.UpdateNodegroupVersionCommand({
              clusterName: o.clusterName,
              nodegroupName: ng.eksName,
              version,
            }),
          ),
        ng.eksName,
      )
    ).update?.id;
  }
  if (updateId)
    await waitForEksUpdate(
      services.eks,
      { name: o.clusterName, nodegroupName: ng.eksName, updateId },
      signal,
      interval,
      what,
    );
  return { version };
}

/** The `i`th node group's upgrade (after the previous group's, the first after the control plane's write-back). */
export function nodeGroupStep(
  o: UpgradePhaseOptions,
  ng: { configName: string; eksName: string },
  i: number,
): Step<UpgradeServices> {
  return {
    id: `nodegroup-${ng.configName}`,
    title: `Upgrade node group ${ng.configName}`,
    dependsOn: [i === 0 ? 'config-kubernetes-version' : `nodegroup-${o.nodeGroups[i - 1]?.configName as string}`],
    expectedSeconds: 1200,
    enabled: o.kubernetesVersion !== undefined,
    async isDone({ services, outputs }) {
      const { DescribeNodegroupCommand } = await import('@aws-sdk/client-eks');
      const group = (
        await awsCall(
          'eks:DescribeNodegroup',
          () =>
            services.eks.send(new DescribeNodegroupCommand({ clusterName: o.clusterName, nodegroupName: ng.eksName })),
          ng.eksName,
        )
      ).nodegroup;
      return group?.version === outputs.gate?.kubernetesTo && group?.status === 'ACTIVE'
        ? { version: group.version as string }
        : undefined;
    },
    run: (ctx) => upgradeNodeGroup(o, ng, ctx),
  };
}

export function addonsStep(o: UpgradePhaseOptions, dependsOn: string): Step<UpgradeServices> {
  const interval = o.pollIntervalMs;
  return {
    id: 'addons',
    title: 'Update the EKS add-ons for the new version',
    dependsOn: [dependsOn],
    expectedSeconds: 300,
    enabled: o.kubernetesVersion !== undefined,
    async run({ services, outputs, signal }) {
      const sdk = await import('@aws-sdk/client-eks');
      const updated: string[] = [];
      for (const entry of (outputs.gate?.addons as string[] | undefined) ?? []) {
        const [addonName, addonVersion] = entry.split('=') as [string, string];
        const current = (
          await awsCall(
            'eks:DescribeAddon',
            () => services.eks.send(new sdk.DescribeAddonCommand({ clusterName: o.clusterName, addonName })),
            addonName,
          )
        ).addon?.addonVersion;
        if (current === addonVersion) continue;
        const update = await awsCall(
          'eks:UpdateAddon',
          () =>
            services.eks.send(
              new sdk.UpdateAddonCommand({
                clusterName: o.clusterName,
                addonName,
                addonVersion,
                resolveConflicts: 'PRESERVE',
              }),
            ),
          addonName,
        );
        if (update.update?.id)
          await waitForEksUpdate(
            services.eks,
            { name: o.clusterName, addonName, updateId: update.update.id },
            signal,
            interval,
            `add-on ${addonName} ${addonVersion}`,
          );
        updated.push(entry);
      }
      return { updated };
    },
  };
}
