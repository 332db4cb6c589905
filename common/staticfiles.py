"""The static files' storage in production (DEBUG off): whitenoise's, each name's URL worked out once per process.

The manifest (each file's hashed name) is read once, when the storage is made; working a URL out of it again on every
`{% static %}` (the name cleaned, split and joined by urllib) cost about 12 µs of CPU, and every page's head has three
(DESIGN.md §11, issue 16). collectstatic in the same process (its post-processing writes the manifest anew) empties
the memo."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url

    def post_process(self, *args, **kwargs):
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
