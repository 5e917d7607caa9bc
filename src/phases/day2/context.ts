/**
 * What every day-2 command builds before calling its service: AWS clients for the configured region and
 * profile, Day 0's stack outputs, the kubeconfig in the state directory (helm / kubectl), the Coder API with
 * the session token from Secrets Manager, and the database master credentials, resolved only at use.
 * Everything is created lazily so a command only builds what it needs.
 */
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { DeploymentOutputs } from '../../deployment/outputs.js';
import { secretNames } from '../../deployment/outputs.js';
import { ExternalError } from '../../errors.js';
import type { CoderClient } from '../../coder/client.js';
import type { Helm } from '../../k8s/helm.js';
import type { Kubectl } from '../../k8s/kubectl.js';
import type { AwsClients } from '../../aws/clients.js';
import type { SecretStore } from '../../aws/secrets.js';
import type { EventHost } from '../../engine/host.js';
import type { ScheduleTarget } from './scale-schedule/service.js';

export interface Day2Context {
  config: CoderPlatformConfig;
  stateDir: string;
  aws(): Promise<AwsClients>;
  outputs(): Promise<DeploymentOutputs>;
  secrets(): Promise<SecretStore>;
  /** Writes (or refreshes) `<stateDir>/kubeconfig` first. */
  helm(): Promise<Helm>;
  kubectl(): Promise<Kubectl>;
  /** The Coder API with the stored session token, or undefined when none is stored. */
  coder(): Promise<CoderClient | undefined>;
  /** The Coder API without a token: /healthz and /buildinfo are public. */
  coderAnonymous(): Promise<CoderClient>;
  /** The live database's master credentials (Secrets Manager), never stored. */
  databaseCredentials(): Promise<{ username: string; password: string }>;
}

export function createDay2Context(o: {
  config: CoderPlatformConfig;
  stateDir: string;
  awsProfile: string | undefined;
}): Day2Context {
  const memo = <T>(f: () => Promise<T>): (() => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () =>
      (p ??= f().catch((error: unknown) => {
        p = undefined;
        throw error;
      }));
  };
  const aws = memo(async () => {
    const { AwsClients } = await import('../../aws/clients.js');
    return new AwsClients({ region: o.config.aws.region, profile: o.awsProfile });
  });
  const outputs = memo(async () => {
    const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
    const { readDeploymentOutputs } = await import('../../cdk/read-outputs.js');
    return readDeploymentOutputs((await aws()).get(CloudFormationClient), o.config.deployment.name);
  });
  const secrets = memo(async () => {
    const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const { SecretStore } = await import('../../aws/secrets.js');
    return new SecretStore((await aws()).get(SecretsManagerClient));
  });
  const kubeconfig = memo(async () => {
    const { writeKubeconfig } = await import('../../k8s/kubeconfig.js');
    const out = await outputs();
    const written = await writeKubeconfig(o.stateDir, {
      cluster: {
        name: out.cluster.name,
        endpoint: out.cluster.endpoint,
        certificateAuthority: out.cluster.certificateAuthority,
      },
      region: o.config.aws.region,
      authMethod: o.config.cluster.authMethod,
      ...(o.awsProfile ? { awsProfile: o.awsProfile } : {}),
    });
    const { createExecaRunner } = await import('../../k8s/exec.js');
    return { path: written.path, runner: createExecaRunner() };
  });
  return {
    config: o.config,
    stateDir: o.stateDir,
    aws,
    outputs,
    secrets,
    helm: memo(async () => {
      const { Helm } = await import('../../k8s/helm.js');
      const k = await kubeconfig();
      return new Helm(k.runner, { kubeconfig: k.path });
    }),
    kubectl: memo(async () => {
      const { Kubectl } = await import('../../k8s/kubectl.js');
      const k = await kubeconfig();
      return new Kubectl(k.runner, { kubeconfig: k.path });
    }),
    coder: memo(async () => {
      const { CoderClient } = await import('../../coder/client.js');
      const token = await (await secrets()).get(secretNames(o.config.deployment.name).sessionToken);
      if (!token) return undefined;
      const out = await outputs();
      return new CoderClient({ baseUrl: out.edge.accessUrl, sessionToken: token });
    }),
    coderAnonymous: memo(async () => {
      const { CoderClient } = await import('../../coder/client.js');
      return new CoderClient({ baseUrl: (await outputs()).edge.accessUrl });
    }),
    async databaseCredentials() {
      const arn = (await outputs()).database.secretArn;
      const text = await (await secrets()).get(arn);
      const parsed = (() => {
        try {
          return JSON.parse(text ?? '') as { username?: unknown; password?: unknown };
        } catch {
          return {};
        }
      })();
      if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string') {
        throw new ExternalError(
          'aws',
          'secretsmanager:GetSecretValue',
          'the database secret has no username/password JSON',
          { resource: arn },
        );
      }
      return { username: parsed.username, password: parsed.password };
    },
  };
}

/** Where in-cluster day-2 Jobs run: the control group (it reaches the database like coderd does). */
export async function controlPlacement(config: CoderPlatformConfig): Promise<{
  nodeSelector: Record<string, string>;
  tolerations: { key: string; value: string; effect: string; operator: 'Equal' }[];
}> {
  const { NODE_LABEL_KEY } = await import('../../config/profiles.js');
  const control = Object.values(config.cluster.nodeGroups).find((g) => g.role === 'control');
  return {
    nodeSelector: { [NODE_LABEL_KEY]: 'control' },
    tolerations: (control?.taints ?? []).map((t) => ({
      key: t.key,
      value: t.value,
      effect: t.effect,
      operator: 'Equal' as const,
    })),
  };
}

/** Redeploy only the schedule stack from a (changed) configuration, through the CDK toolkit adapter. */
export async function deployScheduleStack(o: {
  config: CoderPlatformConfig;
  stateDir: string;
  awsProfile: string | undefined;
  host: EventHost;
}): Promise<void> {
  const { toolkitLibAdapter, assemblyDirectory } = await import('../../cdk/toolkit.js');
  const { stackName } = await import('../../deployment/outputs.js');
  const assembly = await toolkitLibAdapter.synthesize({
    config: o.config,
    outdir: assemblyDirectory(o.stateDir),
    host: o.host,
    aws: { region: o.config.aws.region, profile: o.awsProfile },
  });
  try {
    await assembly.deployStack(stackName(o.config.deployment.name, 'schedule'), { host: o.host });
  } finally {
    await assembly.dispose();
  }
}

/** The schedule's AWS names, from Day 0's outputs. */
export async function scheduleTargetFor(ctx: Day2Context, configPath: string): Promise<ScheduleTarget> {
  return scheduleTargetFrom(ctx.config, await ctx.outputs(), configPath, ctx.stateDir);
}

/** The schedule's AWS names from these outputs (read, or offline placeholders on a dry run). */
export async function scheduleTargetFrom(
  config: CoderPlatformConfig,
  out: DeploymentOutputs,
  configPath: string,
  stateDir: string,
): Promise<ScheduleTarget> {
  if (out.schedule === undefined) {
    const { UserError } = await import('../../errors.js');
    throw new UserError(
      'The schedule stack has no outputs: it was never deployed (schedule.enabled false at Day 0?).',
      { nextSteps: ['Set schedule.enabled: true and run `coder-platform day0 deploy`.'] },
    );
  }
  return {
    deployment: config.deployment.name,
    configPath,
    stateDir,
    scheduleGroupName: out.schedule.scheduleGroupName,
    clusterName: out.cluster.name,
    nodeGroupNames: out.cluster.nodeGroupNames,
    config,
  };
}
