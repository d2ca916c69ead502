/**
 * Sign-In with Ethereum (EIP-4361): one-use nonces with a TTL, and a message bound to our domain,
 * our URI, a chain we serve and a validity window. A verified message opens a session whose token
 * is stored hashed, so a database leak does not leak sessions.
 */
import { createHash, randomBytes } from "node:crypto";
import { getAddress, verifyMessage, type Hex } from "viem";
import { generateSiweNonce, parseSiweMessage } from "viem/siwe";
import type { ApiDeps } from "../deps.js";
import { UnauthorizedError } from "../errors.js";

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export type SiweSession = { token: string; address: `0x${string}`; chainId: number; expiresAt: string };

// Tolerate small clock differences between the wallet's machine and ours.
const CLOCK_SKEW_MS = 60_000;

export async function issueNonce(deps: ApiDeps): Promise<{ nonce: string; expiresAt: string }> {
  const nonce = generateSiweNonce();
  const expiresAt = new Date(Date.now() + deps.config.siwe.nonceTtlSeconds * 1000);
  await deps.db.query("INSERT INTO api_siwe_nonces (nonce, expires_at) VALUES ($1, $2)", [nonce, expiresAt.toISOString()]);
  // Keep the table small: expired nonces are useless (cheap, indexed by expiry).
  await deps.db.query("DELETE FROM api_siwe_nonces WHERE expires_at < now() - interval '1 hour'");
  return { nonce, expiresAt: expiresAt.toISOString() };
}

/** Checks a signed SIWE message and opens a session; every refusal is a 401 naming its reason. */
export async function verifySiwe(deps: ApiDeps, message: string, signature: Hex): Promise<SiweSession> {
  const { siwe } = deps.config;
  const fields = parseSiweMessage(message);
  if (!fields.address || !fields.domain || !fields.nonce || !fields.uri || !fields.chainId || fields.version !== "1") {
    throw new UnauthorizedError("not an EIP-4361 message");
  }
  if (fields.domain !== siwe.domain) throw new UnauthorizedError(`the message is for domain ${fields.domain}, not ${siwe.domain}`);
  if (!fields.uri.startsWith(siwe.uri)) throw new UnauthorizedError("the message URI is not this service");
  if (!deps.config.chains.some((c) => c.chainId === fields.chainId)) {
    throw new UnauthorizedError(`chain ${fields.chainId} is not served here`);
  }
  const now = Date.now();
  if (!fields.issuedAt || Number.isNaN(fields.issuedAt.getTime()) || fields.issuedAt.getTime() > now + CLOCK_SKEW_MS) {
    throw new UnauthorizedError("the message has no valid issued-at time");
  }
  if (fields.expirationTime && (Number.isNaN(fields.expirationTime.getTime()) || fields.expirationTime.getTime() <= now)) {
    throw new UnauthorizedError("the message has expired");
  }
  if (fields.notBefore && (Number.isNaN(fields.notBefore.getTime()) || fields.notBefore.getTime() > now + CLOCK_SKEW_MS)) {
    throw new UnauthorizedError("the message is not valid yet");
  }
  const valid = await verifyMessage({ address: fields.address, message, signature }).catch(() => false);
  if (!valid) throw new UnauthorizedError("the signature does not match the message's address");

  // Consumed only now, atomically: a replay of the same message finds the nonce used.
  const consumed = await deps.db.query(
    "UPDATE api_siwe_nonces SET used_at = now() WHERE nonce = $1 AND used_at IS NULL AND expires_at > now() RETURNING nonce",
    [fields.nonce],
  );
  if (consumed.rows.length === 0) throw new UnauthorizedError("the nonce is unknown, expired or already used");

  const token = randomBytes(32).toString("base64url");
  const sessionEnd = now + siwe.sessionTtlSeconds * 1000;
  const expiresAt = new Date(fields.expirationTime ? Math.min(fields.expirationTime.getTime(), sessionEnd) : sessionEnd);
  const address = getAddress(fields.address);
  await deps.db.query(
    "INSERT INTO api_sessions (token_hash, address, chain_id, expires_at) VALUES ($1, $2, $3, $4)",
    [sha256(token), address, fields.chainId, expiresAt.toISOString()],
  );
  return { token, address, chainId: fields.chainId, expiresAt: expiresAt.toISOString() };
}

export async function sessionFromToken(deps: ApiDeps, token: string): Promise<{ address: `0x${string}`; chainId: number } | undefined> {
  const { rows } = await deps.db.query<{ address: string; chain_id: number }>(
    "SELECT address, chain_id FROM api_sessions WHERE token_hash = $1 AND expires_at > now()",
    [sha256(token)],
  );
  const row = rows[0];
  return row ? { address: getAddress(row.address), chainId: Number(row.chain_id) } : undefined;
}

export async function endSession(deps: ApiDeps, token: string): Promise<void> {
  await deps.db.query("DELETE FROM api_sessions WHERE token_hash = $1", [sha256(token)]);
}
