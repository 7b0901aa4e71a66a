import { describe, expect, test } from 'bun:test'
import { configProblems } from '../../test/support/config-problems.ts'
import { parseEnginesFile } from '../tts/engines/engines-file.ts'
import { sha256Hex } from './key-ring.ts'
import { parseKeysFile } from './keys-file.ts'

const HASH_A = sha256Hex('secret-a')
const HASH_B = sha256Hex('secret-b')

const YAML = `
keys:
  - id: team-a                      # the label in metrics and usage
    name: Team A
    key: sha256:${HASH_A}
    limits: { max_concurrency: 4, characters_per_minute: 20000 }
    budget: { characters_per_month: 100000, usd_per_month: 50 }
    engines: [kokoro, local]
  - id: team-b
    key: sha256:${HASH_B}
    voices: ["local:en-"]
`


describe('parseKeysFile', () => {
  test("reads the documented example in YAML: ids, names, limits, budget, engines and voice prefixes", () => {
    const keys = parseKeysFile(YAML, { engines: ['kokoro', 'local'] })
    expect(keys).toEqual([
      {
        id: 'team-a',
        name: 'Team A',
        sha256: HASH_A,
        limits: { maxConcurrency: 4, charactersPerMinute: 20000 },
        budget: { characters: 100000, usd: 50 },
        engines: ['kokoro', 'local'],
      },
      { id: 'team-b', name: 'team-b', sha256: HASH_B, limits: {}, voices: ['local:en-'] },
    ])
  })

  test('reads JSON too', () => {
    const keys = parseKeysFile(JSON.stringify({ keys: [{ id: 'a', key: `sha256:${HASH_A}`, budget: { usd_per_month: 1.5 } }] }))
    expect(keys[0]).toMatchObject({ id: 'a', budget: { usd: 1.5 } })
  })

  test('refuses plain keys without echoing them, and reports every problem at once', () => {
    const problems = configProblems(() =>
      parseKeysFile(
        `
keys:
  - { id: Team_A, key: my-plain-secret-key }
  - { id: b, key: "sha256:${HASH_B}", budget: {}, engines: [nowhere], colour: red }
  - { id: b, key: "sha256:${HASH_B}", limits: { max_concurrency: -1 } }
`,
        { engines: ['local'] },
      ),
    )
    const text = problems.join('\n')
    expect(text).not.toContain('my-plain-secret-key')
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('keys.0.id: ids are 1 to 40'),
        expect.stringContaining('keys.0.key: must be sha256:<64 lower-case hex digits>'),
        expect.stringContaining('keys.1.budget: give characters_per_month, usd_per_month or both'),
        expect.stringContaining('keys.1: Unrecognized key: "colour"'),
        expect.stringContaining('keys.1.engines.0: no engine named "nowhere" (have: local)'),
        expect.stringContaining('keys.2.id: the same id "b" as keys.1'),
        expect.stringContaining('keys.2.key: the same key as keys.1'),
        expect.stringContaining('keys.2.limits.max_concurrency'),
      ]),
    )
    expect(problems.every((p) => p.startsWith('TTS_KEYS_FILE: '))).toBe(true)
  })

  test('an upper-case or short hash is not a hash', () => {
    expect(configProblems(() => parseKeysFile(`keys: [{ id: a, key: "sha256:${HASH_A.toUpperCase()}" }]`))).toHaveLength(1)
    expect(configProblems(() => parseKeysFile(`keys: [{ id: a, key: "sha256:${HASH_A.slice(1)}" }]`))).toHaveLength(1)
  })

  test('with an engines file, a voices prefix that names no engine is refused, since it could match no voice', () => {
    const text = `keys: [{ id: a, key: "sha256:${HASH_A}", voices: ["en-gb", "local:en-", "kok", "eleven:"] }]`
    const engines = ['kokoro', 'local']
    const problems = configProblems(() => parseKeysFile(text, { engines, voicesNameEngines: true }))
    expect(problems).toEqual([
      'TTS_KEYS_FILE: keys.0.voices.0: "en-gb" matches no voice: with an engines file voice ids are engine:voice (e.g. "kokoro:en-gb")',
      'TTS_KEYS_FILE: keys.0.voices.3: "eleven:" names no engine (have: kokoro, local)',
    ])
    // Without an engines file the one engine's ids are unprefixed: "en-gb" is a prefix like any.
    expect(parseKeysFile(`keys: [{ id: a, key: "sha256:${HASH_A}", voices: ["en-gb"] }]`, { engines: ['espeak'] })[0]!.voices).toEqual(['en-gb'])
  })

  test('broken syntax and a missing list are clear errors', () => {
    expect(configProblems(() => parseKeysFile('keys: [unclosed', { source: 'TTS_KEYS_FILE (k.yaml)' }))[0]).toStartWith('TTS_KEYS_FILE (k.yaml): not valid YAML or JSON')
    expect(configProblems(() => parseKeysFile(''))[0]).toContain('keys')
  })
})

test('examples/keys.yaml is a valid keys file for the engines of examples/engines.yaml', async () => {
  const root = `${import.meta.dir}/../..`
  const engines = parseEnginesFile(await Bun.file(`${root}/examples/engines.yaml`).text(), { ELEVENLABS_API_KEY: 'e-1' })
  const keys = parseKeysFile(await Bun.file(`${root}/examples/keys.yaml`).text(), { engines: engines.engines.map((e) => e.name), voicesNameEngines: true })
  expect(keys.map((k) => k.id)).toEqual(['team-a', 'support-bot'])
})
