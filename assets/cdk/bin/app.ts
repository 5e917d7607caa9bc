/**
 * `npx cdk synth` entry point (the escape hatch for teams that own the CDK code): reads the config file named
 * by context `config` (default ../../coder-platform.yaml, relative to assets/cdk), resolves it like the CLI
 * does, and builds the same app `coder-platform plan` and `day0 deploy` synthesize.
 *
 *   npx cdk synth -c config=../../coder-platform.yaml [-c adminPrincipalArn=arn:aws:iam::…:role/…]
 */
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../../../src/config/load.js';
import { CoderPlatformError } from '../../../src/errors.js';
import { buildCoderPlatformApp } from '../lib/app.js';

const DEFAULT_CONFIG = '../../coder-platform.yaml';

async function main(): Promise<void> {
  // The CLI hands context and the output directory to the app through the environment (CDK_CONTEXT_JSON, CDK_OUTDIR).
  const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION !== 'false' });
  const configPath = path.resolve(String(app.node.tryGetContext('config') ?? DEFAULT_CONFIG));
  const adminPrincipalArn = app.node.tryGetContext('adminPrincipalArn') as string | undefined;
  const { config } = await loadConfig({ path: configPath });
  buildCoderPlatformApp(config, { app, ...(adminPrincipalArn ? { adminPrincipalArn } : {}) });
  app.synth();
}

main().catch((error: unknown) => {
  if (error instanceof CoderPlatformError) {
    process.stderr.write(`coder-platform CDK app: ${error.message}\n`);
    for (const step of error.nextSteps ?? []) process.stderr.write(`  → ${step}\n`);
  } else {
    process.stderr.write(
      `coder-platform CDK app: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exitCode = 1;
});
