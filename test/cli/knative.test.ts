import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CloudEvent, HTTP } from 'cloudevents'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeKube, startFakeKube } from '../../adapters/knative/src/deploy/__fixtures__/fake-kube.js'
import {
  type LocalRegistry,
  missingImageTools,
  pushBaseImage,
  startRegistry,
  unpackImage,
} from '../../adapters/knative/src/deploy/__fixtures__/registry.js'
import { eventually, xfnAsync } from './helpers.js'

/*
 * The orders example deployed with `--cloud knative` against a fake API server that checks every
 * body against Knative's and Kubernetes' schemas and follows server-side apply, with the image
 * pushed to a real registry (docker-registry on 127.0.0.1), read back with skopeo and umoci, and
 * its entry started with plain node, as the container runs it.
 */
const missing = missingImageTools()
if (missing.length > 0 && process.env.XFN_REQUIRE_REGISTRY)
  throw new Error(`XFN_REQUIRE_REGISTRY is set, but ${missing.join(', ')} are not installed`)
if (missing.length > 0)
  console.warn(
    `Skipping the Knative deploy tests: ${missing.join(', ')} not installed (apt-get install docker-registry skopeo umoci).`,
  )

describe.skipIf(missing.length > 0)('the orders example on knative', () => {
  const project = fileURLToPath(new URL(`../.tmp/knative-orders-${process.pid}`, import.meta.url))
  let kube: FakeKube
  let registry: LocalRegistry
  let env: NodeJS.ProcessEnv
  const entries: ChildProcess[] = []
  const notifyLines: string[] = []

  beforeAll(async () => {
    kube = await startFakeKube()
    registry = await startRegistry()
    const baseImage = pushBaseImage(registry)
    rmSync(project, { recursive: true, force: true })
    mkdirSync(project, { recursive: true })
    cpSync(fileURLToPath(new URL('../../examples/orders', import.meta.url)), project, {
      recursive: true,
      filter: (source) => !source.includes('.xfn'),
    })
    const config = readFileSync(join(project, 'xfn.config.ts'), 'utf8').replace(
      'export default defineConfig({',
      `export default defineConfig({
  knative: {
    registry: '${registry.host}/xfn/orders',
    baseImage: '${baseImage}',
    storage: { endpoint: 'http://minio.storage:9000', secret: 'store-credentials' },
  },`,
    )
    writeFileSync(join(project, 'xfn.config.ts'), config)
    env = { ...process.env, KUBECONFIG: kube.kubeconfig }
  }, 60_000)

  afterAll(async () => {
    for (const entry of entries) entry.kill()
    await kube?.stop()
    await registry?.stop()
    rmSync(project, { recursive: true, force: true })
  })

  const deploy = () =>
    xfnAsync({ env }, 'deploy', project, '--cloud', 'knative', '--context', 'fake', '--json')
  let image = ''

  it('stops a deploy while a secret the app reads has no value, with the command that sets it', async () => {
    const result = await deploy()
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      "The app reads secret('payment-webhook-key'), which has no value in namespace xfn-orders-dev.",
    )
    expect(result.stderr).toContain('payment-webhook-key --cloud knative --stage dev')
    expect(kube.mutating()).toEqual([])
    // Set before the first deploy, into the namespace the deploy then finds.
    const set = await xfnAsync(
      { env, input: 'webhook-key ✓' },
      'secret',
      'set',
      'payment-webhook-key',
      '--project',
      project,
      '--cloud',
      'knative',
    )
    expect(set.code, set.stderr).toBe(0)
    const secret = kube
      .objects()
      .find((o) => (o as { metadata: { name: string } }).metadata.name === 'xfn-secrets') as {
      data: Record<string, string>
    }
    expect(Buffer.from(secret.data['payment-webhook-key'] ?? '', 'base64').toString('utf8')).toBe(
      'webhook-key ✓',
    )
  }, 120_000)

  it('shows a dry run without pushing the image or writing to the cluster', async () => {
    const before = kube.mutating().length
    const result = await xfnAsync(
      { env },
      'deploy',
      project,
      '--cloud',
      'knative',
      '--context',
      'fake',
      '--dry-run',
      '--json',
    )
    expect(result.code, result.stderr).toBe(0)
    const output = JSON.parse(result.stdout) as { dryRun: boolean; changes: string[] }
    expect(output.dryRun).toBe(true)
    expect(output.changes).toContain('+ create Service http: new')
    expect(kube.mutating().length).toBe(before)
    const catalog = (await (await fetch(`http://${registry.host}/v2/_catalog`)).json()) as {
      repositories: string[]
    }
    expect(catalog.repositories).toEqual(['base/node'])
  }, 120_000)

  it('deploys: every object valid by the schemas, applied server-side, labelled as the app', async () => {
    const result = await deploy()
    expect(result.code, result.stderr).toBe(0)
    const output = JSON.parse(result.stdout) as {
      image: string
      namespace: string
      endpoints: { baseUrl: string }
    }
    image = output.image
    expect(image).toMatch(new RegExp(`^${registry.host}/xfn/orders@sha256:[0-9a-f]{64}$`))
    expect(output.endpoints.baseUrl).toBe('http://http.xfn-orders-dev.example.com')
    const objects = kube.objects() as {
      kind: string
      metadata: { name: string; labels: Record<string, string> }
    }[]
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'Namespace/xfn-orders-dev',
        'Secret/xfn-api-key',
        'Secret/xfn-secrets',
        'Broker/xfn',
        'Service/http',
        ...['audit', 'fulfil', 'nightly', 'notify', 'restock'].map((f) => `Service/fn-${f}`),
        ...['audit', 'fulfil', 'notify', 'restock'].map((f) => `Trigger/fn-${f}`),
        'PingSource/fn-nightly',
      ].sort(),
    )
    for (const object of objects)
      expect(object.metadata.labels).toMatchObject({ 'xfn.dev/app': 'orders', 'xfn.dev/stage': 'dev' })
    // Every write was a server-side apply by the field manager xfn.
    for (const request of kube.mutating()) {
      expect(request.contentType).toBe('application/apply-patch+yaml')
      expect(request.path).toContain('fieldManager=xfn')
    }
  }, 120_000)

  it('redeploys the same sources with no mutating request and the same image digest', async () => {
    const before = kube.mutating().length
    const result = await deploy()
    expect(result.code, result.stderr).toBe(0)
    expect(kube.mutating().length - before).toBe(0)
    expect((JSON.parse(result.stdout) as { image: string }).image).toBe(image)
  }, 120_000)

  it('pushed an image that skopeo and umoci read back, whose entry serves HTTP and CloudEvents under plain node', async () => {
    const bundle = unpackImage(registry, image)
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as {
      process: { args: string[]; cwd: string; env: string[] }
    }
    expect(config.process.args).toEqual(['node', '/app/index.mjs'])
    expect(config.process.env).toContain('NODE_ENV=production')
    expect(existsSync(join(bundle, 'rootfs', 'etc', 'xfn-base-marker'))).toBe(true)
    // The container's environment, as the http and notify Services give it.
    const services = kube.objects().filter((o) => o.kind === 'Service') as {
      metadata: { name: string }
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }
    }[]
    const envOf = (name: string) =>
      Object.fromEntries(
        (services.find((s) => s.metadata.name === name)?.spec.template.spec.containers[0]?.env ?? [])
          .filter((e) => e.value !== undefined)
          .map((e) => [e.name, e.value as string]),
      )
    const start = async (name: string) => {
      const child = spawn(process.execPath, [join(bundle, 'rootfs', 'app', 'index.mjs')], {
        env: { PATH: process.env.PATH, ...envOf(name), PORT: '0', NODE_NO_WARNINGS: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      entries.push(child)
      const lines: string[] = []
      const url = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`the entry exited with ${code}`)))
        let partial = ''
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          const parts = (partial + chunk).split('\n')
          partial = parts.pop() ?? ''
          lines.push(...parts.filter(Boolean))
          const match = /"listening":"([^"]+)"/.exec(chunk)
          if (match) resolve(match[1] as string)
        })
      })
      return { url, lines }
    }
    const http = await start('http')
    expect((await fetch(`${http.url}/nowhere`)).status).toBe(404)
    expect((await fetch(`${http.url}/orders`, { method: 'DELETE' })).status).toBe(405)
    expect((await fetch(`${http.url}/orders`, { method: 'POST', body: '{}' })).status).toBe(401)
    const notify = await start('notify')
    const receipt = JSON.stringify({ id: 'o-1', sku: 'tea', name: 'Zoë ✓' })
    // A Trigger delivers in binary mode; a producer may send structured mode. Both are CloudEvents.
    const event = new CloudEvent({
      type: 'dev.xfn.topic.message',
      source: '/xfn/orders/topics/order-fulfilled',
      datacontenttype: 'text/plain; charset=utf-8',
      data: receipt,
      xfntopic: 'order-fulfilled',
      xfnattributes: Buffer.from('{"size":"single"}').toString('base64url'),
    })
    for (const message of [HTTP.binary(event), HTTP.structured(event)]) {
      const answer = await fetch(`${notify.url}/_xfn/events/notify`, {
        method: 'POST',
        headers: message.headers as Record<string, string>,
        body: message.body as string,
      })
      expect(answer.status).toBe(202)
    }
    // The entry's output reaches this process through a pipe, a moment after the answers.
    const notified = await eventually(
      () => {
        const found = notify.lines.filter((line) => line.includes('customer notified'))
        return found.length === 2 ? found : undefined
      },
      5_000,
      "the entry's two log lines",
    )
    await eventually(
      () => notify.lines.filter((line) => line.includes('report:')).length === 2 || undefined,
      5_000,
    )
    notifyLines.push(...notify.lines)
    for (const line of notified) expect(JSON.parse(line).fields).toEqual({ id: 'o-1' })
  }, 60_000)

  it("shows the app's objects, lists its secrets, and reads logs and metrics from its pods", async () => {
    const status = await xfnAsync({ env }, 'status', project, '--cloud', 'knative', '--json')
    expect(status.code, status.stderr).toBe(0)
    const objects = (
      JSON.parse(status.stdout) as { objects: { kind: string; name: string; state: string }[] }
    ).objects
    expect(objects).toContainEqual(expect.objectContaining({ kind: 'Service', name: 'http', state: 'Ready' }))

    const listed = await xfnAsync(
      { env },
      'secret',
      'list',
      '--project',
      project,
      '--cloud',
      'knative',
      '--json',
    )
    expect(listed.stdout).toContain('payment-webhook-key')

    // The pod of the notify Service holds what its entry wrote when it ran under plain node above.
    kube.addPod('xfn-orders-dev', 'fn-notify', `${notifyLines.join('\n')}\n`)
    const logs = await xfnAsync({ env }, 'logs', '--project', project, '--cloud', 'knative', '--json')
    expect(logs.code, logs.stderr).toBe(0)
    const events = logs.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { function: string; message: string; cloud: string })
    expect(events.filter((e) => e.message === 'customer notified')).toHaveLength(2)
    expect(new Set(events.map((e) => e.cloud))).toEqual(new Set(['knative']))
    const metrics = await xfnAsync({ env }, 'metrics', '--project', project, '--cloud', 'knative', '--json')
    expect(metrics.code, metrics.stderr).toBe(0)
    const { cloud, functions } = JSON.parse(metrics.stdout) as {
      cloud: string
      functions: { function: string; invocations: number; errors: number }[]
    }
    expect(cloud).toBe('knative')
    const notify = functions.find((m) => m.function === 'notify')
    expect(notify).toMatchObject({ invocations: 2, errors: 0 })
  }, 60_000)

  it('destroys everything labelled as the app, and a second destroy finds nothing', async () => {
    const result = await xfnAsync({ env }, 'destroy', project, '--cloud', 'knative', '--yes', '--json')
    expect(result.code, result.stderr).toBe(0)
    expect(kube.objects()).toEqual([])
    const again = await xfnAsync({ env }, 'destroy', project, '--cloud', 'knative', '--yes', '--json')
    expect(again.code, again.stderr).toBe(0)
  }, 60_000)
})
