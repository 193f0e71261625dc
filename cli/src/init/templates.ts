import type { XfnDependencies } from './packages.js'

/** The apps `xfn init` writes: each passes its own tests and `xfn check` as written. */
export const templates = ['http', 'queue', 'full'] as const
export type Template = (typeof templates)[number]

export const templateSummaries: Record<Template, string> = {
  http: 'one HTTP function',
  queue: 'an HTTP function that enqueues, and a queue worker',
  full: 'every trigger: HTTP, queue, topic, bucket, blob and timer',
}

const sources: Record<Template, string> = {
  http: `import { app } from '@xfn/core'

app.http('hello', { route: '/hello/{name}' }, (request) => ({
  json: { hello: request.params.name },
}))
`,
  queue: `import { app, queue } from '@xfn/core'

/**
 * Jobs wait here; one that fails 3 times goes to the dead-letter queue. A delivered job stays
 * hidden for 180 s, 6 times the worker's 30 s timeout, as AWS advises.
 */
const jobs = queue('jobs', { maxAttempts: 3, visibilityTimeoutSeconds: 180 })

app.http('submit', { method: 'POST', route: '/jobs', uses: [jobs] }, async (request) => {
  const job = (await request.json()) as { task?: unknown }
  if (typeof job.task !== 'string') return { status: 400, json: { error: 'task must be a string' } }
  await jobs.send(job)
  return { status: 202, json: { queued: job.task } }
})

app.queue('work', { queue: jobs }, (message, context) => {
  const job = message.json<{ task: string }>()
  context.log.info('working', { task: job.task, attempt: message.attempt })
})
`,
  full: `import { app, bucket, queue, topic } from '@xfn/core'

interface Note {
  id: string
  text: string
}

const notes = queue('notes', { maxAttempts: 3, visibilityTimeoutSeconds: 180 })
const files = bucket('files')
/** Each saved note is announced once; every subscription (app.topic) gets its own copy. */
const noteSaved = topic('note-saved')

app.http('addNote', { method: 'POST', route: '/notes', auth: 'key', uses: [notes] }, async (request) => {
  const body = (await request.json()) as { text?: unknown }
  if (typeof body.text !== 'string') return { status: 400, json: { error: 'text must be a string' } }
  const note: Note = { id: crypto.randomUUID(), text: body.text }
  await notes.send(note)
  return { status: 202, json: { id: note.id } }
})

app.http('getNote', { route: '/notes/{id}', uses: [files.readOnly] }, async (request) => {
  const stored = await files.get(\`notes/\${request.params.id}.json\`)
  return stored ? { headers: { 'content-type': 'application/json' }, body: stored.text() } : { status: 404 }
})

app.queue('saveNote', { queue: notes, uses: [files.writeOnly, noteSaved] }, async (message) => {
  const note = message.json<Note>()
  await files.put(\`notes/\${note.id}.json\`, JSON.stringify(note), { contentType: 'application/json' })
  await noteSaved.publish(note, { attributes: { length: note.text.length > 280 ? 'long' : 'short' } })
})

app.topic('indexNote', { topic: noteSaved }, (message, context) => {
  context.log.info('note indexed', { id: message.json<Note>().id })
})

app.topic('summarise', { topic: noteSaved, filter: { length: ['long'] } }, (message, context) => {
  context.log.info('long note to summarise', { id: message.json<Note>().id })
})

app.blob('noteSaved', { bucket: files, prefix: 'notes/' }, (event, context) => {
  context.log.info('note saved', { key: event.key, size: event.size })
})

app.timer('daily', { schedule: '0 6 * * *', uses: [files.readOnly] }, async (_tick, context) => {
  let count = 0
  for await (const _note of files.list({ prefix: 'notes/' })) count++
  context.log.info('notes so far', { count })
})
`,
}

const tests: Record<Template, string> = {
  http: `import { createTestHarness } from '@xfn/core/testing'
import { expect, it } from 'vitest'
import '../src/index.js'

it('greets by name', async () => {
  const response = await createTestHarness().fetch('/hello/world')
  expect(response.status).toBe(200)
  expect(await response.json()).toEqual({ hello: 'world' })
})
`,
  queue: `import { createTestHarness } from '@xfn/core/testing'
import { expect, it } from 'vitest'
import '../src/index.js'

it('queues a job, and the worker takes it', async () => {
  const t = createTestHarness()
  const response = await t.fetch('/jobs', { method: 'POST', body: JSON.stringify({ task: 'wash' }) })
  expect(response.status).toBe(202)
  expect(t.sent('jobs')).toEqual([{ queue: 'jobs', body: '{"task":"wash"}' }])
  await t.queue('work', { task: 'wash' })
  expect(t.logs.map((r) => r.message)).toEqual(['working'])
})

it('refuses a job without a task', async () => {
  const response = await createTestHarness().fetch('/jobs', { method: 'POST', body: '{}' })
  expect(response.status).toBe(400)
})
`,
  full: `import { createTestHarness } from '@xfn/core/testing'
import { expect, it } from 'vitest'
import '../src/index.js'

it('saves a note through the queue and serves it', async () => {
  const t = createTestHarness()
  const response = await t.fetch('/notes', { method: 'POST', body: JSON.stringify({ text: 'hi' }) })
  expect(response.status).toBe(202)
  const { id } = (await response.json()) as { id: string }
  const [sent] = t.sent('notes')
  await t.queue('saveNote', JSON.parse(sent?.body ?? '{}'))
  const note = await t.fetch(\`/notes/\${id}\`)
  expect(await note.json()).toEqual({ id, text: 'hi' })
  await t.timer('daily')
  expect(t.logs.at(-1)?.fields).toEqual({ count: 1 })
})

it('announces a saved note to its subscriptions', async () => {
  const t = createTestHarness()
  await t.queue('saveNote', { id: 'n1', text: 'hi' })
  const [announced] = t.published('note-saved')
  expect(announced?.attributes).toEqual({ length: 'short' })
  await t.topic('indexNote', announced?.body ?? '', { attributes: announced?.attributes })
  expect(t.logs.at(-1)?.fields).toEqual({ id: 'n1' })
})
`,
}

/** The vitest the templates' tests are written for. */
const vitestVersion = '4.1.0'

/** Every file of a new app, by path. */
export function scaffold(name: string, template: Template, xfn: XfnDependencies) {
  const packageJson = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      test: 'vitest run',
      check: 'xfn check',
      dev: 'xfn dev',
      deploy: 'xfn deploy',
    },
    dependencies: xfn.dependencies,
    devDependencies: { ...xfn.devDependencies, typescript: '^5.9.0', vitest: `^${vitestVersion}` },
    ...(xfn.overrides ? { overrides: xfn.overrides } : {}),
  }
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'xfn.config.ts': `import { defineConfig } from '@xfn/cli'

export default defineConfig({
  entry: 'src/index.ts',
  // The stage of \`xfn deploy --cloud aws\` when --stage is not given.
  stage: 'dev',
})
`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ['src', 'test', 'xfn.config.ts'],
      },
      null,
      2,
    )}\n`,
    '.gitignore': 'node_modules/\n.xfn/\n',
    'src/index.ts': sources[template],
    'test/index.test.ts': tests[template],
  }
}
