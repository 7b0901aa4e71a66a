/**
 * Changing a dictionary's rules (each change a new version) and downloading a version:
 *   POST /v1/pronunciation-dictionaries/{id}/add-rules      {rules}: a rule for a string already there replaces it
 *   POST /v1/pronunciation-dictionaries/{id}/remove-rules   {rule_strings}
 *   POST /v1/pronunciation-dictionaries/{id}/set-rules      {rules}: the whole set
 *   GET  /v1/pronunciation-dictionaries/{id}/{version_id}/download   the version as a PLS file
 */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { rulesChangedJson } from '../pronunciation/dictionary-json.ts'
import { serializePls } from '../pronunciation/pls.ts'
import { mergeRules, removeRules, ruleSchema, toRule, type Rule } from '../pronunciation/rules.ts'
import { ownerOf, type DictionaryRoutesDeps } from './pronunciation-dictionaries.ts'
import { parseWith, readJsonBody } from './request-body.ts'

export const rulesBody = z.object({ rules: z.array(ruleSchema) })
export const removeBody = z.object({ rule_strings: z.array(z.string().max(200)) })

/**
 * @example
 * app.route('/', pronunciationRuleRoutes({ dictionaries }))
 */
export function pronunciationRuleRoutes(deps: DictionaryRoutesDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { dictionaries } = deps

  // Each edit makes a new version from the latest rules.
  const edit =
    <S extends z.ZodType>(schema: S, change: (rules: Rule[], body: z.infer<S>) => Rule[]) =>
    async (c: Context<AppEnv>) => {
      const body = parseWith(c, schema, await readJsonBody(c))
      const { record, version } = await dictionaries.change(ownerOf(c), c.req.param('id') ?? '', (rules) => change(rules, body))
      return c.json(rulesChangedJson(record, version))
    }

  app.post('/v1/pronunciation-dictionaries/:id/add-rules', edit(rulesBody, (rules, body) => mergeRules(rules, body.rules.map(toRule))))
  app.post('/v1/pronunciation-dictionaries/:id/remove-rules', edit(removeBody, (rules, body) => removeRules(rules, body.rule_strings)))
  app.post('/v1/pronunciation-dictionaries/:id/set-rules', edit(rulesBody, (_rules, body) => body.rules.map(toRule)))

  app.get('/v1/pronunciation-dictionaries/:id/:version_id/download', async (c) => {
    const { record, version } = await dictionaries.rules(ownerOf(c), c.req.param('id'), c.req.param('version_id'))
    const file = `${record.name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'dictionary'}.pls`
    return c.body(serializePls(version.rules), 200, {
      'content-type': 'application/pls+xml; charset=utf-8',
      'content-disposition': `attachment; filename="${file}"`,
    })
  })

  return app
}
