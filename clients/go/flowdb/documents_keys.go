package flowdb

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"time"

	v1 "github.com/flowdb/flowdb/clients/go/gen/flowdb/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// Document error reasons (docs/errors.md), besides the KV ones in errors.go.
const (
	ReasonInvalidKey     = "ERROR_REASON_INVALID_KEY"
	ReasonNotFound       = "ERROR_REASON_NOT_FOUND"
	ReasonAlreadyExists  = "ERROR_REASON_ALREADY_EXISTS"
	ReasonSchemaConflict = "ERROR_REASON_SCHEMA_CONFLICT"
)

// KeyRange selects document keys between two bounds, like IDBKeyRange.
// A nil bound is unbounded.
type KeyRange struct {
	Lower, Upper         any
	LowerOpen, UpperOpen bool
}

// KeyOnly matches exactly k.
func KeyOnly(k any) KeyRange { return KeyRange{Lower: k, Upper: k} }

// KeyBound matches lower..upper; open excludes a bound.
func KeyBound(lower, upper any, lowerOpen, upperOpen bool) KeyRange {
	return KeyRange{Lower: lower, Upper: upper, LowerOpen: lowerOpen, UpperOpen: upperOpen}
}

// KeyLowerBound matches keys >= k (> k when open).
func KeyLowerBound(k any, open bool) KeyRange { return KeyRange{Lower: k, LowerOpen: open} }

// KeyUpperBound matches keys <= k (< k when open).
func KeyUpperBound(k any, open bool) KeyRange { return KeyRange{Upper: k, UpperOpen: open} }

func invalid(reason, field, format string, args ...any) *Error {
	return &Error{Code: codes.InvalidArgument, Reason: reason, Field: field,
		Message: fmt.Sprintf(format, args...), Metadata: map[string]string{"field": field}}
}

// EncodeKey converts a Go value to a DocumentKey: numbers (exact in a
// float64) become number keys, string string keys, time.Time date keys
// (millisecond resolution), []byte binary keys, slices and arrays array keys.
// A *v1.DocumentKey passes through. Anything else is an *Error with
// ReasonInvalidKey.
func EncodeKey(k any) (*v1.DocumentKey, error) {
	switch x := k.(type) {
	case *v1.DocumentKey:
		return x, nil
	case string:
		return &v1.DocumentKey{Kind: &v1.DocumentKey_StringValue{StringValue: x}}, nil
	case []byte:
		return &v1.DocumentKey{Kind: &v1.DocumentKey_BinaryValue{BinaryValue: x}}, nil
	case time.Time:
		return &v1.DocumentKey{Kind: &v1.DocumentKey_DateValue{DateValue: float64(x.UnixMilli())}}, nil
	case float64:
		return numberKey(x), nil
	case float32:
		return numberKey(float64(x)), nil
	case nil:
		return nil, invalid(ReasonInvalidKey, "key", "flowdb: a document key is required")
	}
	v := reflect.ValueOf(k)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if f := float64(v.Int()); f < math.MaxInt64 && int64(f) == v.Int() {
			return numberKey(f), nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if f := float64(v.Uint()); f < math.MaxUint64 && uint64(f) == v.Uint() {
			return numberKey(f), nil
		}
	case reflect.Slice, reflect.Array:
		arr := &v1.DocumentKeyArray{Values: make([]*v1.DocumentKey, v.Len())}
		for i := range v.Len() {
			e, err := EncodeKey(v.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			arr.Values[i] = e
		}
		return &v1.DocumentKey{Kind: &v1.DocumentKey_ArrayValue{ArrayValue: arr}}, nil
	default:
		return nil, invalid(ReasonInvalidKey, "key", "flowdb: %T is not a document key type", k)
	}
	return nil, invalid(ReasonInvalidKey, "key", "flowdb: key %v is not exact as a float64", k)
}

func numberKey(f float64) *v1.DocumentKey {
	return &v1.DocumentKey{Kind: &v1.DocumentKey_NumberValue{NumberValue: f}}
}

// DecodeKey converts a DocumentKey to a Go value: float64, string, time.Time
// (UTC), []byte or []any; nil for an unset key.
func DecodeKey(k *v1.DocumentKey) any {
	switch x := k.GetKind().(type) {
	case *v1.DocumentKey_NumberValue:
		return x.NumberValue
	case *v1.DocumentKey_StringValue:
		return x.StringValue
	case *v1.DocumentKey_DateValue:
		ms := x.DateValue
		return time.UnixMilli(int64(ms)).Add(time.Duration((ms - math.Trunc(ms)) * 1e6)).UTC()
	case *v1.DocumentKey_BinaryValue:
		return x.BinaryValue
	case *v1.DocumentKey_ArrayValue:
		out := make([]any, len(x.ArrayValue.GetValues()))
		for i, e := range x.ArrayValue.GetValues() {
			out[i] = DecodeKey(e)
		}
		return out
	}
	return nil
}

func encodeRange(r *KeyRange) (*v1.KeyRange, error) {
	if r == nil {
		return nil, nil
	}
	out := &v1.KeyRange{LowerOpen: r.LowerOpen, UpperOpen: r.UpperOpen}
	var err error
	if r.Lower != nil {
		if out.Lower, err = EncodeKey(r.Lower); err != nil {
			return nil, err
		}
	}
	if r.Upper != nil {
		if out.Upper, err = EncodeKey(r.Upper); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DecodeRange converts a proto KeyRange (nil: every key) to a KeyRange.
func DecodeRange(r *v1.KeyRange) *KeyRange {
	if r == nil {
		return nil
	}
	return &KeyRange{Lower: DecodeKey(r.Lower), Upper: DecodeKey(r.Upper), LowerOpen: r.LowerOpen, UpperOpen: r.UpperOpen}
}

// EncodeDocument converts a Go value to a JSON document: nil, bool, numbers,
// string, map[string]any, []any as with structpb.NewValue; other values
// (structs, typed maps and slices) through encoding/json. A *structpb.Value
// passes through.
func EncodeDocument(doc any) (*structpb.Value, error) {
	if v, ok := doc.(*structpb.Value); ok {
		return v, nil
	}
	if v, err := structpb.NewValue(doc); err == nil {
		if !finite(v) {
			return nil, invalid(ReasonInvalidArgument, "document", "flowdb: document: NaN and Inf are not JSON")
		}
		return v, nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, invalid(ReasonInvalidArgument, "document", "flowdb: document: %v", err)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, invalid(ReasonInvalidArgument, "document", "flowdb: document: %v", err)
	}
	v, err := structpb.NewValue(generic)
	if err != nil {
		return nil, invalid(ReasonInvalidArgument, "document", "flowdb: document: %v", err)
	}
	return v, nil
}

func finite(v *structpb.Value) bool {
	switch x := v.GetKind().(type) {
	case *structpb.Value_NumberValue:
		return !math.IsNaN(x.NumberValue) && !math.IsInf(x.NumberValue, 0)
	case *structpb.Value_StructValue:
		for _, e := range x.StructValue.GetFields() {
			if !finite(e) {
				return false
			}
		}
	case *structpb.Value_ListValue:
		for _, e := range x.ListValue.GetValues() {
			if !finite(e) {
				return false
			}
		}
	}
	return true
}

// DecodeDocument converts a JSON document to plain Go values (map[string]any,
// []any, float64, string, bool, nil).
func DecodeDocument(v *structpb.Value) any {
	if v == nil {
		return nil
	}
	return v.AsInterface()
}

// Doc is one document record.
type Doc struct {
	// Key is the key the read was ordered by: the index key for index reads,
	// otherwise the primary key (see DecodeKey for the Go types).
	Key any
	// PrimaryKey is the record's primary key.
	PrimaryKey any
	// Value is the document (nil when read keys-only).
	Value any
	raw   *structpb.Value
}

// Decode unmarshals the document into dst (a struct pointer, map, ...) with encoding/json.
func (d Doc) Decode(dst any) error {
	if d.raw == nil {
		return fmt.Errorf("flowdb: no document (keys-only read?)")
	}
	b, err := protojson.Marshal(d.raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// Raw returns the document as a structpb.Value (nil when read keys-only).
func (d Doc) Raw() *structpb.Value { return d.raw }

func docOf(r *v1.DocumentRecord) Doc {
	return Doc{Key: DecodeKey(r.GetKey()), PrimaryKey: DecodeKey(r.GetPrimaryKey()), Value: DecodeDocument(r.GetDocument()), raw: r.GetDocument()}
}
