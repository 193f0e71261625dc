// One cold start of a Function App as the Node worker makes it, in a fresh process: import the
// app's package.json main (the worker's stand-in for @azure/functions-core is installed first,
// as the worker's is), then invoke one HTTP function through the library's own invocation model.
// Prints the milliseconds of both together, and the status the function answered.
import { invokeAsWorker } from '../../adapters/azure/src/runtime/__fixtures__/host.js'

const [main, name, url] = process.argv.slice(2) as [string, string, string]
const started = performance.now()
await import(main)
const { response } = await invokeAsWorker(name, {
  input: { http: { method: 'GET', url, headers: { 'user-agent': 'curl/8.5.0' }, query: {} } },
})
const elapsed = performance.now() - started
const answer = response as { returnValue?: { http?: { statusCode?: unknown } } } | undefined
const status = answer?.returnValue?.http?.statusCode
process.stdout.write(JSON.stringify({ ms: elapsed, status: String(status ?? '') }))
