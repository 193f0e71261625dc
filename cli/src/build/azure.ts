import { join } from 'node:path'
import type { Manifest } from '@xfn/core'
import type { Project } from '../project.js'
import { bundle, resolvePackage } from './bundle.js'
import type { Built, StagedOutput } from './output.js'
import { deterministicZip } from './zip.js'

const registrar = {
  http: 'registerHttp',
  queue: 'registerQueue',
  timer: 'registerTimer',
  blob: 'registerBlob',
} as const

export interface AzureBuildOptions {
  /** `EventGrid` on Flex Consumption (the default), `LogsAndContainerScan` on the other plans. */
  readonly blobSource?: 'EventGrid' | 'LogsAndContainerScan'
}

/**
 * A complete Function App folder, `app/`, and its zip: host.json, package.json whose `main` is
 * the generated entry, and one bundle that holds the app, xfn and `@azure/functions` (the host
 * provides only `@azure/functions-core`, which the library asks it for).
 */
export async function buildAzure(
  project: Project,
  manifest: Manifest,
  out: StagedOutput,
  options: AzureBuildOptions = {},
) {
  // Queue and bucket clients only for apps that declare queues or buckets.
  const usesResources = manifest.queues.length > 0 || manifest.buckets.length > 0
  // Only the registrars of the kinds the app uses, so the bundle carries no other kind's code.
  const kinds = [...new Set(manifest.functions.map((fn) => fn.trigger.type))].sort()
  const registrars = kinds.map((kind) => `${kind}: ${registrar[kind]}`)
  const imports = ['registerAzureKinds', ...kinds.map((kind) => registrar[kind])]
  const entry = [
    `import ${JSON.stringify(project.entry)}`,
    `import { ${[...imports, ...(usesResources ? ['installAzureResources'] : [])].join(', ')} } from '@xfn/azure/runtime'`,
    ...(usesResources ? ['installAzureResources()'] : []),
    `registerAzureKinds({ ${registrars.join(', ')} }, ${JSON.stringify({ blobSource: options.blobSource ?? 'EventGrid' })})`,
  ]
  await bundle({
    entry: { contents: `${entry.join('\n')}\n`, resolveDir: project.dir },
    outfile: join(out.dir, 'app', 'dist', 'index.mjs'),
    production: true,
    external: ['@azure/functions-core'],
    alias: {
      '@xfn/core': resolvePackage('@xfn/core', project.dir),
      '@xfn/azure/runtime': resolvePackage('@xfn/azure/runtime', project.dir),
    },
    app: project.entry,
  })
  await out.write('app/host.json', `${JSON.stringify(hostJson(manifest), null, 2)}\n`)
  await out.write(
    'app/package.json',
    `${JSON.stringify(
      {
        name: manifest.app,
        version: '1.0.0',
        private: true,
        description: `${manifest.app}, built by xfn: @azure/functions is bundled into dist/index.mjs`,
        type: 'module',
        main: 'dist/index.mjs',
      },
      null,
      2,
    )}\n`,
  )
  await out.write('app.zip', deterministicZip(await out.files('app')))
  return { artifact: 'app.zip', handler: (name) => name } satisfies Built
}

/**
 * host.json of the app. Queue settings apply to every queue of a Function App: the retries of
 * the consumed queues (the same for all, which `xfn check` enforces), the shortest visibility
 * timeout, the largest batch, and base64 messages, which the portable queue client writes.
 */
export function hostJson(manifest: Manifest) {
  const consumers = manifest.functions.flatMap((fn) => (fn.trigger.type === 'queue' ? [fn.trigger] : []))
  const consumed = manifest.queues.filter((q) => consumers.some((c) => c.queue === q.name))
  const longest = Math.max(30, ...manifest.functions.map((fn) => fn.timeoutSeconds))
  return {
    version: '2.0',
    extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
    functionTimeout: duration(longest),
    extensions: {
      http: { routePrefix: '' },
      queues: {
        maxDequeueCount: consumed[0]?.maxAttempts ?? 5,
        visibilityTimeout: duration(
          consumed.length > 0 ? Math.min(...consumed.map((q) => q.visibilityTimeoutSeconds)) : 30,
        ),
        batchSize: Math.max(1, ...consumers.map((c) => c.batchSize)),
        messageEncoding: 'base64',
      },
    },
    logging: { logLevel: { default: 'Information' } },
  }
}

function duration(seconds: number): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`
}
