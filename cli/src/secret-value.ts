import { XfnError } from '@xfn/core'

/**
 * The value of a secret, never from the command line (where shell history and process lists
 * would keep it): piped in on standard input, its one trailing newline dropped; or, at a
 * terminal, typed at a prompt that does not echo it.
 */
export async function readSecretValue(name: string): Promise<string> {
  const value = process.stdin.isTTY
    ? await prompt(`Value of secret '${name}' (not shown): `)
    : await readAll()
  if (value.length === 0)
    throw new XfnError(
      'INVALID_OPTIONS',
      `No value for secret '${name}': pipe it in (printf %s "$VALUE" | xfn secret set ${name}) or type it at the prompt.`,
    )
  return value
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

function prompt(question: string): Promise<string> {
  const { stdin, stderr } = process
  stderr.write(question)
  stdin.setRawMode(true)
  stdin.resume()
  let typed = ''
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      stderr.write('\n')
      if (error) reject(error)
      else resolve(typed)
    }
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done()
        if (char === '\u0003') return done(new XfnError('INVALID_OPTIONS', 'Stopped: no secret was set.'))
        if (char === '\u007f') typed = typed.slice(0, -1)
        else typed += char
      }
    }
    stdin.on('data', onData)
  })
}
