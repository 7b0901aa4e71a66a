import { describe, expect, test } from 'bun:test'
import { TextBuffer } from '../tts/text-buffer.ts'
import { MarkupError } from './markup-error.ts'
import { plainDoc, plainText, type SpeechDoc } from './speech-doc.ts'
import { StreamSpeech, type StreamSpeechOptions } from './stream-speech.ts'

/** A session's text path: pieces in, documents out, as the stream session drives it. */
function session(options: Partial<StreamSpeechOptions> = {}) {
  const speech = new StreamSpeech({ ssml: true, mode: 'auto', language: 'en-US', ...options })
  const buffer = new TextBuffer({ mask: speech.mask })
  const pending: Promise<SpeechDoc>[] = []
  const release = (unit: string) => {
    const prepared = speech.prepare(unit)
    pending.push(prepared().then((p) => p?.speech ?? plainDoc(unit)))
  }
  return {
    get docs(): Promise<SpeechDoc[]> {
      return Promise.all(pending)
    },
    push(piece: string) {
      speech.received(piece)
      for (const unit of buffer.push(piece)) release(unit)
    },
    flush() {
      for (const unit of buffer.flush()) release(unit)
    },
  }
}

const summary = (doc: SpeechDoc) => doc.parts.map((p) => (p.type === 'break' ? `<${p.ms}ms>` : p.type === 'text' || p.type === 'phoneme' ? p.text.text : '|'))

describe('StreamSpeech with the session buffer', () => {
  test('a tag split across two messages is held back, then parsed whole', async () => {
    const s = session()
    s.push('Hello there. Wait <bre')
    expect((await s.docs).map(plainText)).toEqual(['Hello there.'])
    s.push('ak time="1.5s"/> now. Done')
    s.flush()
    expect((await s.docs).slice(1).map(summary)).toEqual([['Wait ', '<1500ms>', ' now.'], ['Done']])
  })

  test('a sentence end inside an attribute does not cut the tag', async () => {
    const s = session()
    s.push('Say <sub alias="Doctor. Who">Dr. Who</sub> now. ')
    expect((await s.docs).map(plainText)).toEqual(['Say Doctor. Who now.'])
  })

  test('an element open across sentences styles each of them', async () => {
    const s = session()
    s.push('<prosody rate="slow">One. ')
    s.push('Two.</prosody> Three. ')
    // "Two.</prosody>": the closing tag follows the full stop, so "Two." and "Three." go together.
    expect((await s.docs).map((d) => d.parts.map((p) => (p.type === 'text' ? `${p.text.text.trim()}:${p.style.prosody?.rate ?? '-'}` : p.type)))).toEqual([
      ['One.:slow'],
      ['Two.:slow', 'Three.:-'],
    ])
  })

  test('markdown split across messages is never read aloud', async () => {
    const s = session({ ssml: false })
    s.push('This is *')
    s.push('*really** good. And [the do')
    s.push('cs. Here](https://x.io) too.')
    s.flush()
    expect((await s.docs).map(plainText)).toEqual(['This is really good.', 'And the docs. Here too.'])
  })

  test('a code fence open in one sentence is still open in the next', async () => {
    const s = session({ ssml: false })
    s.push('Run this:\n\n```sh\nrm *.tmp\n\n')
    s.push('ls **\n```\n\nDone **now**.')
    s.flush()
    expect((await s.docs).map(plainText).join(' | ')).toBe('Run this: | rm *.tmp | ls ** | Done now.')
  })

  test('malformed markup names its character in the whole stream', async () => {
    const s = session()
    s.push('First sentence here. ')
    let caught: unknown
    try {
      s.push('Then </prosody> oops. ')
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(MarkupError)
    expect((caught as MarkupError).offset).toBe('First sentence here. Then '.length)
  })

  test('alignment maps index the session’s own characters', async () => {
    const s = session()
    const first = 'Hi <break time="1s"/> there. '
    s.push(first)
    s.push('Bye **now**. ')
    const bye = (await s.docs)[1]!.parts[0]!
    if (bye.type !== 'text') throw new Error('text expected')
    const now = bye.text.text.indexOf('now')
    // Offsets within the released piece; the piece starts where the client's second message did.
    expect('Bye **now**. '.slice(bye.text.toSource(now).start, bye.text.toSource(now + 2).end)).toBe('now')
  })
})
