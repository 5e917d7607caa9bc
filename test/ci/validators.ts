/**
 * The real validators the generated pipelines are checked with: GitHub's own workflow parser
 * (@actions/workflow-parser: schema, expressions and contexts, then conversion to the workflow model) and
 * GitLab's published JSON Schema for .gitlab-ci.yml (app/assets/javascripts/editor/schema/ci.json, as
 * shipped in the gitlab-ci-local package) compiled with ajv.
 */
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { Ajv } from 'ajv';
// @ts-expect-error gitlab-ci-local ships JavaScript without type declarations
import { schema as gitlabCiSchema } from 'gitlab-ci-local/src/schema/schema.js';
import { parse } from 'yaml';

/** Every error GitHub's parser reports for the workflow, empty when it is valid. */
export async function githubWorkflowErrors(content: string, name = 'workflow.yml'): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value === undefined) return errors.length > 0 ? errors : ['the parser returned no workflow'];
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  const converted = (template.errors ?? []).map((e: { Message: string }) => e.Message);
  return [...new Set([...errors, ...converted])];
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const validateGitlab = ajv.compile(gitlabCiSchema as object);

/** Every error GitLab's schema reports for the pipeline, empty when it is valid. */
export function gitlabPipelineErrors(content: string): string[] {
  if (validateGitlab(parse(content))) return [];
  return (validateGitlab.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}
