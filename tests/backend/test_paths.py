"""folder_paths rules: annotated input names, the LoadImage list, save paths and atomic writes."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from graphrun.backend import paths
from graphrun.backend.paths import (atomic_write, expand_save_vars, list_input_files, resolve_input, save_path,
                                    split_annotation)
from graphrun.errors import NodeInputError, UsageError


@pytest.fixture()
def dirs(tmp_path):
    made = {k: tmp_path / k for k in ("input", "output", "temp")}
    for d in made.values():
        d.mkdir()
    (made["input"] / "a.png").write_bytes(b"i")
    (made["input"] / "sub").mkdir()
    (made["input"] / "sub" / "b.png").write_bytes(b"s")
    (made["output"] / "o.png").write_bytes(b"o")
    (made["temp"] / "t.png").write_bytes(b"t")
    return made


def _resolve(d, name, **kw):
    return resolve_input(d["input"], d["output"], d["temp"], name, **kw)


@pytest.mark.parametrize("name,kind,rel", [("a.png", "input", "a.png"), ("sub/b.png", "input", "sub/b.png"),
                                           ("a.png [input]", "input", "a.png"), ("o.png [output]", "output", "o.png"),
                                           ("t.png [temp]", "temp", "t.png")])
def test_annotated_names_pick_the_folder(dirs, name, kind, rel):
    assert _resolve(dirs, name) == dirs[kind] / rel


def test_split_annotation_strips_the_space_too():
    assert split_annotation("x y.png [output]") == ("x y.png", "output")
    assert split_annotation("x.png") == ("x.png", None)
    assert split_annotation("x.png[temp]") == ("x.pn", "temp")  # ComfyUI's fixed-length slice


@pytest.mark.parametrize("name", ["../secret.png", "sub/../../secret.png", "/etc/passwd", "../output/o.png",
                                  "a.png\x00.png", ""])
def test_traversal_and_absolute_names_are_rejected(dirs, name):
    with pytest.raises(NodeInputError) as info:
        _resolve(dirs, name)
    assert info.value.input_name == "image" and info.value.value == name


def test_symlink_escape_is_rejected(dirs, tmp_path):
    (tmp_path / "secret.png").write_bytes(b"x")
    (dirs["input"] / "link.png").symlink_to(tmp_path / "secret.png")
    with pytest.raises(NodeInputError, match="leaves the input folder"):
        _resolve(dirs, "link.png")


def test_inner_dotdot_staying_inside_is_allowed(dirs):
    assert _resolve(dirs, "sub/../a.png") == dirs["input"] / "a.png"


def test_missing_file(dirs):
    with pytest.raises(NodeInputError, match="not found"):
        _resolve(dirs, "nope.png")
    assert _resolve(dirs, "nope.png", must_exist=False) == dirs["input"] / "nope.png"


def test_error_names_the_input(dirs):
    with pytest.raises(NodeInputError) as info:
        _resolve(dirs, "../x.latent", input_name="latent")
    assert info.value.input_name == "latent"


def test_list_input_files_like_loadimage(tmp_path):
    for name in ("b.png", "A.JPG", "c.webp", "notes.txt", "model.safetensors", "noext", "z.gif", "clip.mp4"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "dir.png").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.png").write_bytes(b"")
    assert list_input_files(tmp_path) == ["A.JPG", "b.png", "c.webp", "z.gif"]  # sorted, top level, images only
    assert list_input_files(tmp_path / "missing") == []


def test_expand_save_vars():
    now = datetime(2025, 1, 2, 3, 4, 5)
    assert expand_save_vars("%year%%month%%day%-%hour%%minute%%second%-%width%x%height%", 640, 480, now) == \
        "20250102-030405-640x480"
    assert expand_save_vars("plain", 1, 1, now) == "plain"
    assert expand_save_vars("%date:yyyy%/%KSampler.seed%", 1, 1, now) == "%date:yyyy%/%KSampler.seed%"


def test_save_path_counter_uses_the_expanded_prefix_length(tmp_path):
    (tmp_path / "img_640_00004_.png").write_bytes(b"")
    (tmp_path / "img_640_00002_.latent").write_bytes(b"")  # any extension counts
    target = save_path("img_%width%", tmp_path, 640, 480)
    assert (target.filename, target.counter, target.subfolder, target.prefix) == ("img_640", 5, "", "img_640")


def test_unwritable_folder_is_a_usage_error_naming_the_path(tmp_path, monkeypatch):
    def deny(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(paths.os, "makedirs", deny)
    with pytest.raises(UsageError) as info:
        save_path("sub/x", tmp_path)
    assert str(tmp_path / "sub") in str(info.value)


def test_atomic_write_replaces_and_cleans_up(tmp_path):
    target = tmp_path / "f.bin"
    atomic_write(target, lambda f: f.write(b"one"))
    atomic_write(target, lambda f: f.write(b"two"))
    assert target.read_bytes() == b"two"

    def half_then_fail(f):
        f.write(b"partial")
        raise RuntimeError("encoder crashed")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "g.bin", half_then_fail)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]


def test_atomic_write_into_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="missing"):
        atomic_write(tmp_path / "missing" / "f.bin", lambda f: f.write(b""))
    assert not os.path.exists(tmp_path / "missing")
