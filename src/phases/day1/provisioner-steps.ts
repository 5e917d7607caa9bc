/** Day 1's external provisioners: the key as a Kubernetes secret, their RBAC and Helm release, the connected daemons. */
import { NAMESPACES } from '../../config/profiles.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import { secretNames } from '../../deployment/outputs.js';
import type { Step } from '../../engine/types.js';
import { UserError } from '../../errors.js';
import { K8S_SECRETS, RELEASES } from './helm-values/common.js';
import {
  buildProvisionerValues,
  provisionerWorkspaceRbac,
  validateProvisionerValues,
} from './helm-values/provisioner.js';
import { bundledWorkspaceRoleRules } from './workspace-rbac.js';
import {
  assertChartAvailable,
  canonical,
  coderChart,
  CLUSTER_STEP_IDS as ids,
  releaseIsCurrent,
  TIMEOUTS,
  waitFor,
  withSecrets,
} from './cluster-common.js';
import { plainVersion } from './coder-release-steps.js';
import type { Day1Services } from './services.js';

async function connectedDaemons(services: Day1Services): Promise<{ connected: number; names: string[] }> {
  const client = await services.coder();
  const daemons = await client.listProvisionerDaemons('default');
  const want = services.config.coder.version;
  const ours = daemons.filter(
    (d) =>
      d.key_name === services.config.coder.provisioners.keyName &&
      (d.status === 'idle' || d.status === 'busy') &&
      (d.version === undefined || plainVersion(d.version) === want),
  );
  return { connected: ours.length, names: ours.map((d) => d.name).sort() };
}

export function provisionerSecretStep(config: CoderPlatformConfig): Step<Day1Services> {
  const deployment = config.deployment.name;
  const provisionerKeyValue = async (services: Day1Services): Promise<string> => {
    const name = secretNames(deployment).provisionerKey;
    const value = await services.secrets.get(name);
    if (value === undefined)
      throw new UserError(`The provisioner key is not in Secrets Manager (${name}).`, {
        nextSteps: ['Run `coder-platform day1 --from provisioner-key`.'],
      });
    return value;
  };
  return {
    id: ids.provisionerSecret,
    title: `Store the provisioner key as ${NAMESPACES.provisioners}/${K8S_SECRETS.provisionerKey.name}`,
    dependsOn: [ids.namespaces, 'provisioner-key'],
    expectedSeconds: 5,
    isDone: async ({ services }) => {
      const key = await provisionerKeyValue(services);
      return withSecrets([key], async () => {
        const current = await services.kubectl.getSecretData(K8S_SECRETS.provisionerKey.name, NAMESPACES.provisioners);
        return current?.[K8S_SECRETS.provisionerKey.key] === key
          ? { secret: `${NAMESPACES.provisioners}/${K8S_SECRETS.provisionerKey.name}` }
          : undefined;
      });
    },
    run: async ({ services, host }) => {
      const key = await provisionerKeyValue(services);
      return withSecrets([key], async () => {
        const existed =
          (await services.kubectl.getSecretData(K8S_SECRETS.provisionerKey.name, NAMESPACES.provisioners)) !==
          undefined;
        await services.kubectl.createSecret(K8S_SECRETS.provisionerKey.name, NAMESPACES.provisioners, {
          [K8S_SECRETS.provisionerKey.key]: key,
        });
        // running daemons read the key at start: restart them onto the new one
        if (
          existed &&
          (await services.kubectl.get('deployment', RELEASES.provisioner, NAMESPACES.provisioners)) !== undefined
        ) {
          await services.kubectl.rolloutRestart('deployment', RELEASES.provisioner, NAMESPACES.provisioners);
          host.emit({
            level: 'info',
            code: 'DAY1_PROVISIONERS_RESTARTED',
            message: 'The provisioner key changed; the provisioner pods are restarting with it.',
          });
        }
        return { secret: `${NAMESPACES.provisioners}/${K8S_SECRETS.provisionerKey.name}` };
      });
    },
  };
}

export function provisionerReleaseStep(config: CoderPlatformConfig): Step<Day1Services> {
  const provisionerValues = () => {
    const values = buildProvisionerValues(config);
    validateProvisionerValues(values);
    return values;
  };
  const rbacReady = async (services: Day1Services) => {
    for (const m of provisionerWorkspaceRbac(await bundledWorkspaceRoleRules())) {
      const meta = m.metadata as { name: string; namespace: string };
      const got = await services.kubectl.get<{ rules?: unknown }>(
        `${String(m.kind).toLowerCase()}.rbac.authorization.k8s.io`,
        meta.name,
        meta.namespace,
      );
      if (got === undefined || (m.kind === 'Role' && canonical(got.rules) !== canonical(m.rules))) return false;
    }
    return true;
  };
  return {
    id: ids.provisionerRelease,
    title: `helm upgrade --install coder-provisioner ${config.coder.version} (${config.coder.provisioners.replicas} replicas)`,
    dependsOn: [ids.provisionerSecret, ids.coderHealthy],
    expectedSeconds: 180,
    isDone: async ({ services }) => {
      const values = provisionerValues();
      if (!(await rbacReady(services))) return undefined;
      if (
        !(await releaseIsCurrent(services.helm, {
          release: RELEASES.provisioner,
          namespace: NAMESPACES.provisioners,
          version: config.coder.version,
          values,
        }))
      )
        return undefined;
      return {
        release: RELEASES.provisioner,
        namespace: NAMESPACES.provisioners,
        chartVersion: config.coder.version,
        replicas: config.coder.provisioners.replicas,
      };
    },
    run: async ({ services, host }) => {
      const values = provisionerValues();
      const source = coderChart(config, 'coder-provisioner');
      await assertChartAvailable(services.helm, source, 'coder-provisioner');
      await services.kubectl.apply(provisionerWorkspaceRbac(await bundledWorkspaceRoleRules()));
      host.emit({
        level: 'info',
        code: 'DAY1_HELM_INSTALL',
        message: `helm upgrade --install coder-provisioner ${config.coder.version} in ${NAMESPACES.provisioners}`,
        data: { release: RELEASES.provisioner, version: config.coder.version },
      });
      await services.helm.upgradeInstall({
        release: RELEASES.provisioner,
        ...source,
        namespace: NAMESPACES.provisioners,
        values,
        wait: true,
        timeoutSeconds: TIMEOUTS.provisioner,
      });
      return {
        release: RELEASES.provisioner,
        namespace: NAMESPACES.provisioners,
        chartVersion: config.coder.version,
        replicas: config.coder.provisioners.replicas,
      };
    },
  };
}

export function provisionersConnectedStep(config: CoderPlatformConfig): Step<Day1Services> {
  const wanted = config.coder.provisioners.replicas * config.coder.provisioners.daemonsPerReplica;
  return {
    id: ids.provisionersConnected,
    title: `Wait for ${wanted} provisioner daemon${wanted === 1 ? '' : 's'} to connect`,
    dependsOn: [ids.provisionerRelease],
    expectedSeconds: 60,
    isDone: async ({ services }) => {
      const { connected, names } = await connectedDaemons(services);
      return connected >= wanted ? { connected, daemons: names } : undefined;
    },
    run: async (ctx) => {
      let last = 'none connected';
      const result = await waitFor(
        ctx,
        `${wanted} provisioner daemons with key ${config.coder.provisioners.keyName}`,
        TIMEOUTS.daemons,
        async () => {
          const r = await connectedDaemons(ctx.services);
          last = `${r.connected} of ${wanted} connected`;
          return r.connected >= wanted ? r : undefined;
        },
        () => `${last} (kubectl -n ${NAMESPACES.provisioners} logs deploy/${RELEASES.provisioner})`,
      );
      return { connected: result.connected, daemons: result.names };
    },
  };
}
