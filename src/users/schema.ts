/**
 * users.yaml: declarative Coder users, groups and roles applied on Day 1 (coder-api.md §6–8).
 * The JSON Schema in schema/users.schema.json is generated from this file (scripts/generate-users-schema.ts).
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';

export const USERS_API_VERSION = 'coder-platform/users/v1';
export const SITE_ROLES = ['owner', 'template-admin', 'user-admin', 'auditor'] as const;
export const ORG_ROLES = [
  'organization-admin',
  'organization-template-admin',
  'organization-user-admin',
  'organization-auditor',
  'organization-workspace-creation-ban',
] as const;

/** Coder's name rule for users and groups: letters, digits and single hyphens. */
const coderName = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/;

export const userSchema = z.strictObject({
  username: z.string().max(32).regex(coderName, { message: 'must be a Coder username: letters, digits and single hyphens, at most 32 characters' }),
  email: z.email({ message: 'must be an e-mail address' }),
  name: z.string().max(128).optional(),
  /** How the person signs in. Password users get no password from this file: they use "forgot password" or an admin sets one. */
  loginType: z.enum(['oidc', 'github', 'password', 'none']).default('oidc'),
  /** Site-wide roles (`member` is implicit). */
  siteRoles: z.array(z.enum(SITE_ROLES)).default([]),
  /** Roles in the default organization (`organization-member` is implicit). */
  orgRoles: z.array(z.enum(ORG_ROLES)).default([]),
});
export type UserSpec = z.infer<typeof userSchema>;

export const groupSchema = z.strictObject({
  name: z
    .string()
    .max(255)
    .regex(coderName, { message: 'must be a Coder group name: letters, digits and single hyphens' })
    .refine((n) => !['everyone', 'new', 'create'].includes(n.toLowerCase()), { message: 'is reserved by Coder' }),
  displayName: z.string().max(255).optional(),
  /** Usernames of the members (each must be listed under users). */
  members: z.array(z.string()).default([]),
  /** Workspace quota credits per member. */
  quotaAllowance: z.int().min(0).max(100000).optional(),
});
export type GroupSpec = z.infer<typeof groupSchema>;

export const usersFileSchema = z
  .strictObject({
    apiVersion: z.literal(USERS_API_VERSION),
    users: z.array(userSchema).default([]),
    groups: z.array(groupSchema).default([]),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    const emails = new Map<string, number>();
    file.users.forEach((u, i) => {
      const key = u.username.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['users', i, 'username'], message: `duplicate username (also users[${seen.get(key)}])` });
      seen.set(key, i);
      const email = u.email.toLowerCase();
      if (emails.has(email)) ctx.addIssue({ code: 'custom', path: ['users', i, 'email'], message: `duplicate e-mail (also users[${emails.get(email)}])` });
      emails.set(email, i);
    });
    const groupNames = new Set<string>();
    file.groups.forEach((g, i) => {
      if (groupNames.has(g.name)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: 'duplicate group name' });
      groupNames.add(g.name);
      g.members.forEach((m, j) => {
        if (!seen.has(m.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['groups', i, 'members', j], message: `${m} is not listed under users` });
      });
    });
  });
export type UsersFile = z.infer<typeof usersFileSchema>;

/** Parse users.yaml text; every problem is reported with its line. */
export function parseUsersFile(text: string, file: string | undefined): UsersFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: '(yaml)', message: e.message.split('\n')[0] ?? e.message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
      }),
    );
  }
  const parsed = usersFileSchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const issues: ConfigIssue[] = parsed.error.issues.map((issue) => {
    const node = nodeAt(doc.contents, issue.path as (string | number)[]);
    const pos = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
    return { path: formatPath(issue.path as (string | number)[]), message: issue.message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
  });
  throw new ConfigError(file, issues, { nextSteps: ['Fix users.yaml (its JSON Schema is schema/users.schema.json), then re-run.'] });
}

export async function loadUsersFile(file: string): Promise<UsersFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ path: '(file)', message: `cannot be read: ${(error as Error).message}` }]);
  }
  return parseUsersFile(text, file);
}

function nodeAt(node: unknown, path: (string | number)[]): YamlNode | undefined {
  let current = node;
  for (const key of path) {
    if (isMap(current)) current = current.get(key, true);
    else if (isSeq(current) && typeof key === 'number') current = current.get(key, true);
    else return current as YamlNode | undefined;
  }
  return current as YamlNode | undefined;
}

function formatPath(path: (string | number)[]): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '') || '(root)';
}
