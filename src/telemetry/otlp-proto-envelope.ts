/**
 * The request around a batch: ExportLogsServiceRequest / ExportTraceServiceRequest are both
 * `repeated Resource* = 1 { resource = 1; repeated Scope* = 2 { scope = 1; repeated item = 2;
 * schema_url = 3 }; schema_url = 3 }`, so one writer serves both signals.
 */
import type { InstrumentationScope } from '@opentelemetry/core'
import { groupByScope, type Scoped } from './otlp-groups.ts'
import { resourceField, scopeField, writeSchemaUrl } from './otlp-proto-common.ts'
import { ProtoWriter } from './otlp-proto-writer.ts'

// The size of the last body each item writer made: the next starts there, not grown (and copied) four times over.
const lastSize = new WeakMap<object, number>()

/**
 * Groups `items` by resource and scope (otlp-groups.ts, as otlp-json.ts does) and writes each
 * with `writeItem` as field 2 of its scope message.
 *
 * @example
 * const body = encodeEnvelope(spans, (s) => s.name, (w, span) => writeSpan(w, span))
 */
export function encodeEnvelope<T extends Scoped>(
  items: readonly T[],
  scopeKey: (scope: InstrumentationScope) => unknown,
  writeItem: (w: ProtoWriter, item: T) => void,
): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter(lastSize.get(writeItem) ?? 16 * 1024)
  for (const [resource, groups] of groupByScope(items, scopeKey)) {
    const outer = w.fork(1, 3)
    w.raw(resourceField(resource))
    for (const { scope, items: scoped } of groups) {
      const inner = w.fork(2, 3)
      w.raw(scopeField(scope))
      for (const item of scoped) writeItem(w, item)
      writeSchemaUrl(w, scope.schemaUrl)
      w.join(inner, 3)
    }
    writeSchemaUrl(w, resource.schemaUrl)
    w.join(outer, 3)
  }
  lastSize.set(writeItem, Math.min(Math.max(16 * 1024, w.pos), 16 * 1024 * 1024))
  return w.bytes()
}
