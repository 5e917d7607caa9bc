/**
 * The kubeconfig and the eks-token command together with a real kubectl (when kubectl and openssl are
 * installed): kubectl runs our credential plugin and sends its token to the API server.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExecaRunner } from '../../src/k8s/exec.js';
import { writeKubeconfig } from '../../src/k8s/kubeconfig.js';
import { projectRoot } from './fixtures.js';

function has(command: string): boolean {
  try {
    execFileSync(command, ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    try {
      execFileSync(command, ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }
}

describe.skipIf(!has('kubectl') || !has('openssl'))('kubectl with the generated kubeconfig', () => {
  it('runs `coder-platform eks-token` and presents its EKS token as the bearer token', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kc-e2e-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const cert = await readFile(path.join(dir, 'cert.pem'));
    const seen: string[] = [];
    const server = https.createServer({ key: await readFile(path.join(dir, 'key.pem')), cert }, (req, res) => {
      seen.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const stateDir = path.join(dir, 'state');
      const { path: kubeconfig } = await writeKubeconfig(stateDir, {
        cluster: {
          name: 'coder-eks',
          endpoint: `https://127.0.0.1:${port}`,
          certificateAuthority: cert.toString('base64'),
        },
        region: 'us-west-2',
        authMethod: 'coder-platform',
        selfCommand: { command: process.execPath, args: ['--import', 'tsx', path.join(projectRoot, 'bin', 'dev.js')] },
      });
      const result = await createExecaRunner().run(
        'kubectl',
        ['--kubeconfig', kubeconfig, 'get', '--raw', '/healthz'],
        {
          env: {
            AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
            AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
            AWS_SESSION_TOKEN: '',
            AWS_PROFILE: '',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
          timeoutMs: 60_000,
        },
      );
      expect(result.stdout.trim()).toBe('ok');
      const bearer = seen.find((h) => h.startsWith('Bearer '));
      expect(bearer).toMatch(/^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
      const url = new URL(Buffer.from(bearer!.slice('Bearer k8s-aws-v1.'.length), 'base64url').toString());
      expect(url.hostname).toBe('sts.us-west-2.amazonaws.com');
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    } finally {
      server.close();
    }
  }, 90_000);
});
