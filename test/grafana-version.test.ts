/**
 * One Grafana version everywhere: the image compose.yaml pins is the version every file names
 * (the README, provisioning headers, the dashboard's description), so no reader is told the
 * dashboard was written for a Grafana the stack does not run. (@grafana/schema, an npm package
 * with its own version numbers, is not a mention of Grafana's.)
 */
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './support/dashboard-queries.ts'
import { IMAGE_FACTS } from './support/image-facts.ts'

const compose = Bun.YAML.parse(readFileSync(join(repoRoot, 'compose.yaml'), 'utf8')) as { services: Record<string, { image?: string }> }
const image = compose.services.grafana!.image!
const pinned = image.split(':')[1]!

/** Every "Grafana X.Y.Z" (also bold, or with a v) and image references (repository grafana/grafana, then its tag) in the repository's text files. */
function mentions(): { file: string; text: string; version: string }[] {
  const found: { file: string; text: string; version: string }[] = []
  for (const file of new Bun.Glob('**/*.{md,ts,yaml,yml,json}').scanSync({ cwd: repoRoot })) {
    if (file.startsWith('node_modules/') || file.includes('/node_modules/') || file === 'package-lock.json') continue
    const text = readFileSync(join(repoRoot, file), 'utf8')
    for (const m of text.matchAll(/\bGrafana\W{0,3}v?(\d+\.\d+\.\d+)|grafana\/grafana:([\w.-]+)/g)) found.push({ file, text: m[0], version: (m[1] ?? m[2])! })
  }
  return found
}

test('compose.yaml pins Grafana to a version whose image facts are written down', () => {
  expect(pinned).toMatch(/^\d+\.\d+\.\d+$/)
  expect(IMAGE_FACTS[image], `test/support/image-facts.ts has ${image}`).toBeDefined()
})

test('every mention of a Grafana version names the pinned one', () => {
  const all = mentions()
  // The README, both provisioning files, the dashboard and compose.yaml itself at least.
  expect(new Set(all.map((m) => m.file)).size).toBeGreaterThanOrEqual(5)
  expect(all.filter((m) => m.version !== pinned).map((m) => `${m.file}: ${m.text}`)).toEqual([])
})
