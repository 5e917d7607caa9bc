/**
 * The subset of the Coder API types (codersdk.*, ../shared/coder/swagger.json) coder-platform reads and
 * writes. Field names are exactly the wire names.
 */

export interface CoderResponse {
  message: string;
  detail?: string;
  validations?: { field: string; detail: string }[];
}

export interface BuildInfo {
  version: string;
  external_url?: string;
  dashboard_url?: string;
  deployment_id?: string;
  provisioner_api_version?: string;
}

export interface CreateFirstUserRequest {
  email: string;
  username: string;
  password: string;
  name?: string;
  trial?: boolean;
}
export interface CreateFirstUserResponse {
  user_id: string;
  organization_id: string;
}

export interface SlimRole {
  name: string;
  display_name?: string;
  organization_id?: string;
}

export type LoginType = '' | 'password' | 'github' | 'oidc' | 'token' | 'none';
export type UserStatus = 'active' | 'dormant' | 'suspended';

export interface CoderUser {
  id: string;
  username: string;
  email: string;
  name?: string;
  status?: UserStatus;
  login_type?: LoginType;
  organization_ids?: string[];
  roles?: SlimRole[];
  created_at: string;
}

export interface CreateUserRequest {
  username: string;
  email?: string;
  name?: string;
  login_type?: LoginType;
  organization_ids: string[];
  password?: string;
  roles?: string[];
  user_status?: UserStatus;
}

export interface Organization {
  id: string;
  name?: string;
  is_default: boolean;
}

export interface OrganizationMember {
  user_id?: string;
  organization_id?: string;
  roles?: SlimRole[];
}

export interface License {
  id: number;
  uuid: string;
  uploaded_at?: string;
  claims?: Record<string, unknown>;
}

export type EntitlementState = 'entitled' | 'grace_period' | 'not_entitled';
export interface Feature {
  entitlement: EntitlementState;
  enabled: boolean;
  limit?: number;
  actual?: number;
}
export interface Entitlements {
  features: Record<string, Feature>;
  has_license: boolean;
  trial?: boolean;
  errors: string[];
  warnings: string[];
  refreshed_at?: string;
}

export interface ProvisionerKey {
  id: string;
  name: string;
  organization?: string;
  created_at?: string;
  tags?: Record<string, string>;
}

export interface ProvisionerDaemon {
  id: string;
  name: string;
  key_name?: string;
  status?: 'offline' | 'idle' | 'busy';
  tags?: Record<string, string>;
  version?: string;
  last_seen_at?: string;
}

export type ProvisionerJobStatus =
  'pending' | 'running' | 'succeeded' | 'canceling' | 'canceled' | 'failed' | 'unknown';
export interface ProvisionerJob {
  id: string;
  status: ProvisionerJobStatus;
  error?: string;
  error_code?: 'REQUIRED_TEMPLATE_VARIABLES' | 'INSUFFICIENT_QUOTA' | '';
  file_id?: string;
  tags?: Record<string, string>;
  queue_position?: number;
  queue_size?: number;
  started_at?: string;
  completed_at?: string;
}

/** A row of `GET /organizations/{organization}/provisionerjobs` (codersdk.ProvisionerJob, the fields read). */
export interface ProvisionerJobSummary {
  id: string;
  status: ProvisionerJobStatus;
  type?: 'template_version_import' | 'workspace_build' | 'template_version_dry_run';
  initiator_id?: string;
  created_at?: string;
  file_id?: string;
  tags?: Record<string, string>;
  input?: { template_version_id?: string; workspace_build_id?: string };
  metadata?: { template_version_name?: string; template_id?: string; template_name?: string };
}

export interface TemplateVersion {
  id: string;
  name: string;
  template_id?: string;
  organization_id?: string;
  message?: string;
  job: ProvisionerJob;
  matched_provisioners?: { count: number; available: number; most_recently_seen?: string };
  warnings?: string[];
}

export interface CreateTemplateVersionRequest {
  storage_method: 'file';
  provisioner: 'terraform';
  file_id: string;
  template_id?: string;
  name?: string;
  message?: string;
  tags?: Record<string, string>;
  user_variable_values?: { name: string; value: string }[];
}

export interface ProvisionerJobLog {
  id: number;
  created_at?: string;
  log_source?: string;
  log_level?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  stage?: string;
  output: string;
}

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

export interface Template {
  id: string;
  name: string;
  organization_id?: string;
  active_version_id: string;
  display_name?: string;
  description?: string;
  default_ttl_ms?: number;
  activity_bump_ms?: number;
  failure_ttl_ms?: number;
  time_til_dormant_ms?: number;
  time_til_dormant_autodelete_ms?: number;
  autostop_requirement?: { days_of_week: Weekday[]; weeks: number };
  allow_user_autostart?: boolean;
  allow_user_autostop?: boolean;
}

/** Settings common to create and update, in UpdateTemplateMeta names. */
export interface TemplateSettings {
  display_name?: string;
  description?: string;
  default_ttl_ms: number;
  activity_bump_ms: number;
  failure_ttl_ms: number;
  time_til_dormant_ms: number;
  time_til_dormant_autodelete_ms: number;
  autostop_requirement: { days_of_week: Weekday[]; weeks: number };
  allow_user_autostart: boolean;
  allow_user_autostop: boolean;
  disable_everyone_group_access?: boolean;
}

export interface CreateTemplateRequest {
  name: string;
  template_version_id: string;
  display_name?: string;
  description?: string;
  default_ttl_ms?: number;
  activity_bump_ms?: number;
  failure_ttl_ms?: number;
  dormant_ttl_ms?: number;
  delete_ttl_ms?: number;
  autostop_requirement?: { days_of_week: Weekday[]; weeks: number };
  allow_user_autostart?: boolean;
  allow_user_autostop?: boolean;
  disable_everyone_group_access?: boolean;
}

export type TemplateRole = 'admin' | 'use' | '';
export interface UpdateTemplateACL {
  user_perms?: Record<string, TemplateRole>;
  group_perms?: Record<string, TemplateRole>;
}

export interface ReducedUser {
  id: string;
  username: string;
  email: string;
  status?: UserStatus;
  created_at: string;
}

export interface Group {
  id: string;
  name: string;
  display_name?: string;
  organization_id: string;
  members?: ReducedUser[];
  total_member_count?: number;
  quota_allowance?: number;
  source?: 'user' | 'oidc';
}

export interface CreateGroupRequest {
  name: string;
  display_name?: string;
  quota_allowance?: number;
}

export interface PatchGroupRequest {
  add_users?: string[];
  remove_users?: string[];
  quota_allowance?: number;
  display_name?: string;
}

export interface WorkspaceSummary {
  id: string;
  name: string;
  owner_name?: string;
  template_name?: string;
  latest_build?: { status?: string; transition?: string };
}
