#!/usr/bin/python3
"""check_guide_blocks.py - every C block of a Markdown guide compiles.

    check_guide_blocks.py [--cc CC] [--keep DIR] GUIDE.md [-- CFLAGS...]
    check_guide_blocks.py [--cc CC] --self-test SAMPLES_DIR [-- CFLAGS...]
    check_guide_blocks.py --extract NAME=FILE [--extract ...] GUIDE.md

Every fenced block whose info string starts with `c` (```c) is compiled with
CC -c and CFLAGS (the project's warnings, -Werror and include directories;
ctest passes them from CMake, see tests/docs/CMakeLists.txt). Each
translation unit is compiled twice: with CFLAGS as given (as inside this
repository, where CMake defines _GNU_SOURCE) and once more with
-U_GNU_SOURCE added (as an author outside the repository builds with plain
-std=c11, where e.g. strdup needs _POSIX_C_SOURCE). Diagnostics name lines
of the guide itself (#line), so a failure reads "plugin-guide.md:123: ...".

Conventions. A block is a whole translation unit unless an HTML comment on
the closest non-blank line before its opening fence says otherwise:

    <!-- compile: name=NAME -->
        a whole translation unit that later blocks may continue as NAME
    <!-- compile: after=NAME -->
        continues block NAME: compiled as NAME's text (and that of the
        blocks NAME itself continues) followed by this block
    <!-- compile: fragment(PARAMS) after=NAME -->
        statements, not declarations: wrapped in
        `void rp_guide_fragment_N(PARAMS) { ... }` placed after NAME's text,
        so every name the statements use must be a parameter or come from
        NAME (fragment() takes no parameters; after= may be left out for
        statements that need no header)

Keys combine in one comment, e.g. `<!-- compile: after=plugin name=plugin2 -->`.
A block that a later block continues is compiled only as part of that later
block (on its own, the static functions it defines for the later block would
be flagged as unused, and warnings are errors). Every block is still
compiled at least once.

Anything else is an error: an unknown key, after= naming no earlier block, a
name used twice, a compile comment not followed by a C block, an unclosed
fence, or a guide without any C block (so a broken extraction cannot pass).

--extract writes the translation unit of block NAME (with the blocks it
continues) to FILE without compiling it, so a build can make a plugin of
the guide's code and a test can run it (tests/docs/CMakeLists.txt).

--self-test runs the checker on every SAMPLES_DIR/*.md, whose first line is
`<!-- expect: pass -->` or `<!-- expect: fail TEXT -->`: a failing sample
must fail with TEXT in the checker's output, so the test proves it catches
what it claims to (a missing #include, an undeclared variable, ...).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^(\s*)(```+)(.*)$")
DIRECTIVE = re.compile(r"^\s*<!--\s*compile:(.*?)-->\s*$")
FRAGMENT = re.compile(r"fragment\(([^)]*)\)")
NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
EXPECT = re.compile(r"^<!--\s*expect:\s*(pass|fail)\s*(.*?)\s*-->\s*$")


class GuideError(Exception):
    pass


class Block:
    def __init__(self, index, fence_line, text):
        self.index = index          # 1-based among C blocks
        self.fence_line = fence_line  # line of the opening fence (1-based)
        self.text = text
        self.name = None
        self.after = None
        self.fragment = None        # parameter text when a fragment
        self.continued = False      # a later block says after= this one


def parse_directive(body, line_no, path):
    """Returns (name, after, fragment_params) of one compile comment."""
    name = after = fragment = None
    match = FRAGMENT.search(body)
    if match:
        fragment = match.group(1).strip()
        body = body[:match.start()] + body[match.end():]
    for word in body.split():
        key, sep, value = word.partition("=")
        if not sep or not value:
            raise GuideError(f"{path}:{line_no}: compile comment: unknown word '{word}' "
                             "(known: name=NAME, after=NAME, fragment(PARAMS))")
        if key not in ("name", "after") or not NAME.match(value):
            raise GuideError(f"{path}:{line_no}: compile comment: unknown key or bad name '{word}'")
        if key == "name":
            name = value
        else:
            after = value
    return name, after, fragment


def read_blocks(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks, names = [], {}
    pending = None          # (line number, directive body) waiting for its block
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        directive = DIRECTIVE.match(line)
        if directive:
            if pending:
                raise GuideError(f"{path}:{pending[0]}: compile comment not followed by a C block")
            pending = (i + 1, directive.group(1))
            i += 1
            continue
        if not fence:
            if pending and line.strip():
                raise GuideError(f"{path}:{pending[0]}: compile comment not followed by a C block")
            i += 1
            continue
        ticks, info = fence.group(2), fence.group(3).strip()
        start = i
        i += 1
        while i < len(lines) and not re.match(r"^\s*" + ticks + r"\s*$", lines[i]):
            i += 1
        if i >= len(lines):
            raise GuideError(f"{path}:{start + 1}: code fence never closed")
        language = info.split()[0] if info else ""
        if language.lower() != "c":
            if pending:
                raise GuideError(f"{path}:{pending[0]}: compile comment not followed by a C block "
                                 f"(the block at line {start + 1} is '{language}')")
            i += 1
            continue
        block = Block(len(blocks) + 1, start + 1, "\n".join(lines[start + 1:i]))
        if pending:
            block.name, block.after, block.fragment = parse_directive(pending[1], pending[0], path)
            pending = None
        if block.after:
            if block.after not in names:
                raise GuideError(f"{path}:{block.fence_line}: after={block.after} names no earlier block")
            names[block.after].continued = True
        if block.name:
            if block.name in names:
                raise GuideError(f"{path}:{block.fence_line}: name={block.name} is used twice")
            names[block.name] = block
        blocks.append(block)
        i += 1
    if pending:
        raise GuideError(f"{path}:{pending[0]}: compile comment not followed by a C block")
    if not blocks:
        raise GuideError(f"{path}: no ```c block found")
    return blocks, names


def unit_text(block, names, guide):
    """The translation unit of block: its ancestors' text, then its own."""
    chain = []
    b = block
    while b:
        chain.append(b)
        b = names[b.after] if b.after else None
    parts = []
    for b in reversed(chain):
        if b.fragment is not None:
            parts.append(f'#line {b.fence_line} "{guide}"')
            parts.append(f"void rp_guide_fragment_{b.index}({b.fragment or 'void'}) {{")
            parts.append(f'#line {b.fence_line + 1} "{guide}"')
            parts.append(b.text)
            parts.append("}")
        else:
            parts.append(f'#line {b.fence_line + 1} "{guide}"')
            parts.append(b.text)
    return "\n".join(parts) + "\n"


# Plain ASCII diagnostics whatever the caller's locale, so --self-test can
# look for a compiler's words.
C_LOCALE = dict(os.environ, LC_ALL="C")

MODES = (("as in this repository", []), ("as out of tree (no _GNU_SOURCE)", ["-U_GNU_SOURCE"]))


def compile_unit(cc, cflags, source, workdir, stem):
    src = os.path.join(workdir, stem + ".c")
    with open(src, "w", encoding="utf-8") as f:
        f.write(source)
    failures = []
    for label, extra in MODES:
        cmd = [cc] + cflags + extra + ["-c", src, "-o", os.path.join(workdir, stem + ".o")]
        run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=C_LOCALE)
        if run.returncode != 0:
            failures.append(f"--- compiled {label}: {' '.join(cmd)}\n{run.stdout}")
    return failures


def check_guide(path, cc, cflags, keep=None):
    """Prints a line per unit; returns the number of units that failed."""
    blocks, names = read_blocks(path)
    guide = os.path.relpath(path) if not os.path.isabs(path) else path
    if keep:
        os.makedirs(keep, exist_ok=True)
        return compile_units(blocks, names, guide, cc, cflags, keep)
    with tempfile.TemporaryDirectory(prefix="guide_blocks_") as workdir:
        return compile_units(blocks, names, guide, cc, cflags, workdir)


def compile_units(blocks, names, guide, cc, cflags, workdir):
    failed = 0
    units = [b for b in blocks if not b.continued]
    for b in units:
        label = f"block {b.index} (line {b.fence_line}" + (f", name={b.name}" if b.name else "") + ")"
        failures = compile_unit(cc, cflags, unit_text(b, names, guide), workdir, f"block{b.index:02d}")
        print(("FAIL " if failures else "ok   ") + label)
        for text in failures:
            print(text)
        failed += bool(failures)
    print(f"{len(blocks)} C blocks, {len(units)} translation units, {failed} failed")
    return failed


def extract(path, requests):
    """Writes the unit of each named block to its file."""
    blocks, names = read_blocks(path)
    for request in requests:
        name, sep, out = request.partition("=")
        if not sep or not out:
            raise GuideError(f"--extract {request}: write NAME=FILE")
        if name not in names:
            raise GuideError(f"--extract {name}: {path} has no block name={name}")
        with open(out, "w", encoding="utf-8") as f:
            f.write(unit_text(names[name], names, os.path.abspath(path)))


def self_test(samples, cc, cflags):
    """Runs this checker on each sample in a child process; returns failures."""
    bad = 0
    for name in sorted(os.listdir(samples)):
        if not name.endswith(".md"):
            continue
        path = os.path.join(samples, name)
        with open(path, encoding="utf-8") as f:
            first = f.readline().strip()
        expect = EXPECT.match(first)
        if not expect:
            print(f"FAIL {name}: first line must be <!-- expect: pass|fail TEXT -->")
            bad += 1
            continue
        run = subprocess.run([sys.executable, os.path.abspath(__file__), "--cc", cc, path, "--"] + cflags,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        want_pass, text = expect.group(1) == "pass", expect.group(2)
        ok = (run.returncode == 0) if want_pass else (run.returncode == 1 and text in run.stdout)
        print(("ok   " if ok else "FAIL ") + f"{name}: expected {expect.group(1)} {text}".rstrip())
        if not ok:
            print(run.stdout)
            bad += 1
    return bad


def main():
    argv = sys.argv[1:]
    cflags = []
    if "--" in argv:
        cut = argv.index("--")
        argv, cflags = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(description="Compile every C block of a Markdown guide.")
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"))
    parser.add_argument("--keep", help="write the translation units here (default: a temporary directory)")
    parser.add_argument("--self-test", metavar="SAMPLES_DIR")
    parser.add_argument("--extract", metavar="NAME=FILE", action="append", default=[])
    parser.add_argument("guide", nargs="?")
    args = parser.parse_args(argv)
    if not cflags:
        cflags = default_cflags(args.cc)
    try:
        if args.self_test:
            sys.exit(1 if self_test(args.self_test, args.cc, cflags) else 0)
        if not args.guide:
            parser.error("GUIDE is required")
        if args.extract:
            extract(args.guide, args.extract)
            sys.exit(0)
        sys.exit(1 if check_guide(args.guide, args.cc, cflags, args.keep) else 0)
    except GuideError as e:
        print(f"error: {e}")
        sys.exit(1)


def default_cflags(cc):
    """For a run by hand from the repository: the flags of the top
    CMakeLists.txt (keep in step; ctest passes CMake's own instead)."""
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    flags = ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wstrict-prototypes",
             "-Wno-unused-parameter"]
    version = subprocess.run([cc, "--version"], stdout=subprocess.PIPE, text=True)
    if "clang" not in version.stdout:
        flags.append("-Wno-format-truncation")
    for d in ("core/include", "sdk/include", "tests/support"):
        flags.append("-I" + os.path.join(root, d))
    pc = subprocess.run(["pkg-config", "--cflags", "msgpack", "libpq"], stdout=subprocess.PIPE, text=True)
    return flags + pc.stdout.split()


if __name__ == "__main__":
    main()
