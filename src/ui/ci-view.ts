/** How `coder-platform ci init` is shown to a person: what was written and what to set up in the provider. */
import type { CiInitResult } from '../services/ci/service.js';

export function renderCiInit(result: CiInitResult): string {
  const out: string[] = [];
  for (const f of result.files) {
    out.push(
      f.written
        ? `${f.overwritten ? 'Overwrote' : 'Wrote'} ${f.path} (${result.provider}, deployment ${result.deployment}).`
        : `Would write ${f.path}:`,
    );
    if (!f.written) out.push('', f.content);
  }
  out.push('', 'Before the first run:');
  out.push(
    `  · set the CI variables ${result.variables.join(', ')} ` +
      '(role ARNs and a bucket name: no secrets, OIDC needs no keys);',
  );
  out.push(`  · require approval on the "${result.environment}" environment;`);
  out.push(
    `  · the restore test runs on the cron "${result.restoreTestCron}" (UTC)` +
      `${result.provider === 'gitlab' ? ': add it as a pipeline schedule' : ''};`,
  );
  out.push(`  · the jobs select the S3 state backend with ${result.stateEnvironment.join(', ')}.`);
  return `${out.join('\n')}\n`;
}
