/** `init --answers FILE`: a YAML mapping of answers keyed by flag name (`certificate-arn`) or answer id (`certificateArn`). */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UserError } from '../../errors.js';
import { QUESTIONS, type AnswerId } from './questions.js';

export async function readAnswersFile(path: string): Promise<Partial<Record<AnswerId, unknown>>> {
  let data: unknown;
  try {
    data = parse(await readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `--answers ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(error as Error).message.split('\n')[0]}`}.`,
      { nextSteps: ['Pass a YAML file such as `shape: mvp-500` / `domain: example.com`.'] },
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new UserError(`--answers ${path} must be a YAML mapping of answers, such as \`domain: example.com\`.`);
  const answers: Partial<Record<AnswerId, unknown>> = {};
  for (const [key, value] of Object.entries(data)) {
    const question = QUESTIONS.find((q) => q.flag === key || q.id === key);
    if (!question)
      throw new UserError(`--answers ${path}: unknown answer "${key}".`, {
        nextSteps: [`Known answers: ${QUESTIONS.map((q) => q.flag).join(', ')}.`],
      });
    answers[question.id] = value;
  }
  return answers;
}
