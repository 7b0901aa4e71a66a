import { describe, expect, test } from 'bun:test'
import { createContextKey, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api'
import { ChainedContext } from './chained-context.ts'

const KEYS = Array.from({ length: 6 }, (_, i) => createContextKey(`chained-context test ${i}`))

/** A small deterministic generator: the same sequences on every run. */
function random(seed: number) {
  let s = seed
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s % n
  }
}

describe('ChainedContext', () => {
  test('reads what the API context reads after any sequence of sets and deletes, past the flattening depth too', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed)
      let ours: Context = ChainedContext.set(ROOT_CONTEXT, KEYS[0]!, 'start')
      let theirs: Context = ROOT_CONTEXT.setValue(KEYS[0]!, 'start')
      // Some chains branch: a context derived twice must keep both branches apart.
      const branches: [Context, Context][] = []
      for (let step = 0; step < 60; step++) {
        const key = KEYS[next(KEYS.length)]!
        if (next(4) === 0) [ours, theirs] = [ours.deleteValue(key), theirs.deleteValue(key)]
        else {
          const value = next(3) === 0 ? undefined : `${seed}-${step}`
          ;[ours, theirs] = [ours.setValue(key, value), theirs.setValue(key, value)]
        }
        if (next(10) === 0) branches.push([ours, theirs])
        for (const k of KEYS) expect(ours.getValue(k)).toBe(theirs.getValue(k))
      }
      for (const [a, b] of branches) for (const k of KEYS) expect(a.getValue(k)).toBe(b.getValue(k))
    }
  })

  test('falls back to the context the chain started on, and leaves it as it was', () => {
    const base = ROOT_CONTEXT.setValue(KEYS[1]!, 'base')
    const ctx = ChainedContext.set(base, KEYS[2]!, 'link').deleteValue(KEYS[1]!)
    expect(ctx.getValue(KEYS[1]!)).toBeUndefined()
    expect(ctx.getValue(KEYS[2]!)).toBe('link')
    expect(base.getValue(KEYS[1]!)).toBe('base')
    expect(base.getValue(KEYS[2]!)).toBeUndefined()
  })

  test('holds a span for the API as its own context does', () => {
    const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED })
    const ctx = trace.setSpan(ChainedContext.set(ROOT_CONTEXT, KEYS[3]!, 1), span)
    expect(trace.getSpan(ctx)).toBe(span)
    expect(trace.getSpan(trace.deleteSpan(ctx))).toBeUndefined()
    expect(ctx.getValue(KEYS[3]!)).toBe(1)
  })
})
