/**
 * Lookups over a built set of Kubernetes objects (from test/support/kustomize.ts), for tests
 * that follow a reference the way the cluster would: an env var's URL to a Service, the
 * Service's selector to the pods of a workload, a port name to a container port, a volume to
 * its ConfigMap.
 */
import { expect } from 'bun:test'
import type { K8sObject } from './kustomize.ts'

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet'])

/**
 * The one object of that kind and name; fails the test when it is missing.
 *
 * @example
 * const deployment = findObject(objects, 'Deployment', 'tts-edge')
 */
export function findObject(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name)
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`)
  return found
}

/** Deployments, StatefulSets and DaemonSets. */
export function workloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => WORKLOAD_KINDS.has(o.kind))
}

/** A workload's first container (each of ours runs one). */
export function mainContainer(workload: K8sObject): any {
  return workload.spec.template.spec.containers[0]
}

/** A container's plain `env` values (entries with valueFrom are left out). */
export function plainEnv(container: any): Record<string, string> {
  return Object.fromEntries((container.env ?? []).filter((e: any) => 'value' in e).map((e: any) => [e.name, String(e.value)]))
}

/** True when every label of the selector is on the workload's pod template. */
export function selects(selector: Record<string, string>, workload: K8sObject): boolean {
  const labels = workload.spec.template.metadata?.labels ?? {}
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v)
}

/** The container port a Service or probe names (by name or number); fails when none matches. */
export function containerPort(workload: K8sObject, port: string | number): number {
  const ports = workload.spec.template.spec.containers.flatMap((c: any) => c.ports ?? [])
  const found = ports.find((p: any) => p.name === port || p.containerPort === port)
  if (!found) throw new Error(`${workload.kind} ${workload.metadata.name} has no container port ${port}`)
  return found.containerPort
}

/**
 * Follows `http://host:port/...` (or `host:port`) inside the namespace: the Service `host`
 * (short name or `name.namespace.svc...`) must expose `port` and select exactly one workload
 * whose container listens on the target port. Returns that workload.
 *
 * @example
 * const agents = reachableWorkload(objects, 'http://otel-agent:4318')
 */
export function reachableWorkload(objects: K8sObject[], address: string): K8sObject {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`)
  const serviceName = url.hostname.split('.')[0]!
  const service = findObject(objects, 'Service', serviceName)
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const servicePort = service.spec.ports.find((p: any) => p.port === port)
  expect(servicePort, `Service ${serviceName} exposes port ${port}`).toBeDefined()
  const targets = workloads(objects).filter((w) => selects(service.spec.selector ?? {}, w))
  expect(targets.map((w) => w.metadata.name), `Service ${serviceName} selects one workload`).toHaveLength(1)
  containerPort(targets[0]!, servicePort.targetPort ?? port)
  return targets[0]!
}

/**
 * The text of the file a container sees at `path`, when that path is mounted from a
 * ConfigMap volume in the same build; fails otherwise.
 *
 * @example
 * const enginesYaml = mountedConfigFile(objects, deployment, '/etc/tts-edge/engines.yaml')
 */
export function mountedConfigFile(objects: K8sObject[], workload: K8sObject, path: string): string {
  const container = mainContainer(workload)
  const mount = (container.volumeMounts ?? []).find((m: any) => path.startsWith(`${m.mountPath}/`))
  if (!mount) throw new Error(`${path} is not under a volume mount of ${workload.metadata.name}`)
  const volume = workload.spec.template.spec.volumes.find((v: any) => v.name === mount.name)
  if (!volume?.configMap) throw new Error(`${mount.mountPath} of ${workload.metadata.name} is not a ConfigMap volume`)
  const key = path.slice(mount.mountPath.length + 1)
  const text = findObject(objects, 'ConfigMap', volume.configMap.name).data?.[key]
  if (typeof text !== 'string') throw new Error(`ConfigMap ${volume.configMap.name} has no key ${key}`)
  return text
}

/** The volume mounted at `mountPath` in the workload's main container, if any. */
export function volumeAt(workload: K8sObject, mountPath: string): any {
  const mount = (mainContainer(workload).volumeMounts ?? []).find((m: any) => m.mountPath === mountPath)
  return mount && workload.spec.template.spec.volumes.find((v: any) => v.name === mount.name)
}
