/**
 * The few words clean-up needs besides numbers ("percent", "at", "dot"), per language.
 * Languages without an entry get their numbers read (n2words) and everything else left to
 * the engine, which is better than English words in a French sentence.
 */

export interface Lexicon {
  point: string
  minus: string
  percent: string
  at: string
  dot: string
  slash: string
  dash: string
  underscore: string
  plus: string
  /** Joins hours and minutes: "15 Uhr 30" (de); empty to just juxtapose them. */
  hour: string
  /** Said for a full hour with no minutes ("three o'clock"). */
  oclock: string
}

const LEXICONS: Record<string, Lexicon> = {
  en: { point: 'point', minus: 'minus', percent: 'percent', at: 'at', dot: 'dot', slash: 'slash', dash: 'dash', underscore: 'underscore', plus: 'plus', hour: '', oclock: "o'clock" },
  de: { point: 'Komma', minus: 'minus', percent: 'Prozent', at: 'at', dot: 'Punkt', slash: 'Schrägstrich', dash: 'Bindestrich', underscore: 'Unterstrich', plus: 'plus', hour: 'Uhr', oclock: 'Uhr' },
  fr: { point: 'virgule', minus: 'moins', percent: 'pour cent', at: 'arobase', dot: 'point', slash: 'barre oblique', dash: 'tiret', underscore: 'tiret bas', plus: 'plus', hour: 'heures', oclock: 'heures' },
  es: { point: 'coma', minus: 'menos', percent: 'por ciento', at: 'arroba', dot: 'punto', slash: 'barra', dash: 'guion', underscore: 'guion bajo', plus: 'más', hour: 'y', oclock: 'en punto' },
  it: { point: 'virgola', minus: 'meno', percent: 'per cento', at: 'chiocciola', dot: 'punto', slash: 'barra', dash: 'trattino', underscore: 'trattino basso', plus: 'più', hour: 'e', oclock: 'in punto' },
  pt: { point: 'vírgula', minus: 'menos', percent: 'por cento', at: 'arroba', dot: 'ponto', slash: 'barra', dash: 'hífen', underscore: 'sublinhado', plus: 'mais', hour: 'e', oclock: 'horas' },
  nl: { point: 'komma', minus: 'min', percent: 'procent', at: 'apenstaartje', dot: 'punt', slash: 'schuine streep', dash: 'streepje', underscore: 'liggend streepje', plus: 'plus', hour: 'uur', oclock: 'uur' },
}

/**
 * @example
 * lexiconFor('de-AT')?.percent // 'Prozent'
 * lexiconFor('ja')             // undefined
 */
export function lexiconFor(language: string): Lexicon | undefined {
  return LEXICONS[language.toLowerCase().split(/[-_]/)[0]!]
}
