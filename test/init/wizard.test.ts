import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { CancelledError, ExitCode, UserError } from '../../src/errors.js';
import type { Prompter, PromptRequest } from '../../src/services/init/prompter.js';
import type { AnswerValue } from '../../src/services/init/questions.js';
import { runInit } from '../../src/services/init/wizard.js';

/** Answers by question id; anything not listed takes the offered default. Records every request. */
function scripted(answers: Partial<Record<string, AnswerValue>>, write = true): Prompter & { asked: PromptRequest[] } {
  const asked: PromptRequest[] = [];
  return {
    asked,
    async ask(request) {
      asked.push(request);
      const value = request.id in answers ? answers[request.id]! : request.default;
      if (value === undefined) throw new Error(`no answer and no default for ${request.id}`);
      const verdict = request.validate(value);
      if (verdict !== true) throw new Error(`${request.id}: ${verdict}`);
      return value;
    },
    async confirmWrite() {
      return write;
    },
  };
}
const tmpFile = () => join(mkdtempSync(join(tmpdir(), 'init-')), 'coder-platform.yaml');

describe('interactive flow', () => {
  it("mvp-500: asks the issue's questions in order, defaults from the profile, writes only the differences", async () => {
    const path = tmpFile();
    const prompter = scripted({ shape: 'mvp-500', domain: 'example.com' });
    const result = await runInit({ path, given: {}, force: false, prompter });
    expect(prompter.asked.map((r) => r.id)).toEqual([
      'name',
      'awsProfile',
      'region',
      'shape',
      'domain',
      'subdomain',
      'certificate',
      'apiCidrs',
      'cloudTrail',
      'oidc',
      'coderVersion',
      'templates',
      'schedule',
      'timezone',
      'scaleUp',
      'scaleDown',
      'rtoMinutes',
      'rpoMinutes',
      'restoreTestCadence',
    ]);
    const defaults = Object.fromEntries(prompter.asked.map((r) => [r.id, r.default]));
    expect(defaults).toMatchObject({
      apiCidrs: '',
      cloudTrail: 'create',
      name: 'coder',
      region: 'us-east-1',
      subdomain: 'coder',
      coderVersion: '2.35.3',
      templates: ['pod-swdev'],
      timezone: 'America/New_York',
      scaleUp: '06:45',
      scaleDown: '18:15',
      rtoMinutes: 120,
      rpoMinutes: 15,
      restoreTestCadence: 'monthly',
    });
    expect(prompter.asked.every((r) => r.help.length > 10)).toBe(true);
    const file = parse(readFileSync(path, 'utf8'));
    expect(file).toEqual({
      apiVersion: 'coder-platform/v1',
      profile: 'mvp-500',
      deployment: { name: 'coder' },
      dns: { domain: 'example.com' },
      coder: { admin: { email: 'admin@example.com' } },
    });
    expect(result).toMatchObject({ shape: 'mvp-500', profile: 'mvp-500', host: 'coder.example.com' });
  });

  it('API CIDRs open the public endpoint to exactly them; none keeps it private; a bad CIDR is refused', async () => {
    const path = tmpFile();
    await runInit({
      path,
      given: {},
      force: false,
      prompter: scripted({
        shape: 'mvp-500',
        domain: 'example.com',
        apiCidrs: '203.0.113.0/24, 198.51.100.7/32',
        cloudTrail: 'existing',
      }),
    });
    const config = parseConfigText(readFileSync(path, 'utf8'), path);
    expect(config.cluster.endpointAccess).toEqual({
      mode: 'public-and-private',
      publicCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
    });
    expect(config.audit.cloudTrail).toBe('existing');
    const privatePath = tmpFile();
    await runInit({
      path: privatePath,
      given: {},
      force: false,
      prompter: scripted({ shape: 'mvp-500', domain: 'example.com' }),
    });
    expect(parseConfigText(readFileSync(privatePath, 'utf8'), privatePath).cluster.endpointAccess).toEqual({
      mode: 'private',
      publicCidrs: [],
    });
    await expect(
      runInit({
        path: tmpFile(),
        given: {},
        force: false,
        prompter: scripted({ shape: 'mvp-500', domain: 'example.com', apiCidrs: '203.0.113.7/24' }),
      }),
    ).rejects.toThrow(/apiCidrs: "203\.0\.113\.7\/24" has host bits set/);
  });

  it('scale-3000 with an existing certificate and OIDC: the secret is stored as its reference', async () => {
    const path = tmpFile();
    const arn = 'arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
    const prompter = scripted({
      shape: 'scale-3000',
      domain: 'dev.example.co.uk',
      certificate: 'existing',
      certificateArn: arn,
      oidc: 'configure',
      oidcIssuer: 'https://login.example.com/',
      oidcClientId: 'coder',
      oidcClientSecretRef: 'coder/oidc-client-secret',
      rtoMinutes: 60,
    });
    await runInit({ path, given: {}, force: false, prompter });
    const ids = prompter.asked.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining(['certificateArn', 'oidcIssuer', 'oidcClientId', 'oidcClientSecretRef']),
    );
    expect(prompter.asked.find((r) => r.id === 'oidcClientSecretRef')!.kind).toBe('secret-ref');
    // The scale profile's default templates are all four
    expect(prompter.asked.find((r) => r.id === 'templates')!.default).toEqual([
      'pod-swdev',
      'ec2-windev-gui',
      'ec2-datasci',
      'ec2-datasci-gpu',
    ]);
    const config = parseConfigText(readFileSync(path, 'utf8'), path);
    expect(config.profile).toBe('scale-3000');
    expect(config.dns.certificateArn).toBe(arn);
    expect(config.coder.oidc).toMatchObject({
      issuerUrl: 'https://login.example.com/',
      clientId: 'coder',
      clientSecret: 'coder/oidc-client-secret',
    });
    expect(config.backup.rtoMinutes).toBe(60);
    expect(config.cluster.nodeGroups['coder-ws']!.maxSize).toBe(200);
  });

  it('custom: concurrent count and mix → suggested workspace node-group sizes', async () => {
    const path = tmpFile();
    const prompter = scripted({ shape: 'custom', concurrent: 800, mix: 's=50,m=50,l=0', domain: 'example.com' });
    await runInit({ path, given: {}, force: false, prompter });
    const ids = prompter.asked.map((r) => r.id);
    expect(ids.slice(3, 7)).toEqual(['shape', 'concurrent', 'mix', 'workspaceMaxNodes']);
    // 400×(2 vCPU, 4 GiB) + 400×(4, 8) = 2,400 vCPU / 4,800 GiB of limits; requests at 0.35 / 0.65 = 840 vCPU / 3,120 GiB.
    // An m7i.12xlarge allocates 47,810m and 178,931 MiB (≈ 174.7 GiB) → 17.6 by CPU, 17.9 by memory → 18 nodes.
    const suggested = prompter.asked.find((r) => r.id === 'workspaceMaxNodes')!.default;
    expect(suggested).toBe(18);
    const config = parseConfigText(readFileSync(path, 'utf8'), path);
    expect(config.workspaces.concurrent).toBe(800);
    expect(config.cluster.nodeGroups['coder-ws']).toMatchObject({ minSize: 2, desiredSize: 2, maxSize: 18 });
    expect(config.schedule.nodeGroups['coder-ws']).toEqual({ peak: 9, offHours: 2 });
    expect(Object.fromEntries(Object.entries(config.workspaces.sizes).map(([k, v]) => [k, v.share]))).toEqual({
      s: 50,
      m: 50,
      l: 0,
    });
  });

  it('custom beyond what the subnets hold: capped at the largest valid group, with a warning; a larger answer is refused', async () => {
    const path = tmpFile();
    const result = await runInit({
      path,
      given: { shape: 'custom', concurrent: 5000, domain: 'example.com' },
      force: false,
    });
    const config = parseConfigText(readFileSync(path, 'utf8'), path);
    // scale-3000 workspace tier: 3 × 4,091 usable addresses, 60 IPs per m5.2xlarge → 204 nodes
    expect(config.cluster.nodeGroups['coder-ws']!.maxSize).toBe(204);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /need about \d+ m5\.2xlarge nodes.*capped at 204 because that is what the workspace subnets hold/,
    );
    await expect(
      runInit({
        path: tmpFile(),
        given: { shape: 'custom', concurrent: 5000, workspaceMaxNodes: 250, domain: 'example.com' },
        force: false,
      }),
    ).rejects.toThrow(/at most 204 nodes fit/);
  });

  it('a mix that does not add up is refused by the question', async () => {
    const prompter = scripted({ shape: 'custom', concurrent: 800, mix: 's=50,m=40', domain: 'example.com' });
    await expect(runInit({ path: tmpFile(), given: {}, force: false, prompter })).rejects.toThrow(
      /mix: the shares add up to 90%/,
    );
  });

  it('declining the summary writes nothing and cancels (exit 130)', async () => {
    const path = tmpFile();
    const error = await runInit({
      path,
      given: { shape: 'mvp-500', domain: 'example.com' },
      force: false,
      prompter: scripted({}, false),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).exitCode).toBe(ExitCode.Cancelled);
    expect(() => readFileSync(path)).toThrow();
  });
});

describe('non-interactive', () => {
  it('fails at once naming the flag and the question of a missing answer', async () => {
    const error = await runInit({ path: tmpFile(), given: { shape: 'mvp-500' }, force: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/"Domain".*--domain.*CODER_PLATFORM_DOMAIN/);
    expect((error as UserError).exitCode).toBe(2);
  });

  it('names every missing answer in one run, each with its flag and variable', async () => {
    const error = await runInit({ path: tmpFile(), given: { oidc: 'configure' }, force: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as UserError).message).toBe(
      'Missing 5 answers: --shape, --domain, --oidc-issuer, --oidc-client-id, --oidc-client-secret-ref.',
    );
    const steps = (error as UserError).nextSteps.join('\n');
    for (const v of [
      'CODER_PLATFORM_SHAPE',
      'CODER_PLATFORM_DOMAIN',
      'CODER_PLATFORM_OIDC_ISSUER',
      'CODER_PLATFORM_OIDC_CLIENT_ID',
      'CODER_PLATFORM_OIDC_CLIENT_SECRET_REF',
    ])
      expect(steps).toContain(v);
  });

  it('custom shape: a mix that gives the GPU sizes 0 % needs no GPU template', async () => {
    const path = tmpFile();
    const mix =
      'sw-dev-small=30,sw-dev-medium=45,sw-dev-large=10,platform-devsecops=10,datasci-standard=5,datasci-large=0,datasci-xlarge=0';
    await runInit({
      path,
      given: { shape: 'custom', concurrent: 2000, mix, domain: 'example.com', templates: ['pod-swdev', 'ec2-datasci'] },
      force: false,
    });
    const config = parseConfigText(readFileSync(path, 'utf8'), path);
    expect(config.workspaces.templates).toEqual(['pod-swdev', 'ec2-datasci']);
    expect(config.workspaces.sizes['datasci-large']?.share).toBe(0);
    // a size that keeps a share still needs its template
    await expect(
      runInit({
        path: tmpFile(),
        given: {
          shape: 'custom',
          concurrent: 2000,
          mix: mix.replace('datasci-large=0', 'datasci-large=5').replace('sw-dev-small=30', 'sw-dev-small=25'),
          domain: 'example.com',
          templates: ['pod-swdev', 'ec2-datasci'],
        },
        force: false,
      }),
    ).rejects.toThrow(/the workspace sizes need ec2-datasci-gpu/);
  });

  it('requires the certificate ARN once --certificate existing is chosen', async () => {
    await expect(
      runInit({
        path: tmpFile(),
        given: { shape: 'mvp-500', domain: 'example.com', certificate: 'existing' },
        force: false,
      }),
    ).rejects.toThrow(/--certificate-arn/);
  });

  it('rejects a literal client secret without echoing it', async () => {
    const error = await runInit({
      path: tmpFile(),
      given: {
        shape: 'mvp-500',
        domain: 'example.com',
        oidcIssuer: 'https://id.example.com',
        oidcClientId: 'c',
        oidcClientSecretRef: 'hunter2hunter2',
      },
      force: false,
    }).catch((e: unknown) => e);
    expect((error as UserError).message).toMatch(/--oidc-client-secret-ref \(value hidden\)/);
    expect((error as UserError).message).not.toContain('hunter2');
  });

  it('admin e-mail defaults to admin@<domain> and --admin-email overrides it', async () => {
    const path = tmpFile();
    // templates as oclif passes them: a list from repeated flags, or one comma-separated environment value
    await runInit({
      path,
      given: {
        shape: 'mvp-500',
        domain: 'example.org',
        adminEmail: 'ops@example.org',
        region: 'eu-west-1',
        schedule: 'false',
        templates: ['pod-swdev,ec2-datasci'],
      },
      force: false,
    });
    const config = parseConfigText(readFileSync(path, 'utf8'), path);
    expect(config.coder.admin.email).toBe('ops@example.org');
    expect(config.aws.region).toBe('eu-west-1');
    expect(config.schedule.enabled).toBe(false);
    expect(config.workspaces.templates).toEqual(['pod-swdev', 'ec2-datasci']);
  });

  it('refuses to overwrite without --force, and overwrites with it', async () => {
    const path = tmpFile();
    writeFileSync(path, 'keep me\n');
    await expect(runInit({ path, given: { shape: 'mvp-500', domain: 'example.com' }, force: false })).rejects.toThrow(
      /already exists.*/,
    );
    expect(readFileSync(path, 'utf8')).toBe('keep me\n');
    await runInit({ path, given: { shape: 'mvp-500', domain: 'example.com' }, force: true });
    expect(readFileSync(path, 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=.*schema\/coder-platform\.schema\.json\n/,
    );
  });
});
