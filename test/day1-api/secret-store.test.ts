import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { SecretStore } from '../../src/aws/secrets.js';
import { ExternalError, UserError } from '../../src/errors.js';
import { memorySecrets } from './helpers.js';

describe('SecretStore', () => {
  it('resolves ARNs, secretsmanager:NAME, path-like names and env:NAME', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:coder/license-AbCdEf';
    const { store } = memorySecrets(
      { [arn]: 'from-arn', 'coder/oidc': 'from-path', plain: 'from-prefix' },
      { LICENSE: 'from-env' },
    );
    expect(await store.resolve(arn)).toBe('from-arn');
    expect(await store.resolve('coder/oidc')).toBe('from-path');
    expect(await store.resolve('secretsmanager:plain')).toBe('from-prefix');
    expect(await store.resolve('env:LICENSE')).toBe('from-env');
    await expect(store.resolve('env:MISSING')).rejects.toBeInstanceOf(UserError);
    await expect(store.resolve('coder/missing')).rejects.toThrow(/coder\/missing does not exist/);
  });

  it('put creates, then puts a new value when the secret exists', async () => {
    const { store, values, calls } = memorySecrets();
    await store.put('acme/coder/session-token', 'one');
    await store.put('acme/coder/session-token', 'two');
    expect(values.get('acme/coder/session-token')).toBe('two');
    expect(calls).toEqual([
      'create acme/coder/session-token',
      'create acme/coder/session-token',
      'put acme/coder/session-token',
    ]);
  });

  it('access denied names the IAM action and the secret, not a value', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    mockClient(client)
      .on(GetSecretValueCommand)
      .rejects(
        Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), {
          name: 'AccessDeniedException',
        }),
      );
    const error = await new SecretStore(client, {}).get('acme/coder/admin-password').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as ExternalError).operation).toBe('secretsmanager:GetSecretValue');
    expect((error as ExternalError).resource).toBe('acme/coder/admin-password');
  });
});
