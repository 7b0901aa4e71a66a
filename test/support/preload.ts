/** Loaded before every test file (bunfig.toml [test] preload): what the whole run shares. */
import { afterAll } from 'bun:test'
import { useRunTempDir } from './run-temp-dir.ts'

// A preload's afterAll runs once, after the last file.
afterAll(useRunTempDir('test'))
