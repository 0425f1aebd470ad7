'use strict';
// Every entry (http.js, cluster.js, express.js) against the whole contract,
// as a child process on port 0, with a tiny in-test delay service behind
// /upstream. Check values come from workloads/CONTRACT.md.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const net = require('node:net');
const os = require('node:os');
const { describe, it, before, after } = require('node:test');
const contract = require('../contract');

// --- helpers: start an entry on port 0, wait for its READY line, talk HTTP ---

const ROOT = path.resolve(__dirname, '..');
const READY_TIMEOUT_MS = 20000;

// Start `node <entry> --addr 127.0.0.1:0` in its own process group and resolve
// once it prints READY: {child, line, fields, url, stop()}. stop() sends
// SIGTERM to that group only and resolves with the exit code.
function startEntry(entry, env = {}) {
  const child = spawn(process.execPath, [path.join(ROOT, entry), '--addr', '127.0.0.1:0'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a cluster's workers go with it
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch { /* already gone */ }
    }
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    }, 10000);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${entry}: no READY line within ${READY_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, READY_TIMEOUT_MS);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const line = out.slice(0, nl);
      if (!line.startsWith('READY ')) {
        stop();
        reject(new Error(`${entry}: first line is not READY: ${line}`));
        return;
      }
      const fields = Object.fromEntries(line.split(' ').slice(1).map((kv) => kv.split('=')));
      resolve({ child, line, fields, url: fields.address, stop, stderr: () => stderr });
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code ?? signal}) before READY; stderr: ${stderr}`));
    });
  });
}

// One request on a fresh connection: {status, headers, body (Buffer)}.
function request(base, method, target, body = null, headers = {}) {
  const url = new URL(target, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30000, () => req.destroy(new Error(`${method} ${target}: timeout`)));
    req.on('error', reject);
    req.end(body);
  });
}

// A tiny delay service: GET /delay?ms=M -> {"ms":M} after M ms.
function startDelayServer() {
  const server = http.createServer((req, res) => {
    const m = /^\/delay\?ms=([0-9]{1,9})$/.exec(req.url);
    if (!m) {
      res.writeHead(400, { 'Content-Type': 'text/plain', 'Content-Length': 3 }).end('bad');
      return;
    }
    const body = Buffer.from(`{"ms":${Number(m[1])}}`);
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length }).end(body);
    }, Number(m[1]));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, address: `127.0.0.1:${server.address().port}` }));
  });
}

// --- the checks ---------------------------------------------------------------

const KERNEL_CHECK = [[0, 0], [1, 12345], [2, 3554416254], [1000, 1268113592], [1000000, 2762986176]];
const TEXT = 'text/plain';
const JSON_TYPE = 'application/json';
const OCTET = 'application/octet-stream';
const ECHO = Buffer.alloc(1024, 0).map((_, i) => i % 256);
const bad = (name) => `bad parameter: ${name}`;

// [method, target, status, Content-Type, body, request body]
const EXCHANGES = [
  ['GET', '/hello', 200, TEXT, 'Hello, World!'],
  ['GET', '/json', 200, JSON_TYPE, '{"message":"Hello, World!"}'],
  ['GET', '/io?ms=5', 200, JSON_TYPE, '{"ms":5}'],
  ['GET', '/io?ms=0', 200, JSON_TYPE, '{"ms":0}'],
  ['GET', '/io?x=1&ms=0&ms=abc', 200, JSON_TYPE, '{"ms":0}'],
  ...KERNEL_CHECK.map(([n, r]) => ['GET', `/cpu?n=${n}`, 200, JSON_TYPE, `{"n":${n},"result":${r}}`]),
  ['GET', '/mixed?ms=5&n=1000', 200, JSON_TYPE, '{"ms":5,"n":1000,"result":1268113592}'],
  ['GET', '/mixed?n=2&ms=0', 200, JSON_TYPE, '{"ms":0,"n":2,"result":3554416254}'],
  ['GET', '/upstream?ms=5', 200, JSON_TYPE, '{"ms":5}'],
  ['POST', '/echo', 200, OCTET, ECHO, ECHO],
  ['POST', '/echo', 200, OCTET, '', ''],
  ['POST', '/echo', 200, OCTET, Buffer.alloc(1 << 20, 7), Buffer.alloc(1 << 20, 7)],
  ['POST', '/echo', 413, TEXT, 'Payload Too Large', Buffer.alloc((1 << 20) + 1)],
  ['GET', '/io?ms=abc', 400, TEXT, bad('ms')],
  ['GET', '/io', 400, TEXT, bad('ms')],
  ['GET', '/io?ms=', 400, TEXT, bad('ms')],
  ['GET', '/io?ms=-1', 400, TEXT, bad('ms')],
  ['GET', '/io?ms=%2B1', 400, TEXT, bad('ms')],
  ['GET', '/io?ms=60001', 400, TEXT, bad('ms')],
  ['GET', '/io?ms=0000000001', 400, TEXT, bad('ms')],
  ['GET', '/cpu?n=1e3', 400, TEXT, bad('n')],
  ['GET', '/cpu?n=100000001', 400, TEXT, bad('n')],
  ['GET', '/mixed?ms=1', 400, TEXT, bad('n')],
  ['GET', '/mixed?n=x&ms=y', 400, TEXT, bad('ms')],
  ['GET', '/upstream?ms=x', 400, TEXT, bad('ms')],
  ['GET', '/nope', 404, TEXT, 'Not Found'],
  ['GET', '/', 404, TEXT, 'Not Found'],
  ['GET', '/hello/', 404, TEXT, 'Not Found'],
  ['GET', '/HELLO', 404, TEXT, 'Not Found'],
  ['POST', '/hello', 404, TEXT, 'Not Found'],
  ['GET', '/echo', 404, TEXT, 'Not Found'],
  ['PUT', '/echo', 404, TEXT, 'Not Found', 'x'],
];

function checkExchange(got, [method, target, status, type, body]) {
  const where = `${method} ${target}`;
  const want = Buffer.isBuffer(body) ? body : Buffer.from(body);
  assert.equal(got.status, status, where);
  assert.equal(got.headers['content-type'], type, where);
  assert.equal(got.headers['content-length'], String(want.length), where);
  assert.ok(got.body.equals(want), `${where}: body ${got.body.subarray(0, 80)}`);
}

describe('contract module', () => {
  it('kernel matches the check values', () => {
    for (const [n, r] of KERNEL_CHECK) assert.equal(contract.kernel(n), r, `kernel(${n})`);
  });
  it('parses parameters like the contract', () => {
    assert.equal(contract.intParam('ms=5', 'ms', 60000), 5);
    assert.equal(contract.intParam('ms=%35', 'ms', 60000), 5);
    assert.equal(contract.intParam('ms=000000007', 'ms', 60000), 7);
    assert.equal(contract.intParam('ms&ms=5', 'ms', 60000), -1);
    assert.equal(contract.intParam('ms=%zz', 'ms', 60000), -1);
    assert.equal(contract.intParam('ms=+1', 'ms', 60000), -1);
    assert.equal(contract.intParam('ms=١', 'ms', 60000), -1);
    assert.equal(contract.intParam('mss=1', 'ms', 60000), -1);
  });
});

for (const [entry, model, env, workers] of [
  ['http.js', 'event-loop', {}, 1],
  ['cluster.js', 'cluster', { ARENA_WORKERS: '2' }, 2],
  ['express.js', 'express', {}, 1],
]) {
  describe(entry, () => {
    let delay;
    let server;
    before(async () => {
      delay = await startDelayServer();
      server = await startEntry(entry, { ...env, ARENA_UPSTREAM: delay.address });
    });
    after(async () => {
      if (server) await server.stop();
      if (delay) delay.server.close();
    });

    it('prints the READY line', () => {
      assert.match(server.line, new RegExp(
        `^READY runtime=node model=${model} pid=${server.child.pid} ` +
        `address=http://127\\.0\\.0\\.1:[1-9][0-9]* workers=${workers} ` +
        `availableParallelism=${os.availableParallelism()}$`));
    });

    it('serves every contract endpoint byte for byte', async () => {
      for (const e of EXCHANGES) {
        const [method, target, , , , reqBody] = e;
        checkExchange(await request(server.url, method, target, reqBody ?? null), e);
      }
    });

    it('waits for /io without blocking other requests', async () => {
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 50 }, () => request(server.url, 'GET', '/io?ms=200')));
      const elapsed = Date.now() - started;
      for (const r of results) assert.equal(r.body.toString(), '{"ms":200}');
      assert.ok(elapsed >= 200 && elapsed < 3000, `50 concurrent 200 ms waits took ${elapsed} ms`);
    });

    it('answers HEAD like GET without a body', async () => {
      const r = await request(server.url, 'HEAD', '/hello');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-length'], '13');
      assert.equal(r.body.length, 0);
    });

    it('reports itself on /_arena/info', async () => {
      const r = await request(server.url, 'GET', '/_arena/info');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], JSON_TYPE);
      assert.deepEqual(JSON.parse(r.body), {
        runtime: 'node', pid: server.child.pid, workers, availableParallelism: os.availableParallelism(),
      });
    });

    it('exits 0 on SIGTERM', async () => {
      const result = await server.stop();
      server = null;
      assert.deepEqual(result, { code: 0, signal: null });
    });
  });
}

describe('upstream unreachable', () => {
  let server;
  before(async () => {
    const probe = net.createServer();
    await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address();
    await new Promise((resolve) => probe.close(resolve)); // nothing listens there now
    server = await startEntry('http.js', { ARENA_UPSTREAM: `127.0.0.1:${port}` });
  });
  after(async () => { if (server) await server.stop(); });

  it('answers 502 upstream error', async () => {
    checkExchange(await request(server.url, 'GET', '/upstream?ms=1'),
      ['GET', '/upstream?ms=1', 502, TEXT, 'upstream error']);
  });
});
