import { app } from '@xfn/core'

app.http('ok', { route: '/ok' }, () => ({ body: 'ok' }))
throw new Error('the database URL is not set')
