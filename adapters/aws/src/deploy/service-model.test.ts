import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeAws } from './__fixtures__/fake-aws.js'
import { checkInput } from './__fixtures__/service-model.js'

describe("the fake's requests, held to the AWS service models", () => {
  let fake: FakeAws | undefined
  afterEach(() => fake?.restore())

  it('finds what a real service would refuse: an unknown member, a missing required one, a wrong type or value', () => {
    expect(
      checkInput('sqs', 'CreateQueue', { QueueName: 'a', Attributes: { VisibilityTimeout: '30' } }),
    ).toEqual([])
    expect(checkInput('sqs', 'CreateQueue', { Attributes: {} })).toEqual([
      "CreateQueue lacks the required member 'QueueName'",
    ])
    expect(checkInput('sqs', 'CreateQueue', { QueueName: 'a', Tag: { a: 'b' } })).toEqual([
      "CreateQueue has a member 'Tag' the model does not know",
    ])
    expect(checkInput('lambda', 'UpdateFunctionConfiguration', { FunctionName: 'f', Timeout: '30' })).toEqual(
      ['UpdateFunctionConfiguration.Timeout is a string, not a number'],
    )
    expect(
      checkInput('lambda', 'CreateFunction', {
        FunctionName: 'f',
        Role: 'r',
        Code: {},
        Runtime: 'nodejs99.x',
      }),
    ).toEqual([expect.stringMatching(/^CreateFunction\.Runtime is 'nodejs99\.x', not one of /)])
  })

  it('makes the fake refuse such a request as the service would', async () => {
    fake = new FakeAws()
    await expect(
      new SQSClient({ region: 'eu-west-1' }).send(
        new CreateQueueCommand({ QueueName: undefined as unknown as string }),
      ),
    ).rejects.toThrow("CreateQueue lacks the required member 'QueueName'")
  })
})
