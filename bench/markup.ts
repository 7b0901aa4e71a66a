/**
 * `bun run bench markup`: the CPU a request spends on markup (parsing SSML, applying a
 * 1,000-rule pronunciation dictionary, clean-up and rendering for espeak-ng) on a
 * 500-character text, against the same steps on plain text, as a share of a 20-word cache
 * miss on the native engine. Goal: the added cost under 5% of that miss.
 *
 * Both sides run in this process, alternating, after a warm-up; the miss is timed on the
 * engine called directly (as bench/cache-miss.ts does), libespeak-ng when present.
 */
import { renderEspeak } from '../src/markup/render-espeak.ts'
import { planSpeech, speechOf } from '../src/markup/speech-plan.ts'
import { RuleMatcher } from '../src/pronunciation/apply-rules.ts'
import { ESPEAK_READING } from '../src/tts/engines/espeak/espeak-engine.ts'
import type { Rule } from '../src/pronunciation/rules.ts'
import { createEspeak, isNativeEspeakAvailable } from '../src/tts/engines/espeak/espeak-variants.ts'
import { timeEngine } from './engine-speed.ts'
import { fmt, quantile, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const RUNS = 2000
const WARMUP = 500
const MISS_RUNS = 60

// 500 characters of what a voice product sends: prose with SSML, numbers, a few brand names.
const MARKUP =
  '<speak>Welcome back to <sub alias="Acme">ACME</sub> support. <break time="300ms"/>' +
  'Your order <say-as interpret-as="characters">XJ9</say-as> ships on 2024-03-15 and costs $42.50. ' +
  '<prosody rate="slow">Please keep this number:</prosody> <say-as interpret-as="telephone">555-123-4567</say-as>. ' +
  'Our <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme> sauce is 20% off until Friday, and word12 and word907 ' +
  'are on sale too. <break time="1s"/>Thanks for calling, and have a wonderful day.</speak>'
// The same words without markup, padded to the same length.
const PLAIN = MARKUP.replace(/<[^>]+>/g, '').padEnd(MARKUP.length, ' Thanks again.').slice(0, MARKUP.length)

const RULES: Rule[] = Array.from({ length: 1000 }, (_, i) =>
  i % 2
    ? { type: 'alias', string_to_replace: `word${i}`, alias: `alias ${i}`, case_sensitive: true, word_boundaries: true }
    : { type: 'phoneme', string_to_replace: `word${i}`, phoneme: 'wɜːd', alphabet: 'ipa', case_sensitive: false, word_boundaries: true },
)

/** What a cache miss adds before synthesis: the request's plan (speech-plan.ts) and espeak-ng's rendering. */
function once(text: string, rules: RuleMatcher | undefined, markup: boolean): number {
  const t = performance.now()
  const plan = planSpeech({
    text,
    markup: markup ? 'ssml' : 'none',
    ...(rules && { rules: { matcher: rules, versions: ['bench:v1'] } }),
    normalization: 'auto',
    reading: ESPEAK_READING,
    language: 'en-US',
  })
  const doc = speechOf(plan)
  if (doc) renderEspeak(doc)
  return performance.now() - t
}

export async function benchMarkup(): Promise<string[]> {
  const rules = new RuleMatcher(RULES)
  for (let i = 0; i < WARMUP; i++) {
    once(MARKUP, rules, true)
    once(PLAIN, undefined, false)
  }
  const markupRuns: number[] = []
  const plainRuns: number[] = []
  for (let i = 0; i < RUNS; i++) {
    markupRuns.push(once(MARKUP, rules, true))
    plainRuns.push(once(PLAIN, undefined, false))
  }
  const kind = isNativeEspeakAvailable() ? 'espeak-native' : 'espeak-wasm'
  const engine = createEspeak({ engine: kind, workers: 1, maxQueue: 8 })
  await engine.warmup()
  for (let i = 0; i < 20; i++) await timeEngine(engine, TWENTY_WORDS)
  const misses: number[] = []
  for (let i = 0; i < MISS_RUNS; i++) misses.push((await timeEngine(engine, TWENTY_WORDS)).ms)
  await engine.close()

  const markupMs = quantile(markupRuns, 0.5)
  const plainMs = quantile(plainRuns, 0.5)
  const missMs = quantile(misses, 0.5)
  const added = markupMs - plainMs
  const share = added / missMs
  return [
    `Markup, ${MARKUP.length}-character text, p50 of ${RUNS} alternating runs (plan + render for espeak-ng, as a cache miss does):`,
    `  info  plain text ${fmt(plainMs * 1000, 0)} µs; SSML + 1,000-rule dictionary ${fmt(markupMs * 1000, 0)} µs`,
    `  ${verdict('added < 5% of a 20-word miss', share < 0.05, `+${fmt(added * 1000, 0)} µs per request = ${fmt(share * 100, 2)}% of a 20-word ${kind} miss (${fmt(missMs, 2)} ms)`)}`,
  ]
}
