import { app } from '@xfn/core'

app.http('broken', { route: '/broken' }, () => ({ body: 'never' })
const oops = {
