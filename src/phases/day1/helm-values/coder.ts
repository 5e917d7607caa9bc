/**
 * Values for the `coder` chart, as pure data from the config and Day 0's outputs. Only keys that exist in
 * the chart's values.yaml are used (the chart has no schema and ignores typos silently; a test walks every
 * path against ../shared/coder/helm/coder/values.yaml). Secrets are never values: the database URL and the
 * OIDC client secret are `secretKeyRef`s to Kubernetes secrets a step fills from Secrets Manager.
 */
import { stringify } from 'yaml';
import { NAMESPACES } from '../../../config/profiles.js';
import type { CoderPlatformConfig } from '../../../config/schema.js';
import type { DeploymentOutputs } from '../../../deployment/outputs.js';
import { UserError } from '../../../errors.js';
import {
  K8S_SECRETS,
  RELEASES,
  SERVICE_ACCOUNTS,
  accessUrl,
  imageTag,
  nodeSelectorFor,
  restrictedSecurityContext,
  tolerationsFor,
  wildcardAccessUrl,
  zoneAntiAffinity,
} from './common.js';

export type EnvVar =
  { name: string; value: string } | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

export const PROMETHEUS_ADDRESS = '0.0.0.0:2112';
export const HSTS_MAX_AGE_SECONDS = 31_536_000;
/** Writable paths when the root filesystem is read-only. */
const CACHE_DIR = '/var/cache/coder';

function value(name: string, v: string): EnvVar {
  return { name, value: v };
}
function fromSecret(name: string, secret: { name: string; key: string }): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } };
}

/** coderd's environment: all server configuration lives in `coder.env`. */
export function coderEnv(config: CoderPlatformConfig): EnvVar[] {
  const env: EnvVar[] = [
    value('CODER_ACCESS_URL', accessUrl(config)),
    value('CODER_WILDCARD_ACCESS_URL', wildcardAccessUrl(config)),
    fromSecret('CODER_PG_CONNECTION_URL', K8S_SECRETS.dbUrl),
    // external provisioners only (seed-facts §10)
    value('CODER_PROVISIONER_DAEMONS', '0'),
    // the chart opens port 2112 only for the literal "true"
    value('CODER_PROMETHEUS_ENABLE', 'true'),
    value('CODER_PROMETHEUS_ADDRESS', PROMETHEUS_ADDRESS),
    value('CODER_PROMETHEUS_COLLECT_DB_METRICS', 'true'),
    value('CODER_SECURE_AUTH_COOKIE', 'true'),
    value('CODER_STRICT_TRANSPORT_SECURITY', String(HSTS_MAX_AGE_SECONDS)),
    value('CODER_STRICT_TRANSPORT_SECURITY_OPTIONS', 'includeSubDomains'),
    value('CODER_CACHE_DIRECTORY', CACHE_DIR),
    value('CODER_TELEMETRY_ENABLE', 'false'),
  ];
  const oidc = config.coder.oidc;
  if (oidc) {
    env.push(
      value('CODER_OIDC_ISSUER_URL', oidc.issuerUrl),
      value('CODER_OIDC_CLIENT_ID', oidc.clientId),
      fromSecret('CODER_OIDC_CLIENT_SECRET', K8S_SECRETS.oidcClientSecret),
      value('CODER_OIDC_ALLOW_SIGNUPS', String(oidc.allowSignups)),
      // group sync: the claim, which IdP groups count, and create the Coder groups they name
      value('CODER_OIDC_GROUP_FIELD', oidc.groupField),
      value('CODER_OIDC_GROUP_REGEX_FILTER', oidc.groupRegexFilter),
      value('CODER_OIDC_GROUP_AUTO_CREATE', 'true'),
    );
    if (oidc.emailDomains.length > 0) env.push(value('CODER_OIDC_EMAIL_DOMAIN', oidc.emailDomains.join(',')));
    // role sync (Premium): site roles from this claim
    if (oidc.roleField) env.push(value('CODER_OIDC_USER_ROLE_FIELD', oidc.roleField));
  }
  return env;
}

/** A PodDisruptionBudget for coderd, rendered by the chart through `extraTemplates`. */
export function coderPdbTemplate(replicas: number): string {
  const budget = replicas > 1 ? { minAvailable: 1 } : { maxUnavailable: 1 };
  return stringify({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'coder', namespace: '{{ .Release.Namespace }}' },
    spec: {
      ...budget,
      selector: {
        matchLabels: { 'app.kubernetes.io/name': 'coder', 'app.kubernetes.io/instance': '{{ .Release.Name }}' },
      },
    },
  });
}

/**
 * The values for `helm upgrade --install coder`. `outputs` is accepted so that values that depend on
 * Day 0 (e.g. a different access URL published by the edge stack) are checked here.
 */
export function buildCoderValues(
  config: CoderPlatformConfig,
  outputs?: Pick<DeploymentOutputs, 'edge'>,
): Record<string, unknown> {
  if (outputs?.edge.accessUrl && outputs.edge.accessUrl.replace(/\/+$/, '') !== accessUrl(config)) {
    throw new UserError(
      `The deployed edge stack serves ${outputs.edge.accessUrl}, but the configuration asks for ${accessUrl(config)}.`,
      {
        nextSteps: ['Run `coder-platform day0` with this configuration first, or fix dns.subdomain / dns.domain.'],
      },
    );
  }
  const { requests, limits } = config.coder.resources;
  return {
    coder: {
      image: { repo: 'ghcr.io/coder/coder', tag: imageTag(config.coder.version), pullPolicy: 'IfNotPresent' },
      env: coderEnv(config),
      replicaCount: config.coder.replicas,
      resources: {
        requests: { cpu: requests.cpu, memory: requests.memory },
        limits: { cpu: limits.cpu, memory: limits.memory },
      },
      nodeSelector: nodeSelectorFor(config, 'control'),
      tolerations: tolerationsFor(config, 'control'),
      affinity: zoneAntiAffinity(RELEASES.coder),
      podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
      serviceAccount: {
        name: SERVICE_ACCOUNTS.coderd.name,
        // builds run in the external provisioners; coderd needs no workspace permissions
        workspacePerms: false,
        enableDeployments: false,
      },
      securityContext: restrictedSecurityContext(),
      volumes: [
        { name: 'tmp', emptyDir: {} },
        { name: 'cache', emptyDir: {} },
        { name: 'config', emptyDir: {} },
      ],
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'cache', mountPath: CACHE_DIR },
        { name: 'config', mountPath: '/home/coder/.config' },
      ],
      // TLS ends at Day 0's NLB, which reaches the pods through a TargetGroupBinding: no cloud load balancer from Kubernetes
      service: { enable: true, type: 'ClusterIP', sessionAffinity: 'None' },
      readinessProbe: { enabled: true },
      livenessProbe: { enabled: false },
    },
    extraTemplates: [coderPdbTemplate(config.coder.replicas)],
  };
}

/** The chart's own render-time refusals, checked before Helm runs (coder-helm.md §4). */
export function validateCoderValues(values: Record<string, unknown>): void {
  const coder = (values.coder ?? {}) as { image?: { tag?: unknown } };
  if (typeof coder.image?.tag !== 'string' || coder.image.tag === '') {
    throw new UserError(
      "You must specify the coder.image.tag value if you're installing the Helm chart directly from Git.",
    );
  }
}

/** The TargetGroupBinding that puts coderd's pods (by IP) into Day 0's NLB target group. */
export function coderTargetGroupBinding(outputs: Pick<DeploymentOutputs, 'edge'>): Record<string, unknown> {
  return {
    apiVersion: 'elbv2.k8s.aws/v1beta1',
    kind: 'TargetGroupBinding',
    metadata: {
      name: 'coder',
      namespace: NAMESPACES.coder,
      labels: { 'app.kubernetes.io/managed-by': 'coder-platform' },
    },
    // Service `coder` port 80 → container port 8080 (`http`); the target group is IP-type on 8080
    spec: { serviceRef: { name: 'coder', port: 80 }, targetGroupARN: outputs.edge.targetGroupArn, targetType: 'ip' },
  };
}
