/**
 * Serves the built web app: hashed assets cached for ever, /config.json describing this deployment,
 * and index.html for every other path so deep links (/resources/12) load the app.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

export type WebConfig = Record<string, unknown>;

export type StaticServer = {
  server: Server;
  url: string;
  close(): Promise<void>;
};

export type StartStaticServerParameters = {
  root: string;
  host: string;
  port: number;
  /** Read on every request, so it can name services that start after the web server. */
  config: () => WebConfig;
};

export async function startStaticServer({ root, host, port, config }: StartStaticServerParameters): Promise<StaticServer> {
  const rootDir = path.resolve(root);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    if (url.pathname === "/config.json") {
      res.writeHead(200, { "Content-Type": TYPES[".json"], "Cache-Control": "no-store" }).end(JSON.stringify(config()));
      return;
    }
    let file = path.resolve(rootDir, `.${decodeURIComponent(url.pathname)}`);
    // Never outside the build directory.
    if (!file.startsWith(rootDir + path.sep) && file !== rootDir) {
      res.writeHead(400).end();
      return;
    }
    let info = await stat(file).catch(() => undefined);
    const isAsset = url.pathname.startsWith("/assets/");
    if (!info?.isFile()) {
      if (isAsset || path.extname(url.pathname)) {
        res.writeHead(404, { "Content-Type": TYPES[".txt"] }).end("not found\n");
        return;
      }
      file = path.join(rootDir, "index.html");
      info = await stat(file).catch(() => undefined);
      if (!info) {
        res.writeHead(503, { "Content-Type": TYPES[".txt"] }).end("the web app is not built: npm run web:build\n");
        return;
      }
    }
    res.writeHead(200, {
      "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
      "Content-Length": info.size,
      "Cache-Control": isAsset ? "public, max-age=31536000, immutable" : "no-cache",
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
