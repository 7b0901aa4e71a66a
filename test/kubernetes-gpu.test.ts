/**
 * GPU metrics on the gpu-engines overlay, checked without a GPU or a cluster: the DCGM exporter
 * DaemonSet matches what its pinned release needs (test/support/dcgm-facts.ts, each fact with its
 * source), its counters are fields that release knows, the PodMonitor keeps the GPU's pod labels,
 * and the recording rules to the runbook's tts_gpu_* series pass promtool's unit tests.
 */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parser as promqlParser } from '@prometheus-io/lezer-promql'
import { repoRoot } from './support/dashboard-queries.ts'
import { DCGM_EXPORTER } from './support/dcgm-facts.ts'
import { findObject, mainContainer, selects } from './support/kubernetes-objects.ts'
import { kustomizeBuild } from './support/kustomize.ts'
import { SEED_QUERIES } from './support/seed-queries.ts'

const OVERLAY = join(repoRoot, 'deploy/kubernetes/overlays/gpu-engines')
const objects = kustomizeBuild(OVERLAY)
const daemonSet = findObject(objects, 'DaemonSet', 'dcgm-exporter')
const exporter = mainContainer(daemonSet)
const podSpec = daemonSet.spec.template.spec
const rule = findObject(objects, 'PrometheusRule', 'tts-edge-gpu')
const rules = rule.spec.groups.flatMap((g: any) => g.rules) as { record?: string; alert?: string; expr: string; annotations?: Record<string, string> }[]

/** Metric names a PromQL expression selects. */
function selectedMetrics(expr: string): string[] {
  const names: string[] = []
  promqlParser.parse(expr).iterate({
    enter(node) {
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to))
    },
  })
  return names
}

/** The counters file the exporter reads, through the ConfigMap volume it mounts. */
function countersFile(): string[][] {
  const [flag, path] = exporter.args as string[]
  expect(flag).toBe('-f')
  const mount = exporter.volumeMounts.find((m: any) => path!.startsWith(`${m.mountPath}/`))
  const volume = podSpec.volumes.find((v: any) => v.name === mount.name)
  const configMap = findObject(objects, 'ConfigMap', volume.configMap.name)
  const text = configMap.data[path!.slice(mount.mountPath.length + 1)] as string
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(',').map((c) => c.trim()))
}

describe('DCGM exporter DaemonSet', () => {
  test('runs the pinned image on GPU nodes only, tolerating their taint', () => {
    expect(exporter.image).toBe(DCGM_EXPORTER.image)
    expect(podSpec.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' })
    expect(podSpec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' })
    // The same nodes the GPU engines are scheduled on.
    expect(findObject(objects, 'Deployment', 'kokoro').spec.template.spec.nodeSelector).toEqual(podSpec.nodeSelector)
  })

  test('maps GPUs to pods: Kubernetes mode on, the kubelet pod-resources directory mounted read-only from the host', () => {
    const env = Object.fromEntries(exporter.env.map((e: any) => [e.name, e.value]))
    expect(env[DCGM_EXPORTER.env.kubernetes]).toBe('true')
    expect(env[DCGM_EXPORTER.env.listen]).toBe(`:${DCGM_EXPORTER.port}`)
    const mount = exporter.volumeMounts.find((m: any) => m.mountPath === DCGM_EXPORTER.podResources)
    expect(mount.readOnly).toBe(true)
    expect(podSpec.volumes.find((v: any) => v.name === mount.name).hostPath.path).toBe(DCGM_EXPORTER.podResources)
  })

  test('serves its port and probes on the paths the release serves, with no capability and no escalation', () => {
    const port = exporter.ports.find((p: any) => p.name === 'metrics')
    expect(port.containerPort).toBe(DCGM_EXPORTER.port)
    for (const probe of [exporter.readinessProbe, exporter.livenessProbe]) {
      expect(DCGM_EXPORTER.paths).toContain(probe.httpGet.path)
      expect(probe.httpGet.port).toBe('metrics')
    }
    expect(exporter.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })
    expect(exporter.securityContext.capabilities.add).toBeUndefined()
  })

  test('exports only fields the pinned release knows, and every field the rules read', () => {
    const counters = countersFile()
    expect(counters.length).toBeGreaterThan(2)
    for (const [field, type, help] of counters) {
      expect(Object.keys(DCGM_EXPORTER.fields), `${field} is a DCGM field of ${DCGM_EXPORTER.fieldsSource}`).toContain(field!)
      expect(['gauge', 'counter']).toContain(type!)
      expect(help!.length).toBeGreaterThan(5)
    }
    const exported = new Set(counters.map(([field]) => field))
    const read = rules.filter((r) => r.record).flatMap((r) => selectedMetrics(r.expr))
    expect(read.length).toBeGreaterThan(0)
    for (const metric of read) expect(exported.has(metric), `${metric} is exported`).toBe(true)
    // The reason for our own list: the default one has no total.
    expect(DCGM_EXPORTER.defaultCountersLackTotal).toBe(true)
    expect(exported.has('DCGM_FI_DEV_FB_TOTAL')).toBe(true)
  })
})

describe('DCGM PodMonitor', () => {
  test('scrapes the exporter pods on their metrics port, keeping the GPU\'s own pod labels', () => {
    const monitor = findObject(objects, 'PodMonitor', 'dcgm-exporter')
    expect(selects(monitor.spec.selector.matchLabels, daemonSet)).toBe(true)
    const [endpoint] = monitor.spec.podMetricsEndpoints
    expect(endpoint.port).toBe('metrics')
    expect(DCGM_EXPORTER.paths).toContain(endpoint.path)
    expect(endpoint.honorLabels).toBe(true)
    expect(monitor.metadata.labels.release).toBe(findObject(objects, 'PodMonitor', 'tts-edge').metadata.labels.release)
  })
})

describe('GPU recording rules (PrometheusRule)', () => {
  test('record the runbook\'s three GPU series, grouping only by labels the exporter writes', () => {
    expect(rules.filter((r) => r.record).map((r) => r.record).sort()).toEqual(['tts_gpu_memory_total_bytes', 'tts_gpu_memory_used_bytes', 'tts_gpu_utilization_percent'])
    const known = new Set<string>([...DCGM_EXPORTER.labels, ...DCGM_EXPORTER.podLabels])
    for (const r of rules.filter((r) => r.record)) {
      for (const [, list] of r.expr.matchAll(/by \(([^)]*)\)/g)) for (const label of list!.split(',')) expect(known.has(label.trim()), `${r.record}: ${label}`).toBe(true)
      for (const [, label] of r.expr.matchAll(/([A-Za-z_]+)(?:=|!=)"/g)) expect(known.has(label!), `${r.record}: ${label}`).toBe(true)
    }
  })

  test('answer every GPU query of the seeds', () => {
    const recorded = new Set(rules.map((r) => r.record))
    const gpu = SEED_QUERIES.filter((q) => q.gpu)
    expect(gpu.length).toBeGreaterThan(3)
    for (const q of gpu) for (const metric of selectedMetrics(q.expr)) expect(recorded.has(metric), `${q.source}: ${metric}`).toBe(true)
  })

  test('promtool checks them and their unit tests pass (HighGPUMemory fires and stays quiet)', () => {
    const promtool = Bun.which('promtool')
    if (!promtool) throw new Error('promtool is not on PATH: install Debian prometheus (.ci/run does)')
    const dir = mkdtempSync(join(tmpdir(), 'gpu-rules-'))
    writeFileSync(join(dir, 'gpu-rules.yml'), JSON.stringify({ groups: rule.spec.groups }))
    copyFileSync(join(OVERLAY, 'gpu-rules.test.yml'), join(dir, 'gpu-rules.test.yml'))
    for (const args of [['check', 'rules', 'gpu-rules.yml'], ['test', 'rules', 'gpu-rules.test.yml']]) {
      const run = Bun.spawnSync([promtool, ...args], { cwd: dir })
      expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).toBe(0)
    }
    const tests = Bun.YAML.parse(readFileSync(join(OVERLAY, 'gpu-rules.test.yml'), 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === 'TTSHighGPUMemory')
    expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true)
    expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true)
  })

  test('the alert links a runbook section that exists', () => {
    const runbooks = readFileSync(join(repoRoot, 'docs', 'runbooks.md'), 'utf8')
    for (const r of rules.filter((r) => r.alert)) {
      expect(r.annotations!.runbook_url).toContain('/docs/runbooks.md#')
      const anchor = r.annotations!.runbook_url!.split('#')[1]!
      const heading = runbooks.split('\n').find((l) => l.startsWith('## ') && l.slice(3).toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-') === anchor)
      expect(heading, `docs/runbooks.md section for #${anchor}`).toBeDefined()
    }
  })
})
