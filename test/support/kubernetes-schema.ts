/**
 * Validates Kubernetes objects against the API's OpenAPI schemas, as compiled into the npm
 * `kubernetes-models` packages (core API, KEDA, Prometheus Operator), and also rejects fields the
 * schema does not know, as `kubectl apply --validate=strict` would: the compiled validators
 * accept unknown fields, so a misspelt `readinesProbe` would otherwise pass unnoticed.
 *
 * Unknown fields are found by watching the validator: it reads every property its schema
 * declares, and enumerates the keys of free-form maps (labels, data, resources.limits). A key
 * of a validated object that was neither read nor enumerated is not in the schema.
 */
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1'
import { DaemonSet, Deployment, StatefulSet } from 'kubernetes-models/apps/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1'
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import type { K8sObject } from './kustomize.ts'

type Model = { validate(): void }
const MODELS: Record<string, new (data: any) => Model> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/DaemonSet': DaemonSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
}

/**
 * Every schema problem of one object, as `path: message` lines; empty when it is valid.
 *
 * @example
 * schemaProblems({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { portz: [] } })
 * // ['/spec/portz: unknown field']
 */
export function schemaProblems(obj: K8sObject): string[] {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`]
  if (!Model) return [`no schema known for ${obj.apiVersion} ${obj.kind}`]
  const model = new Model(obj)
  const watcher = new FieldWatcher()
  try {
    model.validate.call(watcher.wrap(model, ''))
  } catch (error) {
    return [String((error as Error).message)]
  }
  return watcher.unknownFields().map((path) => `${path}: unknown field`)
}

class FieldWatcher {
  readonly #seen = new Map<object, { path: string; read: Set<PropertyKey>; enumerated: boolean }>()
  readonly #proxies = new WeakMap<object, object>()

  wrap<T extends object>(target: T, path: string): T {
    const cached = this.#proxies.get(target)
    if (cached) return cached as T
    const record = { path, read: new Set<PropertyKey>(), enumerated: false }
    this.#seen.set(target, record)
    const proxy = new Proxy(target, {
      get: (t, key, receiver) => {
        record.read.add(key)
        const value = Reflect.get(t, key, receiver)
        return value !== null && typeof value === 'object' ? this.wrap(value, `${path}/${String(key)}`) : value
      },
      has: (t, key) => {
        record.read.add(key)
        return Reflect.has(t, key)
      },
      ownKeys: (t) => {
        record.enumerated = true
        return Reflect.ownKeys(t)
      },
    })
    this.#proxies.set(target, proxy)
    return proxy
  }

  /** Keys no schema claimed, on objects the validator checked property by property. */
  unknownFields(): string[] {
    const unknown: string[] = []
    for (const [target, { path, read, enumerated }] of this.#seen) {
      // Arrays are checked item by item; a schema-less object (read nothing) is opaque.
      if (Array.isArray(target) || enumerated || read.size === 0) continue
      for (const key of Object.keys(target)) if (!read.has(key)) unknown.push(`${path}/${key}`)
    }
    return unknown
  }
}
