/**
 * Reading one series off a running service's /metrics, as a scraper would.
 */

/**
 * The value of one exact series (name and labels as printed), NaN when it is absent.
 *
 * @example
 * await metricValue(svc.url, 'tts_cache_errors_total{op="set"}')
 */
export async function metricValue(baseUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line ? Number(line.slice(series.length + 1).split(' ')[0]) : Number.NaN
}
