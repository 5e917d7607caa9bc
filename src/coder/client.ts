/**
 * A typed client for the Coder REST API (contract: ../shared/coder/swagger.json, basePath `/`; behaviour
 * the spec misses: ../shared/reference/coder-api.md §0.4). One method per endpoint coder-platform uses.
 * Failures become ExternalError('coder', '<METHOD path-template>', …) and never carry request bodies, so
 * passwords, tokens and license JWTs cannot leak through errors.
 */
import { CoderApiError, CoderTransport } from './transport.js';
import type {
  BuildInfo,
  CoderResponse,
  CoderUser,
  CreateFirstUserRequest,
  CreateFirstUserResponse,
  CreateGroupRequest,
  CreateTemplateRequest,
  CreateTemplateVersionRequest,
  CreateUserRequest,
  Entitlements,
  Group,
  License,
  Organization,
  OrganizationMember,
  PatchGroupRequest,
  ProvisionerDaemon,
  ProvisionerJobLog,
  ProvisionerJobSummary,
  ProvisionerKey,
  ReducedUser,
  Template,
  TemplateRole,
  TemplateSettings,
  TemplateVersion,
  UpdateTemplateACL,
  WorkspaceSummary,
} from './types.js';

export { CoderApiError, type CoderClientOptions } from './transport.js';

export class CoderClient extends CoderTransport {
  /** A client for the same server with another session token. */
  withToken(sessionToken: string): CoderClient {
    return new CoderClient({ baseUrl: this.baseUrl, sessionToken, fetch: this.fetchImpl, timeoutMs: this.timeoutMs });
  }

  // ---- health and setup state ------------------------------------------------------------------

  /** `GET /healthz` (off-spec, plain text): true when the server answers 200. */
  async healthz(): Promise<boolean> {
    try {
      const response = await this.send('GET', '/healthz', '/healthz', {
        auth: false,
        tolerate: [404, 500, 502, 503, 504],
      });
      return response.status === 200;
    } catch (error) {
      if (error instanceof CoderApiError && error.status === 0) return false; // not reachable (yet)
      throw error;
    }
  }

  async buildInfo(): Promise<BuildInfo> {
    return this.json<BuildInfo>('GET', '/api/v2/buildinfo', '/api/v2/buildinfo', { auth: false });
  }

  /** `GET /api/v2/users/first`: 200 = an owner exists, 404 = fresh deployment (coder-api.md §1). */
  async firstUserExists(): Promise<boolean> {
    const response = await this.send('GET', '/api/v2/users/first', '/api/v2/users/first', {
      auth: false,
      tolerate: [404],
    });
    return response.status === 200;
  }

  /** Creates the owner; resolves `undefined` when an owner already exists (409). */
  async createFirstUser(request: CreateFirstUserRequest): Promise<CreateFirstUserResponse | undefined> {
    const response = await this.send<CreateFirstUserResponse>('POST', '/api/v2/users/first', '/api/v2/users/first', {
      auth: false,
      body: { trial: false, ...request },
      tolerate: [409],
    });
    return response.status === 409 ? undefined : response.data;
  }

  /** `POST /api/v2/users/login` by e-mail; returns the session token. */
  async login(email: string, password: string): Promise<string> {
    const data = await this.json<{ session_token: string }>('POST', '/api/v2/users/login', '/api/v2/users/login', {
      auth: false,
      body: { email, password },
    });
    return data.session_token;
  }

  /**
   * `POST /api/v2/users/{user}/keys/tokens`: a long-lived API token (the key is returned only here).
   * `lifetimeMs` is converted to the nanoseconds the API takes.
   */
  async createToken(user: string, tokenName: string, lifetimeMs: number): Promise<string> {
    const data = await this.json<{ key: string }>(
      'POST',
      `/api/v2/users/${enc(user)}/keys/tokens`,
      '/api/v2/users/{user}/keys/tokens',
      {
        body: { token_name: tokenName, lifetime: lifetimeMs * 1_000_000 },
      },
    );
    return data.key;
  }

  // ---- users and roles -------------------------------------------------------------------------

  async me(): Promise<CoderUser> {
    return this.json<CoderUser>('GET', '/api/v2/users/me', '/api/v2/users/{user}');
  }

  async user(user: string): Promise<CoderUser | undefined> {
    return this.maybe<CoderUser>('GET', `/api/v2/users/${enc(user)}`, '/api/v2/users/{user}');
  }

  /** Every user, paginated (`GET /api/v2/users`). */
  async listUsers(q?: string): Promise<CoderUser[]> {
    const all: CoderUser[] = [];
    const limit = 100;
    for (let offset = 0; ; offset += limit) {
      const page = await this.json<{ users: CoderUser[]; count: number }>('GET', '/api/v2/users', '/api/v2/users', {
        query: { q, limit, offset },
      });
      all.push(...page.users);
      if (page.users.length < limit || all.length >= page.count) return all;
    }
  }

  async createUser(request: CreateUserRequest): Promise<CoderUser> {
    return this.json<CoderUser>('POST', '/api/v2/users', '/api/v2/users', { body: request });
  }

  /** Replaces the user's site roles (`member` is implicit). */
  async updateSiteRoles(user: string, roles: string[]): Promise<CoderUser> {
    return this.json<CoderUser>('PUT', `/api/v2/users/${enc(user)}/roles`, '/api/v2/users/{user}/roles', {
      body: { roles },
    });
  }

  /** Replaces the user's organization roles. */
  async updateOrganizationRoles(organization: string, user: string, roles: string[]): Promise<OrganizationMember> {
    return this.json<OrganizationMember>(
      'PUT',
      `/api/v2/organizations/${enc(organization)}/members/${enc(user)}/roles`,
      '/api/v2/organizations/{organization}/members/{user}/roles',
      { body: { roles } },
    );
  }

  async organizationMember(
    organization: string,
    user: string,
  ): Promise<(OrganizationMember & { roles?: { name: string }[] }) | undefined> {
    return this.maybe(
      'GET',
      `/api/v2/organizations/${enc(organization)}/members/${enc(user)}`,
      '/api/v2/organizations/{organization}/members/{user}',
    );
  }

  async suspendUser(user: string): Promise<CoderUser> {
    return this.json<CoderUser>(
      'PUT',
      `/api/v2/users/${enc(user)}/status/suspend`,
      '/api/v2/users/{user}/status/suspend',
    );
  }

  async activateUser(user: string): Promise<CoderUser> {
    return this.json<CoderUser>(
      'PUT',
      `/api/v2/users/${enc(user)}/status/activate`,
      '/api/v2/users/{user}/status/activate',
    );
  }

  // ---- organizations -----------------------------------------------------------------------------

  async organization(organization = 'default'): Promise<Organization> {
    return this.json<Organization>(
      'GET',
      `/api/v2/organizations/${enc(organization)}`,
      '/api/v2/organizations/{organization}',
    );
  }

  // ---- licenses ------------------------------------------------------------------------------------

  async addLicense(license: string): Promise<License> {
    return this.json<License>('POST', '/api/v2/licenses', '/api/v2/licenses', { body: { license } });
  }

  async listLicenses(): Promise<License[]> {
    return this.json<License[]>('GET', '/api/v2/licenses', '/api/v2/licenses');
  }

  async entitlements(): Promise<Entitlements> {
    return this.json<Entitlements>('GET', '/api/v2/entitlements', '/api/v2/entitlements');
  }

  // ---- provisioners --------------------------------------------------------------------------------

  /** Returns the key secret, shown only this once. */
  async createProvisionerKey(
    organization: string,
    request: { name: string; tags: Record<string, string> },
  ): Promise<string> {
    const data = await this.json<{ key: string }>(
      'POST',
      `/api/v2/organizations/${enc(organization)}/provisionerkeys`,
      '/api/v2/organizations/{organization}/provisionerkeys',
      { body: request },
    );
    return data.key;
  }

  async listProvisionerKeys(organization: string): Promise<ProvisionerKey[]> {
    return this.json<ProvisionerKey[]>(
      'GET',
      `/api/v2/organizations/${enc(organization)}/provisionerkeys`,
      '/api/v2/organizations/{organization}/provisionerkeys',
    );
  }

  async deleteProvisionerKey(organization: string, name: string): Promise<void> {
    await this.send(
      'DELETE',
      `/api/v2/organizations/${enc(organization)}/provisionerkeys/${enc(name)}`,
      '/api/v2/organizations/{organization}/provisionerkeys/{provisionerkey}',
      { tolerate: [404] },
    );
  }

  async listProvisionerDaemons(
    organization: string,
    options: { status?: 'offline' | 'idle' | 'busy'; limit?: number } = {},
  ): Promise<ProvisionerDaemon[]> {
    return this.json<ProvisionerDaemon[]>(
      'GET',
      `/api/v2/organizations/${enc(organization)}/provisionerdaemons`,
      '/api/v2/organizations/{organization}/provisionerdaemons',
      { query: { status: options.status, limit: options.limit } },
    );
  }

  /**
   * `GET /api/v2/organizations/{organization}/provisionerjobs`: the organization's jobs, newest first,
   * optionally only those a user started. Each template-version import carries the version's id
   * (`input.template_version_id`) and name (`metadata.template_version_name`), and `metadata.template_id`
   * only once the version belongs to a template — the one way to find a version created without a template.
   */
  async listProvisionerJobs(
    organization: string,
    options: { initiator?: string; limit?: number } = {},
  ): Promise<ProvisionerJobSummary[]> {
    return this.json<ProvisionerJobSummary[]>(
      'GET',
      `/api/v2/organizations/${enc(organization)}/provisionerjobs`,
      '/api/v2/organizations/{organization}/provisionerjobs',
      { query: { initiator: options.initiator, limit: options.limit } },
    );
  }

  // ---- files and template versions -----------------------------------------------------------------

  /** Uploads a tar archive; returns the file id (`hash` in the response). 201 new, 200 already uploaded. */
  async uploadFile(
    archive: Uint8Array,
    contentType: 'application/x-tar' | 'application/zip' = 'application/x-tar',
  ): Promise<{ fileId: string; created: boolean }> {
    const response = await this.send<{ hash: string }>('POST', '/api/v2/files', '/api/v2/files', {
      raw: { data: archive, contentType },
    });
    if (!response.data?.hash)
      throw new CoderApiError('POST /api/v2/files', 'the response carried no file id', response.status, undefined);
    return { fileId: response.data.hash, created: response.status === 201 };
  }

  async createTemplateVersion(organization: string, request: CreateTemplateVersionRequest): Promise<TemplateVersion> {
    return this.json<TemplateVersion>(
      'POST',
      `/api/v2/organizations/${enc(organization)}/templateversions`,
      '/api/v2/organizations/{organization}/templateversions',
      { body: request },
    );
  }

  async getTemplateVersion(id: string): Promise<TemplateVersion> {
    return this.json<TemplateVersion>(
      'GET',
      `/api/v2/templateversions/${enc(id)}`,
      '/api/v2/templateversions/{templateversion}',
    );
  }

  /** A template's version by name, or undefined (404). The spec types the answer as an array; the handler returns one. */
  async templateVersionByName(templateId: string, name: string): Promise<TemplateVersion | undefined> {
    const data = await this.maybe<TemplateVersion | TemplateVersion[]>(
      'GET',
      `/api/v2/templates/${enc(templateId)}/versions/${enc(name)}`,
      '/api/v2/templates/{template}/versions/{templateversionname}',
    );
    return Array.isArray(data) ? data[0] : data;
  }

  async templateVersionLogs(id: string, after?: number): Promise<ProvisionerJobLog[]> {
    return this.json<ProvisionerJobLog[]>(
      'GET',
      `/api/v2/templateversions/${enc(id)}/logs`,
      '/api/v2/templateversions/{templateversion}/logs',
      {
        query: { after },
      },
    );
  }

  async cancelTemplateVersion(id: string): Promise<void> {
    await this.send(
      'PATCH',
      `/api/v2/templateversions/${enc(id)}/cancel`,
      '/api/v2/templateversions/{templateversion}/cancel',
      { tolerate: [400] },
    );
  }

  // ---- templates -----------------------------------------------------------------------------------

  async templateByName(organization: string, name: string): Promise<Template | undefined> {
    return this.maybe<Template>(
      'GET',
      `/api/v2/organizations/${enc(organization)}/templates/${enc(name)}`,
      '/api/v2/organizations/{organization}/templates/{templatename}',
    );
  }

  async createTemplate(organization: string, request: CreateTemplateRequest): Promise<Template> {
    return this.json<Template>(
      'POST',
      `/api/v2/organizations/${enc(organization)}/templates`,
      '/api/v2/organizations/{organization}/templates',
      { body: request },
    );
  }

  /** `PATCH /api/v2/templates/{template}/versions`: make a built version the active one. */
  async promoteVersion(templateId: string, versionId: string): Promise<void> {
    await this.json<CoderResponse>(
      'PATCH',
      `/api/v2/templates/${enc(templateId)}/versions`,
      '/api/v2/templates/{template}/versions',
      { body: { id: versionId } },
    );
  }

  async updateTemplateSettings(templateId: string, settings: Partial<TemplateSettings>): Promise<Template> {
    return this.json<Template>('PATCH', `/api/v2/templates/${enc(templateId)}`, '/api/v2/templates/{template}', {
      body: settings,
    });
  }

  /** `GET /api/v2/templates/{template}/acl`: groups and users with a role on the template. */
  async templateACL(templateId: string): Promise<{
    group: { id: string; name: string; role: TemplateRole }[];
    users: { id: string; username: string; role: TemplateRole }[];
  }> {
    const data = await this.json<{
      group?: { id: string; name: string; role: TemplateRole }[] | null;
      users?: { id: string; username: string; role: TemplateRole }[] | null;
    }>('GET', `/api/v2/templates/${enc(templateId)}/acl`, '/api/v2/templates/{template}/acl');
    return { group: data.group ?? [], users: data.users ?? [] };
  }

  async updateTemplateACL(templateId: string, acl: UpdateTemplateACL): Promise<void> {
    await this.json<CoderResponse>(
      'PATCH',
      `/api/v2/templates/${enc(templateId)}/acl`,
      '/api/v2/templates/{template}/acl',
      { body: acl },
    );
  }

  // ---- groups --------------------------------------------------------------------------------------

  async listGroups(organization: string): Promise<Group[]> {
    return this.json<Group[]>(
      'GET',
      `/api/v2/organizations/${enc(organization)}/groups`,
      '/api/v2/organizations/{organization}/groups',
    );
  }

  async createGroup(organization: string, request: CreateGroupRequest): Promise<Group> {
    return this.json<Group>(
      'POST',
      `/api/v2/organizations/${enc(organization)}/groups`,
      '/api/v2/organizations/{organization}/groups',
      { body: request },
    );
  }

  /** `PATCH /api/v2/groups/{group}` with the group UUID. */
  async patchGroup(groupId: string, request: PatchGroupRequest): Promise<Group> {
    return this.json<Group>('PATCH', `/api/v2/groups/${enc(groupId)}`, '/api/v2/groups/{group}', { body: request });
  }

  /** Every member of a group, paginated. */
  async groupMembers(groupId: string): Promise<ReducedUser[]> {
    const all: ReducedUser[] = [];
    const limit = 100;
    for (let offset = 0; ; offset += limit) {
      const page = await this.json<{ users: ReducedUser[]; count: number }>(
        'GET',
        `/api/v2/groups/${enc(groupId)}/members`,
        '/api/v2/groups/{group}/members',
        {
          query: { limit, offset },
        },
      );
      all.push(...page.users);
      if (page.users.length < limit || all.length >= page.count) return all;
    }
  }

  // ---- workspaces ----------------------------------------------------------------------------------

  /** `GET /api/v2/workspaces?q=…` (e.g. `status:running`); returns the page and the total count. */
  async listWorkspaces(
    options: { q?: string; limit?: number; offset?: number } = {},
  ): Promise<{ workspaces: WorkspaceSummary[]; count: number }> {
    return this.json('GET', '/api/v2/workspaces', '/api/v2/workspaces', {
      query: { q: options.q, limit: options.limit, offset: options.offset },
    });
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
