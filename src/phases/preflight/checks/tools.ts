/** Local tools on PATH with version floors: helm 3.x, kubectl within one minor of the cluster, AWS CLI v2 when auth needs it. */
import type { CheckOutcome, CheckResult, PreflightServices } from '../types.js';

const INSTALL = {
  helm: 'Install helm 3: https://helm.sh/docs/intro/install/',
  kubectl: (minor: string) =>
    `Install kubectl ${minor}: https://kubernetes.io/docs/tasks/tools/ (e.g. curl -LO https://dl.k8s.io/release/v${minor}.0/bin/linux/amd64/kubectl)`,
  aws: 'Install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
};

export async function checkTools(services: PreflightServices): Promise<CheckOutcome> {
  const { config } = services;
  const target = config.cluster.kubernetesVersion;
  const checks: Promise<CheckResult>[] = [helm(services), kubectl(services, target)];
  if (config.cluster.authMethod === 'aws-cli') checks.push(awsCli(services));
  return { results: await Promise.all(checks) };

  async function helm(s: PreflightServices): Promise<CheckResult> {
    const base = { id: 'tool-helm', area: 'tools' as const, critical: true, required: 'helm 3.x' };
    const out = await s.runner('helm', ['version', '--short']);
    if (!out)
      return { ...base, status: 'fail', current: 'not found', message: 'helm is not on PATH', fix: INSTALL.helm };
    const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(out.stdout);
    if (out.exitCode !== 0 || !match)
      return {
        ...base,
        status: 'fail',
        current: 'unreadable',
        message: `helm version --short failed: ${firstLine(out.stderr || out.stdout)}`,
        fix: INSTALL.helm,
      };
    const version = `${match[1]}.${match[2]}.${match[3]}`;
    const major = Number(match[1]);
    if (major === 3) return { ...base, status: 'pass', current: version, message: `helm ${version}`, fix: '' };
    if (major > 3)
      return {
        ...base,
        status: 'warn',
        current: version,
        message: `helm ${version} is newer than the validated 3.x`,
        fix: 'Use helm 3.x if a chart install misbehaves.',
      };
    return { ...base, status: 'fail', current: version, message: `helm ${version} is below 3.x`, fix: INSTALL.helm };
  }

  async function kubectl(s: PreflightServices, cluster: string): Promise<CheckResult> {
    const [, clusterMinorText = '0'] = cluster.split('.');
    const clusterMinor = Number(clusterMinorText);
    const base = {
      id: 'tool-kubectl',
      area: 'tools' as const,
      critical: true,
      required: `1.${clusterMinor - 1}–1.${clusterMinor + 1}`,
    };
    const out = await s.runner('kubectl', ['version', '--client', '--output=json']);
    if (!out)
      return {
        ...base,
        status: 'fail',
        current: 'not found',
        message: 'kubectl is not on PATH',
        fix: INSTALL.kubectl(cluster),
      };
    let minor: number | undefined;
    let version = '';
    try {
      const parsed = JSON.parse(out.stdout) as {
        clientVersion?: { major?: string; minor?: string; gitVersion?: string };
      };
      minor = Number.parseInt(parsed.clientVersion?.minor ?? '', 10);
      version =
        parsed.clientVersion?.gitVersion?.replace(/^v/, '') ??
        `${parsed.clientVersion?.major}.${parsed.clientVersion?.minor}`;
    } catch {
      minor = undefined;
    }
    if (out.exitCode !== 0 || minor === undefined || Number.isNaN(minor))
      return {
        ...base,
        status: 'fail',
        current: 'unreadable',
        message: `kubectl version --client failed: ${firstLine(out.stderr || out.stdout)}`,
        fix: INSTALL.kubectl(cluster),
      };
    if (Math.abs(minor - clusterMinor) <= 1)
      return {
        ...base,
        status: 'pass',
        current: version,
        message: `kubectl ${version} is within one minor of Kubernetes ${cluster}`,
        fix: '',
      };
    return {
      ...base,
      status: 'fail',
      current: version,
      message: `kubectl ${version} is more than one minor away from Kubernetes ${cluster} (version skew policy)`,
      fix: INSTALL.kubectl(cluster),
    };
  }

  async function awsCli(s: PreflightServices): Promise<CheckResult> {
    const base = {
      id: 'tool-aws-cli',
      area: 'tools' as const,
      critical: true,
      required: 'aws-cli 2.x (cluster.authMethod: aws-cli)',
    };
    const out = await s.runner('aws', ['--version']);
    if (!out)
      return {
        ...base,
        status: 'fail',
        current: 'not found',
        message: 'the AWS CLI is not on PATH and cluster.authMethod is aws-cli',
        fix: `${INSTALL.aws} — or set cluster.authMethod: coder-platform`,
      };
    const match = /aws-cli\/(\d+)\.(\d+)\.(\d+)/.exec(`${out.stdout} ${out.stderr}`);
    if (!match)
      return {
        ...base,
        status: 'fail',
        current: 'unreadable',
        message: `aws --version printed no version: ${firstLine(out.stdout || out.stderr)}`,
        fix: INSTALL.aws,
      };
    const version = `${match[1]}.${match[2]}.${match[3]}`;
    if (Number(match[1]) >= 2)
      return { ...base, status: 'pass', current: version, message: `AWS CLI ${version}`, fix: '' };
    return {
      ...base,
      status: 'fail',
      current: version,
      message: `AWS CLI ${version} cannot run \`aws eks get-token\` as kubeconfig expects; v2 is needed`,
      fix: INSTALL.aws,
    };
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 200) ?? '';
}
