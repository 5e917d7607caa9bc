/**
 * helm through the CommandRunner. Values always travel on stdin (`--values -`), never in a file or argv,
 * so a secret that ended up in values could not leak to disk or the process list. Every call names the
 * kubeconfig in the state directory explicitly.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ExternalError } from '../errors.js';
import type { CommandRunner } from './exec.js';

export interface UpgradeInstallOptions {
  release: string;
  /** A chart name (with `repo`), an `oci://` reference or a local archive path. */
  chart: string;
  version?: string;
  /** Repository URL for `--repo` (https repositories only). */
  repo?: string;
  namespace: string;
  values: Record<string, unknown>;
  wait?: boolean;
  timeoutSeconds?: number;
  atomic?: boolean;
  createNamespace?: boolean;
}

export interface HelmRevision {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

export interface HelmStatus {
  name: string;
  namespace: string;
  version: number;
  info: { status: string; description?: string; last_deployed?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
}

/** Where a chart comes from: a repository (https or oci) or a local archive for air-gapped sites. */
export interface ChartSource {
  chart: string;
  repo?: string;
  version?: string;
}

/**
 * The chart reference for `helm upgrade --install`: `<archiveDir>/<name>-<version>.tgz` when an archive
 * directory is configured, `oci://…/<name>` for OCI repositories, else `<name>` with `--repo`.
 */
export function chartSource(options: {
  name: string;
  version: string;
  repository: string;
  archiveDir?: string | undefined;
}): ChartSource {
  if (options.archiveDir) return { chart: path.resolve(options.archiveDir, `${options.name}-${options.version}.tgz`) };
  if (options.repository.startsWith('oci://'))
    return { chart: `${options.repository.replace(/\/+$/, '')}/${options.name}`, version: options.version };
  return { chart: options.name, repo: options.repository, version: options.version };
}

const NOT_FOUND = /release: not found|not found/i;

export class Helm {
  constructor(
    private readonly runner: CommandRunner,
    private readonly options: { kubeconfig: string },
  ) {}

  private async helm(args: string[], input?: string, timeoutMs?: number): Promise<string> {
    const result = await this.runner.run('helm', [...args, '--kubeconfig', this.options.kubeconfig], {
      ...(input === undefined ? {} : { input }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return result.stdout;
  }

  /** `helm upgrade --install`; values as JSON (a YAML subset) on stdin. */
  async upgradeInstall(o: UpgradeInstallOptions): Promise<void> {
    const args = ['upgrade', '--install', o.release, o.chart, '--namespace', o.namespace];
    if (o.createNamespace) args.push('--create-namespace');
    if (o.version !== undefined) args.push('--version', o.version);
    if (o.repo !== undefined) args.push('--repo', o.repo);
    args.push('--values', '-');
    if (o.wait) args.push('--wait');
    if (o.atomic) args.push('--atomic');
    if (o.timeoutSeconds !== undefined) args.push('--timeout', `${o.timeoutSeconds}s`);
    // helm's own --timeout governs the wait; give the process a margin on top before we kill it
    const processTimeout = o.timeoutSeconds === undefined ? undefined : (o.timeoutSeconds + 120) * 1000;
    await this.helm(args, JSON.stringify(o.values), processTimeout);
  }

  async rollback(release: string, namespace: string, revision?: number): Promise<void> {
    const args = ['rollback', release];
    if (revision !== undefined) args.push(String(revision));
    args.push('--namespace', namespace, '--wait');
    await this.helm(args);
  }

  /** Revisions, oldest first; empty when the release does not exist. */
  async history(release: string, namespace: string): Promise<HelmRevision[]> {
    try {
      const out = await this.helm(['history', release, '--namespace', namespace, '--output', 'json']);
      return (JSON.parse(out || '[]') as HelmRevision[]) ?? [];
    } catch (error) {
      if (error instanceof ExternalError && NOT_FOUND.test(error.message)) return [];
      throw error;
    }
  }

  /** The release status, or undefined when it does not exist. */
  async status(release: string, namespace: string): Promise<HelmStatus | undefined> {
    try {
      const out = await this.helm(['status', release, '--namespace', namespace, '--output', 'json']);
      return JSON.parse(out) as HelmStatus;
    } catch (error) {
      if (error instanceof ExternalError && NOT_FOUND.test(error.message)) return undefined;
      throw error;
    }
  }

  /** The user-supplied values of the deployed revision ({} when none or no release). */
  async getValues(release: string, namespace: string): Promise<Record<string, unknown>> {
    try {
      const out = await this.helm(['get', 'values', release, '--namespace', namespace, '--output', 'json']);
      const parsed = JSON.parse(out || 'null') as Record<string, unknown> | null;
      return parsed ?? {};
    } catch (error) {
      if (error instanceof ExternalError && NOT_FOUND.test(error.message)) return {};
      throw error;
    }
  }

  /**
   * Whether the pinned chart version can be installed: the archive file exists, or
   * `helm show chart <chart> --version <v>` finds it in the repository.
   */
  async chartVersionExists(source: ChartSource): Promise<boolean> {
    if (source.repo === undefined && source.version === undefined) {
      return access(source.chart).then(
        () => true,
        () => false,
      );
    }
    const args = ['show', 'chart', source.chart];
    if (source.repo !== undefined) args.push('--repo', source.repo);
    if (source.version !== undefined) args.push('--version', source.version);
    try {
      await this.runner.run('helm', args);
      return true;
    } catch (error) {
      if (
        error instanceof ExternalError &&
        /not found|no chart version|could not find|manifest unknown/i.test(error.message)
      )
        return false;
      throw error;
    }
  }
}
