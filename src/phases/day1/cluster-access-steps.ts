/** The first Day 1 cluster steps: read Day 0's stack outputs, write the kubeconfig and prove access with it. */
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { DeploymentOutputs } from '../../deployment/outputs.js';
import type { Step, StepOutputs } from '../../engine/types.js';
import { ExternalError } from '../../errors.js';
import { kubeconfigOptionsFor } from '../../k8s/access.js';
import { kubeconfigIsCurrent, writeKubeconfig, type KubeconfigOptions } from '../../k8s/kubeconfig.js';
import { CLUSTER_STEP_IDS as ids } from './cluster-common.js';
import type { Day1Services } from './services.js';

function kubeconfigOptions(services: Day1Services, outputs: DeploymentOutputs): KubeconfigOptions {
  return kubeconfigOptionsFor(services.config, outputs, services.awsProfile);
}

/** Day 0 outputs a later step may show (ids, names, endpoints; no secret values). */
function outputsSummary(o: DeploymentOutputs): StepOutputs {
  return {
    clusterName: o.cluster.name,
    clusterEndpoint: o.cluster.endpoint,
    vpcId: o.vpcId,
    targetGroupArn: o.edge.targetGroupArn,
    accessUrl: o.edge.accessUrl,
    dbWriterEndpoint: o.database.writerEndpoint,
    dbSecretArn: o.database.secretArn,
  };
}

export function readOutputsStep(): Step<Day1Services> {
  return {
    id: ids.readOutputs,
    title: "Read Day 0's stack outputs",
    expectedSeconds: 5,
    // reading is the probe: outputs are always taken from the live stacks
    isDone: async ({ services }) => outputsSummary(await services.deploymentOutputs()),
    run: async ({ services }) => outputsSummary(await services.deploymentOutputs()),
  };
}

export function kubeconfigStep(config: CoderPlatformConfig): Step<Day1Services> {
  return {
    id: ids.kubeconfig,
    title: 'Write the kubeconfig in the state directory',
    dependsOn: [ids.readOutputs],
    expectedSeconds: 5,
    isDone: async ({ services }) => {
      const outputs = await services.deploymentOutputs();
      if (!(await kubeconfigIsCurrent(services.stateDir, kubeconfigOptions(services, outputs)))) return undefined;
      return { path: services.kubeconfig, authMethod: config.cluster.authMethod };
    },
    run: async ({ services, host }) => {
      const outputs = await services.deploymentOutputs();
      const written = await writeKubeconfig(services.stateDir, kubeconfigOptions(services, outputs));
      // prove access now, so a missing EKS access entry fails here and not in the middle of an install
      if ((await services.kubectl.get('namespace', 'kube-system')) === undefined) {
        throw new ExternalError(
          'kubectl',
          'get namespace kube-system',
          'the cluster answered but kube-system is not visible',
          { resource: outputs.cluster.name },
        );
      }
      host.emit({
        level: 'info',
        code: 'DAY1_KUBECONFIG',
        message: `kubeconfig for ${outputs.cluster.name} at ${written.path} (${config.cluster.authMethod} tokens).`,
        data: { path: written.path },
      });
      return { path: written.path, authMethod: config.cluster.authMethod };
    },
  };
}
