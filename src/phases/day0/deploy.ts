/**
 * Day 0 deploy: the CloudFormation stacks of the bundled CDK app, as a resumable phase.
 *
 *   preflight-gate → bootstrap-check → synth → network (+ dr-vault) → data ∥ cluster → edge ∥ schedule
 *
 * The stack steps follow the app's real stack dependencies (edge and schedule need the cluster; data needs
 * the network and, with a cross-Region copy, the DR vault), so data and cluster deploy concurrently and the
 * phase takes the critical path, not the sum. Each stack step probes CloudFormation (complete status and
 * the deployed template equal to the synthesized one), streams CloudFormation events under itself through
 * the toolkit bridge, explains a stack left in ROLLBACK_COMPLETE or *_FAILED (first failed resource and its
 * reason) and, with approval, deletes it and deploys again.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { awsCall } from '../../aws/clients.js';
import { type CdkAssembly, assemblyDirectory } from '../../cdk/toolkit.js';
import {
  COMPLETE_STATUSES,
  CONTINUE_ROLLBACK_STATUSES,
  DELETE_AND_RETRY_STATUSES,
  continueRollbackAndWait,
  deleteStackAndWait,
  deployedTemplateMatches,
  describeStack,
  firstFailedResource,
  stackOutputs,
  waitWhileInProgress,
} from '../../cdk/stack-state.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import { stackName, type StackKind } from '../../deployment/outputs.js';
import type { EventHost } from '../../engine/host.js';
import type { Phase, Step, StepContext, StepOutputs } from '../../engine/types.js';
import { CancelledError, CheckFailedError, UserError } from '../../errors.js';
import { createDay0CommonServices, type Day0CommonOptions, type Day0CommonServices } from './services.js';

/** What the preflight gate needs from a preflight run. */
export interface PreflightGate {
  /** Critical checks that failed: deploying would fail or build something broken. */
  criticalFailures: { id: string; message: string }[];
}

export interface Day0DeployServices extends Day0CommonServices {
  /** Runs the preflight checks; undefined when the operator passed --skip-preflight. */
  preflight: (() => Promise<PreflightGate>) | undefined;
  /** Poll interval for CloudFormation waits. @default 5000 */
  pollMs?: number;
}

/** Minimum CDKToolkit bootstrap version the synthesized templates check for. */
export const MIN_BOOTSTRAP_VERSION = 6;

/** Expected durations (seed-facts §13: EKS ≈ 15 min, Aurora ≈ 10 min, RDS 10–15 min, ACM validation 2–5 min). */
export const EXPECTED_SECONDS: Record<StackKind | 'dr', number> = {
  network: 240,
  dr: 60,
  data: 600,
  cluster: 1200,
  edge: 300,
  schedule: 60,
};

const STACK_STEPS: { kind: StackKind; dependsOn: string[] }[] = [
  { kind: 'network', dependsOn: ['synth'] },
  { kind: 'data', dependsOn: ['network'] },
  { kind: 'cluster', dependsOn: ['network'] },
  { kind: 'edge', dependsOn: ['cluster'] },
  { kind: 'schedule', dependsOn: ['cluster'] },
];

/** The cross-Region backup vault stack exists when backups are copied to another Region. */
export function hasDrStack(config: CoderPlatformConfig): boolean {
  return config.database.crossRegionCopyRegion !== null && config.database.longTermRetentionDays > 0;
}

/** `<name>-dr`, as the app names it. */
export function drStackName(config: CoderPlatformConfig): string {
  return `${config.deployment.name}-dr`;
}

/**
 * Convert an assumed-role session ARN to the role ARN an EKS access entry needs (an access entry names an
 * existing IAM principal, never an STS session). The session ARN drops the role's path; IAM Identity Center
 * roles always live under `/aws-reserved/sso.amazonaws.com/`, so that path is put back. Other roles with a
 * custom path would need iam:GetRole, which this CLI does not call.
 */
export function principalArnOf(callerArn: string): string {
  const match = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  if (!match) return callerArn;
  const [, partition, account, role] = match;
  const path = role?.startsWith('AWSReservedSSO_') ? 'aws-reserved/sso.amazonaws.com/' : '';
  return `arn:${partition}:iam::${account}:role/${path}${role}`;
}

/**
 * The synthesized assembly, built once per run for the real account (the app falls back to a placeholder
 * account when the config has none, which is fine offline but not for deploying).
 */
export class AssemblyCache {
  private pending: Promise<CdkAssembly> | undefined;
  constructor(private readonly services: Pick<Day0DeployServices, 'config' | 'stateDir' | 'cdk' | 'aws'>) {}

  get(host: EventHost, identity: { account: string; principalArn: string }): Promise<CdkAssembly> {
    this.pending ??= this.services.cdk.synthesize({
      config: withAccount(this.services.config, identity.account),
      outdir: assemblyDirectory(this.services.stateDir),
      host,
      adminPrincipalArn: identity.principalArn,
      aws: this.services.aws,
    });
    return this.pending;
  }

  async dispose(): Promise<void> {
    if (!this.pending) return;
    const assembly = await this.pending.catch(() => undefined);
    await assembly?.dispose();
  }
}

export function withAccount(config: CoderPlatformConfig, account: string): CoderPlatformConfig {
  if (config.aws.accountId && config.aws.accountId !== account) {
    throw new UserError(
      `The credentials are for account ${account}, but coder-platform.yaml says aws.accountId ${config.aws.accountId}.`,
      {
        nextSteps: ['Pick the right credentials with --aws-profile, or correct aws.accountId.'],
      },
    );
  }
  return { ...config, aws: { ...config.aws, accountId: account } };
}

/** Who the credentials belong to (sts:GetCallerIdentity); refuses an account other than aws.accountId. */
export async function callerIdentity(
  services: Pick<Day0CommonServices, 'sts' | 'config'>,
): Promise<{ account: string; principalArn: string }> {
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const identity = await awsCall('sts:GetCallerIdentity', () => services.sts.send(new GetCallerIdentityCommand({})));
  const account = identity.Account ?? '';
  withAccount(services.config, account);
  return { account, principalArn: principalArnOf(identity.Arn ?? '') };
}

function identityOf(ctx: StepContext<Day0DeployServices>): { account: string; principalArn: string } {
  const out = ctx.outputs['bootstrap-check'];
  if (!out || typeof out.account !== 'string' || typeof out.principalArn !== 'string')
    throw new UserError('The bootstrap check has no recorded identity; re-run with --from bootstrap-check.');
  return { account: out.account, principalArn: out.principalArn };
}

/** Say which resource failed first in the stack's latest operation, and why. Returns that cause as text. */
export async function explainFailedStack(
  cfn: CloudFormationClient,
  name: string,
  status: string,
  host: EventHost,
): Promise<string> {
  const failure = await firstFailedResource(cfn, name);
  const cause = failure
    ? `${failure.logicalId} (${failure.resourceType}) ${failure.status}: ${failure.reason}`
    : 'CloudFormation recorded no failed resource';
  host.emit({
    level: 'warn',
    code: 'DAY0_STACK_FAILED',
    message: `${name} is ${status}. First failure: ${cause}`,
    data: { stackName: name, status, ...(failure ? { failure } : {}) },
  });
  return cause;
}

/**
 * Before deploying: wait out an operation CloudFormation is still running (e.g. after an interrupted run),
 * then explain a failed stack and, with approval, clear it so it can be deployed again.
 */
export async function recoverFailedStack(
  cfn: CloudFormationClient,
  name: string,
  host: EventHost,
  options: { signal?: AbortSignal | undefined; pollMs?: number | undefined },
): Promise<void> {
  const wait = { signal: options.signal, ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}) };
  let stack = await describeStack(cfn, name);
  if ((stack?.StackStatus ?? '').endsWith('_IN_PROGRESS')) {
    host.emit({
      level: 'info',
      code: 'DAY0_STACK_BUSY',
      message: `${name} is ${stack?.StackStatus}; waiting for CloudFormation to finish it.`,
    });
    stack = await waitWhileInProgress(cfn, name, wait);
  }
  const status = stack?.StackStatus;
  if (!status || (!DELETE_AND_RETRY_STATUSES.has(status) && !CONTINUE_ROLLBACK_STATUSES.has(status))) return;
  const cause = await explainFailedStack(cfn, name, status, host);
  if (CONTINUE_ROLLBACK_STATUSES.has(status)) {
    const ok = await host.confirm({
      code: 'DAY0_CONTINUE_ROLLBACK',
      message: `${name} is ${status}. Continue the rollback so the stack can be updated again?`,
    });
    if (!ok)
      throw new CancelledError(`${name} left in ${status}.`, {
        nextSteps: [
          `Fix the cause (${cause}) and run \`aws cloudformation continue-update-rollback --stack-name ${name}\`, then re-run.`,
        ],
      });
    await continueRollbackAndWait(cfn, name, wait);
    return;
  }
  const ok = await host.confirm({
    code: 'DAY0_DELETE_FAILED_STACK',
    message: `${name} is ${status} and cannot be updated. Delete it and create it again?`,
  });
  if (!ok)
    throw new CancelledError(`${name} left in ${status}.`, {
      nextSteps: [
        `Fix the cause (${cause}), delete the stack (\`aws cloudformation delete-stack --stack-name ${name}\`) or re-run with --yes to let coder-platform delete it.`,
      ],
    });
  host.emit({
    level: 'info',
    code: 'DAY0_STACK_DELETING',
    message: `Deleting ${name} (${status}) before deploying it again.`,
  });
  await deleteStackAndWait(cfn, name, wait);
}

/** The cluster stack records the Kubernetes version it runs (`coder-platform status` reports it). */
function versionOf(kind: StackKind | 'dr', services: Day0DeployServices): StepOutputs {
  return kind === 'cluster' ? { kubernetesVersion: services.config.cluster.kubernetesVersion } : {};
}

function stackStep(
  kind: StackKind | 'dr',
  name: string,
  region: string,
  dependsOn: string[],
  cache: AssemblyCache,
): Step<Day0DeployServices> {
  return {
    id: kind === 'dr' ? 'dr-vault' : kind,
    title:
      kind === 'dr'
        ? `Deploy the cross-Region backup vault (${name}, ${region})`
        : `Deploy the ${kind} stack (${name})`,
    dependsOn,
    expectedSeconds: EXPECTED_SECONDS[kind],
    isDone: async (ctx) => {
      const cfn = ctx.services.cloudFormation(region);
      const stack = await describeStack(cfn, name);
      if (!stack?.StackStatus || !COMPLETE_STATUSES.has(stack.StackStatus)) return undefined;
      const assembly = await cache.get(ctx.host, identityOf(ctx));
      if (!(await deployedTemplateMatches(cfn, name, assembly.stack(name).template))) return undefined;
      return {
        stackName: name,
        stackArn: stack.StackId ?? '',
        ...stackOutputs(stack),
        ...versionOf(kind, ctx.services),
      };
    },
    run: async (ctx) => {
      const cfn = ctx.services.cloudFormation(region);
      await recoverFailedStack(cfn, name, ctx.host, { signal: ctx.signal, pollMs: ctx.services.pollMs });
      const assembly = await cache.get(ctx.host, identityOf(ctx));
      try {
        const deployed = await assembly.deployStack(name, { host: ctx.host });
        return {
          stackName: name,
          stackArn: deployed.stackArn,
          ...deployed.outputs,
          ...versionOf(kind, ctx.services),
        } satisfies StepOutputs;
      } catch (error) {
        // Say at once what broke, so the operator need not open the console; the re-run offers the cleanup.
        const after = await describeStack(cfn, name).catch(() => undefined);
        if (
          after?.StackStatus &&
          (DELETE_AND_RETRY_STATUSES.has(after.StackStatus) ||
            after.StackStatus.endsWith('_FAILED') ||
            after.StackStatus === 'UPDATE_ROLLBACK_COMPLETE')
        ) {
          const failure = await firstFailedResource(cfn, name).catch(() => undefined);
          if (failure)
            ctx.host.emit({
              level: 'error',
              code: 'DAY0_STACK_FAILED',
              message: `${name} failed at ${failure.logicalId} (${failure.resourceType}): ${failure.reason}`,
              data: { stackName: name, status: after.StackStatus, failure },
            });
        }
        throw error;
      }
    },
  };
}

export function day0DeployPhase(config: CoderPlatformConfig, cache: AssemblyCache): Phase<Day0DeployServices> {
  const name = config.deployment.name;
  const region = config.aws.region;
  const dr = hasDrStack(config);
  const steps: Step<Day0DeployServices>[] = [
    {
      id: 'preflight-gate',
      title: 'Preflight: refuse to deploy while a critical check fails',
      expectedSeconds: 30,
      run: async (ctx): Promise<StepOutputs> => {
        if (!ctx.services.preflight) {
          ctx.host.emit({
            level: 'warn',
            code: 'DAY0_PREFLIGHT_SKIPPED',
            message: 'Preflight skipped (--skip-preflight): quotas, offerings and DNS were not checked.',
          });
          return { skipped: true };
        }
        const gate = await ctx.services.preflight();
        if (gate.criticalFailures.length > 0) {
          throw new CheckFailedError(
            `Preflight found ${gate.criticalFailures.length} critical problem${gate.criticalFailures.length === 1 ? '' : 's'}: ${gate.criticalFailures.map((f) => `${f.id}: ${f.message}`).join('; ')}`,
            {
              nextSteps: [
                'Fix them and run `coder-platform preflight` to confirm.',
                'Or pass --skip-preflight to deploy anyway (not recommended).',
              ],
            },
          );
        }
        return { skipped: false, criticalFailures: 0 };
      },
    },
    {
      id: 'bootstrap-check',
      title: 'Identity and CDK bootstrap of the account',
      dependsOn: ['preflight-gate'],
      expectedSeconds: 5,
      run: async (ctx) => {
        const { account, principalArn } = await callerIdentity(ctx.services);
        const regions = [
          region,
          ...(dr && config.database.crossRegionCopyRegion ? [config.database.crossRegionCopyRegion] : []),
        ];
        const versions: string[] = [];
        for (const r of regions) {
          const toolkitStack = await describeStack(ctx.services.cloudFormation(r), 'CDKToolkit');
          const version = Number(toolkitStack ? stackOutputs(toolkitStack).BootstrapVersion : NaN);
          if (
            !toolkitStack ||
            !COMPLETE_STATUSES.has(toolkitStack.StackStatus ?? '') ||
            !(version >= MIN_BOOTSTRAP_VERSION)
          ) {
            throw new UserError(
              toolkitStack
                ? `The CDK bootstrap stack in ${r} is ${toolkitStack.StackStatus} with version ${Number.isNaN(version) ? 'unknown' : version} (need ${MIN_BOOTSTRAP_VERSION} or later).`
                : `Account ${account} is not CDK-bootstrapped in ${r}.`,
              {
                nextSteps: [
                  `Run \`npx cdk bootstrap aws://${account}/${r}\` with administrator credentials, then re-run.`,
                ],
              },
            );
          }
          versions.push(`${r}=${version}`);
        }
        ctx.host.emit({
          level: 'info',
          code: 'DAY0_IDENTITY',
          message: `Deploying as ${principalArn} in ${account}; bootstrap ${versions.join(', ')}.`,
        });
        return { account, principalArn, bootstrapVersions: versions };
      },
    },
    {
      id: 'synth',
      title: 'Synthesize the CDK app (with cdk-nag)',
      dependsOn: ['bootstrap-check'],
      expectedSeconds: 5,
      run: async (ctx) => {
        const assembly = await cache.get(ctx.host, identityOf(ctx));
        const summary = assembly.stacks.map((s) => `${s.name}=${s.resources}`);
        ctx.host.emit({
          level: 'info',
          code: 'DAY0_SYNTHESIZED',
          message: `Synthesized ${assembly.stacks.length} stacks: ${summary.join(', ')}`,
          data: { directory: assembly.directory },
        });
        return { directory: assembly.directory, stacks: summary };
      },
    },
    ...(dr && config.database.crossRegionCopyRegion
      ? [stackStep('dr', drStackName(config), config.database.crossRegionCopyRegion, ['synth'], cache)]
      : []),
    ...STACK_STEPS.map(({ kind, dependsOn }) =>
      stackStep(
        kind,
        stackName(name, kind),
        region,
        kind === 'data' && dr ? [...dependsOn, 'dr-vault'] : dependsOn,
        cache,
      ),
    ),
  ];
  return { name: 'day0-deploy', version: 1, steps };
}

export interface Day0ServiceOptions extends Day0CommonOptions {
  /** Skip the preflight gate (--skip-preflight): the gate step then only warns. */
  skipPreflight: boolean;
}

/** The production collaborators: toolkit-lib, SDK clients per region, and the preflight checks. */
export async function createDay0DeployServices(options: Day0ServiceOptions): Promise<Day0DeployServices> {
  const { common } = await createDay0CommonServices(options);
  return {
    ...common,
    preflight: options.skipPreflight
      ? undefined
      : async () => {
          const { runPreflightChecks, criticalFailures } = await import('../preflight/service.js');
          const { createPreflightServices } = await import('../preflight/service.js');
          const { RecordingHost } = await import('../../engine/host.js');
          // The gate reports only its verdict; the checks' own events stay out of the deploy's step list.
          const report = await runPreflightChecks(
            options.config,
            createPreflightServices(options.config, { awsProfile: options.aws.profile }),
            new RecordingHost(),
          );
          return { criticalFailures: criticalFailures(report) };
        },
  };
}
