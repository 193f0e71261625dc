import { app } from '@xfn/core'

// Every 7 minutes cannot be written in NCRONTAB; seconds cannot be written for EventBridge.
app.timer('oddInterval', { every: '7 minutes' }, () => undefined)
app.timer('twiceAMinute', { schedule: '*/30 * * * * *' }, () => undefined)
app.timer('firstOrMonday', { schedule: '0 9 1 * MON' }, () => undefined)
app.http('ping', { route: '/ping' }, () => ({ body: 'pong' }))
