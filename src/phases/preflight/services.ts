/** Builds the preflight's collaborators from the resolved config: AWS access, the tool runner, the shared identity. */
import type { CoderPlatformConfig } from '../../config/schema.js';
import { PreflightAws, type PreflightAwsOptions } from './aws.js';
import { MIN_BOOTSTRAP_VERSION } from './checks/cdk-bootstrap.js';
import { getCallerIdentity } from './checks/identity.js';
import { execaRunner, type CommandRunner } from './runner.js';
import type { Identity, PreflightOptions, PreflightServices } from './types.js';

export interface CreatePreflightServicesOptions extends Partial<PreflightOptions> {
  awsProfile?: string | undefined;
  runner?: CommandRunner;
  aws?: Omit<PreflightAwsOptions, 'region' | 'profile'>;
}

export function createPreflightServices(
  config: CoderPlatformConfig,
  options: CreatePreflightServicesOptions = {},
): PreflightServices {
  const aws = new PreflightAws({
    region: config.aws.region,
    ...(options.awsProfile ? { profile: options.awsProfile } : {}),
    ...options.aws,
  });
  let identity: Promise<Identity> | undefined;
  return {
    config,
    aws,
    runner: options.runner ?? execaRunner,
    options: {
      requestIncreases: options.requestIncreases ?? false,
      buffer: options.buffer ?? 0.2,
      minBootstrapVersion: options.minBootstrapVersion ?? MIN_BOOTSTRAP_VERSION,
    },
    identity: () => {
      identity ??= getCallerIdentity(aws);
      return identity;
    },
  };
}
