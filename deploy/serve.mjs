// Serves cloudflare-worker.js in workerd (Cloudflare's runtime, through
// miniflare) on 127.0.0.1, for real HTTP clients (e2e/clients.sh):
//
//   node serve.mjs ORIGIN [PORT]   prints the Worker's URL, runs until SIGTERM
//
// MAX_SUBREQUESTS, SLICES_AHEAD and CACHE_MAX_BYTES, when set in the
// environment, are passed to the Worker as its variables.
import { Miniflare } from "miniflare";

process.chdir(new URL(".", import.meta.url).pathname); // scriptPath is relative to it

const [origin, port = "0"] = process.argv.slice(2);
if (!origin) {
  console.error("usage: node serve.mjs ORIGIN [PORT]");
  process.exit(2);
}
const bindings = { ORIGIN: origin };
for (const name of ["MAX_SUBREQUESTS", "SLICES_AHEAD", "CACHE_MAX_BYTES"]) {
  if (process.env[name]) bindings[name] = process.env[name];
}
const mf = new Miniflare({
  modules: true,
  scriptPath: "cloudflare-worker.js", // relative: workerd refuses paths outside its directory
  compatibilityDate: "2025-01-01",
  bindings,
  host: "127.0.0.1",
  port: Number(port),
});
console.log(String(await mf.ready).replace(/\/$/, ""));
const stop = async () => { await mf.dispose(); process.exit(0); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
