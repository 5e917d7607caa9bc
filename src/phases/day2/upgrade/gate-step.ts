/** The gate step: what the upgrade goes from and to, checked before anything changes. */
import { awsCall } from '../../../aws/clients.js';
import { ExternalError } from '../../../errors.js';
import type { EventHost } from '../../../engine/host.js';
import type { Step, StepOutputs } from '../../../engine/types.js';
import { snapshotIdentifier } from './snapshot.js';
import { checkInsights, planAddons, planCoderUpgrade, planKubernetesUpgrade } from './gate.js';
import { runningCoderVersion } from './coder-upgrade.js';
import type { UpgradePhaseOptions, UpgradeServices } from './types.js';

/** Coder's side of the gate: the running and target versions, the charts exist, the snapshot's name. */
async function gateCoder(
  o: UpgradePhaseOptions,
  coderVersion: string,
  services: UpgradeServices,
  host: EventHost,
): Promise<StepOutputs> {
  const plan = planCoderUpgrade(await runningCoderVersion(services.coder), coderVersion);
  for (const r of o.releases) {
    if (!(await services.helm.chartVersionExists(o.chartSource(r.chart, plan.to)))) {
      throw new ExternalError('helm', `show chart ${r.chart}`, `chart ${r.chart} version ${plan.to} was not found`, {
        nextSteps: [
          'Check the version on https://github.com/coder/coder/releases, or pass --chart-archive DIR with coder-<version>.tgz and coder-provisioner-<version>.tgz.',
        ],
      });
    }
  }
  if (plan.minorsCrossed > 1)
    host.emit({
      level: 'warn',
      code: 'UPGRADE_LARGE_JUMP',
      message: `Coder ${plan.from} → ${plan.to} crosses ${plan.minorsCrossed} minor versions: every migration runs in one go (usually 4–7 min; over 15 min is abnormal).`,
    });
  if (plan.action === 'none')
    host.emit({
      level: 'info',
      code: 'UPGRADE_CODER_CURRENT',
      message: `Coder already runs ${plan.to}: no snapshot; the releases are only checked.`,
    });
  return {
    coderFrom: plan.from,
    coderTo: plan.to,
    snapshotId: plan.action === 'none' ? null : snapshotIdentifier(o.deployment, plan.from, plan.to, services.now()),
  };
}

/** Kubernetes' side of the gate: the control plane's version, upgrade insights, the add-on versions. */
async function gateKubernetes(
  o: UpgradePhaseOptions,
  kubernetesVersion: string,
  services: UpgradeServices,
  host: EventHost,
): Promise<StepOutputs> {
  const { DescribeClusterCommand } = await import('@aws-sdk/client-eks');
  const cluster = (
    await awsCall(
      'eks:DescribeCluster',
      () => services.eks.send(new DescribeClusterCommand({ name: o.clusterName })),
      o.clusterName,
    )
  ).cluster;
  const plan = planKubernetesUpgrade(cluster?.version ?? '', kubernetesVersion);
  const findings = await checkInsights(services.eks, o.clusterName, plan.to);
  for (const f of findings)
    host.emit({ level: 'warn', code: 'UPGRADE_INSIGHT_WARNING', message: `${f.name}: ${f.recommendation}` });
  const addons = await planAddons(services.eks, o.clusterName, plan.to);
  return { kubernetesFrom: plan.from, kubernetesTo: plan.to, addons: addons.map((a) => `${a.name}=${a.to}`) };
}

export function gateStep(o: UpgradePhaseOptions): Step<UpgradeServices> {
  return {
    id: 'gate',
    title: 'Check the upgrade is allowed (versions, chart, add-ons, insights)',
    expectedSeconds: 20,
    async run({ services, host }) {
      const out: StepOutputs = {
        coderFrom: null,
        coderTo: null,
        snapshotId: null,
        kubernetesFrom: null,
        kubernetesTo: null,
        addons: [],
      };
      if (o.coderVersion !== undefined) Object.assign(out, await gateCoder(o, o.coderVersion, services, host));
      if (o.kubernetesVersion !== undefined)
        Object.assign(out, await gateKubernetes(o, o.kubernetesVersion, services, host));
      return out;
    },
  };
}
