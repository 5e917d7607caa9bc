/**
 * Whether a dry run may probe: the commands ask this before building their phase (no AWS API call is made).
 */
/** On a dry run: whether AWS credentials are at hand, so the plan may run the read-only probes. */
export async function dryRunProbe(
  dryRun: boolean,
  aws: { region: string; profile: string | undefined },
): Promise<boolean> {
  if (!dryRun) return false;
  const { credentialsAvailable } = await import('../aws/credentials.js');
  return credentialsAvailable(aws);
}
