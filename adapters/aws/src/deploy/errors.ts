import { XfnError } from '@xfn/core'

/** The error name the SDK gives a service error (`ResourceNotFoundException`, `NoSuchEntity`, ...). */
export function errorName(error: unknown): string {
  return (error as { name?: string } | null)?.name ?? ''
}

const missingNames = new Set([
  'ResourceNotFoundException',
  'NoSuchEntity',
  'NoSuchEntityException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'NotFoundException',
  'NoSuchBucket',
  'NotFound',
  'ParameterNotFound',
  'NoSuchTagSet',
  'NoSuchTagSetError',
])

/** Whether an error says that the thing read does not exist. */
export function isMissing(error: unknown): boolean {
  return missingNames.has(errorName(error))
}

/** Reads something that may not exist: its value, or undefined when AWS says it is missing. */
export async function ifExists<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
}

const hints: Record<string, string> = {
  AccessDenied: 'The deploying identity lacks a permission; the README lists the policy a deployer needs.',
  AccessDeniedException:
    'The deploying identity lacks a permission; the README lists the policy a deployer needs.',
  UnrecognizedClientException: 'The credentials are not valid for this account or region.',
  InvalidClientTokenId: 'The credentials are not valid; check AWS_ACCESS_KEY_ID or the profile.',
  ExpiredToken: 'The credentials have expired; refresh them (aws sso login) and deploy again.',
  ExpiredTokenException: 'The credentials have expired; refresh them (aws sso login) and deploy again.',
  BucketAlreadyExists:
    'Bucket names are global and another account owns this one; deploy under another stage or app name.',
  LimitExceededException:
    'An account quota was reached; raise it in Service Quotas or remove unused resources.',
  ServiceQuotaExceededException: 'An account quota was reached; raise it in Service Quotas.',
  CodeStorageExceededException: 'Lambda code storage is full; delete old versions of functions.',
  DeleteConflict: 'Something not made by xfn is attached to the role; detach it, then run destroy again.',
  QueueDeletedRecently:
    'SQS does not reuse a queue name for 60 s after deleting it; run the deploy again in a minute.',
}

/** What to do after a failure the hints do not name: a deploy or destroy resumes; a read changed nothing. */
const changingHint = 'Run the command again; it resumes where it stopped.'
const readingHint =
  'Nothing was changed; check the network, the region and the credentials, then run the command again.'

/** Turns an AWS error into one message naming the step, the resource, the AWS error code and what to do. */
export function cloudError(step: string, error: unknown, options: { changing?: boolean } = {}): XfnError {
  if (error instanceof XfnError) return error
  const code = errorName(error) || 'Error'
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '')
  if (code === 'CredentialsProviderError')
    return new XfnError(
      'INVALID_OPTIONS',
      `No AWS credentials were found (${message}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with --profile or AWS_PROFILE, or run 'aws configure' or 'aws sso login'.`,
      { cause: error },
    )
  const hint = hints[code] ?? (options.changing ? changingHint : readingHint)
  return new XfnError('CLOUD_ERROR', `${step} failed: ${code}: ${message}. ${hint}`, { cause: error })
}

/** IAM is eventually consistent: a role just made may not yet be assumable by Lambda. */
export function isRoleNotReady(error: unknown): boolean {
  return (
    errorName(error) === 'InvalidParameterValueException' &&
    /role|assume/i.test(error instanceof Error ? error.message : '')
  )
}

/** Lambda refuses a change while another update of the function is under way. */
export function isConflict(error: unknown): boolean {
  return ['ResourceConflictException', 'ConflictException', 'TooManyRequestsException'].includes(
    errorName(error),
  )
}
