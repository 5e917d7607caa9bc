/** preflight's state-bucket check against the emulated S3 (real SDK, mocked client). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFromGlobals } from '../../src/config/from-globals.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import { createPreflightServices } from '../../src/phases/preflight/service.js';
import { checkStateBucket } from '../../src/phases/preflight/checks/state-bucket.js';
import { stateInitPhase } from '../../src/phases/state/service.js';
import { tempDir } from '../engine/helpers.js';
import { S3Emulator } from './s3-emulator.js';
import { installS3Mock } from './s3-mock.js';

const YAML =
  'profile: mvp-500\ndeployment:\n  name: prod\naws:\n  region: eu-west-1\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: a@example.com\n';

async function services(state: string) {
  const dir = mkdtempSync(join(tmpdir(), 'pf-state-'));
  writeFileSync(join(dir, 'c.yaml'), YAML + state);
  const { config } = await loadConfigFromGlobals({
    configPath: join(dir, 'c.yaml'),
    region: undefined,
    awsProfile: undefined,
  });
  return createPreflightServices(config, { awsProfile: undefined, requestIncreases: false, buffer: 0.2 });
}

let emulator: S3Emulator;
let mock: ReturnType<typeof installS3Mock>;
beforeEach(() => {
  emulator = new S3Emulator();
  mock = installS3Mock(emulator);
});
afterEach(() => mock.restore());

describe('preflight state-bucket check', () => {
  it('adds nothing with the local backend', async () => {
    expect((await checkStateBucket(await services(''))).results).toEqual([]);
  });

  it('a missing bucket fails and points at state init', async () => {
    const { results } = await checkStateBucket(await services('state:\n  backend: s3\n  bucket: acme-state\n'));
    expect(results).toEqual([
      expect.objectContaining({
        id: 'state-bucket',
        status: 'fail',
        critical: true,
        fix: 'Run: coder-platform state init',
      }),
    ]);
  });

  it('a bare bucket fails versioning, encryption and public access; after state init every row passes and the probe is gone', async () => {
    emulator.createBucket('acme-state', 'eu-west-1');
    const svc = await services('state:\n  backend: s3\n  bucket: acme-state\n');
    const bare = await checkStateBucket(svc);
    expect(bare.results.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual([
      'state-bucket-versioning',
      'state-bucket-encryption',
      'state-bucket-public-access',
    ]);
    await runPhase(
      stateInitPhase(),
      {
        s3: new S3Client({ region: 'eu-west-1' }),
        bucket: 'acme-state',
        region: 'eu-west-1',
        encryption: 'aws:kms',
        noncurrentVersionDays: 30,
      },
      { deployment: 'prod', stateDir: tempDir('pf-init-'), command: 'c', host: new RecordingHost() },
    );
    const ready = await checkStateBucket(svc);
    expect(ready.results.map((r) => `${r.id}:${r.status}`)).toEqual([
      'state-bucket:pass',
      'state-bucket-versioning:pass',
      'state-bucket-encryption:pass',
      'state-bucket-public-access:pass',
      'state-bucket-permissions:pass',
    ]);
    // The probe used the lock's conditional requests and left no current object behind.
    expect(
      emulator.log.some((l) =>
        /^PUT coder-platform\/prod\/\.preflight-probe-[0-9a-f]+ If-None-Match:\* -> 200$/.test(l),
      ),
    ).toBe(true);
    expect(
      emulator.log.some((l) =>
        /^DELETE coder-platform\/prod\/\.preflight-probe-[0-9a-f]+ If-Match:"[0-9a-f]+" -> 204$/.test(l),
      ),
    ).toBe(true);
    expect(emulator.listKeys('acme-state', '')).toEqual([]);
  });
});
