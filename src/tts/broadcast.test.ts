import { describe, expect, test } from 'bun:test'
import { Broadcast } from './broadcast.ts'
import { DONE, PENDING } from './ready-source.ts'

const bytes = (n: number) => new Uint8Array([n])

async function drain(it: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = []
  for await (const chunk of it) out.push(chunk[0]!)
  return out
}

describe('Broadcast', () => {
  test('every reader gets every chunk from the start, late joiners included', async () => {
    const b = new Broadcast()
    const early = drain(b.read())
    b.push(bytes(1))
    b.push(bytes(2))
    const late = drain(b.read())
    b.push(bytes(3))
    b.end()
    expect(await early).toEqual([1, 2, 3])
    expect(await late).toEqual([1, 2, 3])
  })

  test('the producer is aborted only when the last reader leaves', async () => {
    const b = new Broadcast()
    const a = new AbortController()
    const c = new AbortController()
    const first = drain(b.read(a.signal)).catch((e: unknown) => e)
    const second = drain(b.read(c.signal)).catch((e: unknown) => e)
    b.push(bytes(1))
    a.abort(new Error('first client left'))
    expect(await first).toBeInstanceOf(Error)
    expect(b.signal.aborted).toBe(false)
    c.abort(new Error('second client left'))
    await second
    expect(b.signal.aborted).toBe(true)
  })

  test('a failure reaches every reader', async () => {
    const b = new Broadcast()
    const reader = drain(b.read()).catch((e: unknown) => e)
    b.push(bytes(1))
    b.end(new Error('engine crashed'))
    expect(await reader).toHaveProperty('message', 'engine crashed')
    expect(await drain(b.read()).catch((e: unknown) => e)).toHaveProperty('message', 'engine crashed')
  })

  test('a reader takes what is already there at once, and waits only when it has caught up', async () => {
    const b = new Broadcast()
    b.push(bytes(1))
    b.push(bytes(2))
    const reader = b.read()
    expect([reader.take(), reader.take()]).toEqual([bytes(1), bytes(2)])
    expect(reader.take()).toBe(PENDING)
    const ready = reader.ready()
    b.push(bytes(3))
    await ready
    expect(reader.take()).toEqual(bytes(3))
    b.end()
    expect(reader.take()).toBe(DONE)
    expect(reader.take()).toBe(DONE)
  })

  test('a reader never read holds nothing: the producer stops when the last one reading leaves', async () => {
    const b = new Broadcast()
    b.read()
    const client = new AbortController()
    const reading = drain(b.read(client.signal)).catch((e: unknown) => e)
    b.push(bytes(1))
    client.abort(new Error('client left'))
    expect(await reading).toHaveProperty('message', 'client left')
    expect(b.signal.aborted).toBe(true)
  })

  test('a polled reader waiting for its first chunk leaves when its client does, and the producer stops', async () => {
    const b = new Broadcast()
    const client = new AbortController()
    const reading = drain(b.read(client.signal, true)).catch((e: unknown) => e)
    // Nothing is pushed: the reader waits, and only the poll can tell it its client left.
    client.abort(new Error('client left before the first byte'))
    expect(await reading).toHaveProperty('message', 'client left before the first byte')
    expect(b.signal.aborted).toBe(true)
  })

  test('a polled reader that finished is no longer watched: its client leaving later changes nothing', async () => {
    const b = new Broadcast()
    const other = b.read()
    expect(other.take()).toBe(PENDING)
    const client = new AbortController()
    const reader = b.read(client.signal, true)
    b.push(bytes(1))
    expect(reader.take()).toEqual(bytes(1))
    reader.close()
    client.abort(new Error('gone'))
    b.push(bytes(2))
    b.end()
    expect(await drain(other)).toEqual([1, 2])
    expect(b.signal.aborted).toBe(false)
  })
})
