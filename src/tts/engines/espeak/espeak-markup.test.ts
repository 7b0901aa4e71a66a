/**
 * Markup, pronunciation rules and clean-up as espeak-ng speaks them, on both builds. espeak-ng
 * is deterministic, so equal samples prove equal meaning: a rule makes a word sound exactly
 * like what it names, and clean-up makes text sound exactly like its spelled-out reading.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { concatSamples } from '../../../audio/pcm.ts'
import { prepareSpeech, type PrepareOptions } from '../../../markup/prepare-speech.ts'
import { RuleMatcher } from '../../../pronunciation/apply-rules.ts'
import type { Rule } from '../../../pronunciation/rules.ts'
import { alignChunk } from '../../alignment.ts'
import type { Boundary, Engine, PcmChunk } from '../../engine.ts'
import { longestSilence } from '../../../../test/support/silence.ts'
import { createEspeak, isNativeEspeakAvailable } from './espeak-variants.ts'
import { resolveVoice } from './espeak-voices.ts'

const voice = resolveVoice('en-us-f1')!
const rule = (r: Partial<Rule> & Pick<Rule, 'type' | 'string_to_replace'>): Rule => ({ case_sensitive: true, word_boundaries: true, ...r }) as Rule

async function speakWith(engine: Engine, text: string, prepare?: Partial<PrepareOptions>): Promise<{ samples: Int16Array; boundaries: Boundary[] }> {
  const speech = prepare ? prepareSpeech(text, { markup: 'none', normalization: 'auto', language: 'en-US', ...prepare }) : undefined
  const chunks: PcmChunk[] = []
  for await (const chunk of engine.synthesize(text, voice, { ...(speech && { speech }) })) chunks.push(chunk)
  return { samples: concatSamples(chunks.map((c) => c.samples), chunks.reduce((n, c) => n + c.samples.length, 0)), boundaries: chunks.flatMap((c) => c.boundaries ?? []) }
}

const variants = ['espeak-wasm', ...(isNativeEspeakAvailable() ? ['espeak-native' as const] : [])] as const

for (const variant of variants) {
  describe(`${variant} speaks the internal form`, () => {
    // The WASM build restores its whole state before each call: one engine says a text the same
    // way every time. libespeak-ng keeps state between calls (its flutter phase, the tail of the
    // last utterance), so each native synthesis compared here gets a fresh worker.
    const shared = variant === 'espeak-wasm' ? createEspeak({ engine: variant, workers: 1, maxQueue: 16 }) : undefined
    afterAll(() => shared?.close())
    const speak = async (_engine: undefined, text: string, prepare?: Partial<PrepareOptions>) => {
      if (shared) return speakWith(shared, text, prepare)
      const fresh = createEspeak({ engine: variant, workers: 1, maxQueue: 1 })
      try {
        return await speakWith(fresh, text, prepare)
      } finally {
        await fresh.close()
      }
    }
    const engine = undefined

    test('an alias rule makes "tomato" sound exactly like its alias said directly', async () => {
      const rules = new RuleMatcher([rule({ type: 'alias', string_to_replace: 'tomato', alias: 'tomahto' })])
      const ruled = await speak(engine, 'I like tomato soup.', { rules })
      expect(ruled.samples).toEqual((await speak(engine, 'I like tomahto soup.')).samples)
      expect(ruled.samples).not.toEqual((await speak(engine, 'I like tomato soup.')).samples)
    })

    test('markdown is not read: "**Hello** _world_!" sounds exactly like "Hello world!"', async () => {
      expect((await speak(engine, '**Hello** _world_!', {})).samples).toEqual((await speak(engine, 'Hello world!')).samples)
    })

    test('"$3.50" sounds exactly like its spelled-out reading', async () => {
      const cleaned = await speak(engine, 'It costs $3.50.', {})
      expect(cleaned.samples).toEqual((await speak(engine, 'It costs three dollars and fifty cents.')).samples)
      expect(cleaned.samples).not.toEqual((await speak(engine, 'It costs $3.50.')).samples)
    })

    test('a phoneme changes the audio of its word and nothing else', async () => {
      // espeak-ng plans intonation over a whole clause, so the word stands in a sentence of its own:
      // the sentences around it must come out sample for sample the same.
      const plainText = '<speak>I said it first. Tomato! And that was all.</speak>'
      const taggedText = '<speak>I said it first. <phoneme alphabet="ipa" ph="təˈmɑːtəʊ">Tomato</phoneme>! And that was all.</speak>'
      const plain = await speak(engine, plainText, { markup: 'ssml' })
      const tagged = await speak(engine, taggedText, { markup: 'ssml' })
      const sentenceAt = (b: Boundary[], offset: number) => b.find((x) => x.kind === 'sentence' && x.textOffset <= offset && offset < x.textOffset + x.textLength)!.sampleOffset
      const wordStart = [sentenceAt(plain.boundaries, plainText.indexOf('Tomato')), sentenceAt(tagged.boundaries, taggedText.indexOf('>Tomato') + 1)]
      expect(wordStart[0]).toBe(wordStart[1]!)
      expect(wordStart[0]).toBeGreaterThan(0)
      expect(tagged.samples.slice(0, wordStart[1])).toEqual(plain.samples.slice(0, wordStart[0]))
      const after = [sentenceAt(plain.boundaries, plainText.indexOf('And')), sentenceAt(tagged.boundaries, taggedText.indexOf('And'))]
      expect(tagged.samples.slice(wordStart[1], after[1])).not.toEqual(plain.samples.slice(wordStart[0], after[0]))
      const [tailTagged, tailPlain] = [tagged.samples.slice(after[1]), plain.samples.slice(after[0])]
      expect(tailTagged.length).toBeGreaterThan(0)
      // libespeak-ng carries its pitch flutter from one sentence into the next (a static in
      // wavegen.c that no call resets), so after a word of another length the next sentence is
      // the same speech at a slightly shifted flutter phase; the WASM build restores all state.
      if (variant === 'espeak-wasm') expect(tailTagged).toEqual(tailPlain)
      else expect(Math.abs(tailTagged.length - tailPlain.length)).toBeLessThan(tailPlain.length * 0.01)
    })

    test('a phoneme rule in Arpabet speaks like the same phonemes in IPA', async () => {
      const arpabet = new RuleMatcher([rule({ type: 'phoneme', string_to_replace: 'tomato', phoneme: 'T AH0 M AA1 T OW2', alphabet: 'cmu-arpabet' })])
      const ipa = new RuleMatcher([rule({ type: 'phoneme', string_to_replace: 'tomato', phoneme: 'təmˈɑːtˌoʊ', alphabet: 'ipa' })])
      const a = await speak(engine, 'A tomato.', { rules: arpabet })
      expect(a.samples).toEqual((await speak(engine, 'A tomato.', { rules: ipa })).samples)
      expect(a.samples).not.toEqual((await speak(engine, 'A tomato.')).samples)
    })

    test('<break time="1s"/> puts one second of silence where it stands', async () => {
      const text = 'Hello <break time="1s"/> world.'
      const { samples } = await speak(engine, text, { markup: 'fragment' })
      const pause = longestSilence(samples, 22050)
      expect(Math.abs(pause.seconds - 1)).toBeLessThanOrEqual(0.02)
      // After "Hello": between the first word's start and the second's.
      const spoken = (await speak(engine, 'Hello world.')).samples
      expect(pause.startSeconds).toBeGreaterThan(0.1)
      expect(samples.length / 22050 - spoken.length / 22050).toBeGreaterThan(0.9)
    })

    test('word boundaries index the client’s own characters, markup and all', async () => {
      const text = 'Pay **$3.50** <break time="200ms"/> now'
      const { samples, boundaries } = await speak(engine, text, { markup: 'fragment' })
      const words = boundaries.filter((b) => b.kind === 'word').map((b) => text.slice(b.textOffset, b.textOffset + b.textLength))
      expect(words).toEqual(['Pay', '$3.50', 'now'])
      const { alignment } = alignChunk({ text, boundaries, sampleRate: 22050, chunkStart: 0, chunkEnd: samples.length, fromText: 0, final: true })
      expect(alignment.chars.join('')).toBe(text)
    })
  })
}
