/**
 * `GET /metrics`: OpenMetrics text (with exemplars) from the injected registry.
 */
import { Hono } from 'hono'
import type { OpenMetricsContentType, Registry } from 'prom-client'
import type { AppEnv } from '../app-env.ts'

export function metricsRoutes(registry: Registry<OpenMetricsContentType>): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/metrics', async (c) => {
    const body = await registry.metrics()
    return c.body(body, 200, { 'content-type': registry.contentType })
  })
  return app
}
