import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Writable } from 'node:stream'
import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'
import pretty from 'pino-pretty'
import type { Config } from './config.ts'

// Query parameters that carry credentials (the webhook's per-task token, stream tokens, media
// link signatures and S3 presigned signatures).
const SECRET_QUERY = /([?&](?:token|access_token|sig|x-amz-signature)=)[^&#]*/gi

export function redactUrl (url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]')
}

/** Paths pino blanks out wherever they appear in a log object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-app-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-app-key"]',
  '*.appSecret',
  '*.appKey',
  '*.secretAccessKey',
  '*.token',
  'appSecret',
  'token',
  // Tencent's credentials travel in the request body, so a logged body would carry them.
  'secretId',
  'secretKey',
  '*.secretId',
  '*.secretKey',
  '*.*.secretId',
  '*.*.secretKey'
]

// A client's X-Request-Id is kept for tracing only when it cannot forge log lines or fields.
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/

/** The request id: the client's X-Request-Id when it is safe, else a fresh UUID. */
export function requestIdOf (req: IncomingMessage): string {
  const header = req.headers['x-request-id']
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID()
}

interface RawRequest { method?: string, url?: string, host?: string, ip?: string, socket?: { remotePort?: number } }

/** pino options shared by the server and tests that assert on log output. */
export function loggerOptions (config: Pick<Config, 'logLevel'>): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req (req: RawRequest) {
        return { method: req.method, url: redactUrl(req.url ?? ''), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }
      }
    }
  }
}

/**
 * Where log lines go: readable, coloured lines for a person at a terminal outside production,
 * JSON lines (pino's default, undefined here) for log collectors and pipes. Redaction happens in
 * pino before either, so both are equally free of secrets.
 */
export function logDestination (env: { NODE_ENV?: string | undefined }, stdout: Writable & { isTTY?: boolean } = process.stdout): DestinationStream | undefined {
  if (env.NODE_ENV === 'production' || stdout.isTTY !== true) return undefined
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: stdout })
}
