/**
 * The one seam through which coder-platform runs external programs (helm, kubectl). Secrets are only ever
 * passed on stdin (`input`), so the command line recorded in errors and events is safe to show as is.
 * execa is imported lazily so `--help` stays fast.
 */
import { CancelledError, ExternalError } from '../errors.js';

export interface RunOptions {
  /** Written to the child's stdin (manifests, values, secrets). Never logged. */
  input?: string;
  /** Extra environment variables, merged over the current environment. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CommandRunner {
  /** Run `command args…`. A non-zero exit rejects with ExternalError(<command>, <command line>, stderr). */
  run(command: string, args: string[], options?: RunOptions): Promise<RunResult>;
}

/** Quote one argument for display (the command line in errors and events). */
function quote(arg: string): string {
  return /^[A-Za-z0-9_./:=@,+%^-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `helm upgrade --install coder …` as a person would type it. Arguments never carry secrets. */
export function commandLine(command: string, args: string[]): string {
  return [command, ...args].map(quote).join(' ');
}

/** The last non-empty lines of a tool's stderr: the part that explains the failure. */
export function stderrSummary(stderr: string, maxLines = 20): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);
  return lines.slice(-maxLines).join('\n') || '(no output on stderr)';
}

/** The error a failed command becomes; shared by every runner so messages look the same. */
export function commandFailed(command: string, args: string[], result: RunResult): ExternalError {
  return new ExternalError(
    command,
    commandLine(command, args),
    `exit code ${result.exitCode}: ${stderrSummary(result.stderr)}`,
    {
      nextSteps:
        command === 'helm'
          ? ['Inspect the release with `helm history` and `helm status` using the kubeconfig in the state directory.']
          : [],
    },
  );
}

/** The production runner: execa 9, no shell, stdin from `input`. */
export function createExecaRunner(): CommandRunner {
  return {
    async run(command, args, options = {}) {
      const { execa } = await import('execa');
      try {
        const result = await execa(command, args, {
          input: options.input ?? '',
          env: options.env,
          cancelSignal: options.signal,
          timeout: options.timeoutMs,
          reject: false,
          stripFinalNewline: false,
        });
        if (result.isCanceled) throw new CancelledError(`Cancelled while running ${commandLine(command, args)}.`);
        const out: RunResult = {
          stdout: String(result.stdout ?? ''),
          stderr: String(result.stderr ?? ''),
          exitCode: result.exitCode ?? -1,
        };
        if (result.timedOut) {
          throw new ExternalError(
            command,
            commandLine(command, args),
            `timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)} s: ${stderrSummary(out.stderr)}`,
          );
        }
        if (result.failed && result.exitCode === undefined) {
          const reason =
            (result as { code?: string }).code === 'ENOENT'
              ? `${command} is not installed or not on PATH`
              : (result.shortMessage ?? 'could not start');
          throw new ExternalError(command, commandLine(command, args), reason, {
            nextSteps: [`Install ${command} and make sure it is on PATH.`],
          });
        }
        if (out.exitCode !== 0) throw commandFailed(command, args, out);
        return out;
      } catch (error) {
        if (error instanceof CancelledError || error instanceof ExternalError) throw error;
        throw new ExternalError(
          command,
          commandLine(command, args),
          error instanceof Error ? error.message : String(error),
        );
      }
    },
  };
}
