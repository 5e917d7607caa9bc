/**
 * The shared options every service may receive, already resolved from flags and environment (by
 * src/base-command.ts). A plain type here, so the engine, services and the config loader never import a command.
 */
export interface GlobalOptions {
  /** Path of coder-platform.yaml. */
  configPath: string;
  /** AWS shared-config profile, when given. */
  awsProfile: string | undefined;
  /** AWS region override, when given (flag > env > file). */
  region: string | undefined;
  /** Never prompt: on with --non-interactive, --json, CI=true or when stdin is not a TTY. */
  nonInteractive: boolean;
  /** Answer yes to every confirmation. */
  yes: boolean;
  /** The command's typed result is the only thing on stdout. */
  json: boolean;
  /** Show debug events, causes and stack traces. */
  verbose: boolean;
  /** State directory override; default `.coder-platform/<name>/`. With the s3 backend: the local working copy. */
  stateDir: string | undefined;
  /** --state-backend / CODER_PLATFORM_STATE_BACKEND: overrides state.backend. */
  stateBackend?: string | undefined;
  /** --state-bucket / CODER_PLATFORM_STATE_BUCKET: overrides state.bucket. */
  stateBucket?: string | undefined;
  /** --state-prefix / CODER_PLATFORM_STATE_PREFIX: overrides state.prefix. */
  statePrefix?: string | undefined;
  /** --state-region / CODER_PLATFORM_STATE_REGION: overrides state.region. */
  stateRegion?: string | undefined;
}
