import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Once per run: dist/ for the built-CLI tests, and the upstream Coder files check (test/upstream.ts).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Many files spend their time waiting on child processes (the built CLI, npm, cdk, PGlite), so one
    // worker per core keeps both cores busy; vitest's default (cores − 1) runs a 2-core machine serially.
    maxWorkers: Math.max(2, availableParallelism()),
    // @actions/workflow-parser imports its schema JSON without an import attribute: let Vite load it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    env: {
      CDK_VALIDATION: 'false',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NO_COLOR: '1',
    },
  },
});
