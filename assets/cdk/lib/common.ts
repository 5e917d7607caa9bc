/**
 * Small helpers shared by the stacks: cdk-nag acknowledgements scoped to one construct, node-tier lookup and
 * the resource names other layers compute from the config (so stacks can be deployed concurrently without
 * cross-stack references where only a name is needed).
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { CoderPlatformConfig } from '../../../src/config/schema.js';

/**
 * Acknowledge one cdk-nag finding on one construct (and its children). `appliesTo` narrows IAM4/IAM5 findings
 * to the exact policy or resource the finding names, e.g. `Resource::*` or `Policy::arn:<AWS::Partition>:iam::aws:policy/...`.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string, appliesTo?: string[]): void {
  const validations = Validations.of(scope);
  if (appliesTo && appliesTo.length > 0) {
    for (const finding of appliesTo) validations.acknowledge({ id: `${rule}[${finding}]`, reason });
  } else {
    validations.acknowledge({ id: rule, reason });
  }
}

/** Acknowledge the same rule in both packs when they flag the same property (AwsSolutions-X and NIST.800.53.R5-Y). */
export function acknowledgeAll(scope: IConstruct, rules: string[], reason: string): void {
  for (const rule of rules) acknowledge(scope, rule, reason);
}

/** Node tiers: every subnet tier that is neither public nor database, in config order. */
export function nodeTiers(config: CoderPlatformConfig): string[] {
  return Object.keys(config.network.subnets).filter((tier) => tier !== 'public' && tier !== 'database');
}

/** The tier the control node group runs in; interface endpoints live there ([pub-S]: control subnets only). */
export function controlTier(config: CoderPlatformConfig): string {
  const control = Object.values(config.cluster.nodeGroups).find((group) => group.role === 'control');
  return control?.subnetTier ?? nodeTiers(config)[0] ?? 'private';
}

/** Names the stacks agree on without referencing each other. */
export function resourceNames(config: CoderPlatformConfig): {
  cluster: string;
  dbSecret: string;
  coderTargetGroup: string;
  drVault: string;
  drStack: string;
  workspaceInstanceRole: string;
  databaseKeyAlias: string;
} {
  const name = config.deployment.name;
  // Target-group names are limited to 32 characters.
  const short = name.slice(0, 26);
  return {
    cluster: name,
    dbSecret: `${name}/database/master`,
    coderTargetGroup: `${short}-coder`,
    drVault: `${name}-dr`,
    drStack: `${name}-dr`,
    workspaceInstanceRole: `${name}-workspace-instance`,
    // The data stack's KMS key (storage, master secret, backups); coderd may decrypt through it by this alias.
    databaseKeyAlias: `alias/${name}/database`,
  };
}

/**
 * The tag key that marks resources created on behalf of a deployment: node instances and volumes (launch
 * templates), and EC2 workspaces, whose Terraform sets it as a provider default tag
 * (assets/templates/shared/ec2/providers.tf) — the provisioner role's conditions only work with this exact key.
 */
export const DEPLOYMENT_TAG = 'coder-platform/deployment';

/**
 * IAM path under which EC2 workspace templates create their instance roles and profiles
 * (assets/templates/shared/ec2/common.tf); the provisioner may create, pass and delete roles only under it.
 */
export function workspaceIamPath(deployment: string): string {
  return `/coder-platform/${deployment}/`;
}

/**
 * Attach statements to a role as a customer-managed policy (a child of the role, so the role's scoped
 * acknowledgements cover it) instead of an inline policy (NIST.800.53.R5-IAMNoInlinePolicy).
 */
export function attachPolicy(role: iam.Role, statements: iam.PolicyStatement[]): iam.ManagedPolicy {
  return new iam.ManagedPolicy(role, 'Policy', { statements, roles: [role] });
}
