/**
 * espeak's voice catalogue: every language espeak-ng ships (in both the npm WASM build and
 * Debian's libespeak-ng) with a male and a female variant, more variants for English,
 * and OpenAI's voice names mapped onto English voices.
 *
 * The catalogue is embedded rather than read from `espeak-ng --voices` at run time so
 * ids stay stable across hosts and engines (ids end up in URLs and cache keys). It was
 * taken from espeak-ng 1.51 (Debian) intersected with 1.52-dev (npm `espeak-ng` 1.0.2),
 * leaving out the fictional languages (Klingon, Quenya, Sindarin, Pyash, Belta).
 */
import type { Gender, Voice } from '../../engine.ts'

/**
 * espeak-ng language code, English name and, where the code alone does not load in
 * libespeak-ng 1.51's espeak_SetVoiceByName (the CLI falls back, the library does not),
 * the voice file name that does.
 */
const LANGUAGES: ReadonlyArray<readonly [code: string, name: string, voiceFile?: string]> = [
  ['af', 'Afrikaans'],
  ['am', 'Amharic'],
  ['an', 'Aragonese'],
  ['ar', 'Arabic'],
  ['as', 'Assamese'],
  ['az', 'Azerbaijani'],
  ['ba', 'Bashkir'],
  ['be', 'Belarusian'],
  ['bg', 'Bulgarian'],
  ['bn', 'Bengali'],
  ['bpy', 'Bishnupriya Manipuri'],
  ['bs', 'Bosnian'],
  ['ca', 'Catalan'],
  ['chr-US-Qaaa-x-west', 'Cherokee', 'chr'],
  ['cmn', 'Chinese (Mandarin, latin as English)'],
  ['cmn-latn-pinyin', 'Chinese (Mandarin, latin as Pinyin)'],
  ['cs', 'Czech'],
  ['cv', 'Chuvash'],
  ['cy', 'Welsh'],
  ['da', 'Danish'],
  ['de', 'German'],
  ['el', 'Greek'],
  ['en-029', 'English (Caribbean)'],
  ['en-gb', 'English (Great Britain)', 'en'],
  ['en-gb-scotland', 'English (Scotland)'],
  ['en-gb-x-gbclan', 'English (Lancaster)'],
  ['en-gb-x-gbcwmd', 'English (West Midlands)'],
  ['en-gb-x-rp', 'English (Received Pronunciation)'],
  ['en-us', 'English (America)'],
  ['en-us-nyc', 'English (America, New York City)'],
  ['eo', 'Esperanto'],
  ['es', 'Spanish (Spain)'],
  ['es-419', 'Spanish (Latin America)'],
  ['et', 'Estonian'],
  ['eu', 'Basque'],
  ['fa', 'Persian'],
  ['fa-latn', 'Persian (Pinglish)'],
  ['fi', 'Finnish'],
  ['fr-be', 'French (Belgium)'],
  ['fr-ch', 'French (Switzerland)'],
  ['fr-fr', 'French (France)', 'fr'],
  ['ga', 'Gaelic (Irish)'],
  ['gd', 'Gaelic (Scottish)'],
  ['gn', 'Guarani'],
  ['grc', 'Greek (Ancient)'],
  ['gu', 'Gujarati'],
  ['hak', 'Hakka Chinese'],
  ['haw', 'Hawaiian'],
  ['he', 'Hebrew'],
  ['hi', 'Hindi'],
  ['hr', 'Croatian'],
  ['ht', 'Haitian Creole'],
  ['hu', 'Hungarian'],
  ['hy', 'Armenian (East Armenia)'],
  ['hyw', 'Armenian (West Armenia)'],
  ['ia', 'Interlingua'],
  ['id', 'Indonesian'],
  ['io', 'Ido'],
  ['is', 'Icelandic'],
  ['it', 'Italian'],
  ['ja', 'Japanese'],
  ['jbo', 'Lojban'],
  ['ka', 'Georgian'],
  ['kk', 'Kazakh'],
  ['kl', 'Greenlandic'],
  ['kn', 'Kannada'],
  ['ko', 'Korean'],
  ['kok', 'Konkani'],
  ['ku', 'Kurdish'],
  ['ky', 'Kyrgyz'],
  ['la', 'Latin'],
  ['lb', 'Luxembourgish'],
  ['lfn', 'Lingua Franca Nova'],
  ['lt', 'Lithuanian'],
  ['ltg', 'Latgalian'],
  ['lv', 'Latvian'],
  ['mi', 'Māori'],
  ['mk', 'Macedonian'],
  ['ml', 'Malayalam'],
  ['mr', 'Marathi'],
  ['ms', 'Malay'],
  ['mt', 'Maltese'],
  ['my', 'Myanmar (Burmese)'],
  ['nb', 'Norwegian Bokmål'],
  ['nci', 'Nahuatl (Classical)'],
  ['ne', 'Nepali'],
  ['nl', 'Dutch'],
  ['nog', 'Nogai'],
  ['om', 'Oromo'],
  ['or', 'Oriya'],
  ['pa', 'Punjabi'],
  ['pap', 'Papiamento'],
  ['pl', 'Polish'],
  ['pt', 'Portuguese (Portugal)'],
  ['pt-br', 'Portuguese (Brazil)'],
  ['qu', 'Quechua'],
  ['quc', "K'iche'"],
  ['ro', 'Romanian'],
  ['ru', 'Russian'],
  ['ru-lv', 'Russian (Latvia)'],
  ['sd', 'Sindhi'],
  ['shn', 'Shan (Tai Yai)'],
  ['si', 'Sinhala'],
  ['sk', 'Slovak'],
  ['sl', 'Slovenian'],
  ['smj', 'Lule Saami'],
  ['sq', 'Albanian'],
  ['sr', 'Serbian'],
  ['sv', 'Swedish'],
  ['sw', 'Swahili'],
  ['ta', 'Tamil'],
  ['te', 'Telugu'],
  ['th', 'Thai'],
  ['tk', 'Turkmen'],
  ['tn', 'Setswana'],
  ['tr', 'Turkish'],
  ['tt', 'Tatar'],
  ['ug', 'Uyghur'],
  ['uk', 'Ukrainian'],
  ['ur', 'Urdu'],
  ['uz', 'Uzbek'],
  ['vi', 'Vietnamese (Northern)'],
  ['vi-vn-x-central', 'Vietnamese (Central)'],
  ['vi-vn-x-south', 'Vietnamese (Southern)'],
  ['yue', 'Chinese (Cantonese)'],
]

/**
 * espeak variants per gender, in catalogue order. Every language gets the first of each;
 * the English voices listed in EXTRA get more. `m3`/`f3` are the clearest of the set.
 */
const VARIANTS: Record<Gender, readonly string[]> = { male: ['m3', 'm1', 'm7'], female: ['f3', 'f1', 'f4'] }
const EXTRA: Record<string, number> = { 'en-us': 3, 'en-gb': 2 }

/**
 * BCP-47 casing for an espeak language code (regions upper case, scripts title case).
 *
 * @example
 * toLanguageTag('en-gb-x-rp') // 'en-GB-x-rp'
 */
export function toLanguageTag(code: string): string {
  const parts = code.split('-')
  let privateUse = false
  return parts
    .map((part, i) => {
      if (i === 0 || privateUse) return part.toLowerCase()
      if (part.toLowerCase() === 'x') {
        privateUse = true
        return 'x'
      }
      if (/^[a-z]{2}$/i.test(part)) return part.toUpperCase()
      if (/^[a-z]{4}$/i.test(part)) return part[0]!.toUpperCase() + part.slice(1).toLowerCase()
      return part.toLowerCase()
    })
    .join('-')
}

function buildCatalogue(): Voice[] {
  const voices: Voice[] = []
  for (const [code, name, voiceFile] of LANGUAGES) {
    const count = EXTRA[code] ?? 1
    for (const gender of ['female', 'male'] as const) {
      for (let n = 1; n <= count; n++) {
        const variant = VARIANTS[gender][n - 1]!
        voices.push({
          id: `${code.toLowerCase()}-${gender[0]}${n}`,
          name: `${name}, ${gender} ${n}`,
          language: toLanguageTag(code),
          gender,
          engineVoice: `${voiceFile ?? code}+${variant}`,
          description: `espeak-ng ${voiceFile ?? code}+${variant}`,
        })
      }
    }
  }
  return voices
}

/** Every catalogue voice, in language order. */
export const VOICES: readonly Voice[] = Object.freeze(buildCatalogue())

/** OpenAI voice names and the catalogue voice each one speaks with. */
export const OPENAI_VOICE_MAP: Readonly<Record<string, string>> = Object.freeze({
  alloy: 'en-us-f1',
  ash: 'en-us-m1',
  ballad: 'en-gb-m2',
  coral: 'en-us-f2',
  echo: 'en-us-m2',
  fable: 'en-gb-m1',
  onyx: 'en-us-m3',
  nova: 'en-us-f3',
  sage: 'en-gb-f1',
  shimmer: 'en-gb-f2',
  verse: 'en-gb-x-rp-m1',
  marin: 'en-gb-x-rp-f1',
  cedar: 'en-gb-scotland-m1',
})

const byId = new Map(VOICES.map((v) => [v.id, v]))

/**
 * OpenAI's voices as catalogue entries of their own: the id is the OpenAI name, the
 * sound is that of the mapped voice. Listed by `GET /v1/audio/voices` beside VOICES.
 */
export const OPENAI_VOICES: readonly Voice[] = Object.freeze(
  Object.entries(OPENAI_VOICE_MAP).map(([name, target]) => {
    const voice = byId.get(target)
    if (!voice) throw new Error(`OpenAI voice ${name} maps to unknown voice ${target}`)
    return { ...voice, id: name, name: name[0]!.toUpperCase() + name.slice(1) }
  }),
)

const lookup = new Map<string, Voice>([...VOICES, ...OPENAI_VOICES].map((v) => [v.id.toLowerCase(), v]))

/**
 * Finds a voice by catalogue id (`en-us-f1`) or OpenAI name (`alloy`), ignoring case and
 * surrounding spaces. Returns undefined for anything else (the route answers 404/400).
 *
 * @example
 * resolveVoice('Alloy')?.engineVoice // 'en-us+f3'
 * resolveVoice('de-m1')?.language // 'de'
 * resolveVoice('nope') // undefined
 */
export function resolveVoice(nameOrId: string): Voice | undefined {
  return lookup.get(nameOrId.trim().toLowerCase())
}

/** The engine has no voice by this selector (a catalogue entry that does not exist there). */
export class UnknownVoiceError extends Error {
  override readonly name = 'UnknownVoiceError'
  constructor(readonly voice: string) {
    super(`unknown voice: ${voice}`)
  }
}
