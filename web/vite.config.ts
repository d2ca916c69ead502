/**
 * The web app's build. The app reads its chain, contract addresses and API URL at run time from
 * /config.json (written by the local stack), so one build serves any deployment.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const webRoot = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(webRoot, "..");

export default defineConfig({
  root: webRoot,
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    // generated/ (ABIs, deployments) lives beside web/, outside Vite's root.
    fs: { allow: [repoRoot] },
  },
  preview: { host: "127.0.0.1", port: 5173 },
  build: {
    outDir: path.join(webRoot, "dist"),
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    target: "es2022",
    chunkSizeWarningLimit: 600,
  },
});
