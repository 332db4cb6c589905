"""The production static storage (common.staticfiles): whitenoise's URLs, each worked out once until collectstatic
writes the manifest anew."""

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from common.staticfiles import ManifestStorage


@pytest.fixture
def root(tmp_path):
    manifest = {"paths": {"css/qihu.css": "css/qihu.0123abcd.css"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return tmp_path


def test_the_urls_are_whitenoises(root):
    ours = ManifestStorage(location=root, base_url="/static/")
    theirs = CompressedManifestStaticFilesStorage(location=root, base_url="/static/")
    for _ in range(2):  # worked out, then from the memo
        assert ours.url("css/qihu.css") == theirs.url("css/qihu.css") == "/static/css/qihu.0123abcd.css"
    with pytest.raises(ValueError):  # a name the manifest lacks is refused each time, never remembered
        ours.url("css/missing.css")


def test_collectstatic_forgets_the_urls(root):
    storage = ManifestStorage(location=root, base_url="/static/")
    assert storage.url("css/qihu.css") == "/static/css/qihu.0123abcd.css"
    list(storage.post_process({}))  # collected anew, without that file: its old name is gone from the manifest
    with pytest.raises(ValueError):
        storage.url("css/qihu.css")
