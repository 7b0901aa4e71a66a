import { describe, expect, test } from 'bun:test'
import { Hono } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { errorResponse, toApiError } from '../errors.ts'
import { KeyRing, KeySource, sha256Hex } from '../keys/key-ring.ts'
import { apiKeyAuth, keyId, presentedKey } from './api-key-auth.ts'

function app(source: KeySource) {
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    c.set('apiStyle', 'openai')
    await next()
  })
  app.use(apiKeyAuth(source))
  app.get('/x', (c) => c.text(c.get('keyId') ?? 'none'))
  app.onError((err) => errorResponse(toApiError(err), 'openai'))
  return app
}

const fileKey = (id: string, key: string) => ({ id, name: id, sha256: sha256Hex(key), limits: {} })

describe('apiKeyAuth', () => {
  test('accepts any key in force from either vendor header, and nothing else', async () => {
    const a = app(new KeySource(KeyRing.from({ plain: ['alpha', 'beta'] })))
    expect((await a.request('/x', { headers: { authorization: 'Bearer beta' } })).status).toBe(200)
    expect((await a.request('/x', { headers: { 'xi-api-key': 'alpha' } })).status).toBe(200)
    expect((await a.request('/x', { headers: { authorization: 'Bearer alph' } })).status).toBe(401)
    expect((await a.request('/x', { headers: { authorization: 'Basic alpha' } })).status).toBe(401)
    expect((await a.request('/x')).status).toBe(401)
  })

  test('puts the configured id on the context: the file id, or the derived one for TTS_API_KEYS', async () => {
    const a = app(new KeySource(KeyRing.from({ file: [fileKey('team-a', 'secret-a')], plain: ['legacy'] })))
    expect(await (await a.request('/x', { headers: { 'xi-api-key': 'secret-a' } })).text()).toBe('team-a')
    expect(await (await a.request('/x', { headers: { authorization: 'Bearer legacy' } })).text()).toBe(keyId('legacy'))
  })

  test('a swapped ring is in force for the next request', async () => {
    const source = new KeySource(KeyRing.from({ file: [fileKey('team-a', 'secret-a')] }))
    const a = app(source)
    expect((await a.request('/x', { headers: { 'xi-api-key': 'secret-b' } })).status).toBe(401)
    source.replace(KeyRing.from({ file: [fileKey('team-b', 'secret-b')] }))
    expect(await (await a.request('/x', { headers: { 'xi-api-key': 'secret-b' } })).text()).toBe('team-b')
    expect((await a.request('/x', { headers: { 'xi-api-key': 'secret-a' } })).status).toBe(401)
  })
})

test('presentedKey reads either vendor header', () => {
  expect(presentedKey('Bearer  tok ', undefined)).toBe('tok')
  expect(presentedKey(undefined, 'xi')).toBe('xi')
  expect(presentedKey('Basic x', undefined)).toBeUndefined()
})
