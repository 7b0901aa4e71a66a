/**
 * An OpenTelemetry context that is one link of a chain. The API's own context copies every
 * value it holds into a new Map, and makes three closures, each time a value is set: a
 * request's unit of work, its root span and every child span's context paid that, several
 * times per request. A link holds one key and value and points at the context it was set on;
 * reading walks the few links of a request back to the context the chain started from.
 *
 * The chain is flattened into one link over a Map once it grows past MAX_DEPTH, so a context
 * derived again and again from the last one stays cheap to read.
 */
import type { Context } from '@opentelemetry/api'

const MAX_DEPTH = 16
// What a deleted key is set to: no value, whatever the links behind it say.
const DELETED = Symbol('deleted')

/**
 * @example
 * const ctx = ChainedContext.set(context.active(), WORK_UNIT, unit)
 * ctx.getValue(WORK_UNIT) // unit
 */
export class ChainedContext implements Context {
  readonly #depth: number

  private constructor(
    private readonly parent: Context,
    private readonly key: symbol,
    private readonly value: unknown,
  ) {
    this.#depth = parent instanceof ChainedContext ? parent.#depth + 1 : 1
  }

  /** `context` with `key` set to `value`: a link on a chain, or on any other context. */
  static set(context: Context, key: symbol, value: unknown): Context {
    const link = new ChainedContext(context, key, value)
    return link.#depth > MAX_DEPTH ? link.#flattened() : link
  }

  getValue(key: symbol): unknown {
    let at: Context = this
    while (at instanceof ChainedContext) {
      if (at.key === key) return at.value === DELETED ? undefined : at.value
      at = at.parent
    }
    return at.getValue(key)
  }

  setValue(key: symbol, value: unknown): Context {
    return ChainedContext.set(this, key, value)
  }

  deleteValue(key: symbol): Context {
    return ChainedContext.set(this, key, DELETED)
  }

  /** One link over a context that holds every value of the chain (the nearest link's for each key). */
  #flattened(): Context {
    const values = new Map<symbol, unknown>()
    let at: Context = this
    while (at instanceof ChainedContext) {
      if (!values.has(at.key)) values.set(at.key, at.value)
      at = at.parent
    }
    const base = at
    const flat: Context = {
      getValue: (key) => (values.has(key) ? (values.get(key) === DELETED ? undefined : values.get(key)) : base.getValue(key)),
      setValue: (key, value) => ChainedContext.set(flat, key, value),
      deleteValue: (key) => ChainedContext.set(flat, key, DELETED),
    }
    return flat
  }
}
