/**
 * The one error taxonomy of coder-platform. Services throw these; only the base command renders them
 * (src/ui/render-error.ts) and maps them to an exit code. Type guards use Symbol.for brands so they work
 * even when two copies of this module are loaded (the CDK app and the CLI).
 */
import { redactCredentials } from './config/secret-reference.js';

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
    return {
      kind: this.kind,
      name: this.name,
      message: this.message,
      nextSteps: this.nextSteps,
      exitCode: this.exitCode,
    };
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

/** At most this many problems are shown (text and `--json`); the rest are counted ("and N more"). */
export const MAX_CONFIG_ISSUES = 50;
/** Longest message, path or example of one problem, in characters; longer ones are cut with "…". */
export const MAX_ISSUE_TEXT = 400;

/** The configuration is invalid. Carries the first MAX_CONFIG_ISSUES issues and how many more there were. */
export class ConfigError extends CoderPlatformError {
  readonly kind = 'config' as const;
  readonly exitCode = ExitCode.Usage;
  readonly file: string | undefined;
  /** The problems shown: safe to print (no control characters, no credentials, bounded length). */
  readonly issues: ConfigIssue[];
  /** How many further problems were found but are not listed. */
  readonly omittedIssues: number;

  constructor(file: string | undefined, issues: ConfigIssue[], options: { nextSteps?: string[] } = {}) {
    const shown = issues.slice(0, MAX_CONFIG_ISSUES).map(safeIssue);
    // The file name is the operator's own: escaped, never rewritten as a credential.
    const safeFile = file === undefined ? undefined : escapeInvisible(file);
    const omitted = issues.length - shown.length;
    super(ConfigError.summarize(safeFile, shown, omitted), {
      nextSteps: options.nextSteps ?? ['Fix the keys above, then run `coder-platform config validate`.'],
    });
    this.file = safeFile;
    this.issues = shown;
    this.omittedIssues = omitted;
  }

  static summarize(file: string | undefined, issues: ConfigIssue[], omitted = 0): string {
    const where = file ?? 'configuration';
    const lines = issues.map((i) => {
      const loc = i.line === undefined ? '' : `:${i.line}${i.column === undefined ? '' : `:${i.column}`}`;
      const example = i.example === undefined ? '' : ` (for example: ${i.example})`;
      return `  ${where}${loc} ${i.path}: ${i.message}${example}`;
    });
    if (omitted > 0)
      lines.push(`  … and ${omitted} more problem${omitted === 1 ? '' : 's'} (fix these first, then validate again)`);
    const total = issues.length + omitted;
    return `${total} problem${total === 1 ? '' : 's'} in ${where}:\n${lines.join('\n')}`;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), file: this.file, issues: this.issues, omittedIssues: this.omittedIssues };
  }
}

/** One issue made safe to print: control and invisible characters escaped, credentials described, length bounded. */
function safeIssue(issue: ConfigIssue): ConfigIssue {
  return {
    ...issue,
    path: safeText(issue.path),
    message: safeText(issue.message),
    ...(issue.example === undefined ? {} : { example: safeText(issue.example) }),
  };
}

/** Escape what a terminal would interpret or hide, describe credentials, and cut long text. */
export function safeText(text: string): string {
  const redacted = redactCredentials(text);
  const escaped = escapeInvisible(
    redacted.length > MAX_ISSUE_TEXT * 2 ? redacted.slice(0, MAX_ISSUE_TEXT * 2) : redacted,
  );
  return escaped.length > MAX_ISSUE_TEXT ? `${escaped.slice(0, MAX_ISSUE_TEXT - 1)}…` : escaped;
}

/**
 * C0/C1 control characters, zero-width and other format characters, the BOM and lone surrogates become
 * `\u{…}` escapes, so a message never moves the cursor, rings the bell, or hides a character.
 */
export function escapeInvisible(text: string): string {
  return text.replace(
    /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\u2028\u2029]/gu,
    (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`,
  );
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

  constructor(
    system: string,
    operation: string,
    message: string,
    options: { resource?: string; nextSteps?: string[]; cause?: unknown } = {},
  ) {
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
    super(message, {
      ...options,
      nextSteps: ['This is a bug in coder-platform. Re-run with --verbose and report the output.'],
    });
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
      nextSteps: [
        'A host could not be reached: check the network connection, DNS and the proxy (HTTPS_PROXY), then re-run (completed steps are kept).',
      ],
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
  return code !== undefined &&
    ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)
    ? code
    : undefined;
}
