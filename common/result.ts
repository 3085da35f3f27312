// I/O results are values, not exceptions: a caller must decide what to do
// with a retryable failure (back off and retry) versus a final one (report,
// drop or dead-letter). Exceptions are kept for programming errors.
import type { ErrorCode } from "./errors.ts";

export type IoResult<T> =
  | { readonly kind: "success"; readonly value: T }
  | {
      readonly kind: "retryable";
      readonly code: ErrorCode;
      readonly message: string;
      readonly retryInMillis: number;
    }
  | { readonly kind: "failure"; readonly code: ErrorCode; readonly message: string };

export type IoFailure = Exclude<IoResult<never>, { kind: "success" }>;

export const success = <T>(value: T): IoResult<T> => ({ kind: "success", value });

export const retryable = (code: ErrorCode, message: string, retryInMillis: number): IoResult<never> => ({
  kind: "retryable",
  code,
  message,
  retryInMillis,
});

export const failure = (code: ErrorCode, message: string): IoResult<never> => ({
  kind: "failure",
  code,
  message,
});

export const isSuccess = <T>(r: IoResult<T>): r is { kind: "success"; value: T } => r.kind === "success";
