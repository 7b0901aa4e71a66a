/**
 * Markup and clean-up for a streaming session, whose text arrives in pieces and is released
 * for synthesis a sentence at a time. What spans a release is carried over:
 * - SSML elements left open (`<prosody rate="slow">` in one sentence, `</prosody>` two later):
 *   each released piece is parsed inside the elements still open, re-opened before it and
 *   closed after it, so every piece is a well-formed document of its own;
 * - a markdown code fence (the cleaner's state);
 * - where each piece sits in the session's text, so an error names the character of the
 *   whole stream and alignment indexes what the client sent.
 * Cutting inside a tag or a link is prevented upstream by the buffer's mask (construct-mask.ts).
 */
import { applyRules } from '../pronunciation/apply-rules.ts'
import type { ResolvedRules } from '../pronunciation/dictionaries.ts'
import { cleanMarkup, cleanUpSteps, verbalizeDoc, type CleanUpOptions } from '../text-cleanup/clean-up.ts'
import { MarkdownCleaner } from '../text-cleanup/markdown.ts'
import { maskConstructs } from './construct-mask.ts'
import { MarkupError, markupErrorAt } from './markup-error.ts'
import { MappedTextBuilder } from './source-map.ts'
import { touchesText } from './speech-plan.ts'
import { plainDoc, type SpeechDoc } from './speech-doc.ts'
import { copyFragment, parsePrepared } from './ssml-parse.ts'

export interface StreamSpeechOptions extends Omit<CleanUpOptions, 'markdown'> {
  /** stream-input's `enable_ssml_parsing`: the text holds SSML tags. */
  ssml: boolean
  /** The session's dictionaries, being resolved (a locator of nothing rejects: the session fails). */
  rules?: Promise<ResolvedRules>
}

/** An utterance in the internal form, with its share of the cache key. */
export interface PreparedUtterance {
  speech: SpeechDoc
  key: string
}

const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[^<>]*?)?)(\/?)>|<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>/g

/**
 * @example
 * const speech = new StreamSpeech({ ssml: true, mode: 'auto', language: 'en-US' })
 * speech.received('<prosody rate="slow">One. Two')
 * const one = speech.prepare('<prosody rate="slow">One.') // parsed now; the prosody stays open
 * speech.received('.</prosody>')
 * const two = speech.prepare('Two.</prosody>')
 * await one() // { speech, key }
 */
export class StreamSpeech {
  readonly #options: StreamSpeechOptions
  readonly #markdown = new MarkdownCleaner()
  /** Start tags still open, as the client wrote them. */
  #open: { name: string; raw: string }[] = []
  /** Text received and not yet released, and where it starts in the session's text. */
  #window = ''
  #windowStart = 0

  constructor(options: StreamSpeechOptions) {
    this.#options = options
  }

  /** For the session's text buffer: where a release may not cut. */
  mask = (text: string): string => maskConstructs(text, { tags: this.#options.ssml })

  /** Every piece of text the session receives, in order. */
  received(piece: string): void {
    this.#window += piece
  }

  /** A cancel dropped what was buffered: forget it (and any element it had opened). */
  reset(): void {
    this.#windowStart += this.#window.length
    this.#window = ''
    this.#open = []
  }

  /**
   * One released piece of text (a slice of what was received). Parsing and markdown happen now,
   * in order (they carry state from piece to piece, and malformed markup throws MarkupError at
   * once); pronunciation rules and words wait for the dictionaries, in the utterance. Resolves
   * undefined for text nothing touches: it is spoken, and keyed, as it always was.
   */
  prepare(unit: string): () => Promise<PreparedUtterance | undefined> {
    const at = this.#window.indexOf(unit)
    const offset = this.#windowStart + Math.max(0, at)
    if (at >= 0) {
      this.#window = this.#window.slice(at + unit.length)
      this.#windowStart = offset + unit.length
    }
    const options = this.#options
    const context = `${this.#open.map((t) => t.raw).join('')}${this.#markdown.inFence ? '```' : ''}`
    const cleanup = { mode: options.mode, language: options.language, markdown: this.#markdown, ...(options.engineNormalizes !== undefined && { engineNormalizes: options.engineNormalizes }) }
    const steps = cleanUpSteps(options.mode, options.engineNormalizes)
    let doc: SpeechDoc
    try {
      doc = options.ssml ? this.#parse(unit) : plainDoc(unit)
    } catch (err) {
      if (err instanceof MarkupError) throw new MarkupError(`${err.reason} (in the text sent so far)`, offset + err.offset, err.line, err.column)
      throw err
    }
    // Always, so the code-fence state follows every piece.
    const cleaned = cleanMarkup(doc, cleanup)
    const touched = options.ssml || options.rules !== undefined || context !== '' || unit.includes('```') || touchesText(unit, steps)
    return async () => {
      if (!touched) return undefined
      const rules = await options.rules
      const speech = verbalizeDoc(rules ? applyRules(cleaned, rules.matcher) : cleaned, cleanup)
      const flags = [steps.markup && 'm', steps.words && 'w'].filter(Boolean).join(',')
      return { speech, key: [options.ssml ? 'stream-ssml' : 'stream', flags, options.language, rules?.versions.join(',') ?? '', context, unit].join('|') }
    }
  }

  #parse(unit: string): SpeechDoc {
    const wrapped = this.#open[0]?.name !== 'speak'
    const prepared = new MappedTextBuilder()
    if (wrapped) prepared.insert('<speak>')
    for (const tag of this.#open) prepared.insert(tag.raw)
    // Inline tags in text, as on ElevenLabs' HTTP routes: a bare & or < is text.
    copyFragment(prepared, unit)
    const open = this.#track(unit)
    for (const tag of open.toReversed()) prepared.insert(`</${tag.name}>`)
    if (wrapped) prepared.insert('</speak>')
    const doc = parsePrepared(unit, prepared.build())
    this.#open = open
    return doc
  }

  /** The elements open after `unit`, from those open before it. */
  #track(unit: string): { name: string; raw: string }[] {
    const open = [...this.#open]
    for (const m of unit.matchAll(TAG)) {
      const name = m[2]
      if (!name || m[4]) continue
      if (!m[1]) open.push({ name, raw: m[0] })
      else if (open.at(-1)?.name === name) open.pop()
      else throw markupErrorAt(unit, m.index, `</${name}> closes ${open.length ? `<${open.at(-1)!.name}>` : 'nothing'}`)
    }
    return open
  }
}
