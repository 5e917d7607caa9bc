/** What the Day 1 Coder API steps share: their collaborators, their ids and the default organization. */
import type { SecretStore } from '../../aws/secrets.js';
import type { CoderClient } from '../../coder/client.js';
import type { CoderPlatformConfig } from '../../config/schema.js';

export interface Day1CoderServices {
  /** An owner client, authenticated with the session token stored in Secrets Manager by first-admin. */
  coder: () => Promise<CoderClient>;
  /** An unauthenticated client for the same access URL. */
  coderAnonymous: () => CoderClient;
  secrets: SecretStore;
  deployment: string;
  config: CoderPlatformConfig;
  /** users.yaml, already resolved against the config file's directory. */
  usersFile?: string;
  /** Suspend Coder users that users.yaml no longer lists (`--prune`). */
  prune?: boolean;
  /** KMS key for the secrets the CLI writes (default: the account's aws/secretsmanager key). */
  secretsKmsKeyId?: string;
  /** Template build polling, for tests and slow sites. */
  templatePoll?: { intervalMs?: number; timeoutMs?: number };
}

export const CODER_STEP_IDS = {
  firstAdmin: 'first-admin',
  license: 'license',
  provisionerKey: 'provisioner-key',
  templates: 'templates',
  users: 'users',
} as const;

export async function organizationId(client: CoderClient): Promise<string> {
  return (await client.organization('default')).id;
}
