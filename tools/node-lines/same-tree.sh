#!/usr/bin/env bash
# Checks that `npm ci` on each Node line installs the same tree as on the machine's Node: a clean copy of HEAD
# is installed with that line's node first on PATH (npm runs on it), and `npm ls --all --json` of both trees is
# compared as sorted path@version lines. Usage: same-tree.sh 24 22 (after `npm ci` at the root and in here).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
flatten='let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const out=[];(function walk(n,p){for(const [k,v] of Object.entries(n.dependencies||{})){out.push(p+k+"@"+(v.version||"?"));walk(v,p+k+">");}})(JSON.parse(s),"");console.log(out.sort().join("\n"));});'
npm ls --all --json 2>/dev/null | node -e "$flatten" >"$root/.tree-machine.txt"
status=0
for line in "$@"; do
  bin="$root/tools/node-lines/node_modules/node$line/bin"
  copy=$(mktemp -d)
  git archive HEAD | tar -x -C "$copy"
  if (cd "$copy" && PATH="$bin:$PATH" npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null); then
    (cd "$copy" && PATH="$bin:$PATH" npm ls --all --json 2>/dev/null | PATH="$bin:$PATH" node -e "$flatten") >"$root/.tree-node$line.txt"
    if diff -u "$root/.tree-machine.txt" "$root/.tree-node$line.txt" >"$root/.tree-node$line.diff"; then
      echo "node $("$bin/node" -v): npm ci installs the same tree ($(wc -l <"$root/.tree-machine.txt") packages)"
    else
      echo "node $("$bin/node" -v): npm ci installs a different tree:"
      head -40 "$root/.tree-node$line.diff"
      status=1
    fi
  else
    echo "node $line: npm ci failed"
    status=1
  fi
  rm -rf "$copy"
done
rm -f "$root"/.tree-*.txt "$root"/.tree-*.diff
exit $status
