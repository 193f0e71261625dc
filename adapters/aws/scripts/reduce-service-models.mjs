#!/usr/bin/env node
/**
 * Writes the service models the fake AWS control plane checks requests against
 * (src/deploy/__fixtures__/service-models/inputs.json): for each operation the fake serves, the
 * closure of its input shape in the Smithy JSON model of its service, from aws/api-models-aws
 * (the models the AWS SDKs are generated from) at the commit the file records. A structure keeps
 * its members, which are required and their targets; a list its member; a map its key and value;
 * an enum its values; every other shape its type. Nothing else is kept.
 *
 * Run it against a clone of aws/api-models-aws to regenerate every service, or to add operations:
 *
 *   node adapters/aws/scripts/reduce-service-models.mjs <api-models-aws git dir> [service:Op1,Op2 …]
 *
 * then format the file (npx biome format --write <file>).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

const file = new URL('../src/deploy/__fixtures__/service-models/inputs.json', import.meta.url)
const [gitDir, ...additions] = process.argv.slice(2)
if (!gitDir) throw new Error('usage: reduce-service-models.mjs <api-models-aws git dir> [service:Op1,Op2 …]')
const inputs = JSON.parse(readFileSync(file, 'utf8'))
const { commit } = inputs.source
const show = (path) =>
  JSON.parse(
    execFileSync('git', ['--git-dir', gitDir, 'show', `${commit}:${path}`], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    }),
  )

for (const addition of additions) {
  const [service, operations = ''] = addition.split(':')
  const known = inputs.services[service]
  if (!known) throw new Error(`${service} is not in inputs.json; add it with its model path first`)
  for (const operation of operations.split(',').filter(Boolean)) known.operations[operation] = ''
}

for (const [service, entry] of Object.entries(inputs.services)) {
  const { shapes } = show(entry.model)
  const namespace = Object.keys(shapes)
    .find((id) => shapes[id].type === 'service')
    .split('#')[0]
  const kept = {}
  const visit = (id) => {
    if (id in kept || id.startsWith('smithy.api#')) return
    const shape = shapes[id]
    if (shape.type === 'structure') {
      const members = {}
      for (const [name, member] of Object.entries(shape.members ?? {}))
        members[name] = {
          target: member.target,
          ...('smithy.api#required' in (member.traits ?? {}) ? { required: true } : {}),
        }
      kept[id] = { type: 'structure', members }
      for (const member of Object.values(members)) visit(member.target)
    } else if (shape.type === 'list') {
      kept[id] = { type: 'list', member: shape.member.target }
      visit(shape.member.target)
    } else if (shape.type === 'map') {
      kept[id] = { type: 'map', key: shape.key.target, value: shape.value.target }
      visit(shape.key.target)
      visit(shape.value.target)
    } else if (shape.type === 'enum') {
      kept[id] = {
        type: 'enum',
        values: Object.entries(shape.members).map(([name, m]) => m.traits?.['smithy.api#enumValue'] ?? name),
      }
    } else kept[id] = { type: shape.type }
  }
  const operations = {}
  for (const operation of Object.keys(entry.operations)) {
    operations[operation] = shapes[`${namespace}#${operation}`].input.target
    visit(operations[operation])
  }
  inputs.services[service] = { model: entry.model, operations, shapes: kept }
}
writeFileSync(file, `${JSON.stringify(inputs)}\n`)
console.log(`${Object.keys(inputs.services).length} services → ${file.pathname}`)
