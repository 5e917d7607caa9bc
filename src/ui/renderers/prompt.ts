/**
 * Confirmation prompts (style.md P6): `--yes` approves, non-interactive mode without `--yes` fails naming
 * the flag, a terminal gets an @inquirer/prompts question on stderr. Ctrl-C or a closed stdin inside the
 * prompt becomes a CancelledError (exit 130).
 */
import type { Writable } from 'node:stream';
import type { ConfirmRequest } from '../../engine/host.js';
import { CancelledError, UserError, isPromptExit } from '../../errors.js';

export interface PromptPolicy {
  yes: boolean;
  nonInteractive: boolean;
}

/** Apply --yes / non-interactive; undefined means "ask a person". */
export function decideWithoutAsking(request: ConfirmRequest, policy: PromptPolicy): boolean | undefined {
  if (policy.yes) return true;
  if (policy.nonInteractive) {
    throw new UserError(`Confirmation needed and no terminal to ask: ${request.message}`, {
      nextSteps: ['Re-run with --yes (or CODER_PLATFORM_YES=true) to approve in non-interactive mode.'],
    });
  }
  return undefined;
}

export interface TerminalStreams {
  /** Where the question is drawn. @default process.stderr */
  output?: Writable;
  /** Where the answer is read. @default process.stdin */
  input?: NodeJS.ReadableStream;
}

/**
 * Ask on a terminal. With typeToConfirm the exact text must be typed (anything else is a "no": it guards a
 * destructive step); a yes/no question takes only y or n (askYesNo re-asks on a terminal).
 */
export async function askOnTerminal(request: ConfirmRequest, streams: TerminalStreams = {}): Promise<boolean> {
  const { input } = await import('@inquirer/prompts');
  const { askYesNo } = await import('../prompts/yes-no.js');
  const context = {
    output: streams.output ?? process.stderr,
    ...(streams.input === undefined ? {} : { input: streams.input }),
    clearPromptOnDone: false,
  };
  try {
    if (request.typeToConfirm !== undefined) {
      const answer = await input(
        { message: `${request.message}\n  Type "${request.typeToConfirm}" to confirm:` },
        context,
      );
      return answer.trim() === request.typeToConfirm;
    }
    return await askYesNo(request.message, false, {
      output: context.output,
      ...(streams.input === undefined ? {} : { input: streams.input }),
    });
  } catch (error) {
    if (isPromptExit(error)) throw new CancelledError('Cancelled at a prompt.');
    throw error;
  }
}
