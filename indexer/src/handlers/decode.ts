/**
 * Turns raw logs into named events with typed arguments, driven by the compiled ABI. A decoder per
 * event is built once, so a log costs a map lookup and a few string slices instead of viem's
 * per-log selector search (which hashes every ABI item for every log and dominates a backfill).
 * Value conventions follow viem: integers of at most 48 bits are numbers, wider ones bigints;
 * addresses are lowercase here (cheap, and what the database stores).
 */
import { decodeEventLog, toEventSelector, type AbiEvent } from "viem";

import { marketplaceAbi } from "../../../generated/abis.js";

export type ArgValue = bigint | number | string | boolean;
export type EventArgs = Record<string, ArgValue>;

/** A log as the JSON-RPC node returns it, after range filtering. */
export type RawLog = {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  transactionIndex: number;
  logIndex: number;
  /** Present on nodes that include it in eth_getLogs (saves a header fetch). */
  blockTimestamp?: number;
  /** Set by a node for a log of a block it dropped (subscriptions); such logs are ignored. */
  removed?: boolean;
};

export type DecodedEvent = {
  /** The ABI event name, or `Unknown` when no decoder matched (the raw topics and data are kept in args). */
  name: string;
  args: EventArgs;
  /**
   * The bytes of each string argument, for hashing exactly what was emitted (the text may not be
   * UTF-8). Bytes, not a slice of the log's hex: a slice keeps the whole hex string alive, ~9 KB per
   * largest listing, as long as the event.
   */
  rawBytes?: Record<string, Uint8Array>;
  blockNumber: number;
  blockHash: string;
  blockTime: number;
  logIndex: number;
  txHash: string;
  txIndex: number;
};

type Decoded = { args: EventArgs; rawBytes?: Record<string, Uint8Array> };
type Decoder = (topics: string[], data: string) => Decoded;
type Step = (topics: string[], data: string, out: Decoded & { args: EventArgs }) => void;

const WORD = 64;

function readWord(hex: string, index: number): string {
  const start = 2 + index * WORD;
  const word = hex.slice(start, start + WORD);
  if (word.length !== WORD) throw new RangeError(`log data too short for word ${index}`);
  return word;
}

function staticValue(type: string, word: string): ArgValue | undefined {
  if (type === "address") return `0x${word.slice(24)}`.toLowerCase();
  if (type === "bool") return word.charCodeAt(WORD - 1) !== 48; // last hex digit != '0'
  if (type === "bytes32") return `0x${word}`;
  const uint = /^uint(\d+)$/.exec(type);
  if (uint) {
    const bits = Number(uint[1]);
    return bits <= 48 ? Number.parseInt(word.slice(WORD - 12), 16) : BigInt(`0x${word}`);
  }
  return undefined;
}

/** The hex of a dynamic `string`/`bytes` argument whose head word is `offsetWord`. */
function dynamicHex(data: string, offsetWord: string): string {
  const offset = Number.parseInt(offsetWord, 16) * 2 + 2;
  const length = Number.parseInt(data.slice(offset, offset + WORD), 16) * 2;
  const start = offset + WORD;
  if (!Number.isFinite(length) || start + length > data.length) throw new RangeError("string runs past log data");
  return data.slice(start, start + length);
}

/** Builds a decoder for an event whose inputs are all of the kinds above; undefined otherwise. */
function compileDecoder(event: AbiEvent): Decoder | undefined {
  const steps: Step[] = [];
  let topic = 1;
  let word = 0;
  for (const input of event.inputs) {
    const name = input.name;
    if (!name) return undefined;
    if (input.indexed) {
      if (staticValue(input.type, "0".repeat(WORD)) === undefined) return undefined;
      const t = topic++;
      steps.push((topics, _data, out) => {
        const value = topics[t];
        if (value === undefined) throw new RangeError(`missing topic ${t}`);
        out.args[name] = staticValue(input.type, value.slice(2).padStart(WORD, "0")) as ArgValue;
      });
    } else if (input.type === "string") {
      const w = word++;
      steps.push((_topics, data, out) => {
        const bytes = Buffer.from(dynamicHex(data, readWord(data, w)), "hex");
        out.args[name] = bytes.toString("utf8");
        (out.rawBytes ??= {})[name] = bytes;
      });
    } else {
      if (staticValue(input.type, "0".repeat(WORD)) === undefined) return undefined;
      const w = word++;
      steps.push((_topics, data, out) => {
        out.args[name] = staticValue(input.type, readWord(data, w)) as ArgValue;
      });
    }
  }
  const expectedTopics = topic;
  return (topics, data) => {
    if (topics.length !== expectedTopics) throw new RangeError(`expected ${expectedTopics} topics, got ${topics.length}`);
    const out: Decoded = { args: {} };
    for (const step of steps) step(topics, data, out);
    return out;
  };
}

type EventEntry = { name: string; decode: Decoder };

function buildRegistry(): Map<string, EventEntry> {
  const registry = new Map<string, EventEntry>();
  for (const item of marketplaceAbi) {
    if (item.type !== "event") continue;
    const event = item as unknown as AbiEvent;
    const selector = toEventSelector(event);
    // Anything the fast path cannot read falls back to viem's generic decoder.
    const decode: Decoder =
      compileDecoder(event) ??
      ((topics, data) => {
        const decoded = decodeEventLog({
          abi: [event],
          topics: topics as [`0x${string}`, ...`0x${string}`[]],
          data: data as `0x${string}`,
        });
        return { args: normalise(decoded.args as Record<string, unknown>) };
      });
    registry.set(selector, { name: event.name, decode });
  }
  return registry;
}

function normalise(args: Record<string, unknown>): EventArgs {
  const out: EventArgs = {};
  for (const [key, value] of Object.entries(args)) {
    if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) out[key] = value.toLowerCase();
    else if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean" || typeof value === "string")
      out[key] = value;
    else out[key] = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  }
  return out;
}

const registry = buildRegistry();

/** Event names of the marketplace ABI. */
export const marketplaceEventNames: ReadonlySet<string> = new Set([...registry.values()].map((e) => e.name));

/**
 * Decodes one log. Never throws: a log that does not decode (unknown selector, malformed data) comes
 * back as `Unknown` with its topics, data and the reason, so it is stored and visible, not lost.
 */
export function decodeLog(log: RawLog, blockTime: number): DecodedEvent {
  const base = {
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    blockTime,
    logIndex: log.logIndex,
    txHash: log.transactionHash,
    txIndex: log.transactionIndex,
  };
  const entry = log.topics[0] === undefined ? undefined : registry.get(log.topics[0].toLowerCase());
  if (entry) {
    try {
      const { args, rawBytes } = entry.decode(log.topics, log.data);
      return rawBytes ? { ...base, name: entry.name, args, rawBytes } : { ...base, name: entry.name, args };
    } catch (error) {
      return { ...base, name: "Unknown", args: unknownArgs(log, `${entry.name}: ${(error as Error).message}`) };
    }
  }
  return { ...base, name: "Unknown", args: unknownArgs(log, "no event of the marketplace ABI has this selector") };
}

function unknownArgs(log: RawLog, reason: string): EventArgs {
  return { topics: log.topics.join(","), data: log.data, reason };
}
