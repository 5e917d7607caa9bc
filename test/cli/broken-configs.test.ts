/**
 * Broken configuration files through the real built CLI (`bin/run.js config validate`, text and --json):
 * part of the corpus in test/fixtures/broken-configs, a 5 MB file, a file with thousands of problems,
 * and sentinel secrets of every kind in every secret field, searched for in every output and encoding.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, EXPECTATIONS, leakForms } from '../config/broken-corpus.js';
import { cli, root } from './helpers.js';

const work = join(root, 'test', '.tmp-cli', `broken-${process.pid}`);
beforeAll(() => {
  expect(existsSync(join(root, 'dist/src/commands/config/validate.js'))).toBe(true);
  mkdirSync(work, { recursive: true });
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const VALID =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';

function validate(path: string, json: boolean, cwd = root) {
  return cli(['config', 'validate', '--config', path, ...(json ? ['--json'] : [])], { cwd });
}

/** What every rejected run must look like: exit 2, the file named, no crash, JSON that parses. */
function expectRejected(path: string): {
  text: string;
  json: {
    error: {
      kind: string;
      file: string;
      issues: { path: string; line?: number; column?: number; example?: string }[];
      omittedIssues: number;
      message: string;
    };
  };
} {
  const text = validate(path, false);
  expect(text.status, text.stderr).toBe(2);
  expect(text.stdout).toBe('');
  expect(text.stderr).toContain(path);
  expect(text.stderr).not.toMatch(/This is a bug|RangeError|\n\s+at .+:\d+:\d+\)?\n/);
  const json = validate(path, true);
  expect(json.status).toBe(2);
  expect(json.stderr).toBe('');
  const parsed = JSON.parse(json.stdout) as ReturnType<typeof expectRejected>['json'];
  expect(parsed.error.kind).toBe('config');
  expect(parsed.error.file).toBe(path);
  return { text: text.stderr, json: parsed };
}

// A mix of every kind: secrets, encodings, binary, hostile YAML, empty files, invisible characters, pasted text, cross-field rules.
const SAMPLE = [
  'secret-oidc-aws-secret-key.yaml',
  'secret-license-jwt.yaml',
  'secret-license-pem.yaml',
  'secret-oidc-literal.yaml',
  'utf16le-bom.yaml',
  'utf16le-no-bom.yaml',
  'latin1-bytes.yaml',
  'binary-png.yaml',
  'control-characters.yaml',
  'alias-bomb.yaml',
  'custom-tag.yaml',
  'duplicate-key.yaml',
  'two-documents.yaml',
  'huge-integer.yaml',
  'empty.yaml',
  'comments-only.yaml',
  'cyrillic-key.yaml',
  'zero-width-key.yaml',
  'pasted-log-after-config.yaml',
  'az-other-region.yaml',
  'many-network-schema-and-layout.yaml',
  'many-schedule-format-and-timezone.yaml',
  'scale-down-hour-24.yaml',
];

describe('config validate on broken files (built CLI)', () => {
  it.each(SAMPLE)('%s: exit 2, key, line:column and example in text and --json', (file) => {
    const path = resolve(CORPUS, file);
    const expected = EXPECTATIONS[file]!;
    const { text, json } = expectRejected(path);
    for (const want of expected.problems ?? []) {
      expect(text).toContain(`${path}${want.at ? `:${want.at}` : ''} ${want.path}: `);
      const issue = json.error.issues.find(
        (i) => i.path === want.path && new RegExp(want.message).test(String((i as { message?: string }).message)),
      );
      expect(issue, JSON.stringify(json.error.issues)).toBeDefined();
      expect(`${issue!.line}:${issue!.column}`).toBe(want.at);
      expect(issue!.example).toBeTruthy();
    }
    expect(text).toContain('for example:');
    for (const secret of expected.hidden ?? []) {
      for (const form of leakForms(secret))
        expect(text.includes(form) || JSON.stringify(json).includes(form)).toBe(false);
    }
  });

  it('a valid config with a 5 MB deploy log pasted after it is refused at once, naming the size and the line', () => {
    const log = Array.from(
      { length: 70_000 },
      (_, i) => `  step${i}: INFO [coder-release] helm upgrade --install coder 2.35.3 took ${i} ms`,
    ).join('\n');
    const path = join(work, 'with-log.yaml');
    writeFileSync(path, `${VALID}${log}\n`);
    const { text, json } = expectRejected(path);
    expect(text).toMatch(/is 5\.\d MiB; a configuration file may be at most 1 MiB/);
    expect(text.length).toBeLessThan(2_000);
    expect(json.error.issues).toHaveLength(1);
    expect(json.error.issues[0]!.line).toBeGreaterThan(8);
  });

  it('a file just under the limit with ~20,000 problems lists 50 and counts the rest, in text and --json', () => {
    const log = Array.from({ length: 20_000 }, (_, i) => `  step${i}: INFO took ${i} ms`).join('\n');
    const path = join(work, 'many-problems.yaml');
    writeFileSync(path, `${VALID}${log}\n`);
    const { text, json } = expectRejected(path);
    expect(json.error.issues).toHaveLength(50);
    expect(json.error.omittedIssues).toBe(19_950);
    expect(text).toContain('… and 19950 more problems');
    expect(text.length).toBeLessThan(20_000);
    expect(json.error.message).toContain('20000 problems');
  });
});

/** Secrets of every kind a person might paste where a reference belongs. */
const SENTINELS: Record<string, string> = {
  password: 'Sentinel-Pa55word!-7f3a9c',
  'AWS secret access key': 'qS3nTiNeL9/K7MDENG/bPxRfiCYZ1x2Y3w4V5u6T',
  'AWS access key id': 'AKIASENTINELEXAMPLE3',
  'license JWT': 'eyJhbGciOiJFZERTQSJ9.eyJzZW50aW5lbCI6ImxpY2Vuc2UtNzc3In0.U2VudGluZWxTaWduYXR1cmU',
  'PEM private key': '-----BEGIN PRIVATE KEY-----\nMIIEvSENTINELQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
  'GitHub token': 'ghp_SeNtInEl0123456789abcdefABCDEF012345',
  'Slack token': 'xoxb-123456789012-SENTINEL-abcdefghijkl',
  'high-entropy path': 'coder/Zq8Wp2Lm7Rt4Vb9Nc3Kd6Hf1Sentinel',
  'base64 blob': 'U2VudGluZWwtc2VjcmV0LXZhbHVlLWZvci10ZXN0aW5n',
  'unicode password': 'Sentinel-pässwörd-ключ-🔑-42',
};

function withSecret(field: 'clientSecret' | 'license', secret: string): string {
  const value = JSON.stringify(secret);
  if (field === 'license') return `${VALID}  license: ${value}\n`;
  return `${VALID}  oidc:\n    issuerUrl: https://login.example.com/\n    clientId: coder\n    clientSecret: ${value}\n`;
}

/** The secret, its encodings, and (for long ones) its first and last 12 characters. */
function sentinelForms(secret: string): string[] {
  const forms = leakForms(secret);
  for (const line of secret.split('\n')) if (line.length >= 24) forms.push(line.slice(0, 12), line.slice(-12));
  return forms;
}

describe('literal secrets are refused and never shown', () => {
  const cases = Object.entries(SENTINELS).flatMap(([kind, secret]) =>
    (['clientSecret', 'license'] as const).map((field) => ({ kind, secret, field })),
  );

  it.each(cases)('$kind in $field', ({ secret, field }) => {
    const dir = join(work, `sentinel-${field}-${cases.findIndex((c) => c.secret === secret && c.field === field)}`);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'coder-platform.yaml');
    writeFileSync(path, withSecret(field, secret));
    const outputs: string[] = [];
    for (const args of [['config', 'validate'], ['config', 'show'], ['plan']]) {
      for (const json of [false, true]) {
        const r = cli([...args, '--config', path, ...(json ? ['--json'] : [])], { cwd: dir });
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        if (json)
          expect(
            JSON.parse(r.stdout).error.issues.some(
              (i: { path: string }) => i.path === (field === 'license' ? 'coder.license' : 'coder.oidc.clientSecret'),
            ),
          ).toBe(true);
        outputs.push(r.stdout, r.stderr);
      }
    }
    if (field === 'clientSecret') {
      // init --oidc-client-secret-ref: refused before anything is written (the old pattern let an AWS secret key through into the file).
      const initPath = join(dir, 'init.yaml');
      const answers = [
        '--shape',
        'mvp-500',
        '--domain',
        'example.com',
        '--oidc',
        'configure',
        '--oidc-issuer',
        'https://login.example.com/',
        '--oidc-client-id',
        'coder',
      ];
      for (const json of [false, true]) {
        const r = cli(
          [
            'init',
            '--non-interactive',
            ...answers,
            '--oidc-client-secret-ref',
            secret,
            '--config',
            initPath,
            ...(json ? ['--json'] : []),
          ],
          { cwd: dir },
        );
        expect(r.status, r.stderr).toBe(2);
        outputs.push(r.stdout, r.stderr);
      }
    }
    const all = outputs.join('\n');
    expect(all).toMatch(/not the secret itself/);
    expect(all).toMatch(/found a \d+-character value/);
    for (const form of sentinelForms(secret))
      expect(all.includes(form), `output contains ${JSON.stringify(form.slice(0, 3))}…`).toBe(false);
    expect(readdirSync(dir)).toEqual(['coder-platform.yaml']); // nothing written: no state directory, no report
  });
});
