'use strict';
// The contract as an Express 5 app, on one event loop: Express routing,
// express.raw for the echo body, an error handler for the 413. Express's
// defaults (weak ETags and all) are kept, as people deploy it; only the
// X-Powered-By header is off and routing is made exact (case-sensitive,
// strict about trailing slashes) as the contract's paths are.
//   node servers/node/express.js [--addr host:port]

const http = require('node:http');
const express = require('express');
const contract = require('./contract');

function rawQuery(req) {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

function send(res, r) {
  // res.set() would append '; charset=utf-8'; the contract's Content-Type is
  // exact, so set the header directly. res.send() keeps it for a Buffer body.
  res.setHeader('Content-Type', r.type);
  res.status(r.status).send(r.body);
}

// An Express route for a contract handler (the same functions http.js serves).
function route(handler) {
  return (req, res, next) => {
    const result = handler(rawQuery(req));
    if (result instanceof Promise) result.then((r) => send(res, r), next);
    else send(res, result);
  };
}

function createApp(info) {
  const app = express();
  app.disable('x-powered-by');
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  for (const [path, handler] of contract.GET_ROUTES) app.get(path, route(handler));
  app.get('/_arena/info', (req, res) => send(res, info));
  app.post(
    '/echo',
    express.raw({ type: () => true, limit: contract.MAX_ECHO_BYTES, inflate: false }),
    (req, res) => send(res, contract.echo(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))),
  );
  app.use((req, res) => send(res, contract.NOT_FOUND));
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    if (err.status === 413 || err.type === 'entity.too.large') {
      send(res, contract.TOO_LARGE);
    } else {
      const status = err.status >= 400 && err.status < 500 ? err.status : 500;
      send(res, contract.reply(status, contract.TEXT, status === 500 ? 'Internal Server Error' : 'Bad Request'));
    }
  });
  return app;
}

async function main() {
  const addr = contract.parseAddr(process.argv.slice(2));
  const app = createApp(contract.infoReply(1, process.pid));
  const server = contract.tuneServer(http.createServer(app));
  const address = await contract.listen(server, addr);
  contract.closeOnSignal(server);
  process.stdout.write(contract.readyLine('express', process.pid, contract.addressUrl(address), 1));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`arena node express: ${err.stack || err}`);
    process.exit(1);
  });
}

module.exports = { createApp };
