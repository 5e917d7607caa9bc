/**
 * The Day 1 steps on the cluster side: Day 0's outputs, the kubeconfig, namespaces and storage, add-ons,
 * the database-URL secret, the coder release and its binding to the NLB, health, the provisioner secret
 * and release, and connected daemons. Every step probes the real state in isDone (Helm release status and
 * values, Kubernetes objects, Coder's API), so a re-run or a lost journal converges.
 *
 * Secrets (database password, OIDC client secret, provisioner key) are read from Secrets Manager at the
 * moment of use and reach Kubernetes only on kubectl's stdin; outputs, events and errors never carry them.
 */
import { NAMESPACES } from '../../config/profiles.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import { secretNames, type DeploymentOutputs } from '../../deployment/outputs.js';
import type { Step, StepContext, StepOutputs } from '../../engine/types.js';
import { CheckFailedError, ExternalError, UserError } from '../../errors.js';
import { ADDON_NAMES, addonValues, loadAddonCharts, type AddonChart } from './helm-values/addons.js';
import { K8S_SECRETS, RELEASES } from './helm-values/common.js';
import { buildCoderValues, coderTargetGroupBinding, validateCoderValues } from './helm-values/coder.js';
import { buildProvisionerValues, provisionerWorkspaceRbac, validateProvisionerValues } from './helm-values/provisioner.js';
import { kubeconfigOptionsFor } from '../../k8s/access.js';
import { platformNetworkPolicies, workspacePodSecurityLevel } from '../../k8s/platform-policies.js';
import { bundledWorkspaceRoleRules } from './workspace-rbac.js';
import { chartSource, type ChartSource, type Helm } from '../../k8s/helm.js';
import { kubeconfigIsCurrent, writeKubeconfig, type KubeconfigOptions } from '../../k8s/kubeconfig.js';
import type { Day1Services } from './services.js';

type Ctx = StepContext<Day1Services>;

export const CLUSTER_STEP_IDS = {
  readOutputs: 'read-outputs',
  kubeconfig: 'kubeconfig',
  namespaces: 'namespaces',
  addons: 'addons',
  dbSecret: 'db-secret',
  coderRelease: 'coder-release',
  targetGroupBinding: 'target-group-binding',
  coderHealthy: 'coder-healthy',
  provisionerSecret: 'provisioner-secret',
  provisionerRelease: 'provisioner-release',
  provisionersConnected: 'provisioners-connected',
} as const;

export const STORAGE_CLASS = 'gp3';
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'coder-platform' };
/** helm --wait timeouts and our own waits, in seconds. */
const TIMEOUTS = { addon: 600, coder: 900, provisioner: 900, health: 600, daemons: 600 };

// ---- helpers ------------------------------------------------------------------------------------------

/** JSON with sorted keys, to compare values documents regardless of key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** Is the release deployed with this chart version and exactly these values? */
export async function releaseIsCurrent(helm: Helm, o: { release: string; namespace: string; version: string; values: Record<string, unknown> }): Promise<boolean> {
  const status = await helm.status(o.release, o.namespace);
  if (status?.info.status !== 'deployed') return false;
  if (status.chart?.metadata?.version !== undefined && status.chart.metadata.version !== o.version) return false;
  return canonical(await helm.getValues(o.release, o.namespace)) === canonical(o.values);
}

/**
 * Replace every occurrence of the given secret values (raw, URL-encoded and base64) in an error's message
 * and stack, in place so the error keeps its class and exit code. A tool may echo what it was sent on
 * stdin (kubectl validation errors do).
 */
export function redactError(error: unknown, secrets: string[]): unknown {
  const needles = secrets.filter((s) => s.length >= 4).flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64')]);
  if (needles.length === 0 || !(error instanceof Error)) return error;
  const scrub = (text: string) => needles.reduce((t, n) => t.split(n).join('[redacted]'), text);
  error.message = scrub(error.message);
  if (error.stack !== undefined) error.stack = scrub(error.stack);
  return error;
}

async function withSecrets<T>(secrets: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw redactError(error, secrets);
  }
}

/** Poll `probe` until it returns a value, honouring the run's abort signal and a deadline. */
async function waitFor<T>(ctx: Ctx, what: string, timeoutSeconds: number, probe: () => Promise<T | undefined>, describeLast: () => string): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new CheckFailedError(`${what} did not happen within ${timeoutSeconds} s: ${describeLast()}.`);
    }
    await ctx.services.sleep(ctx.services.pollMs, ctx.signal);
  }
}

function coderChart(config: CoderPlatformConfig, name: 'coder' | 'coder-provisioner'): ChartSource {
  return chartSource({ name, version: config.coder.version, repository: config.coder.chart.repository, archiveDir: config.coder.chart.archiveDir });
}

async function assertChartAvailable(helm: Helm, source: ChartSource, label: string): Promise<void> {
  if (await helm.chartVersionExists(source)) return;
  const where = source.repo ?? (source.version === undefined ? source.chart : source.chart.replace(/\/[^/]+$/, ''));
  throw new UserError(`Chart ${label}${source.version ? ` version ${source.version}` : ''} is not available from ${where}.`, {
    nextSteps: source.version === undefined ? [`Put ${source.chart} in place (helm pull the chart on a connected machine).`] : [`Check the version (helm search repo ${label} --versions), or set coder.chart.archiveDir for an air-gapped site.`],
  });
}

function kubeconfigOptions(services: Day1Services, outputs: DeploymentOutputs): KubeconfigOptions {
  return kubeconfigOptionsFor(services.config, outputs, services.awsProfile);
}

/** Day 0 outputs a later step may show (ids, names, endpoints; no secret values). */
function outputsSummary(o: DeploymentOutputs): StepOutputs {
  return {
    clusterName: o.cluster.name,
    clusterEndpoint: o.cluster.endpoint,
    vpcId: o.vpcId,
    targetGroupArn: o.edge.targetGroupArn,
    accessUrl: o.edge.accessUrl,
    dbWriterEndpoint: o.database.writerEndpoint,
    dbSecretArn: o.database.secretArn,
  };
}

// ---- namespaces and storage ---------------------------------------------------------------------------

const podSecurity = (level: string) => ({ 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/warn': level });
const RESTRICTED = podSecurity('restricted');

export function namespaceManifests(): Record<string, unknown>[] {
  const ns = (name: string, appName: string, extra: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...MANAGED_BY, 'app.kubernetes.io/part-of': 'coder-platform', 'app.kubernetes.io/name': appName, ...extra } },
  });
  return [
    // Pod Security "restricted": coderd and the provisioners run with restrictedSecurityContext() and only
    // emptyDir volumes; every container of the bundled workspace templates meets it too (a template that
    // cannot must be a written exception in WORKSPACE_POD_SECURITY_EXCEPTIONS, which lowers the level).
    // The workspace NetworkPolicy selects coderd's namespace by app.kubernetes.io/name=coder.
    ns(NAMESPACES.coder, 'coder', RESTRICTED),
    ns(NAMESPACES.provisioners, 'coder-provisioner', RESTRICTED),
    ns(NAMESPACES.workspaces, 'coder-workspaces', podSecurity(workspacePodSecurityLevel())),
  ];
}

export function storageClassManifest(): Record<string, unknown> {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: STORAGE_CLASS, labels: MANAGED_BY, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: 'ebs.csi.aws.com',
    parameters: { type: 'gp3', encrypted: 'true', fsType: 'ext4' },
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
    reclaimPolicy: 'Delete',
  };
}

interface K8sObject {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

async function namespacesReady(services: Day1Services, policies: Record<string, unknown>[]): Promise<boolean> {
  for (const manifest of namespaceManifests()) {
    const want = (manifest.metadata as { name: string; labels: Record<string, string> });
    const got = await services.kubectl.get<K8sObject>('namespace', want.name);
    if (!got || Object.entries(want.labels).some(([k, v]) => got.metadata?.labels?.[k] !== v)) return false;
  }
  for (const p of policies) {
    const meta = p.metadata as { name: string; namespace: string };
    const got = await services.kubectl.get<{ spec?: unknown }>('networkpolicy.networking.k8s.io', meta.name, meta.namespace);
    if (got === undefined || canonical(got.spec) !== canonical(p.spec)) return false;
  }
  const sc = await services.kubectl.get<K8sObject & { provisioner?: string; parameters?: Record<string, string>; volumeBindingMode?: string; allowVolumeExpansion?: boolean }>('storageclass', STORAGE_CLASS);
  const want = storageClassManifest();
  return (
    sc !== undefined &&
    sc.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' &&
    sc.provisioner === want.provisioner &&
    canonical(sc.parameters) === canonical(want.parameters) &&
    sc.volumeBindingMode === want.volumeBindingMode &&
    sc.allowVolumeExpansion === true
  );
}

// ---- database URL -------------------------------------------------------------------------------------

/** `postgres://user:<url-encoded password>@<writer>:<port>/<db>?sslmode=require`, in memory only. */
export function databaseUrl(o: { username: string; password: string; host: string; port: number; database: string }): string {
  return `postgres://${encodeURIComponent(o.username)}:${encodeURIComponent(o.password)}@${o.host}:${o.port}/${encodeURIComponent(o.database)}?sslmode=require`;
}

async function desiredDbUrl(services: Day1Services, outputs: DeploymentOutputs): Promise<string> {
  const raw = await services.secrets.get(outputs.database.secretArn);
  if (raw === undefined) {
    throw new UserError(`The database secret ${outputs.database.secretArn} has no value.`, { nextSteps: ['Run `coder-platform day0 deploy` to repair the data stack.'] });
  }
  let parsed: { username?: unknown; password?: unknown };
  try {
    parsed = JSON.parse(raw) as { username?: unknown; password?: unknown };
  } catch {
    throw new UserError(`The database secret ${outputs.database.secretArn} is not the JSON document RDS writes (username, password, …).`);
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
async function coderSecrets(services: Day1Services, outputs: DeploymentOutputs): Promise<{ name: string; key: string; value: string }[]> {
  const list: { name: string; key: string; value: string }[] = [{ name: K8S_SECRETS.dbUrl.name, key: K8S_SECRETS.dbUrl.key, value: await desiredDbUrl(services, outputs) }];
  const oidc = services.config.coder.oidc;
  if (oidc) list.push({ name: K8S_SECRETS.oidcClientSecret.name, key: K8S_SECRETS.oidcClientSecret.key, value: await services.secrets.resolve(oidc.clientSecret) });
  return list;
}

// ---- Coder health -------------------------------------------------------------------------------------

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
async function coderServing(services: Day1Services): Promise<{ ok: true; version: string } | { ok: false; reason: string; fatal?: boolean }> {
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
  if (plainVersion(info.version) !== want) return { ok: false, reason: `${client.baseUrl} serves Coder ${info.version}, expected ${want}`, fatal: true };
  return { ok: true, version: info.version };
}

// ---- provisioners -------------------------------------------------------------------------------------

async function connectedDaemons(services: Day1Services): Promise<{ connected: number; names: string[] }> {
  const client = await services.coder();
  const daemons = await client.listProvisionerDaemons('default');
  const want = services.config.coder.version;
  const ours = daemons.filter(
    (d) => d.key_name === services.config.coder.provisioners.keyName && (d.status === 'idle' || d.status === 'busy') && (d.version === undefined || plainVersion(d.version) === want),
  );
  return { connected: ours.length, names: ours.map((d) => d.name).sort() };
}

// ---- the steps ----------------------------------------------------------------------------------------

export function clusterSteps(config: CoderPlatformConfig): Step<Day1Services>[] {
  const ids = CLUSTER_STEP_IDS;
  const deployment = config.deployment.name;

  const readOutputs: Step<Day1Services> = {
    id: ids.readOutputs,
    title: "Read Day 0's stack outputs",
    expectedSeconds: 5,
    // reading is the probe: outputs are always taken from the live stacks
    isDone: async ({ services }) => outputsSummary(await services.deploymentOutputs()),
    run: async ({ services }) => outputsSummary(await services.deploymentOutputs()),
  };

  const kubeconfig: Step<Day1Services> = {
    id: ids.kubeconfig,
    title: 'Write the kubeconfig in the state directory',
    dependsOn: [ids.readOutputs],
    expectedSeconds: 5,
    isDone: async ({ services }) => {
      const outputs = await services.deploymentOutputs();
      if (!(await kubeconfigIsCurrent(services.stateDir, kubeconfigOptions(services, outputs)))) return undefined;
      return { path: services.kubeconfig, authMethod: config.cluster.authMethod };
    },
    run: async ({ services, host }) => {
      const outputs = await services.deploymentOutputs();
      const written = await writeKubeconfig(services.stateDir, kubeconfigOptions(services, outputs));
      // prove access now, so a missing EKS access entry fails here and not in the middle of an install
      if ((await services.kubectl.get('namespace', 'kube-system')) === undefined) {
        throw new ExternalError('kubectl', 'get namespace kube-system', 'the cluster answered but kube-system is not visible', { resource: outputs.cluster.name });
      }
      host.emit({ level: 'info', code: 'DAY1_KUBECONFIG', message: `kubeconfig for ${outputs.cluster.name} at ${written.path} (${config.cluster.authMethod} tokens).`, data: { path: written.path } });
      return { path: written.path, authMethod: config.cluster.authMethod };
    },
  };

  const networkPolicies = async (services: Day1Services) => platformNetworkPolicies(config, (await services.deploymentOutputs()).database.port);
  const namespacesResult = (policies: Record<string, unknown>[]) => ({
    namespaces: Object.values(NAMESPACES),
    storageClass: STORAGE_CLASS,
    networkPolicies: policies.map((p) => `${(p.metadata as { namespace: string }).namespace}/${(p.metadata as { name: string }).name}`),
  });
  const namespaces: Step<Day1Services> = {
    id: ids.namespaces,
    title: `Namespaces ${Object.values(NAMESPACES).join(', ')}, their NetworkPolicies and the default encrypted gp3 StorageClass`,
    dependsOn: [ids.kubeconfig],
    expectedSeconds: 10,
    isDone: async ({ services }) => {
      const policies = await networkPolicies(services);
      return (await namespacesReady(services, policies)) ? namespacesResult(policies) : undefined;
    },
    run: async ({ services, host }) => {
      const policies = await networkPolicies(services);
      await services.kubectl.apply([...namespaceManifests(), storageClassManifest(), ...policies]);
      // EKS clusters created before 1.30 mark gp2 as default; two defaults make the choice arbitrary
      const gp2 = await services.kubectl.get<K8sObject & { provisioner?: string }>('storageclass', 'gp2');
      if (gp2?.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true') {
        // provisioner is immutable and required: repeat the existing one, change only the annotation
        await services.kubectl.apply([{ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'gp2', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'false' } }, provisioner: gp2.provisioner ?? 'kubernetes.io/aws-ebs' }]);
        host.emit({ level: 'info', code: 'DAY1_GP2_NOT_DEFAULT', message: 'StorageClass gp2 is no longer the default; gp3 (encrypted) is.' });
      }
      return namespacesResult(policies);
    },
  };

  const addonList = async (services: Day1Services) => {
    const charts = await loadAddonCharts();
    const outputs = await services.deploymentOutputs();
    return ADDON_NAMES.map((name) => ({ name, chart: charts[name] as AddonChart, values: addonValues(name, config, outputs) }));
  };
  const addons: Step<Day1Services> = {
    id: ids.addons,
    title: 'Install the AWS Load Balancer Controller and the cluster autoscaler',
    dependsOn: [ids.namespaces],
    expectedSeconds: 180,
    isDone: async ({ services }) => {
      const list = await addonList(services);
      for (const a of list) {
        if (!(await releaseIsCurrent(services.helm, { release: a.chart.release, namespace: a.chart.namespace, version: a.chart.version, values: a.values }))) return undefined;
      }
      return { addons: list.map((a) => `${a.chart.chart}@${a.chart.version}`) };
    },
    run: async ({ services, host }) => {
      const list = await addonList(services);
      for (const a of list) {
        if (await releaseIsCurrent(services.helm, { release: a.chart.release, namespace: a.chart.namespace, version: a.chart.version, values: a.values })) continue;
        await assertChartAvailable(services.helm, { chart: a.chart.chart, repo: a.chart.repository, version: a.chart.version }, a.chart.chart);
        host.emit({ level: 'info', code: 'DAY1_HELM_INSTALL', message: `helm upgrade --install ${a.chart.release} (${a.chart.chart} ${a.chart.version}) in ${a.chart.namespace}`, data: { release: a.chart.release, version: a.chart.version } });
        await services.helm.upgradeInstall({
          release: a.chart.release,
          chart: a.chart.chart,
          repo: a.chart.repository,
          version: a.chart.version,
          namespace: a.chart.namespace,
          values: a.values,
          wait: true,
          atomic: true,
          timeoutSeconds: TIMEOUTS.addon,
        });
      }
      return { addons: list.map((a) => `${a.chart.chart}@${a.chart.version}`) };
    },
  };

  const dbSecret: Step<Day1Services> = {
    id: ids.dbSecret,
    title: config.coder.oidc ? 'Sync the database URL and OIDC client secret into Kubernetes' : 'Sync the database URL into Kubernetes',
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
          if (changed.length > 0 && (await services.kubectl.get('deployment', 'coder', NAMESPACES.coder)) !== undefined) {
            await services.kubectl.rolloutRestart('deployment', 'coder', NAMESPACES.coder);
            host.emit({ level: 'info', code: 'DAY1_CODERD_RESTARTED', message: `${changed.join(' and ')} changed; coderd is restarting with the new value.`, data: { secrets: changed } });
          }
          return { secrets: wanted.map((w) => `${NAMESPACES.coder}/${w.name}`) };
        },
      );
    },
  };

  const coderValues = async (services: Day1Services) => {
    const values = buildCoderValues(config, await services.deploymentOutputs());
    validateCoderValues(values);
    return values;
  };
  const coderRelease: Step<Day1Services> = {
    id: ids.coderRelease,
    title: `helm upgrade --install coder ${config.coder.version}`,
    dependsOn: [ids.addons, ids.dbSecret],
    expectedSeconds: 240,
    isDone: async ({ services }) => {
      const values = await coderValues(services);
      if (!(await releaseIsCurrent(services.helm, { release: RELEASES.coder, namespace: NAMESPACES.coder, version: config.coder.version, values }))) return undefined;
      return { release: RELEASES.coder, namespace: NAMESPACES.coder, chartVersion: config.coder.version };
    },
    run: async ({ services, host }) => {
      const values = await coderValues(services);
      const source = coderChart(config, 'coder');
      await assertChartAvailable(services.helm, source, 'coder');
      host.emit({ level: 'info', code: 'DAY1_HELM_INSTALL', message: `helm upgrade --install coder ${config.coder.version} in ${NAMESPACES.coder} (${config.coder.replicas} replicas)`, data: { release: RELEASES.coder, version: config.coder.version } });
      // no --atomic: Coder migrates its database on start and does not support rolling back (coder-helm.md §3)
      await services.helm.upgradeInstall({ release: RELEASES.coder, ...source, namespace: NAMESPACES.coder, values, wait: true, timeoutSeconds: TIMEOUTS.coder });
      return { release: RELEASES.coder, namespace: NAMESPACES.coder, chartVersion: config.coder.version };
    },
  };

  const targetGroupBinding: Step<Day1Services> = {
    id: ids.targetGroupBinding,
    title: "Bind coderd to Day 0's load balancer target group",
    dependsOn: [ids.coderRelease],
    expectedSeconds: 10,
    isDone: async ({ services }) => {
      const outputs = await services.deploymentOutputs();
      const tgb = await services.kubectl.get<{ spec?: { targetGroupARN?: string; serviceRef?: { name?: string; port?: number } } }>('targetgroupbindings.elbv2.k8s.aws', 'coder', NAMESPACES.coder);
      const want = coderTargetGroupBinding(outputs).spec as { targetGroupARN: string; serviceRef: { name: string; port: number } };
      if (tgb?.spec?.targetGroupARN !== want.targetGroupARN || tgb.spec.serviceRef?.name !== want.serviceRef.name || tgb.spec.serviceRef.port !== want.serviceRef.port) return undefined;
      return { targetGroupArn: want.targetGroupARN };
    },
    run: async ({ services }) => {
      const outputs = await services.deploymentOutputs();
      await services.kubectl.apply([coderTargetGroupBinding(outputs)]);
      return { targetGroupArn: outputs.edge.targetGroupArn };
    },
  };

  const coderHealthy: Step<Day1Services> = {
    id: ids.coderHealthy,
    title: `Wait for Coder ${config.coder.version} at https://${config.dns.subdomain}.${config.dns.domain}`,
    dependsOn: [ids.targetGroupBinding],
    expectedSeconds: 120,
    isDone: async ({ services }) => {
      if (!(await deploymentReady(services, 'coder', NAMESPACES.coder))) return undefined;
      const serving = await coderServing(services);
      return serving.ok ? { version: serving.version, coderVersion: plainVersion(serving.version), url: services.coderAnonymous().baseUrl } : undefined;
    },
    run: async (ctx) => {
      const { services } = ctx;
      await services.kubectl.rolloutStatus('deployment', 'coder', NAMESPACES.coder, TIMEOUTS.coder);
      let last = 'no answer yet';
      const version = await waitFor(ctx, `Coder at ${services.coderAnonymous().baseUrl}`, TIMEOUTS.health, async () => {
        const serving = await coderServing(services);
        if (serving.ok) return serving.version;
        if (serving.fatal) throw new CheckFailedError(`${serving.reason}.`, { nextSteps: ['Check coder.version and the deployed image: kubectl -n coder get deploy coder -o jsonpath={..image}'] });
        last = serving.reason;
        return undefined;
      }, () => last);
      // coderVersion: what `coder-platform status` reports as the running Coder.
      return { version, coderVersion: plainVersion(version), url: services.coderAnonymous().baseUrl };
    },
  };

  const provisionerKeyValue = async (services: Day1Services): Promise<string> => {
    const name = secretNames(deployment).provisionerKey;
    const value = await services.secrets.get(name);
    if (value === undefined) throw new UserError(`The provisioner key is not in Secrets Manager (${name}).`, { nextSteps: ['Run `coder-platform day1 --from provisioner-key`.'] });
    return value;
  };
  const provisionerSecret: Step<Day1Services> = {
    id: ids.provisionerSecret,
    title: `Store the provisioner key as ${NAMESPACES.provisioners}/${K8S_SECRETS.provisionerKey.name}`,
    dependsOn: [ids.namespaces, 'provisioner-key'],
    expectedSeconds: 5,
    isDone: async ({ services }) => {
      const key = await provisionerKeyValue(services);
      return withSecrets([key], async () => {
        const current = await services.kubectl.getSecretData(K8S_SECRETS.provisionerKey.name, NAMESPACES.provisioners);
        return current?.[K8S_SECRETS.provisionerKey.key] === key ? { secret: `${NAMESPACES.provisioners}/${K8S_SECRETS.provisionerKey.name}` } : undefined;
      });
    },
    run: async ({ services, host }) => {
      const key = await provisionerKeyValue(services);
      return withSecrets([key], async () => {
        const existed = (await services.kubectl.getSecretData(K8S_SECRETS.provisionerKey.name, NAMESPACES.provisioners)) !== undefined;
        await services.kubectl.createSecret(K8S_SECRETS.provisionerKey.name, NAMESPACES.provisioners, { [K8S_SECRETS.provisionerKey.key]: key });
        // running daemons read the key at start: restart them onto the new one
        if (existed && (await services.kubectl.get('deployment', RELEASES.provisioner, NAMESPACES.provisioners)) !== undefined) {
          await services.kubectl.rolloutRestart('deployment', RELEASES.provisioner, NAMESPACES.provisioners);
          host.emit({ level: 'info', code: 'DAY1_PROVISIONERS_RESTARTED', message: 'The provisioner key changed; the provisioner pods are restarting with it.' });
        }
        return { secret: `${NAMESPACES.provisioners}/${K8S_SECRETS.provisionerKey.name}` };
      });
    },
  };

  const provisionerValues = () => {
    const values = buildProvisionerValues(config);
    validateProvisionerValues(values);
    return values;
  };
  const rbacReady = async (services: Day1Services) => {
    for (const m of provisionerWorkspaceRbac(await bundledWorkspaceRoleRules())) {
      const meta = m.metadata as { name: string; namespace: string };
      const got = await services.kubectl.get<{ rules?: unknown }>(`${String(m.kind).toLowerCase()}.rbac.authorization.k8s.io`, meta.name, meta.namespace);
      if (got === undefined || (m.kind === 'Role' && canonical(got.rules) !== canonical(m.rules))) return false;
    }
    return true;
  };
  const provisionerRelease: Step<Day1Services> = {
    id: ids.provisionerRelease,
    title: `helm upgrade --install coder-provisioner ${config.coder.version} (${config.coder.provisioners.replicas} replicas)`,
    dependsOn: [ids.provisionerSecret, ids.coderHealthy],
    expectedSeconds: 180,
    isDone: async ({ services }) => {
      const values = provisionerValues();
      if (!(await rbacReady(services))) return undefined;
      if (!(await releaseIsCurrent(services.helm, { release: RELEASES.provisioner, namespace: NAMESPACES.provisioners, version: config.coder.version, values }))) return undefined;
      return { release: RELEASES.provisioner, namespace: NAMESPACES.provisioners, chartVersion: config.coder.version, replicas: config.coder.provisioners.replicas };
    },
    run: async ({ services, host }) => {
      const values = provisionerValues();
      const source = coderChart(config, 'coder-provisioner');
      await assertChartAvailable(services.helm, source, 'coder-provisioner');
      await services.kubectl.apply(provisionerWorkspaceRbac(await bundledWorkspaceRoleRules()));
      host.emit({ level: 'info', code: 'DAY1_HELM_INSTALL', message: `helm upgrade --install coder-provisioner ${config.coder.version} in ${NAMESPACES.provisioners}`, data: { release: RELEASES.provisioner, version: config.coder.version } });
      await services.helm.upgradeInstall({ release: RELEASES.provisioner, ...source, namespace: NAMESPACES.provisioners, values, wait: true, timeoutSeconds: TIMEOUTS.provisioner });
      return { release: RELEASES.provisioner, namespace: NAMESPACES.provisioners, chartVersion: config.coder.version, replicas: config.coder.provisioners.replicas };
    },
  };

  const wanted = config.coder.provisioners.replicas * config.coder.provisioners.daemonsPerReplica;
  const provisionersConnected: Step<Day1Services> = {
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
      const result = await waitFor(ctx, `${wanted} provisioner daemons with key ${config.coder.provisioners.keyName}`, TIMEOUTS.daemons, async () => {
        const r = await connectedDaemons(ctx.services);
        last = `${r.connected} of ${wanted} connected`;
        return r.connected >= wanted ? r : undefined;
      }, () => `${last} (kubectl -n ${NAMESPACES.provisioners} logs deploy/${RELEASES.provisioner})`);
      return { connected: result.connected, daemons: result.names };
    },
  };

  return [readOutputs, kubeconfig, namespaces, addons, dbSecret, coderRelease, targetGroupBinding, coderHealthy, provisionerSecret, provisionerRelease, provisionersConnected];
}
