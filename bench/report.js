// Writes a benchmark's figures into docs/benchmarks.md, between markers of its own, with the command, the
// machine, the Node version and the date of the run, so that the document only ever holds figures of one run
// per section and a reader can reproduce each.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DOC = path.join(__dirname, '..', 'docs', 'benchmarks.md');
const HEAD = `# Benchmarks

Written by the bench scripts: each section holds the figures of its last full run, with the command that
reproduces it. Every figure that compares is a ratio against a baseline measured in the same run, since
absolute figures on a small shared machine move by 10-20% between runs.
`;

function machine() {
  const cpus = os.cpus();
  const model = cpus[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${cpus.length} x ${model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`;
}

/**
 * Replaces (or appends) section `id` of docs/benchmarks.md. `title` heads it, `command` reproduces it, `nodes`
 * lists the Node versions that ran (default this process's), `body` is the Markdown of the figures.
 */
function writeSection(id, { title, command, body, nodes = [process.version] }) {
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const section = [
    start,
    `## ${title}`,
    '',
    `Command: \`${command}\`  `,
    `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${nodes.join(', ')}, ${machine()}.`,
    '',
    body.trim(),
    end,
  ].join('\n');
  let doc = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : HEAD;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  doc =
    from >= 0 && to > from
      ? doc.slice(0, from) + section + doc.slice(to + end.length)
      : `${doc.trimEnd()}\n\n${section}\n`;
  fs.mkdirSync(path.dirname(DOC), { recursive: true });
  fs.writeFileSync(DOC, doc);
  console.error(`wrote section "${id}" of ${path.relative(process.cwd(), DOC)}`);
}

module.exports = { writeSection };
