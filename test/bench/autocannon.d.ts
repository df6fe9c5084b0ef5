// The part of autocannon 8's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  export interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p99: number
  }
  export interface Result {
    requests: Histogram
    latency: Histogram
    throughput: Histogram
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    /** Seconds. */
    duration: number
    resets: number
  }
  export interface Client {
    setHeaders: (headers: Record<string, string>) => void
  }
  export interface RequestSpec {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
    setupRequest?: (request: RequestSpec, context: Record<string, unknown>) => RequestSpec | undefined
  }
  export interface Options {
    url: string
    connections?: number
    duration?: number
    timeout?: number
    pipelining?: number
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
    requests?: RequestSpec[]
    setupClient?: (client: Client) => void
  }
  /** A running load test: a promise of its result that also emits each response. */
  export interface Instance extends PromiseLike<Result> {
    /** `responseTime` is the request's duration in milliseconds, with sub-millisecond precision. */
    on: (event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void) => Instance
  }
  function autocannon (opts: Options): Instance
  export default autocannon
}
