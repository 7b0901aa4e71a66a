/**
 * OTLP protobuf for spans (opentelemetry-proto v1 trace.proto, `Span`), with the same content
 * otlp-json.ts sends: ids, times, kind, attributes, events, links, status, flags, and the
 * resource and scope around them.
 */
import type { Link, SpanContext } from '@opentelemetry/api'
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base'
import { writeKeyValues } from './otlp-proto-common.ts'
import { spanFlags } from './otlp-values.ts'
import { encodeEnvelope } from './otlp-proto-envelope.ts'
import type { ProtoWriter } from './otlp-proto-writer.ts'

function writeUint(w: ProtoWriter, field: number, value: number | undefined): void {
  if (!value) return
  w.tag(field, 0)
  w.varint(value)
}

function writeTraceState(w: ProtoWriter, field: number, ctx: SpanContext): void {
  const state = ctx.traceState?.serialize()
  if (state) w.string(field, state)
}

function writeEvent(w: ProtoWriter, e: TimedEvent): void {
  const start = w.fork(11)
  w.tag(1, 1)
  w.nanos(e.time[0], e.time[1])
  w.string(2, e.name)
  if (e.attributes) writeKeyValues(w, 3, e.attributes)
  writeUint(w, 4, e.droppedAttributesCount)
  w.join(start)
}

function writeLink(w: ProtoWriter, l: Link): void {
  const ctx = l.context
  const start = w.fork(13)
  w.hexBytes(1, ctx.traceId)
  w.hexBytes(2, ctx.spanId)
  writeTraceState(w, 3, ctx)
  if (l.attributes) writeKeyValues(w, 4, l.attributes)
  writeUint(w, 5, l.droppedAttributesCount)
  w.tag(6, 5)
  w.fixed32(spanFlags(ctx.traceFlags, ctx.isRemote))
  w.join(start)
}

/**
 * Writes `s` as a `Span` in field 2 of the ScopeSpans being written.
 *
 * @example
 * batch.add((w) => writeSpan(w, span)) // span-batch.ts
 */
export function writeSpan(w: ProtoWriter, s: ReadableSpan): void {
  const ctx = s.spanContext()
  const parent = s.parentSpanContext
  const start = w.fork(2, 2)
  w.hexBytes(1, ctx.traceId)
  w.hexBytes(2, ctx.spanId)
  writeTraceState(w, 3, ctx)
  if (parent?.spanId) w.hexBytes(4, parent.spanId)
  w.string(5, s.name)
  // API kinds start at 0 = INTERNAL, the proto's at 1 (0 is UNSPECIFIED).
  writeUint(w, 6, s.kind == null ? 0 : s.kind + 1)
  w.tag(7, 1)
  w.nanos(s.startTime[0], s.startTime[1])
  w.tag(8, 1)
  w.nanos(s.endTime[0], s.endTime[1])
  writeKeyValues(w, 9, s.attributes)
  writeUint(w, 10, s.droppedAttributesCount)
  for (const e of s.events) writeEvent(w, e)
  writeUint(w, 12, s.droppedEventsCount)
  for (const l of s.links) writeLink(w, l)
  writeUint(w, 14, s.droppedLinksCount)
  if (s.status.code || s.status.message) {
    const status = w.fork(15)
    if (s.status.message) w.string(2, s.status.message)
    writeUint(w, 3, s.status.code)
    w.join(status)
  }
  w.tag(16, 5)
  w.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote))
  w.join(start, 2)
}

/** Spans of one scope are grouped by name/version/schemaUrl, like the SDK's own transformer. */
const spanScopeKey = (s: { name: string; version?: string; schemaUrl?: string }) => `${s.name}@${s.version ?? ''}:${s.schemaUrl ?? ''}`

/**
 * The body of an OTLP/HTTP protobuf `ExportTraceServiceRequest` for `spans`.
 *
 * @example
 * await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeSpansProto(spans) })
 */
export function encodeSpansProto(spans: readonly ReadableSpan[]): Uint8Array<ArrayBuffer> {
  return encodeEnvelope(spans, spanScopeKey, writeSpan)
}
