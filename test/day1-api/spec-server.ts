/**
 * A local fake Coder that validates EVERY request against upstream swagger.json (test/upstream.ts; coder-api.md §0.2)
 * and answers with state like coderd does. Spec violations are recorded in `violations` and answered 400,
 * so a test fails when the client drifts from the contract.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Ajv, type ValidateFunction } from 'ajv';
import { extract } from 'tar-stream';
import { upstreamPath } from '../upstream.js';

export const SWAGGER_PATH = upstreamPath('swagger');

interface SwaggerParam {
  name: string;
  in: 'path' | 'query' | 'body' | 'header' | 'formData';
  required?: boolean;
  type?: string;
  schema?: { $ref?: string };
}
interface SwaggerOperation {
  consumes?: string[];
  parameters?: SwaggerParam[];
  responses: Record<string, { schema?: Record<string, unknown> }>;
}
interface Swagger {
  basePath: string;
  paths: Record<string, Record<string, SwaggerOperation>>;
  definitions: Record<string, Record<string, unknown>>;
}

interface IndexedOperation {
  method: string;
  template: string;
  segments: string[];
  operation: SwaggerOperation;
}

let swaggerCache: Swagger | undefined;
function loadSwagger(): Swagger {
  swaggerCache ??= JSON.parse(readFileSync(SWAGGER_PATH, 'utf8')) as Swagger;
  return swaggerCache;
}

/** Matches requests to spec operations and validates them (coder-api.md §0.2 steps 2–6). */
export class SpecValidator {
  private readonly operations: IndexedOperation[] = [];
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly swagger: Swagger;

  constructor() {
    this.swagger = loadSwagger();
    const base = this.swagger.basePath === '/' ? '' : this.swagger.basePath.replace(/\/$/, '');
    for (const [key, methods] of Object.entries(this.swagger.paths)) {
      const template = base + key;
      for (const [method, operation] of Object.entries(methods)) {
        this.operations.push({
          method: method.toUpperCase(),
          template,
          segments: template.split('/').filter(Boolean),
          operation,
        });
      }
    }
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    this.ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    this.ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
    this.ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) });
    this.ajv.addFormat('uri', { validate: () => true });
    this.ajv.addSchema({ $id: 'swagger', definitions: this.swagger.definitions });
  }

  /** The operation a request matches: literal segments beat `{param}` segments. */
  match(method: string, pathname: string): { op: IndexedOperation; params: Record<string, string> } | undefined {
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    let best: { op: IndexedOperation; params: Record<string, string>; literals: number } | undefined;
    for (const op of this.operations) {
      if (op.method !== method || op.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let literals = 0;
      let ok = true;
      op.segments.forEach((seg, i) => {
        const part = parts[i] ?? '';
        if (seg.startsWith('{') && seg.endsWith('}')) params[seg.slice(1, -1)] = part;
        else if (seg === part) literals++;
        else ok = false;
      });
      if (ok && (!best || literals > best.literals)) best = { op, params, literals };
    }
    return best && { op: best.op, params: best.params };
  }

  /** Validates one request; returns the problems found (empty = valid). */
  validateRequest(
    method: string,
    url: URL,
    headers: IncomingMessage['headers'],
    body: Buffer,
  ): { problems: string[]; op?: IndexedOperation; params: Record<string, string> } {
    if (method === 'GET' && url.pathname === '/healthz') return { problems: [], params: {} };
    const matched = this.match(method, url.pathname);
    if (!matched) return { problems: [`${method} ${url.pathname} is not in swagger.json`], params: {} };
    const { op, params } = matched;
    const problems: string[] = [];
    const where = `${method} ${op.template}`;
    for (const param of op.operation.parameters ?? []) {
      if (param.in === 'path' && !params[param.name]) problems.push(`${where}: path parameter ${param.name} is empty`);
      if (param.in === 'query') {
        const value = url.searchParams.get(param.name);
        if (value === null) {
          if (param.required) problems.push(`${where}: required query parameter ${param.name} missing`);
        } else if (param.type === 'integer' && !/^-?\d+$/.test(value))
          problems.push(`${where}: query ${param.name}=${value} is not an integer`);
        else if (param.type === 'boolean' && !/^(true|false)$/.test(value))
          problems.push(`${where}: query ${param.name}=${value} is not a boolean`);
      }
    }
    for (const name of url.searchParams.keys()) {
      if (!(op.operation.parameters ?? []).some((p) => p.in === 'query' && p.name === name))
        problems.push(`${where}: undeclared query parameter ${name}`);
    }
    const contentType =
      String(headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim() ?? '';
    const isFiles = op.template === '/api/v2/files';
    if (isFiles) {
      // §0.4: the handler takes the raw archive, not multipart.
      if (!(op.operation.consumes ?? []).includes(contentType))
        problems.push(`${where}: Content-Type ${contentType} not in consumes`);
      if (body.length === 0) problems.push(`${where}: empty archive`);
      return { problems, op, params };
    }
    const bodyParam = (op.operation.parameters ?? []).find((p) => p.in === 'body');
    const isProvisionerKeyCreate =
      method === 'POST' && op.template === '/api/v2/organizations/{organization}/provisionerkeys';
    if (bodyParam || isProvisionerKeyCreate) {
      if (contentType !== 'application/json')
        problems.push(`${where}: Content-Type ${contentType || '(none)'} is not application/json`);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        problems.push(`${where}: body is not JSON`);
        return { problems, op, params };
      }
      if (isProvisionerKeyCreate) {
        // §0.4: CreateProvisionerKeyRequest is missing from the definitions; the handler takes {name, tags}.
        problems.push(...strictObject(where, json, { name: 'string', tags: 'object' }, ['name']));
      } else if (bodyParam?.schema?.$ref) {
        problems.push(...this.validateSchema(where, bodyParam.schema.$ref, json));
        problems.push(...this.undeclared(where, bodyParam.schema.$ref, json, 'body'));
      }
    } else if (body.length > 0) {
      problems.push(`${where}: the operation takes no body, but one was sent`);
    }
    return { problems, op, params };
  }

  validateSchema(where: string, ref: string, value: unknown): string[] {
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `swagger${ref}` });
      this.compiled.set(ref, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(root)'} ${e.message ?? ''}`);
  }

  /** Strict mode (§0.2 step 5): every property sent must be declared in the definition. */
  undeclared(where: string, ref: string, value: unknown, at: string): string[] {
    const schema = this.resolve(ref);
    if (!schema || typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    if (Object.keys(properties).length === 0) return [];
    const problems: string[] = [];
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const declared = properties[key];
      if (!declared) {
        problems.push(`${where}: ${at}.${key} is not declared in ${ref.split('/').pop()}`);
        continue;
      }
      const childRef =
        (declared.$ref as string | undefined) ?? (declared.allOf as { $ref?: string }[] | undefined)?.[0]?.$ref;
      if (childRef) problems.push(...this.undeclared(where, childRef, child, `${at}.${key}`));
      const itemRef = (declared.items as { $ref?: string } | undefined)?.$ref;
      if (itemRef && Array.isArray(child))
        child.forEach((item, i) => problems.push(...this.undeclared(where, itemRef, item, `${at}.${key}[${i}]`)));
    }
    return problems;
  }

  private resolve(ref: string): Record<string, unknown> | undefined {
    return this.swagger.definitions[ref.replace('#/definitions/', '')];
  }

  /** Validates a fixture answer against the documented response schema (keeps fixtures honest). */
  validateResponse(op: IndexedOperation, status: number, value: unknown): string[] {
    const response =
      op.operation.responses[String(status)] ?? op.operation.responses['200'] ?? op.operation.responses['201'];
    const schema = response?.schema;
    if (!schema) return [];
    const where = `response ${op.method} ${op.template} ${status}`;
    if (typeof schema.$ref === 'string') return this.validateSchema(where, schema.$ref, value);
    if (schema.type === 'array' && typeof (schema.items as { $ref?: string } | undefined)?.$ref === 'string') {
      if (!Array.isArray(value)) return [`${where}: expected an array`];
      return value.flatMap((item) => this.validateSchema(where, (schema.items as { $ref: string }).$ref, item));
    }
    return [];
  }
}

function strictObject(
  where: string,
  value: unknown,
  shape: Record<string, 'string' | 'object'>,
  required: string[],
): string[] {
  if (typeof value !== 'object' || value === null) return [`${where}: body must be an object`];
  const problems: string[] = [];
  for (const key of required) if (!(key in value)) problems.push(`${where}: ${key} is required`);
  for (const [key, v] of Object.entries(value)) {
    const type = shape[key];
    if (!type) problems.push(`${where}: body.${key} is not accepted`);
    else if (typeof v !== type) problems.push(`${where}: body.${key} must be ${type}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// The stateful fake coderd.

export interface FakeUser {
  id: string;
  username: string;
  email: string;
  name: string;
  password?: string;
  login_type: string;
  status: 'active' | 'dormant' | 'suspended';
  roles: string[];
  orgRoles: string[];
  created_at: string;
}
export interface FakeVersion {
  id: string;
  name: string;
  template_id: string | null;
  file_id: string;
  job: {
    id: string;
    status: string;
    error?: string;
    file_id: string;
    tags: Record<string, string>;
    created_at: string;
    polls: number;
  };
  matched: number;
  created_at: string;
  /** The user whose token created it (the job's initiator). */
  initiator: string;
}
export interface FakeTemplate {
  id: string;
  name: string;
  active_version_id: string;
  settings: Record<string, unknown>;
  acl: { group_perms: Record<string, string>; user_perms: Record<string, string> };
}
export interface FakeGroup {
  id: string;
  name: string;
  display_name: string;
  quota_allowance: number;
  members: string[];
  source: 'user' | 'oidc';
}

export interface FakeCoderOptions {
  version?: string;
  /** Decides how each template version's job ends. */
  jobOutcome?: (archive: Buffer) => { status: 'succeeded' } | { status: 'failed'; error: string; logs: string[] };
  /** Tags of the connected provisioner daemons (each entry one daemon). */
  daemons?: Record<string, string>[];
  /** Features entitled by any license added. */
  licenseFeatures?: string[];
  /** Maximum API token lifetime in nanoseconds (default ~100 years). */
  maxTokenLifetimeNs?: number;
  /** Version the daemons report (default: coderd's). */
  daemonVersion?: string;
  /** Polls a job needs before it leaves `pending`. */
  pollsToStart?: number;
  /** Called after each request was answered, with `METHOD /path/template` (tests use it to kill a run mid-way). */
  onAnswered?: (route: string) => void;
  /**
   * Called when a request has taken effect but before its answer is sent: a client killed here dies
   * with the change made on the server and nothing of it received (and no later request in flight).
   */
  beforeAnswer?: (route: string) => void;
}

export class FakeCoder {
  readonly validator = new SpecValidator();
  readonly violations: string[] = [];
  /** Every request answered; `body` is the parsed JSON body of requests that sent one. */
  readonly requests: { method: string; path: string; status: number; body?: unknown }[] = [];
  readonly orgId = randomUUID();
  users: FakeUser[] = [];
  tokens = new Map<string, string>();
  files = new Map<string, Buffer>();
  versions: FakeVersion[] = [];
  templates: FakeTemplate[] = [];
  groups: FakeGroup[] = [];
  keys: { id: string; name: string; tags: Record<string, string>; secret: string; created_at: string }[] = [];
  licenses: { id: number; uuid: string; jwt: string; uploaded_at: string }[] = [];
  logs = new Map<string, string[]>();
  apiTokens: { name: string; lifetimeNs: number }[] = [];
  private server: Server | undefined;
  baseUrl = '';

  constructor(readonly options: FakeCoderOptions = {}) {
    this.groups.push({
      id: this.orgId,
      name: 'Everyone',
      display_name: '',
      quota_allowance: 0,
      members: [],
      source: 'user',
    });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
          this.violations.push(`server error: ${String(error)}`);
          res.writeHead(500).end();
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    this.baseUrl = `http://127.0.0.1:${address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Seed an initialized deployment: an owner and a valid token for it. */
  seedOwner(email = 'owner@example.com', username = 'admin', password = 'seeded-password-0123456789'): string {
    const owner = this.addUser({ email, username, password, roles: ['owner'] });
    const token = `tok-${randomUUID()}`;
    this.tokens.set(token, owner.id);
    return token;
  }

  addUser(fields: Partial<FakeUser> & { email: string; username: string }): FakeUser {
    const user: FakeUser = {
      id: randomUUID(),
      name: '',
      login_type: 'password',
      status: 'active',
      roles: [],
      orgRoles: [],
      created_at: new Date().toISOString(),
      ...fields,
    };
    this.users.push(user);
    this.groups[0]!.members.push(user.id);
    return user;
  }

  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.baseUrl);
    const { problems, op, params } = this.validator.validateRequest(method, url, req.headers, body);
    let jsonBody: unknown;
    if (body.length > 0 && String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      try {
        jsonBody = JSON.parse(body.toString('utf8')) as unknown;
      } catch {
        jsonBody = undefined;
      }
    }
    const send = (status: number, payload?: unknown): void => {
      this.requests.push({ method, path: url.pathname, status, ...(jsonBody === undefined ? {} : { body: jsonBody }) });
      if (op && payload !== undefined && status < 300) {
        const responseOverride =
          method === 'GET' && op.template === '/api/v2/templates/{template}/versions/{templateversionname}';
        if (!responseOverride) this.violations.push(...this.validator.validateResponse(op, status, payload));
      }
      if (op) this.options.beforeAnswer?.(`${method} ${op.template}`);
      res.writeHead(status, {
        'Content-Type': typeof payload === 'string' && url.pathname === '/healthz' ? 'text/plain' : 'application/json',
        'X-Coder-Build-Version': this.version,
      });
      res.end(
        payload === undefined
          ? ''
          : typeof payload === 'string' && url.pathname === '/healthz'
            ? payload
            : JSON.stringify(payload),
      );
      if (op) this.options.onAnswered?.(`${method} ${op.template}`);
    };
    if (problems.length > 0) {
      this.violations.push(...problems);
      send(400, { message: 'spec violation', detail: problems.join('; ') });
      return;
    }
    if (method === 'GET' && url.pathname === '/healthz') return send(200, 'OK');
    const template = op!.template;
    const route = `${method} ${template}`;
    const json =
      body.length > 0 && template !== '/api/v2/files'
        ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>)
        : {};
    const unauthenticated = [
      'GET /api/v2/buildinfo',
      'GET /api/v2/users/first',
      'POST /api/v2/users/first',
      'POST /api/v2/users/login',
    ];
    let me: FakeUser | undefined;
    if (!unauthenticated.includes(route)) {
      const token = req.headers['coder-session-token'];
      const userId = typeof token === 'string' ? this.tokens.get(token) : undefined;
      me = this.users.find((u) => u.id === userId);
      if (!me) return send(401, { message: 'You must be logged in to do that.', detail: 'API key expired' });
    }
    const userParam = (value: string | undefined): FakeUser | undefined =>
      value === 'me' ? me : this.users.find((u) => u.id === value || u.username === value);

    switch (route) {
      case 'GET /api/v2/buildinfo':
        return send(200, {
          version: this.version,
          external_url: 'https://github.com/coder/coder',
          deployment_id: 'dep-1',
        });
      case 'GET /api/v2/users/first':
        return this.users.length > 0
          ? send(200, { message: 'The initial user has already been created!' })
          : send(404, { message: 'The initial user has not been created!' });
      case 'POST /api/v2/users/first': {
        if (this.users.length > 0) return send(409, { message: 'The initial user has already been created.' });
        if (String(json.password).length < 16)
          return send(400, {
            message: 'Password is invalid',
            validations: [{ field: 'password', detail: 'too weak' }],
          });
        const user = this.addUser({
          email: String(json.email),
          username: String(json.username),
          password: String(json.password),
          roles: ['owner'],
        });
        return send(201, { user_id: user.id, organization_id: this.orgId });
      }
      case 'POST /api/v2/users/login': {
        const user = this.users.find((u) => u.email === json.email && u.password === json.password);
        if (!user) return send(401, { message: 'Incorrect email or password.' });
        const token = `tok-${randomUUID()}`;
        this.tokens.set(token, user.id);
        return send(201, { session_token: token });
      }
      case 'POST /api/v2/users/{user}/keys/tokens': {
        const user = userParam(params.user);
        if (!user) return send(404, { message: 'not found' });
        if (Number(json.lifetime) > (this.options.maxTokenLifetimeNs ?? 876_000 * 3_600_000_000_000)) {
          return send(400, {
            message: 'Failed to validate create API key request.',
            detail: 'lifetime must be less than the maximum token lifetime',
          });
        }
        const key = `api-${randomUUID()}`;
        this.tokens.set(key, user.id);
        this.apiTokens.push({ name: String(json.token_name), lifetimeNs: Number(json.lifetime) });
        return send(201, { key });
      }
      case 'GET /api/v2/users/{user}': {
        const user = userParam(params.user);
        return user ? send(200, this.userJson(user)) : send(404, { message: 'not found' });
      }
      case 'GET /api/v2/users': {
        const limit = Number(url.searchParams.get('limit') ?? 0) || this.users.length;
        const offset = Number(url.searchParams.get('offset') ?? 0);
        return send(200, {
          users: this.users.slice(offset, offset + limit).map((u) => this.userJson(u)),
          count: this.users.length,
        });
      }
      case 'POST /api/v2/users': {
        if (this.users.some((u) => u.username === json.username || u.email === json.email))
          return send(409, { message: 'User already exists.' });
        const user = this.addUser({
          email: String(json.email),
          username: String(json.username),
          name: String(json.name ?? ''),
          login_type: String(json.login_type ?? 'password'),
          status: (json.user_status as FakeUser['status'] | undefined) ?? 'dormant',
          roles: (json.roles as string[] | undefined) ?? [],
        });
        return send(201, this.userJson(user));
      }
      case 'PUT /api/v2/users/{user}/roles': {
        const user = userParam(params.user);
        if (!user) return send(404, { message: 'not found' });
        user.roles = json.roles as string[];
        return send(200, this.userJson(user));
      }
      case 'PUT /api/v2/organizations/{organization}/members/{user}/roles': {
        const user = userParam(params.user);
        if (!user) return send(404, { message: 'not found' });
        user.orgRoles = json.roles as string[];
        return send(200, {
          user_id: user.id,
          organization_id: this.orgId,
          roles: user.orgRoles.map((name) => ({ name, organization_id: this.orgId })),
        });
      }
      case 'GET /api/v2/organizations/{organization}/members/{user}': {
        const user = userParam(params.user);
        if (!user) return send(404, { message: 'not found' });
        return send(200, {
          user_id: user.id,
          username: user.username,
          organization_id: this.orgId,
          roles: user.orgRoles.map((name) => ({ name, organization_id: this.orgId })),
        });
      }
      case 'PUT /api/v2/users/{user}/status/suspend':
      case 'PUT /api/v2/users/{user}/status/activate': {
        const user = userParam(params.user);
        if (!user) return send(404, { message: 'not found' });
        user.status = route.endsWith('suspend') ? 'suspended' : 'active';
        return send(200, this.userJson(user));
      }
      case 'GET /api/v2/organizations/{organization}':
        return send(200, {
          id: this.orgId,
          name: 'coder',
          is_default: true,
          created_at: new Date(0).toISOString(),
          updated_at: new Date(0).toISOString(),
        });
      case 'POST /api/v2/licenses': {
        const jwt = String(json.license);
        if (jwt.split('.').length !== 3) return send(400, { message: 'Invalid license' });
        const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<
          string,
          unknown
        >;
        const license = {
          id: this.licenses.length + 1,
          uuid: String(claims.license_id ?? randomUUID()),
          jwt,
          uploaded_at: new Date().toISOString(),
        };
        this.licenses.push(license);
        return send(201, { id: license.id, uuid: license.uuid, uploaded_at: license.uploaded_at, claims });
      }
      case 'GET /api/v2/licenses':
        // coderd returns every claim of the stored JWT verbatim (codersdk.License.claims)
        return send(
          200,
          this.licenses.map((l) => ({ id: l.id, uuid: l.uuid, uploaded_at: l.uploaded_at, claims: jwtClaims(l.jwt) })),
        );
      case 'GET /api/v2/entitlements': {
        const entitled = new Set(this.licenses.length > 0 ? (this.options.licenseFeatures ?? []) : []);
        const names = [
          'high_availability',
          'external_provisioner_daemons',
          'template_rbac',
          'advanced_template_scheduling',
          'audit_log',
        ];
        const features = Object.fromEntries(
          names.map((n) => [
            n,
            { entitlement: entitled.has(n) ? 'entitled' : 'not_entitled', enabled: entitled.has(n) },
          ]),
        );
        return send(200, {
          features,
          has_license: this.licenses.length > 0,
          trial: false,
          require_telemetry: false,
          errors: [],
          warnings: [],
          refreshed_at: new Date().toISOString(),
        });
      }
      case 'POST /api/v2/organizations/{organization}/provisionerkeys': {
        if (this.keys.some((k) => k.name === json.name))
          return send(400, {
            message: `Provisioner key with name '${String(json.name)}' already exists in organization`,
          });
        const key = {
          id: randomUUID(),
          name: String(json.name),
          tags: (json.tags as Record<string, string> | undefined) ?? {},
          secret: `pk-${randomUUID()}`,
          created_at: new Date().toISOString(),
        };
        this.keys.push(key);
        return send(201, { key: key.secret });
      }
      case 'GET /api/v2/organizations/{organization}/provisionerkeys':
        return send(
          200,
          this.keys.map((k) => ({
            id: k.id,
            name: k.name,
            tags: k.tags,
            organization: this.orgId,
            created_at: k.created_at,
          })),
        );
      case 'DELETE /api/v2/organizations/{organization}/provisionerkeys/{provisionerkey}':
        this.keys = this.keys.filter((k) => k.name !== params.provisionerkey);
        return send(204);
      case 'GET /api/v2/organizations/{organization}/provisionerdaemons':
        return send(
          200,
          (this.options.daemons ?? []).map((tags, i) => ({
            id: randomUUID(),
            name: `prov-${i}`,
            status: 'idle',
            tags,
            version: this.options.daemonVersion ?? this.version,
            created_at: new Date().toISOString(),
            ...(this.keys[0] ? { key_id: this.keys[0].id, key_name: this.keys[0].name } : {}),
          })),
        );
      case 'POST /api/v2/files': {
        const id = createHash('sha256').update(body).digest('hex').slice(0, 8) + '-' + randomUUID().slice(9);
        const existing = [...this.files.entries()].find(([, data]) => data.equals(body));
        if (existing) return send(200, { hash: existing[0] });
        await listTar(body); // a real tar or the handler fails
        this.files.set(id, body);
        return send(201, { hash: id });
      }
      case 'POST /api/v2/organizations/{organization}/templateversions': {
        const fileId = String(json.file_id);
        const archive = this.files.get(fileId);
        if (!archive) return send(404, { message: 'File not found' });
        const templateId = (json.template_id as string | undefined) ?? null;
        if (templateId && json.name && this.versions.some((v) => v.template_id === templateId && v.name === json.name))
          return send(409, { message: 'A template version with that name already exists' });
        const tags = { scope: 'organization', owner: '', ...((json.tags as Record<string, string> | undefined) ?? {}) };
        const matched = (this.options.daemons ?? []).filter((d) =>
          Object.entries(json.tags ?? {}).every(([k, v]) => d[k] === v),
        ).length;
        const version: FakeVersion = {
          id: randomUUID(),
          name: String(json.name ?? `v-${this.versions.length}`),
          template_id: templateId,
          file_id: fileId,
          job: {
            id: randomUUID(),
            status: 'pending',
            file_id: fileId,
            tags,
            created_at: new Date().toISOString(),
            polls: 0,
          },
          matched,
          created_at: new Date().toISOString(),
          initiator: me!.id,
        };
        this.versions.push(version);
        return send(201, this.versionJson(version));
      }
      case 'GET /api/v2/organizations/{organization}/provisionerjobs': {
        // Like coderd: the organization's jobs newest first, filtered by initiator, at most `limit` (default 50).
        // Only template-version imports exist in this fake; metadata names the version and, once it
        // belongs to one, its template (a LEFT JOIN in coderd, so an orphan version has no template_id).
        const initiator = url.searchParams.get('initiator');
        const limit = Number(url.searchParams.get('limit') ?? 50) || 50;
        const jobs = [...this.versions]
          .reverse()
          .filter((v) => !initiator || v.initiator === initiator)
          .slice(0, limit);
        return send(
          200,
          jobs.map((v) => this.jobJson(v)),
        );
      }
      case 'GET /api/v2/templateversions/{templateversion}': {
        const version = this.versions.find((v) => v.id === params.templateversion);
        if (!version) return send(404, { message: 'not found' });
        this.advance(version);
        return send(200, this.versionJson(version));
      }
      case 'GET /api/v2/templateversions/{templateversion}/logs': {
        const lines = this.logs.get(params.templateversion ?? '') ?? [];
        const after = Number(url.searchParams.get('after') ?? 0);
        return send(
          200,
          lines
            .map((output, i) => ({
              id: i + 1,
              created_at: new Date().toISOString(),
              log_source: 'provisioner',
              log_level: 'error',
              stage: 'Planning infrastructure',
              output,
            }))
            .filter((l) => l.id > after),
        );
      }
      case 'PATCH /api/v2/templateversions/{templateversion}/cancel': {
        const version = this.versions.find((v) => v.id === params.templateversion);
        if (version) version.job.status = 'canceled';
        return send(200, { message: 'Job has been marked as canceled...' });
      }
      case 'GET /api/v2/templates/{template}/versions/{templateversionname}': {
        const version = this.versions.find(
          (v) => v.template_id === params.template && v.name === params.templateversionname,
        );
        if (!version) return send(404, { message: 'No template version found by name' });
        this.violations.push(
          ...this.validator.validateSchema(
            'response version by name',
            '#/definitions/codersdk.TemplateVersion',
            this.versionJson(version),
          ),
        );
        return send(200, this.versionJson(version));
      }
      case 'GET /api/v2/organizations/{organization}/templates/{templatename}': {
        const template = this.templates.find((t) => t.name === params.templatename);
        return template ? send(200, this.templateJson(template)) : send(404, { message: 'Template not found' });
      }
      case 'POST /api/v2/organizations/{organization}/templates': {
        if (this.templates.some((t) => t.name === json.name))
          return send(409, { message: `Template with name "${String(json.name)}" already exists.` });
        const version = this.versions.find((v) => v.id === json.template_version_id);
        if (!version) return send(404, { message: 'Template version not found' });
        if (version.template_id) return send(400, { message: 'Template version is already part of a template' });
        const { name, template_version_id: _v, dormant_ttl_ms, delete_ttl_ms, ...rest } = json;
        const template: FakeTemplate = {
          id: randomUUID(),
          name: String(name),
          active_version_id: version.id,
          settings: { ...rest, time_til_dormant_ms: dormant_ttl_ms, time_til_dormant_autodelete_ms: delete_ttl_ms },
          acl: { group_perms: json.disable_everyone_group_access ? {} : { [this.orgId]: 'use' }, user_perms: {} },
        };
        version.template_id = template.id;
        this.templates.push(template);
        return send(201, this.templateJson(template));
      }
      case 'PATCH /api/v2/templates/{template}/versions': {
        const template = this.templates.find((t) => t.id === params.template);
        const version = this.versions.find((v) => v.id === json.id);
        if (!template || !version) return send(404, { message: 'not found' });
        if (version.template_id !== template.id)
          return send(400, { message: "The provided template version doesn't belong to the specified template." });
        if (version.job.status !== 'succeeded')
          return send(400, { message: 'Only versions that have been built successfully can be promoted.' });
        template.active_version_id = version.id;
        return send(200, { message: 'Updated the active template version!' });
      }
      case 'PATCH /api/v2/templates/{template}': {
        const template = this.templates.find((t) => t.id === params.template);
        if (!template) return send(404, { message: 'not found' });
        template.settings = { ...template.settings, ...json };
        return send(200, this.templateJson(template));
      }
      case 'GET /api/v2/templates/{template}/acl': {
        const template = this.templates.find((t) => t.id === params.template);
        if (!template) return send(404, { message: 'not found' });
        if (!this.entitled('template_rbac')) return send(403, { message: 'Template RBAC is an Enterprise feature.' });
        const group = Object.entries(template.acl.group_perms).map(([id, role]) => ({
          ...this.groupJson(this.groups.find((g) => g.id === id)!),
          role,
        }));
        return send(200, { group, users: [] });
      }
      case 'PATCH /api/v2/templates/{template}/acl': {
        const template = this.templates.find((t) => t.id === params.template);
        if (!template) return send(404, { message: 'not found' });
        if (!this.entitled('template_rbac')) return send(403, { message: 'Template RBAC is an Enterprise feature.' });
        for (const [id, role] of Object.entries((json.group_perms as Record<string, string> | undefined) ?? {})) {
          if (!this.groups.some((g) => g.id === id)) return send(400, { message: `Failed to find group ${id}` });
          if (role === '') delete template.acl.group_perms[id];
          else template.acl.group_perms[id] = role;
        }
        return send(200, { message: 'Successfully updated template ACL list.' });
      }
      case 'GET /api/v2/organizations/{organization}/groups':
        return send(
          200,
          this.groups.map((g) => this.groupJson(g)),
        );
      case 'POST /api/v2/organizations/{organization}/groups': {
        if (!this.entitled('template_rbac')) return send(403, { message: 'Template RBAC is an Enterprise feature.' });
        if (this.groups.some((g) => g.name === json.name))
          return send(409, { message: `A group named "${String(json.name)}" already exists.` });
        const group: FakeGroup = {
          id: randomUUID(),
          name: String(json.name),
          display_name: String(json.display_name ?? ''),
          quota_allowance: Number(json.quota_allowance ?? 0),
          members: [],
          source: 'user',
        };
        this.groups.push(group);
        return send(201, this.groupJson(group));
      }
      case 'PATCH /api/v2/groups/{group}': {
        const group = this.groups.find((g) => g.id === params.group);
        if (!group) return send(404, { message: 'not found' });
        if (group.id === this.orgId) return send(400, { message: 'Cannot modify the Everyone group' });
        const add = (json.add_users as string[] | undefined) ?? [];
        if (add.some((id) => group.members.includes(id)))
          return send(400, { message: 'Cannot add the same user to a group twice!' });
        if (add.some((id) => !this.users.some((u) => u.id === id)))
          return send(400, { message: 'User must be a member of the organization' });
        group.members = group.members
          .filter((id) => !((json.remove_users as string[] | undefined) ?? []).includes(id))
          .concat(add);
        if (typeof json.quota_allowance === 'number') group.quota_allowance = json.quota_allowance;
        if (typeof json.display_name === 'string') group.display_name = json.display_name;
        return send(200, this.groupJson(group));
      }
      case 'GET /api/v2/groups/{group}/members': {
        const group = this.groups.find((g) => g.id === params.group);
        if (!group) return send(404, { message: 'not found' });
        const limit = Number(url.searchParams.get('limit') ?? 0) || group.members.length;
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const members = group.members
          .slice(offset, offset + limit)
          .map((id) => this.reducedUser(this.users.find((u) => u.id === id)!));
        return send(200, { users: members, count: group.members.length });
      }
      case 'GET /api/v2/workspaces':
        return send(200, { workspaces: [], count: 0 });
      default:
        this.violations.push(`fake coder has no handler for ${route} (valid per spec)`);
        return send(501, { message: `not implemented in the fake: ${route}` });
    }
  }

  get version(): string {
    return this.options.version ?? 'v2.36.0+e751b28';
  }

  entitled(feature: string): boolean {
    return this.licenses.length > 0 && (this.options.licenseFeatures ?? []).includes(feature);
  }

  private advance(version: FakeVersion): void {
    if (['succeeded', 'failed', 'canceled'].includes(version.job.status)) return;
    if (version.matched === 0) return; // no daemon matches its tags: pending forever
    version.job.polls++;
    if (version.job.polls < (this.options.pollsToStart ?? 1)) return;
    if (version.job.status === 'pending') {
      version.job.status = 'running';
      return;
    }
    const outcome = this.options.jobOutcome?.(this.files.get(version.file_id)!) ?? { status: 'succeeded' as const };
    version.job.status = outcome.status;
    if (outcome.status === 'failed') {
      version.job.error = outcome.error;
      this.logs.set(version.id, outcome.logs);
    }
  }

  private userJson(u: FakeUser): Record<string, unknown> {
    return {
      id: u.id,
      username: u.username,
      email: u.email,
      name: u.name,
      status: u.status === 'dormant' ? 'active' : u.status,
      login_type: u.login_type,
      organization_ids: [this.orgId],
      roles: u.roles.map((name) => ({ name, display_name: name })),
      created_at: u.created_at,
    };
  }

  private reducedUser(u: FakeUser): Record<string, unknown> {
    return {
      id: u.id,
      username: u.username,
      email: u.email,
      created_at: u.created_at,
      status: u.status === 'dormant' ? 'active' : u.status,
    };
  }

  private versionJson(v: FakeVersion): Record<string, unknown> {
    return {
      id: v.id,
      name: v.name,
      organization_id: this.orgId,
      created_at: v.created_at,
      updated_at: v.created_at,
      ...(v.template_id ? { template_id: v.template_id } : {}),
      job: {
        id: v.job.id,
        status: v.job.status,
        file_id: v.job.file_id,
        tags: v.job.tags,
        created_at: v.job.created_at,
        ...(v.job.error ? { error: v.job.error } : {}),
      },
      matched_provisioners: { count: v.matched, available: v.matched },
      warnings: [],
    };
  }

  private jobJson(v: FakeVersion): Record<string, unknown> {
    const template = this.templates.find((t) => t.id === v.template_id);
    return {
      id: v.job.id,
      status: v.job.status,
      type: 'template_version_import',
      file_id: v.job.file_id,
      tags: v.job.tags,
      created_at: v.job.created_at,
      initiator_id: v.initiator,
      organization_id: this.orgId,
      queue_position: 0,
      queue_size: 0,
      ...(v.job.error ? { error: v.job.error } : {}),
      input: { template_version_id: v.id },
      metadata: {
        template_version_name: v.name,
        ...(template
          ? {
              template_id: template.id,
              template_name: template.name,
              template_display_name: String(template.settings.display_name ?? ''),
            }
          : { template_name: '', template_display_name: '' }),
      },
    };
  }

  private templateJson(t: FakeTemplate): Record<string, unknown> {
    return {
      ...t.settings,
      id: t.id,
      name: t.name,
      organization_id: this.orgId,
      active_version_id: t.active_version_id,
      provisioner: 'terraform',
    };
  }

  private groupJson(g: FakeGroup): Record<string, unknown> {
    return {
      id: g.id,
      name: g.name,
      display_name: g.display_name,
      organization_id: this.orgId,
      quota_allowance: g.quota_allowance,
      source: g.source,
      members: g.members.map((id) => this.reducedUser(this.users.find((u) => u.id === id)!)),
      total_member_count: g.members.length,
    };
  }
}

/** The payload of a JWT-shaped string, or {} (fixtures seed placeholder licenses). */
function jwtClaims(jwt: string): Record<string, unknown> {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Entry names of a tar archive, in order. */
export async function listTar(
  archive: Buffer | Uint8Array,
): Promise<{ name: string; mode: number; mtime: number; data: string }[]> {
  const entries: { name: string; mode: number; mtime: number; data: string }[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        entries.push({
          name: header.name,
          mode: header.mode ?? 0,
          mtime: header.mtime?.getTime() ?? 0,
          data: Buffer.concat(chunks).toString('utf8'),
        });
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(Buffer.from(archive));
  await done;
  return entries;
}
