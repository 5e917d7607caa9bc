/**
 * The coder-platform CDK app, built from a resolved config: constructs and stacks only (no SDK calls, no
 * context lookups), so synthesis works offline with a fixed environment and AZs taken from the config.
 */
import { App, Tags, Validations, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { availabilityZones, type CoderPlatformConfig } from '../../../src/config/schema.js';
import { STACK_KINDS, stackName, type StackKind } from '../../../src/deployment/outputs.js';
import { ClusterStack } from './cluster-stack.js';
import { resourceNames } from './common.js';
import { DataStack, DrVaultStack } from './data-stack.js';
import { EdgeStack } from './edge-stack.js';
import { NetworkStack } from './network-stack.js';
import { ScheduleStack } from './schedule-stack.js';

export const DEFAULT_ACCOUNT = '111111111111';

export interface BuildAppOptions {
  /** An existing App (e.g. from toolkit-lib's assembly builder); by default a new one. */
  app?: App;
  /** Cloud assembly directory for a new App. */
  outdir?: string;
  /** IAM principal that gets a cluster-admin access entry (the deploying identity). */
  adminPrincipalArn?: string;
  /** Run the cdk-nag AwsSolutions and NIST 800-53 rev 5 packs on synth (default true). */
  nag?: boolean;
}

export interface CoderPlatformApp {
  app: App;
  stacks: Record<StackKind, Stack>;
  /** `<name>-dr` in database.crossRegionCopyRegion (the cross-Region backup vault); the data stack depends on it. */
  drStack?: Stack;
}

/** Context the app needs to synthesize offline: AZs for the fixed account/region, strong cross-stack references. */
export function offlineContext(config: CoderPlatformConfig): Record<string, unknown> {
  const account = config.aws.accountId ?? DEFAULT_ACCOUNT;
  return {
    [`availability-zones:account=${account}:region=${config.aws.region}`]: availabilityZones(config),
    '@aws-cdk/core:defaultCrossStackReferences': 'strong',
  };
}

export function buildCoderPlatformApp(config: CoderPlatformConfig, options: BuildAppOptions = {}): CoderPlatformApp {
  const account = config.aws.accountId ?? DEFAULT_ACCOUNT;
  const region = config.aws.region;
  const context = offlineContext(config);
  const app =
    options.app ??
    new App({
      ...(options.outdir ? { outdir: options.outdir } : {}),
      context,
      builtinCloudFormationValidation: process.env.CDK_VALIDATION !== 'false',
    });
  if (options.app)
    for (const [key, value] of Object.entries(context))
      if (app.node.tryGetContext(key) === undefined) app.node.setContext(key, value);

  const env = { account, region };
  const name = config.deployment.name;
  const names = resourceNames(config);
  const description = (kind: string) => `coder-platform ${config.profile} ${kind} for ${name}`;

  const network = new NetworkStack(app, 'Network', {
    stackName: stackName(name, 'network'),
    env,
    config,
    description: description('network'),
  });

  let drStack: Stack | undefined;
  if (config.database.crossRegionCopyRegion && config.database.longTermRetentionDays > 0) {
    drStack = new DrVaultStack(app, 'DrVault', {
      stackName: names.drStack,
      env: { account, region: config.database.crossRegionCopyRegion },
      config,
      vaultName: names.drVault,
      description: description('cross-Region backup vault'),
    });
  }
  const data = new DataStack(app, 'Data', {
    stackName: stackName(name, 'data'),
    env,
    config,
    network,
    secretName: names.dbSecret,
    ...(drStack ? { drVaultName: names.drVault } : {}),
    description: description('database'),
  });
  const cluster = new ClusterStack(app, 'Cluster', {
    stackName: stackName(name, 'cluster'),
    env,
    config,
    network,
    ...(options.adminPrincipalArn ? { adminPrincipalArn: options.adminPrincipalArn } : {}),
    description: description('EKS cluster'),
  });
  const edge = new EdgeStack(app, 'Edge', {
    stackName: stackName(name, 'edge'),
    env,
    config,
    network,
    description: description('edge (NLB, TLS, DNS)'),
  });
  const schedule = new ScheduleStack(app, 'Schedule', {
    stackName: stackName(name, 'schedule'),
    env,
    config,
    cluster,
    description: description('business-hours schedule'),
  });

  data.addStackDependency(network);
  if (drStack) data.addStackDependency(drStack);
  cluster.addStackDependency(network);
  edge.addStackDependency(network);
  edge.addStackDependency(cluster);
  schedule.addStackDependency(cluster);

  const stacks: Record<StackKind, Stack> = { network, data, cluster, edge, schedule };
  for (const stack of [...STACK_KINDS.map((k) => stacks[k]), ...(drStack ? [drStack] : [])]) {
    Tags.of(stack).add('Project', name);
    Tags.of(stack).add('Environment', config.deployment.environment);
    Tags.of(stack).add('ManagedBy', 'coder-platform');
    Tags.of(stack).add('Shape', config.profile);
  }

  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
  }
  return { app, stacks, ...(drStack ? { drStack } : {}) };
}
