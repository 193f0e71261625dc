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
import type { Change, ProgressEvent } from './changes.js'
import type { TriggerType } from './definitions.js'
import type { Manifest } from './manifest.js'
import type { FunctionMetrics, LogEvent, LogQuery } from './observe.js'

/** A setting of a target, offered as `--<name>` by the commands it applies to. */
export interface TargetSetting {
  readonly description: string
  readonly type?: 'string' | 'integer'
  /** The values it accepts, when it is one of a few. */
  readonly options?: readonly string[]
  /** The commands that take it (by default all that act on a deployed app, which `build` is not). */
  readonly commands?: readonly TargetCommand[]
}

/**
 * A setting of the target's own section of `xfn.config.ts`, the section named as the target
 * (`aws: { region: 'eu-west-1' }`): checked when the config loads, before any command runs.
 */
export interface TargetConfigSetting {
  readonly type: 'string' | 'number' | 'object'
  readonly description: string
  /** The values it accepts, when it is one of a few. */
  readonly options?: readonly string[]
  /**
   * A further check of a value of the right type, given the setting's full name (`aws.usagePlan`):
   * the sentence that says what is wrong, or nothing.
   */
  readonly check?: (value: unknown, name: string) => string | undefined
}

/** The commands that act on an app through its target. */
export type TargetCommand =
  | 'build'
  | 'deploy'
  | 'destroy'
  | 'status'
  | 'invoke'
  | 'logs'
  | 'metrics'
  | 'secret'
  | 'releases'
  | 'history'
  | 'console'

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
   * Builds the app with a target's `build` (this target's, or another's, such as the local
   * cloud's module), into `.xfn/build/<target>/`: the folder it wrote and what it recorded.
   * `settings` are those the target's build takes; `verifyStable: false` skips the second load
   * that proves the app registers the same things whichever cloud it is told it runs on.
   */
  readonly build: (
    target: string,
    options?: { readonly verifyStable?: boolean; readonly settings?: TargetSettings },
  ) => Promise<{ readonly dir: string; readonly build: TargetBuild }>
  /** Runs a slow step under a spinner that says what it found, or that it failed. */
  readonly step: <T>(title: string, body: () => Promise<T>, done: (value: T) => string) => Promise<T>
  /**
   * The end of a deploy: prints the changes, stops there on a dry run, or applies them (printing
   * each as it is done) and prints the endpoints.
   */
  readonly finishDeploy: <T extends TargetEndpoints>(
    plan: { readonly changes: readonly Change<never>[] },
    where: string,
    options: { readonly dryRun: boolean; readonly started: number; readonly apply: TargetApply<T> },
  ) => Promise<{ readonly dryRun: boolean; readonly changes: readonly string[]; readonly endpoints?: T }>
  /** The end of a destroy: prints what goes, asks, removes it. */
  readonly finishDestroy: (
    plan: { readonly changes: readonly Change<never>[] },
    where: string,
    options: { readonly question: string; readonly apply: TargetApply<unknown> },
  ) => Promise<{ readonly destroyed: boolean; readonly changes: readonly string[] }>
  /**
   * Whether what runs is the last local build for a target: `deployed` holds the SHA-256 (hex) of
   * each package running; the verdict for --json and a line for `xfn status`.
   */
  readonly codeDrift: (
    target: string,
    deployed: readonly (string | undefined)[],
    deployCommand: string,
  ) => Promise<{ readonly drift: 'none' | 'differs' | 'unknown'; readonly line: string }>
  /** The app's functions and resources, from its source, without running any handler (`env`: as a cloud's build sets it). */
  readonly loadManifest: (env?: Readonly<Record<string, string>>) => Promise<Manifest>
  /** The git commit of the app's folder and whether its tree has changes; nothing outside git. */
  readonly sourceVersion: () => { readonly commit?: string; readonly dirty?: boolean }
}

/** What a deploy prints at its end: the base URL, each route and the key. */
export interface TargetEndpoints {
  readonly baseUrl: string | undefined
  readonly routes: readonly { readonly route: string; readonly function: string; readonly auth: string }[]
  readonly apiKey: string | undefined
}

/** Applies a plan, telling of each change as it goes. */
export type TargetApply<T> = (onProgress: (event: ProgressEvent<never>) => void) => Promise<T>

/** One call of a deployed function, and what `--json` prints of it. */
export interface TargetInvocation {
  readonly data: string
  readonly path?: string | undefined
  readonly method?: string | undefined
}

/** What a target cannot run of an app, as `xfn check` reports it. */
export interface TargetFinding {
  /** What it concerns, such as `function 'nightly'` or `queue 'orders'`. */
  readonly subject: string
  readonly severity: 'error' | 'warning'
  readonly message: string
}

/** Where a target's build writes: a staging folder, moved into place when the build is complete. */
export interface TargetBuildOutput {
  readonly dir: string
  write(path: string, contents: string | Uint8Array): Promise<void>
  /** Every file under a folder of the output, by its path relative to that folder. */
  files(folder: string): Promise<Map<string, Uint8Array>>
}

/** What a target's build made: its one artifact, and what the platform calls for each function. */
export interface TargetPackage {
  /** The artifact's path in the output, such as `function.zip`. */
  readonly artifact: string
  /** The handler of a function, such as `index.createOrder` on Lambda. */
  readonly handler: (functionName: string) => string
}

/** A place apps run: what the commands call. */
export interface Target {
  readonly name: string
  /** One line, for `--cloud`'s help. */
  readonly description: string
  readonly settings: Readonly<Record<string, TargetSetting>>
  /** Its section of `xfn.config.ts`, setting by setting; a target without one takes none. */
  readonly config?: Readonly<Record<string, TargetConfigSetting>>
  /** The kinds of function it runs; all of them when absent. `xfn check` refuses the others. */
  readonly triggers?: readonly TriggerType[]
  /** Whether `xfn deploy --dry-run` can show the changes without making them. */
  readonly dryRun?: boolean
  /** Whether `xfn destroy --keep-data` can stop the app but keep its data. */
  readonly keepData?: boolean
  /**
   * What of an app the target cannot run, for `xfn check` (a target from outside; the built-in
   * clouds' rules are core's portability rules). Nothing when absent.
   */
  check?(manifest: Manifest, config: object): readonly TargetFinding[]
  /**
   * Packages an app that has been loaded and checked, for `xfn build --cloud <name>` and for the
   * target's own deploy; the same sources must give the same bytes. Absent when the target
   * deploys another target's build.
   */
  build?(input: {
    readonly project: TargetProject
    readonly manifest: Manifest
    readonly out: TargetBuildOutput
    readonly settings: TargetSettings
  }): Promise<TargetPackage>
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
  /** Where the app's secrets are kept (`xfn secret set|list|rm`); absent where a target has none. */
  readonly secrets?: TargetSecrets
  /** The app's releases (`xfn releases`, `xfn rollback`); absent where a target keeps none yet. */
  readonly releases?: TargetReleases
  /**
   * The changes made to the app's resources since a time, oldest first, from the cloud's own
   * audit trail (`xfn history`); absent where the target has none.
   */
  history?(
    host: TargetHost,
    settings: TargetSettings,
    window: { readonly since: Date },
  ): Promise<readonly TargetChangeRecord[]>
}

/** One change to an app's resources, as the cloud's audit trail recorded it. */
export interface TargetChangeRecord {
  readonly at: string
  /** Who made it, as the cloud names them. */
  readonly by: string | undefined
  /** What was done, in the cloud's words (`UpdateFunctionConfiguration`, `Microsoft.Web/sites/write`). */
  readonly action: string
  readonly resource: string
  /** Whether xfn made it: a deploy or rollback marks its requests, so anything else was done by hand. */
  readonly byXfn: boolean
  /** Whether the cloud refused it. */
  readonly failed: boolean
}

/** One deploy of an app, as a target records it. */
export interface TargetRelease {
  readonly id: string
  readonly deployedAt: string
  /** Who deployed it, as the target knows them. */
  readonly by: string | undefined
  /** The git commit of the app's folder, and whether its tree had changes. */
  readonly commit: string | undefined
  readonly dirty: boolean | undefined
  /** The SHA-256 of the deployed package, and a digest of the settings it ran with. */
  readonly sha256: string
  readonly settingsDigest: string
  /** Whether it is the one serving now. */
  readonly live: boolean
}

/** A target's releases: each deploy recorded, and an earlier one made live without a rebuild. */
export interface TargetReleases {
  list(host: TargetHost, settings: TargetSettings): Promise<readonly TargetRelease[]>
  /**
   * Makes a release live (by default the one before the live one), and returns it. Where the
   * target cannot bring back a release's resources with its code, a release whose shape differs
   * from the live one's is refused (core's `checkRollback`), unless `codeOnly` is asked for and
   * safe: then only its functions' code comes back.
   */
  rollback(
    host: TargetHost,
    settings: TargetSettings,
    options: { readonly to: string | undefined; readonly codeOnly: boolean },
  ): Promise<TargetRelease>
}

/**
 * A target's store of an app's secrets, per stage. Values go in and never come out: `list` gives
 * names and when each last changed.
 */
export interface TargetSecrets {
  set(host: TargetHost, settings: TargetSettings, name: string, value: string): Promise<void>
  list(
    host: TargetHost,
    settings: TargetSettings,
  ): Promise<readonly { readonly name: string; readonly changedAt: string | undefined }[]>
  /** Whether there was one to remove. */
  remove(host: TargetHost, settings: TargetSettings, name: string): Promise<boolean>
}
