/** Sign-In with Ethereum: nonce, verify (opens a session), sign out. */
import { z } from "zod/v4";
import { bearerToken, requireSession, sessionOf } from "../auth/session.js";
import { endSession, issueNonce, verifySiwe } from "../auth/siwe.js";
import type { ApiDeps } from "../deps.js";
import type { ApiRouter } from "../router.js";

const verifyBody = z
  .object({
    message: z.string().min(1).max(4096).meta({ description: "The EIP-4361 message the wallet signed" }),
    signature: z
      .string()
      .regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte hex signature")
      .transform((s) => s as `0x${string}`),
  })
  .strict();

export function authRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.add({
    method: "get",
    path: "/auth/siwe/nonce",
    tag: "auth",
    summary: "A one-use nonce for a SIWE message (expires after the configured TTL)",
    responses: {
      200: {
        description: "nonce",
        schema: z.object({ nonce: z.string(), expiresAt: z.string(), domain: z.string(), uri: z.string(), chainIds: z.array(z.number()) }),
      },
    },
    handler: async () => ({
      ...(await issueNonce(deps)),
      domain: deps.config.siwe.domain,
      uri: deps.config.siwe.uri,
      chainIds: deps.config.chains.map((c) => c.chainId),
    }),
  });

  router.add({
    method: "post",
    path: "/auth/siwe/verify",
    tag: "auth",
    summary: "Verify a signed SIWE message and open a session",
    description:
      "The message must name this API's domain and URI, a served chain id, an unused unexpired nonce from /auth/siwe/nonce, " +
      "and (if present) an expiration time in the future. Any failure is a 401.",
    body: verifyBody,
    responses: {
      200: {
        description: "session",
        schema: z.object({ token: z.string(), address: z.string(), chainId: z.number(), expiresAt: z.string() }),
      },
      401: { description: "refused" },
    },
    handler: ({ body }) => verifySiwe(deps, body.message, body.signature),
  });

  router.add({
    method: "get",
    path: "/auth/session",
    tag: "auth",
    summary: "Who the session token belongs to",
    security: "siwe",
    before: [requireSession(deps)],
    handler: ({ res }) => {
      const { address, chainId } = sessionOf(res);
      return { address, chainId };
    },
  });

  router.add({
    method: "post",
    path: "/auth/logout",
    tag: "auth",
    summary: "End the session",
    security: "siwe",
    before: [requireSession(deps)],
    handler: async ({ req, res }) => {
      await endSession(deps, bearerToken(req) as string);
      res.status(204).end();
      return undefined;
    },
  });
}
