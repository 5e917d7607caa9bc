/** One explanation per top-level section of coder-platform.yaml: used in the file init writes, the JSON Schema and the README. */
export const SECTION_DOCS: Readonly<Record<string, string>> = {
  apiVersion: 'Version of this file format, for future migrations.',
  profile:
    'The named defaults this file builds on: mvp-500 (500 concurrent workspaces, 2 AZs, RDS PostgreSQL) or scale-3000 (3,000, 3 AZs, Aurora Serverless v2, Spot). Anything not set here comes from the profile.',
  deployment: 'Name used in stack names, tags and the state directory; and the environment it serves.',
  aws: 'Region (and optionally the account id, AZ names and the shared-config profile) to deploy into.',
  network:
    'The VPC: CIDR, AZ and NAT gateway counts, one subnet CIDR per AZ for each tier, interface endpoints and flow-log retention.',
  cluster:
    'EKS: Kubernetes version, API endpoint access, and the managed node groups (instance types, min/desired/max, capacity type, labels, taints).',
  database:
    "Coder's PostgreSQL: engine (aurora-serverless-v2 or rds-postgres), capacity, readers, automated backups (at most 35 days) and long-term retention through AWS Backup.",
  dns: 'The domain Coder is served under (<subdomain>.<domain> and *.<subdomain>.<domain>), the hosted zone, and an existing ACM certificate if you have one.',
  coder:
    'Coder itself: version, replicas, first admin, OIDC sign-in (the client secret is a reference, never the secret), license reference and external provisioners.',
  workspaces:
    'Workspace sizes and their share of the concurrent count, the request-to-limit ratio (over-commit), and the templates to publish.',
  schedule:
    'Business-hours scaling: time zone, scale-up and scale-down times, weekdays, and node counts at peak and off hours per node group.',
  audit:
    'Account activity logging: create a multi-Region CloudTrail trail (management events, KMS-encrypted, log file validation), or rely on an existing organization or multi-Region trail.',
  backup: 'Recovery objectives (RTO, RPO in minutes) and how often a restore test runs.',
  users: 'A declarative users, groups and roles file applied on Day 1 (path relative to this file).',
  state:
    'Where the journal, lock, reports and generated files live: local (.coder-platform/<name>/, the default) or s3 (a shared, versioned, encrypted bucket locked with conditional writes, for teams and CI).',
};
