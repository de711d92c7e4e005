"""Patches of whoosh-reloaded internals the Whoosh adapter relies on (speed, memory, one upstream bug).

Kept apart from the adapter so an upgrade has one place to review: each patch replaces or wraps
an upstream function, and tests/unit/search/test_whoosh_patches.py pins a hash of every patched
upstream function's source, so a release that changes one fails that test instead of silently
running our replacement over changed internals. whoosh-reloaded is pinned below the next minor
release in pyproject.toml for the same reason. Importing this module applies the patches (once).
"""
from __future__ import annotations

import threading

#: Upstream functions (module, qualified name) the patches below replace or wrap.
PATCHED = (
    ("whoosh.codec.whoosh3", "W3PerDocReader._cached_reader"),
    ("whoosh.codec.whoosh3", "W3TermInfo.set_inlined"),
    ("whoosh.codec.whoosh3", "W3LeafMatcher._read_ids"),
    ("whoosh.scoring", "WeightLengthScorer.setup"),
    ("whoosh.externalsort", "SortingPool._write_run"),
    ("whoosh.externalsort", "SortingPool._read_run"),
    ("whoosh.writing", "PostingPool.add"),
    ("whoosh.filedb.filestore", "FileStorage.create"),
    ("whoosh.writing", "SegmentWriter._finish"),
    ("whoosh.writing", "SegmentWriter.reader"),
)

def _patch_whoosh_length_reader() -> None:
    """Whoosh re-checks on disk (os.path.exists) for a length column on every posting
    of a field that has none (ID/KEYWORD filter fields): ~60 stat calls per document
    while indexing. Cache the "no column" answer too."""
    from whoosh.codec import whoosh3
    original = whoosh3.W3PerDocReader._cached_reader
    if getattr(original, "_caches_missing", False):
        return

    def cached_reader(self, fieldname, column):
        missing = self.__dict__.setdefault("_missing_columns", set())
        if fieldname in missing:
            return None
        reader = original(self, fieldname, column)
        if reader is None:
            missing.add(fieldname)
        return reader

    cached_reader._caches_missing = True
    whoosh3.W3PerDocReader._cached_reader = cached_reader


_patch_whoosh_length_reader()


def _patch_whoosh_inline_postings() -> None:
    """whoosh-reloaded calls ``W3TermInfo.set_inline`` but the method is named
    ``set_inlined`` (readers already understand inlined postings), so any
    ``inlinelimit`` above 1 crashed. Alias it to make inlining usable."""
    from whoosh.codec.whoosh3 import W3TermInfo
    if hasattr(W3TermInfo, "set_inline"):
        return

    def set_inline(self, ids, weights, values):
        # the postings writer keeps no value for formats without one (ID, KEYWORD):
        # store b"" per posting, as block readers return, so merges and matchers see bytes
        self.set_inlined(ids, weights, values if values else [b""] * len(ids))

    W3TermInfo.set_inline = set_inline


_patch_whoosh_inline_postings()


#: Doc numbers of the posting blocks decoded while one search runs (thread-local): the exact
#: total re-reads the blocks of every query term, and ranking has decoded many of them already.
_DECODED = threading.local()


def _patch_whoosh_delta_decode() -> None:
    """Posting blocks store doc numbers as deltas, which Whoosh summed back one Python
    generator step per posting; ``itertools.accumulate`` gives the same tuple in C.
    While a search runs, each decoded block's doc numbers are also noted in ``_DECODED``
    so that ``posting_ids`` (the exact total) need not unpickle it again: ranking had
    decoded most of them, and that re-read was ~80% of the total's cost at 100,000
    documents (2.8 -> 0.65 ms a query)."""
    from itertools import accumulate

    from whoosh.codec.whoosh3 import W3LeafMatcher
    if getattr(W3LeafMatcher, "_accumulates_ids", False):
        return

    def read_ids(self):
        if self._data is None:
            self._read_data()
        ids = self._data[0]
        self._ids = ids if self._byteids else tuple(accumulate(ids))
        seen = getattr(_DECODED, "blocks", None)
        if seen is not None:
            seen[(self._postfile, self._dataoffset)] = self._ids

    W3LeafMatcher._read_ids = read_ids
    W3LeafMatcher._accumulates_ids = True


_patch_whoosh_delta_decode()


def _patch_whoosh_length_lookup() -> None:
    """BM25 needs each matched document's field length: Whoosh read it through ten
    Python calls (searcher, reader, per-doc reader, column reader, a one-byte file
    read, struct unpack) for every scored posting, ~900 times a query at 100,000
    documents. Scorers on a segment now look lengths up in a list made from the
    segment's length column in one read (same bytes, same byte->length table, so
    the same scores); anything unusual keeps Whoosh's path."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
    from whoosh.columns import NumericColumn
    from whoosh.reading import SegmentReader
    from whoosh.scoring import WeightLengthScorer
    from whoosh.util.numeric import byte_to_length
    if getattr(WeightLengthScorer, "_lists_lengths", False):
        return
    original = WeightLengthScorer.setup
    table = [None] + [byte_to_length(b) for b in range(1, 256)]  # a 0 byte read as None

    def segment_lengths(reader, fieldname: str) -> list | None:
        perdoc = getattr(reader, "_perdoc", None)
        if not isinstance(perdoc, W3PerDocReader):
            return None
        cache = perdoc.__dict__.setdefault("_length_lists", {})
        if fieldname not in cache:
            column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = None
            if (type(column) is NumericColumn.Reader and column._typecode == "B" and column._fixedlen == 1
                    and not column._reverse and column._count <= perdoc.doc_count_all()):
                raw = column._dbfile.get(column._basepos, column._count)
                lengths = list(map(table.__getitem__, raw))
                lengths += [None] * (perdoc.doc_count_all() - column._count)  # past the column: 0
            cache[fieldname] = lengths
        return cache[fieldname]

    def setup(self, searcher, fieldname, text):
        original(self, searcher, fieldname, text)
        reader = searcher.reader()
        if "dfl" in self.__dict__ and type(reader) is SegmentReader:
            lengths = segment_lengths(reader, fieldname)
            if lengths is not None:
                self.dfl = lengths.__getitem__

    WeightLengthScorer.setup = setup
    WeightLengthScorer._lists_lengths = True


_patch_whoosh_length_lookup()


def _patch_whoosh_posting_runs() -> None:
    """A rebuild sorts every posting through Whoosh's external merge sort, which
    pickled and unpickled the postings *one at a time* to its run files (~15
    million calls at 100,000 documents; the largest single cost of a rebuild in
    cProfile). Write runs as marshalled chunks of postings instead, and estimate
    each posting's memory with less arithmetic; the sort order and the memory
    bound (``limitmb``) are unchanged."""
    import marshal
    from itertools import islice

    from whoosh.writing import PostingPool
    if getattr(PostingPool, "_chunked_runs", False):
        return
    chunk = 4096

    def write_run(self, f, items):
        if isinstance(items, list):
            for i in range(0, len(items), chunk):
                marshal.dump(items[i:i + chunk], f)
        else:
            it = iter(items)
            while part := list(islice(it, chunk)):
                marshal.dump(part, f)
        f.close()

    def read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                try:
                    part = marshal.load(f)
                except EOFError:
                    return
                yield from part
        finally:
            f.close()
            self._remove_run(path)

    def add(self, item):
        # item = (fieldname, tbytes, docnum, weight, vbytes); same estimate as Whoosh's
        fieldname, tbytes, _docnum, _weight, vbytes = item
        self.fieldnames.add(fieldname)
        self.currentsize += 160 + len(fieldname) + 2 * len(tbytes) + (len(vbytes) if vbytes else 0)
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    PostingPool._write_run = write_run
    PostingPool._read_run = read_run
    PostingPool.add = add
    PostingPool._chunked_runs = True


_patch_whoosh_posting_runs()


def _patch_whoosh_writer_cycles() -> None:
    """Let a finished writer's segment readers go when the writer does, not at the next full
    garbage collection. Every writer left two reference cycles behind:

    - ``FileStorage.create`` keeps the ``FileExistsError`` it ignores in a local
      (``e = sys.exc_info()[1]``), and every writer meets one (the writer and its
      per-document writer both create ``MAIN.tmp``): exception -> traceback -> frame
      -> the calling frames, up to the writer and its caller's locals;
    - the searcher a writer caches for deletions stores its own bound ``close``
      method on itself (``s._orig_close = s.close``).

    That searcher holds a reader of every segment, each a memory-mapped file that
    Whoosh cannot unmap while those readers live (``CompoundStorage.close`` meets a
    ``BufferError``), so each batch of an import left a mapping of the whole index
    resident until the collector ran: SQLite + Whoosh, 20,000 rows, 165 MB of mapped
    segments (each mapped twice) at the end. Same behaviour otherwise: the directory
    is created if missing, any other ``OSError`` is raised, the searcher is closed
    exactly as before."""
    import errno
    import os

    from whoosh.filedb.filestore import FileStorage
    from whoosh.writing import SegmentWriter
    if getattr(SegmentWriter, "_frees_searcher", False):
        return

    def create(self):
        dirpath = os.path.abspath(self.folder)
        try:
            os.makedirs(dirpath)
        except OSError as exc:  # ``as`` names are deleted after the block: no cycle through the frame
            if exc.errno != errno.EEXIST:
                raise
        if not os.path.isdir(dirpath):
            error = IOError("%r is not a directory" % dirpath)
            error.errno = errno.ENOTDIR
            raise error
        return self

    original_finish = SegmentWriter._finish

    def finish(self):
        searcher = self._searcher
        original_finish(self)
        if searcher is not None:  # closed by original_finish; drop the methods it stored on itself
            searcher.__dict__.pop("_orig_close", None)
            searcher.__dict__.pop("close", None)

    FileStorage.create = create
    SegmentWriter._finish = finish
    SegmentWriter._frees_searcher = True


_patch_whoosh_writer_cycles()


def _patch_whoosh_writer_lookups() -> None:
    """A writer's own reader (the one its deletions and ``update_document`` look ids up
    in) reads the segments through plain file reads instead of memory maps. Over a
    mapped segment Whoosh wraps each part it opens in a ``BytesIO`` of the mapped
    bytes, which copies it, so that reader, opened on every segment, copied the whole
    index to the heap at every batch commit (and faulted all of it into the mapping):
    an import's peak memory grew with the index (SQLite + Whoosh, 52 MB of copies in
    one batch commit at 10,000 imported rows). A lookup reads a few hundred bytes per
    segment, so file reads cost nothing there. Merges keep the mapped segments (they
    stream everything they merge, and file reads made them ~50% slower); searches too."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import FileIndex
    from whoosh.writing import SegmentWriter
    if getattr(SegmentWriter, "_looks_up_unmapped", False):
        return

    def reader(self, reuse=None):
        self._check_state()
        storage = self.storage
        if type(storage) is FileStorage and storage.supports_mmap:
            storage = FileStorage(storage.folder, supports_mmap=False)
        return FileIndex._reader(storage, self.schema, self.segments, self.generation, reuse=reuse)

    SegmentWriter.reader = reader
    SegmentWriter._looks_up_unmapped = True


_patch_whoosh_writer_lookups()
