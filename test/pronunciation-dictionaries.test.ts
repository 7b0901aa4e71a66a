/**
 * Pronunciation dictionaries through the official ElevenLabs SDK against the real service:
 * the round trip (rules → PLS → a new dictionary), paging, ownership per API key, durability
 * across a restart (SQLite) and sharing between replicas (a real redis-server), and bad input.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'
import { startService, type RunningService } from './support/service.ts'

const KEY = 'dict-key-a'
const OTHER = 'dict-key-b'
const dataDir = mkdtempSync(join(tmpdir(), 'tts-dict-data-'))
const env = { TTS_ENGINE: 'espeak-wasm', TTS_API_KEYS: `${KEY},${OTHER}`, TTS_DATA_DIR: dataDir, TTS_DICT_MAX_RULES: '50', TTS_DICT_MAX_FILE_BYTES: '4096', TTS_DICT_MAX_PER_KEY: '6' }
let svc: RunningService
let client: ElevenLabsClient
let other: ElevenLabsClient

const sdk = (url: string, apiKey: string) => new ElevenLabsClient({ baseUrl: url, apiKey, maxRetries: 0 })
const text = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text()
const statusOf = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (err) {
    if (err instanceof ElevenLabsError) return { status: err.statusCode, body: err.body as { detail: unknown } }
    throw err
  }
  throw new Error('expected the request to fail')
}

beforeAll(async () => {
  svc = await startService(env)
  client = sdk(svc.url, KEY)
  other = sdk(svc.url, OTHER)
})
afterAll(() => svc?.stop())

describe('pronunciation dictionaries through the ElevenLabs SDK', () => {
  let id = ''
  let version = ''

  test('create from rules, add a rule, download the PLS and import it as a new dictionary', async () => {
    const created = await client.pronunciationDictionaries.createFromRules({
      name: 'Brands',
      description: 'how we say our names',
      rules: [
        { type: 'alias', stringToReplace: 'tomato', alias: 'tomahto' },
        { type: 'phoneme', stringToReplace: 'Nginx', phoneme: 'ˈɛndʒɪnˈɛks', alphabet: 'ipa', caseSensitive: false },
      ],
    })
    expect(created).toMatchObject({ name: 'Brands', versionRulesNum: 2, description: 'how we say our names', permissionOnResource: 'admin' })
    id = created.id

    const added = await client.pronunciationDictionaries.rules.add(id, {
      rules: [{ type: 'phoneme', stringToReplace: 'SQL', phoneme: 'S IY1 K W AH0 L', alphabet: 'cmu-arpabet' }],
    })
    expect(added.versionRulesNum).toBe(3)
    expect(added.versionId).not.toBe(created.versionId)
    version = added.versionId

    const pls = await text(await client.pronunciationDictionaries.download(id, version))
    expect(pls).toContain('<lexicon')
    expect(pls).toContain('<grapheme>SQL</grapheme>')

    const imported = await client.pronunciationDictionaries.createFromFile({ name: 'Imported', file: new Blob([pls], { type: 'application/pls+xml' }) })
    expect(imported.versionRulesNum).toBe(3)
    const again = await client.pronunciationDictionaries.get(imported.id)
    const original = await client.pronunciationDictionaries.get(id)
    // PLS has no field for case sensitivity: the imported rules take the defaults.
    const comparable = (rules: typeof again.rules) => rules.map((r) => ({ ...r, caseSensitive: undefined, wordBoundaries: undefined }))
    expect(comparable(again.rules)).toEqual(comparable(original.rules))
    expect(original).toMatchObject({ name: 'Brands', latestVersionId: version, latestVersionRulesNum: 3 })

    // Each locator speaks: the import sounds exactly like the version it came from, and the
    // version before the added rule (a different cache key) sounds different.
    const said = async (...locators: { pronunciationDictionaryId: string; versionId?: string }[]) =>
      new Uint8Array(
        await new Response(
          await client.textToSpeech.convert('en-us-f1', { text: 'I like tomato with SQL and Nginx.', outputFormat: 'pcm_22050', pronunciationDictionaryLocators: locators }),
        ).arrayBuffer(),
      )
    const latest = await said({ pronunciationDictionaryId: id, versionId: version })
    expect(await said({ pronunciationDictionaryId: imported.id })).toEqual(latest)
    const first = await said({ pronunciationDictionaryId: id, versionId: created.versionId })
    expect(first).not.toEqual(latest)
    expect(await said()).not.toEqual(first)
  })

  test('an old version stays downloadable after later changes', async () => {
    const removed = await client.pronunciationDictionaries.rules.remove(id, { ruleStrings: ['tomato'] })
    expect(removed.versionRulesNum).toBe(2)
    expect(await text(await client.pronunciationDictionaries.download(id, version))).toContain('tomahto')
    expect(await text(await client.pronunciationDictionaries.download(id, removed.versionId))).not.toContain('tomahto')
    const set = await client.pronunciationDictionaries.rules.set(id, { rules: [{ type: 'alias', stringToReplace: 'GIF', alias: 'jif' }] })
    expect((await client.pronunciationDictionaries.get(id)).rules).toEqual([{ type: 'alias', stringToReplace: 'GIF', alias: 'jif', caseSensitive: true, wordBoundaries: true }])
    expect(set.versionRulesNum).toBe(1)
  })

  test('rename and archive keep the version; archived dictionaries leave the list unless asked for', async () => {
    const before = await client.pronunciationDictionaries.get(id)
    const patched = await client.pronunciationDictionaries.update(id, { name: 'Brands v2', archived: true })
    expect(patched).toMatchObject({ name: 'Brands v2', latestVersionId: before.latestVersionId })
    expect(patched.archivedTimeUnix).toBeNumber()
    const listed = await client.pronunciationDictionaries.list({ pageSize: 100 })
    expect(listed.pronunciationDictionaries.map((d) => d.id)).not.toContain(id)
    const all = await client.pronunciationDictionaries.list({ pageSize: 100, includeArchived: true })
    expect(all.pronunciationDictionaries.map((d) => d.id)).toContain(id)
    await client.pronunciationDictionaries.update(id, { archived: false })
  })

  test('list pages with a cursor through every dictionary once', async () => {
    for (const n of ['c', 'a', 'b']) await client.pronunciationDictionaries.createFromRules({ name: `page-${n}`, rules: [] })
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await client.pronunciationDictionaries.list({ pageSize: 2, sort: 'name', sortDirection: 'ascending', ...(cursor && { cursor }) })
      expect(page.pronunciationDictionaries.length).toBeLessThanOrEqual(2)
      seen.push(...page.pronunciationDictionaries.map((d) => d.name))
      cursor = page.hasMore ? page.nextCursor : undefined
    } while (cursor)
    expect(seen).toEqual(seen.toSorted())
    expect(seen.filter((n) => n.startsWith('page-'))).toEqual(['page-a', 'page-b', 'page-c'])
  })

  test('another API key sees none of them: 404, as if they did not exist', async () => {
    expect((await statusOf(other.pronunciationDictionaries.get(id))).status).toBe(404)
    expect((await statusOf(other.pronunciationDictionaries.rules.add(id, { rules: [] }))).status).toBe(404)
    expect((await other.pronunciationDictionaries.list()).pronunciationDictionaries).toEqual([])
    expect((await statusOf(sdk(svc.url, 'wrong').pronunciationDictionaries.list())).status).toBe(401)
  })

  test('bad input gets clear errors in ElevenLabs’ shape', async () => {
    const notPls = await statusOf(client.pronunciationDictionaries.createFromFile({ name: 'x', file: new Blob(['<html><body>hi</body></html>']) }))
    expect(notPls.status).toBe(400)
    expect(JSON.stringify(notPls.body)).toContain('not <lexicon>')
    const broken = await statusOf(client.pronunciationDictionaries.createFromFile({ name: 'x', file: new Blob(['<lexicon alphabet="ipa"><lexeme>']) }))
    expect(JSON.stringify(broken.body)).toMatch(/line 1, column \d+/)
    const empty = await statusOf(client.pronunciationDictionaries.createFromRules({ name: 'x', rules: [{ type: 'alias', stringToReplace: ' ', alias: 'y' }] }))
    expect(empty.status).toBe(422)
    expect(JSON.stringify(empty.body)).toContain('string_to_replace must not be empty')
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ type: 'alias' as const, stringToReplace: `w${i}`, alias: 'x' }))
    const limited = await statusOf(client.pronunciationDictionaries.createFromRules({ name: 'x', rules: tooMany }))
    expect(limited.status).toBe(400)
    expect(JSON.stringify(limited.body)).toContain('at most 50 rules')
    const huge = await statusOf(client.pronunciationDictionaries.createFromFile({ name: 'x', file: new Blob(['x'.repeat(8000)]) }))
    expect(huge.status).toBe(413)
    expect((await statusOf(client.pronunciationDictionaries.get('nope'))).status).toBe(404)
    expect((await statusOf(client.pronunciationDictionaries.download(id, 'nope'))).status).toBe(404)
    expect((await statusOf(client.pronunciationDictionaries.list({ cursor: 'garbage' }))).status).toBe(400)
    const nowhere = await fetch(`${svc.url}/v1/pronunciation-dictionaries/add-from-nowhere`, { method: 'POST', headers: { 'xi-api-key': KEY } })
    expect(nowhere.status).toBe(405)
    expect(((await nowhere.json()) as { detail: { status: string } }).detail.status).toBe('method_not_allowed')
  })

  test('one dictionary past TTS_DICT_MAX_PER_KEY is a 400 for that key only', async () => {
    const make = (sdkClient: ElevenLabsClient, name: string) => sdkClient.pronunciationDictionaries.createFromRules({ name, rules: [] })
    for (let i = 0; i < 6; i++) await make(other, `theirs-${i}`)
    const over = await statusOf(make(other, 'one too many'))
    expect(over.status).toBe(400)
    expect(over.body.detail).toMatchObject({ status: 'pronunciation_dictionary_limit_exceeded', message: expect.stringContaining('6') })
    expect((await make(client, 'still mine')).name).toBe('still mine')
  })

  test('dictionaries survive a restart (SQLite under TTS_DATA_DIR)', async () => {
    await svc.stop()
    svc = await startService(env)
    const again = sdk(svc.url, KEY)
    expect((await again.pronunciationDictionaries.get(id)).name).toBe('Brands v2')
  })
})

describe('replicas sharing Redis', () => {
  let redis: RedisServer
  let a: RunningService
  let b: RunningService
  beforeAll(async () => {
    redis = await startRedisServer()
    ;[a, b] = await Promise.all([startService({ TTS_REDIS_URL: redis.url, TTS_ENGINE: 'espeak-wasm' }), startService({ TTS_REDIS_URL: redis.url, TTS_ENGINE: 'espeak-wasm' })])
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.stop()
  })

  test('a dictionary made on one replica is read, changed and spoken with on the other', async () => {
    const made = await sdk(a.url, '').pronunciationDictionaries.createFromRules({ name: 'shared', rules: [{ type: 'alias', stringToReplace: 'k8s', alias: 'kubernetes' }] })
    const onB = sdk(b.url, '')
    expect((await onB.pronunciationDictionaries.get(made.id)).rules.length).toBe(1)
    const changed = await onB.pronunciationDictionaries.rules.add(made.id, { rules: [{ type: 'alias', stringToReplace: 'TTS', alias: 'text to speech' }] })
    expect((await sdk(a.url, '').pronunciationDictionaries.get(made.id)).latestVersionId).toBe(changed.versionId)

    // Replica a speaks with the rule b added (the latest version, read from Redis).
    const pcm = async (text: string, locators: { pronunciationDictionaryId: string }[] = []) =>
      new Uint8Array(await new Response(await sdk(a.url, '').textToSpeech.convert('en-us-f1', { text, outputFormat: 'pcm_22050', pronunciationDictionaryLocators: locators })).arrayBuffer())
    expect(await pcm('TTS on k8s.', [{ pronunciationDictionaryId: made.id }])).toEqual(await pcm('text to speech on kubernetes.'))
  })
})
