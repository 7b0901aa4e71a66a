/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the engine is
 * warmed and the cache accepts writes; a load balancer should send traffic only then).
 */
import { Hono } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { version } from '../version.ts'

export interface ReadinessChecks {
  [name: string]: () => boolean
}

export function healthRoutes(checks: ReadinessChecks): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/healthz', (c) => c.json({ status: 'ok', version }))
  app.get('/readyz', (c) => {
    const results = Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, safe(check)]))
    const ready = Object.values(results).every(Boolean)
    return c.json({ status: ready ? 'ready' : 'not_ready', checks: results }, ready ? 200 : 503)
  })
  return app
}

function safe(check: () => boolean): boolean {
  try {
    return check()
  } catch {
    return false
  }
}
