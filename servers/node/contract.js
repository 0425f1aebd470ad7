'use strict';
// The workload contract (workloads/CONTRACT.md) for Node, shared by http.js,
// cluster.js and express.js: the entries differ only in how they serve.
//
// A handler takes the raw query string and returns a reply {status, type, body}
// (body a Buffer), or a Promise of one for the endpoints that wait.

const http = require('node:http');
const os = require('node:os');

const MAX_MS = 60000;
const MAX_N = 100000000;
const MAX_ECHO_BYTES = 1 << 20;
const DEFAULT_UPSTREAM = '127.0.0.1:9100';

const TEXT = 'text/plain';
const JSON_TYPE = 'application/json';
const OCTET = 'application/octet-stream';

function reply(status, type, body) {
  return { status, type, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1') };
}

const HELLO = reply(200, TEXT, 'Hello, World!');
const JSON_HELLO = reply(200, JSON_TYPE, '{"message":"Hello, World!"}');
const NOT_FOUND = reply(404, TEXT, 'Not Found');
const TOO_LARGE = reply(413, TEXT, 'Payload Too Large');
const UPSTREAM_ERROR = reply(502, TEXT, 'upstream error');
const BAD = { ms: reply(400, TEXT, 'bad parameter: ms'), n: reply(400, TEXT, 'bad parameter: n') };

// The CPU kernel: a 32-bit LCG iterated n times from 0. Math.imul multiplies
// in 32 bits and `>>> 0` keeps x an unsigned 32-bit integer in every step,
// so V8 stays on its integer path (measured: the same speed as an `| 0`
// int32 loop, about 0.9 ms per million iterations on this kind of machine).
function kernel(n) {
  let x = 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  }
  return x;
}

// Python's parse_qsl decoding: '+' is a space, then %XX; an invalid escape
// is kept as it is (and so fails the digit check).
function decodeComponent(s) {
  if (s.indexOf('+') >= 0) s = s.replace(/\+/g, ' ');
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// The first value of `name` in the raw query ('&'-separated; a pair without
// '=' has an empty value), or undefined when absent.
function queryValue(query, name) {
  let start = 0;
  const end = query.length;
  while (start < end) {
    let amp = query.indexOf('&', start);
    if (amp < 0) amp = end;
    if (amp > start) {
      const eq = query.indexOf('=', start);
      const keyEnd = eq >= 0 && eq < amp ? eq : amp;
      if (decodeComponent(query.slice(start, keyEnd)) === name) {
        return keyEnd === amp ? '' : decodeComponent(query.slice(keyEnd + 1, amp));
      }
    }
    start = amp + 1;
  }
  return undefined;
}

const DIGITS = /^[0-9]{1,9}$/;

// The first `name` as an int in 0..maximum, or -1 if missing or malformed:
// 1 to 9 ASCII digits, then range-checked.
function intParam(query, name, maximum) {
  const value = queryValue(query, name);
  if (value === undefined || !DIGITS.test(value)) return -1;
  const n = Number(value);
  return n <= maximum ? n : -1;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- the upstream call -------------------------------------------------------

function splitHostPort(address) {
  const colon = address.lastIndexOf(':');
  if (colon < 0) throw new Error(`address ${JSON.stringify(address)} is not host:port`);
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(address.slice(colon + 1));
  if (!/^[0-9]{1,5}$/.test(address.slice(colon + 1)) || port > 65535) {
    throw new Error(`address ${JSON.stringify(address)} has no valid port`);
  }
  return { host, port };
}

// One keep-alive pool for every call: no socket limit, and room to keep an
// idle connection for each of thousands of concurrent waits.
const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 16384 });
let upstreamTarget = null;

function upstreamGet(path, retry) {
  if (upstreamTarget === null) {
    upstreamTarget = splitHostPort(process.env.ARENA_UPSTREAM || DEFAULT_UPSTREAM);
  }
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: upstreamTarget.host, port: upstreamTarget.port, path, agent: upstreamAgent },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`upstream status ${res.statusCode}`));
          else resolve(Buffer.concat(chunks));
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('upstream response aborted')));
      },
    );
    req.setTimeout(MAX_MS + 10000, () => req.destroy(new Error('upstream timeout')));
    req.on('error', (err) => {
      // A pooled connection the upstream closed while idle: try once more, on a
      // fresh or another pooled connection (Node's documented pattern).
      if (retry && req.reusedSocket && err.code === 'ECONNRESET') {
        upstreamGet(path, false).then(resolve, reject);
      } else {
        reject(err);
      }
    });
  });
}

// --- the endpoints ---------------------------------------------------------

function hello() {
  return HELLO;
}

function json() {
  return JSON_HELLO;
}

function io(query) {
  const ms = intParam(query, 'ms', MAX_MS);
  if (ms < 0) return BAD.ms;
  return sleep(ms).then(() => reply(200, JSON_TYPE, `{"ms":${ms}}`));
}

function cpu(query) {
  const n = intParam(query, 'n', MAX_N);
  if (n < 0) return BAD.n;
  return reply(200, JSON_TYPE, `{"n":${n},"result":${kernel(n)}}`);
}

function mixed(query) {
  const ms = intParam(query, 'ms', MAX_MS);
  if (ms < 0) return BAD.ms;
  const n = intParam(query, 'n', MAX_N);
  if (n < 0) return BAD.n;
  return sleep(ms).then(() => reply(200, JSON_TYPE, `{"ms":${ms},"n":${n},"result":${kernel(n)}}`));
}

function upstream(query) {
  const ms = intParam(query, 'ms', MAX_MS);
  if (ms < 0) return BAD.ms;
  return upstreamGet(`/delay?ms=${ms}`, true).then(
    (body) => reply(200, JSON_TYPE, body),
    () => UPSTREAM_ERROR,
  );
}

function echo(body) {
  if (body.length > MAX_ECHO_BYTES) return TOO_LARGE;
  return reply(200, OCTET, body);
}

// --- introspection (not part of the contract) -------------------------------

// What the running server says of its own parallelism, for GET /_arena/info.
// A cluster worker reports its primary's pid and the worker count it started.
function infoReply(workers, pid) {
  return reply(200, JSON_TYPE, JSON.stringify({
    runtime: 'node',
    pid,
    workers,
    availableParallelism: os.availableParallelism(),
  }));
}

// GET (and HEAD) endpoints, by path.
const GET_ROUTES = new Map([
  ['/hello', hello], ['/json', json], ['/io', io], ['/cpu', cpu], ['/mixed', mixed], ['/upstream', upstream],
]);

// --- plain node:http serving (http.js, cluster.js) ------------------------

function send(res, r) {
  if (res.destroyed) return;
  res.writeHead(r.status, { 'Content-Type': r.type, 'Content-Length': r.body.length });
  res.end(r.body);
}

function sendLater(res, result) {
  if (result instanceof Promise) result.then((r) => send(res, r));
  else send(res, result);
}

// Read the body, keeping at most MAX_ECHO_BYTES + 1 bytes; the rest is read
// and dropped, so the client that sends everything before reading gets its 413.
function readBody(req, callback) {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    if (size <= MAX_ECHO_BYTES) chunks.push(chunk);
    size += chunk.length;
  });
  req.on('end', () => callback(size > MAX_ECHO_BYTES ? null : Buffer.concat(chunks, size)));
}

function pathOf(url) {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path.indexOf('%') < 0) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function requestListener(info) {
  return function contractRequest(req, res) {
    const url = req.url;
    const q = url.indexOf('?');
    const path = pathOf(url);
    const query = q < 0 ? '' : url.slice(q + 1);
    const method = req.method;
    if (method === 'POST' && path === '/echo') {
      readBody(req, (body) => send(res, body === null ? TOO_LARGE : echo(body)));
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      const handler = GET_ROUTES.get(path);
      if (handler !== undefined) {
        sendLater(res, handler(query));
        return;
      }
      if (path === '/_arena/info') {
        send(res, info);
        return;
      }
    }
    send(res, NOT_FOUND);
  };
}

// --- shared process plumbing ------------------------------------------------

// `--addr host:port` (or `--addr=host:port`) from argv, default 127.0.0.1:8081.
function parseAddr(argv) {
  let addr = '127.0.0.1:8081';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--addr' && i + 1 < argv.length) addr = argv[++i];
    else if (argv[i].startsWith('--addr=')) addr = argv[i].slice('--addr='.length);
  }
  return splitHostPort(addr);
}

function addressUrl(address) {
  const host = address.family === 'IPv6' || address.family === 6 ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function readyLine(model, pid, url, workers) {
  return `READY runtime=node model=${model} pid=${pid} address=${url} workers=${workers} ` +
    `availableParallelism=${os.availableParallelism()}\n`;
}

// Settings every entry shares: keep idle keep-alive connections as long as
// Go's server does (Node's default of 5 s would close them under a paced load).
function tuneServer(server) {
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;
  return server;
}

function listen(server, { host, port }) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve(server.address());
    });
  });
}

// On SIGTERM or SIGINT: stop accepting, close idle connections, let requests in
// flight finish for up to `graceMs`, then exit 0.
function closeOnSignal(server, graceMs = 5000) {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(0);
    }, graceMs).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = {
  MAX_MS, MAX_N, MAX_ECHO_BYTES, TEXT, JSON_TYPE, OCTET,
  HELLO, JSON_HELLO, NOT_FOUND, TOO_LARGE, BAD,
  kernel, queryValue, intParam, reply, infoReply,
  hello, json, io, cpu, mixed, upstream, echo, GET_ROUTES,
  requestListener, parseAddr, addressUrl, readyLine, tuneServer, listen, closeOnSignal,
};
