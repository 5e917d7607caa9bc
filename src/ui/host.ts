/**
 * Picks the host (renderer) for a command run (style.md P4):
 * - `--json`: a silent RecordingHost — the typed result is the only output;
 * - stderr is a TTY, not CI, not TERM=dumb: listr2's default task list on stderr;
 * - otherwise: plain timestamped lines on stderr, no cursor movement.
 * Prompts follow P6: --yes approves, non-interactive without --yes fails naming --yes, a terminal is asked.
 */
import { RecordingHost, type EventHost } from '../engine/host.js';
import { isPlainTerminal, ListrHost } from './renderers/listr.js';
import { LineHost } from './renderers/line.js';

export interface CreateHostOptions {
  json: boolean;
  nonInteractive: boolean;
  yes: boolean;
  verbose: boolean;
}

/** An EventHost a command owns: render the engine's events and prompts; `close()` before printing a result. */
export type UiHost = EventHost & { readonly kind: 'json' | 'tty' | 'lines'; close(): Promise<void> };

class JsonHost extends RecordingHost {
  readonly kind = 'json' as const;
  async close(): Promise<void> {
    // Silent: nothing to flush.
  }
}

export function createHost(
  options: CreateHostOptions,
  env: NodeJS.ProcessEnv = process.env,
  stderrIsTTY = process.stderr.isTTY === true,
): UiHost {
  if (options.json) return new JsonHost({ yes: options.yes });
  const policy = { yes: options.yes, nonInteractive: options.nonInteractive, verbose: options.verbose };
  if (isPlainTerminal(env, stderrIsTTY)) return Object.assign(new LineHost(policy), { kind: 'lines' as const });
  return Object.assign(new ListrHost(policy), { kind: 'tty' as const });
}
