/**
 * Entry of dist/oclif-bundle.js (scripts/bundle-fast-path.ts): @oclif/core in one file, which bin/run.js uses
 * for the root help (`coder-platform` and `coder-platform --help`). That help is rendered from the manifests
 * alone and loads no command module, so no second, unbundled copy of oclif meets this one.
 */
export { execute } from '@oclif/core';
