/**
 * A strict yes/no question. Only y/yes/n/no (any case) or Enter (the default) are answers: anything else is
 * re-asked with the reason, instead of silently counting as "no" (inquirer's confirm does that) and
 * cancelling the run. Without a terminal nothing is asked at all: decideWithoutAsking (prompt.ts) and the
 * wizard's non-interactive mode fail with exit 2 naming --yes or the missing flags.
 */
import type { Writable } from 'node:stream';

export const YES_NO_HINT = 'Answer y or n.';

/** true / false for a clear answer, the default for an empty one, undefined when unclear. */
export function parseYesNo(text: string, defaultValue: boolean): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return defaultValue;
  if (t === 'y' || t === 'yes') return true;
  if (t === 'n' || t === 'no') return false;
  return undefined;
}

export interface YesNoStreams {
  /** @default process.stderr */
  output?: Writable | NodeJS.WritableStream;
  /** @default process.stdin */
  input?: NodeJS.ReadableStream;
}

export async function askYesNo(message: string, defaultValue: boolean, streams: YesNoStreams = {}): Promise<boolean> {
  const input = streams.input ?? process.stdin;
  const output = streams.output ?? process.stderr;
  const question = `${message} ${defaultValue ? '(Y/n)' : '(y/N)'}`;
  const { input: ask } = await import('@inquirer/prompts');
  const typed = await ask(
    { message: question, validate: (v: string) => parseYesNo(v, defaultValue) !== undefined || YES_NO_HINT },
    { output: output as Writable, input, clearPromptOnDone: false },
  );
  return parseYesNo(typed, defaultValue) as boolean;
}
