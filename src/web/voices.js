/**
 * The voice picker: voices from `GET /v1/audio/voices`, one <optgroup> per language,
 * each option naming its gender.
 */

const PREFERRED = ['en-us-f1', 'en-gb-f1']

/** "English (America), female 1" → "English (America)": the language part of a voice name. */
function languageName(voice) {
  const match = /^(.*?),\s*(female|male|neutral)\b/i.exec(voice.name)
  return match?.[1] || voice.language
}

/** The option text: the full name (readable when the list is closed), gender always shown. */
function optionLabel(voice) {
  const named = voice.name.toLowerCase().includes(voice.gender.toLowerCase()) ? voice.name : `${voice.name} (${voice.gender})`
  return `${named} · ${voice.id}`
}

/**
 * @param {HTMLSelectElement} select
 * @param {{id: string, name: string, language: string, gender: string}[]} voices
 */
export function fillVoicePicker(select, voices) {
  const groups = new Map()
  for (const voice of voices) {
    const group = groups.get(voice.language) ?? { label: `${languageName(voice)} — ${voice.language}`, voices: [] }
    group.voices.push(voice)
    groups.set(voice.language, group)
  }
  const sorted = [...groups.values()].sort((a, b) => a.label.localeCompare(b.label))
  const fragment = document.createDocumentFragment()
  for (const group of sorted) {
    const optgroup = document.createElement('optgroup')
    optgroup.label = group.label
    for (const voice of group.voices) {
      const option = new Option(optionLabel(voice), voice.id)
      option.dataset.gender = voice.gender
      optgroup.append(option)
    }
    fragment.append(optgroup)
  }
  select.replaceChildren(fragment)
  const preferred = PREFERRED.find((id) => voices.some((v) => v.id === id))
  if (preferred) select.value = preferred
  select.disabled = voices.length === 0
  return { languages: groups.size, voices: voices.length }
}
