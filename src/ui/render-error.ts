/** The one place errors become text for a person. `--json` uses CoderPlatformError#toJSON instead. */
import { ConfigError, type CoderPlatformError } from '../errors.js';
import { createStyle } from './style.js';

export interface RenderErrorOptions {
  /** Show causes and stack traces. @default false */
  verbose?: boolean;
}

export function renderError(error: CoderPlatformError, options: RenderErrorOptions = {}): string {
  const s = createStyle();
  const label: Record<CoderPlatformError['kind'], string> = {
    user: 'Error',
    config: 'Configuration error',
    check: 'Failed',
    external: 'External failure',
    cancelled: 'Cancelled',
    bug: 'Unexpected error',
  };
  const lines: string[] = [];
  if (error instanceof ConfigError) {
    const total = error.issues.length + error.omittedIssues;
    lines.push(
      s.red.bold(`${label.config}: ${total} problem${total === 1 ? '' : 's'} in ${error.file ?? 'the configuration'}`),
    );
    for (const issue of error.issues) {
      const loc =
        issue.line === undefined ? '' : `:${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}`;
      lines.push(`  ${s.bold(`${error.file ?? 'config'}${loc}`)} ${s.cyan(issue.path)}: ${issue.message}`);
      if (issue.example !== undefined) lines.push(`      ${s.dim('for example:')} ${issue.example}`);
    }
    // ConfigError keeps the first MAX_CONFIG_ISSUES: output stays bounded whatever the file holds.
    if (error.omittedIssues > 0)
      lines.push(
        `  … and ${error.omittedIssues} more problem${error.omittedIssues === 1 ? '' : 's'}; fix these first, then validate again.`,
      );
  } else if (error.kind === 'cancelled') {
    lines.push(s.yellow(error.message));
  } else {
    lines.push(s.red.bold(`${label[error.kind]}: `) + error.message);
  }
  if (error.nextSteps.length > 0) {
    lines.push('', s.bold('Next steps:'));
    for (const step of error.nextSteps) lines.push(`  • ${step}`);
  }
  if (options.verbose === true || error.kind === 'bug') {
    const cause = error.kind === 'bug' ? error.cause : options.verbose ? error.cause : undefined;
    if (cause instanceof Error && cause.stack && options.verbose) lines.push('', s.dim(cause.stack));
    else if (options.verbose && error.stack) lines.push('', s.dim(error.stack));
  }
  return `${lines.join('\n')}\n`;
}
