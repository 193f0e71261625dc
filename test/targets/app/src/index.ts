import { app, queue } from '@xfn/core'

/** The app every target is held to: one HTTP function and one queue function, each logging. */
const jobs = queue('jobs')

app.http('hello', { route: '/hello/{name}', method: 'GET' }, (request, context) => {
  context.log.info('greeting', { name: request.params.name })
  return { json: { hello: request.params.name } }
})

app.queue('work', { queue: jobs }, (message, context) => {
  context.log.info(`working on ${message.text()}`)
})
