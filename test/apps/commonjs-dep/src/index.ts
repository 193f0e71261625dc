// An app whose dependency is CommonJS and calls require, which an ES module bundle must provide.
import { app } from '@xfn/core'
import legacy from './legacy.cjs'

app.http('join', { route: '/join/{a}/{b}' }, (request) => ({
  body: legacy.joined(request.params.a ?? '', request.params.b ?? ''),
}))
