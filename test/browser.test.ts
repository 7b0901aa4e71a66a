/**
 * The playground in a real browser (Debian's Chromium, headless, through playwright-core)
 * against the real service: what a person would do, checked through what the page itself
 * heard (`window.__tts`, the page's read-only debug view) rather than the network alone.
 * Every wait is for a page condition, never a fixed sleep.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, pageErrors } from './support/browser.ts'
import { startService, type RunningService } from './support/service.ts'

interface StreamStats {
  framesReceived: number
  framesScheduled: number
  framesAfterStop: number
  maxSeq: number
  firstFrameAt?: number
  endAt?: number
  stoppedAt?: number
  framesScheduledAtStop?: number
  secondsAheadAtStop?: number
  cancelledLastSeq?: number
  playing: number
}
interface TtsDebug {
  state: string
  voices: number
  languages: number
  lastDecodedDuration?: number
  lastFormat?: string
  /** Whether WebCodecs here decodes Opus packets (then Stream with Opus uses them). */
  opusPackets: boolean
  stream?: StreamStats
  outputPeak(): number
}
declare global {
  // What app.js exposes; only these tests (inside page.evaluate) read it.
  interface Window {
    __tts: TtsDebug
  }
}

const OUTPUT = join(import.meta.dir, '..', 'test-output')
const TRACE_TEMPLATE = 'http://grafana.test/explore?left={"datasource":"tempo","queries":[{"query":"{traceId}"}]}'
const PARAGRAPH = 'The storm rolled in at dusk. Lights flickered across the harbour. The boats rocked at their moorings. By midnight the rain had stopped. The town slept. At dawn the fishermen went back out.'
// At quarter speed each sentence is seconds of audio: the stream is still arriving when Stop is pressed.
const LONG = Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} walks slowly across the long and winding page.`).join(' ')
// A peak above this means the page is really producing sound (silence is exactly 0).
const AUDIBLE = 0.001

let svc: RunningService
let browser: Browser
let page: Page
let errors: string[]

beforeAll(async () => {
  // Side by side to save time; settled so a missing Chromium still leaves a service to stop.
  // Every trace kept, so the playground links each request's trace (it links only kept ones).
  const [service, chromium] = await Promise.allSettled([startService({ TTS_TRACE_URL_TEMPLATE: TRACE_TEMPLATE, TTS_TRACE_KEEP_RATIO: '1' }), launchChromium()])
  if (service.status === 'fulfilled') svc = service.value
  if (chromium.status === 'fulfilled') browser = chromium.value
  for (const result of [chromium, service]) if (result.status === 'rejected') throw result.reason
})
afterAll(async () => {
  await browser?.close()
  await svc?.stop()
}, 30_000)

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1000, height: 900 } })
  errors = pageErrors(page)
  await page.goto(`${svc.url}/`)
  await page.waitForFunction(() => window.__tts.state === 'idle')
})
afterEach(async () => {
  await page?.close()
})

const tts = () => page.evaluate(() => {
  const { outputPeak: _, ...data } = window.__tts
  return data
})
const stream = async () => (await tts()).stream!
const audible = () => page.waitForFunction((level) => window.__tts.outputPeak() > level, AUDIBLE)
/** Every frame of the current stream has arrived (and, for Opus, been decoded); playback may go on. */
const received = () =>
  page.waitForFunction(() => ['streaming', 'done'].includes(window.__tts.state) && /^(All audio received|Done)/.test(document.getElementById('status')!.textContent!))
const silent = () => page.waitForFunction(() => window.__tts.outputPeak() === 0, undefined, { timeout: 2000 })

describe('playground', () => {
  test('loads with no console errors; voices grouped by language, gender shown; every control labelled', async () => {
    const debug = await tts()
    expect(debug.voices).toBeGreaterThan(50)
    expect(debug.languages).toBeGreaterThan(10)
    expect(await page.locator('#voice optgroup').count()).toBe(debug.languages)
    expect(await page.locator('#voice').inputValue()).toBe('en-us-f1')
    const english = page.locator('#voice optgroup', { has: page.locator('option[value="en-us-f1"]') })
    expect(await english.getAttribute('label')).toBe('English (America) — en-US')
    const unlabelled = await page.$$eval('#voice option', (options) =>
      options.filter((o) => !o.textContent!.includes((o as HTMLOptionElement).dataset.gender!)).map((o) => o.textContent),
    )
    expect(unlabelled).toEqual([])
    for (const label of ['Text', 'Voice', 'Format', /^Speed/]) await expect(page.getByLabel(label).count()).resolves.toBe(1)
    expect(await page.locator('#status').textContent()).toBe('Ready.')
    expect(errors).toEqual([])
  })

  test('Speak (Ctrl+Enter) plays audio the page decoded; request id and trace link shown', async () => {
    await page.getByLabel('Text').focus()
    await page.keyboard.press('Control+Enter')
    await page.waitForFunction(() => (window.__tts.lastDecodedDuration ?? 0) > 0)
    const { lastDecodedDuration, lastFormat } = await tts()
    expect(lastFormat).toBe('mp3')
    // The default text is two sentences: seconds of speech, not a click and not a minute.
    expect(lastDecodedDuration!).toBeGreaterThan(3)
    expect(lastDecodedDuration!).toBeLessThan(30)
    await audible()

    const requestId = (await page.locator('#info-request-id').textContent())!
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
    await svc.waitForLog((l) => l.request_id === requestId && l.msg === 'request completed')
    const traceId = (await page.locator('#info-trace-id').textContent())!.split(' ')[0]!
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)
    const link = page.getByRole('link', { name: `Open trace ${traceId} in the trace viewer` })
    expect(await link.getAttribute('href')).toBe(TRACE_TEMPLATE.replace('{traceId}', traceId))
    expect(await page.locator('#info-audio').textContent()).toContain(`${lastDecodedDuration!.toFixed(2)} s`)

    mkdirSync(OUTPUT, { recursive: true })
    await page.getByRole('button', { name: 'Stream' }).focus() // shows the focus ring in the picture
    await page.screenshot({ path: join(OUTPUT, 'playground.png'), fullPage: true })
    expect(errors).toEqual([])
  })

  test('every format decodes in the browser to the same length', async () => {
    const durations: Record<string, number> = {}
    for (const format of ['wav', 'mp3', 'flac', 'pcm', 'opus', 'aac']) {
      await page.getByLabel('Format').selectOption(format)
      await page.getByRole('button', { name: 'Speak' }).click()
      await page.waitForFunction((f) => window.__tts.lastFormat === f, format)
      durations[format] = (await tts()).lastDecodedDuration!
    }
    // The browser resamples decoded files to its device rate (a few ms either way) and MP3
    // frames pad the end by a few tens of ms; a wrong decode would be off by far more.
    for (const format of ['flac', 'pcm']) expect(Math.abs(durations[format]! - durations.wav!)).toBeLessThan(0.01)
    expect(Math.abs(durations.mp3! - durations.wav!)).toBeLessThan(0.1)
    // Ogg Opus, decoded by the browser itself: the end-of-stream granule trims the padding.
    expect(Math.abs(durations.opus! - durations.wav!)).toBeLessThan(0.02)
    // ADTS cannot tell the decoder to skip the encoder's one-frame delay: 43 to 85 ms longer.
    expect(durations.aac! - durations.wav!).toBeGreaterThan(0.03)
    expect(durations.aac! - durations.wav!).toBeLessThan(0.1)
    expect(durations.wav!).toBeGreaterThan(3)
    expect(errors).toEqual([])
  }, 30_000)

  test('Stream plays frames as they arrive, before the whole text is synthesised', async () => {
    await page.getByLabel('Text').fill(PARAGRAPH)
    await page.getByRole('button', { name: 'Stream' }).click()
    await page.waitForFunction(() => window.__tts.stream?.endAt !== undefined)
    const stats = await stream()
    expect(stats.framesScheduled).toBeGreaterThan(1)
    expect(stats.framesScheduled).toBe(stats.framesReceived)
    expect(stats.maxSeq).toBe(stats.framesReceived - 1)
    expect(stats.firstFrameAt!).toBeLessThan(stats.endAt!)
    await audible()
    expect(await page.locator('#info-mode').textContent()).toBe('Stream (PCM 24 kHz)')
    const requestId = (await page.locator('#info-request-id').textContent())!
    await svc.waitForLog((l) => l.request_id === requestId && l.msg === 'session started')
    expect(await page.locator('#info-trace-id').textContent()).toMatch(/^[0-9a-f]{32} open trace$/)
    expect(errors).toEqual([])
  })

  test('Stream with Opus: packets decoded by WebCodecs play as they arrive', async () => {
    expect((await tts()).opusPackets).toBe(true)
    await page.getByLabel('Text').fill(PARAGRAPH)
    await page.getByLabel('Format').selectOption('opus')
    await page.getByRole('button', { name: 'Stream' }).click()
    await received()
    const stats = await stream()
    // One 20 ms packet per frame, every one decoded and scheduled.
    expect(stats.framesReceived).toBeGreaterThan(200)
    expect(stats.framesScheduled).toBe(stats.framesReceived)
    expect(stats.firstFrameAt!).toBeLessThan(stats.endAt!)
    expect(await page.locator('#info-mode').textContent()).toBe('Stream (Opus 48 kHz, WebCodecs)')
    // As long as the same text in PCM (each sentence adds at most one packet of padding and the lookahead).
    const audio = (await page.locator('#info-audio').textContent())!
    const opusSeconds = Number(/^([\d.]+) s/.exec(audio)![1])
    await page.getByLabel('Format').selectOption('pcm')
    await page.getByRole('button', { name: 'Stream' }).click()
    await received()
    const pcmSeconds = Number(/^([\d.]+) s/.exec((await page.locator('#info-audio').textContent())!)![1])
    expect(Math.abs(opusSeconds - pcmSeconds) / pcmSeconds).toBeLessThan(0.05)
    await audible()
    expect(errors).toEqual([])
  }, 60_000)

  test('Stop barges in: silence at once, no frame played after it, the service confirms, the page says stopped', async () => {
    await page.getByLabel('Text').fill(LONG)
    await page.getByLabel(/^Speed/).fill('0.25')
    await page.getByRole('button', { name: 'Stream' }).click()
    await page.waitForFunction(() => (window.__tts.stream?.framesScheduled ?? 0) >= 1)
    await audible()
    await page.getByRole('button', { name: 'Stop' }).click()
    expect(await page.locator('#status').textContent()).toMatch(/^Stopped/)
    await silent()
    await page.waitForFunction(() => window.__tts.stream?.cancelledLastSeq !== undefined)
    const stats = await stream()
    expect(stats.endAt).toBeUndefined() // stopped mid-stream, not after it
    expect(stats.secondsAheadAtStop!).toBeGreaterThan(1) // there was queued audio to cut
    expect(stats.framesScheduled).toBe(stats.framesScheduledAtStop!)
    expect(stats.playing).toBe(0)
    expect(stats.maxSeq).toBeLessThanOrEqual(stats.cancelledLastSeq!)
    await expect(page.locator('#status').textContent()).resolves.toContain(`nothing after frame ${stats.cancelledLastSeq}`)
    expect(await page.getByRole('button', { name: 'Stop' }).getAttribute('aria-disabled')).toBe('true')
    expect(errors).toEqual([])
  })

  test('keyboard only: Tab reaches the buttons with a visible focus ring, Ctrl+Shift+Enter streams, Esc stops', async () => {
    await page.getByLabel('Text').fill(LONG)
    await page.getByLabel(/^Speed/).fill('0.25')
    await page.getByLabel('Text').focus()
    await page.keyboard.press('Control+Shift+Enter')
    await page.waitForFunction(() => (window.__tts.stream?.framesScheduled ?? 0) >= 1)
    await page.keyboard.press('Escape')
    expect(await page.locator('#status').textContent()).toMatch(/^Stopped/)
    await silent()

    // Back to a short text at normal speed, by keyboard from the text box to Speak.
    await page.getByLabel('Text').fill('Short and sweet.')
    await page.getByLabel(/^Speed/).fill('1')
    await page.getByLabel('Text').focus()
    const focused = async () => page.evaluate(() => document.activeElement?.id)
    for (let i = 0; i < 10 && (await focused()) !== 'speak'; i++) await page.keyboard.press('Tab')
    expect(await focused()).toBe('speak')
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)
    expect(outline).toBe('solid')
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => window.__tts.lastDecodedDuration !== undefined)
    expect(errors).toEqual([])
  })

  test('bad input shows a readable error: empty text, and the service refusing an over-long one', async () => {
    await page.getByLabel('Text').fill('   ')
    await page.getByRole('button', { name: 'Speak' }).click()
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Type some text to speak first.')
    expect(await page.getByLabel('Text').getAttribute('aria-invalid')).toBe('true')

    await page.getByLabel('Text').fill('word '.repeat(1000))
    await page.getByRole('button', { name: 'Speak' }).click()
    await page.waitForFunction(() => window.__tts.state === 'error' && document.getElementById('info-request-id')!.textContent !== '—')
    expect(await page.getByRole('alert').textContent()).toBe('The service could not use this request: input is 4999 characters; the limit is 4096.')
    expect(await page.locator('#status').textContent()).toBe('Failed.')
    // Chromium reports every 4xx response on the console; nothing else may appear there.
    expect(errors.filter((e) => !/Failed to load resource: the server responded with a status of 400/.test(e))).toEqual([])
  })
})

describe('/docs', () => {
  test('renders every route, and its "Try it out" call to the voices endpoint succeeds', async () => {
    await page.goto(`${svc.url}/docs`)
    await page.locator('.opblock').first().waitFor()
    const summaries = await page.locator('.opblock-summary-path').allTextContents()
    for (const path of ['/v1/audio/speech', '/v1/text-to-speech/{voice_id}', '/v1/stream', '/v1/voices']) {
      expect(summaries.map((t) => t.replace(/\u200b/g, ''))).toContain(path)
    }
    mkdirSync(OUTPUT, { recursive: true })
    await page.screenshot({ path: join(OUTPUT, 'docs.png'), fullPage: false })

    const voices = page.locator('#operations-OpenAI-compatible-get_v1_audio_voices')
    await voices.locator('.opblock-summary').click()
    // The page opens operations in "try it out" mode (tryItOutEnabled): Execute is there at once.
    await voices.getByRole('button', { name: 'Execute' }).click()
    const status = voices.locator('.live-responses-table tbody .response-col_status').first()
    await status.waitFor()
    expect((await status.textContent())?.trim()).toBe('200')
    expect(await voices.locator('.live-responses-table .microlight').first().textContent()).toContain('en-us-f1')
    expect(errors).toEqual([])
  }, 30_000)
})
