/**
 * Reading the files an engines-file entry names, collecting every problem instead of
 * stopping at the first, each worded with the key and the path so the operator knows
 * which file to fix.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs'
import { readOnnxHeader, type OnnxHeader } from './onnx/onnx-header.ts'
import { missingSymbols, parseTokens } from './tokens-file.ts'

export class Problems {
  readonly list: string[] = []

  constructor(private readonly prefix: string) {}

  add(key: string, path: string | undefined, problem: string): void {
    this.list.push(`${this.prefix}.${key}: ${path ? `${path}: ` : ''}${problem}`)
  }
}

/** True when `path` is a readable regular file; otherwise records why not. */
export function checkFile(problems: Problems, key: string, path: string): boolean {
  try {
    if (!statSync(path).isFile()) {
      problems.add(key, path, 'is not a file')
      return false
    }
    accessSync(path, constants.R_OK)
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    problems.add(key, path, code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be read (${code})`)
    return false
  }
}

/** The file's bytes and ONNX header, or undefined with the problem recorded. */
export function readModel(problems: Problems, key: string, path: string): { bytes: Uint8Array; header: OnnxHeader } | undefined {
  if (!checkFile(problems, key, path)) return undefined
  const bytes = readFileSync(path)
  try {
    return { bytes, header: readOnnxHeader(bytes) }
  } catch (err) {
    problems.add(key, path, (err as Error).message)
    return undefined
  }
}

/** The metadata value under `key` as an integer, recording a problem when absent or not one. */
export function intMeta(problems: Problems, fileKey: string, path: string, header: OnnxHeader, key: string, fallback?: number): number {
  const raw = header.metadata[key]
  if (raw === undefined && fallback !== undefined) return fallback
  const value = Number(raw)
  if (raw === undefined || !Number.isInteger(value)) {
    problems.add(fileKey, path, `its metadata lacks "${key}" (an integer), which sherpa-onnx needs: is this the model the entry says it is?`)
    return fallback ?? 0
  }
  return value
}

/** Reads and checks tokens.txt; `required` are symbols sherpa-onnx looks up without checking. */
export function checkTokens(problems: Problems, key: string, path: string | undefined, required: readonly string[]): void {
  if (!path || !checkFile(problems, key, path)) return
  const tokens = parseTokens(readFileSync(path, 'utf8'))
  for (const problem of [...tokens.problems, ...missingSymbols(tokens, required)]) problems.add(key, path, problem)
}
