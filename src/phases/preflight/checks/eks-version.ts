/** EKS: the configured Kubernetes version is offered (eks:DescribeClusterVersions); extended support is a warning with its end date. */
import type { CheckOutcome, PreflightServices } from '../types.js';

const day = (d: Date | undefined): string => (d ? d.toISOString().slice(0, 10) : 'unknown');

/** Orders Kubernetes versions numerically, part by part ("1.9" < "1.10"); non-numeric parts count as 0. */
export function compareKubernetesVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export async function checkEksVersion(services: PreflightServices): Promise<CheckOutcome> {
  const { aws, config } = services;
  const eks = await import('@aws-sdk/client-eks');
  const client = aws.client(eks.EKSClient);
  const wanted = config.cluster.kubernetesVersion;
  const versions = await aws.paginate(
    'eks:DescribeClusterVersions',
    (token) =>
      client.send(new eks.DescribeClusterVersionsCommand({ includeAll: true, ...(token ? { nextToken: token } : {}) })),
    (p) => p.clusterVersions,
    (p) => p.nextToken,
  );
  const normalise = (s: string | undefined): string => (s ?? '').toUpperCase().replace(/-/g, '_');
  const supported = versions
    .filter((v) => normalise(v.versionStatus ?? v.status) !== 'UNSUPPORTED')
    .map((v) => v.clusterVersion ?? '')
    .sort(compareKubernetesVersions);
  const found = versions.find((v) => v.clusterVersion === wanted);
  const status = normalise(found?.versionStatus ?? found?.status);
  const base = { id: 'eks-version', area: 'eks' as const, critical: true, required: `Kubernetes ${wanted} supported` };
  if (!found || status === 'UNSUPPORTED' || status === '') {
    return {
      results: [
        {
          ...base,
          status: 'fail',
          current: found ? 'unsupported' : 'not offered',
          message: `EKS does not offer Kubernetes ${wanted} in ${config.aws.region}`,
          fix: `Set cluster.kubernetesVersion to one of: ${supported.join(', ') || 'none listed'}.`,
        },
      ],
    };
  }
  if (status === 'EXTENDED_SUPPORT') {
    return {
      results: [
        {
          ...base,
          status: 'warn',
          current: `extended support until ${day(found.endOfExtendedSupportDate)}`,
          message: `Kubernetes ${wanted} is in extended support (extra hourly cost) until ${day(found.endOfExtendedSupportDate)}`,
          fix: `Plan an upgrade; standard-support versions: ${supported.filter((v) => compareKubernetesVersions(v, wanted) > 0).join(', ') || 'see the EKS calendar'}.`,
        },
      ],
    };
  }
  return {
    results: [
      {
        ...base,
        status: 'pass',
        current: `standard support until ${day(found.endOfStandardSupportDate)}`,
        message: `Kubernetes ${wanted} is in standard support until ${day(found.endOfStandardSupportDate)}`,
        fix: '',
      },
    ],
  };
}
