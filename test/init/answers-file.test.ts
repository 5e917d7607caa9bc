import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';
import { readAnswersFile } from '../../src/services/init/answers-file.js';
import { runInit } from '../../src/services/init/wizard.js';

describe('init --answers FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'answers-'));

  it('accepts flag names and answer ids and produces the same config as flags would', async () => {
    const answers = join(dir, 'answers.yaml');
    writeFileSync(
      answers,
      'shape: custom\nconcurrent: 1500\ndomain: example.net\ncertificate-arn: arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab\ncertificate: existing\ntemplates: [pod-swdev, ec2-windev-gui, ec2-datasci, ec2-datasci-gpu]\nrtoMinutes: 90\n',
    );
    const given = await readAnswersFile(answers);
    const path = join(dir, 'coder-platform.yaml');
    const result = await runInit({ path, given, force: false });
    expect(result.profile).toBe('scale-3000'); // a custom count above 1,000 builds on scale-3000
    const config = parseConfigText(readFileSync(path, 'utf8'), path);
    expect(config.workspaces.concurrent).toBe(1500);
    expect(config.backup.rtoMinutes).toBe(90);
    expect(config.dns.certificateArn).toMatch(/^arn:aws:acm:us-east-1:/);
    expect(config.cluster.nodeGroups['coder-ws']!.maxSize).toBeLessThan(200);
  });

  it('names an unknown answer and a missing file (exit 2)', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'shape: mvp-500\ndomian: example.com\n');
    const error = await readAnswersFile(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('unknown answer "domian"');
    await expect(readAnswersFile(join(dir, 'missing.yaml'))).rejects.toThrow(/does not exist/);
  });
});
