/**
 * The prompt between the phases init walks (preflight → plan → day0 deploy → day1), on stderr.
 * Ctrl-C raises inquirer's ExitPromptError, which the base command turns into exit 130.
 */
import { createStyle } from '../style.js';
import { askYesNo } from './yes-no.js';

export interface WalkPromptOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** Ask whether to run the next phase; day0 deploy says that it creates billable AWS resources. */
export async function confirmPhase(command: string, options: WalkPromptOptions = {}): Promise<boolean> {
  const output = options.output ?? process.stderr;
  const context = { output, ...(options.input ? { input: options.input } : {}) };
  const creates = /\bday0 deploy\b/.test(command);
  const message = creates ? `Run ${command} now? It creates AWS resources that cost money` : `Run ${command} now?`;
  return askYesNo(message, !creates, context);
}

/** The heading printed on stderr before each walked phase. */
export function renderPhaseHeading(command: string): string {
  const s = createStyle();
  return `\n${s.bold(`▶ ${command}`)}\n`;
}

/** Printed when the operator stops the walk: what is left, in order. */
export function renderWalkStopped(remaining: string[]): string {
  const s = createStyle();
  if (remaining.length === 0) return '';
  return `${s.dim('Stopped here. To go on later, run:')}\n${remaining.map((c) => `  ${c}`).join('\n')}\n`;
}
