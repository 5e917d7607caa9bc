/**
 * The Pod Security Standards checks (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/
 * policy/check_*.go) over a PodSpec: baseline first, then what restricted adds. Each violation names the
 * level, the check and the container, so a failing test shows which template needs what.
 */
import type { K8sObject } from './template-objects.js';

export interface Violation {
  level: 'baseline' | 'restricted';
  check: string;
  detail: string;
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

function containers(spec: K8sObject): K8sObject[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

function baseline(meta: K8sObject, spec: K8sObject): Violation[] {
  const out: Violation[] = [];
  const v = (check: string, detail: string) => out.push({ level: 'baseline', check, detail });
  const psc = spec.securityContext ?? {};
  if (psc.windowsOptions?.hostProcess === true) v('hostProcess', 'pod');
  for (const ns of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[ns] === true) v('hostNamespaces', ns);
  for (const vol of spec.volumes ?? []) if (vol.hostPath) v('hostPathVolumes', vol.name);
  if (psc.seccompProfile?.type === 'Unconfined') v('seccompProfile_baseline', 'pod');
  if (psc.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(psc.appArmorProfile.type))
    v('appArmorProfile', 'pod');
  if (psc.seLinuxOptions?.user || psc.seLinuxOptions?.role) v('seLinuxOptions', 'pod');
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) v('sysctls', s.name);
  for (const [key, value] of Object.entries((meta.annotations ?? {}) as Record<string, string>)) {
    if (
      key.startsWith('container.apparmor.security.beta.kubernetes.io/') &&
      !value.startsWith('runtime/default') &&
      !value.startsWith('localhost/')
    )
      v('appArmorProfile', key);
  }
  for (const c of containers(spec)) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) v('privileged', c.name);
    if (sc.windowsOptions?.hostProcess === true) v('hostProcess', c.name);
    for (const cap of sc.capabilities?.add ?? [])
      if (!BASELINE_CAPABILITIES.has(cap)) v('capabilities_baseline', `${c.name} adds ${cap}`);
    for (const p of c.ports ?? [])
      if (p.hostPort !== undefined && p.hostPort !== 0) v('hostPorts', `${c.name} ${p.hostPort}`);
    if (sc.seccompProfile?.type === 'Unconfined') v('seccompProfile_baseline', c.name);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') v('procMount', c.name);
    if (sc.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(sc.appArmorProfile.type))
      v('appArmorProfile', c.name);
    if (sc.seLinuxOptions?.user || sc.seLinuxOptions?.role) v('seLinuxOptions', c.name);
  }
  return out;
}

function restricted(spec: K8sObject): Violation[] {
  const out: Violation[] = [];
  const v = (check: string, detail: string) => out.push({ level: 'restricted', check, detail });
  const psc = spec.securityContext ?? {};
  for (const vol of spec.volumes ?? []) {
    const types = Object.keys(vol).filter((k) => k !== 'name');
    if (types.some((t) => !RESTRICTED_VOLUMES.has(t))) v('restrictedVolumes', `${vol.name} (${types.join(', ')})`);
  }
  if (psc.runAsNonRoot === false) v('runAsNonRoot', 'pod sets runAsNonRoot=false');
  if (psc.runAsUser === 0) v('runAsUser', 'pod runs as uid 0');
  const podSeccomp = ['RuntimeDefault', 'Localhost'].includes(psc.seccompProfile?.type);
  for (const c of containers(spec)) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false)
      v('allowPrivilegeEscalation', `${c.name} must set allowPrivilegeEscalation=false`);
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot === undefined && psc.runAsNonRoot !== true))
      v('runAsNonRoot', `${c.name} must run as non-root`);
    if (sc.runAsUser === 0) v('runAsUser', `${c.name} runs as uid 0`);
    const seccomp = sc.seccompProfile?.type;
    if (seccomp !== undefined ? !['RuntimeDefault', 'Localhost'].includes(seccomp) : !podSeccomp)
      v('seccompProfile_restricted', `${c.name} needs seccompProfile RuntimeDefault or Localhost`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL'))
      v('capabilities_restricted', `${c.name} must drop ALL capabilities`);
    for (const cap of sc.capabilities?.add ?? [])
      if (cap !== 'NET_BIND_SERVICE') v('capabilities_restricted', `${c.name} adds ${cap}`);
  }
  return out;
}

/** Every Pod Security violation of a pod (metadata + spec), baseline and restricted. */
export function podSecurityViolations(pod: { metadata?: K8sObject; spec: K8sObject }): Violation[] {
  return [...baseline(pod.metadata ?? {}, pod.spec), ...restricted(pod.spec)];
}

/** The strictest level the pod meets. */
export function podSecurityLevel(pod: {
  metadata?: K8sObject;
  spec: K8sObject;
}): 'restricted' | 'baseline' | 'privileged' {
  const violations = podSecurityViolations(pod);
  if (violations.some((v) => v.level === 'baseline')) return 'privileged';
  return violations.length > 0 ? 'baseline' : 'restricted';
}
