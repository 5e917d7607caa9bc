/**
 * Secret references and the redaction paths around them: what counts as a reference, what looks like a
 * credential whatever form it matches, and each place that keeps a value out of messages — the config
 * loader's description of a secret field, the ConfigError's credential scrubbing, the secret store's
 * refusal, and the day1 error redaction in each encoding.
 */
import { describe, expect, it } from 'vitest';
import { parseSecretReference } from '../../src/aws/secrets.js';
import { parseConfigText } from '../../src/config/load.js';
import { checkSecretReference, credentialKind, redactCredentials } from '../../src/config/secret-reference.js';
import { ConfigError } from '../../src/errors.js';
import { redactError } from '../../src/phases/day1/cluster-steps.js';

const AWS_SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const BASE =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';

function configError(text: string): ConfigError {
  try {
    parseConfigText(text, 'coder-platform.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('secret references', () => {
  it.each([
    'env:CODER_OIDC_CLIENT_SECRET',
    'secretsmanager:coder/license',
    'coder/oidc-client-secret',
    'acme/coder/admin-password',
    'prod/Coder-OIDC/ClientSecret_v2',
    'team/Platform/Coder/OIDC/Secret/Prod2024',
    'coder/5d0c7a3e-2b1f-4c6d-8e9a-0f1b2c3d4e5f',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:coder/license-AbCdEf',
  ])('%s is a reference', (value) => expect(checkSecretReference(value)).toEqual({ ok: true }));

  it.each([
    [AWS_SECRET_KEY, 'an AWS secret access key'],
    ['AKIAIOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['eyJhbGciOiJFZERTQSJ9.eyJsaWNlbnNlIjoiMSJ9.c2lnbmF0dXJl', 'a JSON Web Token'],
    ['secretsmanager:eyJhbGciOiJFZERTQSJ9xyzabc', 'base64-encoded JSON'],
    ['coder/xJ4kPq9mZr2TbW7nVc1Y', 'a high-entropy token'],
    ['-----BEGIN RSA PRIVATE KEY-----', 'a PEM block'],
    ['ci/ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'a GitHub token'],
  ])('%s matches a reference form or not, but is refused as %s', (value, kind) => {
    expect(credentialKind(value)).toContain(kind);
    const check = checkSecretReference(value);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain(`${[...value].length}-character value that looks like ${kind}`);
  });

  it('the AWS secret key of the issue matched the old "path-like name" form and is refused now, by kind and length', () => {
    const error = configError(
      `${BASE}  oidc:\n    issuerUrl: https://login.example.com/\n    clientId: coder\n    clientSecret: ${AWS_SECRET_KEY}\n`,
    );
    const issue = error.issues.find((i) => i.path === 'coder.oidc.clientSecret')!;
    expect(issue.message).toContain('found a 40-character value that looks like an AWS secret access key');
    expect(JSON.stringify(error.toJSON())).not.toContain(AWS_SECRET_KEY.slice(0, 12));
  });
});

describe('redaction paths', () => {
  it('config loader: a literal in a secret field is described, never shown, even when it looks like nothing known', () => {
    const literal = 'plainpassword1234567'; // not a credential shape: only the secret-field rule keeps it out
    expect(credentialKind(literal)).toBeUndefined();
    const error = configError(`${BASE}  license: ${literal}\n`);
    expect(error.issues[0]!.message).toContain('found a 20-character value');
    expect(`${error.message}${JSON.stringify(error.toJSON())}`).not.toContain(literal);
  });

  it('ConfigError: a credential in any message is replaced by its description (a key pasted into dns.domain)', () => {
    const error = configError(BASE.replace('domain: example.com', `domain: ${AWS_SECRET_KEY}`));
    expect(error.issues.map((i) => i.path)).toContain('dns.domain');
    expect(error.message).toContain('[a 40-character value that looks like an AWS secret access key]');
    expect(`${error.message}${JSON.stringify(error.toJSON())}`).not.toContain(AWS_SECRET_KEY);
  });

  it('redactCredentials leaves references, ARNs and names alone', () => {
    const text =
      'coder/oidc-client-secret and arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab, m7i.12xlarge';
    expect(redactCredentials(text)).toBe(text);
  });

  it('secret store: an invalid reference is refused without any part of it', () => {
    for (const literal of ['hunter2-super-secret-value', AWS_SECRET_KEY]) {
      let message = '';
      try {
        parseSecretReference(literal);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/not valid: found a \d+-character value/);
      expect(message).not.toContain(literal.slice(0, 4));
    }
  });

  const SECRET = 'S3ntinel/pw+=&?-x';
  it.each([
    ['as sent', SECRET],
    ['URL-encoded (in the database URL)', encodeURIComponent(SECRET)],
    ['base64 (in a Kubernetes secret manifest)', Buffer.from(SECRET).toString('base64')],
  ])('day1 redactError removes the secret %s from the message and the stack', (_name, form) => {
    const error = new Error(`kubectl apply failed: Invalid value: "${form}"`);
    error.stack = `Error: kubectl apply failed: Invalid value: "${form}"\n    at x (y.js:1:1)`;
    const redacted = redactError(error, [SECRET]) as Error;
    expect(redacted).toBe(error);
    expect(redacted.message).toBe('kubectl apply failed: Invalid value: "[redacted]"');
    expect(redacted.stack).not.toContain(form);
  });
});
