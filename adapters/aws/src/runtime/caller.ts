/**
 * The function this Lambda process is running. Lambda gives each execution environment one
 * invocation at a time, so the last function started is the one calling: no async context is
 * needed, and the hot path pays one assignment.
 */
export const running: { name: string | undefined } = { name: undefined }
