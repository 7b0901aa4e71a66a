/** Fixed texts so runs compare like with like. */

/** 20 words, one sentence. */
export const TWENTY_WORDS =
  'The quick brown fox jumps over the lazy dog while the farmer watches from the old wooden porch at sunset today.'

const SENTENCES = [
  'Edge services answer requests close to the people who make them.',
  'Speech synthesis turns written words into sound that a listener can follow.',
  'Every request carries an identifier that ties its logs, metrics and traces together.',
  'When the cache already holds the audio, the answer leaves in a fraction of a millisecond.',
  'Otherwise the engine speaks each sentence in turn while earlier audio is already on its way.',
  'Operators watch the dashboards and follow a slow request from a panel to its trace.',
  'From the trace they jump to the log lines that the same request wrote along the way.',
  'Nothing in that path needs guesswork, because every link carries the same trace identifier.',
  'Clients built for other vendors work unchanged, which makes trying the service very easy.',
  'The engine runs in worker threads, so a long text never stalls the requests of others.',
  'A queue with a limit keeps the service responsive when more work arrives than it can take.',
  'Beyond that limit clients are asked politely to retry a little later instead of waiting.',
]

/** Four sentences, about 60 words: long enough for sentence-by-sentence streaming to show. */
export const FOUR_SENTENCES = SENTENCES.slice(0, 4).join(' ')

/** About 200 words. */
export const TWO_HUNDRED_WORDS = [...SENTENCES, ...SENTENCES.slice(0, 2)].join(' ')

/** A distinct 200-word text per index, for cache misses. */
export function uniqueLongText(i: number): string {
  return `Request number ${i}. ${TWO_HUNDRED_WORDS}`
}
