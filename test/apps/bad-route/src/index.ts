import { app } from '@xfn/core'

app.http('ok', { route: '/ok' }, () => ({ body: 'ok' }))
app.http('broken', { route: 'items/{id}' }, () => ({ body: 'never' }))
