/** Day 1's cluster add-ons: the AWS Load Balancer Controller and the cluster autoscaler, as Helm releases. */
import type { CoderPlatformConfig } from '../../config/schema.js';
import type { Step } from '../../engine/types.js';
import { ADDON_NAMES, addonValues, loadAddonCharts, type AddonChart } from './helm-values/addons.js';
import { assertChartAvailable, CLUSTER_STEP_IDS as ids, releaseIsCurrent, TIMEOUTS } from './cluster-common.js';
import type { Day1Services } from './services.js';

export function addonsStep(config: CoderPlatformConfig): Step<Day1Services> {
  const addonList = async (services: Day1Services) => {
    const charts = await loadAddonCharts();
    const outputs = await services.deploymentOutputs();
    return ADDON_NAMES.map((name) => ({
      name,
      chart: charts[name] as AddonChart,
      values: addonValues(name, config, outputs),
    }));
  };
  return {
    id: ids.addons,
    title: 'Install the AWS Load Balancer Controller and the cluster autoscaler',
    dependsOn: [ids.namespaces],
    expectedSeconds: 180,
    isDone: async ({ services }) => {
      const list = await addonList(services);
      for (const a of list) {
        if (
          !(await releaseIsCurrent(services.helm, {
            release: a.chart.release,
            namespace: a.chart.namespace,
            version: a.chart.version,
            values: a.values,
          }))
        )
          return undefined;
      }
      return { addons: list.map((a) => `${a.chart.chart}@${a.chart.version}`) };
    },
    run: async ({ services, host }) => {
      const list = await addonList(services);
      for (const a of list) {
        if (
          await releaseIsCurrent(services.helm, {
            release: a.chart.release,
            namespace: a.chart.namespace,
            version: a.chart.version,
            values: a.values,
          })
        )
          continue;
        await assertChartAvailable(
          services.helm,
          { chart: a.chart.chart, repo: a.chart.repository, version: a.chart.version },
          a.chart.chart,
        );
        host.emit({
          level: 'info',
          code: 'DAY1_HELM_INSTALL',
          message: `helm upgrade --install ${a.chart.release} (${a.chart.chart} ${a.chart.version}) in ${a.chart.namespace}`,
          data: { release: a.chart.release, version: a.chart.version },
        });
        await services.helm.upgradeInstall({
          release: a.chart.release,
          chart: a.chart.chart,
          repo: a.chart.repository,
          version: a.chart.version,
          namespace: a.chart.namespace,
          values: a.values,
          wait: true,
          atomic: true,
          timeoutSeconds: TIMEOUTS.addon,
        });
      }
      return { addons: list.map((a) => `${a.chart.chart}@${a.chart.version}`) };
    },
  };
}
