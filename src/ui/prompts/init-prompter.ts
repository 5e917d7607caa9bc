/**
 * The terminal side of the init wizard: @inquirer/prompts (imported on first use), on stderr so stdout
 * stays for results. Each question shows its help line; the secret reference is masked as typed.
 * Ctrl-C raises inquirer's ExitPromptError, which the base command turns into exit 130.
 */
import type { Prompter, PromptRequest, SummaryLine } from '../../services/init/prompter.js';
import type { AnswerValue } from '../../services/init/questions.js';
import { createStyle } from '../style.js';
import { askYesNo } from './yes-no.js';

export interface TerminalPrompterOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createTerminalPrompter(options: TerminalPrompterOptions = {}): Prompter {
  const output = options.output ?? process.stderr;
  const context = { output, ...(options.input ? { input: options.input } : {}) };
  const s = createStyle({ stream: output as NodeJS.WriteStream });
  const validateText = (request: PromptRequest) => (value: string) => request.validate(value);

  return {
    async ask(request: PromptRequest): Promise<AnswerValue> {
      const prompts = await import('@inquirer/prompts');
      output.write(`${s.dim(`  ${request.help}`)}\n`);
      switch (request.kind) {
        case 'select':
          return prompts.select(
            {
              message: request.message,
              choices: request.choices ?? [],
              ...(typeof request.default === 'string' ? { default: request.default } : {}),
            },
            context,
          );
        case 'checkbox': {
          const selected = Array.isArray(request.default) ? request.default : [];
          return prompts.checkbox(
            {
              message: request.message,
              choices: (request.choices ?? []).map((c) => ({ ...c, checked: selected.includes(c.value) })),
              validate: (items: readonly { value: string }[]) => request.validate(items.map((i) => i.value)),
            },
            context,
          );
        }
        case 'confirm':
          return askYesNo(request.message, request.default !== false, context);
        case 'number': {
          const value = await prompts.number(
            {
              message: request.message,
              required: true,
              ...(typeof request.default === 'number' ? { default: request.default } : {}),
              validate: (n: number | undefined) => (n === undefined ? 'a number is required' : request.validate(n)),
            },
            context,
          );
          return value ?? 0;
        }
        case 'secret-ref':
          return prompts.password({ message: request.message, mask: '*', validate: validateText(request) }, context);
        default:
          return prompts.input(
            // An empty default means "may be left empty" (the AWS profile: use the default credential chain).
            {
              message: request.message,
              required: request.default !== '',
              ...(typeof request.default === 'string' && request.default !== '' ? { default: request.default } : {}),
              validate: validateText(request),
            },
            context,
          );
      }
    },

    async confirmWrite(summary: SummaryLine[], path: string): Promise<boolean> {
      const width = Math.max(...summary.map((l) => l.label.length));
      output.write(
        `\n${s.bold('Summary')}\n${summary.map((l) => `  ${l.label.padEnd(width)}  ${l.value}`).join('\n')}\n\n`,
      );
      return askYesNo(`Write ${path}?`, true, context);
    },
  };
}
