import { app } from '@xfn/core'

app.http('hello', { route: '/hello/{name}' }, (request) => ({
  json: { hello: request.params.name },
}))
