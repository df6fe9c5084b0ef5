/** What the BFF learns about an upstream task, from the result endpoint or a callback. */
export interface UpstreamTask {
  status: number
  progress?: number | undefined
  result?: Record<string, unknown> | null | undefined
  reason?: string | null | undefined
  /** Our task id, when the gateway echoes the create's `params` (not documented either way). */
  params?: string | null | undefined
}

/** The ToMoviee gateway as the rest of the BFF sees it. Implementations throw GatewayError. */
export interface GatewayClient {
  /** Creates a task at /v1/open/capacity/application/<endpoint>; resolves to the upstream task_id. */
  createTask: (endpoint: string, body: Record<string, unknown>) => Promise<string>
  /** Reads a task from the unified result endpoint (POST /v1/open/pub/task). */
  getTask: (taskId: string) => Promise<UpstreamTask>
  /**
   * The error a call made now would be refused with before leaving the BFF (an open circuit), or
   * null. Lets a create fail before it records a task it could not send.
   */
  refusal?: () => Error | null
  /** Releases connections the client opened itself. */
  close: () => Promise<void>
}
