import { app, queue } from '@xfn/core'

/** Answers with the settings it sees, and hands them to a queue function, which logs them. */
const seen = queue('seen')

app.http('settings', { route: '/settings', uses: [seen] }, async () => {
  const settings = { greeting: process.env.GREETING, currency: process.env.CURRENCY }
  await seen.send(settings)
  return { json: settings }
})

app.queue('log', { queue: seen }, (_message, context) => {
  context.log.info('settings in the background', { currency: process.env.CURRENCY })
})
