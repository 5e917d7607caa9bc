/** The upgrade phase's options and the collaborators its steps use. */
import type { EKSClient } from '@aws-sdk/client-eks';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { ChartSource } from '../../../k8s/helm.js';
import type { SnapshotTarget } from './snapshot.js';

/** The Helm operations the upgrade needs (src/k8s/helm.ts Helm satisfies it). */
export interface UpgradeHelm {
  upgradeInstall(o: {
    release: string;
    chart: string;
    version?: string;
    repo?: string;
    namespace: string;
    values: Record<string, unknown>;
    wait?: boolean;
    timeoutSeconds?: number;
  }): Promise<void>;
  rollback(release: string, namespace: string, revision?: number): Promise<void>;
  history(release: string, namespace: string): Promise<{ revision: number; status: string; chart: string }[]>;
  getValues(release: string, namespace: string): Promise<Record<string, unknown>>;
  chartVersionExists(source: ChartSource): Promise<boolean>;
}

export interface UpgradeServices {
  eks: EKSClient;
  rds: RDSClient;
  helm: UpgradeHelm;
  /** Server-side apply (src/k8s/kubectl.ts Kubectl): scales coderd to one replica before its migrations. */
  kubectl: { apply(manifests: object[]): Promise<void> };
  coder: { healthz(): Promise<boolean>; buildInfo(): Promise<{ version: string }> };
  now(): Date;
}

export interface UpgradeRelease {
  release: string;
  namespace: string;
  /** Chart name (`coder`, `coder-provisioner`). */
  chart: string;
}

export interface UpgradePhaseOptions {
  deployment: string;
  /** coder-platform.yaml: coder.version and cluster.kubernetesVersion are written back after each upgrade. */
  configPath: string;
  coderVersion?: string | undefined;
  kubernetesVersion?: string | undefined;
  /** Where charts come from, by chart name, for the target version. */
  chartSource: (chart: string, version: string) => ChartSource;
  /** coderd first, then the provisioners (same version: the provisioner protocol changes between minors). */
  releases: UpgradeRelease[];
  database: SnapshotTarget;
  clusterName: string;
  /** EKS node-group names in upgrade order: control, provisioner, workspace. */
  nodeGroups: { configName: string; eksName: string }[];
  /** @default 1800 */
  helmTimeoutSeconds?: number;
  /** @default 600 */
  verifyTimeoutSeconds?: number;
  /** @default 30000 */
  pollIntervalMs?: number;
}
