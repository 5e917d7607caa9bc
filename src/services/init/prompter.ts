/** The seam between the init service and whoever answers its questions (src/ui/prompts, or a test). */
import type { AnswerValue, Choice, Question } from './questions.js';

export interface PromptRequest {
  id: Question['id'];
  kind: Question['kind'];
  message: string;
  help: string;
  default: AnswerValue | undefined;
  choices: Choice[] | undefined;
  /** true, or why the value is not acceptable (the prompt re-asks). */
  validate: (value: AnswerValue) => true | string;
}

export interface Prompter {
  ask(request: PromptRequest): Promise<AnswerValue>;
  /** Show the summary and ask whether to write the file. */
  confirmWrite(summary: SummaryLine[], path: string): Promise<boolean>;
}

export interface SummaryLine {
  label: string;
  value: string;
}
