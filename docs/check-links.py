#!/usr/bin/env python3
# Usage: python3 docs/check-links.py [REPO_ROOT]
"""Checks every relative Markdown link in README.md and docs/: the target file exists and, for #anchors into
Markdown files, a heading with that GitHub slug exists. Also refuses links that leave the repository."""
import os, re, sys, glob
root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
files = [os.path.join(root, 'README.md')] + glob.glob(os.path.join(root, 'docs', '**', '*.md'), recursive=True)
link = re.compile(r'(?<!!)\[[^\]]*\]\(([^)\s]+)\)')
def slugs(path):
    out = set()
    in_code = False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'): in_code = not in_code
        if in_code: continue
        m = re.match(r'#{1,6}\s+(.*)', line)
        if m:
            t = m.group(1).strip().lower()
            t = re.sub(r'[^\w\- ]', '', t)
            out.add(t.replace(' ', '-'))
    return out
bad = 0
for f in files:
    text = open(f, encoding='utf-8').read()
    text = re.sub(r'```.*?```', '', text, flags=re.S)
    for target in link.findall(text):
        if re.match(r'[a-z]+:', target): continue
        path, _, anchor = target.partition('#')
        dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
        if not os.path.abspath(dest).startswith(os.path.abspath(root) + os.sep) and os.path.abspath(dest) != os.path.abspath(root):
            print(f'{f}: {target}: outside the repository'); bad += 1; continue
        if not os.path.exists(dest):
            print(f'{f}: {target}: no such file'); bad += 1; continue
        if anchor and dest.endswith('.md') and anchor not in slugs(dest):
            print(f'{f}: {target}: no heading #{anchor}'); bad += 1
    if '../shared' in text:
        print(f'{f}: mentions ../shared'); bad += 1
print(f'{len(files)} files checked, {bad} problems')
sys.exit(1 if bad else 0)
