/** What the Day 1 cluster steps share: step ids, timeouts, labels, Helm release checks, secret redaction and waits. */
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { StepContext } from '../../engine/types.js';
import { CheckFailedError, UserError } from '../../errors.js';
import { chartSource, type ChartSource, type Helm } from '../../k8s/helm.js';
import type { Day1Services } from './services.js';

export type Ctx = StepContext<Day1Services>;

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

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'coder-platform' };
/** helm --wait timeouts and our own waits, in seconds. */
export const TIMEOUTS = { addon: 600, coder: 900, provisioner: 900, health: 600, daemons: 600 };

/** JSON with sorted keys, to compare values documents regardless of key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** Is the release deployed with this chart version and exactly these values? */
export async function releaseIsCurrent(
  helm: Helm,
  o: { release: string; namespace: string; version: string; values: Record<string, unknown> },
): Promise<boolean> {
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
  const needles = secrets
    .filter((s) => s.length >= 4)
    .flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64')]);
  if (needles.length === 0 || !(error instanceof Error)) return error;
  const scrub = (text: string) => needles.reduce((t, n) => t.split(n).join('[redacted]'), text);
  error.message = scrub(error.message);
  if (error.stack !== undefined) error.stack = scrub(error.stack);
  return error;
}

export async function withSecrets<T>(secrets: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw redactError(error, secrets);
  }
}

/** Poll `probe` until it returns a value, honouring the run's abort signal and a deadline. */
export async function waitFor<T>(
  ctx: Ctx,
  what: string,
  timeoutSeconds: number,
  probe: () => Promise<T | undefined>,
  describeLast: () => string,
): Promise<T> {
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

export function coderChart(config: CoderPlatformConfig, name: 'coder' | 'coder-provisioner'): ChartSource {
  return chartSource({
    name,
    version: config.coder.version,
    repository: config.coder.chart.repository,
    archiveDir: config.coder.chart.archiveDir,
  });
}

export async function assertChartAvailable(helm: Helm, source: ChartSource, label: string): Promise<void> {
  if (await helm.chartVersionExists(source)) return;
  const where = source.repo ?? (source.version === undefined ? source.chart : source.chart.replace(/\/[^/]+$/, ''));
  throw new UserError(
    `Chart ${label}${source.version ? ` version ${source.version}` : ''} is not available from ${where}.`,
    {
      nextSteps:
        source.version === undefined
          ? [`Put ${source.chart} in place (helm pull the chart on a connected machine).`]
          : [
              `Check the version (helm search repo ${label} --versions), or set coder.chart.archiveDir for an air-gapped site.`,
            ],
    },
  );
}
