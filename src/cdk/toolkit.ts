/**
 * The adapter over @aws-cdk/toolkit-lib (pinned 1.40.1; toolchain.md §5). Synthesis runs in-process through
 * `fromAssemblyBuilder` with lookups off, no default-environment resolution and a MemoryContext seeded with
 * the app's offline context, so `plan` needs no credentials and no network. The synthesized assembly is kept
 * and handed to every later action (deploy, destroy, diff): re-reading the source while it is alive fails
 * with a ConcurrentReadLock.
 *
 * Each action gets its own Toolkit whose IoHost is a bridge to the caller's EventHost, so CloudFormation
 * events of concurrently deployed stacks land under the step that deploys them.
 */
import { join } from 'node:path';
import type * as ToolkitLibModule from '@aws-cdk/toolkit-lib';
import type { CoderPlatformConfig } from '../config/schema.js';
import type { EventHost } from '../engine/host.js';
import { CancelledError, CoderPlatformError, ExternalError, UserError } from '../errors.js';
import { ToolkitIoBridge } from './io-bridge.js';

/** One stack of the synthesized assembly. */
export interface SynthesizedStack {
  /** CloudFormation stack name, e.g. `coder-network`. */
  name: string;
  /** Construct path inside the app, e.g. `Network`. */
  hierarchicalId: string;
  /** Region the stack deploys to. */
  region: string;
  /** Number of CloudFormation resources. */
  resources: number;
  /** Resource type → count. */
  resourceTypes: Record<string, number>;
  /** The synthesized template (parsed JSON). */
  template: Record<string, unknown>;
  /** Absolute path of the template file in the assembly directory. */
  templatePath: string;
  /** Names of the stacks this one depends on. */
  dependencies: string[];
}

/** The change a diff found for one resource. */
export interface ResourceChange {
  logicalId: string;
  resourceType: string;
  change: 'add' | 'remove' | 'update';
  /** For updates: whether CloudFormation would replace the resource. */
  replacement?: boolean;
}

export interface StackDiffSummary {
  stack: string;
  /** Total differences (resources, outputs, parameters …). */
  differences: number;
  resources: ResourceChange[];
  /** IAM or security-group changes that broaden access. */
  permissionsBroadened: boolean;
}

export interface DeployedStack {
  stackName: string;
  stackArn: string;
  /** CloudFormation outputs (our stacks output identifiers and ARNs, never secret values). */
  outputs: Record<string, string>;
}

export interface ActionOptions {
  /** The step's host: stack events and approval questions go here. */
  host: EventHost;
}

/** A synthesized cloud assembly and the actions that consume it. Call dispose() when done. */
export interface CdkAssembly {
  readonly directory: string;
  readonly stacks: readonly SynthesizedStack[];
  stack(name: string): SynthesizedStack;
  /** Deploy one stack with a CloudFormation change set (security-sensitive changes are confirmed through the host). */
  deployStack(stackName: string, options: ActionOptions): Promise<DeployedStack>;
  /** Destroy one stack. `approved` answers the toolkit's per-stack confirmation (the caller already asked). */
  destroyStack(stackName: string, options: ActionOptions & { approved: boolean }): Promise<void>;
  /** Diff one stack against a deployed template saved to a local file (no AWS call). */
  diffStack(stackName: string, deployedTemplatePath: string, options: ActionOptions): Promise<StackDiffSummary>;
  dispose(): Promise<void>;
}

export interface AwsTarget {
  /** Shared-config profile (`--aws-profile`). */
  profile?: string | undefined;
  /** Region for the toolkit's default SDK configuration. */
  region: string;
}

export interface SynthesizeOptions {
  config: CoderPlatformConfig;
  /** Cloud assembly directory, normally `<stateDir>/cdk.out`. */
  outdir: string;
  /** Synth messages (timing, nag findings) go here. */
  host: EventHost;
  /** The principal that gets the cluster-admin access entry. */
  adminPrincipalArn?: string | undefined;
  /** Credentials for the actions that reach AWS (deploy, destroy). Omitted: none, so only offline actions work. */
  aws?: AwsTarget | undefined;
  /**
   * Run aws-cdk-lib's built-in CloudFormation validator (≈ 3 s per synth, toolchain.md §3). cdk-nag always runs.
   * @default false
   */
  validateTemplates?: boolean;
}

/** The seam the phases use; tests inject a fake. */
export interface CdkToolkit {
  synthesize(options: SynthesizeOptions): Promise<CdkAssembly>;
}

type ToolkitLib = typeof ToolkitLibModule;

/** The real toolkit-lib adapter. */
export const toolkitLibAdapter: CdkToolkit = {
  async synthesize(options: SynthesizeOptions): Promise<CdkAssembly> {
    // Loaded together: module loading is most of a plan's time, and the file reads overlap.
    const [lib, { buildCoderPlatformApp, offlineContext }, { App }] = await Promise.all([
      import('@aws-cdk/toolkit-lib'),
      import('../../assets/cdk/lib/app.js'),
      import('aws-cdk-lib'),
    ]);
    const bridge = new ToolkitIoBridge(options.host);
    const toolkit = newToolkit(lib, bridge, options.aws);
    const context = offlineContext(options.config);
    const validate = options.validateTemplates ?? false;
    let source;
    let cached;
    try {
      source = await toolkit.fromAssemblyBuilder(
        async (props) => {
          const app = new App({
            outdir: props.outdir,
            context: { ...context, ...props.context },
            builtinCloudFormationValidation: validate,
          });
          buildCoderPlatformApp(options.config, {
            app,
            ...(options.adminPrincipalArn ? { adminPrincipalArn: options.adminPrincipalArn } : {}),
            nag: true,
          });
          return app.synth();
        },
        {
          outdir: options.outdir,
          lookups: false,
          resolveDefaultEnvironment: false,
          contextStore: new lib.MemoryContext(context),
          clobberEnv: false,
          disposeOutdir: false,
          synthOptions: { validation: validate },
        },
      );
      cached = await toolkit.synth(source, { validateStacks: false });
    } catch (error) {
      throw synthError(lib, error);
    }
    return new ToolkitAssembly(lib, cached, options.aws);
  },
};

function newToolkit(lib: ToolkitLib, bridge: ToolkitIoBridge, aws: AwsTarget | undefined) {
  const baseCredentials = aws
    ? lib.BaseCredentials.awsCliCompatible({
        ...(aws.profile ? { profile: aws.profile } : {}),
        defaultRegion: aws.region,
      })
    : lib.BaseCredentials.none();
  return new lib.Toolkit({ ioHost: bridge, sdkConfig: { baseCredentials }, color: false, emojis: false });
}

class ToolkitAssembly implements CdkAssembly {
  readonly directory: string;
  readonly stacks: SynthesizedStack[];

  constructor(
    private readonly lib: ToolkitLib,
    private readonly cached: InstanceType<ToolkitLib['CachedCloudAssembly']>,
    private readonly aws: AwsTarget | undefined,
  ) {
    const assembly = cached.cloudAssembly;
    this.directory = assembly.directory;
    this.stacks = assembly.stacksRecursively.map((artifact) => {
      const template = artifact.template as Record<string, unknown>;
      const { resources, resourceTypes } = countResources(template);
      return {
        name: artifact.stackName,
        hierarchicalId: artifact.hierarchicalId,
        region: artifact.environment.region,
        resources,
        resourceTypes,
        template,
        templatePath: artifact.templateFullPath,
        dependencies: artifact.dependencies
          .filter((d) => 'stackName' in d)
          .map((d) => (d as { stackName: string }).stackName),
      };
    });
  }

  stack(name: string): SynthesizedStack {
    const found = this.stacks.find((s) => s.name === name);
    if (!found)
      throw new UserError(
        `The synthesized app has no stack named ${name} (it has ${this.stacks.map((s) => s.name).join(', ')}).`,
      );
    return found;
  }

  private selector(stackName: string) {
    return {
      strategy: this.lib.StackSelectionStrategy.PATTERN_MUST_MATCH_SINGLE,
      patterns: [this.stack(stackName).hierarchicalId],
    };
  }

  private requireAws(operation: string): AwsTarget {
    if (!this.aws)
      throw new UserError(`${operation} needs AWS credentials, and this assembly was synthesized for offline use.`);
    return this.aws;
  }

  async deployStack(stackName: string, options: ActionOptions): Promise<DeployedStack> {
    const aws = this.requireAws('Deploying');
    const bridge = new ToolkitIoBridge(options.host);
    const toolkit = newToolkit(this.lib, bridge, aws);
    try {
      const result = await toolkit.deploy(this.cached, {
        stacks: this.selector(stackName),
        deploymentMethod: { method: 'change-set' },
        concurrency: 1,
      });
      const deployed = result.stacks.find((s) => s.stackName === stackName);
      if (!deployed)
        throw new ExternalError('aws', 'cloudformation:ExecuteChangeSet', 'the toolkit reported no deployed stack', {
          resource: stackName,
        });
      return { stackName, stackArn: deployed.stackArn, outputs: { ...deployed.outputs } };
    } catch (error) {
      throw actionError(this.lib, bridge, error, 'cloudformation:ExecuteChangeSet', stackName);
    }
  }

  async destroyStack(stackName: string, options: ActionOptions & { approved: boolean }): Promise<void> {
    const aws = this.requireAws('Destroying');
    const bridge = new ToolkitIoBridge(options.host, options.approved ? { preApproved: ['CDK_TOOLKIT_I7010'] } : {});
    const toolkit = newToolkit(this.lib, bridge, aws);
    try {
      const result = await toolkit.destroy(this.cached, { stacks: this.selector(stackName) });
      if (!result.stacks.some((s) => s.stackName === stackName))
        throw new CancelledError(`Destroying ${stackName} was not confirmed.`);
    } catch (error) {
      throw actionError(this.lib, bridge, error, 'cloudformation:DeleteStack', stackName);
    }
  }

  async diffStack(stackName: string, deployedTemplatePath: string, options: ActionOptions): Promise<StackDiffSummary> {
    const bridge = new ToolkitIoBridge(options.host);
    const toolkit = newToolkit(this.lib, bridge, undefined);
    try {
      const diffs = await toolkit.diff(this.cached, {
        stacks: this.selector(stackName),
        method: this.lib.DiffMethod.LocalFile(deployedTemplatePath),
      });
      const diff = Object.values(diffs)[0];
      const resources: ResourceChange[] = [];
      diff?.resources.forEachDifference((logicalId, change) => {
        const kind = change.isAddition ? 'add' : change.isRemoval ? 'remove' : 'update';
        resources.push({
          logicalId,
          resourceType: change.resourceType ?? 'unknown',
          change: kind,
          ...(kind === 'update' ? { replacement: change.changeImpact === 'WILL_REPLACE' } : {}),
        });
      });
      return {
        stack: stackName,
        differences: diff?.differenceCount ?? 0,
        resources,
        permissionsBroadened: diff?.permissionsBroadened ?? false,
      };
    } catch (error) {
      throw actionError(this.lib, bridge, error, 'cdk diff', stackName);
    }
  }

  async dispose(): Promise<void> {
    await this.cached.dispose();
  }
}

/** Resource totals of a template. */
export function countResources(template: Record<string, unknown>): {
  resources: number;
  resourceTypes: Record<string, number>;
} {
  const resourceTypes: Record<string, number> = {};
  const resources = (template.Resources ?? {}) as Record<string, { Type?: string }>;
  for (const resource of Object.values(resources)) {
    const type = resource.Type ?? 'unknown';
    resourceTypes[type] = (resourceTypes[type] ?? 0) + 1;
  }
  return {
    resources: Object.keys(resources).length,
    resourceTypes: Object.fromEntries(Object.entries(resourceTypes).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The default assembly directory inside the state directory. */
export function assemblyDirectory(stateDir: string): string {
  return join(stateDir, 'cdk.out');
}

function synthError(lib: ToolkitLib, error: unknown): Error {
  if (CoderPlatformError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (lib.ToolkitError.isContextLookupsDisabledError(error)) {
    return new ExternalError(
      'cdk',
      'synth',
      `the app needs a context lookup, which offline synthesis does not allow: ${message}`,
      {
        nextSteps: ['Set aws.availabilityZones in coder-platform.yaml so the app needs no lookups.'],
        cause: error,
      },
    );
  }
  if (lib.ToolkitError.isAssemblyError(error)) {
    return new ExternalError('cdk', 'synth', message, {
      nextSteps: ['cdk-nag or the app reported errors above; run with --verbose to see every finding.'],
      cause: error,
    });
  }
  return new ExternalError('cdk', 'synth', message, { cause: error });
}

function actionError(
  lib: ToolkitLib,
  bridge: ToolkitIoBridge,
  error: unknown,
  operation: string,
  stackName: string,
): Error {
  // Our host refused to confirm (non-interactive without --yes): that error names the flag; keep it.
  if (bridge.refusal !== undefined)
    return CoderPlatformError.is(bridge.refusal) ? bridge.refusal : new UserError(String(bridge.refusal));
  if (CoderPlatformError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (lib.ToolkitError.isAbortError(error)) return new CancelledError(`${stackName}: ${message}.`);
  if (lib.ToolkitError.isAuthenticationError(error)) {
    return new ExternalError('aws', operation, `credentials are missing, invalid or expired: ${message}`, {
      resource: stackName,
      nextSteps: ['Run `aws sso login` (or refresh your keys) and re-run; pass --aws-profile NAME to pick a profile.'],
      cause: error,
    });
  }
  return new ExternalError('aws', operation, message, {
    resource: stackName,
    nextSteps: ['See the CloudFormation events above; re-run the same command to resume.'],
    cause: error,
  });
}
