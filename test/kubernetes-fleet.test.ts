/**
 * The fleet around tts-edge in deploy/kubernetes (built as in test/kubernetes.test.ts):
 * autoscaling on a metric the service really exports, the disruption budget, Redis as a bounded
 * cache, the two collector tiers (agents routing by trace id to a tail-sampling StatefulSet
 * whose policies equal otel/collector.yaml's), Kokoro on GPU nodes in gpu-engines, and a
 * single-node overlay that needs no CRDs.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parser as promqlParser } from '@prometheus-io/lezer-promql'
import { kustomizeBuild, type K8sObject } from './support/kustomize.ts'
import { findObject, mainContainer, mountedConfigFile, reachableWorkload, selects } from './support/kubernetes-objects.ts'
import { repoRoot } from './support/dashboard-queries.ts'

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')
const build = (k: string) => kustomizeBuild(join(repoRoot, 'deploy/kubernetes', k))
const base = build('base')
const singleNode = build('overlays/single-node')
const gpu = build('overlays/gpu-engines')
const FLEETS = [['base', base], ['overlays/gpu-engines', gpu]] as const

/** Metric names of a PromQL expression (its vector selectors' identifiers). */
function metricNames(expr: string): string[] {
  const tree = promqlParser.parse(expr)
  const names: string[] = []
  let errors = 0
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors++
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to))
    },
  })
  expect(errors, `${expr} parses`).toBe(0)
  return names
}

/** The collector config a workload runs: the file its --config argument names, from its ConfigMap. */
function collectorConfig(objects: K8sObject[], name: string, kind: string): any {
  const workload = findObject(objects, kind, name)
  const path = mainContainer(workload).args.find((a: string) => a.startsWith('--config=')).slice('--config='.length)
  return Bun.YAML.parse(mountedConfigFile(objects, workload, path))
}

describe.each(FLEETS)('%s autoscaling', (_, objects) => {
  const scaledObject = findObject(objects, 'ScaledObject', 'tts-edge')

  test('KEDA scales the tts-edge Deployment between a minimum and a maximum, slowly down', () => {
    expect(scaledObject.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'tts-edge' })
    findObject(objects, 'Deployment', 'tts-edge')
    expect(scaledObject.spec.minReplicaCount).toBeGreaterThanOrEqual(2)
    expect(scaledObject.spec.maxReplicaCount).toBeGreaterThan(scaledObject.spec.minReplicaCount)
    expect(scaledObject.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(60)
  })

  test('the Prometheus trigger sums the queue depth tts-edge exports, threshold 4, with CPU as a floor', () => {
    const prometheus = scaledObject.spec.triggers.find((t: any) => t.type === 'prometheus')
    expect(prometheus.metadata.query).toBe('sum(tts_synthesis_queue_depth)')
    expect(prometheus.metadata.threshold).toBe('4')
    const metricsSource = read('src/telemetry/metrics.ts')
    for (const name of metricNames(prometheus.metadata.query)) expect(metricsSource).toMatch(new RegExp(`(gauge|counter|histogram)\\(\\s*'${name}'`))
    const cpu = scaledObject.spec.triggers.find((t: any) => t.type === 'cpu')
    expect(cpu.metricType).toBe('Utilization')
    // A CPU utilisation target needs a CPU request to be a percentage of.
    expect(mainContainer(findObject(objects, 'Deployment', 'tts-edge')).resources.requests.cpu).toBeString()
  })

  test('Prometheus scrapes every tts-edge pod, naming each by its pod (the `instance` label)', () => {
    const monitor = findObject(objects, 'PodMonitor', 'tts-edge')
    const deployment = findObject(objects, 'Deployment', 'tts-edge')
    expect(selects(monitor.spec.selector.matchLabels, deployment)).toBe(true)
    const endpoint = monitor.spec.podMetricsEndpoints[0]
    expect(mainContainer(deployment).ports.map((p: any) => p.name)).toContain(endpoint.port)
    expect(endpoint.path).toBe('/metrics')
    expect(endpoint.relabelings).toContainEqual({ sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'instance' })
    // The job label is the value of the pod label jobLabel names: the one the dashboard's `instance` variable lists.
    const job = deployment.spec.template.metadata.labels[monitor.spec.jobLabel]
    const dashboard = JSON.parse(read('grafana/dashboards/tts-edge.json'))
    const instanceVariable = dashboard.templating.list.find((v: any) => v.name === 'instance')
    expect(instanceVariable.query.query).toBe(`label_values(up{job="${job}"}, instance)`)
  })

  test("the dashboard charts each replica's queue against the ScaledObject's per-replica threshold", () => {
    const dashboard = JSON.parse(read('grafana/dashboards/tts-edge.json'))
    const panel = dashboard.panels.find((p: any) => p.title === 'Queue depth per replica')
    expect(panel.targets.map((t: any) => t.expr)).toEqual(['sum by (instance) (tts_synthesis_queue_depth{instance=~"$instance"})'])
    const threshold = scaledObject.spec.triggers.find((t: any) => t.type === 'prometheus').metadata.threshold
    expect(panel.fieldConfig.defaults.thresholds.steps.map((s: any) => s.value)).toContain(Number(threshold))
  })

  test('a PodDisruptionBudget lets at most one tts-edge replica go at a time', () => {
    const pdb = findObject(objects, 'PodDisruptionBudget', 'tts-edge')
    expect(selects(pdb.spec.selector.matchLabels, findObject(objects, 'Deployment', 'tts-edge'))).toBe(true)
    expect(pdb.spec.maxUnavailable).toBe(1)
  })
})

describe('Redis', () => {
  test('is a bounded LRU cache without persistence, its maxmemory under the memory limit', () => {
    const container = mainContainer(findObject(base, 'Deployment', 'redis'))
    const arg = (flag: string) => container.args[container.args.indexOf(flag) + 1]
    expect(arg('--maxmemory-policy')).toBe('allkeys-lru')
    expect(arg('--appendonly')).toBe('no')
    const mib = (q: string) => Number(/^(\d+)(mb|Mi)$/.exec(q)![1])
    expect(mib(arg('--maxmemory'))).toBeLessThan(mib(container.resources.limits.memory))
  })
})

describe('collector tiers', () => {
  const agent = collectorConfig(base, 'otel-agent', 'DaemonSet')
  const sampler = collectorConfig(base, 'otel-sampler', 'StatefulSet')
  const oneMachine = Bun.YAML.parse(read('otel/collector.yaml')) as any

  test("the sampler tier's tail_sampling is exactly otel/collector.yaml's", () => {
    expect(sampler.processors.tail_sampling).toEqual(oneMachine.processors.tail_sampling)
    expect(sampler.service.pipelines.traces.processors).toContain('tail_sampling')
  })

  test('agents route traces by trace id to every sampler through its headless Service', () => {
    const lb = agent.exporters.loadbalancing
    expect(lb.routing_key).toBe('traceID')
    expect(agent.service.pipelines.traces.exporters).toEqual(['loadbalancing'])
    const [service, namespace] = lb.resolver.dns.hostname.split('.')
    expect(namespace).toBe('tts-edge')
    const headless = findObject(base, 'Service', service)
    expect(headless.spec.clusterIP).toBe('None')
    const statefulSet = findObject(base, 'StatefulSet', 'otel-sampler')
    expect(statefulSet.spec.serviceName).toBe(service)
    expect(reachableWorkload(base, `${lb.resolver.dns.hostname}:${lb.resolver.dns.port}`)).toBe(statefulSet)
    expect(Object.keys(sampler.receivers.otlp.protocols)).toContain('grpc')
    expect(sampler.receivers.otlp.protocols.grpc.endpoint).toEndWith(`:${lb.resolver.dns.port}`)
  })

  test('logs and metrics leave the agents as they leave the one-machine collector, traces reach Tempo from the samplers', () => {
    for (const signal of ['logs', 'metrics']) {
      const exporters = agent.service.pipelines[signal].exporters
      expect(exporters).toEqual(oneMachine.service.pipelines[signal].exporters)
      for (const name of exporters) expect(new URL(agent.exporters[name].endpoint).pathname).toBe(new URL(oneMachine.exporters[name].endpoint).pathname)
    }
    expect(sampler.service.pipelines.traces.exporters).toEqual(oneMachine.service.pipelines.traces.exporters)
  })

  test('both tiers run the collector image compose.yaml pins', () => {
    const composeImage = (Bun.YAML.parse(read('compose.yaml')) as any).services['otel-collector'].image
    expect(mainContainer(findObject(base, 'DaemonSet', 'otel-agent')).image).toBe(composeImage)
    expect(mainContainer(findObject(base, 'StatefulSet', 'otel-sampler')).image).toBe(composeImage)
  })
})

describe('overlays', () => {
  test('gpu-engines runs Kokoro with one GPU on GPU nodes, as the default engine with espeak as fallback', () => {
    const kokoro = findObject(gpu, 'Deployment', 'kokoro')
    const pod = kokoro.spec.template.spec
    expect(mainContainer(kokoro).resources.limits['nvidia.com/gpu']).toBe(1)
    expect(Object.keys(pod.nodeSelector ?? {}).length).toBeGreaterThan(0)
    expect(pod.tolerations.map((t: any) => t.key)).toContain('nvidia.com/gpu')
    const deployment = findObject(gpu, 'Deployment', 'tts-edge')
    const env = Object.fromEntries(mainContainer(deployment).env.map((e: any) => [e.name, e.value]))
    const engines = Bun.YAML.parse(mountedConfigFile(gpu, deployment, env.TTS_ENGINES_FILE)) as any
    expect(engines.default).toBe('kokoro')
    expect(reachableWorkload(gpu, engines.engines.kokoro.url)).toBe(kokoro)
    expect(engines.engines[engines.fallback.at(-1)].kind).toBe('espeak')
    expect(mainContainer(deployment).resources.limits['nvidia.com/gpu']).toBeUndefined()
  })

  test('single-node needs only core API kinds, runs one tts-edge replica and no GPU', () => {
    expect(new Set(singleNode.map((o) => o.apiVersion))).toEqual(new Set(['v1', 'apps/v1']))
    expect(findObject(singleNode, 'Deployment', 'tts-edge').spec.replicas).toBe(1)
    expect(singleNode.some((o) => JSON.stringify(o).includes('nvidia.com/gpu'))).toBe(false)
  })

  test("the docs' one command applies the single-node overlay", () => {
    expect(read('docs/operations.md').includes('kubectl apply -k deploy/kubernetes/overlays/single-node')).toBe(true)
  })
})
