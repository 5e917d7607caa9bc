/**
 * The one error taxonomy of coder-platform. Services throw these; only the base command renders them
 * (src/ui/render-error.ts) and maps them to an exit code. Type guards use Symbol.for brands so they work
 * even when two copies of this module are loaded (the CDK app and the CLI).
 */

/** Documented exit codes (README "Exit codes"). */
export const ExitCode = {
  /** Everything passed. */
  Ok: 0,
  /** A check or an objective failed (preflight critical check, restore-test objective missed, a phase step failed). */
  CheckFailed: 1,
  /** Usage or configuration error: nothing was touched. */
  Usage: 2,
  /** An external system failed or could not be reached (AWS, helm, kubectl, Coder). */
  External: 3,
  /** Cancelled by the operator (Ctrl-C, a declined confirmation). */
  Cancelled: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const BRAND = Symbol.for('coder-platform.error');

export type ErrorKind = 'user' | 'config' | 'check' | 'external' | 'cancelled' | 'bug';

/** Base of every error we throw on purpose. */
export abstract class CoderPlatformError extends Error {
  readonly [BRAND] = true;
  abstract readonly kind: ErrorKind;
  abstract readonly exitCode: ExitCodeValue;
  /** What the operator can do next, one action a line. */
  readonly nextSteps: string[];

  constructor(message: string, options: { nextSteps?: string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.nextSteps = options.nextSteps ?? [];
  }

  static is(value: unknown): value is CoderPlatformError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** A JSON-safe form for `--json` output; never includes causes that might carry secrets. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, message: this.message, nextSteps: this.nextSteps, exitCode: this.exitCode };
  }
}

/** The operator asked for something that cannot be done as asked (bad flag combination, missing answer). */
export class UserError extends CoderPlatformError {
  readonly kind = 'user' as const;
  readonly exitCode = ExitCode.Usage;
}

/** One problem found in a configuration file. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `network.subnets.private[1]`. */
  path: string;
  /** 1-based line in the YAML file, when the key exists there. */
  line?: number;
  /** 1-based column in the YAML file. */
  column?: number;
  /** What is wrong, including what was found. */
  message: string;
  /** A valid example for this key. */
  example?: string;
}

/** The configuration is invalid. Carries every issue found, not just the first. */
export class ConfigError extends CoderPlatformError {
  readonly kind = 'config' as const;
  readonly exitCode = ExitCode.Usage;
  readonly file: string | undefined;
  readonly issues: ConfigIssue[];

  constructor(file: string | undefined, issues: ConfigIssue[], options: { nextSteps?: string[] } = {}) {
    super(ConfigError.summarize(file, issues), { nextSteps: options.nextSteps ?? ['Fix the keys above, then run `coder-platform config validate`.'] });
    this.file = file;
    this.issues = issues;
  }

  static summarize(file: string | undefined, issues: ConfigIssue[]): string {
    const where = file ?? 'configuration';
    const lines = issues.map((i) => {
      const loc = i.line === undefined ? '' : `:${i.line}${i.column === undefined ? '' : `:${i.column}`}`;
      const example = i.example === undefined ? '' : ` (for example: ${i.example})`;
      return `  ${where}${loc} ${i.path}: ${i.message}${example}`;
    });
    return `${issues.length} problem${issues.length === 1 ? '' : 's'} in ${where}:\n${lines.join('\n')}`;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), file: this.file, issues: this.issues };
  }
}

/** A check or objective failed: the run worked, the answer is "no". */
export class CheckFailedError extends CoderPlatformError {
  readonly kind = 'check' as const;
  readonly exitCode = ExitCode.CheckFailed;
}

/** The system we talk to (AWS, helm, kubectl, Coder) failed or could not be reached. */
export class ExternalError extends CoderPlatformError {
  readonly kind = 'external' as const;
  readonly exitCode = ExitCode.External;
  /** The system, e.g. `aws`, `helm`, `kubectl`, `coder`. */
  readonly system: string;
  /** The operation, e.g. `ec2:DescribeVpcs` or `helm upgrade --install coder`. */
  readonly operation: string;
  /** The resource the operation was about, when known. */
  readonly resource: string | undefined;

  constructor(system: string, operation: string, message: string, options: { resource?: string; nextSteps?: string[]; cause?: unknown } = {}) {
    super(`${system} ${operation}${options.resource ? ` (${options.resource})` : ''} failed: ${message}`, options);
    this.system = system;
    this.operation = operation;
    this.resource = options.resource;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), system: this.system, operation: this.operation, resource: this.resource };
  }
}

/** The operator cancelled (Ctrl-C, closed prompt, declined confirmation). */
export class CancelledError extends CoderPlatformError {
  readonly kind = 'cancelled' as const;
  readonly exitCode = ExitCode.Cancelled;
  constructor(message = 'Cancelled.', options: { nextSteps?: string[] } = {}) {
    super(message, options);
  }
}

/** Something that should never happen: a defect in coder-platform. */
export class BugError extends CoderPlatformError {
  readonly kind = 'bug' as const;
  readonly exitCode = ExitCode.External;
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, nextSteps: ['This is a bug in coder-platform. Re-run with --verbose and report the output.'] });
  }
}

/** True for @inquirer's ExitPromptError (Ctrl-C or closed stdin inside a prompt). */
export function isPromptExit(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ExitPromptError';
}

/** Normalise anything thrown into our taxonomy. */
export function toCoderPlatformError(error: unknown): CoderPlatformError {
  if (CoderPlatformError.is(error)) return error;
  if (isPromptExit(error)) return new CancelledError('Cancelled at a prompt.');
  const network = networkCode(error);
  if (network !== undefined) {
    return new ExternalError('network', network, (error as Error).message, {
      nextSteps: ['A host could not be reached: check the network connection, DNS and the proxy (HTTPS_PROXY), then re-run (completed steps are kept).'],
      cause: error,
    });
  }
  if (error instanceof Error) return new BugError(error.message, { cause: error });
  return new BugError(String(error));
}

/** ENOTFOUND, ECONNREFUSED …: the code of a DNS or socket failure (also as a fetch's cause), if it is one. */
function networkCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = [e?.code, e?.cause?.code].find((c): c is string => typeof c === 'string');
  return code !== undefined && ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code) ? code : undefined;
}
