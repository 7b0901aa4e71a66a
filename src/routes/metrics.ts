/**
 * `GET /metrics`: OpenMetrics text (with exemplars) from the injected registry, optionally
 * behind a bearer token (TTS_METRICS_TOKEN) and optionally on its own port (main.ts), so
 * an internet-facing listener need not expose it.
 */
import { timingSafeEqual } from 'node:crypto'
import { Hono } from 'hono'
import type { OpenMetricsContentType, Registry } from 'prom-client'
import type { AppEnv } from '../app-env.ts'

export interface MetricsRoutesOptions {
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  token?: string
}

/**
 * @example
 * app.route('/', metricsRoutes(metrics.registry, { token: config.TTS_METRICS_TOKEN }))
 */
export function metricsRoutes(registry: Registry<OpenMetricsContentType>, options: MetricsRoutesOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined
  app.get('/metrics', async (c) => {
    if (expected) {
      const presented = Buffer.from(c.req.header('authorization') ?? '')
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
        return c.text('metrics need Authorization: Bearer <TTS_METRICS_TOKEN>\n', 401, { 'www-authenticate': 'Bearer' })
      }
    }
    const body = await registry.metrics()
    return c.body(body, 200, { 'content-type': registry.contentType })
  })
  return app
}
