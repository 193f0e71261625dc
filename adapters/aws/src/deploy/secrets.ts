import { DeleteParameterCommand, PutParameterCommand, paginateGetParametersByPath } from '@aws-sdk/client-ssm'
import type { AwsClients } from './clients.js'
import { cloudError, errorName } from './errors.js'
import { type AwsTarget, awsLayout } from './target.js'

/*
 * The app's secrets on AWS: SSM Parameter Store SecureString parameters under
 * `/xfn/<app>/<stage>/secrets/`, encrypted with the account's AWS managed key. Parameter Store
 * rather than Secrets Manager: a standard parameter costs nothing to keep, where a Secrets
 * Manager secret is billed monthly, and xfn needs none of its rotation machinery; a new value is
 * read by each function within a minute. Values go in and are never read back here.
 */

export async function setSecret(clients: AwsClients, target: AwsTarget, name: string, value: string) {
  const layout = awsLayout(target)
  try {
    await clients.ssm.send(
      new PutParameterCommand({
        Name: layout.secretParameter(name),
        Value: value,
        Type: 'SecureString',
        Overwrite: true,
        Description: `xfn secret of ${target.app} (${target.stage})`,
      }),
    )
  } catch (error) {
    // The error names the parameter, never the value.
    throw cloudError(`Setting secret '${name}' (${layout.secretParameter(name)})`, error, { changing: true })
  }
}

export async function listSecrets(clients: AwsClients, target: AwsTarget) {
  const layout = awsLayout(target)
  const listed: { name: string; changedAt: string | undefined }[] = []
  try {
    for await (const page of paginateGetParametersByPath(
      { client: clients.ssm },
      { Path: layout.secretsPath, WithDecryption: false },
    ))
      for (const parameter of page.Parameters ?? [])
        if (parameter.Name)
          listed.push({
            name: parameter.Name.slice(layout.secretsPath.length),
            changedAt: parameter.LastModifiedDate && new Date(parameter.LastModifiedDate).toISOString(),
          })
  } catch (error) {
    throw cloudError(`Listing the secrets under ${layout.secretsPath}`, error)
  }
  return listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

export async function removeSecret(clients: AwsClients, target: AwsTarget, name: string): Promise<boolean> {
  const layout = awsLayout(target)
  try {
    await clients.ssm.send(new DeleteParameterCommand({ Name: layout.secretParameter(name) }))
    return true
  } catch (error) {
    if (errorName(error) === 'ParameterNotFound') return false
    throw cloudError(`Removing secret '${name}'`, error, { changing: true })
  }
}
