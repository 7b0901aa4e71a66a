/**
 * Markup, dictionaries and clean-up on streaming sessions, where text arrives in pieces:
 * a tag or a `**` split across two messages, an element open across sentences, alignment over
 * the characters the client sent, and bad markup or locators answered in the protocol (1008).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { longestSilence } from './support/silence.ts'
import { startService, type RunningService } from './support/service.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let svc: RunningService
let ws: string

beforeAll(async () => {
  svc = await startService({ TTS_ENGINE: 'espeak-wasm' })
  ws = svc.url.replace(/^http/, 'ws')
})
afterAll(() => svc?.stop())

interface Spoken {
  pcm: Int16Array
  chars: string
  client: WsClient
}

/** One stream-input session: the opening message, then each piece of text, then the end. */
async function session(pieces: string[], query = '', opening: Record<string, unknown> = {}): Promise<Spoken> {
  const client = new WsClient(`${ws}/v1/text-to-speech/en-us-f1/stream-input?output_format=pcm_22050${query}`)
  await client.opened
  client.send({ text: ' ', ...opening })
  for (const text of pieces) client.send({ text })
  client.send({ text: '' })
  await client.next(isJson((j) => j.isFinal === true || j.code === 1008))
  const audio = client.json().filter((m) => typeof m.audio === 'string')
  const bytes = Buffer.concat(audio.map((m) => Buffer.from(m.audio, 'base64')))
  const chars = audio.map((m) => (m.alignment?.chars ?? []).join('')).join('')
  return { pcm: new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1), chars, client }
}

describe('stream-input with enable_ssml_parsing=true', () => {
  test('a <break> split across two messages is one pause of one second, and no tag is read', async () => {
    const { pcm, chars } = await session(['Hello <bre', 'ak time="1s"/> world. '], '&enable_ssml_parsing=true')
    expect(Math.abs(longestSilence(pcm, 22050).seconds - 1)).toBeLessThanOrEqual(0.02)
    // Alignment indexes what the client sent, the tag's characters included (they take no time).
    expect(chars).toBe('Hello <break time="1s"/> world.')
  })

  test('without enable_ssml_parsing the same text is not markup', async () => {
    const { pcm } = await session(['Hello <bre', 'ak time="1s"/> world. '])
    expect(longestSilence(pcm, 22050).seconds).toBeLessThan(0.9)
  })

  test('an element open across sentences styles both; it sounds like the two said in one document', async () => {
    const split = await session(['<prosody rate="slow">One. ', 'Two.</prosody> '], '&enable_ssml_parsing=true')
    const whole = await session(['<prosody rate="slow">One.</prosody> ', '<prosody rate="slow">Two.</prosody> '], '&enable_ssml_parsing=true')
    expect(split.pcm).toEqual(whole.pcm)
  })

  test('a bare & or a < that starts no tag is text, as an LLM writes it', async () => {
    const { pcm, chars, client } = await session(['Tom & Jerry say 3 <', ' 5. <break time="1s"/> Done. '], '&enable_ssml_parsing=true')
    expect(client.json().find((m) => m.code === 1008)).toBeUndefined()
    expect(Math.abs(longestSilence(pcm, 22050).seconds - 1)).toBeLessThanOrEqual(0.02)
    expect(chars).toBe('Tom & Jerry say 3 < 5. <break time="1s"/> Done.')
  })

  test('malformed markup: an error message naming the place in the stream, then close 1008', async () => {
    const { client } = await session(['First sentence. ', 'Then </prosody> oops. '], '&enable_ssml_parsing=true')
    const error = client.json().find((m) => m.code === 1008)
    expect(error).toMatchObject({ error: 'invalid_ssml', message: expect.stringContaining(`character ${'First sentence. Then '.length}`) })
    expect((await client.closed).code).toBe(1008)
  })

  test('multi-stream-input with enable_ssml_parsing: a context reads a tag split across its messages', async () => {
    const client = new WsClient(`${ws}/v1/text-to-speech/en-us-f1/multi-stream-input?output_format=pcm_22050&enable_ssml_parsing=true`)
    await client.opened
    client.send({ text: ' ', context_id: 'a' })
    client.send({ text: 'Hello <break ', context_id: 'a' })
    client.send({ text: 'time="1s"/> world. ', context_id: 'a' })
    client.send({ context_id: 'a', flush: true })
    // Closing the socket speaks every open context to its end first.
    client.send({ close_socket: true })
    expect((await client.closed).code).toBe(1000)
    const audio = client.json().filter((m) => typeof m.audio === 'string' && m.contextId === 'a')
    const bytes = Buffer.concat(audio.map((m) => Buffer.from(m.audio, 'base64')))
    expect(Math.abs(longestSilence(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1), 22050).seconds - 1)).toBeLessThanOrEqual(0.02)
    expect(audio.map((m) => (m.alignment?.chars ?? []).join('')).join('')).toBe('Hello <break time="1s"/> world.')
  })
})

describe('clean-up and dictionaries on a stream', () => {
  test('"**" split across messages is never read: the session sounds like the plain text', async () => {
    const md = await session(['This is *', '*really** good. '])
    const plain = await session(['This is really good. '])
    expect(md.pcm).toEqual(plain.pcm)
    expect(md.chars).toBe('This is **really** good.')
  })

  test('the opening message’s locators apply to every sentence; a missing one closes 1008', async () => {
    const made = await fetch(`${svc.url}/v1/pronunciation-dictionaries/add-from-rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'stream', rules: [{ type: 'alias', string_to_replace: 'tomato', alias: 'tomahto' }] }),
    })
    const { id } = (await made.json()) as { id: string }
    const ruled = await session(['I like tomato. ', 'Tomato is red. '], '', { pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: id }] })
    const said = await session(['I like tomahto. ', 'Tomato is red. '])
    // Case-sensitive by default: "Tomato" keeps its own reading.
    expect(ruled.pcm).toEqual(said.pcm)
    const missing = await session(['Hello. '], '', { pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: 'nope' }] })
    expect(missing.client.json().find((m) => m.code === 1008)).toMatchObject({ error: 'pronunciation_dictionary_not_found' })
    expect((await missing.client.closed).code).toBe(1008)
  })

  test('"$3.50" split across messages is said as words, and its alignment times the client’s own characters', async () => {
    const spoken = await session(['It costs $3', '.50 today. '])
    expect(spoken.pcm).toEqual((await session(['It costs three dollars and fifty cents today. '])).pcm)
    expect(spoken.chars).toBe('It costs $3.50 today.')
    // Times are relative to each chunk (as ElevenLabs sends them): add the audio before it.
    const starts: number[] = []
    let offsetMs = 0
    for (const m of spoken.client.json().filter((m) => typeof m.audio === 'string')) {
      starts.push(...((m.alignment?.charStartTimesMs ?? []) as number[]).map((t) => t + offsetMs))
      offsetMs += (Buffer.from(m.audio, 'base64').byteLength / 2 / 22050) * 1000
    }
    expect(starts).toEqual(starts.toSorted((a, b) => a - b))
    // "three dollars and fifty cents" takes time: "today" comes well after the "$".
    expect(starts[spoken.chars.indexOf('today')]! - starts[spoken.chars.indexOf('$')]!).toBeGreaterThan(1000)
  })

  test('a link split across messages is held back until whole; brackets that never become one hold nothing back', async () => {
    const linked = await session(['See [the', ' docs](https://example.com/a_(b)). ', 'Done. '])
    expect(linked.pcm).toEqual((await session(['See the docs. ', 'Done. '])).pcm)
    // An LLM's stray "](" with no address after it: the sentences after it are spoken while the session goes on.
    const client = new WsClient(`${ws}/v1/text-to-speech/en-us-f1/stream-input?output_format=pcm_22050&auto_mode=true`)
    await client.opened
    client.send({ text: ' ' })
    for (const text of ['See [the docs](http://example.com/a. ', 'More text here. ', 'And more text again. ']) client.send({ text })
    expect(await client.next(isJson((j) => typeof j.audio === 'string' || j.code !== undefined))).toMatchObject({ kind: 'text', json: { audio: expect.any(String) } })
    client.send({ text: '' })
    await client.next(isJson((j) => j.isFinal === true))
  })

  test('/v1/stream cleans markdown too', async () => {
    const spoken = async (text: string) => {
      const client = new WsClient(`${ws}/v1/stream`)
      await client.opened
      client.send({ type: 'start', voice: 'en-us-f1', format: 'pcm', sample_rate: 22050 })
      client.send({ type: 'text', text })
      client.send({ type: 'close' })
      await client.next(isJson((j) => j.type === 'end'))
      return Buffer.concat(client.binary().map((b) => b.subarray(4)))
    }
    expect(await spoken('# Done\n**All** good. ')).toEqual(await spoken('Done.\nAll good. '))
  })
})
