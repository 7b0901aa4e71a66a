import { describe, expect, test } from 'bun:test'
import { Hono } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { errorResponse, toApiError } from '../errors.ts'
import { apiKeyAuth, apiKeyChecker, presentedKey } from './api-key-auth.ts'

function app(keys: string[]) {
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    c.set('apiStyle', 'openai')
    await next()
  })
  app.use(apiKeyAuth({ keys }))
  app.get('/x', (c) => c.text('ok'))
  app.onError((err) => errorResponse(toApiError(err), 'openai'))
  return app
}

describe('apiKeyAuth', () => {
  test('lets everything through when no keys are configured', async () => {
    expect((await app([]).request('/x')).status).toBe(200)
  })

  test('accepts any configured key from either vendor header, and nothing else', async () => {
    const a = app(['alpha', 'beta'])
    expect((await a.request('/x', { headers: { authorization: 'Bearer beta' } })).status).toBe(200)
    expect((await a.request('/x', { headers: { 'xi-api-key': 'alpha' } })).status).toBe(200)
    expect((await a.request('/x', { headers: { authorization: 'Bearer alph' } })).status).toBe(401)
    expect((await a.request('/x', { headers: { authorization: 'Basic alpha' } })).status).toBe(401)
    expect((await a.request('/x')).status).toBe(401)
  })
})

test('apiKeyChecker and presentedKey agree with the middleware', () => {
  const valid = apiKeyChecker(['k1'])
  expect(valid('k1')).toBe(true)
  expect(valid('k2')).toBe(false)
  expect(valid(undefined)).toBe(false)
  expect(apiKeyChecker([])(undefined)).toBe(true)
  expect(presentedKey('Bearer  tok ', undefined)).toBe('tok')
  expect(presentedKey(undefined, 'xi')).toBe('xi')
})
