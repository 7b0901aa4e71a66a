import { expect, test } from 'bun:test'
import { Bulkhead, BulkheadFullError } from './bulkhead.ts'

test('calls up to the capacity enter at once; the next waits, the one after that is refused when the queue is full', async () => {
  const bulkhead = new Bulkhead(2, 1)
  expect([bulkhead.tryEnter(), bulkhead.tryEnter(), bulkhead.tryEnter()]).toEqual([true, true, false])
  let admitted = false
  const waiting = bulkhead.wait().then(() => (admitted = true))
  expect(await bulkhead.wait().catch((e: unknown) => e)).toBeInstanceOf(BulkheadFullError)
  expect([bulkhead.active, bulkhead.queued, admitted]).toEqual([2, 1, false])
  bulkhead.leave()
  await waiting
  expect([bulkhead.active, bulkhead.queued, admitted]).toEqual([2, 0, true])
  bulkhead.leave()
  bulkhead.leave()
  expect(bulkhead.active).toBe(0)
})

test('waiting calls are admitted in the order they arrived', async () => {
  const bulkhead = new Bulkhead(1, 3)
  bulkhead.tryEnter()
  const order: number[] = []
  const all = [1, 2, 3].map((n) => bulkhead.wait().then(() => order.push(n)))
  for (let i = 0; i < 3; i++) bulkhead.leave()
  await Promise.all(all)
  expect(order).toEqual([1, 2, 3])
  expect([bulkhead.active, bulkhead.queued]).toEqual([1, 0])
})

test('a waiting call whose client leaves gives up its place at once, with the abort reason', async () => {
  const bulkhead = new Bulkhead(1, 2)
  bulkhead.tryEnter()
  const gone = new AbortController()
  const leaving = bulkhead.wait(gone.signal).catch((e: unknown) => e)
  const staying = bulkhead.wait()
  gone.abort(new Error('client left'))
  expect(((await leaving) as Error).message).toBe('client left')
  expect(bulkhead.queued).toBe(1)
  bulkhead.leave()
  await staying
  expect([bulkhead.active, bulkhead.queued]).toEqual([1, 0])
})

test('an already aborted call is refused without taking a slot', async () => {
  const bulkhead = new Bulkhead(1, 1)
  const gone = AbortSignal.abort(new Error('gone'))
  expect(((await bulkhead.wait(gone).catch((e: unknown) => e)) as Error).message).toBe('gone')
  expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0])
})

test('with no queue, a call beyond the capacity is refused at once', async () => {
  const bulkhead = new Bulkhead(1, 0)
  bulkhead.tryEnter()
  expect(await bulkhead.wait().catch((e: unknown) => e)).toBeInstanceOf(BulkheadFullError)
})
