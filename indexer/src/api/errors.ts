/**
 * HTTP errors as classes, split by what the caller should do, and the one mapper that turns any
 * thrown value into an RFC 9457 `application/problem+json` answer. Bad input is always a 4xx; only
 * a fault of ours is a 500, and its details stay in the log.
 */
import type { ErrorRequestHandler, Response } from "express";
import { ZodError } from "zod/v4";

export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
};

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly code: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ?? title, { cause: options.cause });
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.title = title;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export class BadRequestError extends ApiError {
  constructor(detail: string, extensions?: Record<string, unknown>) {
    super(400, "bad-request", "Bad request", detail, { extensions });
  }
}

export class UnauthorizedError extends ApiError {
  constructor(detail: string) {
    super(401, "unauthorized", "Unauthorized", detail, { headers: { "WWW-Authenticate": 'Bearer realm="marketplace"' } });
  }
}

export class ForbiddenError extends ApiError {
  constructor(detail: string) {
    super(403, "forbidden", "Forbidden", detail);
  }
}

export class NotFoundError extends ApiError {
  constructor(detail: string) {
    super(404, "not-found", "Not found", detail);
  }
}

export class MethodNotAllowedError extends ApiError {
  constructor(method: string, allowed: string[]) {
    super(405, "method-not-allowed", "Method not allowed", `${method} is not allowed here`, {
      headers: { Allow: allowed.join(", ") },
      extensions: { allowed },
    });
  }
}

export class NotAcceptableError extends ApiError {
  constructor(detail: string) {
    super(406, "not-acceptable", "Not acceptable", detail);
  }
}

export class ConflictError extends ApiError {
  constructor(detail: string) {
    super(409, "conflict", "Conflict", detail);
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(limit: number) {
    super(413, "payload-too-large", "Payload too large", `the body is larger than ${limit} bytes`, {
      extensions: { limit },
    });
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor(detail: string) {
    super(415, "unsupported-media-type", "Unsupported media type", detail);
  }
}

/** The request is well-formed but the contract (or our rules) would refuse it; `reason` names why. */
export class UnprocessableError extends ApiError {
  constructor(reason: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(422, "unprocessable", "Unprocessable request", detail, { extensions: { reason, ...extensions } });
  }
}

export class TooManyRequestsError extends ApiError {
  constructor(retryAfterSeconds: number, detail = "rate limit exceeded") {
    super(429, "too-many-requests", "Too many requests", detail, {
      headers: { "Retry-After": String(retryAfterSeconds) },
      extensions: { retryAfter: retryAfterSeconds },
    });
  }
}

export class ServiceUnavailableError extends ApiError {
  constructor(detail: string) {
    super(503, "unavailable", "Service unavailable", detail, { headers: { "Retry-After": "5" } });
  }
}

const PROBLEM_BASE = "https://prsm.market/problems/";

export function toProblem(error: ApiError, instance?: string): ProblemDetails {
  return {
    type: `${PROBLEM_BASE}${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    ...(instance ? { instance } : {}),
    ...error.extensions,
  };
}

export function sendProblem(res: Response, error: ApiError, instance?: string): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).type("application/problem+json").send(JSON.stringify(toProblem(error, instance)));
}

/** Zod issues as a stable list a client can show next to its fields. */
export function fromZodError(error: ZodError, where: string): BadRequestError {
  const issues = error.issues.map((issue) => ({
    in: where,
    path: issue.path.map(String).join("."),
    code: issue.code,
    message: issue.message,
  }));
  const first = issues[0];
  const detail = first ? `${where}${first.path ? `.${first.path}` : ""}: ${first.message}` : `invalid ${where}`;
  return new BadRequestError(detail, { errors: issues });
}

type BodyParserError = Error & { type?: string; status?: number; limit?: number; expose?: boolean };

/** Maps whatever was thrown to an ApiError; anything unknown is our fault and becomes a 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ZodError) return fromZodError(error, "body");
  const e = error as BodyParserError;
  switch (e?.type) {
    case "entity.too.large":
      return new PayloadTooLargeError(e.limit ?? 0);
    case "entity.parse.failed":
      return new BadRequestError("the body is not valid JSON");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new UnsupportedMediaTypeError(e.message);
    case "request.aborted":
      return new BadRequestError("the request was aborted");
  }
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500 && e.expose) {
    return new ApiError(e.status, "bad-request", "Bad request", e.message);
  }
  return new ApiError(500, "internal", "Internal server error", "an unexpected error occurred", { cause: error });
}

type Logger = { error: (obj: object, msg?: string) => void };

export function errorMapper(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) logger.error({ err: error, path: req.path, method: req.method }, "request failed");
    sendProblem(res, apiError, req.originalUrl);
  };
}
