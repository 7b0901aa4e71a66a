/**
 * Reading and validating JSON request bodies, with errors in the route's own shape.
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { ApiError, type FieldIssue } from '../errors.ts'

/**
 * Parses the body as JSON. The size limit is enforced earlier by bodyLimit (before the
 * body is read); here we only insist on a JSON content type and valid syntax.
 *
 * @example
 * const raw = await readJsonBody(c)
 */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ApiError({
      status: c.get('apiStyle') === 'elevenlabs' ? 415 : 400,
      kind: 'unsupported_media_type',
      code: 'unsupported_content_type',
      message: `Expected Content-Type: application/json, got ${type ? JSON.stringify(type.slice(0, 100)) : 'none'}.`,
    })
  }
  const text = await c.req.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError({
      status: c.get('apiStyle') === 'elevenlabs' ? 422 : 400,
      kind: 'bad_request',
      code: 'invalid_json',
      message: 'We could not parse the JSON body of your request.',
      issues: [{ loc: ['body'], msg: 'Invalid JSON', type: 'value_error.jsondecode' }],
    })
  }
}

/**
 * Validates `value` against `schema`; failures become a 400 (OpenAI) or 422 (ElevenLabs)
 * naming every bad field.
 *
 * @example
 * const body = parseWith(c, speechSchema, await readJsonBody(c))
 */
export function parseWith<S extends z.ZodType>(c: Context<AppEnv>, schema: S, value: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    loc: [where, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))],
    msg: issue.message,
    type: `value_error.${issue.code}`,
  }))
  const first = issues[0]!
  const param = first.loc.slice(1).join('.') || undefined
  const elevenlabs = c.get('apiStyle') === 'elevenlabs'
  throw new ApiError({
    status: elevenlabs ? 422 : 400,
    kind: 'validation',
    code: elevenlabs ? 'invalid_request' : 'invalid_value',
    message: issues.map((i) => `${i.loc.slice(1).join('.') || where}: ${i.msg}`).join('; '),
    ...(param && { param }),
    issues,
  })
}
