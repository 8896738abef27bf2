/**
 * What of an error may reach the Worker's logs. drizzle wraps a failed D1
 * query in an error whose message, and so its stack, carries the query and
 * its parameters (custom header values, sealed secrets). We log the error's
 * class, the driver's cause and the stack frames, never the wrapper's message.
 */
const MAX_TEXT = 300;

export type LoggedError = { error: string; cause?: string; frames?: string };

/** The `at ...` lines of a stack, without the message lines at its head. */
function frames(err: Error): string | undefined {
  const lines = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  return lines.length ? lines.slice(0, 8).join("\n") : undefined;
}

/** True for an error that carries a query's parameters (drizzle's DrizzleQueryError). */
function carriesParameters(err: Error): boolean {
  return "params" in err || err.message.startsWith("Failed query:");
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) return carriesParameters(cause) ? cause.name : cause.message.slice(0, MAX_TEXT);
  return String(cause).slice(0, MAX_TEXT);
}

export function loggableError(err: unknown): LoggedError {
  if (!(err instanceof Error)) return { error: typeof err };
  if (carriesParameters(err)) return { error: err.name, cause: causeText(err.cause), frames: frames(err) };
  return { error: `${err.name}: ${err.message.slice(0, MAX_TEXT)}`, cause: causeText(err.cause), frames: frames(err) };
}
