#!/usr/bin/env node
// The SDK's "Node 22 will be required" notice is about SDK releases after January 2027; this package pins
// SDK versions that support Node 20, so the notice would only be noise on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
