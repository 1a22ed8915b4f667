package flowdb

import (
	"context"
	"iter"

	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
)

// ReadOption configures Get, GetAll, Query and Count; each call uses the
// options that apply to it and ignores the others.
type ReadOption func(*readReq)

type readReq struct {
	index    string
	rng      *KeyRange
	dir      v1.CursorDirection
	pageSize uint32
	limit    uint32
	keysOnly bool
	token    string
}

// ReadIndex reads through the named index (keys and ranges are index keys).
func ReadIndex(name string) ReadOption { return func(r *readReq) { r.index = name } }

// ReadRange restricts GetAll, Query and Count to keys in kr.
func ReadRange(kr KeyRange) ReadOption { return func(r *readReq) { r.rng = &kr } }

// ReadDirection orders a Query (default ascending; CURSOR_DIRECTION_PREV for descending).
func ReadDirection(d v1.CursorDirection) ReadOption { return func(r *readReq) { r.dir = d } }

// ReadPageSize sets the records per Query page (1..1000; default 100).
func ReadPageSize(n uint32) ReadOption { return func(r *readReq) { r.pageSize = n } }

// ReadLimit caps GetAll (1..10000; default 1000).
func ReadLimit(n uint32) ReadOption { return func(r *readReq) { r.limit = n } }

// ReadKeysOnly omits documents (Doc.Value nil).
func ReadKeysOnly() ReadOption { return func(r *readReq) { r.keysOnly = true } }

// ReadPageToken resumes a Query after the page that returned token.
func ReadPageToken(token string) ReadOption { return func(r *readReq) { r.token = token } }

func readOpts(opts []ReadOption) (readReq, *v1.KeyRange, error) {
	var r readReq
	for _, o := range opts {
		o(&r)
	}
	pr, err := encodeRange(r.rng)
	return r, pr, err
}

// Get reads the record with key (a primary key, or an index key with
// ReadIndex: the first record in index order). found is false when there is
// none; Doc.Key is then nil.
func (d *Database) Get(ctx context.Context, store string, key any, opts ...ReadOption) (doc Doc, found bool, err error) {
	r, _, err := readOpts(opts)
	if err != nil {
		return Doc{}, false, err
	}
	k, err := EncodeKey(key)
	if err != nil {
		return Doc{}, false, err
	}
	res, err := unary(d.c, ctx, d.svc.GetDocument, &v1.GetDocumentRequest{Database: d.name, Store: store, Index: r.index, Key: k})
	if err != nil || !res.GetFound() {
		return Doc{}, false, err
	}
	pk, key := DecodeKey(res.GetPrimaryKey()), DecodeKey(k)
	if r.index == "" {
		key = pk
	}
	return Doc{Key: key, PrimaryKey: pk, Value: DecodeDocument(res.GetDocument()), raw: res.GetDocument()}, true, nil
}

// GetAll reads up to ReadLimit records (default 1000) in key order in one
// call; more reports that the limit cut the result.
func (d *Database) GetAll(ctx context.Context, store string, opts ...ReadOption) (docs []Doc, more bool, err error) {
	r, pr, err := readOpts(opts)
	if err != nil {
		return nil, false, err
	}
	res, err := unary(d.c, ctx, d.svc.GetAllDocuments, &v1.GetAllDocumentsRequest{
		Database: d.name, Store: store, Index: r.index, Range: pr, Limit: r.limit, KeysOnly: r.keysOnly})
	if err != nil {
		return nil, false, err
	}
	docs = make([]Doc, len(res.GetRecords()))
	for i, rec := range res.GetRecords() {
		docs[i] = docOf(rec)
	}
	return docs, res.GetMore(), nil
}

// Page is one QueryDocuments page; NextPageToken is "" after the last.
type Page struct {
	Docs          []Doc
	NextPageToken string
}

// QueryPages iterates the pages of a cursor, following page tokens until the
// cursor is exhausted (ReadPageToken starts after an earlier page). Writes
// between pages are visible to later pages.
func (d *Database) QueryPages(ctx context.Context, store string, opts ...ReadOption) iter.Seq2[Page, error] {
	return func(yield func(Page, error) bool) {
		r, pr, err := readOpts(opts)
		if err != nil {
			yield(Page{}, err)
			return
		}
		req := &v1.QueryDocumentsRequest{Database: d.name, Store: store, Index: r.index, Range: pr,
			Direction: r.dir, PageSize: r.pageSize, PageToken: r.token, KeysOnly: r.keysOnly}
		for {
			res, err := unary(d.c, ctx, d.svc.QueryDocuments, req)
			if err != nil {
				yield(Page{}, err)
				return
			}
			p := Page{Docs: make([]Doc, len(res.GetRecords())), NextPageToken: res.GetNextPageToken()}
			for i, rec := range res.GetRecords() {
				p.Docs[i] = docOf(rec)
			}
			if !yield(p, nil) || p.NextPageToken == "" {
				return
			}
			req.PageToken = p.NextPageToken
		}
	}
}

// Query iterates the records of a cursor over a store or index (ReadIndex,
// ReadRange, ReadDirection, ReadPageSize, ReadKeysOnly), page by page.
func (d *Database) Query(ctx context.Context, store string, opts ...ReadOption) iter.Seq2[Doc, error] {
	return func(yield func(Doc, error) bool) {
		for p, err := range d.QueryPages(ctx, store, opts...) {
			if err != nil {
				yield(Doc{}, err)
				return
			}
			for _, doc := range p.Docs {
				if !yield(doc, nil) {
					return
				}
			}
		}
	}
}

// Count counts the records (index entries with ReadIndex) in ReadRange.
func (d *Database) Count(ctx context.Context, store string, opts ...ReadOption) (int64, error) {
	r, pr, err := readOpts(opts)
	if err != nil {
		return 0, err
	}
	res, err := unary(d.c, ctx, d.svc.CountDocuments, &v1.CountDocumentsRequest{Database: d.name, Store: store, Index: r.index, Range: pr})
	return res.GetCount(), err
}
