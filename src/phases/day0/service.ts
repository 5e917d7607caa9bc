/**
 * Day 0's public surface (what the `day0 deploy` / `day0 destroy` commands and `plan` import): the two phases
 * (deploy.ts, destroy.ts), their services factories and the assembly cache they share. Everything else in
 * this folder is Day 0's own.
 */
export { AssemblyCache, createDay0DeployServices, day0DeployPhase, principalArnOf, withAccount } from './deploy.js';
export type { Day0DeployServices, Day0ServiceOptions } from './deploy.js';
export { confirmDestroy, createDay0DestroyServices, day0DestroyPhase } from './destroy.js';
export type { Day0DestroyServices } from './destroy.js';
