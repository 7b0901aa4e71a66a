/**
 * The pronunciation dictionary routes in the OpenAPI document, from the same zod schemas
 * that validate them (openapi.ts holds the rest).
 */
import type { z } from 'zod'
import { fromRulesSchema, listSchema, patchSchema } from './pronunciation-dictionaries.ts'
import { removeBody, rulesBody } from './pronunciation-rules.ts'

type Json = Record<string, unknown>

export interface OpenApiParts {
  schema: (s: z.ZodType) => Json
  queryParameters: (s: z.ZodObject) => Json[]
  errors: (statuses: number[]) => Json
}

const TAG = 'Pronunciation dictionaries'
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } }
const versionId = { name: 'version_id', in: 'path', required: true, schema: { type: 'string' } }
const json = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } })

/**
 * @example
 * paths: { ...dictionaryPaths({ schema, queryParameters, errors: (s) => errors(elevenError, s) }) }
 */
export function dictionaryPaths({ schema, queryParameters, errors }: OpenApiParts): Record<string, Json> {
  const body = (s: z.ZodType) => ({ required: true, content: { 'application/json': { schema: schema(s) } } })
  const op = (summary: string, more: Json, statuses: number[]) => ({ summary, tags: [TAG], security: [{ xiApiKey: [] }, {}], ...more, responses: { ...more.responses as Json, ...errors(statuses) } })
  const rulesChange = (summary: string, s: z.ZodType) => ({
    post: op(summary, { parameters: [id], requestBody: body(s), responses: { '200': json('{id, version_id, version_rules_num}: the new version') } }, [400, 401, 404, 409, 422]),
  })
  return {
    '/v1/pronunciation-dictionaries/add-from-rules': {
      post: op('Create a dictionary from rules', { requestBody: body(fromRulesSchema), responses: { '200': json('{id, name, version_id, version_rules_num, ...}') } }, [400, 401, 413, 422]),
    },
    '/v1/pronunciation-dictionaries/add-from-file': {
      post: op(
        'Create a dictionary from a PLS lexicon',
        {
          requestBody: {
            required: true,
            content: { 'multipart/form-data': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' }, file: { type: 'string', format: 'binary' } } } } },
          },
          responses: { '200': json('{id, name, version_id, version_rules_num, ...}') },
        },
        [400, 401, 413, 415, 422],
      ),
    },
    '/v1/pronunciation-dictionaries': {
      get: op('List the calling key’s dictionaries (cursor paging)', { parameters: queryParameters(listSchema), responses: { '200': json('{pronunciation_dictionaries, has_more, next_cursor?}') } }, [400, 401, 422]),
    },
    '/v1/pronunciation-dictionaries/{id}': {
      // The two creation routes are served as this one path (see pronunciation-dictionaries.ts).
      post: op('Create: `add-from-rules` or `add-from-file`, as above', { parameters: [{ ...id, schema: { enum: ['add-from-rules', 'add-from-file'] } }], responses: { '200': json('The new dictionary') } }, [400, 401, 405, 413, 415, 422]),
      get: op('A dictionary and its latest rules', { parameters: [id], responses: { '200': json('Metadata and rules') } }, [401, 404]),
      patch: op('Rename or (un)archive (no new version)', { parameters: [id], requestBody: body(patchSchema), responses: { '200': json('Metadata') } }, [401, 404, 422]),
    },
    '/v1/pronunciation-dictionaries/{id}/add-rules': rulesChange('Add rules (a rule for a string already there replaces it)', rulesBody),
    '/v1/pronunciation-dictionaries/{id}/remove-rules': rulesChange('Remove the rules for these strings', removeBody),
    '/v1/pronunciation-dictionaries/{id}/set-rules': rulesChange('Replace every rule', rulesBody),
    '/v1/pronunciation-dictionaries/{id}/{version_id}/download': {
      get: op('A version as a PLS lexicon', { parameters: [id, versionId], responses: { '200': { description: 'PLS', content: { 'application/pls+xml': { schema: { type: 'string' } } } } } }, [401, 404]),
    },
  }
}
