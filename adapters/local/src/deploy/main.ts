/**
 * The local cloud process: `node main.js <project folder> <port>`. The CLI starts it detached
 * (xfn deploy) or runs the same class in the foreground (xfn dev).
 */
import { XfnError } from '@xfn/core'
import { LocalCloud } from './cloud.js'

const [projectDir, port] = process.argv.slice(2)
if (!projectDir || port === undefined) {
  process.stderr.write('usage: main.js <project folder> <port>\n')
  process.exit(2)
}
const cloud = new LocalCloud({ projectDir, port: Number(port) })
try {
  const info = await cloud.start()
  process.stdout.write(
    `${new Date().toISOString()} local cloud ${info.pid} listening on http://${info.host}:${info.port}\n`,
  )
} catch (error) {
  process.stderr.write(
    `${JSON.stringify({
      startError: error instanceof Error ? error.message : String(error),
      commands: error instanceof XfnError ? error.commands.map((command) => command.args) : [],
    })}\n`,
  )
  process.exit(1)
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cloud.stop().then(() => process.exit(0))
  })
}
