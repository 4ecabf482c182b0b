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

/**
 * Reads a JSON body and validates it with `schema`. Returns the data, or a 400
 * response when the body is not JSON or does not match.
 */
export async function readBody<T extends z.ZodType>(
  request: Request,
  schema: T,
): Promise<{ ok: true; data: z.infer<T> } | { ok: false; response: Response }> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return {
      ok: false,
      response: errorResponse(400, "VALIDATION_ERROR", "The request body is not valid JSON.", [
        { path: "", message: "Expected a JSON object" },
      ]),
    };
  }
  const result = schema.safeParse(body);
  if (!result.success) return { ok: false, response: validationError(result.error) };
  return { ok: true, data: result.data };
}
