/**
 * The cluster add-ons Day 1 installs with Helm, from the pinned chart list in assets/helm/addons.json:
 * the AWS Load Balancer Controller (for the TargetGroupBinding to Day 0's NLB) and the cluster autoscaler
 * (provisioner and workspace groups, with the priority expander preferring Spot over its on-demand
 * fallback — seed-facts defect 4). Both run on the control group and use the Pod Identity associations
 * Day 0 created for their service accounts, so no IRSA annotation is set.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoderPlatformConfig } from '../../../config/schema.js';
import type { DeploymentOutputs } from '../../../deployment/outputs.js';
import { BugError } from '../../../errors.js';
import { SERVICE_ACCOUNTS, nodeSelectorFor, tolerationsFor } from './common.js';

export const ADDON_NAMES = ['aws-load-balancer-controller', 'cluster-autoscaler'] as const;
export type AddonName = (typeof ADDON_NAMES)[number];

export interface AddonChart {
  repository: string;
  chart: string;
  version: string;
  release: string;
  namespace: string;
}

/** `<package root>/assets/helm/addons.json`, found by walking up from this module (src or dist). */
export function addonsFile(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const candidate = path.join(dir, 'assets', 'helm', 'addons.json');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new BugError('assets/helm/addons.json is missing from this installation.');
}

export async function loadAddonCharts(file = addonsFile()): Promise<Record<AddonName, AddonChart>> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, Partial<AddonChart>>;
  const result = {} as Record<AddonName, AddonChart>;
  for (const name of ADDON_NAMES) {
    const entry = raw[name];
    if (!entry?.repository || !entry.chart || !entry.version || !entry.release || !entry.namespace) {
      throw new BugError(`${file}: the entry "${name}" needs repository, chart, version, release and namespace.`);
    }
    result[name] = entry as AddonChart;
  }
  return result;
}

export function loadBalancerControllerValues(
  config: CoderPlatformConfig,
  outputs: Pick<DeploymentOutputs, 'vpcId' | 'cluster'>,
): Record<string, unknown> {
  return {
    clusterName: outputs.cluster.name,
    region: config.aws.region,
    vpcId: outputs.vpcId,
    replicaCount: 2,
    serviceAccount: { create: true, name: SERVICE_ACCOUNTS.loadBalancerController.name },
    nodeSelector: nodeSelectorFor(config, 'control'),
    tolerations: tolerationsFor(config, 'control'),
    // only TargetGroupBindings and explicitly annotated objects: never turn other Services into NLBs
    enableServiceMutatorWebhook: false,
  };
}

/**
 * Priority-expander tiers (higher wins) keyed by regexes on the Auto Scaling group names EKS gives
 * managed node groups (`eks-<nodegroup>-<uuid>`): a Spot group above the on-demand group that stands in
 * for it, every other group at the floor.
 */
export function expanderPriorities(
  config: CoderPlatformConfig,
  outputs: Pick<DeploymentOutputs, 'cluster'>,
): Record<string, string[]> {
  const tiers: Record<string, string[]> = { '1': ['.*'] };
  const add = (priority: number, groupName: string) => {
    const eksName = outputs.cluster.nodeGroupNames[groupName] ?? groupName;
    const pattern = `^eks-${eksName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-.*`;
    (tiers[String(priority)] ??= []).push(pattern);
  };
  for (const [name, group] of Object.entries(config.cluster.nodeGroups)) {
    if (group.fallbackFor) {
      add(10, name);
      add(50, group.fallbackFor);
    }
  }
  return tiers;
}

export function clusterAutoscalerValues(
  config: CoderPlatformConfig,
  outputs: Pick<DeploymentOutputs, 'cluster'>,
): Record<string, unknown> {
  return {
    cloudProvider: 'aws',
    awsRegion: config.aws.region,
    autoDiscovery: { clusterName: outputs.cluster.name },
    rbac: { create: true, serviceAccount: { create: true, name: SERVICE_ACCOUNTS.clusterAutoscaler.name } },
    nodeSelector: nodeSelectorFor(config, 'control'),
    tolerations: tolerationsFor(config, 'control'),
    expanderPriorities: expanderPriorities(config, outputs),
    extraArgs: {
      expander: 'priority,least-waste',
      'balance-similar-node-groups': true,
      // coderd and the provisioners use emptyDir (not a reason to keep a node); every pod that must not be
      // evicted says so itself: coderd, the provisioners and each workspace pod (base-k8s) carry
      // safe-to-evict "false", so a node under a running workspace is never removed however idle it looks
      'skip-nodes-with-local-storage': false,
      // empty workspace nodes qualify within 10 min of the workspaces' quiet-hours stop (18:00), before the
      // evening scale-down lowers the minimum (18:15; seed-facts defect 23)
      'scale-down-unneeded-time': '10m',
    },
    podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
  };
}

export function addonValues(
  name: AddonName,
  config: CoderPlatformConfig,
  outputs: Pick<DeploymentOutputs, 'vpcId' | 'cluster'>,
): Record<string, unknown> {
  return name === 'aws-load-balancer-controller'
    ? loadBalancerControllerValues(config, outputs)
    : clusterAutoscalerValues(config, outputs);
}
