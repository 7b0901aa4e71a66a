import { describe, expect, test } from 'bun:test'
import { configProblems } from '../../../test/support/config-problems.ts'
import { parseEnginesFile } from './engines-file.ts'

const YAML = `
engines:
  kokoro: { kind: openai, url: http://kokoro:8880/v1, api_key_env: KOKORO_API_KEY, max_concurrency: 8, timeout_ms: 15000 }
  eleven: { kind: elevenlabs, api_key_env: ELEVENLABS_API_KEY }
  local:  { kind: espeak }
default: kokoro          # serves unprefixed voices
fallback: [kokoro, local]
`


describe('parseEnginesFile', () => {
  test('reads a Kokoro + ElevenLabs + espeak file in YAML, keys from the named variables, defaults applied', () => {
    const file = parseEnginesFile(YAML, { KOKORO_API_KEY: 'k-1', ELEVENLABS_API_KEY: 'e-1' })
    expect(file.default).toBe('kokoro')
    expect(file.fallback).toEqual(['kokoro', 'local'])
    expect(file.engines.map((e) => [e.name, e.kind])).toEqual([
      ['kokoro', 'openai'],
      ['eleven', 'elevenlabs'],
      ['local', 'espeak'],
    ])
    const kokoro = file.engines[0]!
    expect(kokoro).toMatchObject({ apiKey: 'k-1', max_concurrency: 8, timeout_ms: 15000, retries: 2 })
    expect(file.engines[1]).toMatchObject({ url: 'https://api.elevenlabs.io', apiKey: 'e-1' })
  })

  test('reads JSON too, and the first engine is the default when none is named', () => {
    const file = parseEnginesFile('{"engines":{"up":{"kind":"openai","url":"http://127.0.0.1:9/v1"}}}', {})
    expect(file.default).toBe('up')
    expect(file.fallback).toEqual([])
  })

  test('reports every bad key at once', () => {
    const problems = configProblems(() =>
      parseEnginesFile(
        `engines:
  kokoro: { kind: openai, url: ftp://x, timout_ms: 5 }
  Bad Name: { kind: espeak }
  other: { kind: festival }
`,
        {},
      ),
    )
    expect(problems.length).toBeGreaterThanOrEqual(4)
    const text = problems.join('\n')
    expect(text).toContain('engines.kokoro.url')
    expect(text).toContain('timout_ms')
    expect(text).toContain('Bad Name')
    expect(text).toContain('engines.other.kind')
    expect(configProblems(() => parseEnginesFile('engines: { up: { kind: openai, url: "http://user:pw@h/v1" } }', {})).join()).toContain('no credentials in the URL')
  })

  test('an unknown default or fallback engine is named, with every missing key variable, never a value', () => {
    const problems = configProblems(() => parseEnginesFile(YAML.replace('default: kokoro', 'default: kokor').replace('[kokoro, local]', '[kokoro, locl]'), { ELEVENLABS_API_KEY: 'secret-value' }))
    expect(problems).toEqual([
      expect.stringContaining('engines.kokoro.api_key_env: environment variable KOKORO_API_KEY is not set'),
      expect.stringContaining('default: no engine named "kokor"'),
      expect.stringContaining('fallback.1: no engine named "locl"'),
    ])
    expect(problems.join('\n')).not.toContain('secret-value')
  })

  test('text that is neither YAML nor JSON is one clear problem', () => {
    expect(configProblems(() => parseEnginesFile('engines: [unclosed', {}))[0]).toContain('not valid YAML or JSON')
    expect(configProblems(() => parseEnginesFile('', {}))[0]).toContain('engines')
  })
})

test('examples/engines.yaml is a valid engines file once its key variable is set', async () => {
  const text = await Bun.file(new URL('../../../examples/engines.yaml', import.meta.url)).text()
  const file = parseEnginesFile(text, { ELEVENLABS_API_KEY: 'xi-test' })
  expect(file.engines.map((e) => e.kind)).toEqual(['openai', 'elevenlabs', 'espeak'])
  expect(file.fallback).toEqual(['kokoro', 'local'])
  expect(() => parseEnginesFile(text, {})).toThrow('ELEVENLABS_API_KEY is not set')
})

test('examples/engines.compose.yaml (the compose profile gateway) is a valid engines file', async () => {
  const text = await Bun.file(new URL('../../../examples/engines.compose.yaml', import.meta.url)).text()
  expect(parseEnginesFile(text, {}).default).toBe('gpu')
})
