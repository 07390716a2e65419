// One jest run over every workspace, so the summary line counts the whole tree.
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/examples/*/jest.config.js'],
};
