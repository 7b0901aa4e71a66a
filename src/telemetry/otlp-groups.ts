/**
 * How an OTLP export request nests its items: by resource (identity), then by instrumentation
 * scope (a key the signal chooses), in first-seen order. Both encodings use it.
 */
import type { InstrumentationScope } from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'

export type Scoped = { resource: Resource; instrumentationScope: InstrumentationScope }

/**
 * @example
 * for (const [resource, scopes] of groupByScope(spans, (s) => s.name)) for (const { scope, items } of scopes) ...
 */
export function groupByScope<T extends Scoped>(
  items: readonly T[],
  scopeKey: (scope: T['instrumentationScope']) => unknown,
): Map<Resource, { scope: T['instrumentationScope']; items: T[] }[]> {
  const byResource = new Map<Resource, Map<unknown, { scope: T['instrumentationScope']; items: T[] }>>()
  for (const item of items) {
    let byScope = byResource.get(item.resource)
    if (!byScope) byResource.set(item.resource, (byScope = new Map()))
    const key = scopeKey(item.instrumentationScope)
    let group = byScope.get(key)
    if (!group) byScope.set(key, (group = { scope: item.instrumentationScope, items: [] }))
    group.items.push(item)
  }
  const out = new Map<Resource, { scope: T['instrumentationScope']; items: T[] }[]>()
  for (const [resource, byScope] of byResource) out.set(resource, [...byScope.values()])
  return out
}
