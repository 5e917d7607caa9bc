/**
 * Whether AWS credentials are at hand, without calling any AWS API: the SDK's own provider chain (or the
 * named profile) is asked to resolve them, which reads the environment, the shared files, SSO caches and,
 * unless AWS_EC2_METADATA_DISABLED, the instance metadata service. A dry run uses this to decide between
 * the plan from the configuration alone and the plan with what the probes find.
 */
import { createAwsClient } from './clients.js';

export async function credentialsAvailable(o: { region: string; profile?: string | undefined }): Promise<boolean> {
  const { STSClient } = await import('@aws-sdk/client-sts');
  const client = createAwsClient(STSClient, { region: o.region, profile: o.profile, maxAttempts: 1 });
  try {
    const credentials = await client.config.credentials();
    return typeof credentials?.accessKeyId === 'string' && credentials.accessKeyId !== '';
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}
