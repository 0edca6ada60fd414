import gzip
import json
import os
import zlib

from keras_ae.data.paths import find_data_dir

_FILE = "en.jsonl.gz"
_SPLITS = ("train", "test", "all")
_TEST_EVERY = 20  # a package is in the test split when crc32(name) % 20 == 0: 1,991 of 40,393
_SOURCE = (
    "The descriptions come from Debian's `Translation-en` index (bookworm: "
    "https://deb.debian.org/debian/dists/bookworm/main/i18n/Translation-en.bz2). Write them as "
    "en.jsonl.gz: gzipped UTF-8, one JSON object per line with the str fields `package`, "
    "`synopsis` (the first line of `Description-en`) and `description` (the extended "
    "description, its lines' leading space removed, the lines of a paragraph joined by one "
    "space, paragraphs (the ' .' lines) separated by a blank line)."
)


def debian_descriptions(split="train", path=None):
    """Loads Debian package descriptions with their one-line synopses.

    40,393 English descriptions of Debian bookworm packages (from the
    `Translation-en` index), each with its synopsis, the one-line summary a
    packager writes above it: a document paired with a human summary, for
    summarisation. The pairs are de-duplicated on the description's first
    paragraph. `debian-descriptions/en.jsonl.gz` holds one JSON object per
    line with the fields `package`, `synopsis` and `description`.

    The descriptions are returned as the file holds them, already out of
    Debian's control-file layout: no leading spaces, the lines of a paragraph
    joined by single spaces, paragraphs separated by a blank line (`"\\n\\n"`,
    where the control file has a ` .` line), bulleted lists run into their
    paragraph (`"... include: * one * two"`). A few paragraphs end in `" ."`,
    as their packagers wrote them.

    The test split holds the packages whose `zlib.crc32(package.encode()) %
    20 == 0`: 1,991 descriptions; the training split the other 38,402. A
    package name is not a unique id: 7 names (`default-jdk`, ...) have one
    description per architecture (49 records in all), and the hash keeps them
    in one split. Looks at `path`, `$KERAS_AE_DATA/debian-descriptions` and
    `./data/debian-descriptions`; nothing is downloaded.

    Args:
        split: "train", "test" or "all".
        path: the folder holding `en.jsonl.gz`, or None to search.

    Returns:
        `(documents, summaries, names)`: three lists of `str` of the same
        length, in the order of the file: each description, its synopsis and
        its package name.

    Example:

    >>> from keras_ae.data import debian_descriptions
    >>> documents, summaries, names = debian_descriptions("test")  # doctest: +SKIP
    >>> len(documents), names[0], summaries[0]  # doctest: +SKIP
    (1991, '9mount', 'Plan 9 filesystem (v9fs) user mount utilities')
    """
    if split not in _SPLITS:
        raise ValueError(f"`split` must be one of {_SPLITS}. Received: split={split!r}")
    folder = find_data_dir("debian-descriptions", path, required_files=(_FILE,), source=_SOURCE)
    documents, summaries, names = [], [], []
    for name, synopsis, description in _read(os.path.join(folder, _FILE)):
        if split == "all" or (split == "test") == (zlib.crc32(name.encode()) % _TEST_EVERY == 0):
            documents.append(description)
            summaries.append(synopsis)
            names.append(name)
    return documents, summaries, names


def _read(file):
    with gzip.open(file, "rt", encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            try:
                record = json.loads(line)
                fields = (record["package"], record["synopsis"], record["description"])
                if not all(isinstance(field, str) for field in fields):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                raise ValueError(
                    f"{file}, line {number}: expected a JSON object with the str fields "
                    f"`package`, `synopsis` and `description`. Received: {line[:200]!r}"
                ) from None
            yield fields
