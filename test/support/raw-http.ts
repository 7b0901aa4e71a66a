/**
 * HTTP/1.x written by hand over a TCP socket, for requests no fetch client can send:
 * HTTP/1.0 without Host, an empty Host, the exact bytes a load balancer's health check sends.
 */
import { connect } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
}

/**
 * Sends `request` verbatim and reads until the server closes (send `Connection: close` on
 * HTTP/1.1). Only `Content-Length` bodies are parsed, which is what these tests get back.
 *
 * @example
 * const res = await rawHttp(port, 'GET /readyz HTTP/1.0\r\n\r\n')
 */
export function rawHttp(port: number, request: string | Uint8Array, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no complete response within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      try {
        resolve(parse(Buffer.concat(chunks)))
      } catch (err) {
        reject(err)
      }
    })
    socket.write(request)
  })
}

function parse(bytes: Buffer): RawResponse {
  const end = bytes.indexOf('\r\n\r\n')
  if (end < 0) throw new Error(`no response head in ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`)
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1])
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status, headers, body: bytes.subarray(end + 4) }
}
