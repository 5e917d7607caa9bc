/** Who we are: sts:GetCallerIdentity (needs no permission); the account must match the config; root gets a warning. */
import type { CheckOutcome, Identity, PreflightServices } from '../types.js';
import type { PreflightAws } from '../aws.js';

export async function getCallerIdentity(aws: PreflightAws): Promise<Identity> {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const out = await aws.call('sts:GetCallerIdentity', () =>
    aws.client(STSClient).send(new GetCallerIdentityCommand({})),
  );
  return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
}

export async function checkIdentity(services: PreflightServices): Promise<CheckOutcome> {
  const id = await services.identity();
  const expected = services.config.aws.accountId;
  const base = { id: 'identity', area: 'identity' as const, critical: true, current: `${id.account} (${id.arn})` };
  if (expected && expected !== id.account) {
    return {
      results: [
        {
          ...base,
          status: 'fail',
          required: expected,
          message: `the credentials are for account ${id.account}, the config names ${expected}`,
          fix: `Use credentials for account ${expected} (--aws-profile NAME), or correct aws.accountId.`,
        },
      ],
    };
  }
  const root = /:root$/.test(id.arn);
  return {
    results: [
      {
        ...base,
        status: root ? 'warn' : 'pass',
        ...(expected ? { required: expected } : {}),
        message: root ? `running as the root user of account ${id.account}` : `account ${id.account} as ${id.arn}`,
        fix: root
          ? 'Use an IAM role or IAM Identity Center user with the deployment permissions instead of the root user.'
          : '',
      },
    ],
  };
}
