/**
 * The collaborators of the day1 phase, built once per run: config and state directory, helm and kubectl
 * bound to the state directory's kubeconfig, Secrets Manager, Day 0's outputs (read once), and Coder
 * clients for the access URL. Nothing here prints; AWS SDK clients are created lazily on first use.
 */
import type { SecretStore } from '../../aws/secrets.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { DeploymentOutputs } from '../../deployment/outputs.js';
import { accessUrl } from './helm-values/common.js';
import { createExecaRunner, type CommandRunner } from '../../k8s/exec.js';
import { Helm } from '../../k8s/helm.js';
import { kubeconfigPath } from '../../k8s/kubeconfig.js';
import { Kubectl } from '../../k8s/kubectl.js';
import { coderClientFactory, type Day1CoderServices } from './coder-steps.js';

/** Everything the day1 steps need: the Coder-side services plus the cluster side. */
export interface Day1Services extends Day1CoderServices {
  readonly config: CoderPlatformConfig;
  /** Deployment name (config deployment.name). */
  readonly deployment: string;
  /** Absolute state directory of the deployment (journal, lock, kubeconfig). */
  readonly stateDir: string;
  /** `<stateDir>/kubeconfig`, used by every helm and kubectl call. */
  readonly kubeconfig: string;
  readonly awsProfile: string | undefined;
  readonly runner: CommandRunner;
  readonly helm: Helm;
  readonly kubectl: Kubectl;
  readonly secrets: SecretStore;
  /** Day 0's stack outputs, read from CloudFormation once per run. */
  deploymentOutputs(): Promise<DeploymentOutputs>;
  /** Waits between polls; aborts with the signal. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Poll interval of the wait steps, in ms. */
  readonly pollMs: number;
}

export interface CreateDay1ServicesOptions {
  config: CoderPlatformConfig;
  stateDir: string;
  awsProfile?: string | undefined;
  /** users.yaml (absolute, or relative to the working directory); default none. */
  usersFile?: string | undefined;
  /** Suspend users no longer listed (`--prune`). */
  prune?: boolean;
  /** Overrides for tests and embedders. */
  runner?: CommandRunner;
  secrets?: SecretStore;
  readOutputs?: () => Promise<DeploymentOutputs>;
  fetch?: typeof fetch;
  /** Coder base URL; default `https://<host>`. */
  coderBaseUrl?: string;
  pollMs?: number;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Build the day1 services. Secrets Manager and CloudFormation clients are created on first use. */
export async function createDay1Services(o: CreateDay1ServicesOptions): Promise<Day1Services> {
  const { config, stateDir } = o;
  const runner = o.runner ?? createExecaRunner();
  const kubeconfig = kubeconfigPath(stateDir);
  const aws = async () => {
    const { AwsClients } = await import('../../aws/clients.js');
    return new AwsClients({ region: config.aws.region, profile: o.awsProfile });
  };

  let secrets = o.secrets;
  if (!secrets) {
    const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const { SecretStore } = await import('../../aws/secrets.js');
    secrets = new SecretStore((await aws()).get(SecretsManagerClient));
  }
  const store = secrets;

  let outputs: Promise<DeploymentOutputs> | undefined;
  const readOutputs =
    o.readOutputs ??
    (async () => {
      const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
      const { readDeploymentOutputs } = await import('../../cdk/read-outputs.js');
      return readDeploymentOutputs((await aws()).get(CloudFormationClient), config.deployment.name);
    });

  const clients = coderClientFactory({
    baseUrl: o.coderBaseUrl ?? accessUrl(config),
    secrets: store,
    deployment: config.deployment.name,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });

  return {
    config,
    deployment: config.deployment.name,
    stateDir,
    kubeconfig,
    awsProfile: o.awsProfile,
    ...(o.usersFile === undefined ? {} : { usersFile: o.usersFile }),
    prune: o.prune === true,
    runner,
    helm: new Helm(runner, { kubeconfig }),
    kubectl: new Kubectl(runner, { kubeconfig }),
    secrets: store,
    deploymentOutputs() {
      outputs ??= readOutputs().catch((error: unknown) => {
        outputs = undefined; // a failed read is retried on the next call
        throw error;
      });
      return outputs;
    },
    ...clients,
    sleep: abortableSleep,
    pollMs: o.pollMs ?? 5000,
  };
}
