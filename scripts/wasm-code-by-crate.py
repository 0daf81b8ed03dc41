#!/usr/bin/env python3
"""Groups the code of a wasm module by crate, from its `name` section.

    scripts/wasm-code-by-crate.py module.wasm [TOP]

The module must keep its function names (`wasm-opt -Oz -g`). Each function's body size is
counted under the first crate its demangled name mentions (`<alloc::string::String as
core::fmt::Write>::write_str` counts under alloc), so generic code lands under the crate
named first, not always the one that instantiated it: the groups are approximate, as
docs/notes/app-size.md says. Prints the groups, the data segments, then the TOP largest
functions (default 25).
"""
import re
import sys


def leb(buf, i):
    result = shift = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, i


def sections(buf):
    assert buf[:4] == b"\0asm", "not a wasm module"
    i = 8
    while i < len(buf):
        sid = buf[i]
        size, i = leb(buf, i + 1)
        yield sid, buf[i : i + size]
        i += size


def demangle(name):
    """Enough of Rust's two manglings to read crate paths (wasm-bindgen usually demangles)."""
    if name.startswith("_ZN"):  # legacy: length-prefixed segments, then E
        parts, i = [], 3
        while i < len(name) and name[i].isdigit():
            j = i
            while name[j].isdigit():
                j += 1
            n = int(name[i:j])
            parts.append(name[j : j + n])
            i = j + n
        path = "::".join(p for p in parts if not re.fullmatch(r"h[0-9a-f]{16}", p))
        for a, b in (("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$RF$", "&"), ("$C$", ","), ("..", "::")):
            path = path.replace(a, b)
        return path
    if name.startswith("_R"):  # v0: keep the crate roots, in order
        crates = []
        for m in re.finditer(r"C(?:s[0-9a-zA-Z]*_)?(\d+)_?", name):
            start, n = m.end(), int(m.group(1))
            crates.append(name[start : start + n])
        rest = re.findall(r"\d+([a-z_][a-zA-Z0-9_]*)", name)
        return "::".join(crates) + "::" + (rest[-1] if rest else "")
    return name


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    buf = open(path, "rb").read()
    imported = 0
    bodies = []
    names = {}
    data = 0
    for sid, body in sections(buf):
        if sid == 2:  # imports: count the functions, they take the first indices
            n, i = leb(body, 0)
            for _ in range(n):
                for _ in range(2):
                    ln, i = leb(body, i)
                    i += ln
                kind = body[i]
                i += 1
                if kind == 0:
                    _, i = leb(body, i)
                    imported += 1
                elif kind == 1:  # table: reftype, limits
                    i += 1
                    flags, i = leb(body, i)
                    _, i = leb(body, i)
                    if flags & 1:
                        _, i = leb(body, i)
                elif kind == 2:  # memory: limits
                    flags, i = leb(body, i)
                    _, i = leb(body, i)
                    if flags & 1:
                        _, i = leb(body, i)
                elif kind == 3:  # global: valtype, mutability
                    i += 2
                else:
                    _, i = leb(body, i)
        elif sid == 10:
            n, i = leb(body, 0)
            for _ in range(n):
                size, j = leb(body, i)
                bodies.append(j - i + size)
                i = j + size
        elif sid == 11:
            data = len(body)
        elif sid == 0:
            ln, i = leb(body, 0)
            if body[i : i + ln] != b"name":
                continue
            i += ln
            while i < len(body):
                sub = body[i]
                size, j = leb(body, i + 1)
                if sub == 1:
                    n, k = leb(body, j)
                    for _ in range(n):
                        idx, k = leb(body, k)
                        ln, k = leb(body, k)
                        names[idx] = body[k : k + ln].decode("utf-8", "replace")
                        k += ln
                i = j + size
    if not names:
        sys.exit("wasm-code-by-crate: no function names; optimise with `wasm-opt -Oz -g`")
    crate_re = re.compile(r"([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::")
    groups = {}
    funcs = []
    for n, size in enumerate(bodies):
        name = re.sub(r"\[[0-9a-f]+\]", "", demangle(names.get(imported + n, "?")))
        m = crate_re.search(name)
        crate = m.group(1) if m else "(unnamed)"
        groups[crate] = groups.get(crate, 0) + size
        funcs.append((size, name))
    total = sum(bodies)
    print(f"code {total / 1024:.1f} KB in {len(bodies)} functions, data {data / 1024:.1f} KB")
    for crate, size in sorted(groups.items(), key=lambda kv: -kv[1]):
        if size * 200 >= total:
            print(f"  {crate:<28} {size / 1024:7.1f} KB")
    print(f"largest {top} functions:")
    for size, name in sorted(funcs, reverse=True)[:top]:
        print(f"  {size:7d}  {name[:150]}")


if __name__ == "__main__":
    main()
