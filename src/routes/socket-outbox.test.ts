import { describe, expect, test } from 'bun:test'
import { SocketOutbox } from './socket-outbox.ts'

describe('SocketOutbox', () => {
  test("Bun's send status becomes sent, backpressure or dropped", () => {
    const outbox = new SocketOutbox()
    expect(outbox.send(() => 12)).toBe('sent')
    expect(outbox.send(() => -1)).toBe('backpressure')
    expect(outbox.send(() => 0)).toBe('dropped')
  })

  test("a session's transport sends its frames through its own sender", () => {
    const outbox = new SocketOutbox()
    const seqs: number[] = []
    const transport = outbox.transport((frame) => (seqs.push(frame.seq), -1))
    expect(transport.sendAudio({ seq: 7, bytes: new Uint8Array(1) })).toBe('backpressure')
    expect(seqs).toEqual([7])
  })

  test('whoever waits after backpressure goes on at the drain event, not before', async () => {
    const outbox = new SocketOutbox()
    const first = outbox.drained()
    const second = outbox.transport(() => 1).drained()
    expect([Bun.peek.status(first), Bun.peek.status(second)]).toEqual(['pending', 'pending'])
    outbox.drain()
    await Promise.all([first, second])
    expect(Bun.peek.status(outbox.drained())).toBe('pending')
  })

  test('once closed, nothing is sent and no one waits', async () => {
    const outbox = new SocketOutbox()
    const waiting = outbox.drained()
    outbox.close()
    await waiting
    let called = false
    expect(outbox.send(() => ((called = true), 1))).toBe('dropped')
    expect(called).toBe(false)
    await outbox.drained()
  })
})
