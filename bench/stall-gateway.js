// The example gateway (`npm start`) in a process of its own for stall.js: prints its URL once listening.
const { startGateway } = require('../examples/gateway/gateway.js');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

startGateway({
  env: {
    PORT: '0',
    HOST: '127.0.0.1',
    MOCK_LATENCY_MS: '0',
    MOCK_ERROR_RATE: '0',
    GATECACHE_ADMIN_TOKEN: 'stall-bench',
    GATECACHE_DISK_PATH: join(mkdtempSync(join(tmpdir(), 'gatecache-stall-')), 'disk'),
  },
  log: () => {},
}).then((gw) => console.log(gw.url));
