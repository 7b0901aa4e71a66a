import { afterAll, expect, test } from 'bun:test'
import type { UpstreamPiece } from '../upstream/upstream-audio.ts'
import { UpstreamError } from '../upstream/upstream-error.ts'
import { waitUntil } from '../../../../test/support/wait.ts'
import { StreamInputLink } from './stream-input-link.ts'

// A scripted stream-input server: it records what it receives and answers each flushed text
// with what `answer` says (audio messages with alignment, or nothing).
const received: unknown[] = []
let answer: (text: string) => object[] = () => []
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(req, srv) {
    return srv.upgrade(req) ? undefined : new Response('upgrade only', { status: 426 })
  },
  websocket: {
    message(ws, data) {
      const msg = JSON.parse(String(data)) as { text: string; flush?: boolean }
      received.push(msg)
      if (msg.flush) for (const reply of answer(msg.text)) ws.send(JSON.stringify(reply))
    },
  },
})
afterAll(() => server.stop(true))

/** One audio message per word: 100 samples each, alignment chunk-relative. */
const perWord = (text: string) =>
  text.trim() && /\w/.test(text)
    ? text.trim().split(' ').map((word) => ({
        audio: Buffer.from(new Uint8Array(200)).toString('base64'),
        isFinal: null,
        alignment: { chars: [...`${word} `], charStartTimesMs: [...`${word} `].map((_, i) => i), charDurationsMs: [...`${word} `].map(() => 1) },
      }))
    : []

function link(keepAliveMs = 60_000) {
  const gone: (UpstreamError | undefined)[] = []
  const l = new StreamInputLink({
    engine: 'eleven',
    url: `ws://127.0.0.1:${server.port}/`,
    headers: {},
    opening: { text: ' ' },
    sampleRate: 1000,
    keepAliveMs,
    idleTimeoutMs: 2000,
    onGone: (_l, err) => gone.push(err),
  })
  return { l, gone }
}

async function speak(l: StreamInputLink, text: string): Promise<UpstreamPiece[]> {
  const out: UpstreamPiece[] = []
  for await (const piece of l.speak(text)) out.push(piece)
  return out
}

test('sentences in flight at once each get their own audio, with word boundaries, in order', async () => {
  received.length = 0
  answer = perWord
  const { l, gone } = link()
  const [a, b, c] = await Promise.all([speak(l, 'One two. '), speak(l, '... '), speak(l, 'Three. ')])
  expect(a.map((p) => p.boundaries?.[0]?.textOffset)).toEqual([0, 4])
  expect(a[1]!.boundaries![0]!.sampleOffset).toBe(100)
  // A sentence the upstream made no audio for ends when the next one's audio arrives.
  expect(b).toEqual([])
  expect(c).toHaveLength(1)
  l.close()
  await waitUntil(() => received.length >= 5, 5000, 'the end of input received')
  expect(received[0]).toEqual({ text: ' ' })
  expect(received.slice(1, 4)).toEqual([
    { text: 'One two. ', flush: true },
    { text: '... ', flush: true },
    { text: 'Three. ', flush: true },
  ])
  expect(gone).toEqual([undefined])
})

test('a space keeps the upstream awake between turns, and closing sends the end of input', async () => {
  received.length = 0
  answer = perWord
  const { l } = link(30)
  await speak(l, 'Hello. ')
  const spaces = () => received.filter((m) => (m as { text: string }).text === ' ').length
  const before = spaces()
  await waitUntil(() => spaces() >= before + 2, 5000, 'keep-alive spaces')
  l.close()
  await waitUntil(() => received.some((m) => (m as { text: string }).text === ''), 5000, 'the end of input')
  expect(received.at(-1)).toEqual({ text: '' })
})

test('an error message from the upstream fails the sentences waiting on the link', async () => {
  answer = () => [{ message: 'quota exceeded', error: 'quota_exceeded', code: 1008 }]
  const { l, gone } = link()
  const err = await speak(l, 'Will fail. ').catch((e: unknown) => e)
  expect(err).toBeInstanceOf(UpstreamError)
  expect((err as UpstreamError).reason).toBe('bad_response')
  expect(gone[0]?.reason).toBe('bad_response')
  await expect(speak(l, 'After it. ')).rejects.toBeInstanceOf(UpstreamError)
})

test('a link to nowhere fails its first sentence as a connect error', async () => {
  const dead = new StreamInputLink({
    engine: 'eleven',
    url: 'ws://127.0.0.1:9/',
    headers: {},
    opening: { text: ' ' },
    sampleRate: 1000,
    keepAliveMs: 60_000,
    idleTimeoutMs: 2000,
    onGone: () => {},
  })
  const err = (await speak(dead, 'Hello. ').catch((e: unknown) => e)) as UpstreamError
  expect(err.reason).toBe('connect')
})
