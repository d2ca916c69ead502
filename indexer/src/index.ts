// Public entry points of the indexer core (wiring only; see README.md beside src/).
export { createIndexer, type CreateIndexerParameters, type Indexer } from "./indexer.js";
export { verifyMirror, type VerifyMirrorParameters, type VerifyReport } from "./verify.js";
export { loadConfig, chainDefaults, defaultSyncSettings, syncSettingsFromEnv, type ChainConfig, type IndexerConfig, type SyncSettings } from "./config/config.js";
export { openDatabase, dropSchema, DEFAULT_PGLITE_DIR, type OpenDatabaseParameters } from "./db/open.js";
export { runMigrations, resetSchema, INDEXER_TABLES, MIGRATIONS_DIR } from "./db/migrate.js";
export { diffMirrors, formatDiff, type MirrorDiff, type TableDiff } from "./db/diff.js";
export { DEFAULT_NOTIFY_CHANNEL, type CommitNotification } from "./db/commit.js";
export type { Db, Queryable, QueryResult, Row } from "./db/types.js";
export { createChainRpc, type ChainRpc, type BlockHeader } from "./sync/rpc.js";
export type { SyncEvent, ChainSyncHooks } from "./sync/chain-sync.js";
export { createChainMetrics, headLag, type ChainMetrics, type IndexerMetrics } from "./metrics/metrics.js";
export { parseMetadata, type ParsedMetadata } from "./handlers/metadata.js";
export { decodeLog, marketplaceEventNames, type DecodedEvent, type RawLog } from "./handlers/decode.js";
export * from "./errors.js";
