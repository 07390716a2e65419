// One jest run over every workspace, so the summary line counts the whole tree.
const fs = require('node:fs');
const path = require('node:path');

const projects = ['packages', 'examples', 'bench', 'hostile', 'test-kit'].flatMap((dir) => {
  const root = path.join(__dirname, dir);
  if (!fs.existsSync(root)) return [];
  const candidates = fs.existsSync(path.join(root, 'jest.config.js'))
    ? [root]
    : fs.readdirSync(root).map((d) => path.join(root, d));
  return candidates.filter((d) => fs.existsSync(path.join(d, 'jest.config.js')));
});

// testTimeout is a global setting: in a project config jest ignores it.
module.exports = { projects, testTimeout: 30000 };
