import type { ApiDeps } from "../deps.js";

export async function refreshIndexerGauges(_deps: ApiDeps): Promise<void> {}
