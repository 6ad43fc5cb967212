// The error a user's own input causes (a bad flag, an unknown name): the CLI prints its message as one line and exits 2.

/** A usage error the CLI prints as one line and exits 2 for. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
