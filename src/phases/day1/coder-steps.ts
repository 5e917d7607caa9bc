/**
 * The Day 1 steps that talk to Coder's API: first admin, license, provisioner key, templates, users.
 * Each step's isDone probes Coder itself, so a lost journal or a re-run converges without redoing work.
 * The cluster side (Helm, kubectl, the provisioner chart) lives in the sibling steps of the day1 phase;
 * the provisioner key reaches it only through Secrets Manager (secretNames(deployment).provisionerKey).
 */
import type { SecretStore } from '../../aws/secrets.js';
import { CoderClient } from '../../coder/client.js';
import type { CoderPlatformConfig } from '../../config/schema.js';
import { secretNames } from '../../deployment/outputs.js';
import type { Step } from '../../engine/types.js';
import { UserError } from '../../errors.js';
import { firstAdminStep, licenseStep, provisionerKeyStep } from './coder-setup-steps.js';
import { templatesStep, usersStep } from './coder-content-steps.js';
import type { Day1CoderServices } from './coder-step-common.js';

export { CODER_STEP_IDS, type Day1CoderServices } from './coder-step-common.js';

/**
 * Builds `coder` and `coderAnonymous` for Day1CoderServices: the owner client reads its token from
 * Secrets Manager at the moment of use (never cached on disk).
 */
export function coderClientFactory(options: {
  baseUrl: string;
  secrets: SecretStore;
  deployment: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): Pick<Day1CoderServices, 'coder' | 'coderAnonymous'> {
  const anonymous = new CoderClient({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return {
    coderAnonymous: () => anonymous,
    coder: async () => {
      const name = secretNames(options.deployment).sessionToken;
      const token = await options.secrets.get(name);
      if (!token) {
        throw new UserError(`No Coder session token in Secrets Manager (${name}).`, {
          nextSteps: ['Run `coder-platform day1 --only first-admin` first; it logs in and stores the token.'],
        });
      }
      return anonymous.withToken(token);
    },
  };
}

export function coderSteps(config: CoderPlatformConfig): Step<Day1CoderServices>[] {
  return [
    firstAdminStep(config),
    licenseStep(config),
    provisionerKeyStep(config),
    templatesStep(config),
    usersStep(config),
  ];
}
