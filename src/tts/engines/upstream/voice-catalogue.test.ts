import { afterAll, expect, test } from 'bun:test'
import type { Voice } from '../../engine.ts'
import { guessGender, guessLanguage, VoiceCatalogue } from './voice-catalogue.ts'

// A real voices endpoint that can go down and come back.
let up = true
let fetched = 0
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch() {
    fetched++
    return up ? Response.json({ voices: [{ id: 'af_bella' }, { id: 'am_adam' }] }) : new Response('down', { status: 503 })
  },
})
afterAll(() => server.stop(true))

const load = async (signal: AbortSignal): Promise<Voice[]> => {
  const res = await fetch(server.url, { signal })
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  const { voices } = (await res.json()) as { voices: { id: string }[] }
  return voices.map((v) => ({ id: v.id, name: v.id, language: guessLanguage(undefined, v.id), gender: guessGender(undefined, v.id), engineVoice: v.id }))
}

test('the list is kept for its TTL, then served stale while the upstream is down, then refreshed', async () => {
  const errors: unknown[] = []
  const catalogue = new VoiceCatalogue(load, { ttlMs: 1, onError: (e) => errors.push(e) })
  await catalogue.refresh()
  expect(catalogue.list().map((v) => v.id)).toEqual(['af_bella', 'am_adam'])
  up = false
  await catalogue.refresh()
  expect(errors).toHaveLength(1)
  expect(catalogue.find('AM_ADAM')?.gender).toBe('male')
  expect(catalogue.authoritative).toBe(true)
  up = true
  const before = fetched
  await catalogue.refresh()
  expect(fetched).toBe(before + 1)
})

test('a list younger than its TTL is not fetched again', async () => {
  const catalogue = new VoiceCatalogue(load, { ttlMs: 60_000 })
  await catalogue.refresh()
  const before = fetched
  for (let i = 0; i < 10; i++) catalogue.list()
  expect(fetched).toBe(before)
})

test('an upstream without a voices endpoint has no authoritative list (its engine lets the upstream judge voice ids)', async () => {
  const catalogue = new VoiceCatalogue(async () => 'unsupported', { ttlMs: 60_000 })
  await catalogue.refresh()
  expect(catalogue.authoritative).toBe(false)
  expect(catalogue.find('anything')).toBeUndefined()
})

test("Kokoro's voice names say language and gender", () => {
  expect([guessLanguage(undefined, 'bf_emma'), guessGender(undefined, 'bf_emma')]).toEqual(['en-GB', 'female'])
  expect([guessLanguage(undefined, 'jm_kumo'), guessGender(undefined, 'jm_kumo')]).toEqual(['ja', 'male'])
  expect([guessLanguage('de-DE', 'x'), guessGender('Male', 'x')]).toEqual(['de-DE', 'male'])
  expect(guessLanguage(undefined, '21m00Tcm4TlvDq8ikWAM')).toBe('und')
})
