// Three handlers for the cold-start test: one that touches none of the fetch globals, one that
// reads a header and then uses its request as a Request, and one that answers with a Response.
import { app } from '@xfn/core'

app.http('plain', { route: '/plain/{name}' }, (request) => ({ json: { hello: request.params.name } }))

app.http('asRequest', { route: '/as-request' }, (request) => {
  const agent = request.headers.get('user-agent')
  return {
    json: {
      agent,
      isRequest: request instanceof Request,
      tag: Object.prototype.toString.call(request),
      url: request.url,
    },
  }
})

app.http(
  'answer',
  { route: '/answer' },
  () => new Response('made', { status: 201, headers: { 'x-made': 'yes', 'content-type': 'text/plain' } }),
)
