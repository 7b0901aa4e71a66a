/**
 * Reading an operator's YAML or JSON file (engines file, keys file) the same way everywhere:
 * JSON when it starts with `{`, YAML otherwise, and schema problems worded as
 * `<source>: <path>: <message>` so a start-up error names the file and the key at fault.
 */
import type { z } from 'zod'
import { ConfigError } from './config.ts'

/**
 * The file's document, or a ConfigError naming the source and the parser's first line.
 *
 * @example
 * const raw = parseConfigDocument(await Bun.file(path).text(), 'TTS_KEYS_FILE')
 */
export function parseConfigDocument(text: string, source: string): unknown {
  try {
    return text.trimStart().startsWith('{') ? JSON.parse(text) : Bun.YAML.parse(text)
  } catch (err) {
    throw new ConfigError([`${source}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`])
  }
}

/**
 * Every schema problem of a safeParse result, one line each (none when it succeeded).
 *
 * @example
 * const problems = schemaProblems(schema.safeParse(raw ?? {}), 'TTS_ENGINES_FILE')
 */
export function schemaProblems(result: z.ZodSafeParseResult<unknown>, source: string): string[] {
  return result.success ? [] : result.error.issues.map((i) => `${source}: ${i.path.join('.') || '(top level)'}: ${i.message}`)
}
