import { readFileSync } from 'node:fs'
import { Broker } from '@kubernetes-models/knative/eventing.knative.dev/v1/Broker'
import { Trigger } from '@kubernetes-models/knative/eventing.knative.dev/v1/Trigger'
import { Service } from '@kubernetes-models/knative/serving.knative.dev/v1/Service'
import { PingSource } from '@kubernetes-models/knative/sources.knative.dev/v1/PingSource'
import { Ajv } from 'ajv'
import { Namespace } from 'kubernetes-models/v1/Namespace'
import { Secret } from 'kubernetes-models/v1/Secret'
import { parse } from 'yaml'

/*
 * What the API server checks an object against, from sources nobody on the team wrote:
 *
 * - for Knative's kinds, the openAPIV3Schema of the served version in the projects' own CRDs
 *   (./crds, with their provenance), with the API server's strict field validation: a field the
 *   schema does not declare, where it does not keep unknown fields, is an error;
 * - for every kind, the models of kubernetes-models (generated from Kubernetes' OpenAPI and
 *   Knative's Go types): types, required fields.
 */

type Schema = {
  type?: string
  properties?: Record<string, Schema>
  items?: Schema
  additionalProperties?: Schema | boolean
  'x-kubernetes-preserve-unknown-fields'?: boolean
}

const crdFiles = ['service', 'broker', 'trigger', 'pingsource']
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true })

const crdSchemas = new Map<string, { schema: Schema; validate: ReturnType<Ajv['compile']> }>()
for (const file of crdFiles) {
  const crd = parse(readFileSync(new URL(`./crds/${file}.yaml`, import.meta.url), 'utf8')) as {
    spec: {
      group: string
      names: { kind: string }
      versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[]
    }
  }
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    const schema = version.schema.openAPIV3Schema
    crdSchemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, {
      schema,
      validate: ajv.compile(schema),
    })
  }
}

const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace as never,
  'v1/Secret': Secret as never,
  'serving.knative.dev/v1/Service': Service as never,
  'eventing.knative.dev/v1/Broker': Broker as never,
  'eventing.knative.dev/v1/Trigger': Trigger as never,
  'sources.knative.dev/v1/PingSource': PingSource as never,
}

/** What is wrong with an object of a kind, by its schemas; nothing when it is valid. */
export function schemaErrors(object: {
  readonly apiVersion: string
  readonly kind: string
  readonly [field: string]: unknown
}): string[] {
  const key = `${object.apiVersion}/${object.kind}`
  const errors: string[] = []
  const model = models[key]
  if (!model) return [`no kind ${object.kind} in ${object.apiVersion}`]
  try {
    new model(object as never).validate()
  } catch (error) {
    errors.push(`kubernetes-models: ${(error as Error).message}`)
  }
  const crd = crdSchemas.get(key)
  if (crd) {
    if (!crd.validate(object))
      for (const e of crd.validate.errors ?? [])
        errors.push(`CRD schema: ${e.instancePath || '/'} ${e.message}`)
    // apiVersion, kind and metadata are the API server's own, not the CRD's to declare.
    const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = object as Record<string, unknown>
    errors.push(...unknownFields(rest, crd.schema, ''))
  }
  return errors
}

/** Fields the schema does not declare, as `.spec.foo: field not declared in schema` (strict validation). */
function unknownFields(value: unknown, schema: Schema, path: string): string[] {
  if (schema['x-kubernetes-preserve-unknown-fields'] || value === null || typeof value !== 'object') return []
  if (Array.isArray(value))
    return schema.items
      ? value.flatMap((item, i) => unknownFields(item, schema.items as Schema, `${path}[${i}]`))
      : []
  const out: string[] = []
  for (const [key, child] of Object.entries(value)) {
    const declared = schema.properties?.[key]
    if (declared) out.push(...unknownFields(child, declared, `${path}.${key}`))
    else if (typeof schema.additionalProperties === 'object')
      out.push(...unknownFields(child, schema.additionalProperties, `${path}.${key}`))
    else if (schema.additionalProperties !== true) out.push(`${path}.${key}: field not declared in schema`)
  }
  return out
}
