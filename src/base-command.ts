/**
 * The base of every command: the shared flags (each with a CODER_PLATFORM_* variable), --json through
 * oclif's JSON flag, and the one place errors are rendered and mapped to exit codes.
 * Heavy modules are imported lazily so `--help` and `--version` stay fast.
 */
import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { CancelledError, ExitCode, UserError, toCoderPlatformError, type CoderPlatformError } from './errors.js';
import type { GlobalOptions } from './globals.js';
import { isNonInteractive } from './cli/everyday.js';
import { closestName } from './ui/suggest.js';

export { isNonInteractive };

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      summary: 'Path of the configuration file.',
      default: './coder-platform.yaml',
      env: 'CODER_PLATFORM_CONFIG',
      helpGroup: 'GLOBAL',
    }),
    'aws-profile': Flags.string({
      summary: 'AWS shared-config profile to use (default: the standard credential chain).',
      env: 'CODER_PLATFORM_AWS_PROFILE',
      helpGroup: 'GLOBAL',
    }),
    region: Flags.string({
      summary: 'AWS region; overrides aws.region in the configuration.',
      env: 'CODER_PLATFORM_REGION',
      helpGroup: 'GLOBAL',
    }),
    'non-interactive': Flags.boolean({
      summary: 'Never prompt; fail naming the flag when an answer is missing. On automatically in CI or without a TTY.',
      env: 'CODER_PLATFORM_NON_INTERACTIVE',
      default: false,
      helpGroup: 'GLOBAL',
    }),
    yes: Flags.boolean({
      char: 'y',
      summary: 'Answer yes to every confirmation.',
      env: 'CODER_PLATFORM_YES',
      default: false,
      helpGroup: 'GLOBAL',
    }),
    verbose: Flags.boolean({
      summary: 'Show debug output, causes and stack traces.',
      env: 'CODER_PLATFORM_VERBOSE',
      default: false,
      helpGroup: 'GLOBAL',
    }),
    'state-dir': Flags.string({
      summary: 'Directory for the journal, lock and reports (default: .coder-platform/<name>/).',
      env: 'CODER_PLATFORM_STATE_DIR',
      helpGroup: 'GLOBAL',
    }),
    'state-backend': Flags.string({
      summary: 'Where the journal, lock and reports live: local or s3; overrides state.backend.',
      env: 'CODER_PLATFORM_STATE_BACKEND',
      options: ['local', 's3'],
      helpGroup: 'GLOBAL',
    }),
    'state-bucket': Flags.string({
      summary: 'S3 bucket of the s3 state backend; overrides state.bucket.',
      env: 'CODER_PLATFORM_STATE_BUCKET',
      helpGroup: 'GLOBAL',
    }),
    'state-prefix': Flags.string({
      summary: 'Key prefix in the state bucket (objects go under <prefix><name>/); overrides state.prefix.',
      env: 'CODER_PLATFORM_STATE_PREFIX',
      helpGroup: 'GLOBAL',
    }),
    'state-region': Flags.string({
      summary: 'Region of the state bucket (default aws.region); overrides state.region.',
      env: 'CODER_PLATFORM_STATE_REGION',
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: BaseFlags<T>;

  public override async init(): Promise<void> {
    await super.init();
    const { flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as unknown as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
  }

  /** --json, or CODER_PLATFORM_JSON=true (oclif's own CODER_PLATFORM_CONTENT_TYPE=json works too), like every other flag's variable. */
  public override jsonEnabled(): boolean {
    if (!this.ctor?.enableJsonFlag) return false;
    return super.jsonEnabled() || /^(true|1)$/i.test(process.env.CODER_PLATFORM_JSON ?? '');
  }

  /** The shared options, resolved. */
  protected get globals(): GlobalOptions {
    const f = this.flags as unknown as Record<string, unknown>;
    const json = this.jsonEnabled();
    return {
      configPath: String(f.config ?? './coder-platform.yaml'),
      awsProfile: f['aws-profile'] as string | undefined,
      region: f.region as string | undefined,
      nonInteractive: isNonInteractive({ flag: f['non-interactive'] === true, json }),
      yes: f.yes === true,
      json,
      verbose: f.verbose === true,
      stateDir: f['state-dir'] as string | undefined,
      stateBackend: f['state-backend'] as string | undefined,
      stateBucket: f['state-bucket'] as string | undefined,
      statePrefix: f['state-prefix'] as string | undefined,
      stateRegion: f['state-region'] as string | undefined,
    };
  }

  /**
   * The `--json` document, as plain `JSON.stringify` output. oclif's default colorizes it with regular
   * expressions that overflow the stack on very long strings, which would leave no JSON at all.
   */
  public override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<never> {
    if (err instanceof Errors.ExitError) throw err;
    const flagNames = Object.keys({ ...(this.ctor as unknown as typeof BaseCommand).baseFlags, ...this.ctor.flags });
    const error = fromOclifError(err, this.ctor.enableJsonFlag ? [...flagNames, 'json'] : flagNames);
    process.exitCode = error.exitCode;
    if (this.jsonEnabled()) {
      this.logJson({ error: error.toJSON() });
    } else {
      const { renderError } = await import('./ui/render-error.js');
      process.stderr.write(
        renderError(error, { verbose: Boolean((this.flags as { verbose?: boolean } | undefined)?.verbose) }),
      );
    }
    return this.exit(error.exitCode);
  }
}

/**
 * oclif's own parse errors (unknown flag, missing argument) are usage errors: exit 2. An unknown flag gets the
 * closest of the command's flags as a suggestion.
 */
function fromOclifError(
  err: Error & { exitCode?: number; oclif?: { exit?: number }; flags?: unknown },
  flagNames: string[] = [],
): CoderPlatformError {
  const mapped = toCoderPlatformError(err);
  if (mapped.kind !== 'bug') return mapped;
  if (err instanceof Errors.CLIError || err.name === 'CLIError' || /Parse|Flag|Arg/.test(err.constructor?.name ?? '')) {
    const unknown = Array.isArray(err.flags) ? err.flags.filter((f): f is string => typeof f === 'string') : [];
    const suggestions = unknown.flatMap((f) => {
      const near = closestName(f.replace(/^-+/, '').replace(/=.*$/, ''), flagNames);
      return near ? [`Did you mean --${near} (instead of ${f})?`] : [];
    });
    return new UserError(err.message.replace(/\n+See more help with --help$/, ''), {
      nextSteps: [...suggestions, 'Run the command with --help to see its flags.'],
    });
  }
  if (err.message === 'SIGINT') return new CancelledError();
  return mapped;
}

export { ExitCode };
export type { GlobalOptions };
