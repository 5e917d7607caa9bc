/**
 * kubectl through the CommandRunner. Manifests and secrets go on stdin (`-f -`); secret data is never on
 * the command line nor in a file. Every call names the kubeconfig in the state directory explicitly.
 */
import { ExternalError } from '../errors.js';
import type { CommandRunner } from './exec.js';

/** The field manager recorded on objects we apply (server-side apply). */
export const FIELD_MANAGER = 'coder-platform';

export class Kubectl {
  constructor(
    private readonly runner: CommandRunner,
    private readonly options: { kubeconfig: string },
  ) {}

  private async kubectl(args: string[], input?: string, timeoutMs?: number): Promise<string> {
    const result = await this.runner.run('kubectl', ['--kubeconfig', this.options.kubeconfig, ...args], {
      ...(input === undefined ? {} : { input }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return result.stdout;
  }

  /** Server-side apply of a list of objects (one `List` document on stdin). */
  async apply(manifests: object[]): Promise<void> {
    if (manifests.length === 0) return;
    const list = { apiVersion: 'v1', kind: 'List', items: manifests };
    await this.kubectl(
      ['apply', '--server-side', '--force-conflicts', `--field-manager=${FIELD_MANAGER}`, '-f', '-'],
      JSON.stringify(list),
    );
  }

  /** The object as JSON, or undefined when it does not exist. */
  async get<T>(kind: string, name: string, namespace?: string): Promise<T | undefined> {
    const args = ['get', kind, name, '--ignore-not-found', '--output', 'json'];
    if (namespace !== undefined) args.push('--namespace', namespace);
    const out = await this.kubectl(args);
    return out.trim() === '' ? undefined : (JSON.parse(out) as T);
  }

  async delete(
    kind: string,
    name: string,
    namespace?: string,
    options: { wait?: boolean; timeoutSeconds?: number } = {},
  ): Promise<void> {
    const args = ['delete', kind, name, '--ignore-not-found', `--wait=${options.wait === false ? 'false' : 'true'}`];
    if (namespace !== undefined) args.push('--namespace', namespace);
    if (options.timeoutSeconds !== undefined) args.push(`--timeout=${options.timeoutSeconds}s`);
    await this.kubectl(args);
  }

  /** Wait until a Deployment/StatefulSet/DaemonSet has rolled out. */
  async rolloutStatus(kind: string, name: string, namespace: string, timeoutSeconds: number): Promise<void> {
    await this.kubectl(
      ['rollout', 'status', `${kind}/${name}`, '--namespace', namespace, `--timeout=${timeoutSeconds}s`],
      undefined,
      (timeoutSeconds + 60) * 1000,
    );
  }

  /** Restart a workload's pods (e.g. after a secret they read at start changed). */
  async rolloutRestart(kind: string, name: string, namespace: string): Promise<void> {
    await this.kubectl(['rollout', 'restart', `${kind}/${name}`, '--namespace', namespace]);
  }

  /**
   * Wait until a Job completes or fails. Both conditions are awaited at once (kubectl ≥ 1.31 accepts a
   * jsonpath OR only per condition, so we poll the Job's status instead).
   */
  async waitForJob(
    name: string,
    namespace: string,
    timeoutSeconds: number,
    pollMs = 5000,
  ): Promise<'complete' | 'failed'> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const job = await this.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
        'job',
        name,
        namespace,
      );
      if (job === undefined)
        throw new ExternalError('kubectl', `get job ${name}`, 'the job does not exist', {
          resource: `${namespace}/${name}`,
        });
      const conditions = job.status?.conditions ?? [];
      if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'complete';
      if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'failed';
      if (Date.now() >= deadline) {
        throw new ExternalError('kubectl', `wait job/${name}`, `the job did not finish within ${timeoutSeconds} s`, {
          resource: `${namespace}/${name}`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Logs of a Job's pods (all containers). */
  async logs(jobName: string, namespace: string): Promise<string> {
    return this.kubectl(['logs', `job/${jobName}`, '--namespace', namespace, '--all-containers=true']);
  }

  /**
   * Create or update an Opaque secret. The data travels base64-encoded inside a manifest on stdin;
   * neither argv nor any file ever carries it.
   */
  async createSecret(
    name: string,
    namespace: string,
    data: Record<string, string>,
    labels: Record<string, string> = {},
  ): Promise<void> {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER, ...labels } },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
    };
    await this.kubectl(
      ['apply', '--server-side', '--force-conflicts', `--field-manager=${FIELD_MANAGER}`, '-f', '-'],
      JSON.stringify(manifest),
    );
  }

  /** The decoded data of a secret, or undefined when it does not exist. Callers must not log it. */
  async getSecretData(name: string, namespace: string): Promise<Record<string, string> | undefined> {
    const secret = await this.get<{ data?: Record<string, string> }>('secret', name, namespace);
    if (secret === undefined) return undefined;
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
  }
}
