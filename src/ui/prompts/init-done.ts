/** What init prints on stdout when the file is written: where, and the commands that come next. */
import type { InitResult } from '../../services/init/wizard.js';
import { createStyle } from '../style.js';

export function renderInitDone(result: InitResult, commandExists: (id: string) => boolean): string {
  const s = createStyle({ stream: process.stdout });
  const lines = [`${s.green('✔')} Wrote ${result.path} (${result.shape}, https://${result.host})`, ''];
  const available = result.nextCommands.filter((cmd) => commandExists(commandId(cmd)));
  const [next, ...later] = result.nextCommands;
  if (available.length > 0) {
    lines.push(`Next: ${s.bold(available[0]!)}`);
    if (available.length > 1) lines.push(`Then: ${available.slice(1).join(' → ')}`);
  } else {
    lines.push(
      `Check it: ${s.bold(`coder-platform config validate${result.path === './coder-platform.yaml' ? '' : ` --config ${result.path}`}`)}`,
    );
    lines.push(
      `Next, once available in this version: ${next ?? ''}${later.length > 0 ? ` → ${later.join(' → ')}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Warnings about the written file, for stderr. */
export function renderInitWarnings(result: Pick<InitResult, 'warnings'>): string {
  const s = createStyle();
  return result.warnings.map((w) => `${s.yellow('!')} ${w}\n`).join('');
}

/** `coder-platform day0 deploy --config x.yaml` → `day0:deploy` (oclif's command id). */
export function commandId(command: string): string {
  const words = command.split(' ').slice(1);
  const flagAt = words.findIndex((w) => w.startsWith('-'));
  return (flagAt === -1 ? words : words.slice(0, flagAt)).join(':');
}
