// One seed for every fast-check property, so a CI run is reproducible: FUZZ_SEED=<n> picks another,
// FUZZ_SEED=random a new one per run (fast-check prints it with any counterexample).
const fc = require('fast-check');

const given = process.env.FUZZ_SEED ?? '20261203';
if (given !== 'random') {
  const seed = Number(given);
  if (!Number.isSafeInteger(seed))
    throw new TypeError(`FUZZ_SEED must be an integer or 'random' (got ${given})`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
