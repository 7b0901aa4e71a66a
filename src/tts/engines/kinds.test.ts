import { expect, test } from 'bun:test'
import { IMPLICIT_ENGINES, parseEnginesFile } from './engines-file.ts'
import { needsEncoders } from './build-router.ts'
import { KINDS, kindOf } from './kinds.ts'

test('every kind in the registry parses an entry of its own kind, and names it in its settings schema', () => {
  const minimal: Record<string, Record<string, unknown>> = { openai: { url: 'http://127.0.0.1:9/v1' } }
  for (const kind of KINDS) {
    const file = parseEnginesFile(JSON.stringify({ engines: { one: { kind: kind.kind, ...minimal[kind.kind] } } }), {})
    expect(kindOf(file.engines[0]!)).toBe(kind)
    expect(kind.settings.safeParse({ kind: 'no-such-kind' }).success).toBe(false)
  }
  expect(new Set(KINDS.map((k) => k.kind)).size).toBe(KINDS.length)
})

test('encode workers are needed only when an engine receives PCM from the network', () => {
  expect(needsEncoders(IMPLICIT_ENGINES)).toBe(false)
  expect(needsEncoders(parseEnginesFile('engines: { a: { kind: espeak }, b: { kind: espeak, variant: espeak-wasm } }', {}))).toBe(false)
  expect(needsEncoders(parseEnginesFile('engines: { a: { kind: espeak }, up: { kind: openai, url: "http://127.0.0.1:9/v1" } }', {}))).toBe(true)
  expect(needsEncoders(parseEnginesFile('engines: { el: { kind: elevenlabs } }', {}))).toBe(true)
})

test('a kind that is not registered is refused with the kinds there are', () => {
  expect(() => parseEnginesFile('engines: { x: { kind: festival } }', {})).toThrow(/engines\.x\.kind: .*'openai' \| 'elevenlabs' \| 'espeak'/)
})
