/**
 * The contract between the `xfn` command line and a target: a cloud, the local cloud, or any other
 * place an app can run. The commands know no target by name; they find the one `--cloud` names,
 * offer its settings as flags, and call it. A target gets a host from the command line for what
 * stays shared (printing, asking, pasteable commands, building the app), and returns what
 * `--json` prints.
 *
 * A target is a module whose default export is a `Target`. The built-in ones ship with the
 * command line; another is named in `xfn.config.ts` (`targets: ['@acme/xfn-target-x']`, or a path
 * relative to the app) and found from the app's folder.
 */
import type { Manifest } from './manifest.js'
import type { FunctionMetrics, LogEvent, LogQuery } from './observe.js'

/** A setting of a target, offered as `--<name>` by the commands it applies to. */
export interface TargetSetting {
  readonly description: string
  readonly type?: 'string' | 'integer'
  /** The commands that take it (all that act on a deployed app by default). */
  readonly commands?: readonly TargetCommand[]
}

/** The commands that act on a deployed app through its target. */
export type TargetCommand = 'deploy' | 'destroy' | 'status' | 'invoke' | 'logs' | 'metrics'

/** The settings given on the command line: each target setting by name, when given. */
export type TargetSettings = Readonly<Record<string, string | number | undefined>>

/** The app, as the command line found it. */
export interface TargetProject {
  readonly dir: string
  readonly app: string
  readonly entry: string
  /** `xfn.config.ts`, as loaded and checked: each target reads its own section, named as the target. */
  readonly config: object
}

/** A built package, as `xfn build` records it. */
export interface TargetBuild {
  readonly manifest: Manifest
  readonly artifacts: readonly { readonly path: string; readonly sha256: string; readonly bytes: number }[]
  readonly functions: readonly { readonly name: string; readonly handler: string }[]
}

/** What the command line does for every target. */
export interface TargetHost {
  readonly project: TargetProject
  /** A line of the command's output (nothing with --json). */
  readonly log: (line: string) => void
  /** A line beside the output, on standard error. */
  readonly notice: (line: string) => void
  /** An xfn command (its arguments after `xfn`), as the user can paste it here for this app. */
  readonly commandLine: (...args: string[]) => string
  /** Asks before something that cannot be undone; true with --yes, an error without a terminal. */
  readonly confirm: (question: string) => Promise<boolean>
  /**
   * Builds the app as one ES module of the app and xfn (what the local cloud runs), into
   * `.xfn/build/local/`; the folder it wrote and what it recorded.
   */
  readonly buildModule: () => Promise<{ readonly dir: string; readonly build: TargetBuild }>
  /** The app's functions and resources, from its source, without running any handler. */
  readonly loadManifest: () => Promise<Manifest>
}

/** One call of a deployed function, and what `--json` prints of it. */
export interface TargetInvocation {
  readonly data: string
  readonly path?: string | undefined
  readonly method?: string | undefined
}

/** A place apps run: what the commands call. */
export interface Target {
  readonly name: string
  /** One line, for `--cloud`'s help. */
  readonly description: string
  readonly settings: Readonly<Record<string, TargetSetting>>
  /** Whether `xfn deploy --dry-run` can show the changes without making them. */
  readonly dryRun?: boolean
  /** Whether `xfn destroy --keep-data` can stop the app but keep its data. */
  readonly keepData?: boolean
  deploy(host: TargetHost, settings: TargetSettings, options: { readonly dryRun: boolean }): Promise<unknown>
  destroy(
    host: TargetHost,
    settings: TargetSettings,
    options: { readonly keepData: boolean },
  ): Promise<unknown>
  status(host: TargetHost, settings: TargetSettings): Promise<unknown>
  /** Calls one function; the outcome's `error` (or `ok: false`) makes the command exit 1. */
  invoke(
    host: TargetHost,
    settings: TargetSettings,
    functionName: string,
    request: TargetInvocation,
  ): Promise<{ readonly error?: unknown; readonly ok?: boolean } & Record<string, unknown>>
  /** The log events, filtered by the query; with `query.follow`, then the new ones as they come. */
  logs(host: TargetHost, settings: TargetSettings, query: LogQuery): Promise<AsyncIterable<LogEvent>>
  metrics(
    host: TargetHost,
    settings: TargetSettings,
    window: { readonly since?: Date | undefined; readonly periodMs?: number | undefined },
  ): Promise<FunctionMetrics[]>
}
