/**
 * Speech markup, pronunciation dictionaries and text clean-up through the real service's HTTP
 * routes. The embedded WASM espeak-ng is deterministic, so equal decoded PCM proves equal
 * meaning: a request sounds exactly like the text it should have become.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js'
import { longestSilence } from './support/silence.ts'
import { startService, type RunningService } from './support/service.ts'
import { isJson, WsClient } from './support/ws-client.ts'

const KEY = 'markup-key-a'
const OTHER = 'markup-key-b'
let svc: RunningService
let sdk: ElevenLabsClient

beforeAll(async () => {
  svc = await startService({ TTS_ENGINE: 'espeak-wasm', TTS_API_KEYS: `${KEY},${OTHER}` })
  sdk = new ElevenLabsClient({ baseUrl: svc.url, apiKey: KEY, maxRetries: 0 })
})
afterAll(() => svc?.stop())

// Each API's own key header (an xi-api-key makes any route answer in ElevenLabs' shape).
const post = (path: string, body: unknown, key = KEY) =>
  fetch(`${svc.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(path.startsWith('/v1/audio') ? { authorization: `Bearer ${key}` } : { 'xi-api-key': key }) },
    body: JSON.stringify(body),
  })

/** ElevenLabs' route, 22.05 kHz PCM straight from the engine. */
async function speak(text: string, extra: Record<string, unknown> = {}, key = KEY): Promise<{ pcm: Int16Array; res: Response }> {
  const res = await post('/v1/text-to-speech/en-us-f1?output_format=pcm_22050', { text, ...extra }, key)
  expect(res.status, await res.clone().text().catch(() => '')).toBe(200)
  const bytes = new Uint8Array(await res.arrayBuffer())
  return { pcm: new Int16Array(bytes.buffer, 0, bytes.byteLength >> 1), res }
}
const same = async (a: string, b: string, extra: Record<string, unknown> = {}) => expect((await speak(a, extra)).pcm).toEqual((await speak(b)).pcm)

describe('text clean-up', () => {
  test('"**Hello** _world_!" sounds exactly like "Hello world!"', async () => {
    await same('**Hello** _world_!', 'Hello world!')
  })

  test('"$3.50" sounds exactly like its spelled-out reading; off speaks it as written', async () => {
    await same('It costs $3.50.', 'It costs three dollars and fifty cents.')
    const written = await speak('It costs $3.50.', { apply_text_normalization: 'off' })
    expect(written.pcm).not.toEqual((await speak('It costs three dollars and fifty cents.')).pcm)
  })

  test('an LLM answer: headings, lists, links and emoji are not read', async () => {
    await same('## Plan 🎉\n- Buy **milk**\n- See [the docs](https://example.com/docs)', 'Plan.\nBuy milk.\nSee the docs.')
  })
})

describe('TTS_TEXT_NORMALIZATION sets what a request that does not say gets', () => {
  let off: RunningService
  beforeAll(async () => {
    off = await startService({ TTS_ENGINE: 'espeak-wasm', TTS_TEXT_NORMALIZATION: 'off' })
  })
  afterAll(() => off?.stop())

  test('off: spoken as written unless the request asks for clean-up', async () => {
    const text = 'It costs **$3.50**.'
    const there = async (extra: Record<string, unknown> = {}): Promise<Int16Array> => {
      const res = await fetch(`${off.url}/v1/text-to-speech/en-us-f1?output_format=pcm_22050`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, ...extra }) })
      expect(res.status).toBe(200)
      const bytes = new Uint8Array(await res.arrayBuffer())
      return new Int16Array(bytes.buffer, 0, bytes.byteLength >> 1)
    }
    expect(await there()).toEqual((await speak(text, { apply_text_normalization: 'off' })).pcm)
    expect(await there({ apply_text_normalization: 'on' })).toEqual((await speak('It costs three dollars and fifty cents.')).pcm)
  })
})

describe('SSML', () => {
  test('ElevenLabs reads <break> inline: one second of silence, to within 20 ms', async () => {
    const { pcm } = await speak('Hello <break time="1s"/> world.')
    const pause = longestSilence(pcm, 22050)
    expect(Math.abs(pause.seconds - 1)).toBeLessThanOrEqual(0.02)
    // A "<" that starts no tag is text beside them, as in plain text.
    const compared = await speak('Is 3 < 5? <break time="1s"/> Yes.')
    expect(Math.abs(longestSilence(compared.pcm, 22050).seconds - 1)).toBeLessThanOrEqual(0.02)
  })

  test('a phoneme tag changes the word; the same phonemes from a dictionary sound the same', async () => {
    const tagged = await speak('I say <phoneme alphabet="ipa" ph="təˈmɑːtəʊ">tomato</phoneme>.')
    expect(tagged.pcm).not.toEqual((await speak('I say tomato.')).pcm)
    const dict = await sdk.pronunciationDictionaries.createFromRules({
      name: 'british',
      rules: [{ type: 'phoneme', stringToReplace: 'tomato', phoneme: 'təˈmɑːtəʊ', alphabet: 'ipa' }],
    })
    const ruled = await speak('I say tomato.', { pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: dict.id }] })
    expect(ruled.pcm).toEqual(tagged.pcm)
  })

  test('a phoneme tag changes its word and nothing around it: the audio before the word, and the sentences after, are the same', async () => {
    const around = (word: string) => `Good morning. I say ${word} to you. See you soon.`
    const plain = (await speak(around('tomato'))).pcm
    const tagged = (await speak(around('<phoneme alphabet="ipa" ph="təˈmɑːtəʊ">tomato</phoneme>'))).pcm
    expect(tagged).not.toEqual(plain)
    const timed = await post('/v1/text-to-speech/en-us-f1/with-timestamps?output_format=pcm_22050', { text: around('tomato') })
    const { alignment } = (await timed.json()) as { alignment: { character_start_times_seconds: number[] } }
    const wordStart = Math.floor(alignment.character_start_times_seconds[around('tomato').indexOf('tomato')]! * 22050)
    let same = 0
    while (plain[same] === tagged[same]) same++
    expect(same).toBeGreaterThanOrEqual(wordStart)
    const after = (await speak('See you soon.')).pcm
    expect(tagged.subarray(tagged.length - after.length)).toEqual(plain.subarray(plain.length - after.length))
    expect(tagged.subarray(tagged.length - after.length)).toEqual(after)
  })

  test('a CMU Arpabet phoneme sounds exactly like the same phonemes in IPA', async () => {
    const arpabet = await speak('I say <phoneme alphabet="cmu-arpabet" ph="T AH0 M AA1 T OW0">tomato</phoneme>.')
    expect(arpabet.pcm).toEqual((await speak('I say <phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme>.')).pcm)
    expect(arpabet.pcm).not.toEqual((await speak('I say tomato.')).pcm)
  })

  test('OpenAI input that starts with <speak> is SSML; elements outside the subset are spoken as text and named', async () => {
    const res = await post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', response_format: 'pcm', input: '<speak><voice name="x">Hello <say-as interpret-as="characters">abc</say-as></voice></speak>' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-tts-ignored')).toContain('ssml:voice')
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000)
  })

  test('malformed markup is a 400 in each API’s shape naming the place', async () => {
    const eleven = await post('/v1/text-to-speech/en-us-f1', { text: 'Hello <break time="1s" world' })
    expect(eleven.status).toBe(400)
    expect(((await eleven.json()) as { detail: { status: string; message: string } }).detail).toMatchObject({ status: 'invalid_ssml', message: expect.stringMatching(/line 1, column \d+/) })
    const openai = await post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: '<speak>\nHello <emphasis>there\n</speak>' })
    expect(openai.status).toBe(400)
    expect(((await openai.json()) as { error: Record<string, string> }).error).toMatchObject({ code: 'invalid_ssml', param: 'input', message: expect.stringMatching(/line 3/) })
  })

  test('hostile XML never reaches an engine: entities, billion laughs, deep nesting, huge attributes, endless pauses', async () => {
    const lol = '<speak><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>&b;</speak>'
    const inputs = [
      '<!DOCTYPE speak [<!ENTITY a "x">]><speak>&a;</speak>',
      lol,
      '<speak>&xxe;</speak>',
      `<speak>${'<emphasis>'.repeat(60)}x${'</emphasis>'.repeat(60)}</speak>`,
      `<speak><sub alias="${'a'.repeat(3000)}">x</sub></speak>`,
      // Half an hour of silence from 4 KB of tags: refused, not synthesised and cached.
      `<speak>${'<break time="10s"/>'.repeat(180)}</speak>`,
    ]
    for (const input of inputs) {
      const res = await post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input })
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_ssml')
    }
  })
})

describe('pronunciation dictionaries on requests', () => {
  test('an alias makes "tomato" sound exactly like its alias; a new version is new audio, an old one stays', async () => {
    const dict = await sdk.pronunciationDictionaries.createFromRules({ name: 'tomatoes', rules: [{ type: 'alias', stringToReplace: 'tomato', alias: 'tomahto' }] })
    const locator = (version?: string) => ({ pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: dict.id, ...(version && { version_id: version }) }] })
    const first = await speak('I like tomato soup.', locator())
    expect(first.pcm).toEqual((await speak('I like tomahto soup.')).pcm)
    const changed = await sdk.pronunciationDictionaries.rules.set(dict.id, { rules: [{ type: 'alias', stringToReplace: 'tomato', alias: 'tomayto' }] })
    const latest = await speak('I like tomato soup.', locator())
    expect(latest.res.headers.get('x-cache')).toBe('MISS')
    expect(latest.pcm).toEqual((await speak('I like tomayto soup.')).pcm)
    const pinned = await speak('I like tomato soup.', locator(dict.versionId))
    expect(pinned.res.headers.get('x-cache')).toBe('HIT')
    expect(pinned.pcm).toEqual(first.pcm)
    expect((await speak('I like tomato soup.', locator(changed.versionId))).res.headers.get('x-cache')).toBe('HIT')
  })

  test('on a socket, another key’s dictionary is as missing as one that never was: close 1008', async () => {
    const theirs = await sdk.pronunciationDictionaries.createFromRules({ name: 'theirs', rules: [] })
    const client = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/text-to-speech/en-us-f1/stream-input`)
    await client.opened
    client.send({ text: ' ', 'xi-api-key': OTHER, pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: theirs.id }] })
    const error = await client.next(isJson((j) => j.code === 1008))
    expect(error.kind === 'text' && error.json).toMatchObject({ error: 'pronunciation_dictionary_not_found' })
    expect((await client.closed).code).toBe(1008)
  })

  test('a locator of a missing dictionary, or of another key’s, is a 400 naming the locator', async () => {
    const mine = await sdk.pronunciationDictionaries.createFromRules({ name: 'mine', rules: [] })
    for (const [id, key] of [['no-such-dictionary', KEY], [mine.id, OTHER]] as const) {
      const res = await post('/v1/text-to-speech/en-us-f1', { text: 'Hello.', pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: id }] }, key)
      expect(res.status).toBe(400)
      const body = (await res.json()) as { detail: { status: string; message: string } }
      expect(body.detail.status).toBe('pronunciation_dictionary_not_found')
      expect(body.detail.message).toContain('pronunciation_dictionary_locators[0]')
    }
  })
})

describe('alignment indexes the client’s own characters', () => {
  test('with-timestamps over markup and clean-up: every character the client sent, in order, timed', async () => {
    const text = 'Pay **$3.50** <break time="300ms"/> now.'
    const res = await post('/v1/text-to-speech/en-us-f1/with-timestamps', { text })
    expect(res.status).toBe(200)
    const { alignment } = (await res.json()) as { alignment: { characters: string[]; character_start_times_seconds: number[] } }
    expect(alignment.characters.join('')).toBe(text)
    const at = (i: number) => alignment.character_start_times_seconds[i]!
    expect(at(text.indexOf('now'))).toBeGreaterThan(at(text.indexOf('$3.50')) + 0.3)
  })

  test('with-timestamps through a dictionary: an alias is timed over the characters it replaced', async () => {
    const dict = await sdk.pronunciationDictionaries.createFromRules({ name: 'acronyms', rules: [{ type: 'alias', stringToReplace: 'UN', alias: 'United Nations General Assembly' }] })
    const text = 'The UN met today.'
    const timed = async (locators: unknown[]) => {
      const res = await post('/v1/text-to-speech/en-us-f1/with-timestamps', { text, pronunciation_dictionary_locators: locators })
      expect(res.status).toBe(200)
      return ((await res.json()) as { alignment: { characters: string[]; character_start_times_seconds: number[] } }).alignment
    }
    const ruled = await timed([{ pronunciation_dictionary_id: dict.id }])
    expect(ruled.characters.join('')).toBe(text)
    const met = (a: typeof ruled) => a.character_start_times_seconds[text.indexOf('met')]! - a.character_start_times_seconds[text.indexOf('UN')]!
    // "United Nations General Assembly" takes far longer to say than "U N".
    expect(met(ruled)).toBeGreaterThan(met(await timed([])) + 0.5)
  })
})
