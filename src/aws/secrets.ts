/**
 * Secrets Manager access for values the CLI resolves or writes itself. Values are returned to the caller
 * only; they never go into events, outputs, the journal or error messages (errors name the secret, not
 * its value).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { UserError } from '../errors.js';
import { checkSecretReference, SECRET_REFERENCE_FORMS } from '../config/secret-reference.js';
import { awsCall, classifyAwsError, wrapAwsError } from './clients.js';

export interface PutSecretOptions {
  description?: string;
  kmsKeyId?: string;
  tags?: Record<string, string>;
}

/** What a secret reference points at. */
export type SecretReference = { kind: 'env'; name: string } | { kind: 'secretsmanager'; id: string };

/**
 * Parse a reference (see ../config/secret-reference.ts): an ARN, `secretsmanager:NAME`, a path of plain
 * name segments, or `env:NAME`. A value that is not one, or that looks like a credential, is refused
 * naming its kind and length only: the message never carries any part of it.
 */
export function parseSecretReference(reference: string): SecretReference {
  const check = checkSecretReference(reference);
  if (!check.ok) {
    throw new UserError(`The secret reference is not valid: found ${check.reason}.`, {
      nextSteps: [`Store the secret in Secrets Manager or an environment variable and use ${SECRET_REFERENCE_FORMS}.`],
    });
  }
  if (reference.startsWith('env:')) return { kind: 'env', name: reference.slice(4) };
  if (reference.startsWith('secretsmanager:'))
    return { kind: 'secretsmanager', id: reference.slice('secretsmanager:'.length) };
  return { kind: 'secretsmanager', id: reference };
}

export class SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The value a reference points at. Missing secrets and empty variables are UserErrors naming the reference. */
  async resolve(reference: string): Promise<string> {
    const parsed = parseSecretReference(reference);
    if (parsed.kind === 'env') {
      const value = this.env[parsed.name];
      if (value === undefined || value === '') {
        throw new UserError(`The environment variable ${parsed.name} (from the reference ${reference}) is not set.`, {
          nextSteps: [`Export ${parsed.name} before running, or point the reference at Secrets Manager.`],
        });
      }
      return value;
    }
    const value = await this.get(parsed.id);
    if (value === undefined) {
      throw new UserError(`The secret ${parsed.id} does not exist in Secrets Manager (or has no current value).`, {
        nextSteps: [`Create it: aws secretsmanager create-secret --name ${parsed.id} --secret-string file://value.txt`],
      });
    }
    return value;
  }

  /** The current string value, or undefined when the secret does not exist. */
  async get(name: string): Promise<string | undefined> {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      if (result.SecretString !== undefined) return result.SecretString;
      if (result.SecretBinary !== undefined) return Buffer.from(result.SecretBinary).toString('utf8');
      return undefined;
    } catch (error) {
      if (classifyAwsError(error) === 'not-found') return undefined;
      throw wrapAwsError(error, 'secretsmanager:GetSecretValue', name);
    }
  }

  /** Create the secret, or put a new current value when it exists. */
  async put(name: string, value: string, options: PutSecretOptions = {}): Promise<void> {
    const { CreateSecretCommand, PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          ...(options.description ? { Description: options.description } : {}),
          ...(options.kmsKeyId ? { KmsKeyId: options.kmsKeyId } : {}),
          ...(options.tags ? { Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
        }),
      );
      return;
    } catch (error) {
      const name_ = (error as { name?: string }).name;
      if (name_ !== 'ResourceExistsException') throw wrapAwsError(error, 'secretsmanager:CreateSecret', name);
    }
    await awsCall(
      'secretsmanager:PutSecretValue',
      () => this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value })),
      name,
    );
  }
}
