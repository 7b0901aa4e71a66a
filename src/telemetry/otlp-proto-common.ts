/**
 * The parts of OTLP protobuf both signals share (opentelemetry-proto v1, common.proto and
 * resource.proto): AnyValue, KeyValue, and the Resource and InstrumentationScope of a batch,
 * encoded once per object and then copied as bytes.
 *
 * Values map as in otlp-json.ts, so a collector decodes the same data from either encoding:
 * safe integers (and larger integers an int64 holds) as `int_value`, other numbers as
 * `double_value`, Uint8Array as `bytes_value`, arrays and objects as array/kvlist values,
 * and null or undefined as an empty AnyValue.
 */
import type { InstrumentationScope } from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'
import { ProtoWriter } from './otlp-proto-writer.ts'
import { wideInt64 } from './otlp-values.ts'

const MASK_32 = 0xffff_ffffn

/** Writes `value` as an AnyValue in field `field` of the message being written. */
export function writeAnyValue(w: ProtoWriter, field: number, value: unknown): void {
  const start = w.fork(field)
  switch (typeof value) {
    case 'string':
      w.string(1, value)
      break
    case 'boolean':
      w.tag(2, 0)
      w.varint(value ? 1 : 0)
      break
    case 'number':
      writeNumber(w, value)
      break
    case 'object':
      if (value === null) break
      if (value instanceof Uint8Array) {
        w.tag(7, 2)
        w.varint(value.length)
        w.raw(value)
      } else if (Array.isArray(value)) {
        const list = w.fork(5)
        for (const item of value) writeAnyValue(w, 1, item)
        w.join(list)
      } else {
        const list = w.fork(6)
        writeKeyValues(w, 1, value as Record<string, unknown>)
        w.join(list)
      }
      break
  }
  w.join(start)
}

function writeNumber(w: ProtoWriter, value: number): void {
  if (Number.isSafeInteger(value)) {
    w.tag(3, 0)
    w.int64(value)
    return
  }
  const big = wideInt64(value)
  if (big !== undefined) {
    const bits = BigInt.asUintN(64, big)
    w.tag(3, 0)
    w.varint64(Number(bits & MASK_32), Number(bits >> 32n))
    return
  }
  w.tag(4, 1)
  w.double(value)
}

/** One KeyValue in field `field`. */
export function writeKeyValue(w: ProtoWriter, field: number, key: string, value: unknown): void {
  const start = w.fork(field)
  w.string(1, key)
  writeAnyValue(w, 2, value)
  w.join(start)
}

/** Every attribute as a KeyValue in field `field` (undefined values are sent empty, as upstream does). */
export function writeKeyValues(w: ProtoWriter, field: number, attributes: Record<string, unknown>): void {
  for (const key in attributes) writeKeyValue(w, field, key, attributes[key])
}

type Scope = InstrumentationScope & { attributes?: Record<string, unknown>; droppedAttributesCount?: number }

const resources = new WeakMap<Resource, Uint8Array>()
const scopes = new WeakMap<Scope, Uint8Array>()

/** Field 1 of ResourceLogs/ResourceSpans: the Resource message, with its key, cached per resource. */
export function resourceField(resource: Resource): Uint8Array {
  let bytes = resources.get(resource)
  if (!bytes) {
    const w = new ProtoWriter(512)
    const start = w.fork(1, 2)
    writeKeyValues(w, 1, resource.attributes)
    w.join(start, 2)
    bytes = Uint8Array.from(w.bytes())
    // Attributes still being detected would be cached incomplete; encode those every time.
    if (!resource.asyncAttributesPending) resources.set(resource, bytes)
  }
  return bytes
}

/** Field 1 of ScopeLogs/ScopeSpans: the InstrumentationScope message, with its key, cached per scope. */
export function scopeField(scope: Scope): Uint8Array {
  let bytes = scopes.get(scope)
  if (!bytes) {
    const w = new ProtoWriter(256)
    const start = w.fork(1, 2)
    w.string(1, scope.name)
    if (scope.version !== undefined) w.string(2, scope.version)
    if (scope.attributes) writeKeyValues(w, 3, scope.attributes)
    if (scope.droppedAttributesCount) {
      w.tag(4, 0)
      w.varint(scope.droppedAttributesCount)
    }
    w.join(start, 2)
    bytes = Uint8Array.from(w.bytes())
    scopes.set(scope, bytes)
  }
  return bytes
}

/** A `schema_url` field (3 in Resource*s and Scope*s), left out when empty as proto3 does. */
export function writeSchemaUrl(w: ProtoWriter, schemaUrl: string | undefined): void {
  if (schemaUrl) w.string(3, schemaUrl)
}
