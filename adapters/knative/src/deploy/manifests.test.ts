import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Manifest } from '@xfn/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeKube, startFakeKube } from './__fixtures__/fake-kube.js'
import { schemaErrors } from './__fixtures__/schemas.js'
import { connectKube, type Kube } from './kube.js'
import { desiredObjects, type KubeObject } from './manifests.js'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const cli = join(root, 'cli/bin/run.js')

const copies: string[] = []
afterAll(() => {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true })
})

/** An app's manifest, as `xfn build --cloud knative` records it, built in a copy (without its tests). */
function manifestOf(app: string): Manifest {
  const copy = mkdtempSync(join(root, 'test/.tmp/knative-manifest-'))
  copies.push(copy)
  const dir = join(copy, 'app')
  cpSync(join(root, app), dir, {
    recursive: true,
    filter: (source) => !source.includes('.xfn') && !source.endsWith('.test.ts'),
  })
  const built = spawnSync(process.execPath, [cli, 'build', dir, '--cloud', 'knative'], { encoding: 'utf8' })
  if (built.status !== 0) throw new Error(built.stderr)
  return (
    JSON.parse(readFileSync(join(dir, '.xfn/build/knative/manifest.json'), 'utf8')) as { manifest: Manifest }
  ).manifest
}

const objectsOf = (manifest: Manifest): KubeObject[] =>
  desiredObjects({
    place: { app: manifest.app, stage: 'dev', namespace: `xfn-${manifest.app}-dev` },
    manifest,
    image:
      'registry.example.com/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    brokerClass: 'Kafka',
    env: { CURRENCY: 'EUR' },
    storage: { endpoint: 'http://minio.storage:9000', secret: 'store-credentials' },
    apiKey: { key: 'key', sha256: 'hash' },
  })

describe("the app's objects, by Knative's CRDs (strict fields) and the kubernetes-models schemas", () => {
  it.each([
    'examples/orders',
    'examples/hello',
    'test/conformance/apps/parity',
    'test/conformance/apps/topics',
    'test/conformance/apps/deletions',
  ])(
    '%s: every object is valid',
    (app) => {
      const objects = objectsOf(manifestOf(app))
      expect(objects.length).toBeGreaterThan(1)
      for (const object of objects)
        expect(schemaErrors(object), `${object.kind} ${object.metadata.name}`).toEqual([])
    },
    30_000,
  )

  it('the schemas catch what a cluster would refuse: a misspelt field, a value of the wrong type', () => {
    const objects = objectsOf(manifestOf('examples/orders'))
    const ping = objects.find((o) => o.kind === 'PingSource') as KubeObject & {
      spec: Record<string, unknown>
    }
    const { timezone, ...rest } = ping.spec
    // The field is `timezone`; a cluster with strict field validation refuses `timeZone`.
    expect(schemaErrors({ ...ping, spec: { ...rest, timeZone: timezone } })).toEqual([
      '.spec.timeZone: field not declared in schema',
    ])
    const trigger = objects.find((o) => o.kind === 'Trigger') as KubeObject & { spec: { delivery: object } }
    const wrongType = {
      ...trigger,
      spec: { ...trigger.spec, delivery: { ...trigger.spec.delivery, retry: '2' } },
    }
    expect(schemaErrors(wrongType).join('\n')).toMatch(/retry.*must be integer/)
  }, 30_000)
})

describe('the fake API server, as the server-side apply documentation describes it', () => {
  let fake: FakeKube
  let kube: Kube
  const kubeconfig = process.env.KUBECONFIG
  beforeAll(async () => {
    fake = await startFakeKube()
    process.env.KUBECONFIG = fake.kubeconfig
    kube = await connectKube({ context: 'fake' })
  })
  afterAll(async () => {
    if (kubeconfig === undefined) delete process.env.KUBECONFIG
    else process.env.KUBECONFIG = kubeconfig
    await fake.stop()
  })
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: { a: '1' } } }
  const secret = (data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'ns' },
    stringData: data,
  })

  it('refuses an object in a namespace that does not exist (404), then creates it once the namespace is there', async () => {
    await expect(kube.apply(secret({ a: 'x' }))).rejects.toThrow('namespaces "ns" not found')
    await kube.apply(namespace)
    const created = await kube.apply(secret({ a: 'x', b: 'y' }))
    expect(created.data).toEqual({ a: 'eA==', b: 'eQ==' })
    expect(created.stringData).toBeUndefined()
  })

  it("removes a field the manager no longer applies, and keeps another manager's", async () => {
    const response = await fetch(`${fake.url}/api/v1/namespaces/ns/secrets/s?fieldManager=someone-else`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's' },
        stringData: { c: 'z' },
      }),
    })
    expect(response.status).toBe(200)
    const after = await kube.apply(secret({ a: 'x' }))
    expect(after.data).toEqual({ a: 'eA==', c: 'eg==' })
  })

  it('answers 409 to a field another manager owns with another value, unless forced', async () => {
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { a: 'other' },
    })
    const patch = (query: string) =>
      fetch(`${fake.url}/api/v1/namespaces/ns/secrets/s?${query}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body,
      })
    expect((await patch('fieldManager=someone-else')).status).toBe(409)
    expect((await patch('fieldManager=someone-else&force=true')).status).toBe(200)
    expect((await patch('')).status).toBe(400)
  })

  it('refuses an invalid object with the reason (422)', async () => {
    await expect(
      kube.apply({
        apiVersion: 'eventing.knative.dev/v1',
        kind: 'Broker',
        metadata: { name: 'b', namespace: 'ns' },
        spec: { brokerClass: 'Kafka' },
      }),
    ).rejects.toThrow('.spec.brokerClass: field not declared in schema')
  })
})
