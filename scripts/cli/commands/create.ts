import { readFile } from "node:fs/promises";
import { UsageError } from "../../lib/errors.js";
import { formatTimestamp } from "../../lib/time.js";
import { listOption, parseAmount, parseInteger, parseTime, requiredOption, stringOption } from "../args.js";
import { defineCommand, type CommandInput } from "../command.js";
import { ftns } from "../format.js";
import { eventOf, marketplaceCall, sendCall, txLine } from "../tx.js";

const CATEGORIES = ["gpu", "cpu", "storage", "inference_api", "dataset_processing"];
const MAX_METADATA_BYTES = 4096;

export default defineCommand({
  name: "create",
  summary: "List a resource, with its metadata from a JSON file or from options.",
  positionals: [],
  options: {
    price: { type: "string", value: "FTNS", required: true, description: "price per hour, e.g. 1.5" },
    metadata: { type: "string", value: "FILE", description: "metadata JSON file (title, description, category, resource_type, location, specifications)" },
    title: { type: "string", value: "TEXT", description: "title, when not using --metadata" },
    category: { type: "string", value: "NAME", description: `with --title: ${CATEGORIES.join(", ")}` },
    description: { type: "string", value: "TEXT", description: "with --title" },
    "resource-type": { type: "string", value: "TEXT", description: "with --title, e.g. virtual_machine" },
    location: { type: "string", value: "TEXT", description: "with --title, e.g. \"Frankfurt, DE\"" },
    spec: { type: "string", multiple: true, value: "KEY=VALUE", description: "with --title, repeatable: --spec memory_gb=80 --spec gpu_model=A100" },
    capacity: { type: "string", value: "N", description: "concurrent rentals (default 1)" },
    from: { type: "string", value: "TIME", description: "available from (ISO date or unix seconds; default now)" },
    until: { type: "string", value: "TIME", description: "available until (default open-ended)" },
    hours: { type: "string", value: "N", description: "available for the next N hours (instead of --until)" },
  },
  async run(input, ctx) {
    const price = parseAmount(requiredOption(input, "price"), "--price");
    if (price === 0n) throw new UsageError("--price must be above zero");
    const capacityText = stringOption(input, "capacity");
    const capacity = capacityText === undefined ? 1 : parseInteger(capacityText, "--capacity", 1, 65_535);
    const metadata = await metadataFrom(input);
    const bytes = Buffer.byteLength(metadata);
    if (bytes > MAX_METADATA_BYTES) throw new UsageError(`the metadata is ${bytes} bytes; the contract takes at most ${MAX_METADATA_BYTES}`);

    const connection = await ctx.connection();
    const { timestamp: now } = await connection.client.getBlock({ blockTag: "latest" });
    const { availableFrom, availableUntil } = window(input, Number(now));

    const sent = await sendCall(
      ctx,
      marketplaceCall(connection.deployment.marketplace, "createListing", [
        { token: connection.deployment.token, pricePerHour: price, availableFrom, availableUntil, capacity, metadata },
      ]),
    );
    const created = eventOf(sent, "ListingCreated");
    const title = (JSON.parse(metadata) as { title?: string }).title ?? "(no title)";
    ctx.out(`listing ${created.args.listingId} created: ${title}`);
    ctx.out(`  ${ftns(price)} per hour, capacity ${capacity}, ${availableUntil ? `available until ${formatTimestamp(availableUntil)}` : "open-ended"}`);
    ctx.out(txLine(sent));
  },
});

/** The metadata JSON, compact, from --metadata FILE or from --title and friends. */
async function metadataFrom(input: CommandInput): Promise<string> {
  const file = stringOption(input, "metadata");
  const title = stringOption(input, "title");
  if (file !== undefined && title !== undefined) throw new UsageError("use either --metadata FILE or --title, not both");
  if (file !== undefined) {
    const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read --metadata ${file}: ${error.code ?? error.message}`);
    });
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--metadata ${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (!value || typeof value !== "object" || Array.isArray(value) || typeof (value as { title?: unknown }).title !== "string") {
      throw new UsageError(`--metadata ${file} must be a JSON object with at least a "title"`);
    }
    return JSON.stringify(value);
  }
  if (title === undefined) throw new UsageError("give the metadata: --metadata FILE, or --title TEXT --category NAME");
  const category = stringOption(input, "category");
  if (category === undefined || !CATEGORIES.includes(category)) {
    throw new UsageError(`--category must be one of ${CATEGORIES.join(", ")}${category === undefined ? "" : `, got "${category}"`}`);
  }
  return JSON.stringify({
    title,
    description: stringOption(input, "description") ?? "",
    category,
    resource_type: stringOption(input, "resource-type") ?? "",
    location: stringOption(input, "location") ?? "",
    specifications: Object.fromEntries(listOption(input, "spec").map(parseSpec)),
  });
}

/** "memory_gb=80" → ["memory_gb", 80]; numbers become JSON numbers so filters like memory_gb>=16 work. */
function parseSpec(text: string): [string, string | number] {
  const match = /^([A-Za-z_][\w.-]*)=(.*)$/.exec(text);
  if (!match) throw new UsageError(`--spec must look like key=value, got "${text}"`);
  const [, key, value] = match;
  return [key, /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value];
}

function window(input: CommandInput, now: number): { availableFrom: number; availableUntil: number } {
  const fromText = stringOption(input, "from");
  const untilText = stringOption(input, "until");
  const hoursText = stringOption(input, "hours");
  if (untilText !== undefined && hoursText !== undefined) throw new UsageError("use either --until or --hours, not both");
  const availableFrom = fromText === undefined ? 0 : parseTime(fromText, "--from");
  let availableUntil = 0;
  if (untilText !== undefined) availableUntil = parseTime(untilText, "--until");
  if (hoursText !== undefined) availableUntil = Math.max(availableFrom, now) + parseInteger(hoursText, "--hours", 1, 24 * 365 * 10) * 3600;
  return { availableFrom, availableUntil };
}
