/**
 * Usage in ElevenLabs' shapes, so its SDK reads it unmodified:
 *   GET /v1/user/subscription      → the calling key's month: character_count, character_limit
 *                                    (its character budget), next_character_count_reset_unix
 *   GET /v1/user                   → the key (user_id: its id) with that subscription inside
 *   GET /v1/usage/character-stats  → {time: [bucket start ms], usage: {<series>: [values]}}
 *
 * The ledger keeps UTC days, so buckets are days, weeks (from the start day), calendar months
 * or the whole range; hours are refused with a clear 422. A key sees its own usage; the admin
 * key (TTS_ADMIN_KEY) sees every key's, and may ask for the workspace (`include_workspace_metrics`).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import type { Metering } from '../usage/metering.ts'
import { monthStart, nextMonthStart, utcDay, type UsageRow } from '../usage/usage-event.ts'
import { parseWith } from './request-body.ts'
import { readUsage } from './read-usage.ts'
import { usageCaller, type UsageAccess, type UsageCaller } from './usage-caller.ts'

const DAY_MS = 86_400_000
/** What ElevenLabs reports when there is no limit: our keys without a character budget. */
export const UNLIMITED = Number.MAX_SAFE_INTEGER

export const statsQuery = z.object({
  start_unix: z.coerce.number().int().min(0),
  end_unix: z.coerce.number().int().min(0),
  include_workspace_metrics: z.enum(['true', 'false']).default('false'),
  breakdown_type: z.enum(['none', 'api_keys', 'all_api_keys', 'model']).default('none'),
  aggregation_interval: z.enum(['day', 'week', 'month', 'cumulative']).default('day'),
  aggregation_bucket_size: z.coerce.number().int().positive().multipleOf(86_400, 'the ledger keeps UTC days: a multiple of 86400 seconds').optional(),
  metric: z.enum(['credits', 'tts_characters', 'request_count', 'minutes_used', 'fiat_units_spent']).default('credits'),
})

const METRIC: Record<z.infer<typeof statsQuery>['metric'], (r: UsageRow) => number> = {
  credits: (r) => r.requested,
  tts_characters: (r) => r.requested,
  request_count: (r) => r.requests,
  minutes_used: (r) => r.audioSeconds / 60,
  fiat_units_spent: (r) => r.cost,
}

/** Bucket start times (ms) from `start` to `end`. */
function buckets(query: z.infer<typeof statsQuery>): number[] {
  const first = Math.floor(query.start_unix / DAY_MS) * DAY_MS
  if (query.aggregation_interval === 'cumulative') return [first]
  const starts: number[] = []
  const step = query.aggregation_bucket_size ? query.aggregation_bucket_size * 1000 : query.aggregation_interval === 'week' ? 7 * DAY_MS : DAY_MS
  if (query.aggregation_interval === 'month' && !query.aggregation_bucket_size) {
    for (let t = monthStart(query.start_unix); t <= query.end_unix; t = nextMonthStart(t)) starts.push(t)
    return starts
  }
  for (let t = first; t <= query.end_unix; t += step) starts.push(t)
  return starts
}

/** The caller's month in ElevenLabs' subscription shape. */
async function subscriptionOf(metering: Metering, caller: UsageCaller) {
  const now = Date.now()
  const rows = await readUsage(metering, { from: utcDay(monthStart(now)), to: utcDay(now), ...(caller.keyId && { keys: [caller.keyId] }) })
  const characters = rows.reduce((n, r) => n + r.requested, 0)
  const usd = rows.reduce((n, r) => n + r.cost, 0)
  const budget = caller.key?.budget
  return {
    tier: 'tts-edge',
    character_count: characters,
    character_limit: budget?.characters ?? UNLIMITED,
    max_character_limit_extension: 0,
    max_credit_limit_extension: 0,
    can_extend_character_limit: false,
    allowed_to_extend_character_limit: false,
    next_character_count_reset_unix: Math.floor(nextMonthStart(now) / 1000),
    voice_slots_used: 0,
    professional_voice_slots_used: 0,
    professional_voice_slots_used_in_workspace: 0,
    voice_limit: 0,
    voice_add_edit_counter: 0,
    professional_voice_limit: 0,
    can_extend_voice_limit: false,
    can_use_instant_voice_cloning: false,
    can_use_professional_voice_cloning: false,
    currency: 'usd',
    current_overage: { amount: '0', currency: 'usd' },
    status: 'active',
    billing_period: 'monthly_period',
    character_refresh_period: 'monthly_period',
    open_invoices: [],
    has_open_invoices: false,
    // Ours: the currency budget and who this is, beside ElevenLabs' fields.
    tts_edge: { key_id: caller.keyId ?? null, usd_this_month: usd, usd_limit: budget?.usd ?? null },
  }
}

/**
 * @example
 * app.route('/', elevenlabsUsageRoutes(metering, { keys, adminKey }))
 */
export function elevenlabsUsageRoutes(metering: Metering, access: UsageAccess): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/v1/user/subscription', async (c) => c.json(await subscriptionOf(metering, usageCaller(c, access))))
  // The SDK's user.get(): who the key is, with the same subscription inside.
  app.get('/v1/user', async (c) => {
    const caller = usageCaller(c, access)
    return c.json({
      user_id: caller.keyId ?? 'admin',
      workspace_id: 'tts-edge',
      subscription: await subscriptionOf(metering, caller),
      is_new_user: false,
      can_use_delayed_payment_methods: false,
      is_onboarding_completed: true,
      is_onboarding_checklist_completed: true,
      ...(caller.key && { first_name: caller.key.name }),
      // Keys are kept only as their sha256: there is no preview of one to show.
      is_api_key_hashed: true,
      created_at: 0,
      seat_type: caller.admin ? 'workspace_admin' : 'workspace_member',
    })
  })

  app.get('/v1/usage/character-stats', async (c) => {
    const caller = usageCaller(c, access)
    if (c.req.query('aggregation_interval') === 'hour') {
      throw new ApiError({ status: 422, kind: 'validation', code: 'invalid_request', message: 'Usage is kept per UTC day: use aggregation_interval day, week, month or cumulative.' })
    }
    const query = parseWith(c, statsQuery, c.req.query(), 'query')
    if (query.end_unix < query.start_unix || query.end_unix - query.start_unix > 400 * DAY_MS) {
      throw new ApiError({ status: 422, kind: 'validation', code: 'invalid_request', message: 'end_unix must be after start_unix, at most 400 days later.' })
    }
    const everyKey = query.include_workspace_metrics === 'true' || query.breakdown_type === 'all_api_keys'
    if (everyKey && !caller.admin && access.keys) {
      throw new ApiError({ status: 403, kind: 'forbidden', code: 'workspace_metrics_need_admin', message: 'Workspace-wide usage needs the admin key (TTS_ADMIN_KEY).' })
    }
    const time = buckets(query)
    const rows = await readUsage(metering, {
      from: utcDay(time[0]!),
      to: utcDay(query.end_unix),
      ...(!caller.admin && caller.keyId && { keys: [caller.keyId] }),
    })
    const series = (r: UsageRow) => (query.breakdown_type === 'model' ? r.model : query.breakdown_type === 'none' ? 'All' : r.key)
    const usage: Record<string, number[]> = query.breakdown_type === 'none' ? { All: time.map(() => 0) } : {}
    for (const row of rows) {
      const at = Date.parse(row.day)
      let i = time.length - 1
      while (i > 0 && time[i]! > at) i--
      const values = (usage[series(row)] ??= time.map(() => 0))
      values[i]! += METRIC[query.metric](row)
    }
    return c.json({ time, usage })
  })

  return app
}
