import { describe, expect, test } from 'bun:test'
import { SessionTimers } from './session-timers.ts'
import type { ProtocolError } from './stream-context.ts'

function timers(idleSeconds: number) {
  let fired: ProtocolError | undefined
  const timedOut = Promise.withResolvers<ProtocolError>()
  const t = new SessionTimers(idleSeconds, (err) => {
    fired = err
    timedOut.resolve(err)
  })
  return { t, timedOut: timedOut.promise, fired: () => fired }
}

describe('SessionTimers', () => {
  test('a socket silent both ways is closed as idle', async () => {
    const { t, timedOut } = timers(0.05)
    t.start(3600)
    expect((await timedOut).code).toBe('input_timeout_exceeded')
    t.stop()
  })

  test('activity keeps a session open past the idle timeout, and the clock runs from the last of it', async () => {
    const { t, timedOut, fired } = timers(0.1)
    const started = performance.now()
    t.start(3600)
    // Audio taken by the client every 20 ms for three idle timeouts.
    const beat = setInterval(() => t.touch(), 20)
    while (performance.now() - started < 300) await new Promise((r) => setTimeout(r, 20))
    clearInterval(beat)
    expect(fired()).toBeUndefined()
    const lastActivity = performance.now()
    await timedOut
    expect(performance.now() - lastActivity).toBeGreaterThanOrEqual(60)
    t.stop()
  })

  test('a stopped clock never fires', async () => {
    const { t, fired } = timers(0.03)
    t.start(3600)
    t.stop()
    await new Promise((r) => setTimeout(r, 80))
    expect(fired()).toBeUndefined()
  })
})
