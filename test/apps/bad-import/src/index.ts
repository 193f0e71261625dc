import { app } from '@xfn/core'
import { helper } from './missing-helper.js'

app.http('uses', { route: '/uses' }, () => ({ body: helper() }))
