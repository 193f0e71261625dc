import inputs from './service-models/inputs.json' with { type: 'json' }

/**
 * The input shapes of the AWS operations the fake serves, reduced from the service models the AWS
 * SDKs are generated from (aws/api-models-aws; see service-models/inputs.json for the commit):
 * what a request may hold, what it must hold, and of which type. The fake refuses a request the
 * model would not accept, so a deploy that passes against the fake sends requests the real
 * services' models accept. inputs.json holds, for each operation the fake serves, the closure of
 * its input shape in the Smithy JSON model of its service (members, which are required, targets,
 * list members, map values, enum values), with the models' repository, commit and licence
 * (Apache-2.0). scripts/reduce-service-models.mjs wrote it, and adds an operation the fake comes
 * to serve.
 */
interface Shape {
  readonly type: string
  readonly members?: Readonly<Record<string, { target: string; required?: boolean }>>
  readonly member?: string
  readonly key?: string
  readonly value?: string
  readonly values?: readonly (string | null)[]
}

// Imported, not read from disk, so a bundle of the fake (the benchmarks) carries it.
const models = inputs as unknown as {
  services: Record<string, { operations: Record<string, string>; shapes: Record<string, Shape> }>
}

const prelude: Record<string, string> = {
  String: 'string',
  Integer: 'integer',
  Long: 'long',
  PrimitiveInteger: 'integer',
  PrimitiveLong: 'long',
  Boolean: 'boolean',
  PrimitiveBoolean: 'boolean',
  Timestamp: 'timestamp',
  Blob: 'blob',
  Double: 'double',
  Float: 'float',
  Document: 'document',
  Unit: 'structure',
}

/** What is wrong with a request to `service`'s `command`, by the service's model; empty when nothing is. */
export function checkInput(service: string, command: string, input: unknown): string[] {
  const model = models.services[service]
  const target = model?.operations[command]
  if (!model || !target)
    return [`${service} ${command} is not in the reduced models; add it to service-models/inputs.json`]
  const problems: string[] = []
  const check = (id: string, value: unknown, at: string) => {
    if (value === undefined || value === null) return
    const shape: Shape = model.shapes[id] ?? { type: prelude[id.split('#')[1] ?? ''] ?? 'document' }
    const wrong = (what: string) => problems.push(`${at} ${what}`)
    switch (shape.type) {
      case 'string':
      case 'enum':
        if (typeof value !== 'string') return wrong(`is a ${typeof value}, not a string`)
        if (shape.values && !shape.values.includes(value))
          wrong(`is '${value}', not one of ${shape.values.join(', ')}`)
        return
      case 'integer':
      case 'long':
      case 'double':
      case 'float':
      case 'intEnum':
        if (typeof value !== 'number') wrong(`is a ${typeof value}, not a number`)
        return
      case 'boolean':
        if (typeof value !== 'boolean') wrong(`is a ${typeof value}, not a boolean`)
        return
      case 'timestamp':
        if (!(value instanceof Date) && typeof value !== 'number' && typeof value !== 'string')
          wrong('is not a time')
        return
      case 'blob':
        if (!(value instanceof Uint8Array) && typeof value !== 'string') wrong('is not bytes')
        return
      case 'list':
        if (!Array.isArray(value)) return wrong('is not a list')
        for (const [index, item] of value.entries()) check(shape.member as string, item, `${at}[${index}]`)
        return
      case 'map':
        if (typeof value !== 'object') return wrong('is not a map')
        for (const [key, item] of Object.entries(value as object))
          check(shape.value as string, item, `${at}.${key}`)
        return
      case 'structure':
      case 'union': {
        if (typeof value !== 'object' || Array.isArray(value)) return wrong('is not a structure')
        const members = shape.members ?? {}
        for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
          const member = members[name]
          if (!member) {
            if (item !== undefined) wrong(`has a member '${name}' the model does not know`)
            continue
          }
          check(member.target, item, `${at}.${name}`)
        }
        for (const [name, member] of Object.entries(members))
          if (member.required && (value as Record<string, unknown>)[name] == null)
            wrong(`lacks the required member '${name}'`)
        return
      }
    }
  }
  check(target, input ?? {}, command)
  return problems
}
