/**
 * The hidden `eks-token` command's service: an EKS bearer token from the AWS credential chain, as the
 * Kubernetes ExecCredential kubectl and helm read. src/k8s/eks-token.ts presigns; this picks the credentials
 * (the profile, else the default chain) and maps an SDK failure like every other AWS call.
 */
import { awsCall } from '../aws/clients.js';
import { defaultCredentials, eksExecCredential, type ExecCredential } from '../k8s/eks-token.js';

export type { ExecCredential };

export async function eksToken(o: {
  clusterName: string;
  region: string;
  profile: string | undefined;
}): Promise<ExecCredential> {
  const credentials = await defaultCredentials(o.profile);
  return awsCall(
    'sts:GetCallerIdentity (presign)',
    () => eksExecCredential({ clusterName: o.clusterName, region: o.region, credentials }),
    o.clusterName,
  );
}
