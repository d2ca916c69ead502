/**
 * Where a process spent its CPU, from a V8 `.cpuprofile` (node --cpu-prof): self time grouped by
 * component (the indexer's own files, viem, PGlite's WebAssembly Postgres, node-postgres, Node's
 * internals, GC, idle) and the hottest functions.
 */
type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame };
export type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

function component(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("wasm://")) return "PGlite (WebAssembly Postgres)";
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1] === "@electric-sql/pglite" ? "PGlite (JS side)" : packageMatch[1];
  const own = /\/(indexer\/src\/.+?\.ts)/.exec(url);
  if (own) return own[1];
  if (url.startsWith("node:")) return "node internals";
  return url.replace(/^file:\/\//, "");
}

export function summarizeCpuProfile(profile: CpuProfile, top = 15): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  const byComponent = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const c = component(frame);
    byComponent.set(c, (byComponent.get(c) ?? 0) + us);
    const name = `${frame.functionName || "(anonymous)"} ${c}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const fmt = (us: number) => `${(us / 1e6).toFixed(2)} s ${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `  CPU profile of the indexer process (${(total / 1e6).toFixed(1)} s sampled), self time by component:`,
  ];
  for (const [name, us] of [...byComponent].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`    ${fmt(us)}  ${name}`);
  }
  lines.push(`  hottest functions:`);
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`    ${fmt(us)}  ${name}`);
  }
  return lines;
}
