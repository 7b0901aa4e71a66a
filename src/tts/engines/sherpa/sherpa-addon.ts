/**
 * Loading sherpa-onnx's native addon. npm installs it as an optional per-platform package
 * (sherpa-onnx-linux-x64, -darwin-arm64, ...), which is missing on a platform it does not
 * ship for or after an install that skipped optional dependencies: the service then says so
 * at start, naming the package, instead of failing on the first request.
 */
import { arch, platform } from 'node:os'

export type SherpaAddon = typeof import('sherpa-onnx-node')

/** The per-platform package npm installs the addon from, e.g. `sherpa-onnx-linux-x64`. */
export const addonPackage = (os: string = platform(), cpu: string = arch()) => `sherpa-onnx-${os === 'win32' ? 'win' : os}-${cpu}`

/**
 * Why the addon cannot be loaded on `os`-`cpu`, or undefined when its package is installed.
 * Checked at start, before any worker tries.
 *
 * @example
 * addonProblem() // undefined on linux-x64 after npm ci
 */
export function addonProblem(os: string = platform(), cpu: string = arch()): string | undefined {
  const name = addonPackage(os, cpu)
  try {
    Bun.resolveSync(`${name}/package.json`, import.meta.dir)
    return undefined
  } catch {
    return `sherpa-onnx's native addon for ${os}-${cpu} is not installed (npm package ${name}): sherpa-onnx ships it for linux-x64, linux-arm64, darwin-x64, darwin-arm64, win-x64 and win-ia32; reinstall with optional dependencies (npm ci) on one of them`
  }
}

/**
 * Throws an Error naming the missing package when the addon cannot load here.
 *
 * @example
 * const { OfflineTts } = await loadSherpaAddon()
 */
export async function loadSherpaAddon(): Promise<SherpaAddon> {
  try {
    return await import('sherpa-onnx-node')
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err)
    throw new Error(
      `sherpa-onnx's native addon does not load on ${platform()}-${arch()} (${reason}); ` +
        `it comes from the npm package ${addonPackage()}: reinstall with optional dependencies (npm ci) on a supported platform`,
    )
  }
}
