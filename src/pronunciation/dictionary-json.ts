/**
 * Dictionaries in the shapes ElevenLabs' API answers with (and its SDK parses): snake_case,
 * times in Unix seconds, the caller's permission on each (always admin: a key sees only its own).
 */
import type { DictionaryRecord, VersionRecord } from './dictionary-store.ts'

const seconds = (ms: number) => Math.floor(ms / 1000)

/** GetPronunciationDictionaryMetadataResponse: list entries and PATCH. */
export function metadataJson(record: DictionaryRecord) {
  return {
    id: record.id,
    latest_version_id: record.latestVersionId,
    latest_version_rules_num: record.latestRulesNum,
    name: record.name,
    permission_on_resource: 'admin',
    created_by: record.createdBy,
    creation_time_unix: seconds(record.createdAtMs),
    ...(record.archivedAtMs !== undefined && { archived_time_unix: seconds(record.archivedAtMs) }),
    ...(record.description !== undefined && { description: record.description }),
  }
}

/** AddPronunciationDictionaryResponseModel: add-from-rules and add-from-file. */
export function createdJson(record: DictionaryRecord, version: VersionRecord) {
  return {
    id: record.id,
    name: record.name,
    created_by: record.createdBy,
    creation_time_unix: seconds(record.createdAtMs),
    version_id: version.versionId,
    version_rules_num: version.rules.length,
    ...(record.description !== undefined && { description: record.description }),
    permission_on_resource: 'admin',
  }
}

/** GetPronunciationDictionaryWithRulesResponseModel: GET one, with the latest rules. */
export function withRulesJson(record: DictionaryRecord, version: VersionRecord) {
  return { ...metadataJson(record), rules: version.rules }
}

/** PronunciationDictionaryRulesResponseModel: add-rules, remove-rules, set-rules. */
export function rulesChangedJson(record: DictionaryRecord, version: VersionRecord) {
  return { id: record.id, version_id: version.versionId, version_rules_num: version.rules.length }
}
