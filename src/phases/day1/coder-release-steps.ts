/**
 * Day 1's coderd on the cluster: the database-URL (and OIDC client) secret, the coder Helm release, its binding
 * to Day 0's load balancer and the wait for a healthy Coder of the configured version.
 */
import { NAMESPACES } from '../../config/profiles.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { DeploymentOutputs } from '../../deployment/outputs.js';
import type { Step } from '../../engine/types.js';
import { CheckFailedError, UserError } from '../../errors.js';
import { K8S_SECRETS, RELEASES } from './helm-values/common.js';
import { buildCoderValues, coderTargetGroupBinding, validateCoderValues } from './helm-values/coder.js';
import {
  assertChartAvailable,
  coderChart,
  CLUSTER_STEP_IDS as ids,
  releaseIsCurrent,
  TIMEOUTS,
  waitFor,
  withSecrets,
} from './cluster-common.js';
import type { Day1Services } from './services.js';

/** `postgres://user:<url-encoded password>@<writer>:<port>/<db>?sslmode=require`, in memory only. */
export function databaseUrl(o: {
  username: string;
  password: string;
  host: string;
  port: number;
  database: string;
}): string {
  return `postgres://${encodeURIComponent(o.username)}:${encodeURIComponent(o.password)}@${o.host}:${o.port}/${encodeURIComponent(o.database)}?sslmode=require`;
}

async function desiredDbUrl(services: Day1Services, outputs: DeploymentOutputs): Promise<string> {
  const raw = await services.secrets.get(outputs.database.secretArn);
  if (raw === undefined) {
    throw new UserError(`The database secret ${outputs.database.secretArn} has no value.`, {
      nextSteps: ['Run `coder-platform day0 deploy` to repair the data stack.'],
    });
  }
  let parsed: { username?: unknown; password?: unknown };
  try {
    parsed = JSON.parse(raw) as { username?: unknown; password?: unknown };
  } catch {
    throw new UserError(
      `The database secret ${outputs.database.secretArn} is not the JSON document RDS writes (username, password, …).`,
    );
  }
  if (typeof parsed.password !== 'string' || parsed.password === '') {
    throw new UserError(`The database secret ${outputs.database.secretArn} has no password field.`);
  }
  return databaseUrl({
    username: typeof parsed.username === 'string' ? parsed.username : services.config.database.masterUsername,
    password: parsed.password,
    host: outputs.database.writerEndpoint,
    port: outputs.database.port,
    database: services.config.database.databaseName,
  });
}

/** The Kubernetes secrets coderd reads, with their desired content (never leaves memory). */
async function coderSecrets(
  services: Day1Services,
  outputs: DeploymentOutputs,
): Promise<{ name: string; key: string; value: string }[]> {
  const list: { name: string; key: string; value: string }[] = [
    { name: K8S_SECRETS.dbUrl.name, key: K8S_SECRETS.dbUrl.key, value: await desiredDbUrl(services, outputs) },
  ];
  const oidc = services.config.coder.oidc;
  if (oidc)
    list.push({
      name: K8S_SECRETS.oidcClientSecret.name,
      key: K8S_SECRETS.oidcClientSecret.key,
      value: await services.secrets.resolve(oidc.clientSecret),
    });
  return list;
}

/** `v2.35.3+abc` → `2.35.3` */
export function plainVersion(version: string): string {
  return version.replace(/^v/, '').split('+')[0] ?? version;
}

interface DeploymentStatus {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

async function deploymentReady(services: Day1Services, name: string, namespace: string): Promise<boolean> {
  const d = await services.kubectl.get<DeploymentStatus>('deployment', name, namespace);
  const want = d?.spec?.replicas ?? 1;
  return d !== undefined && (d.status?.readyReplicas ?? 0) >= want && (d.status?.updatedReplicas ?? 0) >= want;
}

/** healthz 200 and the expected version, or a description of what is wrong. */
async function coderServing(
  services: Day1Services,
): Promise<{ ok: true; version: string } | { ok: false; reason: string; fatal?: boolean }> {
  const client = services.coderAnonymous();
  let healthy: boolean;
  try {
    healthy = await client.healthz();
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  if (!healthy) return { ok: false, reason: `${client.baseUrl}/healthz is not 200 yet` };
  let info: { version: string };
  try {
    info = await client.buildInfo();
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  const want = services.config.coder.version;
  if (plainVersion(info.version) !== want)
    return { ok: false, reason: `${client.baseUrl} serves Coder ${info.version}, expected ${want}`, fatal: true };
  return { ok: true, version: info.version };
}

export function dbSecretStep(config: CoderPlatformConfig): Step<Day1Services> {
  return {
    id: ids.dbSecret,
    title: config.coder.oidc
      ? 'Sync the database URL and OIDC client secret into Kubernetes'
      : 'Sync the database URL into Kubernetes',
    dependsOn: [ids.namespaces],
    expectedSeconds: 5,
    isDone: async ({ services }) => {
      const wanted = await coderSecrets(services, await services.deploymentOutputs());
      return withSecrets(
        wanted.map((w) => w.value),
        async () => {
          for (const w of wanted) {
            const current = await services.kubectl.getSecretData(w.name, NAMESPACES.coder);
            if (current?.[w.key] !== w.value) return undefined;
          }
          return { secrets: wanted.map((w) => `${NAMESPACES.coder}/${w.name}`) };
        },
      );
    },
    run: async ({ services, host }) => {
      const wanted = await coderSecrets(services, await services.deploymentOutputs());
      return withSecrets(
        wanted.map((w) => w.value),
        async () => {
          const changed: string[] = [];
          for (const w of wanted) {
            const current = await services.kubectl.getSecretData(w.name, NAMESPACES.coder);
            if (current?.[w.key] === w.value) continue;
            await services.kubectl.createSecret(w.name, NAMESPACES.coder, { [w.key]: w.value });
            if (current !== undefined) changed.push(w.name);
          }
          // coderd reads these at start: after a rotation, restart it onto the new values
          if (
            changed.length > 0 &&
            (await services.kubectl.get('deployment', 'coder', NAMESPACES.coder)) !== undefined
          ) {
            await services.kubectl.rolloutRestart('deployment', 'coder', NAMESPACES.coder);
            host.emit({
              level: 'info',
              code: 'DAY1_CODERD_RESTARTED',
              message: `${changed.join(' and ')} changed; coderd is restarting with the new value.`,
              data: { secrets: changed },
            });
          }
          return { secrets: wanted.map((w) => `${NAMESPACES.coder}/${w.name}`) };
        },
      );
    },
  };
}

export function coderReleaseStep(config: CoderPlatformConfig): Step<Day1Services> {
  const coderValues = async (services: Day1Services) => {
    const values = buildCoderValues(config, await services.deploymentOutputs());
    validateCoderValues(values);
    return values;
  };
  return {
    id: ids.coderRelease,
    title: `helm upgrade --install coder ${config.coder.version}`,
    dependsOn: [ids.addons, ids.dbSecret],
    expectedSeconds: 240,
    isDone: async ({ services }) => {
      const values = await coderValues(services);
      if (
        !(await releaseIsCurrent(services.helm, {
          release: RELEASES.coder,
          namespace: NAMESPACES.coder,
          version: config.coder.version,
          values,
        }))
      )
        return undefined;
      return { release: RELEASES.coder, namespace: NAMESPACES.coder, chartVersion: config.coder.version };
    },
    run: async ({ services, host }) => {
      const values = await coderValues(services);
      const source = coderChart(config, 'coder');
      await assertChartAvailable(services.helm, source, 'coder');
      host.emit({
        level: 'info',
        code: 'DAY1_HELM_INSTALL',
        message: `helm upgrade --install coder ${config.coder.version} in ${NAMESPACES.coder} (${config.coder.replicas} replicas)`,
        data: { release: RELEASES.coder, version: config.coder.version },
      });
      // no --atomic: Coder migrates its database on start and does not support rolling back (coder-helm.md §3)
      await services.helm.upgradeInstall({
        release: RELEASES.coder,
        ...source,
        namespace: NAMESPACES.coder,
        values,
        wait: true,
        timeoutSeconds: TIMEOUTS.coder,
      });
      return { release: RELEASES.coder, namespace: NAMESPACES.coder, chartVersion: config.coder.version };
    },
  };
}

export function targetGroupBindingStep(): Step<Day1Services> {
  return {
    id: ids.targetGroupBinding,
    title: "Bind coderd to Day 0's load balancer target group",
    dependsOn: [ids.coderRelease],
    expectedSeconds: 10,
    isDone: async ({ services }) => {
      const outputs = await services.deploymentOutputs();
      const tgb = await services.kubectl.get<{
        spec?: { targetGroupARN?: string; serviceRef?: { name?: string; port?: number } };
      }>('targetgroupbindings.elbv2.k8s.aws', 'coder', NAMESPACES.coder);
      const want = coderTargetGroupBinding(outputs).spec as {
        targetGroupARN: string;
        serviceRef: { name: string; port: number };
      };
      if (
        tgb?.spec?.targetGroupARN !== want.targetGroupARN ||
        tgb.spec.serviceRef?.name !== want.serviceRef.name ||
        tgb.spec.serviceRef.port !== want.serviceRef.port
      )
        return undefined;
      return { targetGroupArn: want.targetGroupARN };
    },
    run: async ({ services }) => {
      const outputs = await services.deploymentOutputs();
      await services.kubectl.apply([coderTargetGroupBinding(outputs)]);
      return { targetGroupArn: outputs.edge.targetGroupArn };
    },
  };
}

export function coderHealthyStep(config: CoderPlatformConfig): Step<Day1Services> {
  return {
    id: ids.coderHealthy,
    title: `Wait for Coder ${config.coder.version} at https://${config.dns.subdomain}.${config.dns.domain}`,
    dependsOn: [ids.targetGroupBinding],
    expectedSeconds: 120,
    isDone: async ({ services }) => {
      if (!(await deploymentReady(services, 'coder', NAMESPACES.coder))) return undefined;
      const serving = await coderServing(services);
      return serving.ok
        ? {
            version: serving.version,
            coderVersion: plainVersion(serving.version),
            url: services.coderAnonymous().baseUrl,
          }
        : undefined;
    },
    run: async (ctx) => {
      const { services } = ctx;
      await services.kubectl.rolloutStatus('deployment', 'coder', NAMESPACES.coder, TIMEOUTS.coder);
      let last = 'no answer yet';
      const version = await waitFor(
        ctx,
        `Coder at ${services.coderAnonymous().baseUrl}`,
        TIMEOUTS.health,
        async () => {
          const serving = await coderServing(services);
          if (serving.ok) return serving.version;
          if (serving.fatal)
            throw new CheckFailedError(`${serving.reason}.`, {
              nextSteps: [
                'Check coder.version and the deployed image: kubectl -n coder get deploy coder -o jsonpath={..image}',
              ],
            });
          last = serving.reason;
          return undefined;
        },
        () => last,
      );
      // coderVersion: what `coder-platform status` reports as the running Coder.
      return { version, coderVersion: plainVersion(version), url: services.coderAnonymous().baseUrl };
    },
  };
}
