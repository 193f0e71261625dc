/*
 * The page of `xfn console`: Preact with htm templates (no build step for the user; esbuild bundles
 * it into the CLI package). It talks to the console server on the same origin: reads with the
 * cookie the printed URL set, changes with the token of the page's meta tag in a header.
 */
import { html } from 'htm/preact'
import { render } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'

interface FunctionInfo {
  name: string
  trigger: string
  source: string
  next?: string[]
}
interface Overview {
  app: string
  cloud: string
  running?: boolean
  functions: FunctionInfo[]
  queues: { name: string; visible: number; hidden: number }[]
  buckets: string[]
  deployedAt?: string
}
interface Metrics {
  function: string
  invocations: number
  errors: number
  p95Ms: number
  series: number[]
}
interface LogEvent {
  time: string
  function: string
  level: string
  invocationId: string
  message: string
  kind: string
  fields?: Record<string, unknown>
}

/**
 * One invocation from its lines: its function, duration (the platform's report) and outcome; on
 * the local cloud, the event it was given.
 */
function InvocationSummary({ id, lines, local }: { id: string; lines: LogEvent[]; local: boolean }) {
  const [event, setEvent] = useState<string>()
  useEffect(() => setEvent(undefined), [id])
  const first = lines[0]
  if (!first) return html`<p class="muted">No lines of invocation ${id} yet.</p>`
  const showEvent = async () => {
    try {
      const found = await api<{ event: unknown }>(
        `/api/invocations/${encodeURIComponent(first.invocationId)}/event`,
      )
      setEvent(JSON.stringify(found.event, null, 2))
    } catch (error) {
      setEvent((error as Error).message)
    }
  }
  const report = lines.find((e) => e.kind === 'platform' && typeof e.fields?.durationMs === 'number')
  const failure = lines.find((e) => e.level === 'error')
  const count = `(${lines.length} line${lines.length === 1 ? '' : 's'})`
  const duration = report ? ` ${report.fields?.durationMs} ms,` : ''
  return html`<p data-testid="invocation">
    <strong>${first.function}</strong>${` invocation ${first.invocationId}:${duration} `}${
      failure
        ? html`<span class="error">failed: ${failure.message}</span>`
        : report
          ? 'succeeded'
          : 'under way'
    }${` ${count}`}
    ${local ? html` <button class="action" onClick=${showEvent}>Input event</button>` : ''}
  </p>
  ${event ? html`<pre data-testid="event">${event}</pre>` : ''}`
}

const token = document.querySelector('meta[name="xfn-token"]')?.getAttribute('content') ?? ''

async function api<T>(
  path: string,
  init: { method?: string; body?: BodyInit; json?: unknown } = {},
): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.method && init.method !== 'GET' ? { 'x-xfn-token': token } : {}),
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
  })
  const text = await response.text()
  const value = text ? JSON.parse(text) : undefined
  if (!response.ok) throw new Error(value?.error ?? `${response.status}`)
  return value as T
}

const style = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f6f7f9 }
header { background: #1d232a; color: #fff; padding: 10px 16px; display: flex; gap: 16px; align-items: baseline }
header h1 { font-size: 16px; margin: 0 }
nav button { background: none; border: 0; color: #c6ccd4; font: inherit; cursor: pointer; padding: 4px 8px }
nav button[aria-selected="true"] { color: #fff; border-bottom: 2px solid #58a6ff }
main { padding: 16px }
table { border-collapse: collapse; width: 100%; background: #fff }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e6ea; vertical-align: top }
.logs { font: 12px/1.5 ui-monospace, monospace; background: #fff; max-height: 70vh; overflow: auto; padding: 8px }
.error { color: #b42318 } .warn { color: #b54708 } .muted { color: #667085 }
.bar { display: flex; gap: 8px; margin-bottom: 12px; flex-wrap: wrap }
input, select, textarea, button.action { font: inherit; padding: 4px 6px }
pre { background: #fff; padding: 8px; overflow: auto }
.line { display: flex; gap: 10px }
.line > span:nth-child(2) { width: 3em } .line > span:nth-child(3) { min-width: 8em }
button.link { background: none; border: 0; color: #175cd3; cursor: pointer; font: inherit; padding: 0 }
`

/** A small line of counts per period, as an SVG polyline. */
function Sparkline({ values }: { values: number[] }) {
  const width = 120
  const height = 24
  const max = Math.max(1, ...values)
  const step = values.length > 1 ? width / (values.length - 1) : width
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * height).toFixed(1)}`)
  return html`<svg width=${width} height=${height} role="img" aria-label="calls over the last hour">
    <polyline fill="none" stroke="#58a6ff" stroke-width="1.5" points=${points.join(' ')} />
  </svg>`
}

function Functions({
  overview,
  metrics,
  onRun,
}: {
  overview: Overview
  metrics: Metrics[]
  onRun: (name: string) => void
}) {
  const byName = new Map(metrics.map((m) => [m.function, m]))
  return html`<table>
    <thead><tr><th>Function</th><th>Trigger</th><th>Calls (1 h)</th><th>Errors</th><th>p95</th><th></th></tr></thead>
    <tbody>
      ${overview.functions.map((fn) => {
        const m = byName.get(fn.name)
        return html`<tr data-function=${fn.name}>
          <td><strong>${fn.name}</strong></td>
          <td>${fn.source}${
            fn.next
              ? html`<div class="muted">next: ${fn.next.map(
                  (t) => html`<div>${t} UTC (${new Date(t).toLocaleString()})</div>`,
                )}</div>`
              : ''
          }</td>
          <td>${m ? html`${m.invocations} <${Sparkline} values=${m.series} />` : '–'}</td>
          <td class=${m && m.errors > 0 ? 'error' : ''}>${m ? m.errors : '–'}</td>
          <td>${m ? `${m.p95Ms.toFixed(0)} ms` : '–'}</td>
          <td>${fn.trigger === 'timer' ? html`<button class="action" onClick=${() => onRun(fn.name)}>Run now</button>` : ''}</td>
        </tr>`
      })}
    </tbody>
  </table>`
}

function Logs({ events, functions, local }: { events: LogEvent[]; functions: string[]; local: boolean }) {
  const [fn, setFn] = useState('')
  const [level, setLevel] = useState('')
  const [text, setText] = useState('')
  const [invocation, setInvocation] = useState('')
  const levels = ['debug', 'info', 'warn', 'error']
  const shown = events.filter(
    (e) =>
      (!fn || e.function === fn) &&
      (!level || levels.indexOf(e.level) >= levels.indexOf(level)) &&
      (!text || e.message.includes(text)) &&
      (!invocation || e.invocationId.startsWith(invocation)),
  )
  return html`<div>
    <div class="bar">
      <select aria-label="function" value=${fn} onChange=${(e: Event) => setFn((e.target as HTMLSelectElement).value)}>
        <option value="">all functions</option>
        ${functions.map((f) => html`<option value=${f}>${f}</option>`)}
      </select>
      <select aria-label="level" value=${level} onChange=${(e: Event) => setLevel((e.target as HTMLSelectElement).value)}>
        <option value="">any level</option>
        ${levels.map((l) => html`<option value=${l}>${l}+</option>`)}
      </select>
      <input aria-label="text" placeholder="text" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
      <input aria-label="invocation" placeholder="invocation" value=${invocation} onInput=${(e: Event) => setInvocation((e.target as HTMLInputElement).value)} />
      <span class="muted">${shown.length} of ${events.length} lines</span>
    </div>
    ${invocation ? html`<${InvocationSummary} id=${invocation} local=${local} lines=${events.filter((e) => e.invocationId.startsWith(invocation))} />` : ''}
    <div class="logs" data-testid="logs">
      ${shown.map(
        (
          e,
        ) => html`<div class=${`line ${e.level === 'error' ? 'error' : e.level === 'warn' ? 'warn' : ''}`} data-invocation=${e.invocationId}>
          <span class="muted">${e.time.slice(11, 23)}</span>
          <span>${e.level}</span>
          <span>${e.function}</span>
          <button class="link" title="this invocation's lines" onClick=${() => setInvocation(e.invocationId)}>${e.invocationId.slice(0, 8)}</button>
          <span class=${e.kind === 'platform' ? 'muted' : ''}>${e.message}</span>
        </div>`,
      )}
    </div>
  </div>`
}

function Queues({ overview, refresh }: { overview: Overview; refresh: () => void }) {
  const [letters, setLetters] = useState<{
    queue: string
    messages: { id: string; body: string; attempt: number }[]
  }>()
  const [body, setBody] = useState('')
  const [note, setNote] = useState('')
  const act = async (work: () => Promise<string>) => {
    try {
      setNote(await work())
    } catch (error) {
      setNote((error as Error).message)
    }
    refresh()
  }
  if (overview.cloud !== 'local')
    return html`<p>On ${overview.cloud}, queues are read and changed with <code>xfn status</code> and the cloud's own tools; the console changes the local cloud's only.</p>`
  return html`<div>
    <table>
      <thead><tr><th>Queue</th><th>Waiting</th><th>In flight</th><th></th></tr></thead>
      <tbody>
        ${overview.queues.map(
          (q) => html`<tr data-queue=${q.name}>
            <td>${q.name}</td><td>${q.visible}</td><td>${q.hidden}</td>
            <td class="bar">
              ${
                q.name.endsWith('-dlq')
                  ? ''
                  : html`
                <button class="action" onClick=${() =>
                  act(async () => {
                    const found = await api<typeof letters>(
                      `/api/queues/${encodeURIComponent(q.name)}/dead-letters`,
                    )
                    setLetters(found)
                    return `${found?.messages.length ?? 0} dead letter(s) in ${found?.queue}`
                  })}>Dead letters</button>
                <button class="action" onClick=${() =>
                  act(async () => {
                    const { moved } = await api<{ moved: number }>(
                      `/api/queues/${encodeURIComponent(q.name)}/redrive`,
                      { method: 'POST' },
                    )
                    setLetters(undefined)
                    return `Moved ${moved} message(s) back to ${q.name}.`
                  })}>Re-drive</button>
                <input aria-label=${`message for ${q.name}`} placeholder="message" value=${body} onInput=${(e: Event) => setBody((e.target as HTMLInputElement).value)} />
                <button class="action" onClick=${() =>
                  act(async () => {
                    await api(`/api/queues/${encodeURIComponent(q.name)}/messages`, {
                      method: 'POST',
                      json: { body },
                    })
                    return `Sent to ${q.name}.`
                  })}>Send</button>`
              }
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
    <p role="status">${note}</p>
    ${
      letters
        ? html`<table data-testid="dead-letters"><thead><tr><th>Dead letter</th><th>Attempts</th><th>Body</th></tr></thead><tbody>
            ${letters.messages.map((m) => html`<tr><td>${m.id}</td><td>${m.attempt}</td><td><code>${m.body}</code></td></tr>`)}
          </tbody></table>`
        : ''
    }
  </div>`
}

function Buckets({ overview }: { overview: Overview }) {
  const [bucket, setBucket] = useState(overview.buckets[0] ?? '')
  const [objects, setObjects] = useState<{ key: string; size: number; lastModified: string }[]>([])
  const [note, setNote] = useState('')
  const [key, setKey] = useState('')
  const load = async () => {
    if (!bucket) return
    try {
      setObjects(
        (await api<{ objects: typeof objects }>(`/api/buckets/${encodeURIComponent(bucket)}`)).objects,
      )
    } catch (error) {
      setNote((error as Error).message)
    }
  }
  useEffect(() => void load(), [bucket])
  if (overview.cloud !== 'local')
    return html`<p>On ${overview.cloud}, buckets are browsed with the cloud's own tools; the console browses the local cloud's.</p>`
  const upload = async (event: Event) => {
    const file = (event.target as HTMLInputElement).files?.[0]
    if (!file) return
    const name = key || file.name
    try {
      await api(`/api/buckets/${encodeURIComponent(bucket)}/objects/${encodeURIComponent(name)}`, {
        method: 'PUT',
        body: await file.arrayBuffer(),
      })
      setNote(`Uploaded ${name}.`)
    } catch (error) {
      setNote((error as Error).message)
    }
    await load()
  }
  return html`<div>
    <div class="bar">
      <select aria-label="bucket" value=${bucket} onChange=${(e: Event) => setBucket((e.target as HTMLSelectElement).value)}>
        ${overview.buckets.map((b) => html`<option value=${b}>${b}</option>`)}
      </select>
      <input aria-label="key" placeholder="key (default: the file's name)" value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} />
      <input type="file" aria-label="upload" onChange=${upload} />
      <span role="status">${note}</span>
    </div>
    <table>
      <thead><tr><th>Key</th><th>Size</th><th>Modified</th><th></th></tr></thead>
      <tbody>
        ${objects.map(
          (o) => html`<tr data-key=${o.key}>
            <td><a href=${`/api/buckets/${encodeURIComponent(bucket)}/objects/${encodeURIComponent(o.key)}`}>${o.key}</a></td>
            <td>${o.size}</td><td>${o.lastModified}</td>
            <td><button class="action" onClick=${async () => {
              await api(`/api/buckets/${encodeURIComponent(bucket)}/objects/${encodeURIComponent(o.key)}`, {
                method: 'DELETE',
              })
              await load()
            }}>Delete</button></td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`
}

function Invoke({ overview, events }: { overview: Overview; events: LogEvent[] }) {
  const [name, setName] = useState(overview.functions[0]?.name ?? '')
  const [data, setData] = useState('')
  const [path, setPath] = useState('')
  const [method, setMethod] = useState('GET')
  const [answer, setAnswer] = useState<{ invocationId?: string } & Record<string, unknown>>()
  const fn = overview.functions.find((f) => f.name === name)
  const lines = answer?.invocationId ? events.filter((e) => e.invocationId === answer.invocationId) : []
  const send = async () => {
    try {
      setAnswer(
        await api(`/api/functions/${encodeURIComponent(name)}/invoke`, {
          method: 'POST',
          json: fn?.trigger === 'http' ? { data, method, path } : { data },
        }),
      )
    } catch (error) {
      setAnswer({ error: (error as Error).message })
    }
  }
  return html`<div>
    <div class="bar">
      <select aria-label="function to invoke" value=${name} onChange=${(e: Event) => setName((e.target as HTMLSelectElement).value)}>
        ${overview.functions.map((f) => html`<option value=${f.name}>${f.name} (${f.source})</option>`)}
      </select>
      ${
        fn?.trigger === 'http'
          ? html`<input aria-label="method" value=${method} size="6" onInput=${(e: Event) => setMethod((e.target as HTMLInputElement).value)} />
              <input aria-label="path" placeholder="path" value=${path} onInput=${(e: Event) => setPath((e.target as HTMLInputElement).value)} />`
          : ''
      }
      <button class="action" onClick=${send}>Invoke</button>
    </div>
    <textarea aria-label="data" rows="4" cols="80" placeholder="body or event data" value=${data} onInput=${(e: Event) => setData((e.target as HTMLTextAreaElement).value)}></textarea>
    ${answer ? html`<pre data-testid="answer">${JSON.stringify(answer, null, 2)}</pre>` : ''}
    ${lines.length > 0 ? html`<div class="logs">${lines.map((e) => html`<div>${e.time.slice(11, 23)} ${e.message}</div>`)}</div>` : ''}
  </div>`
}

function App() {
  const [tab, setTab] = useState('functions')
  const [overview, setOverview] = useState<Overview>()
  const [metrics, setMetrics] = useState<Metrics[]>([])
  const [events, setEvents] = useState<LogEvent[]>([])
  const [failure, setFailure] = useState('')
  const refresh = () => {
    api<Overview>('/api/overview').then(setOverview, (e: Error) => setFailure(e.message))
    api<Metrics[]>('/api/metrics').then(setMetrics, () => undefined)
  }
  useEffect(() => {
    refresh()
    const timer = setInterval(refresh, 5000)
    const stream = new EventSource('/api/logs')
    stream.onmessage = (message) =>
      setEvents((all) => [...all, JSON.parse(message.data) as LogEvent].slice(-2000))
    stream.addEventListener('failure', (message) => setFailure(JSON.parse((message as MessageEvent).data)))
    return () => {
      clearInterval(timer)
      stream.close()
    }
  }, [])
  const functions = useMemo(() => overview?.functions.map((f) => f.name) ?? [], [overview])
  const run = async (name: string) => {
    await api(`/api/functions/${encodeURIComponent(name)}/invoke`, { method: 'POST', json: { data: '' } })
    setTab('logs')
  }
  const tabs = ['functions', 'logs', 'queues', 'buckets', 'invoke']
  return html`<style>${style}</style>
    <header>
      <h1>${overview ? `${overview.app} on ${overview.cloud}` : 'xfn console'}</h1>
      ${overview?.deployedAt ? html`<span class="muted">deployed ${new Date(overview.deployedAt).toLocaleString()}</span>` : ''}
      <nav role="tablist">
        ${tabs.map((t) => html`<button role="tab" aria-selected=${tab === t} onClick=${() => setTab(t)}>${t}</button>`)}
      </nav>
    </header>
    <main>
      ${failure ? html`<p class="error" role="alert">${failure}</p>` : ''}
      ${
        !overview
          ? html`<p class="muted">Reading the app…</p>`
          : tab === 'functions'
            ? html`<${Functions} overview=${overview} metrics=${metrics} onRun=${run} />`
            : tab === 'logs'
              ? html`<${Logs} events=${events} functions=${functions} local=${overview.cloud === 'local'} />`
              : tab === 'queues'
                ? html`<${Queues} overview=${overview} refresh=${refresh} />`
                : tab === 'buckets'
                  ? html`<${Buckets} overview=${overview} />`
                  : html`<${Invoke} overview=${overview} events=${events} />`
      }
    </main>`
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement)
