/**
 * The resume command line, apart from the engine and the oclif flag definitions so that
 * `status` (which prints the next command) loads neither.
 */
import type { GlobalOptions } from '../globals.js';
import { shellQuote } from '../shell-quote.js';

/** The exact command that resumes the phase: the command plus the globals that select the deployment. */
export function resumeCommandFor(
  command: string,
  globals: Pick<GlobalOptions, 'configPath' | 'stateDir' | 'awsProfile' | 'region'> &
    Partial<Pick<GlobalOptions, 'stateBackend' | 'stateBucket' | 'statePrefix' | 'stateRegion'>>,
): string {
  const parts = [command, '--config', shellQuote(globals.configPath)];
  if (globals.stateDir !== undefined) parts.push('--state-dir', shellQuote(globals.stateDir));
  // The state backend flags (or their variables) select where the journal lives: the resume command repeats them.
  const state = {
    '--state-backend': globals.stateBackend,
    '--state-bucket': globals.stateBucket,
    '--state-prefix': globals.statePrefix,
    '--state-region': globals.stateRegion,
  };
  for (const [flag, value] of Object.entries(state))
    if (value !== undefined && value !== '') parts.push(flag, shellQuote(value));
  if (globals.awsProfile !== undefined) parts.push('--aws-profile', shellQuote(globals.awsProfile));
  if (globals.region !== undefined) parts.push('--region', shellQuote(globals.region));
  return parts.join(' ');
}
