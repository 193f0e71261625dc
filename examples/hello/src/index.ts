import { app } from '@xfn/core'

app.http('hello', { route: '/hello/{name}' }, (request) => ({
  json: { message: `Hello, ${request.params.name}!` },
}))
