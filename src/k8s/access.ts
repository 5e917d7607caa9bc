/**
 * Cluster access for any phase (Day 1, Day 2): make sure `<stateDir>/kubeconfig` is current for the
 * deployed cluster, then hand out helm and kubectl bound to it.
 */
import type { CoderPlatformConfig } from '../config/schema.js';
import type { DeploymentOutputs } from '../deployment/outputs.js';
import { createExecaRunner, type CommandRunner } from './exec.js';
import { Helm } from './helm.js';
import { writeKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
import { Kubectl } from './kubectl.js';

export interface ClusterAccess {
  kubeconfig: string;
  helm: Helm;
  kubectl: Kubectl;
}

export function kubeconfigOptionsFor(
  config: Pick<CoderPlatformConfig, 'aws' | 'cluster'>,
  outputs: Pick<DeploymentOutputs, 'cluster'>,
  awsProfile?: string,
): KubeconfigOptions {
  return {
    cluster: {
      name: outputs.cluster.name,
      endpoint: outputs.cluster.endpoint,
      certificateAuthority: outputs.cluster.certificateAuthority,
    },
    region: config.aws.region,
    authMethod: config.cluster.authMethod,
    ...(awsProfile ? { awsProfile } : {}),
  };
}

export async function connectCluster(o: {
  stateDir: string;
  config: Pick<CoderPlatformConfig, 'aws' | 'cluster'>;
  outputs: Pick<DeploymentOutputs, 'cluster'>;
  awsProfile?: string | undefined;
  runner?: CommandRunner;
}): Promise<ClusterAccess> {
  const { path } = await writeKubeconfig(o.stateDir, kubeconfigOptionsFor(o.config, o.outputs, o.awsProfile));
  const runner = o.runner ?? createExecaRunner();
  return {
    kubeconfig: path,
    helm: new Helm(runner, { kubeconfig: path }),
    kubectl: new Kubectl(runner, { kubeconfig: path }),
  };
}
