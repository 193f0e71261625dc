/**
 * Every error xfn raises on purpose. The CLI maps the class of a code to an exit code, so a user
 * mistake, a cloud failure and a bug in xfn stay distinguishable in scripts.
 */
export const errorCodes = {
  INVALID_OPTIONS: 'user',
  INVALID_NAME: 'user',
  DUPLICATE_NAME: 'user',
  INVALID_ROUTE: 'user',
  ROUTE_CONFLICT: 'user',
  INVALID_SCHEDULE: 'user',
  NOT_PORTABLE: 'user',
  RESOURCE_CONFLICT: 'user',
  UNKNOWN_FUNCTION: 'user',
  APP_LOAD_FAILED: 'user',
  NO_RUNTIME: 'user',
  UNDECLARED_RESOURCE: 'user',
  CLOUD_ERROR: 'cloud',
  /** The cloud cannot do it now (its storage is full or cannot be written); the same call may work later. */
  UNAVAILABLE: 'cloud',
  MALFORMED_EVENT: 'cloud',
  INTERNAL: 'internal',
} as const

export type ErrorCode = keyof typeof errorCodes
export type ErrorClass = (typeof errorCodes)[ErrorCode]

/**
 * The one base error of xfn: a string `code`, an optional `cause`, and a message that says what was
 * wrong, where, and what to do about it.
 *
 * @example
 * throw new XfnError('INVALID_ROUTE', "app.http('getItem'): route 'items' must start with '/'.")
 */
export class XfnError extends Error {
  override name = 'XfnError'
  readonly code: ErrorCode
  /** The xfn commands the message tells the user to run, which the CLI prints ready to paste. */
  readonly commands: readonly CommandHint[]

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; commands?: CommandHint[] }) {
    super(message, options)
    this.code = code
    this.commands = options?.commands ?? []
  }
}

/**
 * A command of the xfn CLI named in a message, as its arguments after `xfn` (without the app's
 * folder). It reads as `xfn <args>`; the CLI prints it as it can be pasted where the user is (with
 * `npx`, and the app's folder when that is not the current one).
 */
export class CommandHint {
  readonly args: readonly string[]
  constructor(args: readonly string[]) {
    this.args = args
  }
  toString(): string {
    return `xfn ${this.args.join(' ')}`
  }
}

/** `xfnCommand('deploy', '--cloud', 'local')` reads `xfn deploy --cloud local` in a message. */
export const xfnCommand = (...args: string[]) => new CommandHint(args)

/** Whether the user, the cloud or xfn itself is to blame for an error code: `user`, `cloud` or `internal`. */
export function errorClassOf(code: ErrorCode): ErrorClass {
  return errorCodes[code]
}

/** The portable clouds, and the local cloud that stands in for them. */
export const clouds = ['aws', 'azure', 'local'] as const
export type Cloud = (typeof clouds)[number]

/**
 * Where a function runs, as its context and its log lines name it: a built-in cloud, or another
 * target by its name (`knative`).
 */
export type Platform = Cloud | (string & {})

/**
 * A construct that one cloud cannot express exactly. It names the function (or resource), the
 * cloud and the reason, so `xfn check` can report it and a build can refuse it.
 */
export class PortabilityError extends XfnError {
  override name = 'PortabilityError'
  readonly subject: string
  readonly cloud: Cloud
  readonly reason: string

  constructor(subject: string, cloud: Cloud, reason: string) {
    super('NOT_PORTABLE', `${subject} cannot run on ${cloud}: ${reason}`)
    this.subject = subject
    this.cloud = cloud
    this.reason = reason
  }
}
