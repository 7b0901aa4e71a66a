/**
 * tokens.txt, as sherpa-onnx reads it: one `symbol id` per line, the symbol one Unicode code
 * point (a line holding only an id is the space), ids integers. sherpa-onnx ends the whole
 * process on a line it cannot read or a symbol given twice, so the service checks the file
 * first and names the line.
 */

export interface Tokens {
  /** Symbol → id. */
  ids: Map<string, number>
  /** What is wrong, one sentence per problem (empty when the file is usable). */
  problems: string[]
}

/**
 * @example
 * parseTokens('_ 0\n^ 1\n$ 2\n 3\n').ids.get(' ') // 3
 */
export function parseTokens(text: string): Tokens {
  const ids = new Map<string, number>()
  const problems: string[] = []
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '')
    const fields = line.split(/[ \t]+/).filter(Boolean)
    const [symbol, id] = fields.length === 1 ? [' ', fields[0]!] : [fields[0], fields[1]]
    if (fields.length === 0 || fields.length > 2 || !/^\d+$/.test(id ?? '')) {
      problems.push(`line ${i + 1} is not "symbol id": ${JSON.stringify(line.slice(0, 40))}`)
      continue
    }
    if (symbol === '<BLNK>') continue // Coqui's blank: sherpa-onnx skips it too
    if ([...symbol!].length !== 1) {
      problems.push(`line ${i + 1}: the symbol ${JSON.stringify(symbol)} is not one character`)
      continue
    }
    if (ids.has(symbol!)) {
      problems.push(`line ${i + 1}: the symbol ${JSON.stringify(symbol)} is listed twice`)
      continue
    }
    ids.set(symbol!, Number(id))
  }
  if (lines.length === 0) problems.push('it is empty')
  return { ids, problems }
}

/** Problems for each of `required` missing from `tokens` (sherpa-onnx looks them up unchecked). */
export function missingSymbols(tokens: Tokens, required: readonly string[]): string[] {
  const missing = required.filter((s) => !tokens.ids.has(s))
  return missing.length ? [`it lacks the symbol${missing.length > 1 ? 's' : ''} ${missing.map((s) => JSON.stringify(s)).join(', ')}`] : []
}

/** tokens.txt text for a symbol → id map (Piper's phoneme_id_map). */
export function formatTokens(ids: ReadonlyMap<string, number>): string {
  return [...ids].map(([symbol, id]) => `${symbol} ${id}\n`).join('')
}
