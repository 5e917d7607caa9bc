/**
 * The offline side of a day-2 dry run: without credentials (or when Day 0's outputs cannot be read) the
 * step plan is built from the configuration alone. Names only Day 0's stack outputs know are placeholders
 * (planning never reads them), and the phase's services are a guard that refuses any use, so no AWS, Helm,
 * kubectl or Coder call can be attempted.
 */
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { DeploymentOutputs } from '../../deployment/outputs.js';
import { BugError } from '../../errors.js';

/** Stands for a value Day 0's outputs would give. */
export const FROM_OUTPUTS = '(known after day0 deploy)';

/** Day 0's outputs as far as the configuration knows them: engine, node-group names, whether a schedule exists. */
export function offlineOutputs(config: CoderPlatformConfig): DeploymentOutputs {
  const p = FROM_OUTPUTS;
  const aurora = config.database.engine === 'aurora-serverless-v2';
  const scheduled = config.schedule.enabled || config.schedule.suspension !== undefined;
  return {
    vpcId: p,
    subnetIds: {},
    database: {
      engine: config.database.engine,
      ...(aurora ? { clusterIdentifier: p } : {}),
      instanceIdentifier: p,
      writerEndpoint: p,
      port: 5432,
      secretArn: p,
      subnetGroupName: p,
      securityGroupId: p,
      kmsKeyArn: p,
    },
    cluster: {
      name: p,
      endpoint: p,
      arn: p,
      securityGroupId: p,
      certificateAuthority: p,
      nodeGroupNames: Object.fromEntries(Object.keys(config.cluster.nodeGroups).map((name) => [name, `${name} ${p}`])),
      roles: { coderd: p, provisioner: p, ebsCsi: p, loadBalancerController: p, clusterAutoscaler: p },
    },
    edge: {
      targetGroupArn: p,
      loadBalancerDnsName: p,
      certificateArn: p,
      hostedZoneId: p,
      accessUrl: `https://${config.dns.subdomain}.${config.dns.domain}`,
      wildcardAccessUrl: p,
    },
    ...(scheduled ? { schedule: { scheduleGroupName: p, schedulerRoleArn: p } } : {}),
  };
}

/**
 * Services for a plan without credentials: only what `local` provides (the clock, optional collaborators
 * given as undefined) may be read; any other property read is a defect — the engine plans without touching
 * services unless it probes, and it probes only with credentials.
 */
export function offlineServices<S extends object>(command: string, local: Partial<S> = {}): S {
  return new Proxy(local as S, {
    get(target, property) {
      if (property in target) return (target as Record<string | symbol, unknown>)[property];
      if (property === 'then') return undefined; // not a thenable
      throw new BugError(`${command} --dry-run without credentials used the service "${String(property)}".`);
    },
  });
}
