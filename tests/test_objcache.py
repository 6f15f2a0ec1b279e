"""The Verilator OBJCACHE wrapper: runtime objects are reused, the design's own C++ never is."""

from __future__ import annotations

from fpga_prune.flow import objcache


def _compile(src, out, cwd):
    return objcache.run(["c++", "-O0", "-I.", "-c", "-o", out, str(src)], cwd=cwd)


def test_runtime_object_is_compiled_once_then_served_from_cache(tmp_path, monkeypatch):
    store = tmp_path / "cache"
    monkeypatch.setenv("FPGA_PRUNE_OBJCACHE", str(store))
    lib = tmp_path / "lib"
    lib.mkdir()
    src = lib / "rt.cpp"
    src.write_text('#include "Vtop.h"\nint rt() { return VALUE; }\n')
    builds = [tmp_path / "b1", tmp_path / "b2", tmp_path / "b3"]
    for b, value in zip(builds, (1, 1, 2)):
        b.mkdir()
        (b / "Vtop.h").write_text(f"#define VALUE {value}\n")  # a model header the runtime includes
    assert _compile(src, "rt.o", builds[0]) == 0
    assert len(list(store.glob("*.o"))) == 1
    # same source, flags and included model header: served from the cache, byte for byte
    assert _compile(src, "rt.o", builds[1]) == 0
    assert (builds[1] / "rt.o").read_bytes() == (builds[0] / "rt.o").read_bytes()
    assert len(list(store.glob("*.o"))) == 1
    # a different model header is a different object
    assert _compile(src, "rt.o", builds[2]) == 0
    assert len(list(store.glob("*.o"))) == 2


def test_design_sources_and_failures_are_not_cached(tmp_path, monkeypatch):
    store = tmp_path / "cache"
    monkeypatch.setenv("FPGA_PRUNE_OBJCACHE", str(store))
    (tmp_path / "Vtop.cpp").write_text("int f() { return 1; }\n")
    assert _compile("Vtop.cpp", "Vtop.o", tmp_path) == 0 and (tmp_path / "Vtop.o").exists()
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "bad.cpp").write_text("int f( {\n")
    assert _compile(lib / "bad.cpp", "bad.o", tmp_path) != 0
    assert not store.exists() or not list(store.glob("*.o"))
