/** Stratum V1 error codes, as every pool and miner reads them ([code, "message", null]). */
export const ErrorCode = {
  OTHER: 20,
  JOB_NOT_FOUND: 21,
  DUPLICATE: 22,
  LOW_DIFFICULTY: 23,
  UNAUTHORIZED: 24,
  NOT_SUBSCRIBED: 25
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** A refusal to send back to the miner. */
export interface StratumError {
  code: ErrorCode
  message: string
}

export function stratumError(code: ErrorCode, message: string): StratumError {
  return { code, message }
}
