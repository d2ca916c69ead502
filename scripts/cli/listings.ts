/**
 * Listing metadata lives in events (ListingCreated, ListingMetadataUpdated); the contract keeps only
 * its hash. These helpers read it back from the logs since the deployment block.
 */
import type { ChainConnection } from "../lib/chain.js";
import { marketplaceAbi } from "../../generated/abis.js";

export type ListingMetadataView = {
  title?: string;
  description?: string;
  category?: string;
  resource_type?: string;
  location?: string;
  specifications?: Record<string, unknown>;
};

/** The current metadata JSON of each listing (or of one), by listing id. */
export async function loadMetadata(connection: ChainConnection, listingId?: bigint): Promise<Map<bigint, string>> {
  const { client, deployment } = connection;
  const range = { address: deployment.marketplace, abi: marketplaceAbi, fromBlock: deployment.startBlock, toBlock: "latest" } as const;
  const args = listingId === undefined ? undefined : { listingId };
  const [created, updated] = await Promise.all([
    client.getContractEvents({ ...range, eventName: "ListingCreated", args }),
    client.getContractEvents({ ...range, eventName: "ListingMetadataUpdated", args }),
  ]);
  const metadata = new Map<bigint, string>();
  for (const event of created) metadata.set(event.args.listingId!, event.args.metadata!);
  // Logs come in chain order, so the latest update wins.
  for (const event of updated) metadata.set(event.args.listingId!, event.args.metadata!);
  return metadata;
}

/** Parsed metadata, or an empty view when the JSON is malformed (the chain does not validate it). */
export function parseMetadata(raw: string | undefined): ListingMetadataView {
  if (!raw) return {};
  try {
    const value = JSON.parse(raw);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as ListingMetadataView) : {};
  } catch {
    return {};
  }
}

export async function readListing(connection: ChainConnection, listingId: bigint) {
  return connection.client.readContract({
    address: connection.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "getListing",
    args: [listingId],
  });
}

export async function readRental(connection: ChainConnection, rentalId: bigint) {
  return connection.client.readContract({
    address: connection.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "getRental",
    args: [rentalId],
  });
}
