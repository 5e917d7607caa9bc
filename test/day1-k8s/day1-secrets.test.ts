/**
 * The whole day1 phase (cluster steps and Coder API steps in day1Phase's one graph) on the real engine,
 * with the fake cluster (kubectl/helm), Secrets Manager mocked at the SDK and the spec-validating fake
 * coderd. Sentinel secrets — database password, OIDC client secret, license JWT, and what the run
 * generates itself (admin password, session token, provisioner key, captured from Secrets Manager) —
 * must not appear in any file of the state directory, in what the real CI line renderer writes, or in
 * the --json document of the result — nor in any object (any version) written to the state bucket, since
 * the phase runs with the s3 state backend (the S3 client mocked at the SDK by the emulator).
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/aws/s3-object-store.js';
import { secretNames } from '../../src/deployment/outputs.js';
import { runPhase } from '../../src/engine/run-phase.js';
import { day1Phase } from '../../src/phases/day1/service.js';
import { createDay1Services } from '../../src/phases/day1/services.js';
import { LineHost } from '../../src/ui/renderers/line.js';
import { licenseJwt, memorySecrets } from '../day1-api/helpers.js';
import { FakeCoder } from '../day1-api/spec-server.js';
import { S3Emulator } from '../state/s3-emulator.js';
import { installS3Mock } from '../state/s3-mock.js';
import { FakeCluster } from './fake-cluster.js';
import { OIDC, testConfig, testOutputs } from './fixtures.js';
import { describeUpstream } from '../upstream.js';

const DB_PASSWORD = 'S3ntinel/DB+pw@#%-a71e';
const OIDC_SECRET = 'oidc-SENTINEL-93be21';
const LICENSE = licenseJwt('5d0c7a3e-2b1f-4c6d-8e9a-0f1b2c3d4e5f');

let fake: FakeCoder | undefined;
let stateDir: string | undefined;
afterEach(async () => {
  await fake?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  fake = undefined;
  stateDir = undefined;
});

async function filesUnder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, await filesUnder(full));
    else out[full] = await readFile(full, 'utf8');
  }
  return out;
}

/** A secret and the encodings it could leak in (URL-encoded in the DB URL, base64 in a Kubernetes secret). */
function forms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

describeUpstream('day1 end to end: secrets stay out of every output', () => {
  it(
    'the whole phase succeeds and no sentinel reaches the state directory, the CI renderer or the --json result',
    { timeout: 120_000 },
    async () => {
      const config = testConfig('mvp-500', `${OIDC}  license: coder/license\n`);
      const outputs = testOutputs();
      fake = await new FakeCoder({
        version: `v${config.coder.version}+e751b28`,
        daemons: Array.from({ length: config.coder.provisioners.replicas }, () => ({ scope: 'organization' })),
        licenseFeatures: ['high_availability', 'template_rbac', 'external_provisioner_daemons'],
      }).start();
      stateDir = await mkdtemp(path.join(os.tmpdir(), 'day1-secrets-'));
      const secrets = memorySecrets({
        [outputs.database.secretArn]: JSON.stringify({
          username: 'coder_admin',
          password: DB_PASSWORD,
          engine: 'postgres',
          port: 5432,
        }),
        'coder/oidc-client-secret': OIDC_SECRET,
        'coder/license': LICENSE,
      });
      const services = await createDay1Services({
        config,
        stateDir,
        runner: new FakeCluster(),
        secrets: secrets.store,
        readOutputs: async () => outputs,
        coderBaseUrl: fake.baseUrl,
        pollMs: 1,
      });
      services.templatePoll = { intervalMs: 5, timeoutMs: 10_000 };

      // The CI renderer (`CI=true` / not a TTY), verbose so debug events are rendered too.
      const stream = Object.assign(new PassThrough(), { isTTY: false });
      let rendered = '';
      stream.on('data', (c: Buffer) => (rendered += c.toString()));
      const host = new LineHost({ yes: true, nonInteractive: true, verbose: true, stream, heartbeatMs: 60_000 });
      const emulator = new S3Emulator();
      emulator.createBucket('acme-state', 'eu-west-1');
      emulator.bucket('acme-state').versioning = 'Enabled';
      const s3 = installS3Mock(emulator);
      const remote = new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), {
        bucket: 'acme-state',
        keyPrefix: `coder-platform/${config.deployment.name}/`,
        region: 'eu-west-1',
      });
      const result = await runPhase(day1Phase(config), services, {
        deployment: config.deployment.name,
        stateDir,
        command: 'coder-platform day1',
        host,
        remote,
      }).finally(() => s3.restore());
      const json = JSON.stringify(result, null, 2); // what `day1 --json` prints: the typed result
      expect(result.status, json).toBe('succeeded');
      expect(fake.violations).toEqual([]);

      // What the run generated and stored only in Secrets Manager.
      const names = secretNames(config.deployment.name);
      const generated = [names.adminPassword, names.sessionToken, names.provisionerKey].map((n) =>
        secrets.values.get(n),
      );
      expect(generated.every((v) => typeof v === 'string' && v.length >= 16)).toBe(true);
      expect(fake.users[0]!.password).toBe(generated[0]); // the owner really has the generated password
      expect(fake.licenses.map((l) => l.jwt)).toEqual([LICENSE]);
      expect(rendered).toContain('Publish templates'); // the renderer saw the whole phase, cluster and Coder steps
      expect(rendered).toMatch(/\[coder-release\]/);

      const files = await filesUnder(stateDir);
      expect(Object.keys(files).length).toBeGreaterThan(0);
      const bucket: Record<string, string> = {};
      for (const key of emulator.bucket('acme-state').objects.keys()) {
        for (const v of emulator.versions('acme-state', key)) bucket[`s3://acme-state/${key}#${v.versionId}`] = v.body;
      }
      expect(Object.keys(bucket).some((k) => k.includes('/journal.json#'))).toBe(true);
      const haystacks: Record<string, string> = {
        'line renderer': rendered,
        '--json result': json,
        ...files,
        ...bucket,
      };
      for (const secret of [DB_PASSWORD, OIDC_SECRET, LICENSE, ...(generated as string[])]) {
        for (const form of forms(secret)) {
          for (const [where, text] of Object.entries(haystacks))
            expect(text.includes(form), `${where} contains a secret (${form.slice(0, 6)}…)`).toBe(false);
        }
      }
    },
  );
});
