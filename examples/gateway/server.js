// `npm start`: the gatecache gateway from config.yaml. See README.md for the environment it reads.
const { startGateway } = require('./gateway');

startGateway().then(
  (gateway) => {
    let stopping = false;
    const stop = (signal) => {
      if (stopping) return;
      stopping = true;
      console.log(`gatecache gateway: ${signal}, shutting down`);
      gateway.close().then(
        () => process.exit(0),
        (err) => {
          console.error('gatecache gateway: shutdown failed:', err);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  },
  (err) => {
    console.error(`gatecache gateway: ${err.message}`);
    process.exit(1);
  },
);
