import type { z } from "zod";

/** One problem with a request body, as the API reports it. */
export interface IssueDetail {
  path: string;
  message: string;
}

/** The error body every route uses: `{ error: { code, message, details? } }`. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  details?: IssueDetail[],
): Response {
  return Response.json({ error: { code, message, ...(details ? { details } : {}) } }, { status });
}

/** 400 with the problems zod found in a body. */
export function validationError(error: z.ZodError): Response {
  const details = error.issues.map((issue) => ({
    path: issue.path.join("."),
    message: issue.message,
  }));
  return errorResponse(400, "VALIDATION_ERROR", "The request body is not valid.", details);
}

/** 404 naming what was not found. */
export function notFound(message: string): Response {
  return errorResponse(404, "NOT_FOUND", message);
}

/** 501 for a route whose body is still to be written. */
export function notImplemented(what: string): Response {
  return errorResponse(501, "NOT_IMPLEMENTED", `${what} is not written yet.`);
}

/**
 * Reads a JSON body and validates it with `schema`. Returns the data, or a 400
 * response when the body is not JSON or does not match.
 */
export async function readBody<T extends z.ZodType>(
  _request: Request,
  _schema: T,
): Promise<{ ok: true; data: z.infer<T> } | { ok: false; response: Response }> {
  // TODO(project-setup): parse the body with `await request.json()` inside try/catch; when it throws,
  // return { ok: false, response: errorResponse(400, "VALIDATION_ERROR", "The request body is not valid JSON.") }.
  // Then run schema.safeParse(body): on failure return { ok: false, response: validationError(result.error) },
  // on success { ok: true, data: result.data }.
  return { ok: false, response: notImplemented("Reading request bodies") };
}
