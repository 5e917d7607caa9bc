import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { UserError } from '../errors.js';
import type { ExecCredential } from '../services/eks-token.js';

/** The ExecCredential kubectl and helm read (also printed as the only stdout line without --json). */
export type EksTokenResult = ExecCredential;

/**
 * kubectl's credential plugin for the kubeconfig Day 1 writes (cluster.authMethod `coder-platform`):
 * an EKS bearer token from the AWS credential chain, so the AWS CLI is not needed. Hidden: people do not
 * run it, kubeconfig does.
 */
export default class EksToken extends BaseCommand<typeof EksToken> {
  static override hidden = true;
  static override summary = 'print an EKS token as a Kubernetes ExecCredential (used by the kubeconfig)';
  static override flags = {
    'cluster-name': Flags.string({ summary: 'EKS cluster name.', env: 'CODER_PLATFORM_CLUSTER_NAME', required: true }),
  };

  public async run(): Promise<EksTokenResult> {
    const region = this.globals.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region)
      throw new UserError('No region: pass --region.', {
        nextSteps: ['Re-run with --region, e.g. --region us-east-1.'],
      });
    const { eksToken } = await import('../services/eks-token.js');
    const credential = await eksToken({
      clusterName: this.flags['cluster-name'],
      region,
      profile: this.globals.awsProfile ?? process.env.AWS_PROFILE,
    });
    if (!this.jsonEnabled()) process.stdout.write(`${JSON.stringify(credential)}\n`);
    return credential;
  }
}
