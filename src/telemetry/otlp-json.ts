/**
 * OTLP/JSON request bodies for spans and log records.
 *
 * Leaner than the SDK's otlp-transformer (about a third less CPU per span, measured in the
 * service): no encoder indirection or BigInt per timestamp, the resource and scope (the
 * same objects for every span) are converted once and cached, and the tree goes through
 * one native JSON.stringify, which beat appending strings field by field.
 *
 * Wire format (opentelemetry-proto/docs/specification.md, "JSON Protobuf Encoding"):
 * lowerCamelCase keys, trace/span ids as hex, enums as numbers, 64-bit integers
 * (timestamps, `intValue`) as decimal strings, as the protobuf JSON mapping prescribes.
 * Field order and content follow what @opentelemetry/exporter-*-otlp-http 0.219 sends,
 * which the tests compare against.
 */
import type { HrTime, Link, SpanContext } from '@opentelemetry/api'
import type { InstrumentationScope } from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base'
import { groupByScope } from './otlp-groups.ts'
import { spanFlags, wideInt64 } from './otlp-values.ts'


/** Nanoseconds since the epoch as a decimal string, without BigInt in the common case. */
function nanos(time: HrTime): string {
  const seconds = Math.trunc(time[0])
  const ns = Math.trunc(time[1])
  if (seconds > 0 && ns >= 0 && ns < 1e9) return `${seconds}${String(ns).padStart(9, '0')}`
  return String(BigInt(seconds) * 1_000_000_000n + BigInt(ns))
}

type AnyValue =
  | { stringValue: string } | { boolValue: boolean } | { intValue: string } | { doubleValue: number | string }
  | { bytesValue: string } | { arrayValue: { values: AnyValue[] } } | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>
type KeyValue = { key: string; value: AnyValue }

/** One AnyValue. Covers every attribute value type and the `AnyValue` bodies of log records. */
function anyValue(value: unknown): AnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value }
    case 'boolean':
      return { boolValue: value }
    case 'number':
      return numberValue(value)
    case 'object':
      if (value === null) return {}
      if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value).toString('base64') }
      if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } }
      return { kvlistValue: { values: keyValues(value as Record<string, unknown>) } }
    default:
      return {}
  }
}

function numberValue(value: number): AnyValue {
  if (Number.isSafeInteger(value)) return { intValue: String(value) }
  // Integral but beyond 2^53: exact as a decimal if an int64 can hold it, else it stays a double.
  const big = wideInt64(value)
  if (big !== undefined) return { intValue: String(big) }
  // The protobuf JSON mapping spells non-finite doubles as strings; JSON.stringify would write null.
  if (!Number.isFinite(value)) return { doubleValue: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' }
  return { doubleValue: value }
}

/** A `KeyValue` list; `undefined` values (which the API tolerates) are sent empty, as upstream does. */
function keyValues(attributes: Record<string, unknown>): KeyValue[] {
  const out: KeyValue[] = []
  for (const key in attributes) out.push({ key, value: anyValue(attributes[key]) })
  return out
}

/** Undefined (hence left out by JSON.stringify) when there is no trace state. */
const traceState = (ctx: SpanContext) => ctx.traceState?.serialize() || undefined

type Scope = InstrumentationScope & { attributes?: Record<string, unknown>; droppedAttributesCount?: number }
type EncodedResource = { attributes: KeyValue[]; droppedAttributesCount: number }
type EncodedScope = { name: string; version?: string; attributes?: KeyValue[]; droppedAttributesCount?: number }

const resources = new WeakMap<Resource, EncodedResource>()
const scopes = new WeakMap<Scope, EncodedScope>()

function resourceOf(resource: Resource): EncodedResource {
  let encoded = resources.get(resource)
  if (!encoded) {
    // The resource's schemaUrl belongs to ResourceSpans/ResourceLogs (the Resource message has no such field).
    encoded = { attributes: keyValues(resource.attributes), droppedAttributesCount: 0 }
    // Attributes still being detected would be cached incomplete; encode those every time.
    if (!resource.asyncAttributesPending) resources.set(resource, encoded)
  }
  return encoded
}

function scopeOf(scope: Scope): EncodedScope {
  let encoded = scopes.get(scope)
  if (!encoded) {
    encoded = { name: scope.name, ...(scope.version !== undefined && { version: scope.version }) }
    if (scope.attributes && Object.keys(scope.attributes).length > 0) {
      encoded.attributes = keyValues(scope.attributes)
      encoded.droppedAttributesCount = scope.droppedAttributesCount ?? 0
    }
    scopes.set(scope, encoded)
  }
  return encoded
}

/**
 * `{<resourceKey>:[{resource, <scopeKey>:[{scope, <itemsKey>:[...], schemaUrl}], schemaUrl}]}`, grouped
 * by resource and scope (otlp-groups.ts).
 */
function envelope<T extends { resource: Resource; instrumentationScope: Scope }>(
  items: readonly T[],
  keys: { resource: string; scope: string; items: string },
  scopeKey: (scope: Scope) => unknown,
  encode: (item: T) => unknown,
): string {
  const out: unknown[] = []
  for (const [resource, groups] of groupByScope(items, scopeKey)) {
    const scoped: unknown[] = []
    for (const { scope, items: grouped } of groups) {
      scoped.push({ scope: scopeOf(scope), [keys.items]: grouped.map(encode), schemaUrl: scope.schemaUrl || undefined })
    }
    out.push({ resource: resourceOf(resource), [keys.scope]: scoped, schemaUrl: resource.schemaUrl || undefined })
  }
  return JSON.stringify({ [keys.resource]: out })
}

function event(e: TimedEvent) {
  const attributes = e.attributes ? keyValues(e.attributes) : []
  return { attributes, name: e.name, timeUnixNano: nanos(e.time), droppedAttributesCount: e.droppedAttributesCount ?? 0 }
}

function link(l: Link) {
  const ctx = l.context
  return {
    attributes: l.attributes ? keyValues(l.attributes) : [],
    spanId: ctx.spanId,
    traceId: ctx.traceId,
    traceState: traceState(ctx),
    droppedAttributesCount: l.droppedAttributesCount ?? 0,
    flags: spanFlags(ctx.traceFlags, ctx.isRemote),
  }
}

function span(s: ReadableSpan) {
  const ctx = s.spanContext()
  const parent = s.parentSpanContext
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: parent?.spanId || undefined,
    traceState: traceState(ctx),
    name: s.name,
    kind: s.kind == null ? 0 : s.kind + 1, // API kinds start at 0 = INTERNAL, the proto's at 1 (0 is UNSPECIFIED)
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: keyValues(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map(event),
    droppedEventsCount: s.droppedEventsCount,
    status: { code: s.status.code, message: s.status.message },
    links: s.links.map(link),
    droppedLinksCount: s.droppedLinksCount,
    flags: spanFlags(ctx.traceFlags, parent?.isRemote),
  }
}

function logRecord(l: ReadableLogRecord) {
  const ctx = l.spanContext
  const time = nanos(l.hrTime)
  return {
    timeUnixNano: time,
    // Our shipper observes a line when it is written: the same HrTime, converted once.
    observedTimeUnixNano: l.hrTimeObserved === l.hrTime ? time : nanos(l.hrTimeObserved),
    severityNumber: l.severityNumber,
    severityText: l.severityText,
    body: l.body === undefined ? undefined : anyValue(l.body),
    eventName: l.eventName,
    attributes: keyValues(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount,
    flags: ctx?.traceFlags,
    traceId: ctx?.traceId,
    spanId: ctx?.spanId,
  }
}

const SPAN_KEYS = { resource: 'resourceSpans', scope: 'scopeSpans', items: 'spans' }
const LOG_KEYS = { resource: 'resourceLogs', scope: 'scopeLogs', items: 'logRecords' }

/** Spans of one scope are grouped by name/version/schemaUrl, like the SDK's own transformer. */
const spanScopeKey = (s: Scope) => `${s.name}@${s.version ?? ''}:${s.schemaUrl ?? ''}`
/** Log scopes are stable objects in sdk-logs, so identity groups them (as upstream does). */
const logScopeKey = (s: Scope) => s

/**
 * The body of an OTLP/HTTP JSON `ExportTraceServiceRequest` for `spans`.
 *
 * @example
 * await fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: encodeSpans(spans) })
 */
export function encodeSpans(spans: readonly ReadableSpan[]): string {
  return envelope(spans, SPAN_KEYS, spanScopeKey, span)
}

/**
 * The body of an OTLP/HTTP JSON `ExportLogsServiceRequest` for `logs`.
 *
 * @example
 * await fetch(`${endpoint}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: encodeLogRecords(logs) })
 */
export function encodeLogRecords(logs: readonly ReadableLogRecord[]): string {
  return envelope(logs, LOG_KEYS, logScopeKey, logRecord)
}
