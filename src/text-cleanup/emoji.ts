/**
 * Emoji are never read aloud ("smiling face with heart-eyes" in the middle of a sentence).
 * Matched with the engine's own Unicode emoji property (`\p{RGI_Emoji}`, ECMAScript's `v`
 * flag: sequences, skin tones, flags and ZWJ families as one match), so the table is as
 * current as the runtime's ICU and needs no package. Keycaps keep their digit ("1️⃣" → "1");
 * ©, ® and ™ in text presentation are symbols, not emoji, and stay.
 */
import { applyEdits, type Edit, type MappedText } from '../markup/source-map.ts'

const EMOJI = /\p{RGI_Emoji}|[\u{1F3FB}-\u{1F3FF}\u{FE0F}\u{200D}\u{20E3}]/gv
const KEYCAP = /^([0-9#*])\u{FE0F}?\u{20E3}$/u

/**
 * @example
 * stripEmoji(identityText('Great job 👍🏽!')).text // 'Great job !'
 */
export function stripEmoji(text: MappedText): MappedText {
  const edits: Edit[] = []
  for (const m of text.text.matchAll(EMOJI)) {
    const keycap = KEYCAP.exec(m[0])
    edits.push({ start: m.index, end: m.index + m[0].length, replacement: keycap ? keycap[1]! : '' })
  }
  return applyEdits(text, edits)
}
