/**
 * Runs the validation SQL from inside the VPC: a Kubernetes Job with a pinned PostgreSQL client image
 * queries the restored writer and the live writer with the same SQL (coder-db.md §1). Credentials reach
 * the pod only through a Kubernetes Secret created for the Job (on stdin, never in the manifest, argv or
 * logs); the SQL travels in a ConfigMap. The Job prints one JSON line per database.
 */
import { ExternalError } from '../../../errors.js';
import { RESTORE_TEST_POD_LABELS } from '../../../k8s/platform-policies.js';
import { parseValidationSnapshot, VALIDATION_PGOPTIONS, type ValidationSnapshot } from './validation-sql.js';

/** Pinned to an exact release tag so the client cannot change under a scheduled test (override for private registries). */
export const DEFAULT_PSQL_IMAGE = 'postgres:16.6-alpine3.21';

/** The kubectl operations the Job needs (src/k8s/kubectl.ts Kubectl satisfies it). */
export interface JobKubectl {
  apply(manifests: object[]): Promise<void>;
  createSecret(
    name: string,
    namespace: string,
    data: Record<string, string>,
    labels?: Record<string, string>,
  ): Promise<void>;
  waitForJob(name: string, namespace: string, timeoutSeconds: number): Promise<'complete' | 'failed'>;
  logs(jobName: string, namespace: string): Promise<string>;
  delete(
    kind: string,
    name: string,
    namespace?: string,
    options?: { wait?: boolean; timeoutSeconds?: number },
  ): Promise<void>;
}

export interface DatabaseTarget {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
}

export interface ValidationJobOptions {
  jobName: string;
  namespace: string;
  image: string;
  sql: string;
  restored: DatabaseTarget;
  live: DatabaseTarget;
  /** Where the pod may run (the control group: it reaches the database like coderd does). */
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; value: string; effect: string; operator: 'Equal' }[];
  /** @default 900 */
  timeoutSeconds?: number;
}

// RESTORE_TEST_POD_LABELS: the coder namespace's NetworkPolicy lets exactly these pods (and coderd) open the database port
const LABELS = { 'app.kubernetes.io/managed-by': 'coder-platform', ...RESTORE_TEST_POD_LABELS };
const MARK = { restored: 'CODER_PLATFORM_RESTORED ', live: 'CODER_PLATFORM_LIVE ' };

const SCRIPT = `set -eu
for side in RESTORED LIVE; do
  eval "host=\\$\${side}_PGHOST port=\\$\${side}_PGPORT db=\\$\${side}_PGDATABASE user=\\$\${side}_PGUSER pass=\\$\${side}_PGPASSWORD"
  out=$(PGHOST="$host" PGPORT="$port" PGDATABASE="$db" PGUSER="$user" PGPASSWORD="$pass" psql -X -A -t -q -v ON_ERROR_STOP=1 -f /sql/validate.sql)
  echo "CODER_PLATFORM_$side $out"
done
`;

export function secretName(jobName: string): string {
  return `${jobName}-credentials`;
}

export function configMapName(jobName: string): string {
  return `${jobName}-sql`;
}

/** The ConfigMap and Job manifests (no credentials in either). */
export function validationManifests(options: ValidationJobOptions): object[] {
  const { jobName, namespace } = options;
  const plain = (side: 'RESTORED' | 'LIVE', t: DatabaseTarget) => [
    { name: `${side}_PGHOST`, value: t.host },
    { name: `${side}_PGPORT`, value: String(t.port) },
    { name: `${side}_PGDATABASE`, value: t.database },
    { name: `${side}_PGUSER`, valueFrom: { secretKeyRef: { name: secretName(jobName), key: `${side}_PGUSER` } } },
    {
      name: `${side}_PGPASSWORD`,
      valueFrom: { secretKeyRef: { name: secretName(jobName), key: `${side}_PGPASSWORD` } },
    },
  ];
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMapName(jobName), namespace, labels: LABELS },
      data: { 'validate.sql': options.sql },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: jobName, namespace, labels: LABELS },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: options.timeoutSeconds ?? 900,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels: LABELS },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 70,
              runAsGroup: 70,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
            ...(options.tolerations ? { tolerations: options.tolerations } : {}),
            containers: [
              {
                name: 'psql',
                image: options.image,
                command: ['/bin/sh', '-c', SCRIPT],
                env: [
                  { name: 'PGSSLMODE', value: 'require' },
                  { name: 'PGCONNECT_TIMEOUT', value: '15' },
                  { name: 'PGOPTIONS', value: VALIDATION_PGOPTIONS },
                  { name: 'PGAPPNAME', value: 'coder-platform-restore-test' },
                  ...plain('RESTORED', options.restored),
                  ...plain('LIVE', options.live),
                ],
                volumeMounts: [{ name: 'sql', mountPath: '/sql', readOnly: true }],
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
            volumes: [{ name: 'sql', configMap: { name: configMapName(jobName) } }],
          },
        },
      },
    },
  ];
}

/** Parse the Job's log: one marked JSON line per database. */
export function parseJobLog(log: string): { restored: ValidationSnapshot; live: ValidationSnapshot } {
  const find = (mark: string): ValidationSnapshot => {
    const line = log.split('\n').find((l) => l.startsWith(mark));
    if (line === undefined)
      throw new ExternalError('kubectl', 'logs', `the validation job printed no ${mark.trim()} line`);
    return parseValidationSnapshot(line.slice(mark.length));
  };
  return { restored: find(MARK.restored), live: find(MARK.live) };
}

/** Delete the Job, its ConfigMap and its Secret (idempotent). */
export async function deleteValidationJob(kubectl: JobKubectl, jobName: string, namespace: string): Promise<void> {
  await kubectl.delete('job', jobName, namespace, { wait: true, timeoutSeconds: 120 });
  await kubectl.delete('configmap', configMapName(jobName), namespace, { wait: false });
  await kubectl.delete('secret', secretName(jobName), namespace, { wait: false });
}

/** Create the Job's secret and objects, wait, read the result, and always delete the Job's objects. */
export async function runValidationJob(
  kubectl: JobKubectl,
  options: ValidationJobOptions,
): Promise<{ restored: ValidationSnapshot; live: ValidationSnapshot }> {
  const { jobName, namespace } = options;
  await deleteValidationJob(kubectl, jobName, namespace);
  try {
    await kubectl.createSecret(
      secretName(jobName),
      namespace,
      {
        RESTORED_PGUSER: options.restored.username,
        RESTORED_PGPASSWORD: options.restored.password,
        LIVE_PGUSER: options.live.username,
        LIVE_PGPASSWORD: options.live.password,
      },
      LABELS,
    );
    await kubectl.apply(validationManifests(options));
    const outcome = await kubectl.waitForJob(jobName, namespace, (options.timeoutSeconds ?? 900) + 60);
    const log = await kubectl.logs(jobName, namespace);
    if (outcome === 'failed') {
      const tail = log
        .split('\n')
        .filter((l) => !l.startsWith('CODER_PLATFORM_'))
        .slice(-10)
        .join('\n');
      throw new ExternalError('kubectl', `job/${jobName}`, `the validation job failed: ${tail || 'no output'}`, {
        resource: `${namespace}/${jobName}`,
        nextSteps: [
          'Check that the image can be pulled (--psql-image for a private registry) and that the database security group admits the control nodes.',
        ],
      });
    }
    return parseJobLog(log);
  } finally {
    await deleteValidationJob(kubectl, jobName, namespace);
  }
}
