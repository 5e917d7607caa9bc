/**
 * What a day-2 command builds before its one service call, assembled once so the commands stay thin
 * adapters (style.md P1): the configuration from the shared flags, the state directory, the lazy Day2
 * context, and a phase runner with the command's host; for each service the options and collaborators it
 * takes. Nothing here reads a flag or prints; heavy modules are imported only when a factory runs.
 */
import type { GlobalOptions } from '../../globals.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { PhaseFlagValues } from '../../phase-flags.js';
import type { EventHost } from '../../engine/host.js';
import type { DeploymentOutputs } from '../../deployment/outputs.js';
import type { Day2Context } from './context.js';
import type { PhaseRunner } from './phase-runner.js';
import type { RestoreTestDeps, RestoreTestOptions } from './restore-test/service.js';
import type { ScheduleServices, ScheduleTarget } from './scale-schedule/service.js';
import type { UpgradeOptions } from './upgrade/service.js';
import type { UpgradeServices } from './upgrade/phase.js';
import type { ScheduleSetServices } from './scale-schedule/phase.js';

/** The host a command makes for its events and prompts (src/ui/host.ts's createHost). */
export type CommandHost = EventHost & { close(): Promise<void> };

export interface Day2Command {
  config: CoderPlatformConfig;
  /** The configuration file that was read. */
  configPath: string;
  stateDir: string;
  /** --aws-profile, for the CDK toolkit. */
  awsProfile: string | undefined;
  ctx: Day2Context;
  /** A new host for this command's events and prompts (the caller closes it, or the runner's phase does). */
  host(): CommandHost;
  /**
   * The runner the service runs its phase with; `command` is what the journal records.
   * @default flags: no phase flags; host: a new one for each phase run
   */
  runner(command: string, o?: { flags?: PhaseFlagValues; host?: CommandHost }): PhaseRunner;
  /** --dry-run: plan only. */
  dryRun: boolean;
  /**
   * A dry run with credentials at hand and Day 0's outputs readable: the plan runs the read-only probes.
   * False on a dry run without them (the plan comes from the configuration alone) and outside dry runs.
   */
  probe: boolean;
  /**
   * Day 0's outputs: read from CloudFormation, or on a dry run without credentials (or when they cannot be
   * read) taken from the configuration with placeholders, which turns `probe` off.
   */
  outputs(): Promise<DeploymentOutputs>;
  /** Live services, or on an offline dry run a guard that refuses any use (see offline.ts). */
  live<S extends object>(command: string, build: () => Promise<S>, local?: Partial<S>): Promise<S>;
}

/** Tell the operator (on stderr, or nowhere under --json) why a dry run plans from the configuration alone. */
function notice(host: () => CommandHost, message: string): Promise<void> {
  const h = host();
  h.emit({ level: 'warn', code: 'DRY_RUN_OFFLINE', message });
  return h.close();
}

/**
 * Load the configuration named by the shared flags and prepare everything else lazily (no AWS call yet);
 * `createHost` is the command's host factory (the UI's), so this service never imports the UI.
 */
export async function day2Command(
  globals: GlobalOptions,
  createHost: (globals: GlobalOptions) => CommandHost,
  o: { dryRun?: boolean } = {},
): Promise<Day2Command> {
  const { loadConfigFromGlobals } = await import('../../config/from-globals.js');
  const { config, path } = await loadConfigFromGlobals(globals);
  const { openStateDir } = await import('../../engine/state-dir.js');
  const { createDay2Context } = await import('./context.js');
  const { executeRunner } = await import('./phase-runner.js');
  const { phaseFlagValues } = await import('../../phase-flags.js');
  const stateDir = await openStateDir({
    override: globals.stateDir,
    configPath: path,
    config,
    write: o.dryRun !== true,
  });
  // s3 backend: the shared state is pulled before the operation reads the journal (previous runs).
  const { openStateStore } = await import('../../aws/s3-object-store.js');
  const remote = await openStateStore(config, globals.awsProfile, stateDir);
  const host = (): CommandHost => createHost(globals);
  const dryRun = o.dryRun === true;
  const { credentialsAvailable } = await import('../../aws/credentials.js');
  const ctx = createDay2Context({ config, stateDir, awsProfile: globals.awsProfile });
  const c: Day2Command = {
    config,
    configPath: path,
    stateDir,
    awsProfile: globals.awsProfile,
    ctx,
    host,
    runner: (command, ro = {}) =>
      executeRunner({
        deployment: config.deployment.name,
        command,
        globals,
        flags: ro.flags ?? phaseFlagValues({}),
        host: () => ro.host ?? host(),
        probe: () => c.probe,
        remote,
      }),
    dryRun,
    probe: dryRun && (await credentialsAvailable({ region: config.aws.region, profile: globals.awsProfile })),
    async outputs() {
      const { offlineOutputs } = await import('./offline.js');
      if (dryRun && !c.probe) return offlineOutputs(config);
      try {
        return await ctx.outputs();
      } catch (error) {
        if (!dryRun) throw error;
        c.probe = false;
        await notice(
          host,
          `Day 0's outputs could not be read (${error instanceof Error ? error.message : String(error)}); planning from the configuration alone.`,
        );
        return offlineOutputs(config);
      }
    },
    async live(command, build, local = {}) {
      const { offlineServices } = await import('./offline.js');
      if (dryRun && !c.probe) return offlineServices(command, local);
      try {
        return await build();
      } catch (error) {
        if (!dryRun) throw error;
        c.probe = false;
        await notice(
          host,
          `${command}: the live services could not be set up (${error instanceof Error ? error.message : String(error)}); planning from the configuration alone.`,
        );
        return offlineServices(command, local);
      }
    },
  };
  if (dryRun && !c.probe)
    await notice(host, 'No AWS credentials: working from the configuration alone; nothing live is read.');
  return c;
}

/**
 * The schedule's AWS names and the Scheduler / EKS clients, and `deploy` (the schedule stack through the CDK
 * toolkit); with `coder`, the Coder API too when a session token is stored (best effort: without it the rest
 * still works).
 */
export async function createScheduleServices(
  c: Day2Command,
  o: { coder?: boolean } = {},
): Promise<{ target: ScheduleTarget; services: ScheduleServices & Pick<ScheduleSetServices, 'deploy'> }> {
  const { scheduleTargetFrom } = await import('./context.js');
  const target = await scheduleTargetFrom(c.config, await c.outputs(), c.configPath, c.stateDir);
  const services = await c.live(
    'day2 scale-schedule',
    async () => {
      const aws = await c.ctx.aws();
      const { SchedulerClient } = await import('@aws-sdk/client-scheduler');
      const { EKSClient } = await import('@aws-sdk/client-eks');
      const coder = o.coder ? await c.ctx.coder().catch(() => undefined) : undefined;
      const deploy: ScheduleSetServices['deploy'] = async (config, host) =>
        (await import('./context.js')).deployScheduleStack({
          config,
          stateDir: c.stateDir,
          awsProfile: c.awsProfile,
          host,
        });
      return {
        scheduler: aws.get(SchedulerClient),
        eks: aws.get(EKSClient),
        now: () => new Date(),
        deploy,
        ...(coder ? { coder } : {}),
      };
    },
    { now: () => new Date(), coder: undefined },
  );
  return { target, services };
}

/** What `day2 upgrade` asks for. */
export interface UpgradeRequest {
  /** Target Coder (chart) version. */
  coderVersion: string | undefined;
  /** Target Kubernetes minor version. */
  kubernetesVersion: string | undefined;
  /** Directory with the chart archives; overrides coder.chart.archiveDir. */
  chartArchive: string | undefined;
  /** Forget the phase's progress in the journal. */
  restart: boolean;
}

/** The upgrade's options (from the config and Day 0's outputs) and its collaborators. */
export async function createUpgradeServices(
  c: Day2Command,
  request: UpgradeRequest,
): Promise<{ options: UpgradeOptions; services: UpgradeServices }> {
  const { config, ctx } = c;
  const { chartSource } = await import('../../k8s/helm.js');
  const { NAMESPACES } = await import('../../config/profiles.js');
  const out = await c.outputs();
  const roleOrder = { control: 0, provisioner: 1, workspace: 2 } as const;
  const nodeGroups = Object.entries(config.cluster.nodeGroups)
    .sort(([, a], [, b]) => roleOrder[a.role] - roleOrder[b.role])
    .flatMap(([configName]) =>
      out.cluster.nodeGroupNames[configName] ? [{ configName, eksName: out.cluster.nodeGroupNames[configName] }] : [],
    );
  const archiveDir = request.chartArchive ?? config.coder.chart.archiveDir;
  const options: UpgradeOptions = {
    deployment: config.deployment.name,
    configPath: c.configPath,
    stateDir: c.stateDir,
    restart: request.restart,
    coderVersion: request.coderVersion,
    kubernetesVersion: request.kubernetesVersion,
    chartSource: (chart, version) =>
      chartSource({ name: chart, version, repository: config.coder.chart.repository, archiveDir }),
    releases: [
      { release: 'coder', namespace: NAMESPACES.coder, chart: 'coder' },
      { release: 'coder-provisioner', namespace: NAMESPACES.provisioners, chart: 'coder-provisioner' },
    ],
    database: {
      engine: out.database.engine,
      clusterIdentifier: out.database.clusterIdentifier,
      instanceIdentifier: out.database.instanceIdentifier,
      subnetGroupName: out.database.subnetGroupName,
      securityGroupId: out.database.securityGroupId,
    },
    clusterName: out.cluster.name,
    nodeGroups,
  };
  const services = await c.live<UpgradeServices>(
    'day2 upgrade',
    async () => {
      const aws = await ctx.aws();
      const { EKSClient } = await import('@aws-sdk/client-eks');
      const { RDSClient } = await import('@aws-sdk/client-rds');
      return {
        eks: aws.get(EKSClient),
        rds: aws.get(RDSClient),
        helm: await ctx.helm(),
        kubectl: await ctx.kubectl(),
        coder: await ctx.coderAnonymous(),
        now: () => new Date(),
      };
    },
    { now: () => new Date() },
  );
  return { options, services };
}

/** What `day2 restore-test` asks for. */
export interface RestoreTestRequest {
  /** Restore point: the latest restorable time, the newest snapshot, or `time`. */
  mode: RestoreTestOptions['mode'];
  /** ISO-8601 restore time when `mode` is `time`. */
  time: string | undefined;
  /** Keep the copy after the test. */
  keep: boolean;
  /** Client image of the validation Job. @default DEFAULT_PSQL_IMAGE */
  psqlImage: string | undefined;
  /** Namespace of the validation Job. */
  namespace: string;
  /** S3 URI the report is also uploaded to. */
  upload: string | undefined;
}

/** The restore test's options (from the config and Day 0's outputs) and its collaborators. */
export async function createRestoreTestServices(
  c: Day2Command,
  request: RestoreTestRequest,
): Promise<{ options: RestoreTestOptions; deps: RestoreTestDeps }> {
  const { config, ctx } = c;
  const { controlPlacement } = await import('./context.js');
  const { DEFAULT_PSQL_IMAGE } = await import('./restore-test/validation-job.js');
  const out = await c.outputs();
  const db = out.database;
  const options: RestoreTestOptions = {
    source: {
      deployment: config.deployment.name,
      engine: db.engine,
      clusterIdentifier: db.clusterIdentifier,
      instanceIdentifier: db.instanceIdentifier,
      subnetGroupName: db.subnetGroupName,
      securityGroupId: db.securityGroupId,
      kmsKeyArn: db.kmsKeyArn,
      minAcu: config.database.minAcu ?? 0.5,
      maxAcu: config.database.maxAcu ?? 16,
    },
    live: { host: db.writerEndpoint, port: db.port, database: config.database.databaseName },
    mode: request.mode,
    time: request.time,
    keep: request.keep,
    psqlImage: request.psqlImage ?? DEFAULT_PSQL_IMAGE,
    namespace: request.namespace,
    ...(await controlPlacement(config)),
    stateDir: c.stateDir,
    targets: { rtoMinutes: config.backup.rtoMinutes, rpoMinutes: config.backup.rpoMinutes },
    upload: request.upload,
  };
  const deps = await c.live<RestoreTestDeps>(
    'day2 restore-test',
    async () => {
      const { RDSClient } = await import('@aws-sdk/client-rds');
      const { S3Client } = await import('@aws-sdk/client-s3');
      const aws = await ctx.aws();
      const coderVersion = async (): Promise<string> => (await (await ctx.coderAnonymous()).buildInfo()).version;
      return {
        rds: aws.get(RDSClient),
        kubectl: await ctx.kubectl(),
        databaseCredentials: () => ctx.databaseCredentials(),
        now: () => new Date(),
        s3: async () => aws.get(S3Client),
        coderVersion,
      };
    },
    { now: () => new Date(), coderVersion: undefined, s3: undefined },
  );
  return { options, deps };
}
