/**
 * Routes are declared once, with the zod schemas that validate them; the same declarations mount
 * the Express handlers, answer 405 for a known path with a wrong method, and generate the OpenAPI
 * document, so the document cannot drift from what the server accepts.
 */
import type { Express, NextFunction, Request, RequestHandler, Response } from "express";
import { z, type ZodType } from "zod/v4";
import { fromZodError, MethodNotAllowedError, UnsupportedMediaTypeError } from "./errors.js";

export type HttpMethod = "get" | "post" | "put" | "delete";

export type RouteContext<Q, P, B> = {
  query: Q;
  params: P;
  body: B;
  req: Request;
  res: Response;
};

export type RouteResponse = { description: string; schema?: ZodType; contentType?: string };

export type RouteDefinition<Q = any, P = any, B = any> = {
  method: HttpMethod;
  /** OpenAPI form: `/marketplace/resources/{id}`. */
  path: string;
  summary: string;
  tag: string;
  description?: string;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  body?: ZodType<B>;
  responses?: Record<number, RouteResponse>;
  security?: "siwe" | "apiKey";
  /** Extra middleware run after validation (auth, per-route limits). */
  before?: RequestHandler[];
  /** Returns the JSON body, or undefined when it answered by itself (CSV, 204). */
  handler: (ctx: RouteContext<Q, P, B>) => Promise<unknown> | unknown;
};

const toExpressPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

function parsePart<T>(schema: ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw fromZodError(result.error, where);
  return result.data;
}

/**
 * A handler's result as JSON bytes, kept beside the object: answers served from the query cache are
 * the same objects request after request, and serialising and encoding them again was a fifth of the
 * API's time under load. Handlers never change an answer once returned (cached ones are shared), so
 * the bytes stay true for as long as the object lives.
 */
const serialized = new WeakMap<object, Buffer>();

function serialize(result: unknown): Buffer {
  if (typeof result !== "object" || result === null) return Buffer.from(JSON.stringify(result));
  let bytes = serialized.get(result);
  if (bytes === undefined) serialized.set(result, (bytes = Buffer.from(JSON.stringify(result))));
  return bytes;
}

export class ApiRouter {
  readonly routes: RouteDefinition[] = [];

  add<Q, P, B>(route: RouteDefinition<Q, P, B>): this {
    this.routes.push(route as RouteDefinition);
    return this;
  }

  mount(app: Express): void {
    const byPath = new Map<string, RouteDefinition[]>();
    for (const route of this.routes) {
      const list = byPath.get(route.path) ?? [];
      list.push(route);
      byPath.set(route.path, list);
      const run = async (req: Request, res: Response, next: NextFunction) => {
        try {
          const params = parsePart(route.params, req.params, "path");
          const query = parsePart(route.query, req.query, "query");
          if (route.body && req.headers["content-type"] !== undefined && !req.is(["application/json", "application/*+json"])) {
            throw new UnsupportedMediaTypeError("send the body as application/json");
          }
          const body = route.body ? parsePart(route.body, req.body, "body") : undefined;
          res.locals.route = route.path;
          const result = await route.handler({ query, params, body, req, res });
          if (result !== undefined && !res.headersSent) res.type("application/json").send(serialize(result));
        } catch (error) {
          next(error);
        }
      };
      app[route.method](toExpressPath(route.path), ...(route.before ?? []), run);
    }
    for (const [path, list] of byPath) {
      const allowed = [...new Set(list.flatMap((r) => (r.method === "get" ? ["GET", "HEAD"] : [r.method.toUpperCase()])))];
      app.all(toExpressPath(path), (req, _res, next) => next(new MethodNotAllowedError(req.method, allowed)));
    }
  }

  openapi(info: { title: string; version: string; description?: string }): object {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of this.routes) {
      const parameters: object[] = [];
      for (const [where, schema] of [
        ["path", route.params],
        ["query", route.query],
      ] as const) {
        if (!schema) continue;
        const json = toJsonSchema(schema) as { properties?: Record<string, any>; required?: string[] };
        for (const [name, prop] of Object.entries(json.properties ?? {})) {
          parameters.push({
            name,
            in: where,
            required: where === "path" || (json.required ?? []).includes(name),
            description: prop.description,
            schema: prop,
          });
        }
      }
      const responses: Record<string, unknown> = {};
      for (const [status, response] of Object.entries(route.responses ?? { 200: { description: "OK" } })) {
        responses[status] = {
          description: response.description,
          ...(response.schema
            ? { content: { [response.contentType ?? "application/json"]: { schema: toJsonSchema(response.schema, "output") } } }
            : {}),
        };
      }
      responses.default = {
        description: "An error, as RFC 9457 problem details",
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
      const operation: Record<string, unknown> = {
        operationId: `${route.method}${route.path.replace(/[{}]/g, "").replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase()).replace(/[^\w]/g, "")}`,
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        tags: [route.tag],
        parameters,
        responses,
        ...(route.body
          ? { requestBody: { required: true, content: { "application/json": { schema: toJsonSchema(route.body) } } } }
          : {}),
        ...(route.security === "siwe" ? { security: [{ session: [] }] } : {}),
        ...(route.security === "apiKey" ? { security: [{ session: [] }, { apiKey: [] }] } : {}),
      };
      paths[route.path] = { ...(paths[route.path] ?? {}), [route.method]: operation };
    }
    return {
      openapi: "3.1.0",
      info,
      paths,
      components: {
        schemas: {
          Problem: {
            type: "object",
            required: ["type", "title", "status"],
            properties: {
              type: { type: "string" },
              title: { type: "string" },
              status: { type: "integer" },
              detail: { type: "string" },
              instance: { type: "string" },
            },
          },
        },
        securitySchemes: {
          session: { type: "http", scheme: "bearer", description: "Session token from POST /auth/siwe/verify" },
          apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        },
      },
    };
  }
}

function toJsonSchema(schema: ZodType, io: "input" | "output" = "input"): object {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
