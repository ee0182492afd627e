// Preloaded with `node --import ./bench/startup-trace.mjs …` by bench/startup.ts: notes, in ms
// since the process started, when each module finished loading (a loader hook on its own
// thread posts them back), when the first child process (git) was started, the first TCP
// connection (SSH) opened, and the process exited; the notes go to $DROVER_STARTUP_TRACE as
// JSON when the process exits.
import childProcess from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { register, syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { MessageChannel } from 'node:worker_threads';

const origin = performance.timeOrigin;
const since = () => Date.now() - origin;
const notes = { modules: [], spawns: [], firstConnect: null };
const { port1, port2 } = new MessageChannel();
port1.on('message', (note) => notes.modules.push({ url: note.url, at: note.at - origin }));
port1.unref();
register(
  `data:text/javascript,${encodeURIComponent(`
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) {
  const loaded = await next(url, context);
  port.postMessage({ url, at: Date.now() });
  return loaded;
}`)}`,
  import.meta.url,
  { data: { port: port2 }, transferList: [port2] },
);
// CommonJS modules required from ESM through require() are not seen by the load hook.
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  notes.firstConnect ??= since();
  return connect.apply(this, args);
};
for (const name of ['spawn', 'execFile']) {
  const original = childProcess[name];
  childProcess[name] = function (file, ...rest) {
    notes.spawns.push({
      file: String(file),
      args: Array.isArray(rest[0]) ? rest[0].slice(0, 3) : [],
      at: since(),
    });
    return original.call(this, file, ...rest);
  };
}
// `import { execFile } from 'node:child_process'` sees the wrapper only after this.
syncBuiltinESMExports();
process.on('exit', () => {
  notes.exit = since();
  if (process.env.DROVER_STARTUP_TRACE)
    writeFileSync(process.env.DROVER_STARTUP_TRACE, JSON.stringify(notes));
});
