/**
 * A small, strict subset of `kustomize build` (what `kubectl apply -k` runs), so the manifest
 * tests need no kubectl or kustomize binary: neither is packaged by Debian or npm here.
 *
 * Supported, as kustomize v5 does them: `resources` (files and directories), `namespace`,
 * `labels` (pairs on metadata.labels only), `configMapGenerator` (`files`, behavior create /
 * replace / merge), `secretGenerator` (`envs`, `literals`), content-hash name suffixes with the
 * references in pod templates renamed, and `patches` with a `path` to a strategic-merge patch
 * (maps merge, known lists merge on their key, `$patch: delete` removes an object).
 * Anything else in a kustomization.yaml, or an unknown `$patch`, throws instead of being
 * silently ignored. test/kubernetes.test.ts compares the result with `kubectl kustomize` when
 * that is installed, so the subset cannot drift from the real thing unnoticed.
 */
import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'

/** One Kubernetes object as parsed from YAML. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any }

interface Resource {
  obj: K8sObject
  /** Set on generated ConfigMaps and Secrets: their name before the hash suffix. */
  generatedName?: string
}

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'configMapGenerator', 'secretGenerator', 'patches'])
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass'])
/** Strategic-merge keys of the list fields these manifests patch (from the Kubernetes API's patchMergeKey). */
const MERGE_KEYS: Record<string, string> = { containers: 'name', initContainers: 'name', env: 'name', volumes: 'name', volumeMounts: 'mountPath', tolerations: '', imagePullSecrets: 'name' }

/**
 * Every YAML document of a file that is not empty (a file of comments parses to null).
 *
 * @example
 * parseYamlDocuments('a: 1\n---\nb: 2\n') // [{ a: 1 }, { b: 2 }]
 */
export function parseYamlDocuments(text: string): any[] {
  return text
    .split(/^---[ \t]*$/m)
    .map((doc) => Bun.YAML.parse(doc))
    .filter((doc) => doc !== null && doc !== undefined)
}

/**
 * Builds the kustomization in `dir` like `kustomize build dir`.
 *
 * @example
 * const objects = kustomizeBuild('deploy/kubernetes/overlays/single-node')
 * objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'tts-edge')
 */
export function kustomizeBuild(dir: string): K8sObject[] {
  const resources = build(dir)
  applyHashSuffixes(resources)
  return resources.map((r) => r.obj)
}

function build(dir: string): Resource[] {
  const k = Bun.YAML.parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as any
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED_FIELDS.has(key))
  if (unsupported.length) throw new Error(`${dir}/kustomization.yaml: unsupported by the test's kustomize subset: ${unsupported.join(', ')}`)

  const resources: Resource[] = []
  for (const entry of k.resources ?? []) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) resources.push(...build(path))
    else resources.push(...parseYamlDocuments(readFileSync(path, 'utf8')).map((obj) => ({ obj })))
  }
  for (const gen of k.configMapGenerator ?? []) generate(resources, 'ConfigMap', gen, configMapData(dir, gen))
  for (const gen of k.secretGenerator ?? []) generate(resources, 'Secret', gen, secretData(dir, gen))
  for (const patch of k.patches ?? []) {
    if (typeof patch.path !== 'string' || Object.keys(patch).length !== 1) throw new Error(`${dir}: only patches with a path are supported`)
    for (const doc of parseYamlDocuments(readFileSync(join(dir, patch.path), 'utf8'))) applyPatch(resources, doc, `${dir}/${patch.path}`)
  }
  if (k.namespace) for (const { obj } of resources) if (!CLUSTER_SCOPED.has(obj.kind)) obj.metadata.namespace = k.namespace
  for (const set of k.labels ?? []) {
    if (set.includeSelectors || set.includeTemplates) throw new Error(`${dir}: labels with includeSelectors/includeTemplates are not supported`)
    for (const { obj } of resources) obj.metadata.labels = { ...obj.metadata.labels, ...set.pairs }
  }
  return resources
}

function configMapData(dir: string, gen: any): Record<string, string> {
  const data: Record<string, string> = {}
  for (const spec of gen.files ?? []) {
    const [key, path] = spec.includes('=') ? spec.split('=', 2) : [basename(spec), spec]
    data[key] = readFileSync(join(dir, path), 'utf8')
  }
  return data
}

function secretData(dir: string, gen: any): Record<string, string> {
  const plain: Record<string, string> = {}
  const pairs = [...(gen.literals ?? [])]
  for (const file of gen.envs ?? []) pairs.push(...readFileSync(join(dir, file), 'utf8').split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#')))
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new Error(`${dir}: secretGenerator ${gen.name}: expected KEY=value, got ${JSON.stringify(pair)}`)
    plain[pair.slice(0, eq).trim()] = pair.slice(eq + 1)
  }
  return Object.fromEntries(Object.entries(plain).map(([key, value]) => [key, Buffer.from(value).toString('base64')]))
}

function generate(resources: Resource[], kind: 'ConfigMap' | 'Secret', gen: any, data: Record<string, string>): void {
  const behavior = gen.behavior ?? 'create'
  const existing = resources.find((r) => r.obj.kind === kind && r.generatedName === gen.name)
  if (behavior === 'create') {
    if (existing) throw new Error(`${kind} ${gen.name} is generated twice; use behavior: replace or merge`)
    const obj: K8sObject = { apiVersion: 'v1', kind, metadata: { name: gen.name }, data }
    if (kind === 'Secret') obj.type = 'Opaque'
    resources.push({ obj, generatedName: gen.name })
  } else if (behavior === 'replace' || behavior === 'merge') {
    if (!existing) throw new Error(`${kind} ${gen.name}: behavior ${behavior} but no base generates it`)
    existing.obj.data = behavior === 'replace' ? data : { ...existing.obj.data, ...data }
  } else throw new Error(`${kind} ${gen.name}: unknown behavior ${behavior}`)
}

function applyPatch(resources: Resource[], patch: any, where: string): void {
  const { $patch: directive, ...body } = patch
  const index = resources.findIndex((r) => r.obj.kind === body.kind && (r.generatedName ?? r.obj.metadata.name) === body.metadata?.name)
  if (index < 0) throw new Error(`${where}: no ${body.kind} ${body.metadata?.name} to patch`)
  if (directive === 'delete') resources.splice(index, 1)
  else if (directive === undefined) resources[index]!.obj = strategicMerge(resources[index]!.obj, body, '')
  else throw new Error(`${where}: unsupported $patch: ${directive}`)
}

function strategicMerge(target: any, patch: any, field: string): any {
  if (patch === null) return undefined
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field]
    if (!key || !Array.isArray(target)) return patch
    const merged = [...target]
    for (const item of patch) {
      const at = merged.findIndex((t) => t?.[key] === item?.[key])
      if (at >= 0) merged[at] = strategicMerge(merged[at], item, '')
      else merged.push(item)
    }
    return merged
  }
  if (typeof patch !== 'object' || typeof target !== 'object' || target === null || Array.isArray(target)) return patch
  const out: any = { ...target }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`unsupported patch directive ${key}`)
    const merged = strategicMerge(target[key], value, key)
    if (merged === undefined) delete out[key]
    else out[key] = merged
  }
  return out
}

/**
 * kustomize's name suffix (api/hasher): the first 10 hex digits of the sha256 of
 * {data, kind, name, type?} as JSON, with some digits swapped for letters. `name` is always ""
 * there: the hasher looks up the one-segment path "metadata/name", which never exists.
 */
function contentHash(obj: K8sObject): string {
  const fields: Record<string, unknown> = { kind: obj.kind, name: '', data: obj.data ?? {} }
  if (obj.kind === 'Secret') fields.type = obj.type
  const hex = createHash('sha256').update(goJson(fields)).digest('hex').slice(0, 10)
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' }
  return [...hex].map((c) => swap[c] ?? c).join('')
}

/** JSON as Go's encoding/json writes it: sorted map keys, and <, >, & escaped. */
function goJson(value: unknown): string {
  const sorted = (v: any): any =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function applyHashSuffixes(resources: Resource[]): void {
  const renamed = new Map<string, string>()
  for (const r of resources) {
    if (!r.generatedName) continue
    r.obj.metadata.name = `${r.generatedName}-${contentHash(r.obj)}`
    renamed.set(`${r.obj.kind}/${r.generatedName}`, r.obj.metadata.name)
  }
  const rename = (kind: string, ref: any, field: string) => {
    const name = ref && renamed.get(`${kind}/${ref[field]}`)
    if (name) ref[field] = name
  }
  for (const { obj } of resources) {
    const pod = obj.spec?.template?.spec
    if (!pod) continue
    for (const volume of pod.volumes ?? []) {
      rename('ConfigMap', volume.configMap, 'name')
      rename('Secret', volume.secret, 'secretName')
    }
    for (const container of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
      for (const from of container.envFrom ?? []) {
        rename('ConfigMap', from.configMapRef, 'name')
        rename('Secret', from.secretRef, 'name')
      }
      for (const env of container.env ?? []) {
        rename('ConfigMap', env.valueFrom?.configMapKeyRef, 'name')
        rename('Secret', env.valueFrom?.secretKeyRef, 'name')
      }
    }
  }
}
