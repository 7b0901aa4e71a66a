/**
 * `GET /v1/organization/usage/audio_speeches`: usage in OpenAI's Usage API shape, for the
 * admin key (TTS_ADMIN_KEY), so `client.admin.organization.usage.audioSpeeches()` of the
 * official SDK reads it unmodified:
 *   {object: "page", data: [{object: "bucket", start_time, end_time, results: [...]}], has_more, next_page}
 * Each result: characters (requested), num_model_requests, and with `group_by` its
 * api_key_id (the configured key id) and model; ours beside them: billed_characters,
 * audio_seconds, cost_usd. The ledger keeps UTC days, so `bucket_width` is `1d`.
 * Arrays come as `group_by=a,b`, repeated, or `group_by[]=` (what the SDK sends).
 */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import type { Metering } from '../usage/metering.ts'
import { utcDay, type UsageRow } from '../usage/usage-event.ts'
import { parseWith } from './request-body.ts'
import { readUsage } from './read-usage.ts'
import { adminOnly, usageCaller, type UsageAccess } from './usage-caller.ts'

const DAY_S = 86_400

export const usageQuery = z.object({
  start_time: z.coerce.number().int().min(0),
  end_time: z.coerce.number().int().min(0).optional(),
  bucket_width: z.literal('1d', { error: 'usage is kept per UTC day: bucket_width 1d' }).default('1d'),
  limit: z.coerce.number().int().min(1).max(31).default(7),
  page: z.string().regex(/^\d{1,12}$/, 'not a page cursor from next_page').optional(),
  group_by: z.array(z.enum(['api_key_id', 'model', 'project_id', 'user_id'])).default([]),
  api_key_ids: z.array(z.string().max(100)).max(1000).optional(),
  models: z.array(z.string().max(200)).max(100).optional(),
  project_ids: z.array(z.string()).max(0, 'tts-edge has no projects').optional(),
  user_ids: z.array(z.string()).max(0, 'tts-edge has no users').optional(),
})

const ARRAYS = ['group_by', 'api_key_ids', 'models', 'project_ids', 'user_ids'] as const

/** The query with its arrays in any of the forms clients send them. */
function queryOf(c: Context<AppEnv>): Record<string, unknown> {
  const query: Record<string, unknown> = { ...c.req.query() }
  for (const name of ARRAYS) {
    delete query[`${name}[]`]
    const values = [...(c.req.queries(name) ?? []), ...(c.req.queries(`${name}[]`) ?? [])].flatMap((v) => v.split(',')).filter(Boolean)
    if (values.length) query[name] = values
    else delete query[name]
  }
  return query
}

/**
 * @example
 * app.route('/', openaiUsageRoutes(metering, { keys, adminKey }))
 */
export function openaiUsageRoutes(metering: Metering, access: UsageAccess): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/v1/organization/usage/audio_speeches', async (c) => {
    if (!usageCaller(c, access).admin) throw adminOnly(access)
    const q = parseWith(c, usageQuery, queryOf(c), 'query')
    const start = Math.floor(q.start_time / DAY_S) * DAY_S
    const end = q.end_time ?? Math.floor(Date.now() / 1000) + 1
    if (end <= start) throw new ApiError({ status: 400, kind: 'validation', code: 'invalid_value', param: 'end_time', message: 'end_time must be after start_time.' })
    const first = q.page ? Number(q.page) : start
    const starts: number[] = []
    for (let t = first; t < end && starts.length < q.limit; t += DAY_S) starts.push(t)
    const next = starts.length ? starts.at(-1)! + DAY_S : end
    const rows = starts.length
      ? await readUsage(metering, { from: utcDay(starts[0]! * 1000), to: utcDay(starts.at(-1)! * 1000), ...(q.api_key_ids && { keys: q.api_key_ids }) })
      : []
    const byKey = q.group_by.includes('api_key_id')
    const byModel = q.group_by.includes('model')
    const data = starts.map((t) => {
      const day = utcDay(t * 1000)
      const groups = new Map<string, ReturnType<typeof result>>()
      for (const row of rows) {
        if (row.day !== day || (q.models && !q.models.includes(row.model))) continue
        const id = `${byKey ? row.key : ''}|${byModel ? row.model : ''}`
        const group = groups.get(id) ?? groups.set(id, result(byKey ? row.key : null, byModel ? row.model : null, q.group_by)).get(id)!
        add(group, row)
      }
      return { object: 'bucket', start_time: t, end_time: t + DAY_S, results: [...groups.values()] }
    })
    return c.json({ object: 'page', data, has_more: next < end, next_page: next < end ? String(next) : null })
  })

  return app
}

function result(apiKeyId: string | null, model: string | null, groupBy: readonly string[]) {
  return {
    object: 'organization.usage.audio_speeches.result',
    characters: 0,
    num_model_requests: 0,
    // OpenAI names every grouped field; the ones not grouped by are null.
    project_id: null,
    user_id: null,
    api_key_id: groupBy.includes('api_key_id') ? apiKeyId : null,
    model: groupBy.includes('model') ? model : null,
    billed_characters: 0,
    audio_seconds: 0,
    cost_usd: 0,
  }
}

function add(into: ReturnType<typeof result>, row: UsageRow): void {
  into.characters += row.requested
  into.num_model_requests += row.requests
  into.billed_characters += row.billed
  into.audio_seconds += row.audioSeconds
  into.cost_usd += row.cost
}
