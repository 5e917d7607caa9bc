/**
 * `coder-platform ci init` as a service: builds the CI pipeline for a provider from the configuration
 * (deployment name, region, environment, restore-test cadence) and writes it into the repository,
 * refusing to overwrite an existing file unless asked. Building is separate from writing: `buildCiFiles`
 * only returns the files' content.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { CoderPlatformConfig } from '../../config/schema.js';
import { UserError } from '../../errors.js';
import { githubWorkflow } from './github.js';
import { gitlabPipeline } from './gitlab.js';
import { ROLE_VARIABLES, STATE_ENV, restoreTestCron, type CiProvider, type PipelineInput } from './pipeline.js';

export type { CiProvider, PipelineInput } from './pipeline.js';

export interface CiInitOptions {
  provider: CiProvider;
  /** The resolved configuration. */
  config: CoderPlatformConfig;
  /** Path of the configuration file (as given; made relative to `root`). */
  configPath: string;
  /** The repository root the files are written into and paths are relative to. */
  root: string;
  /** Where to write, relative to `root`. @default `.github/workflows/coder-platform-<name>.yml` or `.gitlab-ci.yml` */
  output?: string | undefined;
  /** The branch that deploys. @default 'main' */
  branch?: string | undefined;
  /** The npm spec the jobs run with `npx --yes` when the repository's package.json does not list coder-platform. */
  cliSpec: string;
  /** The repository's package.json text, when it has one (initCi reads it from `root`). */
  repoPackageJson?: string | undefined;
  /** The state bucket; undefined: the CI variable CODER_PLATFORM_STATE_BUCKET supplies it. */
  stateBucket?: string | undefined;
  /** Key prefix in the state bucket (ends with '/'). @default 'coder-platform/' */
  statePrefix?: string | undefined;
  /** Region of the state bucket. @default aws.region */
  stateRegion?: string | undefined;
  /** Overwrite an existing file. @default false */
  force?: boolean;
  /** Build and report without writing. @default false */
  dryRun?: boolean;
}

export interface CiFile {
  /** Relative to the repository root, POSIX separators. */
  path: string;
  content: string;
}

export interface CiInitResult {
  provider: CiProvider;
  deployment: string;
  files: (CiFile & { written: boolean; overwritten: boolean })[];
  /** The restore test's schedule (UTC cron), from backup.restoreTestCadence. */
  restoreTestCron: string;
  /** The CI variables to set in the provider (names only: none holds a secret). */
  variables: string[];
  /** How the jobs run the CLI: `npm ci` from the repository's package.json, or `npx --yes SPEC`. */
  cli: string;
  /** The environment variable names that select the S3 state backend. */
  stateEnvironment: string[];
  /** The provider environment that must require approval. */
  environment: string;
}

const toPosix = (p: string) => p.split(sep).join('/');
const BRANCH = /^[A-Za-z0-9._/-]{1,100}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[A-Za-z0-9!_.*'()/-]{0,200}$/;
const SPEC = /^[A-Za-z0-9@._/:+#~^=<>-]{1,214}$/;

/** True when the repository's package.json lists coder-platform, so `npm ci` installs the pinned version. */
function pinnedByRepo(packageJson: string | undefined): boolean {
  if (packageJson === undefined) return false;
  try {
    const pkg = JSON.parse(packageJson) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    return pkg.dependencies?.['coder-platform'] !== undefined || pkg.devDependencies?.['coder-platform'] !== undefined;
  } catch {
    throw new UserError('package.json in the repository root is not valid JSON.', {
      nextSteps: ['Fix it (npm install checks it too), then re-run.'],
    });
  }
}

/** The default file for a provider. */
export function defaultOutput(provider: CiProvider, deployment: string): string {
  return provider === 'github' ? `.github/workflows/coder-platform-${deployment}.yml` : '.gitlab-ci.yml';
}

/** Check the options, then resolve them into a generator's input. Throws UserError (exit 2) on bad input. */
export function pipelineInput(options: CiInitOptions): PipelineInput {
  const branch = options.branch ?? 'main';
  if (!BRANCH.test(branch))
    throw new UserError(`--branch "${branch}" is not a branch name.`, { nextSteps: ['For example: --branch main'] });
  if (options.stateBucket !== undefined && !BUCKET.test(options.stateBucket)) {
    throw new UserError(
      `--state-bucket "${options.stateBucket}" is not an S3 bucket name ` +
        '(3–63 lower-case letters, digits, dots, hyphens).',
      { nextSteps: ['For example: --state-bucket acme-coder-platform-state'] },
    );
  }
  if (!SPEC.test(options.cliSpec))
    throw new UserError(`--cli-package "${options.cliSpec}" is not an npm package spec.`, {
      nextSteps: ['For example: --cli-package coder-platform@0.1.0'],
    });
  const prefix = options.statePrefix ?? 'coder-platform/';
  if (!PREFIX.test(prefix))
    throw new UserError(`--state-prefix "${prefix}" has characters S3 keys should not use.`, {
      nextSteps: ['For example: --state-prefix coder-platform/'],
    });
  const { config } = options;
  const configRel = repoPath(options.root, options.configPath, '--config');
  const usersFile = config.users.file ?? undefined;
  const watch = usersFile
    ? [repoPath(options.root, resolve(dirname(resolve(options.root, options.configPath)), usersFile), 'users.file')]
    : [];
  return {
    deployment: config.deployment.name,
    environment: config.deployment.environment,
    region: config.aws.region,
    restoreTestCadence: config.backup.restoreTestCadence,
    configPath: configRel,
    watchPaths: watch,
    branch,
    cli: pinnedByRepo(options.repoPackageJson) ? { kind: 'package' } : { kind: 'npx', spec: options.cliSpec },
    state: { bucket: options.stateBucket, prefix, region: options.stateRegion ?? config.aws.region },
  };
}

function repoPath(root: string, path: string, what: string): string {
  const rel = relative(resolve(root), resolve(root, path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new UserError(
      `${what} (${path}) is outside the repository root ${root}: the pipeline can only read files in the repository.`,
      {
        nextSteps: [
          'Run `coder-platform ci init` from the repository root, for example: ' +
            'cd infra-repo && coder-platform ci init --provider github',
        ],
      },
    );
  }
  return toPosix(rel);
}

/** Build the pipeline file(s) for the provider. Writes nothing. */
export function buildCiFiles(options: CiInitOptions): CiFile[] {
  const input = pipelineInput(options);
  const path = toPosix(options.output ?? defaultOutput(options.provider, input.deployment));
  repoPath(options.root, path, '--output');
  const content = options.provider === 'github' ? githubWorkflow(input, path) : gitlabPipeline(input, path);
  return [{ path, content }];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Build the pipeline and write it under `root`; an existing file is refused (nothing written) without `force`. */
export async function initCi(given: CiInitOptions): Promise<CiInitResult> {
  const packageJson = await readFile(resolve(given.root, 'package.json'), 'utf8').catch(() => undefined);
  const options: CiInitOptions = { ...given, repoPackageJson: given.repoPackageJson ?? packageJson };
  const files = buildCiFiles(options);
  const existing = await Promise.all(files.map((f) => exists(resolve(options.root, f.path))));
  const clash = files.filter((_, i) => existing[i]);
  if (clash.length > 0 && options.force !== true && options.dryRun !== true) {
    throw new UserError(`${clash.map((f) => f.path).join(', ')} already exists; nothing was written.`, {
      nextSteps: [
        'Re-run with --force to overwrite it, or --output PATH to write elsewhere ' +
          '(for example: --output .github/workflows/coder-platform-next.yml).',
      ],
    });
  }
  const written: CiInitResult['files'] = [];
  for (const [i, file] of files.entries()) {
    if (options.dryRun !== true) {
      const target = resolve(options.root, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    written.push({
      ...file,
      written: options.dryRun !== true,
      overwritten: options.dryRun !== true && existing[i] === true,
    });
  }
  const input = pipelineInput(options);
  return {
    provider: options.provider,
    deployment: input.deployment,
    files: written,
    restoreTestCron: restoreTestCron(input.restoreTestCadence),
    variables: [
      ROLE_VARIABLES.plan,
      ROLE_VARIABLES.deploy,
      ...(input.state.bucket === undefined ? [STATE_ENV.bucket] : []),
    ],
    cli: input.cli.kind === 'package' ? 'package.json (npm ci)' : `npx --yes ${input.cli.spec}`,
    stateEnvironment: Object.values(STATE_ENV),
    environment: input.environment,
  };
}
