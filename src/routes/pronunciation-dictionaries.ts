/**
 * ElevenLabs' pronunciation dictionary API, so `client.pronunciationDictionaries` of the
 * official SDK works unmodified:
 *   POST  /v1/pronunciation-dictionaries/add-from-rules   JSON {name, rules, description?}
 *   POST  /v1/pronunciation-dictionaries/add-from-file    multipart: name, file (PLS), description?
 *   GET   /v1/pronunciation-dictionaries                   ?cursor&page_size&sort&sort_direction&include_archived
 *   GET   /v1/pronunciation-dictionaries/{id}              metadata and the latest rules
 *   PATCH /v1/pronunciation-dictionaries/{id}              {name?, archived?} (no new version)
 * The rule edits and the PLS download are in pronunciation-rules.ts. A dictionary belongs to
 * the API key that made it: another key gets 404, as for one that does not exist.
 */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import type { Dictionaries } from '../pronunciation/dictionaries.ts'
import { createdJson, metadataJson, withRulesJson } from '../pronunciation/dictionary-json.ts'
import { parsePls } from '../pronunciation/pls.ts'
import { ruleSchema, toRule } from '../pronunciation/rules.ts'
import { parseWith, readJsonBody } from './request-body.ts'

const name = z.string().trim().min(1, 'name must not be empty').max(200)
const description = z.string().max(2000).nullish()
const workspaceAccess = z.enum(['admin', 'editor', 'commenter', 'viewer']).nullish()

export const fromRulesSchema = z.object({ name, description, rules: z.array(ruleSchema), workspace_access: workspaceAccess })
export const patchSchema = z.object({ name: name.optional(), archived: z.boolean().optional() })
export const listSchema = z.object({
  cursor: z.string().max(1000).optional(),
  page_size: z.coerce.number().int().min(1).max(100).default(30),
  sort: z.enum(['creation_time_unix', 'name']).default('creation_time_unix'),
  sort_direction: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['ascending', 'descending']))
    .default('descending'),
  include_archived: z.enum(['true', 'false']).default('false'),
})

export interface DictionaryRoutesDeps {
  dictionaries: Dictionaries
}

/** The calling key's id, the owner of what it makes ('' with auth off: one shared space). */
export const ownerOf = (c: Context<AppEnv>) => c.get('keyId') ?? ''

/**
 * @example
 * app.route('/', pronunciationDictionaryRoutes({ dictionaries }))
 */
export function pronunciationDictionaryRoutes(deps: DictionaryRoutesDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { dictionaries } = deps
  const createdBy = (c: Context<AppEnv>) => c.get('keyId') ?? 'anonymous'

  const fromRules = async (c: Context<AppEnv>) => {
    const body = parseWith(c, fromRulesSchema, await readJsonBody(c))
    const { record, version } = await dictionaries.create(ownerOf(c), createdBy(c), {
      name: body.name,
      ...(body.description && { description: body.description }),
      rules: body.rules.map(toRule),
    })
    return c.json(createdJson(record, version))
  }

  const fromFile = async (c: Context<AppEnv>) => {
    const form = await readForm(c)
    const fields = parseWith(c, z.object({ name, description }), { name: form.get('name') ?? undefined, description: form.get('description') ?? undefined })
    const file = form.get('file')
    const text = typeof file === 'string' ? file : file ? await file.text() : ''
    const rules = text.trim() ? parsePls(text) : []
    const { record, version } = await dictionaries.create(ownerOf(c), createdBy(c), {
      name: fields.name,
      ...(fields.description && { description: fields.description }),
      rules,
    })
    return c.json(createdJson(record, version))
  }

  // POST add-from-rules and add-from-file, as one route: beside `:id/add-rules` a static path at
  // the same depth would push the whole app from Hono's RegExpRouter to its slower TrieRouter.
  const creations: Record<string, (c: Context<AppEnv>) => Promise<Response>> = { 'add-from-rules': fromRules, 'add-from-file': fromFile }
  app.post('/v1/pronunciation-dictionaries/:id', (c) => {
    const create = creations[c.req.param('id')]
    if (!create) throw new ApiError({ status: 405, kind: 'bad_request', code: 'method_not_allowed', message: `POST ${c.req.path.slice(0, 200)} is not a route: create with add-from-rules or add-from-file.` })
    return create(c)
  })

  app.get('/v1/pronunciation-dictionaries', async (c) => {
    const query = parseWith(c, listSchema, c.req.query(), 'query')
    const { items, nextCursor } = await dictionaries.list(ownerOf(c), {
      ...(query.cursor && { cursor: query.cursor }),
      pageSize: query.page_size,
      sort: query.sort,
      direction: query.sort_direction,
      includeArchived: query.include_archived === 'true',
    })
    return c.json({ pronunciation_dictionaries: items.map(metadataJson), has_more: nextCursor !== undefined, ...(nextCursor && { next_cursor: nextCursor }) })
  })

  app.get('/v1/pronunciation-dictionaries/:id', async (c) => {
    const { record, version } = await dictionaries.rules(ownerOf(c), c.req.param('id'))
    return c.json(withRulesJson(record, version))
  })

  app.patch('/v1/pronunciation-dictionaries/:id', async (c) => {
    const body = parseWith(c, patchSchema, await readJsonBody(c))
    const record = await dictionaries.update(ownerOf(c), c.req.param('id'), body)
    return c.json(metadataJson(record))
  })

  return app
}

/**
 * The multipart body. The body middleware has read it as text already (bounded in size and
 * time); it is parsed from there with the request's own boundary. A PLS file is text.
 */
async function readForm(c: Context<AppEnv>): Promise<FormData> {
  const type = c.req.header('content-type') ?? ''
  if (!/^multipart\/form-data\b/i.test(type)) {
    throw new ApiError({ status: 415, kind: 'unsupported_media_type', code: 'unsupported_content_type', message: 'Expected Content-Type: multipart/form-data with a PLS file.' })
  }
  try {
    return await new Response(await c.req.text(), { headers: { 'content-type': type } }).formData()
  } catch {
    throw new ApiError({ status: 400, kind: 'bad_request', code: 'invalid_multipart', message: 'The multipart body could not be parsed.' })
  }
}
