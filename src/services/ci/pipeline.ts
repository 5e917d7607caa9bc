/**
 * What every generated pipeline shares: the inputs taken from the configuration, the environment that
 * selects the S3 state backend, the restore-test schedule and the CLI invocations.
 *
 * Names assumed from the S3 state backend built in parallel (issue 15); the coordinator reconciles them:
 *   CODER_PLATFORM_STATE_BACKEND=s3, CODER_PLATFORM_STATE_BUCKET, CODER_PLATFORM_STATE_PREFIX,
 *   CODER_PLATFORM_STATE_REGION (the config section `state: { backend: s3, bucket, prefix, region }`).
 * CI variables the user sets in the provider (never secrets: OIDC needs no stored keys):
 *   CODER_PLATFORM_PLAN_ROLE_ARN (read-only role for merge-request checks),
 *   CODER_PLATFORM_DEPLOY_ROLE_ARN (deploy, day1 and the restore test),
 *   CODER_PLATFORM_STATE_BUCKET (only when --state-bucket was not given).
 */

export type CiProvider = 'github' | 'gitlab';

/** Everything a generator needs, resolved from the configuration and the command's flags. */
export interface PipelineInput {
  /** deployment.name */
  deployment: string;
  /** deployment.environment: the provider environment that carries the approval. */
  environment: string;
  /** aws.region */
  region: string;
  /** backup.restoreTestCadence */
  restoreTestCadence: 'weekly' | 'monthly' | 'quarterly';
  /** The config file, relative to the repository root, POSIX separators. */
  configPath: string;
  /** Further repository files whose change should run the pipeline (users.file), relative to the root. */
  watchPaths: string[];
  /** The branch that deploys. */
  branch: string;
  /**
   * How the jobs get the CLI: the repository's own package.json pins it (`npm ci`, then the local bin), or
   * `npx --yes SPEC` with a pinned npm spec such as `coder-platform@0.1.0`.
   */
  cli: { kind: 'package' } | { kind: 'npx'; spec: string };
  /** The S3 state backend; bucket undefined: a CI variable supplies it. */
  state: { bucket: string | undefined; prefix: string; region: string };
}

export const ROLE_VARIABLES = {
  plan: 'CODER_PLATFORM_PLAN_ROLE_ARN',
  deploy: 'CODER_PLATFORM_DEPLOY_ROLE_ARN',
} as const;
export const STATE_ENV = {
  backend: 'CODER_PLATFORM_STATE_BACKEND',
  bucket: 'CODER_PLATFORM_STATE_BUCKET',
  prefix: 'CODER_PLATFORM_STATE_PREFIX',
  region: 'CODER_PLATFORM_STATE_REGION',
} as const;

/** Minute 17 at 05:00 UTC: away from the top of the hour (when hosted schedulers are busiest) and working hours. */
const CRON = { weekly: '17 5 * * 1', monthly: '17 5 1 * *', quarterly: '17 5 1 1,4,7,10 *' } as const;

/** The restore test's cron expression for the configured cadence (UTC). */
export function restoreTestCron(cadence: PipelineInput['restoreTestCadence']): string {
  return CRON[cadence];
}

/** The concurrency group / resource group every job that changes the deployment joins. */
export function deploymentGroup(input: Pick<PipelineInput, 'deployment'>): string {
  return `coder-platform-${input.deployment}`;
}

/**
 * The state backend as environment variables. Merge-request checks do not get these: they run on the
 * runner's throw-away state directory, so they never write the deployment's journal or take its lock.
 */
export function stateEnvironment(input: PipelineInput, bucketFromVariable: string | undefined): Record<string, string> {
  const bucket = input.state.bucket ?? bucketFromVariable;
  return {
    [STATE_ENV.backend]: 's3',
    ...(bucket === undefined ? {} : { [STATE_ENV.bucket]: bucket }),
    [STATE_ENV.prefix]: input.state.prefix,
    [STATE_ENV.region]: input.state.region,
  };
}

/** The shared environment of every job: config path and non-interactive mode. */
export function commonEnvironment(input: PipelineInput): Record<string, string> {
  return { CODER_PLATFORM_CONFIG: input.configPath, CODER_PLATFORM_NON_INTERACTIVE: 'true', AWS_REGION: input.region };
}

/** The CLI with its arguments: the repository's installed bin, or the pinned npm spec; never a prompt. */
export function cliCommand(input: PipelineInput, args: string): string {
  return input.cli.kind === 'package'
    ? `npx --no-install coder-platform ${args}`
    : `npx --yes ${input.cli.spec} ${args}`;
}

/** The install step before the first command, when the repository's package.json pins the CLI. */
export function installCommand(input: PipelineInput): string | undefined {
  return input.cli.kind === 'package' ? 'npm ci --no-audit --no-fund' : undefined;
}

/** The commands of each job, in order (the same for every provider). */
export function jobCommands(
  input: PipelineInput,
  summaryFile: string,
): { checks: string[]; deploy: string[]; restoreTest: string[]; status: string } {
  const prefix = input.state.prefix === '' ? '' : input.state.prefix.replace(/\/?$/, '/');
  const upload = `s3://\${${STATE_ENV.bucket}}/${prefix}restore-tests/`;
  return {
    checks: [
      cliCommand(input, 'preflight --non-interactive'),
      cliCommand(input, `plan --diff --non-interactive --summary-file "${summaryFile}"`),
    ],
    deploy: [
      cliCommand(input, 'day0 deploy --yes --non-interactive'),
      cliCommand(input, 'day1 --yes --non-interactive'),
    ],
    restoreTest: [cliCommand(input, `day2 restore-test --yes --non-interactive --upload "${upload}"`)],
    status: cliCommand(input, 'status'),
  };
}

/** The files whose change runs the pipeline on a merge request or the deploy branch. */
export function triggerPaths(input: PipelineInput, pipelineFile: string): string[] {
  return [...new Set([input.configPath, ...input.watchPaths, pipelineFile])];
}
