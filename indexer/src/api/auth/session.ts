/** Route guard: a request must carry a SIWE session token (`Authorization: Bearer …`). */
import type { NextFunction, Request, Response } from "express";
import type { ApiDeps } from "../deps.js";
import { UnauthorizedError } from "../errors.js";
import { sessionFromToken } from "./siwe.js";

export type SessionPrincipal = { address: `0x${string}`; chainId: number; token: string };

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header) : null;
  return match?.[1];
}

export function requireSession(deps: ApiDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) return next(new UnauthorizedError("sign in with Ethereum first (Authorization: Bearer <token>)"));
    sessionFromToken(deps, token).then((session) => {
      if (!session) return next(new UnauthorizedError("the session is unknown or has expired"));
      res.locals.session = { ...session, token } satisfies SessionPrincipal;
      next();
    }, next);
  };
}

export const sessionOf = (res: Response) => res.locals.session as SessionPrincipal;
