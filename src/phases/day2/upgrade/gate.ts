/**
 * The upgrade gate: what may be upgraded, to what, and why not. Version rules are pure functions; the
 * EKS probes (cluster version, add-on compatibility, upgrade insights) read AWS and return findings.
 *
 * Coder (coder-helm.md §3): no downgrades (a downgrade needs the pre-upgrade database restored), forward
 * jumps across minors are allowed (migrations run in order; large jumps take minutes), a major change is
 * refused. Kubernetes (EKS): one minor version at a time, never down; add-ons must have a version for the
 * target; upgrade-readiness insights in ERROR block the upgrade.
 */
import type { EKSClient } from '@aws-sdk/client-eks';
import { awsCall } from '../../../aws/clients.js';
import { UserError } from '../../../errors.js';

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

/** `v2.35.3+1a2b3c`, `2.35.3`, `v2.36.0-rc.1` → 2.35.3 / 2.36.0. */
export function parseSemver(value: string): SemVer | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(value.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export function compareSemver(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

const fmt = (v: SemVer): string => `${v.major}.${v.minor}.${v.patch}`;

export type CoderPlan = { action: 'upgrade' | 'none'; from: string; to: string; minorsCrossed: number };

/** Decide a Coder version change; throws UserError for a downgrade or a major change. */
export function planCoderUpgrade(current: string, target: string): CoderPlan {
  const from = parseSemver(current);
  const to = parseSemver(target);
  if (to === undefined)
    throw new UserError(`--coder-version ${target} is not a version such as 2.36.1.`, {
      nextSteps: ['Pass the chart version without a leading v, e.g. --coder-version 2.36.1.'],
    });
  if (from === undefined)
    throw new UserError(`The running Coder reports version "${current}", which cannot be compared.`, {
      nextSteps: ['Check /api/v2/buildinfo; development builds cannot be upgraded by version.'],
    });
  const order = compareSemver(to, from);
  if (order < 0) {
    throw new UserError(
      `Coder ${fmt(to)} is older than the running ${fmt(from)}: Coder does not support downgrades. The database has already been migrated by ${fmt(from)}; going back needs the database restored from a snapshot taken before that upgrade, then a helm rollback.`,
      {
        nextSteps: [
          'Find the pre-upgrade snapshot (named <deployment>-pre-upgrade-…) with `aws rds describe-db-cluster-snapshots` or `describe-db-snapshots`, restore it, then `helm rollback coder`.',
        ],
      },
    );
  }
  if (to.major !== from.major) {
    throw new UserError(
      `Coder ${fmt(to)} changes the major version from ${from.major}: read its release notes and upgrade manually.`,
      { nextSteps: ['Upgrade to the newest release of the current major version instead.'] },
    );
  }
  return {
    action: order === 0 ? 'none' : 'upgrade',
    from: fmt(from),
    to: fmt(to),
    minorsCrossed: to.minor - from.minor,
  };
}

/** `1.33` → 33 (EKS versions are 1.x). */
function k8sMinor(version: string): number {
  const match = /^1\.(\d+)$/.exec(version.trim());
  if (!match)
    throw new UserError(`Kubernetes version ${version} is not a 1.x minor version such as 1.34.`, {
      nextSteps: ['Pass e.g. --kubernetes-version 1.34.'],
    });
  return Number(match[1]);
}

export type KubernetesPlan = { action: 'upgrade' | 'none'; from: string; to: string };

/** One minor at a time, never down. */
export function planKubernetesUpgrade(current: string, target: string): KubernetesPlan {
  const from = k8sMinor(current);
  const to = k8sMinor(target);
  if (to < from)
    throw new UserError(`EKS cannot downgrade Kubernetes: the cluster runs ${current}, ${target} is older.`, {
      nextSteps: ['Keep the current version, or build a new cluster at the older version.'],
    });
  if (to > from + 1) {
    throw new UserError(
      `Kubernetes upgrades go one minor version at a time: the cluster runs ${current}, so the next is 1.${from + 1}, not ${target}.`,
      {
        nextSteps: [`Run \`coder-platform day2 upgrade --kubernetes-version 1.${from + 1}\` first, then ${target}.`],
      },
    );
  }
  return { action: to === from ? 'none' : 'upgrade', from: current, to: target };
}

export interface AddonPlan {
  name: string;
  from: string;
  to: string;
}

/**
 * Each installed add-on's version for the target: kept when compatible, else the default version for the
 * target (DescribeAddonVersions). Throws when an add-on has no version for the target.
 */
export async function planAddons(eks: EKSClient, clusterName: string, target: string): Promise<AddonPlan[]> {
  const sdk = await import('@aws-sdk/client-eks');
  const names =
    (await awsCall('eks:ListAddons', () => eks.send(new sdk.ListAddonsCommand({ clusterName })), clusterName)).addons ??
    [];
  const plans: AddonPlan[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const current =
      (
        await awsCall(
          'eks:DescribeAddon',
          () => eks.send(new sdk.DescribeAddonCommand({ clusterName, addonName: name })),
          name,
        )
      ).addon?.addonVersion ?? '';
    const info = (
      await awsCall(
        'eks:DescribeAddonVersions',
        () => eks.send(new sdk.DescribeAddonVersionsCommand({ addonName: name, kubernetesVersion: target })),
        name,
      )
    ).addons?.[0];
    const versions = info?.addonVersions ?? [];
    if (versions.length === 0) {
      missing.push(name);
      continue;
    }
    if (versions.some((v) => v.addonVersion === current)) {
      plans.push({ name, from: current, to: current });
      continue;
    }
    const preferred =
      versions.find((v) =>
        (v.compatibilities ?? []).some((c) => c.clusterVersion === target && c.defaultVersion === true),
      ) ?? versions[0];
    plans.push({ name, from: current, to: preferred?.addonVersion as string });
  }
  if (missing.length > 0) {
    throw new UserError(
      `No version of the add-on${missing.length === 1 ? '' : 's'} ${missing.join(', ')} supports Kubernetes ${target}.`,
      { nextSteps: ['Wait for compatible add-on versions, or remove the add-on before upgrading.'] },
    );
  }
  return plans;
}

export interface InsightFinding {
  name: string;
  status: string;
  recommendation: string;
}

/** Upgrade-readiness insights for the target: ERROR findings block, WARNING findings are returned. */
export async function checkInsights(eks: EKSClient, clusterName: string, target: string): Promise<InsightFinding[]> {
  const sdk = await import('@aws-sdk/client-eks');
  const findings: InsightFinding[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall(
      'eks:ListInsights',
      () =>
        eks.send(
          new sdk.ListInsightsCommand({
            clusterName,
            filter: { categories: ['UPGRADE_READINESS'], kubernetesVersions: [target] },
            ...(nextToken ? { nextToken } : {}),
          }),
        ),
      clusterName,
    );
    for (const insight of page.insights ?? []) {
      const status = insight.insightStatus?.status ?? 'UNKNOWN';
      if (status === 'PASSING') continue;
      const detail = await awsCall(
        'eks:DescribeInsight',
        () => eks.send(new sdk.DescribeInsightCommand({ clusterName, id: insight.id as string })),
        insight.id,
      );
      findings.push({
        name: insight.name ?? insight.id ?? 'insight',
        status,
        recommendation: detail.insight?.recommendation ?? insight.insightStatus?.reason ?? '',
      });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  const errors = findings.filter((f) => f.status === 'ERROR');
  if (errors.length > 0) {
    throw new UserError(`EKS upgrade insights block Kubernetes ${target}: ${errors.map((e) => e.name).join('; ')}.`, {
      nextSteps: errors.map((e) => `${e.name}: ${e.recommendation}`),
    });
  }
  return findings;
}
