/** The hidden `eks-token` command prints exactly one ExecCredential on stdout (what kubectl parses). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import EksToken from '../../src/commands/eks-token.js';
import { projectRoot } from './fixtures.js';

describe('coder-platform eks-token', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('prints an ExecCredential for the cluster from the default credential chain', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    await EksToken.run(['--cluster-name', 'coder-eks', '--region', 'eu-west-1'], projectRoot);
    expect(written).toHaveLength(1);
    const credential = JSON.parse(written[0]!) as { kind: string; status: { token: string } };
    expect(credential.kind).toBe('ExecCredential');
    const url = new URL(Buffer.from(credential.status.token.replace('k8s-aws-v1.', ''), 'base64url').toString());
    expect(url.hostname).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request$/);
  });
});
