/** Resolves with check's first truthy value; rejects past timeoutMs naming `what` and the last value seen. */
export declare const waitFor: <T>(check: () => T | Promise<T>, what: string, timeoutMs?: number, intervalMs?: number) => Promise<NonNullable<T>>
