import { describe, expect, test } from 'bun:test'
import { SingleFlight } from './single-flight.ts'

/** A promise the test settles by hand, so concurrency is driven by events, not sleeps. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('SingleFlight', () => {
  test('N concurrent runs call fn once and share its value', async () => {
    const flight = new SingleFlight<string>()
    const gate = deferred<string>()
    let calls = 0
    const fn = () => {
      calls++
      return gate.promise
    }
    const runs = Array.from({ length: 10 }, () => flight.run('k', fn))
    expect(flight.has('k')).toBe(true)
    gate.resolve('audio')
    expect(await Promise.all(runs)).toEqual(Array(10).fill('audio'))
    expect(calls).toBe(1)
    expect(flight.size).toBe(0)
  })

  test('different keys run independently', async () => {
    const flight = new SingleFlight<string>()
    const [a, b] = await Promise.all([flight.run('a', async () => 'A'), flight.run('b', async () => 'B')])
    expect([a, b]).toEqual(['A', 'B'])
  })

  test('a failure reaches every waiter, and the next call retries', async () => {
    const flight = new SingleFlight<string>()
    const gate = deferred<string>()
    let calls = 0
    const failing = () => {
      calls++
      return gate.promise
    }
    const runs = Array.from({ length: 5 }, () => flight.run('k', failing))
    gate.reject(new Error('engine crashed'))
    const results = await Promise.allSettled(runs)
    expect(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'engine crashed')).toBe(true)
    expect(calls).toBe(1)
    expect(flight.has('k')).toBe(false)
    expect(await flight.run('k', async () => 'second try')).toBe('second try')
  })

  test('a retry started from inside a failed waiter gets a fresh flight', async () => {
    const flight = new SingleFlight<string>()
    const retried = flight.run('k', async () => Promise.reject(new Error('boom'))).catch(() => flight.run('k', async () => 'ok'))
    expect(await retried).toBe('ok')
  })

  test('a synchronous throw is a rejection and does not leave the key stuck', async () => {
    const flight = new SingleFlight<string>()
    const run = flight.run('k', () => {
      throw new Error('sync')
    })
    await expect(run).rejects.toThrow('sync')
    expect(flight.has('k')).toBe(false)
  })

  test('join() tells the leader apart so it can stream while followers wait', async () => {
    const flight = new SingleFlight<string>()
    const gate = deferred<string>()
    const first = flight.join('k', () => gate.promise)
    const second = flight.join('k', () => Promise.resolve('never called'))
    expect(first.leader).toBe(true)
    expect(second.leader).toBe(false)
    gate.resolve('done')
    expect(await second.result).toBe('done')
  })
})
