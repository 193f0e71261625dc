import { XfnError } from './errors.js'

/*
 * Topics: publish once, and every subscription (an `app.topic` function) gets its own copy. The
 * portable limits are the smallest of the clouds':
 * - a message, its body with its attributes' names and values, up to 256 KiB: what SNS takes
 *   (attributes count toward SNS's limit) and under Event Grid's 1 MB;
 * - up to 10 attributes, because an SQS queue subscribed with raw message delivery receives at
 *   most 10 message attributes; names of letters, digits, '_' and '-' (SNS also allows '.', and
 *   refuses names starting with 'AWS.' or 'Amazon.'), values non-empty strings;
 * - a filter of up to 5 attribute names, each listing the values it accepts, as SNS filter
 *   policies take at most 5 keys, and at most 150 combinations of values (the product of the
 *   lists' lengths), as SNS counts them; at most 25 values in all, each of at most 512
 *   characters, as an Event Grid subscription's advanced filters take;
 * - a body of at least one character, as SNS refuses an empty message, and, in the body and the
 *   attributes, only the characters an SQS message may hold (tab, newline, carriage return, and
 *   from U+0020 on, without U+FFFE and U+FFFF): SNS would take others, then fail to deliver them
 *   to the subscription's queue, and the message would be lost.
 */

/** The largest message a topic takes on every cloud, in bytes of its body and its attributes. */
export const topicMessageLimit = 256 * 1024
/** How long a failed message waits before it is tried again, unless a subscription says otherwise. */
export const defaultTopicVisibilitySeconds = 30
/** The most attributes a message carries on every cloud. */
export const topicAttributeLimit = 10
/** The most attribute names a subscription's filter tests. */
export const topicFilterNameLimit = 5
/** The most combinations of values a filter accepts: the product of its lists' lengths. */
export const topicFilterCombinationLimit = 150
/** The most values a filter lists in all, and the longest value. */
export const topicFilterValueLimit = 25
export const topicFilterValueLength = 512

const unsendable = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

const attributeName = /^[A-Za-z0-9_-]{1,64}$/

export interface TopicSpec {
  readonly name: string
}

/** A subscription's filter: each attribute it tests, with the values it accepts (all must match). */
export type TopicFilter = Readonly<Record<string, readonly string[]>>

export interface PublishOptions {
  /** Up to 10 string attributes, which subscriptions can filter on. */
  readonly attributes?: Readonly<Record<string, string>>
}

/** One message as a runtime publishes it: its text, and its attributes. */
export interface PublishedMessage {
  readonly body: string
  readonly attributes: Readonly<Record<string, string>>
}

/** Refuses, before publishing, attributes or a size that some cloud would refuse, naming the limit. */
export function checkPublished(topic: string, message: PublishedMessage): void {
  const where = `topic('${topic}').publish()`
  const names = Object.keys(message.attributes)
  if (names.length > topicAttributeLimit)
    throw new XfnError(
      'INVALID_OPTIONS',
      `${where}: ${names.length} attributes, over the limit of ${topicAttributeLimit} (a queue subscribed to an SNS topic receives at most 10); carry the rest in the body.`,
    )
  if (message.body.length === 0)
    throw new XfnError(
      'INVALID_OPTIONS',
      `${where}: the message is empty; SNS refuses empty messages, so publish some text.`,
    )
  const badCharacter = (text: string, what: string) => {
    const found = unsendable.exec(text)
    if (found)
      throw new XfnError(
        'INVALID_OPTIONS',
        `${where}: ${what} holds the character U+${(found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} at index ${found.index}, which an SQS queue cannot hold (only tab, newline, carriage return and U+0020 on); encode it, for example as JSON, which escapes control characters.`,
      )
  }
  badCharacter(message.body, 'the message')
  let bytes = Buffer.byteLength(message.body)
  for (const name of names) {
    const value = message.attributes[name]
    if (!attributeName.test(name))
      throw new XfnError(
        'INVALID_OPTIONS',
        `${where}: attribute name ${JSON.stringify(name)} is not valid; use 1 to 64 letters, digits, '_' or '-'.`,
      )
    if (typeof value !== 'string' || value.length === 0)
      throw new XfnError(
        'INVALID_OPTIONS',
        `${where}: attribute '${name}' must be a non-empty string, not ${JSON.stringify(value)}.`,
      )
    badCharacter(value, `attribute '${name}'`)
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value)
  }
  if (bytes > topicMessageLimit)
    throw new XfnError(
      'INVALID_OPTIONS',
      `${where}: the message is ${bytes} bytes with its attributes, over the limit of ${topicMessageLimit / 1024} KiB (SNS's, the portable limit). Store the payload in a bucket and publish its key.`,
    )
}

/** The check of `filter` in `app.topic(...)`: at most 5 attribute names, each with a list of values. */
export function checkFilter(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return "must be an object of attribute names and the values each accepts, such as { region: ['eu'] }"
  const entries = Object.entries(value)
  if (entries.length === 0) return 'must test at least one attribute (leave it out to get every message)'
  if (entries.length > topicFilterNameLimit)
    return `tests ${entries.length} attributes, over the limit of ${topicFilterNameLimit} (SNS filter policies take 5)`
  for (const [name, values] of entries) {
    if (!attributeName.test(name)) return `has attribute name ${JSON.stringify(name)}, which is not valid`
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.some((v) => typeof v !== 'string' || v === '')
    )
      return `must give '${name}' a list of one or more non-empty strings`
    const long = values.find((v: string) => v.length > topicFilterValueLength)
    if (long)
      return `has a value of '${name}' of ${long.length} characters, over the limit of ${topicFilterValueLength} (Event Grid's)`
  }
  const count = entries.reduce((sum, [, values]) => sum + (values as unknown[]).length, 0)
  if (count > topicFilterValueLimit)
    return `lists ${count} values in all, over the limit of ${topicFilterValueLimit} (an Event Grid subscription's filters take 25)`
  const combinations = entries.reduce((product, [, values]) => product * (values as unknown[]).length, 1)
  if (combinations > topicFilterCombinationLimit)
    return `has ${combinations} combinations of values (the product of its lists' lengths), over the limit of ${topicFilterCombinationLimit} (SNS's)`
  return undefined
}

/** Whether a message's attributes pass a filter: every attribute it tests has one of its values. */
export function matchesFilter(filter: TopicFilter, attributes: Readonly<Record<string, string>>): boolean {
  for (const name in filter) {
    const value = attributes[name]
    if (value === undefined || !(filter[name] ?? []).includes(value)) return false
  }
  return true
}
