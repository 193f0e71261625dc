import { app, bucket } from '@xfn/core'

/** A blob function that reacts to deletions, which Azure's blob trigger cannot do. */
const uploads = bucket('uploads')
const results = bucket('results')

app.blob('gone', { bucket: uploads, events: ['deleted'], uses: [results.writeOnly] }, async (event) => {
  await results.put(`deleted/${event.key}.json`, JSON.stringify({ type: event.type, key: event.key }))
})
