// The benchmark's peer: what a Node developer would write for Shoporama's webhooks with equal
// durability to shoporama-app's inbox on SQLite.
//
// POST /callback?type=…&webshop_id=…   checks x-app-token, parses the JSON body and inserts one
//   row (type, webshop_id, body, received_at) into SQLite (WAL, synchronous = FULL: the row is
//   on disk before the 200), then answers {"status":"queued"}.
// A worker loop in the same process takes up to PEER_WORKER_BATCH (64) undone rows in arrival
//   order, handles each (parses the body, counts the order), marks the batch done in one
//   commit, and yields to the HTTP side before the next batch.
// GET /healthz answers {"status":"ok"} once the database is open.
//
//   node server.js [--port 3100] [--db peer.db]      (or PORT, DB_PATH; SHOPORAMA_APP_TOKEN required)
'use strict';

const crypto = require('node:crypto');
const express = require('express');
const Database = require('better-sqlite3');

function arg(name, env, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[env] || fallback;
}

const port = Number(arg('port', 'PORT', '3100'));
const dbPath = arg('db', 'DB_PATH', 'express-peer.db');
const token = process.env.SHOPORAMA_APP_TOKEN;
if (!token) {
  console.error('SHOPORAMA_APP_TOKEN is not set');
  process.exit(2);
}
const tokenBytes = Buffer.from(token);
// How many rows the worker handles before it yields to the HTTP side.
const BATCH = Number(process.env.PEER_WORKER_BATCH || 64);

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.exec(`CREATE TABLE IF NOT EXISTS webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  webshop_id INTEGER NOT NULL,
  body TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  done_at INTEGER
);
CREATE INDEX IF NOT EXISTS webhooks_undone ON webhooks (id) WHERE done_at IS NULL;`);

const insert = db.prepare(
  'INSERT INTO webhooks (type, webshop_id, body, received_at) VALUES (?, ?, ?, ?)',
);
const nextUndone = db.prepare(
  'SELECT id, type, webshop_id, body FROM webhooks WHERE done_at IS NULL ORDER BY id LIMIT ?',
);
const markDone = db.prepare('UPDATE webhooks SET done_at = ? WHERE id = ?');
// One commit for the batch: durable before the next batch is taken (a crash re-runs at most
// one batch, the same at-least-once promise as the inbox). PEER_WORKER_BATCH=1 commits per row.
const markBatchDone = db.transaction((rows, now) => {
  for (const row of rows) markDone.run(now, row.id);
});

let handled = 0;
let workerScheduled = false;

function handle(row) {
  // The "app": read the order from the body, as the pixel's handler does.
  const order = JSON.parse(row.body);
  if (order && order.order_id !== undefined) handled += 1;
}

function work() {
  workerScheduled = false;
  const rows = nextUndone.all(BATCH);
  if (rows.length === 0) return;
  for (const row of rows) {
    try {
      handle(row);
    } catch (error) {
      console.error(`webhook ${row.id} failed: ${error}`);
    }
  }
  markBatchDone(rows, Date.now());
  if (rows.length === BATCH) wake();
}

function wake() {
  if (!workerScheduled) {
    workerScheduled = true;
    setImmediate(work);
  }
}

// Rows left by an earlier run, and a periodic look in case a wake-up was missed.
setInterval(wake, 500).unref();
wake();

function tokenOk(header) {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  return given.length === tokenBytes.length && crypto.timingSafeEqual(given, tokenBytes);
}

const app = express();
app.disable('x-powered-by');
app.disable('etag');

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

app.post(
  '/callback',
  (req, res, next) => {
    // The token before the body is read.
    if (!tokenOk(req.get('x-app-token'))) {
      res.status(401).json({ error: 'invalid x-app-token header' });
      return;
    }
    next();
  },
  express.text({ type: () => true, limit: '1mb' }),
  (req, res) => {
    const type = req.query.type;
    const webshopId = Number(req.query.webshop_id);
    if (typeof type !== 'string' || type === '' || !Number.isSafeInteger(webshopId)) {
      res.status(400).json({ error: 'expected ?type=…&webshop_id=…' });
      return;
    }
    const body = typeof req.body === 'string' ? req.body : '';
    try {
      JSON.parse(body);
    } catch (error) {
      res.status(400).json({ error: `the body is not JSON: ${error.message}` });
      return;
    }
    try {
      insert.run(type, webshopId, body, Date.now());
    } catch (error) {
      console.error(`recording a ${type} webhook failed: ${error}`);
      res.status(503).json({ error: 'the database failed' });
      return;
    }
    wake();
    res.json({ status: 'queued' });
  },
);

const server = app.listen(port, '127.0.0.1', () => {
  const sync = db.pragma('synchronous', { simple: true });
  const mode = db.pragma('journal_mode', { simple: true });
  console.error(
    `express peer on 127.0.0.1:${port}, database ${dbPath} (journal_mode ${mode}, synchronous ${sync}, worker batch ${BATCH})`,
  );
});
server.keepAliveTimeout = 75_000;

function shutdown() {
  server.close(() => {
    // Finish what was recorded, then close the database.
    while (nextUndone.all(1).length > 0) work();
    db.close();
    console.error(`express peer stopped: ${handled} webhooks handled`);
    process.exit(0);
  });
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
