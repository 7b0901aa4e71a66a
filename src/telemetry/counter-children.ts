/**
 * Counter increments that find their label set's value once, not on every call.
 *
 * prom-client's `inc(labels)` builds a key string from the label values and checks every
 * label name against the counter's on each call (its `labels()` children only bind the
 * object, so they do the same). A request increments several counters with the same few
 * label sets over and over: here each label set's value is found by walking a small tree of
 * its label values, and counted into prom-client's own entry for that label set, exactly as
 * its `inc` would count it. So `/metrics` is prom-client's own exposition, byte for byte.
 */
import type { Counter } from 'prom-client'

/** What prom-client's Counter holds that the fast path counts into (its own fields, stable across 15.x). */
interface CounterInternals {
  /** The counter's label names, sorted once at construction. */
  sortedLabelNames: string[]
  /** Its values by label set (key: `name:value,` for each label present, in sorted order). */
  hashMap: Record<string, CounterEntry | undefined>
  enableExemplars?: boolean
}

/** prom-client's value of one label set. */
interface CounterEntry {
  value: number
}

/** A label set's entry and its key, as prom-client made them. */
interface Bound {
  entry: CounterEntry
  hash: string
}

/** Each label value in sorted label order, down to the label set's entry. */
type Tree = Map<unknown, Tree | Bound>

type Labels = Record<string, string | number | undefined>
type Inc = (labels?: Labels | number, value?: number) => void

/**
 * Makes `counter.inc` (and its `labels()` children) count a label set seen before straight
 * into prom-client's entry for it. A first sighting, an entry replaced since (`reset()`,
 * `remove()`), a label the counter does not have or a value prom-client would refuse or
 * treat specially all take prom-client's own `inc`, with its errors. Counters with exemplars
 * (an object argument) are returned as they are.
 *
 * @example
 * const requests = resolveLabelsOnce(new Counter({ name: 'speech_request_total', help: '…', labelNames: ['result'], registers }))
 * requests.inc({ result: 'cache_hit' }) // prom-client's inc the first time, the entry's value after
 */
export function resolveLabelsOnce<C extends Counter<string>>(counter: C): C {
  const internals = counter as unknown as CounterInternals
  if (internals.enableExemplars || internals.sortedLabelNames.length === 0) return counter
  const names = internals.sortedLabelNames
  const known = new Set(names)
  const slow = (counter.inc as Inc).bind(counter)
  const tree: Tree = new Map()

  /** After prom-client counted `labels` itself (validating them): remember its entry. */
  const bind = (labels: Labels) => {
    let hash = ''
    let node = tree
    for (let i = 0; i < names.length; i++) {
      const value = labels[names[i]!]
      if (value !== undefined) hash += `${names[i]}:${value},`
      if (i === names.length - 1) break
      let next = node.get(value) as Tree | undefined
      if (!next) node.set(value, (next = new Map()))
      node = next
    }
    const entry = internals.hashMap[hash]
    if (entry) node.set(labels[names[names.length - 1]!], { entry, hash })
  }

  const inc: Inc = (labels, value) => {
    // Not a label object, or a value that is not a plain count: prom-client decides (and throws).
    if (typeof labels !== 'object' || labels === null || !plainCount(value)) return slow(labels, value)
    for (const key in labels) if (!known.has(key)) return slow(labels, value)
    let node: Tree | Bound | undefined = tree
    for (let i = 0; i < names.length && node; i++) node = (node as Tree).get(labels[names[i]!])
    const bound = node as Bound | undefined
    if (bound && internals.hashMap[bound.hash] === bound.entry) {
      bound.entry.value += value ?? 1
      return
    }
    slow(labels, value)
    bind(labels)
  }
  counter.inc = inc as C['inc']
  return counter
}

/** No value (prom-client counts 1), or a finite number >= 0. */
function plainCount(value: number | undefined | null): boolean {
  return value === undefined || value === null || (typeof value === 'number' && value >= 0 && value < Number.POSITIVE_INFINITY)
}
