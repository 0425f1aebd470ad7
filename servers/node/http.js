'use strict';
// The contract on node:http: one process, one event loop.
//   node servers/node/http.js [--addr host:port]

const http = require('node:http');
const contract = require('./contract');

async function main() {
  const addr = contract.parseAddr(process.argv.slice(2));
  const info = contract.infoReply(1, process.pid);
  const server = contract.tuneServer(http.createServer(contract.requestListener(info)));
  const address = await contract.listen(server, addr);
  contract.closeOnSignal(server);
  process.stdout.write(contract.readyLine('event-loop', process.pid, contract.addressUrl(address), 1));
}

main().catch((err) => {
  console.error(`arena node http: ${err.stack || err}`);
  process.exit(1);
});
