import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config, Plugin } from '@oclif/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, cli, root } from './helpers.js';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

// Written inside the project so the `$schema=` path in the output is the same on every machine.
const work = join(root, 'test', '.tmp-cli', `run-${process.pid}`);

// dist/ is built once for the whole run by test/global-setup.ts.
beforeAll(() => {
  expect(existsSync(join(root, 'dist/src/commands/init.js'))).toBe(true);
  mkdirSync(work, { recursive: true });
});
// Only this file's own directory: test/cli/broken-configs.test.ts works beside it under .tmp-cli at the same time.
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bin/run.js', () => {
  it('--help lists init and the config topic', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/USAGE\s+\$ coder-platform/);
    expect(r.stdout).toMatch(/init\s+write coder-platform\.yaml/);
    expect(r.stdout).toMatch(/config\s+inspect and validate/);
  });

  it('--version prints exactly what oclif would (bin/run.js answers it without loading oclif)', async () => {
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^coder-platform\/0\.1\.0 /);
    expect(r.stdout).toBe(`${(await Config.load(root)).userAgent}\n`);
  });

  it('init --non-interactive writes exactly the expected mvp-500 file', () => {
    const path = join(work, 'mvp', 'coder-platform.yaml');
    const r = cli(['init', '--non-interactive', '--shape', 'mvp-500', '--domain', 'example.com', '--config', path]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Wrote ${path}`);
    expect(readFileSync(path, 'utf8')).toBe(readFileSync(join(root, 'test/fixtures/init/mvp-500.yaml'), 'utf8'));
  });

  it('init from environment variables and flags writes exactly the expected scale-3000 file', () => {
    const path = join(work, 'scale', 'coder-platform.yaml');
    const r = cli(
      [
        'init',
        '--shape',
        'scale-3000',
        '--config',
        path,
        '--name',
        'acme-coder',
        '--region',
        'us-east-2',
        '--oidc-issuer',
        'https://login.example.com/tenant/v2.0',
        '--oidc-client-id',
        'coder',
        '--oidc-client-secret-ref',
        'coder/oidc-client-secret',
        '--no-schedule',
        '--restore-test-cadence',
        'weekly',
      ],
      {
        env: {
          CODER_PLATFORM_DOMAIN: 'dev.example.co.uk',
          CODER_PLATFORM_NON_INTERACTIVE: 'true',
          CODER_PLATFORM_ADMIN_EMAIL: 'platform@example.co.uk',
        },
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(readFileSync(join(root, 'test/fixtures/init/scale-3000.yaml'), 'utf8'));
  });

  it('init refuses to overwrite and names the missing answer (exit 2)', () => {
    const path = join(work, 'mvp', 'coder-platform.yaml');
    const again = cli(['init', '--non-interactive', '--shape', 'mvp-500', '--domain', 'example.com', '--config', path]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exists[\s\S]*--force/);
    const missing = cli(['init', '--non-interactive', '--domain', 'example.com', '--config', join(work, 'none.yaml')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/"Platform shape".*--shape/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('init --walk runs the phases in order with the shared flags and stops at the first failure with its exit code', () => {
    const path = join(work, 'walk', 'coder-platform.yaml');
    const stateDir = join(work, 'walk', 'state');
    // No credentials from anywhere (and no instance-metadata lookup): preflight cannot check and exits 3.
    const none = join(work, 'walk', 'no-such-file');
    const env = Object.fromEntries(
      Object.entries(process.env)
        .filter(([k]) => k.startsWith('AWS_'))
        .map(([k]) => [k, undefined]),
    );
    const r = cli(
      [
        'init',
        '--non-interactive',
        '--walk',
        '--shape',
        'mvp-500',
        '--domain',
        'example.com',
        '--config',
        path,
        '--state-dir',
        stateDir,
      ],
      {
        env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: none, AWS_SHARED_CREDENTIALS_FILE: none },
      },
    );
    expect(r.status, r.stderr).toBe(3);
    expect(existsSync(path)).toBe(true);
    expect(r.stderr).toContain(`▶ coder-platform preflight --config ${path}`);
    expect(r.stderr).toMatch(/sts:GetCallerIdentity[\s\S]*credentials/);
    // The walk ended at preflight: plan never ran (it would have written its assembly into the state directory).
    expect(r.stderr).not.toContain('▶ coder-platform plan');
    expect(existsSync(join(stateDir, 'cdk.out'))).toBe(false);
    const json = cli([
      'init',
      '--non-interactive',
      '--walk',
      '--json',
      '--shape',
      'mvp-500',
      '--domain',
      'example.com',
      '--config',
      join(work, 'walk', 'json.yaml'),
    ]);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { kind: 'user' } });
  });

  it('a config error names the key, line and a valid example on stderr, exit 2', () => {
    const path = join(work, 'bad.yaml');
    writeFileSync(
      path,
      'profile: mvp-500\ndns:\n  domain: example.com\nnetwork:\n  subnets:\n    private: [10.0.33.0/19, 10.0.64.0/19]\nschedule:\n  timezone: Mars/Olympus\n',
    );
    const r = cli(['config', 'validate', '--config', path]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${path}:6:15 network.subnets.private[0]`);
    expect(r.stderr).toContain(`${path}:8:3 schedule.timezone`);
    expect(r.stderr).toMatch(/for example: /);
  });

  it('--json: the typed result is the only stdout; errors are {error} with exit 2', () => {
    const good = join(work, 'mvp', 'coder-platform.yaml');
    const validate = cli(['config', 'validate', '--config', good, '--json']);
    expect(validate.status).toBe(0);
    expect(JSON.parse(validate.stdout)).toEqual({ valid: true, path: good, deployment: 'coder', profile: 'mvp-500' });
    const show = cli(['config', 'show', '--config', good, '--json']);
    const shown = JSON.parse(show.stdout) as {
      path: string;
      config: { network: { azCount: number }; dns: { domain: string } };
    };
    expect(shown.config.network.azCount).toBe(2);
    expect(shown.config.dns.domain).toBe('example.com');
    const bad = cli(['config', 'validate', '--config', join(work, 'bad.yaml'), '--json']);
    expect(bad.status).toBe(2);
    const error = (
      JSON.parse(bad.stdout) as { error: { kind: string; exitCode: number; issues: { path: string; line: number }[] } }
    ).error;
    expect(error).toMatchObject({ kind: 'config', exitCode: 2 });
    // The missing admin e-mail has no line of its own: it points at the top of the file.
    expect(error.issues.map((i) => [i.path, i.line])).toEqual([
      ['coder.admin.email', 1],
      ['network.subnets.private[0]', 6],
      ['schedule.timezone', 8],
    ]);
  });

  it('day2 restore-test --help: --from is a step id, the restore point is --restore-from, the usage is well formed', () => {
    const r = cli(['day2', 'restore-test', '--help']);
    expect(r.status).toBe(0);
    const usage = r.stdout.slice(r.stdout.indexOf('USAGE'), r.stdout.indexOf('FLAGS'));
    expect(usage).not.toMatch(/\|\s*\]|\[\s*\|/); // no empty alternative such as `[--time <value> | ]`
    expect(usage).toMatch(/--from <value>/);
    expect(usage).toMatch(/--time <value>\s+\|\s+--restore-from\s+pitr\|snapshot/);
    expect(r.stdout).not.toMatch(/--from=<option>|--from-step/);
  });

  it('config show: YAML on stdout; precedence flag > environment > file > profile', () => {
    const path = join(work, 'region.yaml');
    writeFileSync(
      path,
      'profile: mvp-500\naws:\n  region: eu-west-1\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: a@example.com\n',
    );
    const region = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      (
        JSON.parse(cli(['config', 'show', '--config', path, '--json', ...args], { env }).stdout) as {
          config: { aws: { region: string } };
        }
      ).config.aws.region;
    expect(region([])).toBe('eu-west-1');
    expect(region([], { CODER_PLATFORM_REGION: 'eu-central-1' })).toBe('eu-central-1');
    expect(region(['--region', 'ap-southeast-2'], { CODER_PLATFORM_REGION: 'eu-central-1' })).toBe('ap-southeast-2');
    const yaml = cli(['config', 'show', '--config', join(work, 'mvp', 'coder-platform.yaml')]);
    expect(yaml.stdout).toMatch(/^# Resolved configuration/);
    expect(yaml.stdout).toMatch(/\n {2}region: us-east-1\n/);
    expect(cli(['config', 'show', '--config', path, '--region', 'nowhere']).stderr).toMatch(
      /aws\.region: must be an AWS region code/,
    );
  });

  it('--help and --version load neither the AWS SDK nor aws-cdk-lib nor toolkit-lib', () => {
    const hooks = mkdtempSync(join(tmpdir(), 'load-hook-'));
    const log = join(hooks, 'loaded.log');
    writeFileSync(
      join(hooks, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  if (/@aws-sdk|aws-cdk-lib|@aws-cdk\\/toolkit-lib/.test(result.url)) appendFileSync(${JSON.stringify(log)}, result.url + '\\n');\n  return result;\n}\n`,
    );
    writeFileSync(
      join(hooks, 'register.mjs'),
      `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
    );
    const nodeArgs = ['--import', join(hooks, 'register.mjs')];
    for (const args of [['--help'], ['--version'], ['init', '--help'], ['config', 'show', '--help']]) {
      const r = cli(args, { nodeArgs });
      expect(r.status, args.join(' ')).toBe(0);
    }
    expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toBe('');
    // The hook does see such imports (so the assertion above can fail).
    writeFileSync(
      join(hooks, 'probe.mjs'),
      `await import(${JSON.stringify(join(root, 'node_modules/@aws-sdk/client-sts/dist-cjs/index.js'))}).catch(() => import('@aws-sdk/client-sts'));\n`,
    );
    cli([], {
      nodeArgs: [...nodeArgs, '-e', `import(${JSON.stringify('@aws-sdk/client-sts')})`, '--input-type=module'],
    });
    expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toMatch(/@aws-sdk\/client-sts/);
  });
});

/** Run the built CLI inside a pseudo-terminal (util-linux `script`), answering prompts as they appear. */
function inPty(
  args: string[],
  steps: { when: RegExp; send: string }[],
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CODER_PLATFORM_') && k !== 'CI'),
  );
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: work,
    env: { ...env, NO_COLOR: '1', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let seen = 0;
  let step = 0;
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    const current = steps[step];
    // Match only output that arrived after the previous answer, so a question is answered once.
    if (current && current.when.test(output.slice(seen))) {
      seen = output.length;
      step += 1;
      setTimeout(() => child.stdin.write(current.send), 150);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

const ENTER = '\r';
const DOWN = '\u001b[B';

describe.skipIf(!hasScript)('the built binary in a pseudo-terminal', () => {
  it('answers real prompts and writes the file (scale-3000 via arrow keys)', async () => {
    const path = join(work, 'pty', 'coder-platform.yaml');
    const { code, output } = await inPty(
      ['init', '--config', path],
      [
        { when: /Deployment name/, send: `pty-test${ENTER}` },
        { when: /AWS profile/, send: ENTER },
        { when: /AWS region/, send: ENTER },
        { when: /Platform shape/, send: `${DOWN}${ENTER}` },
        { when: /Domain/, send: `example.org${ENTER}` },
        { when: /Subdomain/, send: ENTER },
        { when: /TLS certificate/, send: ENTER },
        { when: /reach the Kubernetes API/, send: ENTER },
        { when: /CloudTrail/, send: ENTER },
        { when: /Single sign-on/, send: ENTER },
        { when: /Coder version/, send: ENTER },
        { when: /Templates to publish/, send: ENTER },
        { when: /business hours/, send: ENTER },
        { when: /time zone/, send: `${'\u007f'.repeat(16)}Europe/Berlin${ENTER}` },
        { when: /Scale up at/, send: ENTER },
        { when: /Scale down at/, send: ENTER },
        { when: /Recovery time objective/, send: ENTER },
        { when: /Recovery point objective/, send: ENTER },
        { when: /Restore test cadence/, send: ENTER },
        // The question names the file; a long path wraps onto the next line of the 80-column terminal.
        { when: /Write[\s\S]*\?/, send: ENTER },
        // init offers to walk the phases; declining the first stops with what is left to run.
        { when: /Run coder-platform preflight now\?/, send: `n${ENTER}` },
      ],
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(/Summary[\s\S]*scale-3000[\s\S]*Europe\/Berlin/);
    expect(output).toMatch(
      /Stopped here[\s\S]*coder-platform preflight --config[\s\S]*coder-platform plan[\s\S]*coder-platform day0 deploy[\s\S]*coder-platform day1/,
    );
    expect(output).not.toContain('▶ coder-platform');
    const config = readFileSync(path, 'utf8');
    expect(config).toContain('profile: scale-3000');
    expect(config).toContain('name: pty-test');
    expect(config).toContain('timezone: Europe/Berlin');
  });

  it('Ctrl-C at a prompt exits 130 without a stack trace and writes nothing', async () => {
    const path = join(work, 'pty-cancel', 'coder-platform.yaml');
    const { code, output } = await inPty(['init', '--config', path], [{ when: /Deployment name/, send: '\u0003' }]);
    expect(code, output).toBe(130);
    expect(output).toMatch(/Cancelled/);
    expect(output).not.toMatch(/\n\s+at /);
    expect(existsSync(path)).toBe(false);
  });
});

describe('oclif.manifest.json', () => {
  it('matches what `oclif manifest` generates from dist (run `npm run build && npx oclif manifest` when this fails)', async () => {
    const plugin = new Plugin({
      root,
      type: 'core',
      ignoreManifest: true,
      errorOnManifestCreate: true,
      respectNoCacheDefault: true,
    });
    await plugin.load();
    // Everything oclif reads from the manifest (summaries, descriptions, flags with their env, defaults and
    // options, args, examples) must match; only the package version may differ.
    type Manifest = { version?: string; commands: Record<string, unknown> };
    const committed = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as Manifest;
    const generated = JSON.parse(JSON.stringify(plugin.manifest)) as Manifest;
    expect({ ...committed, version: undefined }).toEqual({ ...generated, version: undefined });
  });
});
