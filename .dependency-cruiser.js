/**
 * The layer rules of README.md's "Design" section, checked by `npm run depcruise` (part of `npm test`).
 * Type-only imports count (tsPreCompilationDeps): a layer that needs another layer's types depends on it.
 *
 *   src/commands ──► src/phases/<phase>/service.ts, src/services ──► phase internals ──► src/engine,
 *   src/aws|cdk|coder|k8s (adapters) ──► src/config|sizing|deployment (domain) ──► src/errors.ts
 *   src/cli (the start-up fast path and the everyday commands' bodies) is part of the command layer.
 *   src/ui renders what services return; src/errors.ts, src/globals.ts, src/phase-flags.ts and src/shell-quote.ts are shared.
 */
/** Leaf modules every layer may import; they import only each other (secret-reference: errors scrub credentials). */
const KERNEL = '^src/((errors|globals|phase-flags|shell-quote)|config/secret-reference)\\.ts$';
const BASE_COMMAND = '^src/base-command\\.ts$';
const ADAPTERS = '^src/(aws|cdk|coder|k8s)/';
const DOMAIN = '^src/(config|sizing|deployment)/';
/** The public module of a phase (or of a Day 2 operation): what commands, the UI and other phases may import. */
const PHASE_SERVICE = '^src/phases/[^.]+/service\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, also through type-only imports: one direction per pair of modules.',
      from: { path: '^(src|assets/cdk)/' },
      to: { circular: true },
    },
    {
      name: 'commands-call-services',
      severity: 'error',
      comment:
        'A command parses flags, calls one service (a phase service.ts or src/services) and renders with src/ui. ' +
        'It never reaches an adapter, the domain logic below the config loader, or a phase internal.',
      from: { path: '^src/(commands|cli)/' },
      to: {
        path: '^src/',
        pathNot: [
          KERNEL,
          BASE_COMMAND,
          '^src/commands/',
          '^src/cli/',
          '^src/ui/',
          '^src/services/',
          '^src/engine/',
          '^src/config/',
          PHASE_SERVICE,
        ],
      },
    },
    {
      name: 'services-never-present',
      severity: 'error',
      comment:
        'Services, phases, the engine, adapters and the domain never print or read flags: no src/ui, src/commands or base-command.',
      from: { path: '^src/', pathNot: ['^src/commands/', '^src/cli/', '^src/ui/', BASE_COMMAND] },
      to: { path: ['^src/ui/', '^src/commands/', '^src/cli/', BASE_COMMAND] },
    },
    {
      name: 'ui-renders-service-results',
      severity: 'error',
      comment:
        'The UI imports result types from services (a phase service.ts, src/services), never from commands or phase internals.',
      from: { path: '^src/ui/' },
      to: { path: ['^src/commands/', '^src/phases/', ADAPTERS], pathNot: [PHASE_SERVICE] },
    },
    {
      name: 'phase-internals-stay-inside',
      severity: 'error',
      comment: "A phase never imports another phase's internals: only its service.ts. Shared logic moves down a layer.",
      from: { path: '^src/phases/([^/]+)/' },
      to: { path: '^src/phases/', pathNot: ['^src/phases/$1/', PHASE_SERVICE] },
    },
    {
      name: 'day2-operation-internals-stay-inside',
      severity: 'error',
      comment:
        "A Day 2 operation (upgrade, restore-test, scale-schedule) never imports another one's internals; src/phases/day2/*.ts is their shared part.",
      from: { path: '^src/phases/day2/([^/]+)/' },
      to: { path: '^src/phases/day2/[^/]+/', pathNot: ['^src/phases/day2/$1/', PHASE_SERVICE] },
    },
    {
      name: 'services-use-phase-services',
      severity: 'error',
      comment: 'src/services (init, status, eks-token) use a phase only through its service.ts.',
      from: { path: '^src/services/' },
      to: { path: '^src/phases/', pathNot: [PHASE_SERVICE] },
    },
    {
      name: 'engine-runs-any-phase',
      severity: 'error',
      comment: 'The engine knows no phase, service or adapter: phases hand it steps.',
      from: { path: '^src/engine/' },
      to: { path: ['^src/phases/', '^src/services/', ADAPTERS] },
    },
    {
      name: 'adapters-never-import-phases',
      severity: 'error',
      comment: 'Adapters (AWS, CDK toolkit, Coder API, Kubernetes/Helm) are used by phases and never import them.',
      from: { path: ADAPTERS },
      to: { path: ['^src/phases/', '^src/services/'] },
    },
    {
      name: 'domain-is-the-bottom',
      severity: 'error',
      comment: 'Config, sizing and the deployment-outputs model are plain rules: no adapter, engine, phase or service.',
      from: { path: DOMAIN },
      to: { path: [ADAPTERS, '^src/engine/', '^src/phases/', '^src/services/'] },
    },
    {
      name: 'kernel-imports-nothing',
      severity: 'error',
      comment:
        'src/errors.ts, src/globals.ts, src/phase-flags.ts and src/shell-quote.ts are imported by every layer, so they import none.',
      from: { path: KERNEL },
      to: { path: '^src/', pathNot: [KERNEL] },
    },
    {
      name: 'cdk-app-uses-domain-only',
      severity: 'error',
      comment:
        'The bundled CDK app (assets/cdk) is constructs only: from src it may use the config, the outputs model and errors.',
      from: { path: '^assets/cdk/' },
      to: { path: '^src/', pathNot: [DOMAIN, KERNEL] },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^(src|assets/cdk)/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every relative import resolves to a file (a stale path after a move fails here first).',
      from: {},
      to: { couldNotResolve: true, dependencyTypesNot: ['core'] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^assets/cdk/cdk\\.out/', '^dist/', '^node_modules/'] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
