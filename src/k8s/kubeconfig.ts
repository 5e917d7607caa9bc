/**
 * A kubeconfig for the deployment's cluster, written to `<stateDir>/kubeconfig` (never ~/.kube/config).
 * Authentication is an exec credential: `aws eks get-token` (authMethod `aws-cli`) or this CLI's own
 * hidden `eks-token` command (authMethod `coder-platform`), so the AWS CLI is not required. The file holds
 * no secret: the token is fetched by kubectl/helm on each use.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const KUBECONFIG_FILE = 'kubeconfig';

export interface KubeconfigCluster {
  name: string;
  endpoint: string;
  /** Base64 certificate authority data of the API server. */
  certificateAuthority: string;
}

export interface KubeconfigOptions {
  cluster: KubeconfigCluster;
  region: string;
  authMethod: 'coder-platform' | 'aws-cli';
  awsProfile?: string;
  /** How to run this CLI (for authMethod `coder-platform`); default: this installation's bin/run.js under node. */
  selfCommand?: { command: string; args: string[] };
}

/** The path of the kubeconfig for a state directory. */
export function kubeconfigPath(stateDir: string): string {
  return path.join(stateDir, KUBECONFIG_FILE);
}

/** This installation's entry point: `node <root>/bin/run.js`, found by walking up from this module. */
export function defaultSelfCommand(): { command: string; args: string[] } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const candidate = path.join(dir, 'bin', 'run.js');
    if (existsSync(candidate) && existsSync(path.join(dir, 'package.json')))
      return { command: process.execPath, args: [candidate] };
    dir = path.dirname(dir);
  }
  return { command: 'coder-platform', args: [] };
}

/** The kubeconfig document (an object; `renderKubeconfig` makes YAML of it). */
export function buildKubeconfig(options: KubeconfigOptions): Record<string, unknown> {
  const { cluster, region } = options;
  const name = cluster.name;
  const env = options.awsProfile ? [{ name: 'AWS_PROFILE', value: options.awsProfile }] : null;
  let exec: Record<string, unknown>;
  if (options.authMethod === 'aws-cli') {
    exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: ['eks', 'get-token', '--cluster-name', name, '--region', region, '--output', 'json'],
      env,
      interactiveMode: 'Never',
      provideClusterInfo: false,
    };
  } else {
    const self = options.selfCommand ?? defaultSelfCommand();
    exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: self.command,
      args: [...self.args, 'eks-token', '--cluster-name', name, '--region', region],
      env,
      interactiveMode: 'Never',
      provideClusterInfo: false,
    };
  }
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      { name, cluster: { server: cluster.endpoint, 'certificate-authority-data': cluster.certificateAuthority } },
    ],
    users: [{ name, user: { exec } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  };
}

export function renderKubeconfig(options: KubeconfigOptions): string {
  return stringify(buildKubeconfig(options));
}

/** Write `<stateDir>/kubeconfig` (mode 0600) when its content differs; returns the path and whether it changed. */
export async function writeKubeconfig(
  stateDir: string,
  options: KubeconfigOptions,
): Promise<{ path: string; changed: boolean }> {
  const file = kubeconfigPath(stateDir);
  const content = renderKubeconfig(options);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) return { path: file, changed: false };
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
  return { path: file, changed: true };
}

/** True when the kubeconfig in the state directory is exactly what these options produce. */
export async function kubeconfigIsCurrent(stateDir: string, options: KubeconfigOptions): Promise<boolean> {
  const current = await readFile(kubeconfigPath(stateDir), 'utf8').catch(() => undefined);
  return current === renderKubeconfig(options);
}
