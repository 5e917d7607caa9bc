/**
 * users.yaml: declarative Coder users, groups and roles applied on Day 1 (coder-api.md §6–8).
 * The JSON Schema in schema/users.schema.json is generated from this file (scripts/generate-users-schema.ts).
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../../../errors.js';

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
  username: z.string().max(32).regex(coderName, {
    message: 'must be a Coder username: letters, digits and single hyphens, at most 32 characters',
  }),
  email: z.email({ message: 'must be an e-mail address' }),
  name: z.string().max(128).optional(),
  /**
   * How the person signs in. Password users get a random password nobody knows: they use "forgot
   * password" or an admin sets one. (`none` is for service accounts only, which this file does not manage.)
   */
  loginType: z.enum(['oidc', 'github', 'password']).default('oidc'),
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

export const usersFileSchema = z.strictObject({
  apiVersion: z.literal(USERS_API_VERSION),
  users: z.array(userSchema).default([]),
  groups: z.array(groupSchema).default([]),
});
export type UsersFile = z.infer<typeof usersFileSchema>;

/**
 * Rules across entries (unique usernames, e-mails and group names; members must be listed users).
 * Run on the raw document, so they are reported together with the field errors.
 */
export function crossReferenceIssues(raw: unknown): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const doc = (typeof raw === 'object' && raw !== null ? raw : {}) as { users?: unknown; groups?: unknown };
  const users = Array.isArray(doc.users) ? (doc.users as unknown[]) : [];
  const groups = Array.isArray(doc.groups) ? (doc.groups as unknown[]) : [];
  const field = (o: unknown, k: string): unknown =>
    typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined;
  const usernames = new Map<string, number>();
  const emails = new Map<string, number>();
  users.forEach((u, i) => {
    const username = field(u, 'username');
    if (typeof username === 'string') {
      const key = username.toLowerCase();
      if (usernames.has(key))
        issues.push({
          path: ['users', i, 'username'],
          message: `duplicate username (also users[${usernames.get(key)}])`,
        });
      else usernames.set(key, i);
    }
    const email = field(u, 'email');
    if (typeof email === 'string') {
      const key = email.toLowerCase();
      if (emails.has(key))
        issues.push({ path: ['users', i, 'email'], message: `duplicate e-mail (also users[${emails.get(key)}])` });
      else emails.set(key, i);
    }
  });
  const groupNames = new Set<string>();
  groups.forEach((g, i) => {
    const name = field(g, 'name');
    if (typeof name === 'string') {
      if (groupNames.has(name)) issues.push({ path: ['groups', i, 'name'], message: 'duplicate group name' });
      groupNames.add(name);
    }
    const members = field(g, 'members');
    if (Array.isArray(members)) {
      members.forEach((m, j) => {
        if (typeof m === 'string' && !usernames.has(m.toLowerCase()))
          issues.push({ path: ['groups', i, 'members', j], message: `${m} is not listed under users` });
      });
    }
  });
  return issues;
}

/** Parse users.yaml text; every problem is reported with its line. */
export function parseUsersFile(text: string, file: string | undefined): UsersFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          path: '(yaml)',
          message: e.message.split('\n')[0] ?? e.message,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
        };
      }),
    );
  }
  const raw: unknown = doc.toJS();
  const parsed = usersFileSchema.safeParse(raw);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message }))),
    ...crossReferenceIssues(raw),
  ];
  if (parsed.success && problems.length === 0) return parsed.data;
  const issues: ConfigIssue[] = problems.map((issue) => {
    const node = nodeAt(doc.contents, issue.path);
    const pos = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
    return {
      path: formatPath(issue.path),
      message: issue.message,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
    };
  });
  throw new ConfigError(file, issues, {
    nextSteps: ['Fix users.yaml (its JSON Schema is schema/users.schema.json), then re-run.'],
  });
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
  return (
    path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '') || '(root)'
  );
}

/** The JSON Schema of users.yaml (schema/users.schema.json), rendered from the zod schema. */
export function renderUsersJsonSchema(): string {
  const schema = z.toJSONSchema(usersFileSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const document = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://unpkg.com/coder-platform/schema/users.schema.json',
    title: 'coder-platform users.yaml',
    description: 'Declarative Coder users, groups and roles applied by `coder-platform day1` (users step).',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
