import { app, bucket } from '@xfn/core'

/** A blob function that reacts to deletions (on Azure, through Event Grid rather than the blob trigger). */
const uploads = bucket('uploads')
const results = bucket('results')

app.blob('gone', { bucket: uploads, events: ['deleted'], uses: [results.writeOnly] }, async (event) => {
  await results.put(`deleted/${event.key}.json`, JSON.stringify({ type: event.type, key: event.key }))
})
