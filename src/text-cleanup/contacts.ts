/**
 * Addresses read the way people say them: URLs ("example dot com slash docs"), e-mail
 * addresses ("jane dot doe at example dot com") and telephone numbers (digit by digit, in
 * their groups). The scheme, query string and fragment of a URL are not read: they are
 * noise to a listener.
 */
import type { VerbalizeContext, VerbalizeRule } from './verbalize-context.ts'

const TLDS = 'com|org|net|io|dev|ai|app|co|edu|gov|info|biz|me|tv|uk|de|fr|es|it|nl|eu|us|ca|au|jp|in|ch|se|no|dk|fi|pl|be|at|ie|br|ru|cn'

/** One name of a host or path, read: words as written, digit runs as numbers, joiners named. */
function sayPiece(piece: string, ctx: VerbalizeContext): string {
  const lex = ctx.lexicon!
  return piece
    .split(/([-_+]|\d+)/)
    .filter(Boolean)
    .map((t) => (t === '-' ? lex.dash : t === '_' ? lex.underscore : t === '+' ? lex.plus : /^\d+$/.test(t) ? (t.length > 4 ? ctx.words.digits(t) : ctx.words.cardinal(t)) : t))
    .join(' ')
}

const sayHost = (host: string, ctx: VerbalizeContext) =>
  host
    .split('.')
    .filter(Boolean)
    .map((p) => (p.toLowerCase() === 'www' ? 'w w w' : sayPiece(p, ctx)))
    .join(` ${ctx.lexicon!.dot} `)

/** https://www.example.com/docs/start?x=1 → "w w w dot example dot com slash docs slash start". */
const url: VerbalizeRule = {
  name: 'url',
  pattern: () =>
    new RegExp(`(?<![\\p{L}\\p{N}@.])(?:https?://|www\\.)[^\\s<>()"'\\]]+[^\\s<>()"'\\].,;:!?]|(?<![\\p{L}\\p{N}@./])[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.(?:${TLDS})(?:/[^\\s<>()"']*[^\\s<>()"'.,;:!?])?(?![\\p{L}\\p{N}@])`, 'giu'),
  say: (m, ctx) => {
    if (!ctx.lexicon) return undefined
    const bare = m[0].replace(/^https?:\/\//i, '').replace(/[?#].*$/, '').replace(/\/+$/, '')
    const [host = '', ...path] = bare.split('/')
    const slash = ` ${ctx.lexicon.slash} `
    return [sayHost(host, ctx), ...path.filter(Boolean).map((p) => p.split('.').map((q) => sayPiece(q, ctx)).join(` ${ctx.lexicon!.dot} `))].join(slash)
  },
}

/** jane.doe+news@example.co.uk → "jane dot doe plus news at example dot co dot uk". */
const email: VerbalizeRule = {
  name: 'email',
  pattern: () => /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}(?![\p{L}\p{N}])/gu,
  say: (m, ctx) => {
    if (!ctx.lexicon) return undefined
    const [local = '', domain = ''] = m[0].split('@')
    const localWords = local
      .split('.')
      .map((p) => sayPiece(p, ctx))
      .join(` ${ctx.lexicon.dot} `)
    return `${localWords} ${ctx.lexicon.at} ${sayHost(domain, ctx)}`
  },
}

/**
 * +1 (555) 123-4567, 555-123-4567, 030 1234 5678: at least seven digits in groups, read digit
 * by digit with a pause (comma) between groups. A run of digits with one separator and no
 * phone sign ("1234.5678", "2024-2025") is not taken for a phone number.
 */
const telephone: VerbalizeRule = {
  name: 'telephone',
  pattern: () => /(?<![\p{L}\p{N}+])(\+\d{1,3}[\s.-]?)?(\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,5}){1,4}(?![\p{L}\p{N}]|[.-]\d)/gu,
  say: (m, ctx) => {
    const written = m[0]
    const digits = written.replace(/\D/g, '')
    const groups = written.split(/[\s.()-]+/).filter(Boolean)
    const signed = Boolean(m[1] || m[2])
    if (digits.length < 7 || digits.length > 15) return undefined
    if (!signed && groups.length < 3 && !/\d{3}-\d{4}/.test(written)) return undefined
    // "1 234 567" is a grouped number in many languages, not a phone number.
    if (!signed && /^\d{1,3}(?:[ .]\d{3})+$/.test(written)) return undefined
    const plus = written.startsWith('+') ? `${ctx.lexicon?.plus ?? '+'} ` : ''
    return plus + groups.map((g) => ctx.words.digits(g)).join(', ')
  },
}

export const CONTACT_RULES: readonly VerbalizeRule[] = [email, url, telephone]
