/**
 * What the filelog receiver of the pinned collector (otel/opentelemetry-collector-contrib:0.157.0,
 * compose.yaml) accepts and does, for the operators deploy/kubernetes/base/collector/agent.yaml
 * uses. Read from the source of open-telemetry/opentelemetry-collector-contrib (the stanza
 * library, pkg/stanza); each entry names the file. The keys are the `mapstructure` tags of the
 * operator's Config struct and of the helpers it embeds with `,squash` (TransformerConfig:
 * `id`, `output`, `on_error`, `if`; ParserConfig adds `parse_from`, `parse_to`, `body`,
 * `timestamp`, `severity`, `trace`, `scope_name`). test/support/filelog-pipeline.ts models
 * what each operator does to a record, from the same files.
 */

const TRANSFORMER = ['id', 'type', 'output', 'on_error', 'if']
const PARSER = [...TRANSFORMER, 'parse_from', 'parse_to', 'body', 'timestamp', 'severity', 'trace', 'scope_name']

export interface OperatorFact {
  keys: string[]
  source: string
}

export const OPERATORS: Record<string, OperatorFact> = {
  container: {
    keys: [...PARSER, 'format', 'add_metadata_from_filepath', 'max_log_size'],
    source:
      'pkg/stanza/operator/parser/container/config.go, parser.go: formats docker (a JSON line), crio and containerd ("<time> <stdout|stderr> <P|F> <line>"); `log` becomes the body, `stream` the attribute log.iostream, the tag the attribute logtag; partial (P) lines are joined until F (an internal recombine on attributes["log.file.path"]); add_metadata_from_filepath (default true) sets resource k8s.namespace.name, k8s.pod.name, k8s.pod.uid, k8s.container.name, k8s.container.restart_count from ".../<namespace>_<pod>_<uid>/<container>/<restart>.log"',
  },
  json_parser: { keys: PARSER, source: 'pkg/stanza/operator/parser/json/config.go; helper/parser.go: parse_to defaults to attributes; a map is merged into it (entry/attribute_field.go Set -> Merge); the body is left as it was unless `body` names a field' },
  move: { keys: [...TRANSFORMER, 'from', 'to'], source: 'pkg/stanza/operator/transformer/move/config.go: an error when `from` is missing' },
  add: { keys: [...TRANSFORMER, 'field', 'value'], source: 'pkg/stanza/operator/transformer/add/config.go' },
  remove: { keys: [...TRANSFORMER, 'field'], source: 'pkg/stanza/operator/transformer/remove/transformer.go: "remove: field does not exist" is an error, handled by on_error (default send, logged at error level)' },
  retain: {
    keys: [...TRANSFORMER, 'fields'],
    source: 'pkg/stanza/operator/transformer/retain/transformer.go: builds a new entry keeping timestamps, and resource/attributes/body unless one of their fields is listed, then the listed fields; the trace ids, severity and scope of the old entry are not carried over, so retain runs before their parsers',
  },
  router: { keys: ['id', 'type', 'routes', 'default'], source: 'pkg/stanza/operator/transformer/router/config.go: routes of {expr, output, attributes}, `default` for entries no route matches' },
  time_parser: { keys: [...TRANSFORMER, 'parse_from', 'layout_type', 'layout', 'location'], source: 'pkg/stanza/operator/helper/time.go: layout_type epoch with layout s|ms|us|ns|s.ms|s.us|s.ns; ms: time.Unix(ms/1e3, (ms%1e3)*1e6)' },
  severity_parser: {
    keys: [...TRANSFORMER, 'parse_from', 'preset', 'mapping', 'overwrite_text'],
    source: 'pkg/stanza/operator/helper/severity_builder.go, severity.go: the default preset maps "10" to INFO2 and "20" to ERROR4, so pino levels need preset none; a whole float64 is looked up as its integer string; overwrite_text sets the text to the level name (INFO), else it is the raw value ("30")',
  },
  trace_parser: { keys: [...TRANSFORMER, 'trace_id', 'span_id', 'trace_flags'], source: 'pkg/stanza/operator/helper/trace.go: each {parse_from}, hex-decoded; a missing field leaves that id empty, no error' },
  scope_name_parser: { keys: [...TRANSFORMER, 'parse_from'], source: 'pkg/stanza/operator/parser/scope/config.go, helper/scope_name.go' },
  noop: { keys: ['id', 'type', 'output'], source: 'pkg/stanza/operator/transformer/noop/config.go' },
}

/** `on_error` values (helper/transformer.go). */
export const ON_ERROR = ['send', 'send_quiet', 'drop', 'drop_quiet']

/** Keys of the filelog receiver used by agent.yaml (receiver/filelogreceiver/filelog.go; pkg/stanza/fileconsumer/config.go). */
export const FILELOG_KEYS = ['include', 'exclude', 'start_at', 'include_file_path', 'include_file_name', 'operators', 'storage', 'poll_interval', 'encoding']

/**
 * Resource attributes Loki turns into index labels by default (loki/loki.yaml keeps the defaults):
 * grafana/loki pkg/loghttp/push/otlp_config.go, GlobalOTLPConfig.RegisterFlags. Every other
 * resource, scope and log attribute, and the record's trace and span ids, become structured metadata.
 */
export const LOKI_DEFAULT_INDEX_LABELS = [
  'cloud.availability_zone',
  'cloud.region',
  'container.name',
  'deployment.environment',
  'deployment.environment.name',
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.cronjob.name',
  'k8s.daemonset.name',
  'k8s.deployment.name',
  'k8s.job.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.replicaset.name',
  'k8s.statefulset.name',
  'service.instance.id',
  'service.name',
  'service.namespace',
]
