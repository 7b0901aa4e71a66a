import { describe, expect, test } from 'bun:test'
import { Hono } from 'hono'
import type { AppEnv } from './app-env.ts'
import { Lifecycle } from './lifecycle.ts'
import { healthRoutes } from './routes/health.ts'

describe('Lifecycle', () => {
  test('readiness turns 503 the moment draining starts', async () => {
    const lifecycle = new Lifecycle()
    const app = new Hono<AppEnv>()
    app.route('/', healthRoutes({ accepting: () => !lifecycle.draining }))
    expect((await app.request('/readyz')).status).toBe(200)
    const drained = lifecycle.drain(1000)
    expect((await app.request('/readyz')).status).toBe(503)
    expect(await drained).toEqual({ requests: 0, sessions: 0 })
  })

  test('startDraining fails readiness while requests are still served and counted', async () => {
    const lifecycle = new Lifecycle()
    const app = new Hono<AppEnv>()
    app.use(lifecycle.track())
    app.route('/', healthRoutes({ accepting: () => !lifecycle.draining }))
    app.get('/work', (c) => c.text('done'))
    expect((await app.request('/work')).headers.get('connection')).toBeNull()
    lifecycle.startDraining()
    expect((await app.request('/readyz')).status).toBe(503)
    const res = await app.request('/work')
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('done')
    // Keep-alive clients are told to reconnect, to a replica that stays.
    expect(res.headers.get('connection')).toBe('close')
    expect(lifecycle.inflight).toBe(0)
  })

  test('drain waits for a streaming body to finish, and no longer than the grace period', async () => {
    const lifecycle = new Lifecycle()
    const app = new Hono<AppEnv>()
    app.use(lifecycle.track())
    let finish!: () => void
    app.get('/slow', (c) => {
      c.set('bodyDone', new Promise<void>((resolve) => (finish = resolve)))
      return c.text('streaming')
    })
    await app.request('/slow')
    expect(lifecycle.inflight).toBe(1)
    expect(await lifecycle.drain(50)).toEqual({ requests: 1, sessions: 0 })
    const draining = lifecycle.drain(10_000)
    finish()
    expect(await draining).toEqual({ requests: 0, sessions: 0 })
  })
})
