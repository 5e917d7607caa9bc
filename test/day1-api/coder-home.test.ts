/**
 * Behaviour of coder-home.sh (the EC2 bases' home-volume mount, shared/ec2/coder-home.sh), run for real by bash
 * in a private mount namespace whose /sys/block is a tmpfs holding fake NVMe controllers: the root volume, an
 * instance-store SSD and (or not yet) the EBS home volume, each with its serial. blkid, mkfs.ext4, mount,
 * mountpoint and chown are stand-ins on PATH that log their arguments, so nothing on this machine is formatted or
 * mounted. Needs `unshare -m` with mount rights; where that is not available the tests say so and are skipped.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templatesRoot } from '../../src/phases/day1/templates/assets.js';

const run = promisify(execFile);
const VOLUME_ID = 'vol-0123456789abcdef0';

function namespacesWork(): boolean {
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs none /sys/block'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('[skip] unshare -m with mount rights is not available: the coder-home.sh behaviour tests are skipped');
    return false;
  }
}
const available = namespacesWork();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'coder-home-'));
  await mkdir(path.join(dir, 'bin'));
  const stub = (name: string, exit: string) => `#!/bin/sh\necho "${name} $*" >> "$STUB_LOG"\nexit ${exit}\n`;
  const stubs: Record<string, string> = {
    blkid: stub('blkid', '"${BLKID_EXIT:-2}"'),
    'mkfs.ext4': stub('mkfs.ext4', '0'),
    mount: stub('mount', '0'),
    mountpoint: stub('mountpoint', '"${MOUNTPOINT_EXIT:-1}"'),
    chown: stub('chown', '0'),
  };
  for (const [name, body] of Object.entries(stubs)) {
    await writeFile(path.join(dir, 'bin', name), body);
    await chmod(path.join(dir, 'bin', name), 0o755);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  output: string;
  calls: string[];
}

/**
 * Runs coder-home.sh with the given fake controllers (name → serial). `late` controllers appear only after the
 * script has started looking (written by a background job in the namespace), as when Terraform attaches the
 * volume after the instance has booted.
 */
async function runHome(opts: {
  controllers: Record<string, string>;
  late?: Record<string, string>;
  /** Also give the volume the udev link (/dev/disk/by-id/…) on a block device node named this, in a private /dev. */
  byId?: string;
  env?: Record<string, string>;
}): Promise<Outcome> {
  const log = path.join(dir, `calls-${Math.random().toString(36).slice(2)}.log`);
  const mountPoint = await mkdtemp(path.join(dir, 'home-'));
  await writeFile(log, '');
  const add = (name: string, serial: string) =>
    `mkdir -p /sys/block/${name}/device && printf '%s' '${serial}' > /sys/block/${name}/device/serial`;
  const byId = opts.byId
    ? [
        '/bin/mount -t tmpfs none /dev',
        'mknod -m 666 /dev/null c 1 3',
        `mknod /dev/${opts.byId} b 259 42`,
        'mkdir -p /dev/disk/by-id',
        `ln -s ../../${opts.byId} /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace('-', '')}`,
      ]
    : [];
  const late = Object.entries(opts.late ?? {}).map(([n, s]) => add(n, s));
  const setup = [
    'set -e',
    '/bin/mount -t tmpfs none /sys/block',
    ...byId,
    ...Object.entries(opts.controllers).map(([n, s]) => add(n, s)),
    ...(late.length > 0 ? [`( sleep 3; ${late.join('; ')} ) >/dev/null 2>&1 &`] : []),
    'set +e',
    `PATH="${path.join(dir, 'bin')}:$PATH" bash "$0" "$@"`,
    'rc=$?',
    'kill %1 2>/dev/null',
    'exit $rc',
  ].join('\n');
  const script = path.join(templatesRoot(), 'shared', 'ec2', 'coder-home.sh');
  const env = { ...process.env, STUB_LOG: log, CODER_HOME_TIMEOUT: '20', ...opts.env };
  const result = await run('unshare', ['-m', 'sh', '-c', setup, script, VOLUME_ID, '/dev/sdh', mountPoint, 'coder'], {
    env,
  })
    .then((r) => ({ code: 0, output: r.stdout + r.stderr }))
    .catch((e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      output: `${e.stdout ?? ''}${e.stderr ?? ''}`,
    }));
  const calls = (await readFile(log, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(mountPoint, '<home>'));
  return { ...result, calls };
}

// NVMe identify data pads serials with spaces (sysfs usually shows them trimmed; the script trims either way).
// An EBS volume's serial is its id without the dash; the instance store's starts with AWS.
const ROOT = { nvme0n1: 'vol0fedcba9876543210' };
const INSTANCE_STORE = { nvme1n1: 'AWS22E4B6E5B8B8C1B7E' };
const HOME = { nvme2n1: 'vol0123456789abcdef0  ' };

describe.runIf(available)('coder-home.sh', () => {
  it('formats an empty volume found by its id (not the instance store), mounts it, hands it to the user', async () => {
    const out = await runHome({ controllers: { ...ROOT, ...INSTANCE_STORE, ...HOME } });
    expect(out.code, out.output).toBe(0);
    expect(out.calls).toEqual([
      'mountpoint -q <home>',
      'blkid -p /dev/nvme2n1',
      'mkfs.ext4 -q -L coder-home /dev/nvme2n1',
      'mount -o defaults,noatime /dev/nvme2n1 <home>',
      'chown -R coder:coder <home>',
    ]);
  });

  it('uses the udev link /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_<id without dash>', async () => {
    const out = await runHome({ controllers: { ...ROOT, ...INSTANCE_STORE }, byId: 'nvme7n1' });
    expect(out.code, out.output).toBe(0);
    expect(out.output).toContain(`EBS volume ${VOLUME_ID} is /dev/nvme7n1`);
    expect(out.calls).toContain('mkfs.ext4 -q -L coder-home /dev/nvme7n1');
  });

  it('keeps an existing filesystem: a second boot mounts the same files without formatting', async () => {
    const out = await runHome({ controllers: { ...ROOT, ...HOME, ...INSTANCE_STORE }, env: { BLKID_EXIT: '0' } });
    expect(out.code, out.output).toBe(0);
    expect(out.calls.filter((c) => c.startsWith('mkfs'))).toEqual([]);
    expect(out.calls).toContain('mount -o defaults,noatime /dev/nvme2n1 <home>');
    expect(out.calls).toContain('chown coder:coder <home>');
  });

  it('refuses to format when blkid cannot tell (ambiguous probe), and the agent stays stopped', async () => {
    const out = await runHome({ controllers: { ...ROOT, ...HOME }, env: { BLKID_EXIT: '8' } });
    expect(out.code).toBe(1);
    expect(out.output).toMatch(/blkid could not identify \/dev\/nvme2n1 \(exit 8\); not formatting it/);
    expect(out.calls.filter((c) => /^(mkfs|mount )/.test(c))).toEqual([]);
  });

  it('waits for a volume attached after boot', async () => {
    const out = await runHome({ controllers: { ...ROOT, ...INSTANCE_STORE }, late: HOME });
    expect(out.code, out.output).toBe(0);
    expect(out.calls).toContain('mkfs.ext4 -q -L coder-home /dev/nvme2n1');
  });

  it('never touches another disk when the volume does not come, and fails after the timeout', async () => {
    const out = await runHome({ controllers: { ...ROOT, ...INSTANCE_STORE }, env: { CODER_HOME_TIMEOUT: '2' } });
    expect(out.code).toBe(1);
    expect(out.output).toContain(`EBS volume ${VOLUME_ID} is not attached after 2s`);
    expect(out.calls).toEqual([]);
  });

  it('does nothing when the home is already mounted', async () => {
    const out = await runHome({ controllers: { ...HOME }, env: { MOUNTPOINT_EXIT: '0' } });
    expect(out.code, out.output).toBe(0);
    expect(out.calls).toEqual(['mountpoint -q <home>']);
  });
});
