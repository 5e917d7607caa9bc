/**
 * The GitHub Actions workflow: OIDC into AWS (no stored keys), preflight + plan on every pull request with
 * the plan summary as the job summary, day0 deploy + day1 on the deploy branch behind the environment's
 * approval, the restore test on the configured cadence, and workflow_dispatch for each. Every job joins the
 * deployment's concurrency group (queued, never cancelled); those that change it also take the S3 lock.
 */
import { stringify } from 'yaml';
import {
  ROLE_VARIABLES,
  STATE_ENV,
  commonEnvironment,
  deploymentGroup,
  installCommand,
  jobCommands,
  restoreTestCron,
  stateEnvironment,
  triggerPaths,
  type PipelineInput,
} from './pipeline.js';

/** Actions pinned by major version (a SHA pin is a drop-in replacement). */
export const GITHUB_ACTIONS = {
  checkout: 'actions/checkout@v4',
  setupNode: 'actions/setup-node@v4',
  awsCredentials: 'aws-actions/configure-aws-credentials@v4',
} as const;

type Step = Record<string, unknown>;

function setupSteps(input: PipelineInput, role: string, durationSeconds: number): Step[] {
  return [
    { name: 'Check out', uses: GITHUB_ACTIONS.checkout },
    {
      name: 'Set up Node.js 20',
      uses: GITHUB_ACTIONS.setupNode,
      with: { 'node-version': '20', ...(installCommand(input) ? { cache: 'npm' } : {}) },
    },
    ...(installCommand(input) ? [{ name: 'Install coder-platform (package.json)', run: installCommand(input) }] : []),
    {
      name: 'Assume the AWS role (OIDC, no stored keys)',
      uses: GITHUB_ACTIONS.awsCredentials,
      with: {
        'role-to-assume': `\${{ vars.${role} }}`,
        'aws-region': input.region,
        'role-session-name': `coder-platform-${input.deployment}-\${{ github.run_id }}`,
        'role-duration-seconds': durationSeconds,
      },
    },
  ];
}

const dispatched = (operation: string) =>
  `github.event_name == 'workflow_dispatch' && inputs.operation == '${operation}'`;

/** The workflow for `.github/workflows/<file>`, as YAML text. */
export function githubWorkflow(input: PipelineInput, file: string): string {
  const commands = jobCommands(input, '$GITHUB_STEP_SUMMARY');
  const paths = triggerPaths(input, file);
  // queue: max keeps every waiting job (GitHub otherwise cancels a pending one when another arrives).
  const group = { group: deploymentGroup(input), 'cancel-in-progress': false, queue: 'max' };
  const state = stateEnvironment(input, `\${{ vars.${STATE_ENV.bucket} }}`);
  const idToken = { contents: 'read', 'id-token': 'write' };
  const workflow = {
    name: `coder-platform (${input.deployment})`,
    on: {
      pull_request: { branches: [input.branch], paths },
      push: { branches: [input.branch], paths },
      schedule: [{ cron: restoreTestCron(input.restoreTestCadence) }],
      workflow_dispatch: {
        inputs: {
          operation: {
            description: 'What to run',
            type: 'choice',
            options: ['plan', 'deploy', 'restore-test'],
            default: 'plan',
            required: true,
          },
        },
      },
    },
    permissions: { contents: 'read' },
    env: commonEnvironment(input),
    jobs: {
      plan: {
        name: 'preflight and plan',
        if: `github.event_name == 'pull_request' || (${dispatched('plan')})`,
        'runs-on': 'ubuntu-latest',
        permissions: idToken,
        // Serialized with the deployment's jobs, but on the runner's own state: never its journal or S3 lock.
        concurrency: group,
        'timeout-minutes': 30,
        steps: [
          ...setupSteps(input, ROLE_VARIABLES.plan, 3600),
          { name: 'Preflight', run: commands.checks[0] },
          { name: 'Plan (summary into the job summary)', run: commands.checks[1] },
        ],
      },
      deploy: {
        name: 'day0 deploy and day1',
        if: `github.ref == 'refs/heads/${input.branch}' && (github.event_name == 'push' || (${dispatched('deploy')}))`,
        'runs-on': 'ubuntu-latest',
        environment: input.environment,
        permissions: idToken,
        concurrency: group,
        'timeout-minutes': 240,
        env: state,
        steps: [
          ...setupSteps(input, ROLE_VARIABLES.deploy, 14400),
          { name: 'day0 deploy', run: commands.deploy[0] },
          { name: 'day1', run: commands.deploy[1] },
          { name: 'Status (where a failed run resumes)', if: 'always()', run: commands.status },
        ],
      },
      'restore-test': {
        name: 'day2 restore-test',
        if: `github.event_name == 'schedule' || (${dispatched('restore-test')})`,
        'runs-on': 'ubuntu-latest',
        permissions: idToken,
        concurrency: group,
        'timeout-minutes': 300,
        env: state,
        steps: [
          ...setupSteps(input, ROLE_VARIABLES.deploy, 18000),
          { name: 'day2 restore-test (report uploaded to the state bucket)', run: commands.restoreTest[0] },
          { name: 'Status', if: 'always()', run: commands.status },
        ],
      },
    },
  };
  return `${header(input)}${stringify(workflow, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

function header(input: PipelineInput): string {
  return [
    `# Generated by \`coder-platform ci init --provider github\` for the deployment "${input.deployment}".`,
    '# Repository variables: CODER_PLATFORM_PLAN_ROLE_ARN (read-only role for pull requests),',
    `# CODER_PLATFORM_DEPLOY_ROLE_ARN (deploy, day1, restore test; trusted for environment:${input.environment}`,
    `# and ref:refs/heads/${input.branch})${input.state.bucket === undefined ? ', CODER_PLATFORM_STATE_BUCKET' : ''}.`,
    `# Approval: add required reviewers to the "${input.environment}" environment.`,
    `# State: ${STATE_ENV.backend}=s3 in S3 (create it once with \`coder-platform state init\`).`,
    '',
  ].join('\n');
}
