/**
 * Runs a filelog receiver's operators (deploy/kubernetes/base/collector/agent.yaml) on lines of a
 * container log file, the way the pinned collector's stanza operators do (test/support/filelog-facts.ts
 * names the source of each behaviour). Only what agent.yaml uses is modelled; an operator type,
 * key or expression outside that throws, so a config change the model cannot judge fails loudly.
 */
import { OPERATORS, ON_ERROR } from './filelog-facts.ts'

/** A log record as the receiver hands it on. */
export interface FileRecord {
  body: unknown
  attributes: Record<string, unknown>
  resource: Record<string, unknown>
  timestampMs?: number
  severityNumber?: number
  severityText?: string
  traceId?: string
  spanId?: string
  traceFlags?: string
  scopeName?: string
}

type Operator = Record<string, any> & { type: string; id?: string; output?: string }

// OTel severity numbers of the level names a mapping may use (pkg/stanza/entry/severity.go).
const SEVERITY: Record<string, [number, string]> = { trace: [1, 'TRACE'], debug: [5, 'DEBUG'], info: [9, 'INFO'], warn: [13, 'WARN'], error: [17, 'ERROR'], fatal: [21, 'FATAL'] }
const CRI = /^(?<time>[^ ^Z]+Z) (?<stream>stdout|stderr) (?<logtag>[^ ]*) ?(?<log>.*)$/
const POD_LOG_PATH = /^.*\/(?<namespace>[^_]+)_(?<pod>[^_]+)_(?<uid>[a-f0-9-]+)\/(?<container>[^._]+)\/(?<restart>\d+)\.log$/

/** `attributes.a.b`, `resource["k.x"]`, `body`: where a field lives and its path. */
function field(spec: string): { root: 'attributes' | 'resource' | 'body'; path: string[] } {
  const m = /^(attributes|resource|body)((?:\.[\w]+|\["[^"]+"\])*)$/.exec(spec)
  if (!m) throw new Error(`field syntax not modelled: ${spec}`)
  const path = [...m[2]!.matchAll(/\.([\w]+)|\["([^"]+)"\]/g)].map((p) => p[1] ?? p[2]!)
  return { root: m[1] as 'attributes' | 'resource' | 'body', path }
}

function get(r: FileRecord, spec: string): unknown {
  const { root, path } = field(spec)
  let value: any = root === 'body' ? r.body : r[root]
  for (const key of path) value = value && typeof value === 'object' ? value[key] : undefined
  return value
}

function set(r: FileRecord, spec: string, value: unknown): void {
  const { root, path } = field(spec)
  if (root === 'body' && path.length === 0) return void (r.body = value)
  if (root === 'body') throw new Error('body subfields not modelled')
  let target: any = r[root]
  for (const key of path.slice(0, -1)) target = target[key] ??= {}
  if (path.length === 0) Object.assign(target, value) // a map set on the root is merged
  else target[path.at(-1)!] = value
}

function remove(r: FileRecord, spec: string): boolean {
  const { root, path } = field(spec)
  if (root === 'body' || path.length !== 1) throw new Error(`remove of ${spec} not modelled`)
  const had = path[0]! in r[root]
  delete r[root][path[0]!]
  return had
}

/** The two expression forms agent.yaml uses. */
function evaluate(expr: string, r: FileRecord): boolean {
  const matches = /^body matches "(.*)"$/.exec(expr)
  if (matches) return typeof r.body === 'string' && new RegExp(matches[1]!.replaceAll('\\\\', '\\')).test(r.body)
  const present = /^(attributes\.\w+) != nil$/.exec(expr)
  if (present) return get(r, present[1]!) !== undefined
  throw new Error(`expression not modelled: ${expr}`)
}

function check(op: Operator): void {
  const fact = OPERATORS[op.type]
  if (!fact) throw new Error(`operator type ${op.type} is not one agent.yaml is checked for`)
  for (const key of Object.keys(op)) if (!fact.keys.includes(key)) throw new Error(`${op.type}: key ${key} is not in its Config (${fact.source})`)
  if (op.on_error !== undefined && !ON_ERROR.includes(op.on_error)) throw new Error(`${op.type}: on_error ${op.on_error}`)
}

/** Applies one operator; returns the id of the next operator, or undefined for "the next in the list". */
function apply(op: Operator, r: FileRecord): string | undefined {
  if (op.if !== undefined && !evaluate(op.if, r)) return op.output
  switch (op.type) {
    case 'container': {
      const m = CRI.exec(String(r.body))
      if (!m) throw new Error(`not a CRI line: ${r.body}`)
      r.timestampMs = Date.parse(m.groups!.time!)
      r.body = m.groups!.log
      Object.assign(r.attributes, { 'log.iostream': m.groups!.stream, logtag: m.groups!.logtag })
      if (op.add_metadata_from_filepath !== false) {
        // The path comes from the attribute include_file_path adds (container/parser.go, extractk8sMetaFromFilePath).
        const p = POD_LOG_PATH.exec(String(r.attributes['log.file.path'] ?? ''))
        if (!p) throw new Error('container: no pod log path in attributes["log.file.path"] (include_file_path: true?)')
        const g = p.groups!
        Object.assign(r.resource, { 'k8s.namespace.name': g.namespace, 'k8s.pod.name': g.pod, 'k8s.pod.uid': g.uid, 'k8s.container.name': g.container, 'k8s.container.restart_count': g.restart })
      }
      break
    }
    case 'remove':
      if (!remove(r, op.field)) throw new Error(`remove: field does not exist: ${op.field} (on_error ${op.on_error ?? 'send'} logs it)`)
      break
    case 'add':
      set(r, op.field, op.value)
      break
    case 'router':
      return op.routes.find((route: { expr: string }) => evaluate(route.expr, r))?.output ?? op.default
    case 'json_parser':
      set(r, op.parse_to ?? 'attributes', JSON.parse(String(get(r, op.parse_from ?? 'body'))))
      break
    case 'move': {
      const value = get(r, op.from)
      if (value === undefined) throw new Error(`move: field does not exist: ${op.from}`)
      const { root, path: from } = field(op.from)
      if (root !== 'attributes' || from.length !== 1) throw new Error(`move from ${op.from} not modelled`)
      delete r.attributes[from[0]!]
      set(r, op.to, value)
      break
    }
    case 'retain': {
      const kept: Record<string, unknown> = {}
      for (const spec of op.fields as string[]) {
        if (!spec.startsWith('attributes.')) throw new Error(`retain of ${spec} not modelled`)
        const value = get(r, spec)
        if (value !== undefined) kept[field(spec).path[0]!] = value
      }
      // A new entry: the ids, severity and scope parsed before are lost (retain/transformer.go).
      Object.assign(r, { attributes: kept, traceId: undefined, spanId: undefined, traceFlags: undefined, severityNumber: undefined, severityText: undefined, scopeName: undefined })
      break
    }
    case 'time_parser': {
      if (op.layout_type !== 'epoch' || op.layout !== 'ms') throw new Error('only epoch ms is modelled')
      r.timestampMs = Math.trunc(Number(get(r, op.parse_from)))
      break
    }
    case 'severity_parser': {
      if (op.preset !== 'none') throw new Error('only preset none is modelled (the default preset maps 10 and 20 to other levels)')
      const raw = get(r, op.parse_from)
      const text = typeof raw === 'number' ? String(Math.trunc(raw)) : String(raw).toLowerCase()
      const level = Object.entries(op.mapping as Record<string, unknown>).find(([, v]) => String(v) === text)?.[0]
      const [number, name] = level ? SEVERITY[level]! : [0, '']
      r.severityNumber = number
      r.severityText = op.overwrite_text && level ? name : String(raw)
      break
    }
    case 'trace_parser':
      r.traceId = get(r, op.trace_id.parse_from) as string | undefined
      r.spanId = get(r, op.span_id.parse_from) as string | undefined
      r.traceFlags = get(r, op.trace_flags.parse_from) as string | undefined
      break
    case 'scope_name_parser':
      r.scopeName = String(get(r, op.parse_from))
      break
    case 'noop':
      break
  }
  return op.output
}

/**
 * The records `receiver` (agent.yaml's filelog/tts-edge config) makes of `lines` read from `path`.
 *
 * @example
 * const [record] = runFilelog(agent.receivers['filelog/tts-edge'], '/var/log/pods/tts-edge_tts-edge-7d_0a1b/tts-edge/0.log', [criLine])
 */
export function runFilelog(receiver: { operators: Operator[]; include_file_path?: boolean }, path: string, lines: string[]): FileRecord[] {
  const ops = receiver.operators
  for (const op of ops) check(op)
  return lines.map((line) => {
    const r: FileRecord = { body: line, attributes: receiver.include_file_path ? { 'log.file.path': path } : {}, resource: {} }
    for (let i = 0; i < ops.length; ) {
      const next = apply(ops[i]!, r)
      i = next === undefined ? i + 1 : ops.findIndex((op) => op.id === next)
      if (i < 0) throw new Error(`no operator with id ${next}`)
    }
    return r
  })
}
