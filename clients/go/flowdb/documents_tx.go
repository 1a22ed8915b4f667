package flowdb

import (
	"context"
	"errors"
	"strconv"

	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
)

// TxOp is one operation of Database.Transact: TxPut, TxAdd, TxDelete,
// TxDeleteRange or TxClear.
type TxOp struct {
	kind     int
	store    string
	key, doc any
	rng      KeyRange
}

const (
	txPut = iota + 1
	txAdd
	txDelete
	txDeleteRange
	txClear
)

// TxPut inserts or replaces doc (key as in Database.Put).
func TxPut(store string, key, doc any) TxOp {
	return TxOp{kind: txPut, store: store, key: key, doc: doc}
}

// TxAdd inserts doc; the transaction fails with ReasonAlreadyExists if the key is taken.
func TxAdd(store string, key, doc any) TxOp {
	return TxOp{kind: txAdd, store: store, key: key, doc: doc}
}

// TxDelete deletes the record with primary key key.
func TxDelete(store string, key any) TxOp { return TxOp{kind: txDelete, store: store, key: key} }

// TxDeleteRange deletes the records whose primary key is in r.
func TxDeleteRange(store string, r KeyRange) TxOp {
	return TxOp{kind: txDeleteRange, store: store, rng: r}
}

// TxClear deletes every record of store.
func TxClear(store string) TxOp { return TxOp{kind: txClear, store: store} }

func (o TxOp) proto() (*v1.TransactOp, error) {
	switch o.kind {
	case txPut, txAdd:
		k, v, err := keyDoc(o.key, o.doc)
		if err != nil {
			return nil, err
		}
		p := &v1.TransactPut{Store: o.store, Key: k, Document: v}
		if o.kind == txAdd {
			return &v1.TransactOp{Op: &v1.TransactOp_Add{Add: p}}, nil
		}
		return &v1.TransactOp{Op: &v1.TransactOp_Put{Put: p}}, nil
	case txDelete:
		k, err := EncodeKey(o.key)
		if err != nil {
			return nil, err
		}
		return &v1.TransactOp{Op: &v1.TransactOp_Delete{Delete: &v1.TransactDelete{Store: o.store, Target: &v1.TransactDelete_Key{Key: k}}}}, nil
	case txDeleteRange:
		r, err := encodeRange(&o.rng)
		if err != nil {
			return nil, err
		}
		return &v1.TransactOp{Op: &v1.TransactOp_Delete{Delete: &v1.TransactDelete{Store: o.store, Target: &v1.TransactDelete_Range{Range: r}}}}, nil
	case txClear:
		return &v1.TransactOp{Op: &v1.TransactOp_Clear{Clear: &v1.TransactClear{Store: o.store}}}, nil
	}
	return nil, invalid(ReasonInvalidArgument, "ops", "flowdb: empty TxOp (use TxPut, TxAdd, TxDelete, TxDeleteRange or TxClear)")
}

// TxResult answers one TxOp: the primary key written (put, add) or the
// records deleted (delete, clear).
type TxResult struct {
	Key     any
	Deleted int64
}

// Transact applies ops in order in one readwrite transaction: all or
// nothing. On failure nothing is written and the *Error's
// Metadata["op_index"] names the failing op. seq is the seq of the last
// change (0 when nothing changed).
func (d *Database) Transact(ctx context.Context, ops ...TxOp) (results []TxResult, seq int64, err error) {
	req := &v1.TransactRequest{Database: d.name, Ops: make([]*v1.TransactOp, len(ops))}
	for i, o := range ops {
		if req.Ops[i], err = o.proto(); err != nil {
			var fe *Error
			if errors.As(err, &fe) {
				fe.Metadata["op_index"] = strconv.Itoa(i)
			}
			return nil, 0, err
		}
	}
	res, err := unary(d.c, ctx, d.svc.Transact, req)
	if err != nil {
		return nil, 0, err
	}
	results = make([]TxResult, len(res.GetResults()))
	for i, r := range res.GetResults() {
		results[i] = TxResult{Key: DecodeKey(r.GetKey()), Deleted: r.GetDeleted()}
	}
	return results, res.GetSeq(), nil
}
