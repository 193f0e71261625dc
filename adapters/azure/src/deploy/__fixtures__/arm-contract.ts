import bodies from './arm-contract/bodies.json' with { type: 'json' }

/**
 * The request bodies Resource Manager accepts for the resource types the deployer puts, from the
 * types Microsoft generates from the Azure REST API specifications (Azure/bicep-types-az; see
 * arm-contract/bodies.json for the commit, and scripts/reduce-arm-types.mjs, which wrote it). The
 * fake refuses a body the contract would not accept: a property the type does not have (property
 * names compare without case, as the services read them), a value of the wrong type or outside
 * its enum, a required property missing. Read-only properties are allowed, as the services ignore
 * them; `name`, `type` and `apiVersion` belong to the URL, so they are never required.
 */
type Ref = { readonly $ref: string }
interface Property {
  readonly type: Ref
  readonly flags: number
}
type BicepType =
  | { readonly $type: 'StringType'; readonly minLength?: number; readonly maxLength?: number }
  | { readonly $type: 'IntegerType'; readonly minValue?: number; readonly maxValue?: number }
  | { readonly $type: 'BooleanType' | 'AnyType' | 'NullType' }
  | { readonly $type: 'StringLiteralType'; readonly value: string }
  | {
      readonly $type: 'ArrayType'
      readonly itemType: Ref
      readonly minLength?: number
      readonly maxLength?: number
    }
  | { readonly $type: 'UnionType'; readonly elements: readonly Ref[] }
  | {
      readonly $type: 'ObjectType'
      readonly name: string
      readonly properties?: Readonly<Record<string, Property>>
      readonly additionalProperties?: Ref
    }
  | {
      readonly $type: 'DiscriminatedObjectType'
      readonly name: string
      readonly discriminator: string
      readonly baseProperties: Readonly<Record<string, Property>>
      readonly elements: Readonly<Record<string, Ref>>
    }

const required = 1
const deployTimeConstant = 8

// Imported, not read from disk, so a bundle of the fake (the benchmarks) carries it.
const contract = bodies as unknown as {
  readonly resources: Readonly<Record<string, { readonly body: Ref }>>
  readonly types: readonly BicepType[]
}

const typeAt = (ref: Ref): BicepType => {
  const found = contract.types[Number(ref.$ref.slice(2))]
  if (!found) throw new Error(`arm-contract: no type ${ref.$ref}`)
  return found
}

/**
 * The contract for a resource type at an api-version: that version's, or else the newest one
 * before it (Microsoft.Web's types stop at 2025-03-01 while the SDK sends 2025-05-01), with the
 * version used.
 */
export function contractFor(resourceType: string, apiVersion: string) {
  const candidates = Object.keys(contract.resources)
    .map((key) => {
      const at = key.lastIndexOf('@')
      return { key, type: key.slice(0, at), version: key.slice(at + 1) }
    })
    .filter((c) => c.type.toLowerCase() === resourceType.toLowerCase() && c.version <= apiVersion)
    .sort((a, b) => b.version.localeCompare(a.version))
  const best = candidates[0]
  return best ? { version: best.version, body: contract.resources[best.key]?.body as Ref } : undefined
}

/**
 * What is wrong with a body sent to put (or, `partial`, patch) a resource of a type at an
 * api-version, by the contract; empty when nothing is.
 */
export function checkBody(
  resourceType: string,
  apiVersion: string,
  body: unknown,
  options: { readonly partial?: boolean; readonly name?: string | undefined } = {},
): string[] {
  const found = contractFor(resourceType, apiVersion)
  if (!found) return [`no contract for ${resourceType} at or before api-version ${apiVersion}`]
  const problems: string[] = []
  const check = (ref: Ref, value: unknown, at: string): boolean => {
    const type = typeAt(ref)
    const wrong = (what: string) => {
      problems.push(`${at || 'the body'} ${what}`)
      return false
    }
    switch (type.$type) {
      case 'AnyType':
        return true
      case 'NullType':
        return value === null || wrong('must be null')
      case 'BooleanType':
        return typeof value === 'boolean' || wrong(`is ${JSON.stringify(value)}, not a boolean`)
      case 'IntegerType':
        if (!Number.isInteger(value)) return wrong(`is ${JSON.stringify(value)}, not an integer`)
        if (type.minValue !== undefined && (value as number) < type.minValue)
          return wrong(`is below its minimum ${type.minValue}`)
        if (type.maxValue !== undefined && (value as number) > type.maxValue)
          return wrong(`is above its maximum ${type.maxValue}`)
        return true
      case 'StringType':
        if (typeof value !== 'string') return wrong(`is ${JSON.stringify(value)}, not a string`)
        if (type.minLength !== undefined && value.length < type.minLength)
          return wrong(`is shorter than ${type.minLength}`)
        if (type.maxLength !== undefined && value.length > type.maxLength)
          return wrong(`is longer than ${type.maxLength}`)
        return true
      case 'StringLiteralType':
        return (
          (typeof value === 'string' && value.toLowerCase() === type.value.toLowerCase()) ||
          wrong(`is ${JSON.stringify(value)}, not '${type.value}'`)
        )
      case 'UnionType': {
        const before = problems.length
        for (const element of type.elements) {
          if (check(element, value, at)) {
            problems.length = before
            return true
          }
        }
        const literals = type.elements
          .map(typeAt)
          .flatMap((t) => (t.$type === 'StringLiteralType' ? [t.value] : []))
        problems.length = before
        return wrong(
          literals.length > 0
            ? `is ${JSON.stringify(value)}, not one of ${literals.join(', ')}`
            : `is ${JSON.stringify(value)}, which fits none of its types`,
        )
      }
      case 'ArrayType':
        if (!Array.isArray(value)) return wrong(`is ${JSON.stringify(value)}, not an array`)
        return value.every((item, i) => check(type.itemType, item, `${at}[${i}]`))
      case 'ObjectType':
        return checkObject(type.properties ?? {}, type.additionalProperties, value, at)
      case 'DiscriminatedObjectType': {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          return wrong(`is ${JSON.stringify(value)}, not an object`)
        // A resource whose kinds are told apart by name (sites/config: appsettings, web, …) has it in the URL.
        const kind =
          (value as Record<string, unknown>)[type.discriminator] ??
          (type.discriminator === 'name' && at === '' ? options.name : undefined)
        const element = Object.entries(type.elements).find(
          ([k]) => k.toLowerCase() === String(kind).toLowerCase(),
        )
        if (!element)
          return wrong(
            `has ${type.discriminator} ${JSON.stringify(kind)}, not one of ${Object.keys(type.elements).join(', ')}`,
          )
        const variant = typeAt(element[1])
        const own = variant.$type === 'ObjectType' ? (variant.properties ?? {}) : {}
        return checkObject({ ...type.baseProperties, ...own }, undefined, value, at, type.discriminator)
      }
    }
  }
  const checkObject = (
    properties: Readonly<Record<string, Property>>,
    additional: Ref | undefined,
    value: unknown,
    at: string,
    discriminator?: string,
  ): boolean => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${at || 'the body'} is ${JSON.stringify(value)}, not an object`)
      return false
    }
    const byName = new Map(
      Object.entries(properties).map(([name, p]) => [name.toLowerCase(), { name, ...p }]),
    )
    let ok = true
    for (const [key, given] of Object.entries(value)) {
      if (key === discriminator || given === undefined) continue
      const property = byName.get(key.toLowerCase())
      const where = at ? `${at}.${key}` : key
      if (property) {
        if (given !== null) ok = check(property.type, given, where) && ok
      } else if (additional) ok = check(additional, given, where) && ok
      else {
        problems.push(
          `${where} is not a property of ${at || 'the body'} (${[...byName.values()].map((p) => p.name).join(', ')})`,
        )
        ok = false
      }
    }
    if (!options.partial)
      for (const property of byName.values()) {
        const mustGive = (property.flags & required) !== 0 && (property.flags & deployTimeConstant) === 0
        const given = Object.keys(value).some((k) => k.toLowerCase() === property.name.toLowerCase())
        if (mustGive && !given) {
          problems.push(`${at ? `${at}.` : ''}${property.name} is required`)
          ok = false
        }
      }
    return ok
  }
  check(found.body, body, '')
  return problems
}
