/**
 * CDK bootstrap: the CDKToolkit stack exists in the account and region with a BootstrapVersion output at
 * or above the minimum (aws-cdk-lib DefaultStackSynthesizer needs 6 to deploy; context lookups, which we do not use, need 8).
 */
import type { CheckOutcome, PreflightServices } from '../types.js';

export const CDK_TOOLKIT_STACK = 'CDKToolkit';
export const MIN_BOOTSTRAP_VERSION = 6;

export async function checkCdkBootstrap(services: PreflightServices): Promise<CheckOutcome> {
  const { aws, config, options } = services;
  const cfn = await import('@aws-sdk/client-cloudformation');
  const [identity, stack] = await Promise.all([
    services.identity(),
    aws.call(
      'cloudformation:DescribeStacks',
      async () => {
        try {
          const out = await aws
            .client(cfn.CloudFormationClient)
            .send(new cfn.DescribeStacksCommand({ StackName: CDK_TOOLKIT_STACK }));
          return out.Stacks?.[0];
        } catch (error) {
          // CloudFormation answers a missing stack with ValidationError "Stack with id CDKToolkit does not exist".
          if (
            (error as { name?: string }).name === 'ValidationError' &&
            /does not exist/.test((error as Error).message)
          )
            return undefined;
          throw error;
        }
      },
      CDK_TOOLKIT_STACK,
    ),
  ]);
  const command = `cdk bootstrap aws://${identity.account}/${config.aws.region}`;
  const base = {
    id: 'cdk-bootstrap',
    area: 'cdk' as const,
    critical: true,
    required: `${CDK_TOOLKIT_STACK} version ≥ ${options.minBootstrapVersion}`,
  };
  if (!stack)
    return {
      results: [
        {
          ...base,
          status: 'fail',
          current: 'not bootstrapped',
          message: `${config.aws.region} of account ${identity.account} is not CDK-bootstrapped`,
          fix: `Run: ${command}`,
        },
      ],
    };
  const status = stack.StackStatus ?? '';
  if (!/_COMPLETE$/.test(status) || /ROLLBACK|DELETE/.test(status)) {
    return {
      results: [
        {
          ...base,
          status: 'fail',
          current: status,
          message: `${CDK_TOOLKIT_STACK} is in state ${status}`,
          fix: `Let the stack settle or delete it, then run: ${command}`,
        },
      ],
    };
  }
  const version = Number(stack.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue ?? Number.NaN);
  if (Number.isNaN(version) || version < options.minBootstrapVersion) {
    return {
      results: [
        {
          ...base,
          status: 'fail',
          current: Number.isNaN(version) ? 'no BootstrapVersion output' : `version ${version}`,
          message: `${CDK_TOOLKIT_STACK} is older than version ${options.minBootstrapVersion}`,
          fix: `Run: ${command}`,
        },
      ],
    };
  }
  return {
    results: [
      {
        ...base,
        status: 'pass',
        current: `version ${version}`,
        message: `${CDK_TOOLKIT_STACK} version ${version} in ${config.aws.region}`,
        fix: '',
      },
    ],
  };
}
