/**
 * Pronunciation dictionaries as the API sees them: owned per API key, limited, versioned
 * (every change of rules is a new version; renaming or archiving is not), listed with cursor
 * paging, and resolved from request locators into the rules a synthesis applies.
 */
import type { DictionaryRecord, DictionaryStore, VersionRecord } from './dictionary-store.ts'
import { newId } from './dictionary-store.ts'
import { RuleMatcher } from './apply-rules.ts'
import type { Rule } from './rules.ts'

export interface DictionaryLimits {
  /** Rules one version may hold (TTS_DICT_MAX_RULES). */
  maxRules: number
  /** Dictionaries one API key may own (TTS_DICT_MAX_PER_KEY). */
  maxPerOwner: number
  /** Versions kept per dictionary; older ones are deleted (a locator naming one gets 404). */
  versionsKept: number
}

export const DEFAULT_LIMITS: DictionaryLimits = { maxRules: 5000, maxPerOwner: 100, versionsKept: 100 }

/** Why a dictionary operation was refused: the routes map `kind` to a status. */
export class DictionaryError extends Error {
  override readonly name = 'DictionaryError'
  constructor(
    /** `locator`: a request named a dictionary (or version) that is missing or not its key's. */
    readonly kind: 'not_found' | 'limit' | 'conflict' | 'invalid' | 'locator',
    message: string,
  ) {
    super(message)
  }
}

export interface ListOptions {
  cursor?: string
  pageSize: number
  sort: 'creation_time_unix' | 'name'
  direction: 'ascending' | 'descending'
  includeArchived: boolean
}

/** A request's reference to a dictionary; no version means the latest. */
export interface Locator {
  pronunciation_dictionary_id: string
  version_id?: string | null
}

/** The rules a request's locators name, ready to apply, and the versions they came from (for the cache key). */
export interface ResolvedRules {
  matcher: RuleMatcher
  versions: string[]
}

const CONFLICT_RETRIES = 8

/**
 * @example
 * const dictionaries = new Dictionaries(() => openSqliteDictionaryStore('.data/dictionaries.sqlite'))
 * const { record } = await dictionaries.create('team-a', 'team-a', { name: 'Brands', rules })
 */
export class Dictionaries {
  readonly #matchers = new Map<string, RuleMatcher>()
  readonly #open: () => DictionaryStore
  #store: DictionaryStore | undefined

  /** `open` runs on first use: a server whose clients never make a dictionary creates no file. */
  constructor(
    open: () => DictionaryStore,
    readonly limits: DictionaryLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.#open = open
  }

  private get store(): DictionaryStore {
    this.#store ??= this.#open()
    return this.#store
  }

  async create(owner: string, createdBy: string, init: { name: string; description?: string; rules: Rule[] }): Promise<{ record: DictionaryRecord; version: VersionRecord }> {
    this.#checkRules(init.rules)
    const at = this.now()
    const version: VersionRecord = { dictionaryId: newId(), versionId: newId(), rules: init.rules, createdAtMs: at }
    const record: DictionaryRecord = {
      id: version.dictionaryId,
      owner,
      name: init.name,
      ...(init.description !== undefined && { description: init.description }),
      createdBy,
      createdAtMs: at,
      latestVersionId: version.versionId,
      latestRulesNum: init.rules.length,
    }
    if (!(await this.store.insert(record, version, this.limits.maxPerOwner))) {
      throw new DictionaryError('limit', `This API key already has ${this.limits.maxPerOwner} pronunciation dictionaries, the most allowed.`)
    }
    return { record, version }
  }

  /** The dictionary, if `owner` owns it: another key's dictionary is as missing as one that never was. */
  async get(owner: string, id: string): Promise<DictionaryRecord> {
    const record = await this.store.get(id)
    if (!record || record.owner !== owner) throw new DictionaryError('not_found', `Pronunciation dictionary '${id.slice(0, 100)}' was not found.`)
    return record
  }

  async rules(owner: string, id: string, versionId?: string): Promise<{ record: DictionaryRecord; version: VersionRecord }> {
    const record = await this.get(owner, id)
    const wanted = versionId ?? record.latestVersionId
    const version = await this.store.version(id, wanted)
    if (!version) throw new DictionaryError('not_found', `Version '${wanted.slice(0, 100)}' of pronunciation dictionary '${id.slice(0, 100)}' was not found.`)
    return { record, version }
  }

  async list(owner: string, options: ListOptions): Promise<{ items: DictionaryRecord[]; nextCursor?: string }> {
    const all = (await this.store.listByOwner(owner)).filter((r) => options.includeArchived || r.archivedAtMs === undefined)
    const key = (r: DictionaryRecord): [string | number, string] => [options.sort === 'name' ? r.name : r.createdAtMs, r.id]
    const sign = options.direction === 'ascending' ? 1 : -1
    const compare = (a: [string | number, string], b: [string | number, string]) =>
      sign * (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)
    const sorted = all.toSorted((a, b) => compare(key(a), key(b)))
    const after = options.cursor ? decodeCursor(options.cursor) : undefined
    const rest = after ? sorted.filter((r) => compare(key(r), after) > 0) : sorted
    const items = rest.slice(0, options.pageSize)
    const last = items.at(-1)
    return { items, ...(rest.length > items.length && last && { nextCursor: encodeCursor(key(last)) }) }
  }

  async update(owner: string, id: string, fields: { name?: string; archived?: boolean }): Promise<DictionaryRecord> {
    const record = await this.get(owner, id)
    const archivedAtMs = fields.archived === undefined ? undefined : fields.archived ? (record.archivedAtMs ?? this.now()) : null
    if (!(await this.store.patch(id, { ...(fields.name !== undefined && { name: fields.name }), ...(archivedAtMs !== undefined && { archivedAtMs }) }))) {
      throw new DictionaryError('not_found', `Pronunciation dictionary '${id.slice(0, 100)}' was not found.`)
    }
    return this.get(owner, id)
  }

  /** Makes a new version from the latest one's rules; retried when another change lands first. */
  async change(owner: string, id: string, change: (rules: Rule[]) => Rule[]): Promise<{ record: DictionaryRecord; version: VersionRecord }> {
    for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      const { record, version: latest } = await this.rules(owner, id)
      const rules = change(latest.rules)
      this.#checkRules(rules)
      const version: VersionRecord = { dictionaryId: id, versionId: newId(), rules, createdAtMs: this.now() }
      if (await this.store.addVersion(record.latestVersionId, version, this.limits.versionsKept)) {
        return { record: { ...record, latestVersionId: version.versionId, latestRulesNum: rules.length }, version }
      }
    }
    throw new DictionaryError('conflict', 'The dictionary is being changed by other requests; retry.')
  }

  /**
   * The rules of up to three locators, in their order (the first dictionary wins a tie), for
   * `owner`; a locator of a missing or foreign dictionary or version is an error.
   */
  async resolve(owner: string, locators: readonly Locator[]): Promise<ResolvedRules> {
    const versions = await Promise.all(
      locators.map((l, i) =>
        this.rules(owner, l.pronunciation_dictionary_id, l.version_id ?? undefined).catch((err: unknown) => {
          if (err instanceof DictionaryError && err.kind === 'not_found') throw new DictionaryError('locator', `pronunciation_dictionary_locators[${i}]: ${err.message}`)
          throw err
        }),
      ),
    )
    const ids = versions.map(({ version }) => `${version.dictionaryId}:${version.versionId}`)
    const key = ids.join(',')
    let matcher = this.#matchers.get(key)
    if (!matcher) {
      matcher = new RuleMatcher(versions.flatMap(({ version }) => version.rules))
      // Versions never change, so a compiled set stays right; keep the recent ones (LRU by reinsertion).
      if (this.#matchers.size >= 64) this.#matchers.delete(this.#matchers.keys().next().value!)
    } else {
      this.#matchers.delete(key)
    }
    this.#matchers.set(key, matcher)
    return { matcher, versions: ids }
  }

  close(): void {
    this.#store?.close()
  }

  #checkRules(rules: readonly Rule[]): void {
    if (rules.length > this.limits.maxRules) {
      throw new DictionaryError('limit', `A pronunciation dictionary may hold at most ${this.limits.maxRules} rules; this one would have ${rules.length}.`)
    }
  }
}

const encodeCursor = (key: [string | number, string]) => Buffer.from(JSON.stringify(key)).toString('base64url')

function decodeCursor(cursor: string): [string | number, string] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(key) && key.length === 2 && (typeof key[0] === 'string' || typeof key[0] === 'number') && typeof key[1] === 'string') {
      return key as [string | number, string]
    }
  } catch {
    // fall through
  }
  throw new DictionaryError('invalid', 'The cursor is not one this server issued.')
}
