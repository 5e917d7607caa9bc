/**
 * The collaborators Day 0 deploy and destroy share — the configuration and state directory, the CDK
 * toolkit adapter, the AWS target, a CloudFormation client per region and STS — built once here. Each
 * phase's factory adds its own clients from the same AwsClients (one client per class and region).
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from '../../aws/clients.js';
import type { AwsTarget, CdkToolkit } from '../../cdk/toolkit.js';
import type { CoderPlatformConfig } from '../../config/schema.js';

export interface Day0CommonServices {
  config: CoderPlatformConfig;
  stateDir: string;
  /** The toolkit adapter (toolkit-lib in production, a fake in tests). */
  cdk: CdkToolkit;
  /** Credentials and region for toolkit actions. */
  aws: AwsTarget;
  /** CloudFormation client per region (the DR vault lives in another region). */
  cloudFormation: (region: string) => CloudFormationClient;
  sts: STSClient;
}

export interface Day0CommonOptions {
  config: CoderPlatformConfig;
  stateDir: string;
  aws: AwsTarget;
}

/** The production collaborators both phases use, and the client cache a phase builds its other clients from. */
export async function createDay0CommonServices(
  options: Day0CommonOptions,
): Promise<{ common: Day0CommonServices; clients: AwsClients }> {
  const { AwsClients } = await import('../../aws/clients.js');
  const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
  const { STSClient } = await import('@aws-sdk/client-sts');
  const { toolkitLibAdapter } = await import('../../cdk/toolkit.js');
  const clients = new AwsClients({ region: options.aws.region, profile: options.aws.profile });
  return {
    clients,
    common: {
      config: options.config,
      stateDir: options.stateDir,
      cdk: toolkitLibAdapter,
      aws: options.aws,
      cloudFormation: (region) => clients.get(CloudFormationClient, region),
      sts: clients.get(STSClient),
    },
  };
}
