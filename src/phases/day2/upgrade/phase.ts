/**
 * Phase `day2-upgrade`: gate → pre-upgrade database snapshot → Coder (helm upgrade with the stored values
 * and the new version, rollout, /healthz and buildinfo; automatic rollback on failure) → Kubernetes
 * (control plane → node groups control, provisioner, workspace → add-ons), each waited for. After the Coder
 * and after the control-plane upgrade, the new version is written back to coder-platform.yaml.
 */
import type { Phase, Step } from '../../../engine/types.js';
import { editConfigFile, readConfigFile } from '../../../config/config-file.js';
import { gateStep } from './gate-step.js';
import { coderUpgradeStep, snapshotStep } from './coder-upgrade.js';
import { addonsStep, controlPlaneStep, nodeGroupStep } from './kubernetes-upgrade.js';
import type { UpgradePhaseOptions, UpgradeServices } from './types.js';

export type { UpgradeHelm, UpgradePhaseOptions, UpgradeRelease, UpgradeServices } from './types.js';

export const UPGRADE_PHASE = 'day2-upgrade';

/**
 * A step that writes the upgraded version back to the config file (comments kept, re-validated), so the next
 * day0 / day1 deploys what now runs instead of downgrading it. Its probe reads the file, so a crash between
 * the upgrade and the write still writes it on the re-run.
 */
function recordVersionStep(
  o: UpgradePhaseOptions,
  id: string,
  dependsOn: string,
  key: ['coder', 'version'] | ['cluster', 'kubernetesVersion'],
  gateKey: 'coderTo' | 'kubernetesTo',
  enabled: boolean,
): Step<UpgradeServices> {
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
      return (key[0] === 'coder' ? config.coder.version : config.cluster.kubernetesVersion) === to
        ? { configPath: o.configPath, key: dotted, value: to, changed: false }
        : undefined;
    },
    async run({ outputs }) {
      const to = outputs.gate?.[gateKey] as string;
      const edited = await editConfigFile(o.configPath, [{ path: key, value: to }]);
      return { configPath: o.configPath, key: dotted, value: to, changed: edited.changed.length > 0 };
    },
  };
}

export function upgradePhase(o: UpgradePhaseOptions): Phase<UpgradeServices> {
  const coderOn = o.coderVersion !== undefined;
  const k8sOn = o.kubernetesVersion !== undefined;
  const recordCoder = recordVersionStep(
    o,
    'config-coder-version',
    'coder-upgrade',
    ['coder', 'version'],
    'coderTo',
    coderOn,
  );
  const recordKubernetes = recordVersionStep(
    o,
    'config-kubernetes-version',
    'control-plane',
    ['cluster', 'kubernetesVersion'],
    'kubernetesTo',
    k8sOn,
  );
  const nodeGroupSteps = o.nodeGroups.map((ng, i) => nodeGroupStep(o, ng, i));
  const addons = addonsStep(
    o,
    nodeGroupSteps.length > 0
      ? (nodeGroupSteps[nodeGroupSteps.length - 1] as Step<UpgradeServices>).id
      : 'config-kubernetes-version',
  );
  return {
    name: UPGRADE_PHASE,
    version: 1,
    steps: [
      gateStep(o),
      snapshotStep(o),
      coderUpgradeStep(o),
      recordCoder,
      controlPlaneStep(o),
      recordKubernetes,
      ...nodeGroupSteps,
      addons,
    ],
  };
}
