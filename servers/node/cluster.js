'use strict';
// The contract on node:cluster: a primary forks N workers that share the port
// (ARENA_WORKERS, default os.availableParallelism()); the primary prints READY
// once every worker listens.
//   ARENA_WORKERS=2 node servers/node/cluster.js [--addr host:port]

const cluster = require('node:cluster');
const http = require('node:http');
const os = require('node:os');
const contract = require('./contract');

function workerCount() {
  const raw = process.env.ARENA_WORKERS;
  if (raw === undefined || raw === '') return os.availableParallelism();
  if (!/^[0-9]{1,4}$/.test(raw) || Number(raw) < 1) {
    throw new Error(`ARENA_WORKERS=${JSON.stringify(raw)} is not a positive integer`);
  }
  return Number(raw);
}

function primary() {
  contract.parseAddr(process.argv.slice(2)); // fail early on a bad --addr
  const n = workerCount();
  const env = { ARENA_CLUSTER_WORKERS: String(n), ARENA_CLUSTER_PRIMARY: String(process.pid) };
  const urls = new Map();
  let stopping = false;
  let ready = false;

  const stopAll = (code) => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    const finish = () => process.exit(code);
    if (Object.keys(cluster.workers).length === 0) finish();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers).length === 0) finish();
    });
    setTimeout(finish, 10000).unref();
  };

  cluster.on('listening', (worker, address) => {
    urls.set(worker.id, contract.addressUrl({ ...address, family: address.addressType }));
    if (!ready && urls.size === n) {
      const distinct = new Set(urls.values());
      if (distinct.size !== 1) {
        console.error(`arena node cluster: workers listen on different addresses: ${[...distinct]}`);
        stopAll(1);
        return;
      }
      ready = true;
      process.stdout.write(contract.readyLine('cluster', process.pid, [...distinct][0], n));
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`arena node cluster: worker ${worker.process.pid} exited (code ${code}, signal ${signal})`);
    stopAll(1); // a benchmark must not silently run on fewer workers
  });
  process.on('SIGTERM', () => stopAll(0));
  process.on('SIGINT', () => stopAll(0));

  for (let i = 0; i < n; i++) cluster.fork(env);
}

async function worker() {
  const addr = contract.parseAddr(process.argv.slice(2));
  const workers = Number(process.env.ARENA_CLUSTER_WORKERS);
  const info = contract.infoReply(workers, Number(process.env.ARENA_CLUSTER_PRIMARY));
  const server = contract.tuneServer(http.createServer(contract.requestListener(info)));
  await contract.listen(server, addr); // port 0: the primary picks one port for all workers
  contract.closeOnSignal(server);
}

if (cluster.isPrimary) {
  try {
    primary();
  } catch (err) {
    console.error(`arena node cluster: ${err.message}`);
    process.exit(1);
  }
} else {
  worker().catch((err) => {
    console.error(`arena node cluster worker: ${err.stack || err}`);
    process.exit(1);
  });
}
